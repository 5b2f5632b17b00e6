/**
 * The decoder's bilinear upsamplings as two matrix products, for onnxruntime-web only.
 *
 * onnxruntime's Resize has no WebAssembly SIMD path: on this machine a 2x bilinear
 * Resize of [1, 128, 9, 16] takes 0.6 ms of a 5.6 ms inference of the landscape model,
 * three of them 1.5 ms. The same upsampling is Y = Ah · X · Awᵀ, Ah and Aw the
 * interpolation matrices (two weights a row), and MatMul runs on MLAS's WebAssembly
 * SIMD kernels: 0.27 ms for that map. Dense products waste work on the zeros, so a map
 * pays only while it is small: at [1, 16, 36, 64] the products take 0.67 ms against
 * Resize's 0.60 (both measured alone on the wasm runtime, medians of 200), hence
 * {@link MAX_SIDES}. The native runtime's Resize is fast; it never sees this.
 *
 * Only what is provably the same upsampling is rewritten: linear mode, half_pixel
 * coordinates, no antialias, sizes a constant exactly twice the input's height and
 * width (the input's shape worked out through the graph's convolutions, pointwise ops
 * and pools; any op this does not know leaves the shapes after it unknown, and a Resize
 * of an unknown shape alone). The products agree with Resize within float rounding
 * (a few 1e-7 on values of a few units).
 */
import type onnxProto from "onnx-proto";

type Model = onnxProto.onnx.ModelProto;
type Graph = onnxProto.onnx.IGraphProto;
type Node = onnxProto.onnx.INodeProto;
type Tensor = onnxProto.onnx.ITensorProto;
type Shape = number[];

/** Largest input height + width rewritten (measured: 9+16 and 18+32 pay, 36+64 does not). */
export const MAX_SIDES = 64;

/** onnx.TensorProto.DataType FLOAT and INT64. */
const FLOAT = 1, INT64 = 7;

const SAME_SHAPE = new Set([
  "Relu",
  "HardSwish",
  "HardSigmoid",
  "Sigmoid",
  "Tanh",
  "Clip",
  "LeakyRelu",
  "PRelu",
  "Identity",
]);
const BROADCAST = new Set(["Add", "Mul", "Sub", "Div"]);

/** The Resize nodes {@link rewriteResizes} replaces, with their input's [N, C, H, W]. */
export function matMulResizes(graph: Graph): { node: Node; shape: Shape }[] {
  const shapes = inferShapes(graph);
  const constants = new Map((graph.initializer ?? []).map((t) => [t.name ?? "", t]));
  const found: { node: Node; shape: Shape }[] = [];
  for (const node of graph.node ?? []) {
    if (node.opType !== "Resize" || (node.domain ?? "") !== "") continue;
    const [x, roi, scales, sizes] = node.input ?? [];
    if ((roi ?? "") !== "" || (scales ?? "") !== "" || !sizes) continue;
    const attrs = attributes(node);
    if (text(attrs.get("mode")) !== "linear") continue;
    if (text(attrs.get("coordinate_transformation_mode")) !== "half_pixel") continue;
    if (num(attrs.get("antialias")?.i ?? 0) !== 0) continue;
    const known = [...attrs.keys()].every((name) =>
      ["mode", "coordinate_transformation_mode", "antialias", "cubic_coeff_a", "exclude_outside"]
        .includes(name)
    );
    const shape = shapes.get(x);
    const target = int64s(constants.get(sizes));
    if (!known || !shape || shape.length !== 4 || !target || target.length !== 4) continue;
    const [n, c, h, w] = shape;
    const doubled = target[0] === n && target[1] === c && target[2] === 2 * h &&
      target[3] === 2 * w;
    if (doubled && h + w <= MAX_SIDES) found.push({ node, shape });
  }
  return found;
}

/**
 * The model with each Resize of {@link matMulResizes} replaced by MatMul(Ah, MatMul(X,
 * Awᵀ)); the bytes as they are when there is none, or when they are not a model
 * segcam's converter wrote.
 */
export async function resizesAsMatMuls(bytes: Uint8Array): Promise<Uint8Array> {
  const { onnx } = (await import("onnx-proto")).default;
  let model: Model;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch {
    return bytes;
  }
  const graph = model.graph;
  if (model.producerName !== "segcam" || !graph) return bytes;
  const resizes = matMulResizes(graph);
  if (resizes.length === 0) return bytes;
  const replaced = new Map<Node, Node[]>();
  const added: Tensor[] = [];
  for (const [k, { node, shape }] of resizes.entries()) {
    const [, , h, w] = shape, x = node.input![0], y = node.output![0];
    const base = `${node.name || `resize${k}`}_matmul`;
    added.push(
      {
        name: `${base}_awt`,
        dataType: FLOAT,
        dims: [w, 2 * w],
        floatData: transpose(interpolation(w), 2 * w, w),
      },
      { name: `${base}_ah`, dataType: FLOAT, dims: [2 * h, h], floatData: interpolation(h) },
    );
    replaced.set(node, [
      { name: `${base}_w`, opType: "MatMul", input: [x, `${base}_awt`], output: [`${base}_rows`] },
      { name: `${base}_h`, opType: "MatMul", input: [`${base}_ah`, `${base}_rows`], output: [y] },
    ]);
  }
  graph.node = (graph.node ?? []).flatMap((node) => replaced.get(node) ?? [node]);
  graph.initializer = [...(graph.initializer ?? []), ...added];
  const used = new Set(graph.node.flatMap((node) => node.input ?? []));
  graph.initializer = graph.initializer.filter((t) => used.has(t.name ?? ""));
  return onnx.ModelProto.encode(model).finish();
}

/**
 * The [2n, n] matrix of a 2x linear upsampling with half_pixel coordinates, as
 * onnxruntime computes it: output o samples the input at (o + 0.5) / 2 − 0.5, clamped
 * to [0, n − 1], between its two neighbours.
 */
export function interpolation(n: number): number[] {
  const m = new Array<number>(2 * n * n).fill(0);
  for (let o = 0; o < 2 * n; o++) {
    const x = Math.min(Math.max((o + 0.5) / 2 - 0.5, 0), n - 1);
    const x0 = Math.floor(x), x1 = Math.min(x0 + 1, n - 1), f = x - x0;
    m[o * n + x0] += 1 - f;
    m[o * n + x1] += f;
  }
  return m;
}

function transpose(a: number[], rows: number, cols: number): number[] {
  const t = new Array<number>(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
}

// ---- shapes ---------------------------------------------------------------------------------

/** The static shapes the graph's tensors have, as far as the ops here can tell. */
export function inferShapes(graph: Graph): Map<string, Shape> {
  const shapes = new Map<string, Shape>();
  const constants = new Map((graph.initializer ?? []).map((t) => [t.name ?? "", t]));
  for (const t of graph.initializer ?? []) shapes.set(t.name ?? "", (t.dims ?? []).map(num));
  for (const input of graph.input ?? []) {
    const dims = input.type?.tensorType?.shape?.dim ?? [];
    const shape = dims.map((d) => num(d.dimValue ?? 0));
    if (dims.length > 0 && shape.every((d) => d > 0)) shapes.set(input.name ?? "", shape);
  }
  for (const node of graph.node ?? []) {
    const ins = (node.input ?? []).map((name) => shapes.get(name));
    const out = node.output?.[0];
    if (!out || (node.domain ?? "") !== "") continue;
    const shape = outputShape(node, ins, constants);
    if (shape) shapes.set(out, shape);
  }
  return shapes;
}

function outputShape(
  node: Node,
  ins: (Shape | undefined)[],
  constants: Map<string, Tensor>,
): Shape | undefined {
  const [x, w] = ins;
  if (SAME_SHAPE.has(node.opType ?? "")) return x;
  if (BROADCAST.has(node.opType ?? "")) return x && w ? broadcast(x, w) : undefined;
  if (node.opType === "GlobalAveragePool") return x?.length === 4 ? [x[0], x[1], 1, 1] : undefined;
  if (node.opType === "Resize") {
    const sizes = int64s(constants.get(node.input?.[3] ?? ""));
    return sizes && sizes.length === x?.length ? sizes : undefined;
  }
  if (node.opType === "Conv") {
    if (x?.length !== 4 || w?.length !== 4) return undefined;
    const attrs = attributes(node);
    const autoPad = text(attrs.get("auto_pad")) ?? "NOTSET";
    if (autoPad !== "NOTSET") return undefined;
    const strides = ints(attrs.get("strides")) ?? [1, 1];
    const dilations = ints(attrs.get("dilations")) ?? [1, 1];
    const pads = ints(attrs.get("pads")) ?? [0, 0, 0, 0];
    const size = (axis: 0 | 1) => {
      const extent = (w[2 + axis] - 1) * dilations[axis] + 1;
      return Math.floor((x[2 + axis] + pads[axis] + pads[axis + 2] - extent) / strides[axis]) + 1;
    };
    return [x[0], w[0], size(0), size(1)];
  }
  return undefined;
}

/** protobufjs gives int64 fields as Long objects (or numbers where they fit). */
function num(value: unknown): number {
  return typeof value === "object" && value !== null && "toNumber" in value
    ? (value as { toNumber(): number }).toNumber()
    : Number(value);
}

function broadcast(a: Shape, b: Shape): Shape | undefined {
  const n = Math.max(a.length, b.length), out: Shape = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1, db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out.push(Math.max(da, db));
  }
  return out;
}

function attributes(node: Node): Map<string, onnxProto.onnx.IAttributeProto> {
  return new Map((node.attribute ?? []).map((a) => [a.name ?? "", a]));
}

function text(attr: onnxProto.onnx.IAttributeProto | undefined): string | undefined {
  return attr?.s ? new TextDecoder().decode(attr.s) : undefined;
}

function ints(attr: onnxProto.onnx.IAttributeProto | undefined): number[] | undefined {
  return attr?.ints?.length ? attr.ints.map(num) : undefined;
}

/** An int64 constant's values (int64Data or little-endian rawData). */
function int64s(tensor: Tensor | undefined): number[] | undefined {
  if (!tensor || tensor.dataType !== INT64) return undefined;
  if (tensor.int64Data?.length) return tensor.int64Data.map(num);
  const raw = tensor.rawData;
  if (!raw || raw.length % 8 !== 0) return undefined;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return Array.from({ length: raw.length / 8 }, (_, i) => Number(view.getBigInt64(8 * i, true)));
}
