/**
 * resizesAsMatMuls rewrites small 2x bilinear upsamplings as matrix products for the
 * WebAssembly runtime: onnxruntime's own Resize is the reference the products must meet,
 * on tiny models and on the built-in models with a real photo.
 */
import assert from "node:assert/strict";
import onnxProto from "onnx-proto";
import * as ort from "onnxruntime-web";
import { broadcastGates } from "../../src/model/broadcast_gates.ts";
import { matMulResizes, MAX_SIDES, resizesAsMatMuls } from "../../src/model/resize_matmul.ts";
import { OnnxGraph } from "../../src/convert/onnx_writer.ts";
import { readImage } from "../../src/io/image_file.ts";
import { PHOTO } from "../cli/_run.ts";

const { onnx } = onnxProto;
const models = new URL("../../models/", import.meta.url).pathname;
ort.env.wasm.numThreads = 1;

function ops(bytes: Uint8Array, opType: string): number {
  return onnx.ModelProto.decode(bytes).graph!.node!.filter((n) => n.opType === opType).length;
}

async function run(bytes: Uint8Array, input: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", input, dims) };
    return (await session.run(feeds))[session.outputNames[0]].data as Float32Array;
  } finally {
    await session.release();
  }
}

function largestDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i] - b[i]));
  return largest;
}

/**
 * A 3x3 convolution (so the Resize's input shape has to be worked out), then a Resize
 * to `sizes` with `attributes`, in a model by `producer`.
 */
function upsampling(
  [c, h, w]: number[],
  sizes: number[],
  attributes: Record<string, string | number> = {
    mode: "linear",
    coordinate_transformation_mode: "half_pixel",
  },
  producer = "segcam",
): Uint8Array {
  const g = new OnnxGraph();
  const weights = new Float32Array(c * c * 9).map((_, i) => ((i * 37) % 11) / 11 - 0.4);
  const kernel = g.initializer("k", [c, c, 3, 3], weights);
  g.node("Conv", ["x", kernel], "features", { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  g.node("Relu", ["features"], "map");
  const target = g.initializer("sizes", [4], BigInt64Array.from(sizes.map(BigInt)));
  g.node("Resize", ["map", "", "", target], "y", attributes);
  const bytes = g.encode({ name: "x", shape: [1, c, h, w] }, { name: "y", shape: sizes }, "");
  const model = onnx.ModelProto.decode(bytes);
  model.producerName = producer;
  return onnx.ModelProto.encode(model).finish();
}

const noise = (n: number) => new Float32Array(n).map((_, i) => Math.sin(i * 12.9898) * 3);

Deno.test("resizesAsMatMuls() gives what onnxruntime's own Resize gives, edges included", async () => {
  for (const [c, h, w] of [[3, 5, 7], [8, 9, 16], [4, 18, 32], [1, 1, 1]]) {
    const bytes = upsampling([c, h, w], [1, c, 2 * h, 2 * w]);
    const rewritten = await resizesAsMatMuls(bytes);
    assert.equal(ops(rewritten, "Resize"), 0, `${c}x${h}x${w}`);
    assert.equal(ops(rewritten, "MatMul"), 2);
    const x = noise(c * h * w);
    const difference = largestDifference(
      await run(bytes, x, [1, c, h, w]),
      await run(rewritten, x, [1, c, h, w]),
    );
    assert.ok(difference < 1e-5, `${c}x${h}x${w}: largest difference ${difference}`);
  }
});

Deno.test("resizesAsMatMuls() leaves what is not a small 2x half-pixel bilinear upsampling of segcam's", async () => {
  const left = [
    // Too large to pay (MAX_SIDES), 3x, nearest, align_corners, another producer's.
    upsampling([2, MAX_SIDES / 2, MAX_SIDES / 2 + 1], [1, 2, MAX_SIDES, MAX_SIDES + 2]),
    upsampling([2, 4, 4], [1, 2, 12, 12]),
    upsampling([2, 4, 4], [1, 2, 8, 8], { mode: "nearest" }),
    upsampling([2, 4, 4], [1, 2, 8, 8], {
      mode: "linear",
      coordinate_transformation_mode: "align_corners",
    }),
    upsampling([2, 4, 4], [1, 2, 8, 8], undefined, "tf2onnx"),
  ];
  for (const [k, bytes] of left.entries()) {
    assert.equal(await resizesAsMatMuls(bytes), bytes, `case ${k}: the same bytes back`);
  }
  const damaged = new Uint8Array([1, 2, 3, 4, 5]);
  assert.equal(await resizesAsMatMuls(damaged), damaged);
});

for (const name of ["selfie_general", "selfie_landscape"]) {
  Deno.test(`${name}: the two small upsamplings become products on wasm, the same mask`, async () => {
    const gates = await broadcastGates(await Deno.readFile(`${models}${name}.onnx`));
    const graph = onnx.ModelProto.decode(gates).graph!;
    const dims = name === "selfie_general" ? [1, 3, 256, 256] : [1, 3, 144, 256];
    const [, , h, w] = dims;
    // The decoder upsamples from 1/16, 1/8 and 1/4 of the input: the first two pay.
    assert.deepEqual(
      matMulResizes(graph).map((r) => r.shape),
      [[1, 128, h / 16, w / 16], [1, 24, h / 8, w / 8]],
    );
    const rewritten = await resizesAsMatMuls(gates);
    assert.equal(ops(rewritten, "Resize"), 1);
    assert.equal(ops(rewritten, "MatMul"), 4);
    // The photo as the model sees it (nearest sampling is enough for a comparison).
    const photo = await readImage(PHOTO);
    const input = new Float32Array(3 * h * w);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const sx = Math.floor((x + 0.5) * photo.width / w);
        const sy = Math.floor((y + 0.5) * photo.height / h);
        for (let ch = 0; ch < 3; ch++) {
          input[ch * h * w + y * w + x] = photo.data[(sy * photo.width + sx) * 3 + ch] / 255;
        }
      }
    }
    const before = await run(gates, input, dims), after = await run(rewritten, input, dims);
    const difference = largestDifference(before, after);
    assert.ok(difference < 1e-5, `largest difference ${difference}`);
    // Not a blank answer: both person and background somewhere in the mask.
    const person = before.filter((p) => p > 0.5).length;
    assert.ok(person > 0 && person < before.length, `person cells: ${person}`);
  });
}
