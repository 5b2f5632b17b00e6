import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import {
  convertTflite,
  TfliteFormatError,
  UnsupportedOperatorError,
} from "../../src/convert/convert.ts";
import { permute, samePads } from "../../src/convert/ops.ts";
import { operatorName, readTflite } from "../../src/convert/tflite_reader.ts";
import { buildModel, mediapipePackageFolder, MODEL_SOURCES } from "../../scripts/build_models.ts";
import { patchOperatorCode } from "./_patch_tflite.ts";

const tflitePath = (name: string) => `${mediapipePackageFolder()}/${name}`;

Deno.test("deno task models regenerates models/*.onnx byte for byte", async () => {
  for (const { tflite, onnx } of MODEL_SOURCES) {
    const committed = await Deno.readFile(new URL(`../../models/${onnx}`, import.meta.url));
    const fresh = new Uint8Array(await buildModel(tflite));
    assert.ok(
      fresh.length === committed.length && fresh.every((b, i) => b === committed[i]),
      `${onnx} differs from a fresh conversion`,
    );
  }
});

Deno.test("readTflite() reads the general model's operators and its NHWC input and output", async () => {
  const model = readTflite(await Deno.readFile(tflitePath("selfie_segmentation.tflite")));
  const counts: Record<string, number> = {};
  for (const op of model.operators) counts[operatorName(op)] = (counts[operatorName(op)] ?? 0) + 1;
  assert.deepEqual(counts, {
    DEQUANTIZE: 110,
    CONV_2D: 43,
    HARD_SWISH: 11,
    RELU: 22,
    DEPTHWISE_CONV_2D: 11,
    AVERAGE_POOL_2D: 10,
    LOGISTIC: 11,
    MUL: 10,
    ADD: 14,
    RESIZE_BILINEAR: 3,
    Convolution2DTransposeBias: 1,
  });
  assert.deepEqual(model.tensors[model.inputs[0]].shape, [1, 256, 256, 3]);
  assert.deepEqual(model.tensors[model.outputs[0]].shape, [1, 256, 256, 1]);
});

Deno.test("convertTflite() gives NCHW input/output shapes for both models", async () => {
  const general = convertTflite(await Deno.readFile(tflitePath("selfie_segmentation.tflite")));
  assert.deepEqual([general.inputShape, general.outputShape], [[1, 3, 256, 256], [1, 1, 256, 256]]);
  const landscape = convertTflite(
    await Deno.readFile(tflitePath("selfie_segmentation_landscape.tflite")),
  );
  assert.deepEqual(landscape.inputShape, [1, 3, 144, 256]);
  assert.deepEqual(landscape.outputShape, [1, 1, 144, 256]);
  assert.equal(landscape.operators.MEAN, 10); // the landscape model pools with MEAN
});

Deno.test("convertTflite() rejects bytes that are not TFLite, and truncated models", async () => {
  const png = await Deno.readFile(new URL("../fixtures/astronaut.png", import.meta.url));
  assert.throws(() => convertTflite(png), TfliteFormatError);
  assert.throws(() => convertTflite(new Uint8Array([1, 2, 3])), TfliteFormatError);
  const model = await Deno.readFile(tflitePath("selfie_segmentation.tflite"));
  assert.throws(() => convertTflite(model.subarray(0, 5000)), TfliteFormatError);
});

Deno.test("convertTflite() names an unsupported operator and its index", async () => {
  const bytes = (await Deno.readFile(tflitePath("selfie_segmentation.tflite"))).slice();
  // Operator #3 is the first HARD_SWISH (code 117). Rewrite its operator code's
  // builtin_code and deprecated_builtin_code bytes to SOFTMAX (25), found by searching
  // the OperatorCode table for the two fields holding 117.
  const model = readTflite(bytes);
  assert.equal(operatorName(model.operators[3]), "HARD_SWISH");
  const patched = patchOperatorCode(bytes, 117, 25);
  assert.throws(
    () => convertTflite(patched),
    (e: Error) =>
      e instanceof UnsupportedOperatorError &&
      e.message === "unsupported TFLite operator SOFTMAX at operator #3",
  );
});

Deno.test("samePads() puts TFLite's odd padding pixel at the end", () => {
  // 256 input, 3x3 kernel, stride 2: output 128, total padding 1 → [0 before, 1 after].
  assert.deepEqual(samePads(0, [256, 256], [3, 3], [2, 2], [1, 1]), [0, 0, 1, 1]);
  // stride 1, 5x5: total 4 → 2 and 2.
  assert.deepEqual(samePads(0, [16, 9], [5, 5], [1, 1], [1, 1]), [2, 2, 2, 2]);
  // VALID: none.
  assert.deepEqual(samePads(1, [16, 16], [3, 3], [1, 1], [1, 1]), [0, 0, 0, 0]);
});

Deno.test("permute() moves OHWI weights to OIHW", () => {
  // shape [O=2, H=1, W=2, I=3], value = o*100 + w*10 + i
  const data = Float32Array.from([0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112]);
  const out = permute(data, [2, 1, 2, 3], [0, 3, 1, 2]); // → [O, I, H, W]
  assert.deepEqual(Array.from(out), [0, 10, 1, 11, 2, 12, 100, 110, 101, 111, 102, 112]);
});

Deno.test("a converted model runs in onnxruntime and finds the person in the sample photo", async () => {
  const { onnx } = convertTflite(await Deno.readFile(tflitePath("selfie_segmentation.tflite")));
  const session = await ort.InferenceSession.create(onnx);
  const { Image } = await import("imagescript");
  const image = await Image.decode(
    await Deno.readFile(new URL("../fixtures/astronaut.png", import.meta.url)),
  );
  image.resize(256, 256);
  const input = new Float32Array(3 * 256 * 256);
  for (let i = 0; i < 256 * 256; i++) {
    for (let c = 0; c < 3; c++) input[c * 65536 + i] = image.bitmap[4 * i + c] / 255;
  }
  const result = await session.run({ input: new ort.Tensor("float32", input, [1, 3, 256, 256]) });
  const map = result.segmentation.data as Float32Array;
  assert.deepEqual(result.segmentation.dims, [1, 1, 256, 256]);
  assert.ok(map.every((v) => v >= 0 && v <= 1));
  assert.ok(map[128 * 256 + 128] > 0.9, "the centre of the portrait is a person");
  assert.ok(map[8 * 256 + 248] < 0.1, "the top right corner is background");
  await session.release();
});
