/**
 * The models segcam's peers run (../shared/data/models, from backscrub) convert, and each
 * converted model agrees with the TFLite runtime on a real portrait: the .tflite run in
 * TFLite's own WebAssembly build (tests/_tflite_reference.ts) against our .onnx run in
 * onnxruntime, on the same preprocessed input.
 *
 * Every model is held to that one runtime: it registers MediaPipe's
 * Convolution2DTransposeBias (Meet, ML Kit) and has every builtin these models use;
 * DeepLab and BodyPix are larger than its model array, so it runs them from a relocated
 * one (see relocateModelBuffer, checked below to change nothing for a model that fits).
 *
 * Tolerance: max abs difference 1e-3 on the raw outputs (logits up to about 28 in
 * magnitude; measured differences are under 1e-4, the float32 sums running in another
 * order), and not one place where the person/background decision differs.
 */
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import onnxProto from "onnx-proto";
import { convertTflite, UnsupportedOperatorError } from "../../src/convert/convert.ts";
import { NHWC_TO_NCHW_AXIS } from "../../src/convert/ops.ts";
import { operatorName, readTflite, type TfliteOperator } from "../../src/convert/tflite_reader.ts";
import { readImage } from "../../src/io/image_file.ts";
import { MODEL_BUFFER_BYTES, modelInput, runTflite } from "../_tflite_reference.ts";
import { isOneLineError, segcam, withTempDir } from "../cli/_run.ts";
import { patchGraphOutput, patchOperatorCode } from "./_patch_tflite.ts";

const SHARED = new URL("../../../shared/data/", import.meta.url).pathname;
const MODELS = `${SHARED}models/`;
const PORTRAIT = "0001";
const haveShared = (() => {
  try {
    return Deno.statSync(`${MODELS}segm_full_v679.tflite`).isFile;
  } catch {
    return false;
  }
})();
const ignore = !haveShared;
const WHY = haveShared ? "" : " (skipped: ../shared/data/models is absent)";

/** Largest allowed |ONNX − TFLite| on any output value. */
const MAX_ABS_DIFF = 1e-3;

interface PeerModel {
  file: string;
  /** The RGB range the model was trained on: [0, 1], or [-1, 1] (x/127.5 − 1). */
  range: "0..1" | "-1..1";
  /** NCHW, as the ONNX model gives them. */
  input: number[];
  output: number[];
  /** Whether output place `i` (of `n` per channel, NCHW) is the person. */
  person(out: Float32Array, n: number, i: number): boolean;
  /**
   * IoU of that decision with the portrait's hand-labelled mask, at the output size: a
   * floor some 0.05 under what each model scores on this portrait, there to catch a wrong
   * reading of the output (channel, class, threshold) or of the input's range.
   */
  minIoU: number;
  operators: Record<string, number>;
}

const PEER_MODELS: Record<string, PeerModel> = {
  "Meet full": {
    file: "segm_full_v679.tflite",
    range: "0..1",
    input: [1, 3, 144, 256],
    output: [1, 2, 144, 256],
    // Two logits, background then person: softmax's person share > 0.5.
    person: (out, n, i) => out[n + i] > out[i],
    minIoU: 0.88,
    operators: { RELU6: 10, FULLY_CONNECTED: 12, CONCATENATION: 3, DEQUANTIZE: 110 },
  },
  "Meet lite": {
    file: "segm_lite_v681.tflite",
    range: "0..1",
    input: [1, 3, 96, 160],
    output: [1, 2, 96, 160],
    person: (out, n, i) => out[n + i] > out[i],
    minIoU: 0.75,
    operators: { RELU6: 10, FULLY_CONNECTED: 12, CONCATENATION: 3, DEQUANTIZE: 110 },
  },
  "ML Kit selfie (float16)": {
    file: "selfiesegmentation_mlkit-256x256-2021_01_19-v1215.f16.tflite",
    range: "0..1",
    input: [1, 3, 256, 256],
    output: [1, 1, 256, 256],
    person: (out, _n, i) => out[i] > 0.5, // a probability (LOGISTIC)
    minIoU: 0.8,
    operators: { DEQUANTIZE: 110, Convolution2DTransposeBias: 1 },
  },
  "DeepLab v3": {
    file: "deeplabv3_257_mv_gpu.tflite",
    range: "-1..1",
    input: [1, 3, 257, 257],
    output: [1, 21, 257, 257],
    // 21 PASCAL VOC class logits; person is class 15 where it is the largest.
    person: (out, n, i) => {
      let best = 0;
      for (let c = 1; c < 21; c++) if (out[c * n + i] > out[best * n + i]) best = c;
      return best === 15;
    },
    minIoU: 0.7,
    operators: { CONCATENATION: 1, AVERAGE_POOL_2D: 1, RESIZE_BILINEAR: 3 },
  },
  "BodyPix": {
    file: "body-pix-float-050-8.tflite",
    range: "-1..1", // MobileNet BodyPix: x/127.5 − 1 (its input is the graph's "sub_2")
    input: [1, 3, 257, 257],
    output: [1, 1, 33, 33],
    person: (out, _n, i) => out[i] > 0, // a logit: sigmoid > 0.5
    minIoU: 0.72,
    operators: { CONV_2D: 15, DEPTHWISE_CONV_2D: 13 },
  },
};

/** The portrait resized to the model's input, as planar (ONNX) and interleaved (TFLite). */
async function portraitInput(
  model: PeerModel,
): Promise<{ nchw: Float32Array; nhwc: Float32Array }> {
  const frame = await readImage(`${SHARED}portraits/images/${PORTRAIT}.jpg`);
  const [, , h, w] = model.input;
  return modelInput(frame, w, h, model.range === "-1..1" ? (v) => 2 * v - 1 : undefined);
}

/** The portrait's labelled mask sampled (nearest) at the output size: 1 = person. */
async function truthAt(width: number, height: number): Promise<Uint8Array> {
  const mask = await readImage(`${SHARED}portraits/masks/${PORTRAIT}.png`);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(mask.height - 1, Math.floor((y + 0.5) * mask.height / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(mask.width - 1, Math.floor((x + 0.5) * mask.width / width));
      out[y * width + x] = mask.data[(sy * mask.width + sx) * mask.channels] > 127 ? 1 : 0;
    }
  }
  return out;
}

for (const [label, model] of Object.entries(PEER_MODELS)) {
  Deno.test({
    name: `${label}: converts, and onnxruntime agrees with TFLite within ${MAX_ABS_DIFF} on a ` +
      `portrait${WHY}`,
    ignore,
    async fn() {
      const tflite = await Deno.readFile(`${MODELS}${model.file}`);
      const conversion = convertTflite(tflite);
      assert.deepEqual(conversion.inputShape, model.input);
      assert.deepEqual(conversion.outputShape, model.output);
      for (const [op, count] of Object.entries(model.operators)) {
        assert.equal(conversion.operators[op], count, `${op} count`);
      }

      const { nchw, nhwc } = await portraitInput(model);
      const reference = await runTflite(tflite, nhwc); // NHWC
      const session = await ort.InferenceSession.create(conversion.onnx);
      let ours: Float32Array;
      try {
        const result = await session.run({ input: new ort.Tensor("float32", nchw, model.input) });
        assert.deepEqual(result.segmentation.dims, model.output);
        ours = result.segmentation.data as Float32Array;
      } finally {
        await session.release();
      }

      const [, channels, h, w] = model.output;
      const n = h * w;
      assert.equal(reference.length, channels * n);
      const referenceNchw = new Float32Array(reference.length);
      let maxDiff = 0;
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < channels; c++) {
          referenceNchw[c * n + i] = reference[i * channels + c];
          maxDiff = Math.max(maxDiff, Math.abs(ours[c * n + i] - reference[i * channels + c]));
        }
      }
      assert.ok(maxDiff <= MAX_ABS_DIFF, `max abs difference ${maxDiff} > ${MAX_ABS_DIFF}`);

      // Same decisions, and they find the labelled person: the output means what we say.
      const truth = await truthAt(w, h);
      let crossings = 0, both = 0, either = 0;
      for (let i = 0; i < n; i++) {
        const p = model.person(ours, n, i);
        if (p !== model.person(referenceNchw, n, i)) crossings++;
        if (p && truth[i]) both++;
        if (p || truth[i]) either++;
      }
      assert.equal(crossings, 0, `${crossings} places decide differently from TFLite`);
      assert.ok(both / either >= model.minIoU, `IoU ${both / either} < ${model.minIoU}`);
    },
  });
}

/**
 * Op by op: each operator this converter gained for the peer models, and each new
 * configuration of an old one, checked on its own. The model's output is moved to the
 * operator's output tensor (patchGraphOutput), so both runtimes return that activation,
 * computed from the real portrait through the real layers before it.
 */
const OP_CHECKS: { model: string; what: string; pick(op: TfliteOperator): boolean }[] = [
  { model: "Meet full", what: "RELU6", pick: (op) => operatorName(op) === "RELU6" },
  {
    model: "Meet full",
    what: "FULLY_CONNECTED (keep_num_dims, float16 weights)",
    pick: (op) => operatorName(op) === "FULLY_CONNECTED",
  },
  {
    model: "Meet full",
    what: "CONCATENATION on axis -1",
    pick: (op) => operatorName(op) === "CONCATENATION",
  },
  {
    model: "DeepLab v3",
    what: "DEPTHWISE_CONV_2D dilated 2x2",
    pick: (op) => operatorName(op) === "DEPTHWISE_CONV_2D" && op.options.int32(5) === 2,
  },
  {
    model: "DeepLab v3",
    what: "AVERAGE_POOL_2D over a 33x33 map",
    pick: (op) => operatorName(op) === "AVERAGE_POOL_2D",
  },
  {
    model: "DeepLab v3",
    what: "RESIZE_BILINEAR align_corners from 1x1",
    pick: (op) => operatorName(op) === "RESIZE_BILINEAR",
  },
  {
    model: "DeepLab v3",
    what: "CONCATENATION on axis 3",
    pick: (op) => operatorName(op) === "CONCATENATION",
  },
];

for (const { model: label, what, pick } of OP_CHECKS) {
  Deno.test({
    name: `${what} in ${label}: the operator's own output agrees with TFLite within ` +
      `${MAX_ABS_DIFF}${WHY}`,
    ignore,
    async fn() {
      const model = PEER_MODELS[label];
      const original = await Deno.readFile(`${MODELS}${model.file}`);
      const op = readTflite(original).operators.find(pick);
      assert.ok(op !== undefined, `${label} has a ${what}`);
      const tflite = patchGraphOutput(original.slice(), op.outputs[0]);
      const conversion = convertTflite(tflite);
      const [, channels, h, w] = conversion.outputShape;
      const n = h * w;
      const { nchw, nhwc } = await portraitInput(model);
      // Relocated: in the original layout, Meet run with an intermediate as its output
      // overwrote the first 182 KB of its own model array (the integrity check caught it);
      // from the relocated array the model stays untouched.
      const reference = await runTflite(tflite, nhwc, true);
      assert.equal(reference.length, channels * n);
      const session = await ort.InferenceSession.create(conversion.onnx);
      try {
        const result = await session.run({ input: new ort.Tensor("float32", nchw, model.input) });
        const ours = result.segmentation.data as Float32Array;
        let maxDiff = 0;
        for (let i = 0; i < n; i++) {
          for (let c = 0; c < channels; c++) {
            maxDiff = Math.max(maxDiff, Math.abs(ours[c * n + i] - reference[i * channels + c]));
          }
        }
        assert.ok(maxDiff <= MAX_ABS_DIFF, `max abs difference ${maxDiff} > ${MAX_ABS_DIFF}`);
        // A real activation, not zeros that would agree with anything.
        assert.ok(reference.some((v) => Math.abs(v) > 0.1), "the activation is not all ~0");
      } finally {
        await session.release();
      }
    },
  });
}

Deno.test({
  name: `the relocated TFLite runtime gives a model that fits the original array the same ` +
    `output${WHY}`,
  ignore,
  async fn() {
    // Meet lite (407 KB) fits the runtime's 410,000-byte array; padding the file past it
    // (bytes after a FlatBuffer are ignored) sends it through the relocated runtime.
    const tflite = await Deno.readFile(`${MODELS}segm_lite_v681.tflite`);
    assert.ok(tflite.length <= MODEL_BUFFER_BYTES);
    const padded = new Uint8Array(MODEL_BUFFER_BYTES + 1024);
    padded.set(tflite);
    const { nhwc } = await portraitInput(PEER_MODELS["Meet lite"]);
    const original = await runTflite(tflite, nhwc);
    const relocated = await runTflite(padded, nhwc);
    assert.deepEqual(relocated, original);
    assert.ok(original.some((v) => v > 5) && original.some((v) => v < -5), "real logits");
  },
});

Deno.test({
  name: `float16 weights (DEQUANTIZE) become float32 initializers, not Cast nodes${WHY}`,
  ignore,
  async fn() {
    const file = PEER_MODELS["ML Kit selfie (float16)"].file;
    const { onnx } = convertTflite(await Deno.readFile(`${MODELS}${file}`));
    const model = onnxProto.onnx.ModelProto.decode(onnx);
    const graph = model.graph!;
    assert.ok(!graph.node!.some((node) => node.opType === "Cast"));
    const { FLOAT, INT64 } = onnxProto.onnx.TensorProto.DataType;
    assert.ok(graph.initializer!.every((t) => t.dataType === FLOAT || t.dataType === INT64));
    const floats = graph.initializer!.filter((t) => t.dataType === FLOAT).length;
    assert.ok(floats >= 110, `${floats} float32 initializers for 110 dequantized tensors`);
  },
});

Deno.test("CONCATENATION's NHWC axis lands on the matching NCHW axis", () => {
  // Channels (3, or -1 as Meet writes it) are ONNX's axis 1; height 2, width 3.
  assert.deepEqual(NHWC_TO_NCHW_AXIS, [0, 2, 3, 1]);
});

Deno.test({
  name: `segcam convert names the unsupported operator and the model in one line${WHY}`,
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      // Meet full's RELU6 (code 21, first at operator #7) recoded as SOFTMAX (25).
      const bytes = await Deno.readFile(`${MODELS}segm_full_v679.tflite`);
      assert.throws(
        () => convertTflite(patchOperatorCode(bytes.slice(), 21, 25)),
        (e: Error) =>
          e instanceof UnsupportedOperatorError &&
          e.message === "unsupported TFLite operator SOFTMAX at operator #7",
      );
      const model = `${dir}/meet.tflite`;
      await Deno.writeFile(model, patchOperatorCode(bytes.slice(), 21, 25));
      const r = await segcam(["convert", model, "-o", `${dir}/meet.onnx`]);
      assert.equal(r.code, 1);
      assert.ok(isOneLineError(r.stderr), r.stderr);
      assert.match(r.stderr, /meet\.tflite: unsupported TFLite operator SOFTMAX at operator #7/);
    });
  },
});
