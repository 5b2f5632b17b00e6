/**
 * The converter spreads squeeze-and-excite gates for onnxruntime's native layout, and
 * broadcastGates takes the spreads out again for the WebAssembly runtime: the same
 * numbers either way, and nothing else in a model is touched.
 */
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import onnxProto from "onnx-proto";
import { broadcastGates, gateSpreads } from "../../src/model/broadcast_gates.ts";
import { OnnxGraph } from "../../src/convert/onnx_writer.ts";
import { readImage } from "../../src/io/image_file.ts";
import { PHOTO, segcam, withTempDir } from "../cli/_run.ts";

const { onnx } = onnxProto;
const models = new URL("../../models/", import.meta.url).pathname;

function decode(bytes: Uint8Array) {
  return onnx.ModelProto.decode(bytes).graph!;
}

function count(bytes: Uint8Array, opType: string): number {
  return decode(bytes).node!.filter((node) => node.opType === opType).length;
}

async function run(bytes: Uint8Array, input: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", input, dims) };
    const result = await session.run(feeds);
    return result[session.outputNames[0]].data as Float32Array;
  } finally {
    await session.release();
  }
}

for (const name of ["selfie_general", "selfie_landscape"]) {
  Deno.test(`${name}: ten gates spread, all taken out for wasm, the same segmentation`, async () => {
    const spread = await Deno.readFile(`${models}${name}.onnx`);
    assert.equal(gateSpreads(decode(spread)).length, 10);
    assert.equal(count(spread, "Resize"), 13, "ten spreads and the model's three upsamplings");
    const broadcast = await broadcastGates(spread);
    assert.equal(gateSpreads(decode(broadcast)).length, 0);
    assert.equal(count(broadcast, "Resize"), 3, "the model's own upsamplings stay");
    assert.equal(count(broadcast, "Mul"), 10);
    // The spread's scales went with it; every initializer left is read by a node.
    const graph = decode(broadcast);
    const read = new Set(graph.node!.flatMap((node) => node.input!));
    assert.ok(graph.initializer!.every((tensor) => read.has(tensor.name!)));

    const dims = name === "selfie_general" ? [1, 3, 256, 256] : [1, 3, 144, 256];
    const input = new Float32Array(dims.reduce((a, b) => a * b));
    for (let i = 0; i < input.length; i++) input[i] = ((i * 7919) % 1000) / 1000;
    const a = await run(spread, input, dims), b = await run(broadcast, input, dims);
    let largest = 0;
    for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i] - b[i]));
    assert.ok(largest < 1e-5, `largest difference ${largest}`);
  });
}

/** A tiny model of segcam's: x · spread(gate(x)), with the gate built by `gate`. */
function tinyModel(gate: (g: OnnxGraph) => string, producer = "segcam"): Uint8Array {
  const g = new OnnxGraph();
  const gated = gate(g);
  const scales = g.initializer("scales", [4], Float32Array.of(1, 1, 2, 2));
  g.node("Resize", [gated, "", scales], "spread", {
    mode: "nearest",
    coordinate_transformation_mode: "asymmetric",
    nearest_mode: "floor",
  });
  g.node("Mul", ["x", "spread"], "y");
  const bytes = g.encode(
    { name: "x", shape: [1, 2, 2, 2] },
    { name: "y", shape: [1, 2, 2, 2] },
    "",
  );
  if (producer === "segcam") return bytes;
  const model = onnx.ModelProto.decode(bytes);
  model.producerName = producer;
  return onnx.ModelProto.encode(model).finish();
}

const squeeze = (g: OnnxGraph) => {
  g.node("GlobalAveragePool", ["x"], "pooled");
  const w = g.initializer("w", [2, 2, 1, 1], Float32Array.of(1, 0.5, -0.5, 2));
  g.node("Conv", ["pooled", w], "fc", { kernel_shape: [1, 1] });
  const half = g.initializer("half", [2, 1, 1], Float32Array.of(0.5, 0.25));
  g.node("Add", ["fc", half], "shifted");
  return g.node("Sigmoid", ["shifted"], "gate");
};

Deno.test("broadcastGates() turns a squeeze-and-excite spread into a broadcast Mul, same numbers", async () => {
  const bytes = tinyModel(squeeze);
  const broadcast = await broadcastGates(bytes);
  assert.equal(count(broadcast, "Resize"), 0);
  const x = Float32Array.of(1, 2, 3, 4, -1, 0, 1, 6);
  const expected = new Float32Array(8);
  const mean = [2.5, 1.5];
  const fc = [1 * mean[0] + 0.5 * mean[1] + 0.5, -0.5 * mean[0] + 2 * mean[1] + 0.25];
  for (let i = 0; i < 8; i++) expected[i] = x[i] / (1 + Math.exp(-fc[i >> 2]));
  const a = await run(bytes, x, [1, 2, 2, 2]), b = await run(broadcast, x, [1, 2, 2, 2]);
  for (let i = 0; i < 8; i++) {
    assert.ok(Math.abs(a[i] - expected[i]) < 1e-5, `spread ${i}: ${a[i]} vs ${expected[i]}`);
    assert.ok(Math.abs(b[i] - expected[i]) < 1e-5, `broadcast ${i}: ${b[i]} vs ${expected[i]}`);
  }
});

Deno.test("broadcastGates() leaves an upsampling of a map, and other producers' models, as they are", async () => {
  // The input itself is a 2x2 map, not a [N, C, 1, 1] gate: its Resize really upsamples.
  const map = tinyModel(() => "x");
  assert.equal(gateSpreads(decode(map)).length, 0);
  assert.equal(await broadcastGates(map), map);
  // A padded 3x3 convolution on the way grows a 1x1 tensor: not a gate either.
  const padded = tinyModel((g) => {
    g.node("GlobalAveragePool", ["x"], "pooled");
    const w = g.initializer("w", [2, 2, 3, 3], new Float32Array(36).fill(0.1));
    return g.node("Conv", ["pooled", w], "grown", { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  });
  assert.equal(gateSpreads(decode(padded)).length, 0);
  assert.equal(onnx.TensorProto.DataType.FLOAT, 1, "the type code gateSpreads compares with");
  // The same gate in a model segcam did not write is not ours to change.
  const foreign = tinyModel(squeeze, "someone-else");
  assert.equal(await broadcastGates(foreign), foreign);
  // Damaged bytes go on as they are, for onnxruntime to refuse in its own words.
  const damaged = tinyModel(squeeze).slice(0, 40);
  assert.equal(await broadcastGates(damaged), damaged);
});

Deno.test("segcam mask --backend wasm, with the task's permissions, gives native's mask from the spread model", async () => {
  await withTempDir(async (dir) => {
    const masks: Uint8Array[] = [];
    for (const backend of ["native", "wasm"]) {
      const out = `${dir}/${backend}.png`;
      const run = await segcam(["--backend", backend, "mask", PHOTO, "-o", out]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, new RegExp(`inference on ${backend} `));
      masks.push((await readImage(out)).data);
    }
    const [native, wasm] = masks;
    assert.equal(native.length, wasm.length);
    let apart = 0;
    for (let i = 0; i < native.length; i++) if (Math.abs(native[i] - wasm[i]) > 2) apart++;
    assert.ok(apart / native.length < 0.001, `${apart} of ${native.length} values apart`);
  });
});
