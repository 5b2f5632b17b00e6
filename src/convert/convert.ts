/**
 * TFLite → ONNX for single-input, single-output image segmentation models: reads the
 * TFLite FlatBuffer, converts operator by operator (ops.ts), and writes ONNX
 * (onnx_writer.ts). Taken today: the MediaPipe selfie models, and the models segcam's
 * peers run (Google Meet full and lite, ML Kit selfie, DeepLab v3, BodyPix).
 *
 * The ONNX model takes "input" [1, 3, H, W] float32 planar RGB (the model's own
 * normalisation, which the file does not record) and gives "segmentation" [1, C, H', W'],
 * the TFLite output moved to NCHW unchanged: the selfie models' person probability,
 * Meet's background/person logits, DeepLab's 21 class logits, BodyPix's person logits.
 */
import { OnnxGraph } from "./onnx_writer.ts";
import {
  type ConversionContext,
  CONVERTERS,
  decodeFloat,
  UnsupportedOperatorError,
} from "./ops.ts";
import { operatorName, readTflite, TensorType, type TfliteModel } from "./tflite_reader.ts";

export { UnsupportedOperatorError } from "./ops.ts";
export { TfliteFormatError } from "./tflite_reader.ts";

export const INPUT_NAME = "input";
export const OUTPUT_NAME = "segmentation";

export interface Conversion {
  onnx: Uint8Array;
  /** NCHW shapes of the input and output. */
  inputShape: number[];
  outputShape: number[];
  /** TFLite operators converted, by name. */
  operators: Record<string, number>;
}

export function convertTflite(bytes: Uint8Array): Conversion {
  const model = readTflite(bytes);
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new UnsupportedOperatorError(
      `expected one input and one output, found ${model.inputs.length} and ${model.outputs.length}`,
    );
  }
  const [inputIndex] = model.inputs;
  const [outputIndex] = model.outputs;
  const graph = new OnnxGraph();
  const folded = new Map<number, Float32Array>();
  const ctx: ConversionContext = {
    graph,
    model,
    tensor: (index) => model.tensors[index],
    name: (index) =>
      index === inputIndex ? INPUT_NAME : index === outputIndex ? OUTPUT_NAME : `t${index}`,
    isConstant: (index) => folded.has(index) || model.tensors[index].data !== undefined,
    constant(index) {
      const value = folded.get(index);
      if (value !== undefined) return value;
      const tensor = model.tensors[index];
      if (tensor.data === undefined) {
        throw new UnsupportedOperatorError(`tensor ${tensor.name} (#${index}) is not a constant`);
      }
      return decodeFloat(tensor);
    },
    constantInts(index) {
      const tensor = model.tensors[index];
      if (tensor.data === undefined || tensor.type !== TensorType.INT32) {
        throw new UnsupportedOperatorError(
          `tensor ${tensor.name} (#${index}) is not an int32 constant`,
        );
      }
      return new Int32Array(tensor.data.slice().buffer);
    },
    setConstant: (index, value) => folded.set(index, value),
  };

  const operators: Record<string, number> = {};
  for (const op of model.operators) {
    const name = operatorName(op);
    const convert = Object.hasOwn(CONVERTERS, name) ? CONVERTERS[name] : undefined;
    if (convert === undefined) {
      throw new UnsupportedOperatorError(
        `unsupported TFLite operator ${name} at operator #${op.index}`,
      );
    }
    convert(op, ctx);
    operators[name] = (operators[name] ?? 0) + 1;
  }

  const inputShape = nchw(model, inputIndex);
  const outputShape = nchw(model, outputIndex);
  // The selfie models keep the description they always had (models/*.onnx are checked
  // byte for byte against a fresh conversion); any other model says only what is known.
  const producer = model.operators.find((op) => op.outputs.includes(outputIndex));
  const selfie = outputShape[1] === 1 && producer !== undefined &&
    operatorName(producer) === "LOGISTIC";
  const onnx = graph.encode(
    { name: INPUT_NAME, shape: inputShape },
    { name: OUTPUT_NAME, shape: outputShape },
    selfie
      ? "MediaPipe selfie segmentation, converted from TFLite by segcam. Input: planar RGB " +
        "in [0, 1]. Output: person probability."
      : `Converted from TFLite by segcam. Input: planar RGB [${inputShape}] (TFLite ` +
        `"${model.tensors[inputIndex].name}", normalisation not recorded). Output: ` +
        `[${outputShape}], the TFLite output "${model.tensors[outputIndex].name}" in NCHW.`,
  );
  return { onnx, inputShape, outputShape, operators };
}

function nchw(model: TfliteModel, index: number): number[] {
  const shape = model.tensors[index].shape;
  if (shape.length !== 4) {
    throw new UnsupportedOperatorError(`tensor #${index} has rank ${shape.length}; expected NHWC`);
  }
  const [n, h, w, c] = shape;
  return [n, c, h, w];
}
