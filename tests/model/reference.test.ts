/**
 * The converted models agree with an independent TFLite runtime: the original .tflite
 * run in TFLite's own WebAssembly build against our .onnx on both backends, on the
 * same real photo and the same preprocessed input.
 */
import assert from "node:assert/strict";
import { readImage } from "../../src/io/image_file.ts";
import { createSegmenter } from "../../src/model/segmenter.ts";
import { modelInfo, type ModelName } from "../../src/model/models.ts";
import { mediapipePackageFolder, MODEL_SOURCES } from "../../scripts/build_models.ts";
import { modelInput, runTflite } from "../_tflite_reference.ts";

const TFLITE: Record<ModelName, string> = {
  general: MODEL_SOURCES[0].tflite,
  landscape: MODEL_SOURCES[1].tflite,
};

for (const model of ["general", "landscape"] as const) {
  Deno.test(`${model} model: native and wasm agree with TFLite within 1e-3, no pixel crosses 0.5`, async () => {
    const frame = await readImage(new URL("../fixtures/astronaut.png", import.meta.url).pathname);
    const { inputWidth: w, inputHeight: h } = modelInfo(model);
    const { nhwc } = modelInput(frame, w, h);
    const tflite = await Deno.readFile(`${mediapipePackageFolder()}/${TFLITE[model]}`);
    const reference = await runTflite(tflite, nhwc);
    const personShare = reference.filter((v) => v > 0.5).length / reference.length;
    assert.ok(personShare > 0.3 && personShare < 0.8, `reference finds a person (${personShare})`);

    for (const backend of ["native", "wasm"] as const) {
      const segmenter = await createSegmenter({ backend, threads: 1, model });
      try {
        const ours = await segmenter.segment(frame);
        let maxDiff = 0, crossings = 0;
        for (let i = 0; i < ours.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(ours[i] - reference[i]));
          if ((ours[i] > 0.5) !== (reference[i] > 0.5)) crossings++;
        }
        assert.ok(maxDiff <= 1e-3, `${backend}: max abs difference ${maxDiff} > 1e-3`);
        assert.equal(crossings, 0, `${backend}: ${crossings} pixels cross 0.5`);
      } finally {
        await segmenter.dispose();
      }
    }
  });
}
