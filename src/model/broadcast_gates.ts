/**
 * The squeeze-and-excite gates of a model segcam converted, put back the way the
 * WebAssembly runtime runs them fastest.
 *
 * The converter (src/convert/ops.ts, spreadGate) spreads each gate, a [N, C, 1, 1]
 * tensor, over the map it scales with a nearest-neighbour Resize before the Mul: the
 * same products as a broadcast Mul, and onnxruntime's native CPU provider then keeps the
 * whole block in its blocked NCHWc layout. With the broadcast it reordered both operands
 * back to NCHW and the product forward again, ten times per inference: the spread takes
 * 15 % off a native inference of either model. The WebAssembly provider has no blocked
 * layout, so for it the spread is only a pass more (6 % slower): {@link broadcastGates}
 * takes the spreads out again before the model reaches it.
 */
import type onnxProto from "onnx-proto";

type Node = onnxProto.onnx.INodeProto;
type Graph = onnxProto.onnx.IGraphProto;
/** onnx.TensorProto.DataType.FLOAT, without loading onnx-proto for gateSpreads alone. */
const FLOAT = 1;

/** Ops that keep a [N, C, 1, 1] tensor [N, C, 1, 1] whatever their attributes. */
const POINTWISE = new Set([
  "Relu",
  "Sigmoid",
  "HardSigmoid",
  "HardSwish",
  "Clip",
  "Tanh",
  "LeakyRelu",
  "Identity",
]);
const BINARY = new Set(["Add", "Mul", "Sub", "Div"]);

/**
 * The model with every gate spread of segcam's converter replaced by the broadcast it
 * stands for; the bytes as they are when there is none (a model from elsewhere, one
 * segcam converted before the converter spread gates, or bytes that are not a model).
 */
export async function broadcastGates(bytes: Uint8Array): Promise<Uint8Array> {
  // Loaded on the wasm backend only: the native one never needs it at start-up.
  const { onnx } = (await import("onnx-proto")).default;
  let model;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch {
    return bytes; // damaged: onnxruntime says so in the words segcam reports
  }
  const graph = model.graph;
  if (model.producerName !== "segcam" || !graph) return bytes;
  const spreads = gateSpreads(graph);
  if (spreads.length === 0) return bytes;
  const gone = new Set<Node>();
  for (const spread of spreads) {
    const gate = inputs(spread)[0], spreadName = outputs(spread)[0];
    for (const node of graph.node ?? []) {
      node.input = inputs(node).map((name) => name === spreadName ? gate : name);
    }
    gone.add(spread);
  }
  graph.node = (graph.node ?? []).filter((node) => !gone.has(node));
  const used = new Set(graph.node.flatMap(inputs));
  graph.initializer = (graph.initializer ?? []).filter((tensor) => used.has(tensor.name ?? ""));
  return onnx.ModelProto.encode(model).finish();
}

/**
 * The Resize nodes that are gate spreads: nearest, whole factors over height and width
 * only, read only by Muls, of a tensor that is [N, C, 1, 1] by construction (a
 * GlobalAveragePool, then only 1x1 unpadded convolutions, pointwise ops and arithmetic
 * with per-channel constants).
 */
export function gateSpreads(graph: Graph): Node[] {
  const nodes = graph.node ?? [];
  const producer = new Map<string, Node>();
  for (const node of nodes) for (const name of outputs(node)) producer.set(name, node);
  const constants = new Map((graph.initializer ?? []).map((tensor) => [tensor.name ?? "", tensor]));
  const known = new Map<string, boolean>();
  const isGate = (name: string, depth = 0): boolean => {
    const cached = known.get(name);
    if (cached !== undefined) return cached;
    const node = producer.get(name);
    let gate = false;
    if (node !== undefined && depth < 64) {
      const op = node.opType ?? "";
      if (op === "GlobalAveragePool") gate = true;
      else if (POINTWISE.has(op) || (op === "Conv" && isPointConv(node))) {
        gate = isGate(inputs(node)[0], depth + 1);
      } else if (BINARY.has(op) && inputs(node).length === 2) {
        const [a, b] = inputs(node);
        const perChannel = (input: string) => {
          const dims = constants.get(input)?.dims?.map(Number);
          return dims !== undefined && (dims.length <= 1 || dims.slice(-2).every((d) => d === 1));
        };
        gate = (perChannel(b) && isGate(a, depth + 1)) || (perChannel(a) && isGate(b, depth + 1));
      }
    }
    known.set(name, gate);
    return gate;
  };
  return nodes.filter((node) => {
    const [input, , scalesName] = inputs(node);
    if (node.opType !== "Resize" || inputs(node).length !== 3) return false;
    if (stringAttribute(node, "mode") !== "nearest") return false;
    const scales = constants.get(scalesName);
    if (scales?.dataType !== FLOAT) return false;
    const raw = scales.rawData;
    if (raw?.byteLength !== 16) return false;
    const view = new DataView(raw.buffer, raw.byteOffset, 16);
    const factors = [0, 1, 2, 3].map((i) => view.getFloat32(4 * i, true));
    if (factors[0] !== 1 || factors[1] !== 1 || !factors.every(Number.isInteger)) return false;
    const output = outputs(node)[0];
    const readers = nodes.filter((other) => inputs(other).includes(output));
    return readers.length > 0 && readers.every((reader) => reader.opType === "Mul") &&
      !(graph.output ?? []).some((value) => value.name === output) && isGate(input);
  });
}

function inputs(node: Node): string[] {
  return node.input ?? [];
}

function outputs(node: Node): string[] {
  return node.output ?? [];
}

function isPointConv(node: Node): boolean {
  const kernel = intsAttribute(node, "kernel_shape");
  const pads = intsAttribute(node, "pads") ?? [];
  return kernel !== undefined && kernel.every((k) => k === 1) && pads.every((p) => p === 0) &&
    stringAttribute(node, "auto_pad") === undefined;
}

function stringAttribute(node: Node, name: string): string | undefined {
  const found = node.attribute?.find((a) => a.name === name);
  return found?.s?.length ? new TextDecoder().decode(found.s) : undefined;
}

function intsAttribute(node: Node, name: string): number[] | undefined {
  return node.attribute?.find((a) => a.name === name)?.ints?.map(Number);
}
