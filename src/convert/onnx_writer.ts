/**
 * Builds an ONNX graph and serialises it with onnx-proto (protobufjs). Names, node
 * order and initializer order follow the order of calls, so the same TFLite model
 * always gives byte-identical ONNX.
 */
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

/** ONNX opset: 14 brings HardSwish; 17 is supported by every onnxruntime we load. */
export const OPSET = 17;
/** IR version that goes with opset 17. */
const IR_VERSION = 8;

export type Attribute = number | number[] | string;

export class OnnxGraph {
  readonly #nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  readonly #initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  readonly #names = new Set<string>();

  /** Adds a node; returns its (single) output name. */
  node(
    opType: string,
    inputs: string[],
    output: string,
    attributes: Record<string, Attribute> = {},
  ) {
    this.#nodes.push(onnx.NodeProto.create({
      opType,
      input: inputs,
      output: [output],
      name: `${opType}_${this.#nodes.length}`,
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    }));
    return output;
  }

  /** Adds a float32 initializer (or int64 with `int64`); returns its name. */
  initializer(name: string, dims: number[], values: Float32Array | BigInt64Array): string {
    if (this.#names.has(name)) throw new Error(`duplicate initializer ${name}`);
    this.#names.add(name);
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    this.#initializers.push(onnx.TensorProto.create({
      name,
      dims,
      dataType: values instanceof Float32Array
        ? onnx.TensorProto.DataType.FLOAT
        : onnx.TensorProto.DataType.INT64,
      rawData: bytes.slice(),
    }));
    return name;
  }

  /** Serialises the model with one float32 input and one float32 output. */
  encode(
    input: { name: string; shape: number[] },
    output: { name: string; shape: number[] },
    docString: string,
  ): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: "segcam",
      docString,
      opsetImport: [{ domain: "", version: OPSET }],
      graph: onnx.GraphProto.create({
        name: "selfie_segmentation",
        node: this.#nodes,
        initializer: this.#initializers,
        input: [valueInfo(input.name, input.shape)],
        output: [valueInfo(output.name, output.shape)],
      }),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, shape: number[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: shape.map((dimValue) => ({ dimValue })) },
      },
    },
  });
}

function attribute(name: string, value: Attribute) {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === "string") {
    return onnx.AttributeProto.create({
      name,
      type: AttributeType.STRING,
      s: new TextEncoder().encode(value),
    });
  }
  if (Array.isArray(value)) {
    return onnx.AttributeProto.create({ name, type: AttributeType.INTS, ints: value });
  }
  if (Number.isInteger(value)) {
    return onnx.AttributeProto.create({ name, type: AttributeType.INT, i: value });
  }
  return onnx.AttributeProto.create({ name, type: AttributeType.FLOAT, f: value });
}
