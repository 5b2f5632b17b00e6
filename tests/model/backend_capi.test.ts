/**
 * The native backend on onnxruntime's C API (src/model/backend_ort_capi.ts) against
 * onnxruntime-node's binding on the same library: the same numbers, written in place,
 * and the same failures.
 */
import assert from "node:assert/strict";
import * as ortNode from "onnxruntime-node";
import { createOrtBackend, type Ort } from "../../src/model/backend_ort.ts";
import { bundledLibrary, createCapiBackend } from "../../src/model/backend_ort_capi.ts";
import { modelInfo } from "../../src/model/models.ts";
import { createSegmenter } from "../../src/model/segmenter.ts";
import { readImage } from "../../src/io/image_file.ts";
import { PHOTO, segcam, withTempDir } from "../cli/_run.ts";

/** A real model input: the photo resized to the model's size, planar RGB in [0, 1]. */
async function photoInput(width: number, height: number): Promise<Float32Array> {
  const frame = await readImage(PHOTO);
  const plane = width * height, input = new Float32Array(3 * plane);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = Math.floor((x + 0.5) * frame.width / width);
      const sy = Math.floor((y + 0.5) * frame.height / height);
      const at = (sy * frame.width + sx) * frame.channels;
      for (let c = 0; c < 3; c++) input[c * plane + y * width + x] = frame.data[at + c] / 255;
    }
  }
  return input;
}

Deno.test("the C API backend writes the same output as onnxruntime-node, in place, for both models", async () => {
  for (const name of ["general", "landscape"] as const) {
    const model = modelInfo(name);
    const bytes = await Deno.readFile(model.path);
    const input = await photoInput(model.inputWidth, model.inputHeight);
    const viaCapi = new Float32Array(model.inputWidth * model.inputHeight).fill(-1);
    const viaNode = new Float32Array(viaCapi.length);
    const capi = createCapiBackend(model, bytes, input, viaCapi, 1);
    const node = await createOrtBackend(
      ortNode as unknown as Ort,
      "native",
      model,
      bytes,
      input,
      viaNode,
      1,
    );
    try {
      assert.match(capi.description, /^onnxruntime 1\.\d+\.\d+ C API, 1 thread$/);
      await capi.run();
      await node.run();
      assert.ok(!viaCapi.includes(-1), `${name}: every output value is written`);
      assert.deepEqual(viaCapi, viaNode, `${name}: identical to the binding's output`);
      // A person in the middle of the photo, background in its top corners.
      const w = model.inputWidth, h = model.inputHeight;
      assert.ok(viaCapi[(h >> 1) * w + (w >> 1)] > 0.9, `${name}: centre is the person`);
      assert.ok(viaCapi[w - 1] < 0.1, `${name}: top right corner is background`);
      // A new input gives a new answer in the same buffer (the tensors wrap the buffers).
      input.fill(0);
      await capi.run();
      assert.notDeepEqual(viaCapi, viaNode, `${name}: the next run reads the input again`);
    } finally {
      await capi.dispose();
      await node.dispose();
    }
    await assert.rejects(capi.run(), /closed/);
  }
});

Deno.test("the C API backend refuses a damaged model with onnxruntime's message", async () => {
  const model = modelInfo("landscape");
  const bytes = (await Deno.readFile(model.path)).slice(0, 4000);
  const input = new Float32Array(3 * model.inputWidth * model.inputHeight);
  const output = new Float32Array(model.inputWidth * model.inputHeight);
  assert.throws(() => createCapiBackend(model, bytes, input, output, 1), /protobuf|parse|model/i);
});

Deno.test("createSegmenter() runs native inference on the C API, and on the binding when asked", async () => {
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  const capi = await createSegmenter({ backend: "native", threads: 1, model: "landscape", log });
  // Asked through the option, not SEGCAM_ORT_CAPI: test files share one process's environment.
  const options = { backend: "native", threads: 1, model: "landscape", log } as const;
  const node = await createSegmenter({ ...options, nativeVia: "binding" });
  try {
    assert.match(lines[0], /inference on native \(onnxruntime 1\.\d+\.\d+ C API, 1 thread\)/);
    assert.match(lines[1], /inference on native \(onnxruntime-node 1\.\d+\.\d+, 1 thread\)/);
    const frame = await readImage(PHOTO);
    assert.deepEqual(await capi.segment(frame), await node.segment(frame));
  } finally {
    await capi.dispose();
    await node.dispose();
  }
});

Deno.test("segcam mask, run with the task's permissions, infers on the C API of onnxruntime-node's library", async () => {
  // The library is found through the installed onnxruntime-node package.
  assert.ok((await Deno.stat(bundledLibrary())).isFile);
  await withTempDir(async (dir) => {
    const out = `${dir}/mask.png`;
    const run = await segcam(["--backend", "native", "mask", PHOTO, "-o", out]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /inference on native \(onnxruntime 1\.\d+\.\d+ C API/);
    const viaBinding = await segcam(["--backend", "native", "mask", PHOTO, "-o", `${dir}/b.png`], {
      SEGCAM_ORT_CAPI: "0",
    });
    assert.equal(viaBinding.code, 0, viaBinding.stderr);
    assert.match(viaBinding.stderr, /onnxruntime-node/);
    assert.deepEqual(await Deno.readFile(out), await Deno.readFile(`${dir}/b.png`));
  });
});

Deno.test("segcam image on two workers exits cleanly: the library outlives the workers that loaded it", async () => {
  await withTempDir(async (dir) => {
    const inputs = [`${dir}/a.png`, `${dir}/b.png`];
    for (const input of inputs) await Deno.copyFile(PHOTO, input);
    const run = await segcam([
      "--backend",
      "native",
      "image",
      ...inputs,
      "-e",
      "blur",
      "--jobs",
      "2",
      "-o",
      `${dir}/out/`,
    ]);
    // Unloaded with the last worker, libonnxruntime corrupted the heap at exit (134).
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /C API/);
    assert.equal((await Deno.stat(`${dir}/out/a.blur.png`)).isFile, true);
    assert.equal((await Deno.stat(`${dir}/out/b.blur.png`)).isFile, true);
  });
});
