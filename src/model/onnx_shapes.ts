/**
 * The input and output shapes an ONNX file declares, read with onnx-proto without
 * loading a runtime: what `segcam models` shows and what the segmenter sizes its
 * buffers from.
 */
import onnxProto from "onnx-proto";
import type { Dim } from "./model_spec.ts";

const { onnx } = onnxProto;

export interface OnnxShapes {
  /** `float32` is what segcam feeds and reads; anything else is named as ONNX names it. */
  input: { name: string; shape: Dim[]; type: string };
  output: { name: string; shape: Dim[]; type: string };
  inputs: number;
  outputs: number;
}

/** Thrown for bytes that are not an ONNX model; the message says what was seen. */
export class OnnxFormatError extends Error {}

export function onnxShapes(bytes: Uint8Array): OnnxShapes {
  let model;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new OnnxFormatError(`cannot decode it (${(error as Error).message.split("\n")[0]})`);
  }
  const graph = model.graph;
  if (!graph || !graph.node?.length) throw new OnnxFormatError("it holds no graph");
  // Older exporters list the weights among the inputs too: the picture is the one that is not.
  const weights = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((v) => !weights.has(v.name ?? ""));
  const outputs = graph.output ?? [];
  if (inputs.length === 0 || outputs.length === 0) {
    throw new OnnxFormatError("its graph declares no input or no output");
  }
  const types = onnx.TensorProto.DataType as unknown as Record<number, string>;
  const shapeOf = (v: (typeof outputs)[number]) => ({
    name: v.name ?? "",
    type: v.type?.tensorType?.elemType === onnx.TensorProto.DataType.FLOAT
      ? "float32"
      : (types[v.type?.tensorType?.elemType ?? 0] ?? "unknown").toLowerCase(),
    shape: (v.type?.tensorType?.shape?.dim ?? []).map((d): Dim => {
      const n = Number(d.dimValue ?? 0);
      return n > 0 ? n : undefined;
    }),
  });
  return {
    input: shapeOf(inputs[0]),
    output: shapeOf(outputs[0]),
    inputs: inputs.length,
    outputs: outputs.length,
  };
}
