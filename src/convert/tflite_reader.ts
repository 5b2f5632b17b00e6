/**
 * A reader for the parts of the TFLite FlatBuffers schema (tensorflow/lite/schema/
 * schema.fbs) that the MediaPipe selfie models use: the model, its one subgraph, tensors,
 * buffers, operators and their options. Field numbers below are the schema's; a field's
 * vtable slot is 4 + 2·index.
 */
import { ByteBuffer } from "flatbuffers";

export const TensorType = { FLOAT32: 0, FLOAT16: 1, INT32: 2, UINT8: 3, INT64: 4 } as const;

export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  type: number;
  /** The constant data, or undefined for activations. */
  data?: Uint8Array;
}

export interface TfliteOperator {
  index: number;
  /** Builtin operator code, or -1 for a custom operator. */
  builtinCode: number;
  /** The custom operator's name (builtinCode -1). */
  customCode?: string;
  inputs: number[];
  outputs: number[];
  /** Reads field `field` of the builtin options table. */
  options: OptionsTable;
  customOptions?: Uint8Array;
}

export interface TfliteModel {
  tensors: TfliteTensor[];
  operators: TfliteOperator[];
  inputs: number[];
  outputs: number[];
}

/** Field accessors for one options table (absent table: every field has its default). */
export class OptionsTable {
  constructor(private readonly bb: ByteBuffer | undefined, private readonly pos: number) {}

  #offset(field: number): number {
    return this.bb === undefined ? 0 : this.bb.__offset(this.pos, 4 + 2 * field);
  }
  int8(field: number, fallback = 0): number {
    const o = this.#offset(field);
    return o ? this.bb!.readInt8(this.pos + o) : fallback;
  }
  int32(field: number, fallback = 0): number {
    const o = this.#offset(field);
    return o ? this.bb!.readInt32(this.pos + o) : fallback;
  }
  bool(field: number): boolean {
    return this.int8(field) !== 0;
  }
}

/** Thrown for bytes that are not a well-formed TFLite model; the caller names the file. */
export class TfliteFormatError extends Error {}

const FILE_IDENTIFIER = "TFL3";

export function readTflite(bytes: Uint8Array): TfliteModel {
  if (bytes.length < 8) throw new TfliteFormatError(`only ${bytes.length} bytes`);
  const bb = new ByteBuffer(bytes);
  if (!bb.__has_identifier(FILE_IDENTIFIER)) {
    throw new TfliteFormatError(`no "${FILE_IDENTIFIER}" file identifier at byte 4`);
  }
  try {
    return readModel(bb, bytes.length);
  } catch (error) {
    if (error instanceof TfliteFormatError) throw error;
    // flatbuffers reads past the end as RangeError / garbage offsets: a truncated file.
    throw new TfliteFormatError(
      `damaged or truncated (${error instanceof Error ? error.message : error})`,
    );
  }
}

function readModel(bb: ByteBuffer, size: number): TfliteModel {
  const check = (pos: number, what: string) => {
    if (pos < 0 || pos >= size) throw new TfliteFormatError(`${what} points outside the file`);
    return pos;
  };
  const root = check(bb.readInt32(0), "the root table");
  const field = (table: number, index: number) => bb.__offset(table, 4 + 2 * index);
  const table = (parent: number, index: number) => {
    const o = field(parent, index);
    return o ? check(bb.__indirect(parent + o), `field ${index}`) : undefined;
  };
  const vector = (parent: number, index: number) => {
    const o = field(parent, index);
    if (!o) return { start: 0, length: 0 };
    const start = bb.__vector(parent + o);
    const length = bb.__vector_len(parent + o);
    check(start, `vector ${index}`);
    if (length > 0) check(start + length - 1, `vector ${index}`);
    return { start, length };
  };
  const tableAt = (start: number, i: number) => check(bb.__indirect(start + 4 * i), "a table");
  const ints = (parent: number, index: number) => {
    const v = vector(parent, index);
    return Array.from({ length: v.length }, (_, i) => bb.readInt32(v.start + 4 * i));
  };
  const bytesOf = (parent: number, index: number) => {
    const v = vector(parent, index);
    return v.length ? bb.bytes().subarray(v.start, v.start + v.length) : undefined;
  };
  const string = (parent: number, index: number) => {
    const o = field(parent, index);
    return o ? (bb.__string(parent + o) as string) : "";
  };

  // Model: 0 version, 1 operator_codes, 2 subgraphs, 3 description, 4 buffers.
  const buffers: (Uint8Array | undefined)[] = [];
  const bufferVector = vector(root, 4);
  for (let i = 0; i < bufferVector.length; i++) {
    buffers.push(bytesOf(tableAt(bufferVector.start, i), 0)); // Buffer: 0 data
  }
  // OperatorCode: 0 deprecated_builtin_code (int8), 1 custom_code, 2 version, 3 builtin_code.
  const codes: { builtin: number; custom?: string }[] = [];
  const codeVector = vector(root, 1);
  for (let i = 0; i < codeVector.length; i++) {
    const code = tableAt(codeVector.start, i);
    const deprecated = field(code, 0) ? bb.readInt8(code + field(code, 0)) : 0;
    const builtin = field(code, 3) ? bb.readInt32(code + field(code, 3)) : 0;
    // Codes below 127 live in the old int8 field; newer ones in builtin_code, with the
    // old field set to 127 (PLACEHOLDER_FOR_GREATER_OP_CODES). Take the larger.
    const value = Math.max(deprecated, builtin);
    codes.push(value === CUSTOM ? { builtin: -1, custom: string(code, 1) } : { builtin: value });
  }

  const subgraphs = vector(root, 2);
  if (subgraphs.length !== 1) {
    throw new TfliteFormatError(`expected one subgraph, found ${subgraphs.length}`);
  }
  const graph = tableAt(subgraphs.start, 0);
  // SubGraph: 0 tensors, 1 inputs, 2 outputs, 3 operators, 4 name.
  const tensors: TfliteTensor[] = [];
  const tensorVector = vector(graph, 0);
  for (let i = 0; i < tensorVector.length; i++) {
    // Tensor: 0 shape, 1 type, 2 buffer, 3 name.
    const t = tableAt(tensorVector.start, i);
    const bufferIndex = field(t, 2) ? bb.readUint32(t + field(t, 2)) : 0;
    tensors.push({
      index: i,
      name: string(t, 3),
      shape: ints(t, 0),
      type: field(t, 1) ? bb.readInt8(t + field(t, 1)) : 0,
      data: buffers[bufferIndex],
    });
  }
  const operators: TfliteOperator[] = [];
  const operatorVector = vector(graph, 3);
  for (let i = 0; i < operatorVector.length; i++) {
    // Operator: 0 opcode_index, 1 inputs, 2 outputs, 3 builtin_options_type,
    // 4 builtin_options, 5 custom_options.
    const op = tableAt(operatorVector.start, i);
    const codeIndex = field(op, 0) ? bb.readUint32(op + field(op, 0)) : 0;
    const code = codes[codeIndex];
    if (code === undefined) throw new TfliteFormatError(`operator #${i} has no operator code`);
    const options = table(op, 4);
    operators.push({
      index: i,
      builtinCode: code.builtin,
      customCode: code.custom,
      inputs: ints(op, 1),
      outputs: ints(op, 2),
      options: new OptionsTable(options === undefined ? undefined : bb, options ?? 0),
      customOptions: bytesOf(op, 5),
    });
  }
  return { tensors, operators, inputs: ints(graph, 1), outputs: ints(graph, 2) };
}

const CUSTOM = 32;

/** Names of the builtin operators, for messages (schema.fbs BuiltinOperator). */
export const BUILTIN_NAMES: Record<number, string> = {
  0: "ADD",
  1: "AVERAGE_POOL_2D",
  2: "CONCATENATION",
  3: "CONV_2D",
  4: "DEPTHWISE_CONV_2D",
  5: "DEPTH_TO_SPACE",
  6: "DEQUANTIZE",
  9: "FULLY_CONNECTED",
  14: "LOGISTIC",
  17: "MAX_POOL_2D",
  18: "MUL",
  19: "RELU",
  21: "RELU6",
  22: "RESHAPE",
  23: "RESIZE_BILINEAR",
  25: "SOFTMAX",
  28: "TANH",
  32: "CUSTOM",
  34: "PAD",
  40: "MEAN",
  41: "SUB",
  49: "SPLIT",
  67: "TRANSPOSE_CONV",
  117: "HARD_SWISH",
};

export function operatorName(op: Pick<TfliteOperator, "builtinCode" | "customCode">): string {
  if (op.builtinCode === -1) return op.customCode || "CUSTOM";
  return BUILTIN_NAMES[op.builtinCode] ?? `builtin #${op.builtinCode}`;
}
