/**
 * The hooks that make any model's answer a person probability, checked exactly on tiny
 * ONNX models built here (a 1x1 convolution of known weights), run by the real
 * segmenter on onnxruntime: a softmax pair (Meet's kind), a 21-class map (DeepLab's),
 * a logit map (BodyPix's), NHWC tensors, the [-1, 1] input range and a smaller output.
 */
import assert from "node:assert/strict";
import { OnnxGraph } from "../../src/convert/onnx_writer.ts";
import { InputError } from "../../src/errors.ts";
import { createFrame, type Frame } from "../../src/frame.ts";
import { createSegmenter } from "../../src/model/segmenter.ts";
import { parseSidecar, specFromShapes } from "../../src/model/model_spec.ts";

const W = 4, H = 4;

/**
 * A model whose output channel c is Σ_k weights[c][k]·rgb_k + bias[c] at each pixel
 * (rgb as the model receives it), NCHW or NHWC on both sides; `stride` 2 halves the
 * output's size.
 */
function convModel(
  weights: number[][],
  bias: number[],
  options: { layout?: "NCHW" | "NHWC"; stride?: number } = {},
): Uint8Array {
  const g = new OnnxGraph();
  const m = weights.length, stride = options.stride ?? 1;
  const oh = H / stride, ow = W / stride;
  g.initializer("w", [m, 3, 1, 1], Float32Array.from(weights.flat()));
  g.initializer("b", [m], Float32Array.from(bias));
  const nhwc = options.layout === "NHWC";
  const x = nhwc ? g.node("Transpose", ["input"], "x", { perm: [0, 3, 1, 2] }) : "input";
  const conv = g.node("Conv", [x, "w", "b"], nhwc ? "y" : "output", {
    kernel_shape: [1, 1],
    strides: [stride, stride],
  });
  if (nhwc) g.node("Transpose", [conv], "output", { perm: [0, 2, 3, 1] });
  return g.encode(
    { name: "input", shape: nhwc ? [1, H, W, 3] : [1, 3, H, W] },
    { name: "output", shape: nhwc ? [1, oh, ow, m] : [1, m, oh, ow] },
    "test model",
  );
}

/** A 4x4 frame whose red rises along the row, green down the column, blue fixed. */
function rampFrame(): Frame {
  const frame = createFrame(W, H, 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 3;
      frame.data[i] = 40 + 60 * x;
      frame.data[i + 1] = 230 - 50 * y;
      frame.data[i + 2] = 128;
    }
  }
  return frame;
}

/** Writes the model (and its sidecar) to a temporary folder and runs it once on rampFrame(). */
async function segmentWith(
  onnx: Uint8Array,
  sidecar?: unknown,
  log?: (line: string) => void,
): Promise<Float32Array> {
  const dir = await Deno.makeTempDir({ prefix: "segcam-kinds-" });
  try {
    await Deno.writeFile(`${dir}/m.onnx`, onnx);
    if (sidecar !== undefined) await Deno.writeTextFile(`${dir}/m.json`, JSON.stringify(sidecar));
    const segmenter = await createSegmenter({
      backend: "native",
      threads: 1,
      model: `${dir}/m.onnx`,
      log,
    });
    try {
      return (await segmenter.segment(rampFrame())).slice();
    } finally {
      await segmenter.dispose();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** What each pixel of rampFrame() is as the model receives it in [0, 1]. */
const rgb = (i: number) => {
  const f = rampFrame();
  return [f.data[i * 3] / 255, f.data[i * 3 + 1] / 255, f.data[i * 3 + 2] / 255];
};
const dot = (w: number[], v: number[]) => w[0] * v[0] + w[1] * v[1] + w[2] * v[2];
const close = (actual: Float32Array, expected: (i: number) => number, what: string) => {
  for (let i = 0; i < actual.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected(i)) < 1e-5,
      `${what}: pixel ${i}: expected ${expected(i)}, got ${actual[i]}`,
    );
  }
};

// Background logit from blue, person logit from red: they cross within the ramp.
const PAIR = [[0, 0, 4], [8, 0, 0]];

Deno.test("a two-channel output is a background/person softmax pair: person = softmax at channel 1", async () => {
  const map = await segmentWith(convModel(PAIR, [0, -1]));
  assert.equal(map.length, W * H);
  close(map, (i) => {
    const [l0, l1] = [dot(PAIR[0], rgb(i)), dot(PAIR[1], rgb(i)) - 1];
    return Math.exp(l1) / (Math.exp(l0) + Math.exp(l1));
  }, "softmax pair");
  assert.ok(map[0] < 0.5 && map[3] > 0.5, "the ramp crosses from background to person");
});

Deno.test("a 21-channel class map: the person is class 15, by softmax over all 21", async () => {
  // Every class answers something, so the denominator is really over all 21.
  const weights = Array.from({ length: 21 }, (_, c) => [c / 10, 1 - c / 20, 0.3]);
  weights[15] = [6, 0, 0];
  const bias = Array.from({ length: 21 }, (_, c) => c / 7);
  const map = await segmentWith(convModel(weights, bias));
  close(map, (i) => {
    const logits = weights.map((w, c) => dot(w, rgb(i)) + bias[c]);
    const sum = logits.reduce((s, l) => s + Math.exp(l), 0);
    return Math.exp(logits[15]) / sum;
  }, "class map");
});

Deno.test("the sidecar's person_index picks another class of the map", async () => {
  const weights = Array.from({ length: 21 }, () => [0, 0, 0]);
  weights[7] = [0, 5, 0];
  const map = await segmentWith(convModel(weights, new Array(21).fill(0)), { person_index: 7 });
  close(map, (i) => {
    const l = dot(weights[7], rgb(i));
    return Math.exp(l) / (20 + Math.exp(l));
  }, "class 7");
});

Deno.test("a one-channel logit map is told from its answer and goes through the sigmoid", async () => {
  const lines: string[] = [];
  const map = await segmentWith(convModel([[6, -3, 0]], [-2]), undefined, (l) => lines.push(l));
  close(map, (i) => 1 / (1 + Math.exp(-(dot([6, -3, 0], rgb(i)) - 2))), "sigmoid");
  assert.match(lines.join("\n"), /output sigmoid \(from its answer on a gray picture/);
});

Deno.test('"output": "probability" in the sidecar takes a one-channel map as it is (clamped to 0..1)', async () => {
  const map = await segmentWith(convModel([[1, 0, 0]], [0.1]), { output: "probability" });
  close(map, (i) => Math.min(1, rgb(i)[0] + 0.1), "probability");
});

Deno.test("NHWC tensors are fed interleaved and read interleaved; [-1, 1] input from the sidecar", async () => {
  const nchw = await segmentWith(convModel(PAIR, [0, -1]), { input_range: [-1, 1] });
  const nhwc = await segmentWith(convModel(PAIR, [0, -1], { layout: "NHWC" }), {
    input_range: [-1, 1],
  });
  close(nhwc, (i) => {
    const v = rgb(i).map((c) => c * 2 - 1);
    const [l0, l1] = [dot(PAIR[0], v), dot(PAIR[1], v) - 1];
    return 1 / (1 + Math.exp(l0 - l1));
  }, "NHWC, [-1, 1]");
  close(nchw, (i) => nhwc[i], "NCHW equals NHWC");
});

Deno.test("a smaller output is upscaled bilinearly to the input size", async () => {
  // Stride 2: the output is 2x2, sampled at pixels (0,0), (2,0), (0,2), (2,2).
  const map = await segmentWith(convModel([[1, 0, 0]], [0], { stride: 2 }), {
    output: "probability",
  });
  assert.equal(map.length, W * H);
  const r = (x: number) => rgb(x)[0]; // red depends on x only
  // Row 0, bilinear from 2 to 4 (half-pixel centres): x = 0,1 → source 0 … x = 3 → source 1.
  close(
    map.subarray(0, 4),
    (x) => [r(0), r(0) * 0.75 + r(2) * 0.25, r(0) * 0.25 + r(2) * 0.75, r(2)][x],
    "row 0",
  );
});

Deno.test("a model whose person channel cannot be known is refused naming the sidecar key", async () => {
  const seven = Array.from({ length: 7 }, () => [1, 0, 0]);
  await assert.rejects(
    segmentWith(convModel(seven, new Array(7).fill(0))),
    (e: Error) =>
      e instanceof InputError && /7 channels/.test(e.message) &&
      /"person_index": <channel>/.test(e.message) && /m\.onnx\.json/.test(e.message) &&
      !e.message.includes("\n"),
  );
});

Deno.test("parseSidecar() refuses a bad value, an unknown key and non-JSON, naming file and key", () => {
  const refused = (text: string, pattern: RegExp) =>
    assert.throws(
      () => parseSidecar(text, "m.json"),
      (e: Error) => e instanceof InputError && pattern.test(e.message),
    );
  refused(
    '{"input_range": [0, 255]}',
    /m\.json: "input_range" takes \[0, 1\] or \[-1, 1\], got \[0,255\]/,
  );
  refused('{"output": "argmax"}', /"output" takes one of "probability", "sigmoid", "softmax"/);
  refused('{"person_index": -1}', /"person_index" takes a channel number/);
  refused('{"persons": 1}', /unknown key "persons"; known keys: input_range/);
  refused("{output: softmax}", /m\.json is not JSON/);
  assert.deepEqual(parseSidecar('{"layout": "NHWC", "person_index": 2}', "m.json"), {
    layout: "NHWC",
    person_index: 2,
  });
});

Deno.test("specFromShapes() recognises DeepLab and BodyPix by shape, and the sidecar overrides", () => {
  const names = { model: "m.onnx", sidecar: "m.onnx.json" };
  const deeplab = specFromShapes([1, 3, 257, 257], [1, 21, 257, 257], {}, names);
  assert.equal(deeplab.family, "DeepLab v3 (PASCAL VOC)");
  assert.deepEqual([deeplab.inputRange, deeplab.output, deeplab.personIndex], [
    [-1, 1],
    "softmax",
    15,
  ]);
  const bodypix = specFromShapes([1, 257, 257, 3], [1, 33, 33, 1], {}, names);
  assert.deepEqual(
    [bodypix.layout, bodypix.inputRange, bodypix.output, bodypix.outputWidth],
    ["NHWC", [-1, 1], "sigmoid", 33],
  );
  const told = specFromShapes([1, 3, 257, 257], [1, 21, 257, 257], {
    input_range: [0, 1],
    person_index: 3,
  }, names);
  assert.deepEqual([told.inputRange, told.personIndex], [[0, 1], 3]);
  const meet = specFromShapes([1, 3, 144, 256], [1, 2, 144, 256], {}, names);
  assert.deepEqual([meet.inputRange, meet.output, meet.personIndex], [[0, 1], "softmax", 1]);
  assert.throws(
    () => specFromShapes([1, 3, undefined, undefined], [1, 1, undefined, undefined], {}, names),
    /no fixed size; say "input_size": \[height, width\] in m\.onnx\.json/,
  );
  const sized = specFromShapes([1, 3, undefined, undefined], [1, 1, undefined, undefined], {
    input_size: [96, 160],
  }, names);
  assert.deepEqual([sized.inputHeight, sized.inputWidth, sized.outputHeight], [96, 160, 96]);
});

Deno.test("a model that takes bytes, not float32, is refused saying which tensor and what it is", async () => {
  const { onnx } = (await import("onnx-proto")).default;
  const model = onnx.ModelProto.decode(convModel(PAIR, [0, -1]));
  model.graph!.input![0].type!.tensorType!.elemType = onnx.TensorProto.DataType.UINT8;
  await assert.rejects(
    segmentWith(onnx.ModelProto.encode(model).finish()),
    (e: Error) =>
      e instanceof InputError &&
      /its input is uint8, and segcam feeds and reads float32; export it with a float32 input/
        .test(e.message),
  );
});
