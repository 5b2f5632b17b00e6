/**
 * One entry per TFLite operator that the MediaPipe selfie models and the models segcam's
 * peers run (Google Meet, ML Kit selfie, DeepLab v3, BodyPix) use, each emitting the
 * equivalent ONNX nodes. TFLite works in NHWC; the ONNX graph works in NCHW throughout
 * (its input is planar RGB), so weights are permuted here and no Transpose nodes are
 * needed at run time.
 */
import type { OnnxGraph } from "./onnx_writer.ts";
import type { TfliteModel, TfliteOperator, TfliteTensor } from "./tflite_reader.ts";
import { TensorType } from "./tflite_reader.ts";

/** An operator we cannot convert, or a configuration of one we do not support. */
export class UnsupportedOperatorError extends Error {}

/** What an op converter sees: the graph being built and the model's tensors. */
export interface ConversionContext {
  graph: OnnxGraph;
  model: TfliteModel;
  /** The ONNX name of an activation tensor. */
  name(tensor: number): string;
  /** The float32 value of a constant tensor (TFLite layout), folding DEQUANTIZE. */
  constant(tensor: number): Float32Array;
  /** The int32 value of a constant tensor (sizes, axes). */
  constantInts(tensor: number): Int32Array;
  /** Whether a tensor is a constant (stored, or folded at conversion time). */
  isConstant(tensor: number): boolean;
  /** Records the float32 value of a constant computed at conversion time. */
  setConstant(tensor: number, value: Float32Array): void;
  tensor(index: number): TfliteTensor;
}

type Converter = (op: TfliteOperator, ctx: ConversionContext) => void;

// schema.fbs Padding and ActivationFunctionType.
const SAME = 0;
const ACTIVATION = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4 };
/** Where an NHWC axis lands in NCHW: N 0 → 0, H 1 → 2, W 2 → 3, C 3 → 1. */
export const NHWC_TO_NCHW_AXIS = [0, 2, 3, 1];

export const CONVERTERS: Record<string, Converter> = {
  ADD: (op, ctx) => binary("Add", op, ctx, op.options.int8(0)),
  MUL: (op, ctx) => binary("Mul", op, ctx, op.options.int8(0)),
  RELU: (op, ctx) => unary("Relu", op, ctx),
  // Meet's models apply RELU6 as an op of its own after some convolutions, not fused.
  RELU6: (op, ctx) => activation(op, ctx, ACTIVATION.RELU6, ctx.name(op.inputs[0])),
  LOGISTIC: (op, ctx) => unary("Sigmoid", op, ctx),
  HARD_SWISH: (op, ctx) => unary("HardSwish", op, ctx),

  DEQUANTIZE(op, ctx) {
    // The models store weights as float16 and dequantize them on load; fold that into
    // float32 initializers so the ONNX graph has no Cast nodes on its weights. Exact:
    // every float16 value is a float32 value, and TFLite's DEQUANTIZE of float16
    // computes the same widening once at load time. Only constant inputs are folded: a
    // DEQUANTIZE of an activation (an int8 model's input) is a different job.
    if (!ctx.isConstant(op.inputs[0])) {
      throw new UnsupportedOperatorError(
        `DEQUANTIZE at operator #${op.index} takes an activation, not stored weights; ` +
          `only float16 weights are supported`,
      );
    }
    ctx.setConstant(op.outputs[0], ctx.constant(op.inputs[0]));
  },

  FULLY_CONNECTED(op, ctx) {
    // FullyConnectedOptions: 0 activation, 1 weights_format, 2 keep_num_dims. Weights
    // are [out, in]; with keep_num_dims on a rank-4 NHWC input the op maps the last axis
    // at every position, which is exactly a 1x1 convolution over NCHW (Meet's
    // squeeze-and-excite blocks apply it to a [1, 1, 1, C] pooled vector).
    const o = op.options;
    const input = ctx.tensor(op.inputs[0]).shape;
    const output = ctx.tensor(op.outputs[0]).shape;
    const [outC, inC] = ctx.tensor(op.inputs[1]).shape;
    if (o.int8(1) !== 0 || input.length !== 4 || output.length !== 4 || input[3] !== inC) {
      throw new UnsupportedOperatorError(
        `FULLY_CONNECTED at operator #${op.index} maps [${input}] to [${output}]` +
          `${o.int8(1) !== 0 ? " with shuffled weights" : ""}; only a rank-4 input whose ` +
          `last axis is the weights' input size, kept rank 4 (keep_num_dims), is supported`,
      );
    }
    const weights = ctx.constant(op.inputs[1]); // [out, in] is already [out, in, 1, 1]
    const w = ctx.graph.initializer(`${ctx.name(op.outputs[0])}_w`, [outC, inC, 1, 1], weights);
    const out = convOutput(op, ctx, o.int8(0));
    ctx.graph.node("Conv", [ctx.name(op.inputs[0]), w, ...bias(op, ctx, 2)], out, {
      kernel_shape: [1, 1],
    });
    activation(op, ctx, o.int8(0), out);
  },

  CONCATENATION(op, ctx) {
    // ConcatenationOptions: 0 axis (negative counts from the end), 1 activation. The
    // axis is an NHWC one: channels (3 or -1) are ONNX's axis 1, height 2, width 3.
    const o = op.options;
    const rank = ctx.tensor(op.outputs[0]).shape.length;
    const axis = o.int32(0) < 0 ? o.int32(0) + rank : o.int32(0);
    if (rank !== 4 || axis < 0 || axis > 3 || op.inputs.some((i) => ctx.isConstant(i))) {
      throw new UnsupportedOperatorError(
        `CONCATENATION at operator #${op.index} joins rank-${rank} tensors on axis ` +
          `${o.int32(0)}; only activations of rank 4 (NHWC) are supported`,
      );
    }
    const out = convOutput(op, ctx, o.int8(1));
    ctx.graph.node("Concat", op.inputs.map((i) => ctx.name(i)), out, {
      axis: NHWC_TO_NCHW_AXIS[axis],
    });
    activation(op, ctx, o.int8(1), out);
  },

  CONV_2D(op, ctx) {
    // Conv2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 activation, 4/5 dilation w/h.
    const o = op.options;
    const [, inH, inW] = ctx.tensor(op.inputs[0]).shape;
    const [outC, kh, kw, inC] = ctx.tensor(op.inputs[1]).shape;
    const strides = [o.int32(2, 1), o.int32(1, 1)];
    const dilations = [o.int32(5, 1), o.int32(4, 1)];
    const weights = permute(ctx.constant(op.inputs[1]), [outC, kh, kw, inC], [0, 3, 1, 2]);
    const w = ctx.graph.initializer(`${ctx.name(op.outputs[0])}_w`, [outC, inC, kh, kw], weights);
    const inputs = [ctx.name(op.inputs[0]), w, ...bias(op, ctx, 2)];
    const out = convOutput(op, ctx, o.int8(3));
    ctx.graph.node("Conv", inputs, out, {
      kernel_shape: [kh, kw],
      strides,
      dilations,
      pads: samePads(o.int8(0), [inH, inW], [kh, kw], strides, dilations),
      group: 1,
    });
    activation(op, ctx, o.int8(3), out);
  },

  DEPTHWISE_CONV_2D(op, ctx) {
    // DepthwiseConv2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 depth_multiplier,
    // 4 activation, 5/6 dilation w/h. Weights are [1, kh, kw, C·m] → ONNX [C·m, 1, kh, kw].
    const o = op.options;
    const [, inH, inW, inC] = ctx.tensor(op.inputs[0]).shape;
    const [, kh, kw, outC] = ctx.tensor(op.inputs[1]).shape;
    const strides = [o.int32(2, 1), o.int32(1, 1)];
    const dilations = [o.int32(6, 1), o.int32(5, 1)];
    const weights = permute(ctx.constant(op.inputs[1]), [1, kh, kw, outC], [3, 0, 1, 2]);
    const w = ctx.graph.initializer(`${ctx.name(op.outputs[0])}_w`, [outC, 1, kh, kw], weights);
    const out = convOutput(op, ctx, o.int8(4));
    ctx.graph.node("Conv", [ctx.name(op.inputs[0]), w, ...bias(op, ctx, 2)], out, {
      kernel_shape: [kh, kw],
      strides,
      dilations,
      pads: samePads(o.int8(0), [inH, inW], [kh, kw], strides, dilations),
      group: inC,
    });
    activation(op, ctx, o.int8(4), out);
  },

  AVERAGE_POOL_2D(op, ctx) {
    // Pool2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 filter_width, 4 filter_height,
    // 5 activation. The models only pool a whole map (squeeze-and-excite blocks).
    const o = op.options;
    const [, inH, inW] = ctx.tensor(op.inputs[0]).shape;
    const [, outH, outW] = ctx.tensor(op.outputs[0]).shape;
    if (o.int32(4) !== inH || o.int32(3) !== inW || outH !== 1 || outW !== 1) {
      throw new UnsupportedOperatorError(
        `AVERAGE_POOL_2D at operator #${op.index} pools ${o.int32(4)}x${o.int32(3)} over ` +
          `${inH}x${inW}; only pooling over the whole map is supported`,
      );
    }
    const out = convOutput(op, ctx, o.int8(5));
    ctx.graph.node("GlobalAveragePool", [ctx.name(op.inputs[0])], out);
    activation(op, ctx, o.int8(5), out);
  },

  MEAN(op, ctx) {
    // ReducerOptions: 0 keep_dims. MEAN over H and W (NHWC axes 1, 2) is a global pool.
    const axes = Array.from(ctx.constantInts(op.inputs[1])).sort().join(",");
    if (axes !== "1,2" || !op.options.bool(0)) {
      throw new UnsupportedOperatorError(
        `MEAN at operator #${op.index} reduces axes [${axes}]` +
          `${
            op.options.bool(0) ? "" : " without keep_dims"
          }; only a mean over height and width with keep_dims is supported`,
      );
    }
    ctx.graph.node("GlobalAveragePool", [ctx.name(op.inputs[0])], ctx.name(op.outputs[0]));
  },

  RESIZE_BILINEAR(op, ctx) {
    // ResizeBilinearOptions: 2 align_corners, 3 half_pixel_centers. The mode must match:
    // the wrong one shifts the upsampled map by half a pixel and flips edge pixels.
    const [n, , , c] = ctx.tensor(op.inputs[0]).shape;
    const [h, w] = ctx.constantInts(op.inputs[1]);
    const mode = op.options.bool(2)
      ? "align_corners"
      : op.options.bool(3)
      ? "half_pixel"
      : "asymmetric";
    const out = ctx.name(op.outputs[0]);
    const sizes = ctx.graph.initializer(
      `${out}_sizes`,
      [4],
      BigInt64Array.from([n, c, h, w], BigInt),
    );
    ctx.graph.node("Resize", [ctx.name(op.inputs[0]), "", "", sizes], out, {
      mode: "linear",
      coordinate_transformation_mode: mode,
    });
  },

  Convolution2DTransposeBias(op, ctx) {
    // MediaPipe's custom op. custom_options are three int32: padding (1 = SAME,
    // 2 = VALID, MediaPipe's own numbering), stride_w, stride_h. Weights are OHWI;
    // ONNX ConvTranspose wants IOHW, without flipping the kernel.
    const options = op.customOptions;
    if (options === undefined || options.length < 12) {
      throw new UnsupportedOperatorError(
        `Convolution2DTransposeBias at operator #${op.index} has no options`,
      );
    }
    const view = new DataView(options.buffer, options.byteOffset, options.byteLength);
    const strides = [view.getInt32(8, true), view.getInt32(4, true)];
    const [, inH, inW] = ctx.tensor(op.inputs[0]).shape;
    const [, outH, outW] = ctx.tensor(op.outputs[0]).shape;
    const [outC, kh, kw, inC] = ctx.tensor(op.inputs[1]).shape;
    const weights = permute(ctx.constant(op.inputs[1]), [outC, kh, kw, inC], [3, 0, 1, 2]);
    const out = ctx.name(op.outputs[0]);
    const w = ctx.graph.initializer(`${out}_w`, [inC, outC, kh, kw], weights);
    // Output = stride·(in−1) + k − pad_total; the odd pixel of padding goes at the end.
    const totalH = strides[0] * (inH - 1) + kh - outH;
    const totalW = strides[1] * (inW - 1) + kw - outW;
    ctx.graph.node("ConvTranspose", [ctx.name(op.inputs[0]), w, ...bias(op, ctx, 2)], out, {
      kernel_shape: [kh, kw],
      strides,
      pads: [
        Math.floor(totalH / 2),
        Math.floor(totalW / 2),
        totalH - Math.floor(totalH / 2),
        totalW - Math.floor(totalW / 2),
      ],
    });
  },
};

function unary(opType: string, op: TfliteOperator, ctx: ConversionContext): void {
  ctx.graph.node(opType, [ctx.name(op.inputs[0])], ctx.name(op.outputs[0]));
}

function binary(opType: string, op: TfliteOperator, ctx: ConversionContext, act: number): void {
  const gate = opType === "Mul" ? gateInput(op, ctx) : -1;
  const inputs = op.inputs.map((index, i) => {
    if (i === gate) return spreadGate(op, ctx, index);
    if (!ctx.isConstant(index)) return ctx.name(index);
    // A per-channel constant [.., C] broadcasts over NCHW as [C, 1, 1].
    const value = ctx.constant(index);
    const dims = value.length === 1 ? [] : [value.length, 1, 1];
    return ctx.graph.initializer(`${ctx.name(op.outputs[0])}_c${i}`, dims, value);
  });
  const out = convOutput(op, ctx, act);
  ctx.graph.node(opType, inputs, out);
  activation(op, ctx, act, out);
}

/**
 * Which input of a MUL is a squeeze-and-excite gate: an activation of shape [N, 1, 1, C]
 * scaling the other, an activation of [N, H, W, C] with a larger map; -1 when none is.
 */
function gateInput(op: TfliteOperator, ctx: ConversionContext): number {
  if (op.inputs.length !== 2 || op.inputs.some((index) => ctx.isConstant(index))) return -1;
  const [a, b] = op.inputs.map((index) => ctx.tensor(index).shape);
  const isGate = (g: number[], x: number[]) =>
    g.length === 4 && x.length === 4 && g[1] === 1 && g[2] === 1 && g[3] === x[3] &&
    x[1] * x[2] > 1;
  return isGate(b, a) ? 1 : isGate(a, b) ? 0 : -1;
}

/**
 * The gate spread over the map it scales (nearest-neighbour Resize by whole factors):
 * the same products as the broadcast, but onnxruntime's NCHWc layout then keeps the
 * block in its blocked format, where a broadcast Mul sends both operands back to NCHW
 * and the product forward again (three reorders per block).
 */
function spreadGate(op: TfliteOperator, ctx: ConversionContext, index: number): string {
  const [, h, w] = ctx.tensor(op.inputs[index === op.inputs[0] ? 1 : 0]).shape;
  // Named after the product, not the gate: a gate that scales two maps gets two spreads.
  const out = `${ctx.name(op.outputs[0])}_gate`;
  const scales = ctx.graph.initializer(`${out}_scales`, [4], Float32Array.of(1, 1, h, w));
  ctx.graph.node("Resize", [ctx.name(index), "", scales], out, {
    mode: "nearest",
    coordinate_transformation_mode: "asymmetric",
    nearest_mode: "floor",
  });
  return out;
}

/** Bias input(s), when the op has one. */
function bias(op: TfliteOperator, ctx: ConversionContext, input: number): string[] {
  const index = op.inputs[input];
  if (index === undefined || index < 0) return [];
  const value = ctx.constant(index);
  return [ctx.graph.initializer(`${ctx.name(op.outputs[0])}_b`, [value.length], value)];
}

/** The name the op's main node writes to: the output itself, or a temporary before an activation. */
function convOutput(op: TfliteOperator, ctx: ConversionContext, act: number): string {
  const out = ctx.name(op.outputs[0]);
  return act === ACTIVATION.NONE ? out : `${out}_linear`;
}

function activation(op: TfliteOperator, ctx: ConversionContext, act: number, from: string): void {
  const out = ctx.name(op.outputs[0]);
  if (act === ACTIVATION.NONE) return;
  if (act === ACTIVATION.RELU) ctx.graph.node("Relu", [from], out);
  else if (act === ACTIVATION.TANH) ctx.graph.node("Tanh", [from], out);
  else if (act === ACTIVATION.RELU6 || act === ACTIVATION.RELU_N1_TO_1) {
    const [lo, hi] = act === ACTIVATION.RELU6 ? [0, 6] : [-1, 1];
    const min = ctx.graph.initializer(`${out}_min`, [], Float32Array.of(lo));
    const max = ctx.graph.initializer(`${out}_max`, [], Float32Array.of(hi));
    ctx.graph.node("Clip", [from, min, max], out);
  } else {
    throw new UnsupportedOperatorError(
      `fused activation ${act} at operator #${op.index} is not supported`,
    );
  }
}

/**
 * TFLite SAME padding: the output is ceil(in/stride) and, when the total padding is odd,
 * the extra pixel goes at the END (bottom/right). ONNX auto_pad SAME_UPPER would agree,
 * but explicit pads leave no room for interpretation. Returns [top, left, bottom, right].
 */
export function samePads(
  padding: number,
  input: number[],
  kernel: number[],
  strides: number[],
  dilations: number[],
): number[] {
  if (padding !== SAME) return [0, 0, 0, 0];
  const before: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < 2; i++) {
    const out = Math.ceil(input[i] / strides[i]);
    const extent = (kernel[i] - 1) * dilations[i] + 1;
    const total = Math.max((out - 1) * strides[i] + extent - input[i], 0);
    before.push(Math.floor(total / 2));
    after.push(total - Math.floor(total / 2));
  }
  return [...before, ...after];
}

/** Permutes a dense row-major tensor: out shape[i] = shape[perm[i]]. */
export function permute(data: Float32Array, shape: number[], perm: number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const strides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; s *= shape[i], i--) strides[i] = s;
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let source = 0;
    for (let i = 0; i < rank; i++) source += index[i] * strides[perm[i]];
    out[o] = data[source];
    for (let i = rank - 1; i >= 0; i--) {
      if (++index[i] < outShape[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

/** IEEE 754 half → single precision. */
export function float16ToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    out[i] = exponent === 0
      ? sign * 2 ** -14 * (fraction / 1024)
      : exponent === 31
      ? (fraction ? NaN : sign * Infinity)
      : sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
  }
  return out;
}

/** Decodes a constant tensor's bytes to float32 (FLOAT32 or FLOAT16). */
export function decodeFloat(tensor: TfliteTensor): Float32Array {
  const data = tensor.data!.slice(); // copy: aligned, and not a view into the file
  if (tensor.type === TensorType.FLOAT32) return new Float32Array(data.buffer);
  if (tensor.type === TensorType.FLOAT16) return float16ToFloat32(new Uint16Array(data.buffer));
  throw new UnsupportedOperatorError(
    `tensor ${tensor.name} has type ${tensor.type}; only float32 and float16 constants are supported`,
  );
}
