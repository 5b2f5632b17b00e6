/**
 * The two hooks in which models differ (STYLE.md habit 2), around the one inference
 * sequence of segmenter.ts (resize → prepare → run → finish):
 *
 *   prepare  planar RGB in [0, 1] at the model's input size → the tensor the model
 *            takes: the same buffer for NCHW [0, 1] (the built-in models: no work),
 *            rescaled to [-1, 1] in place, or interleaved for NHWC;
 *   finish   the model's raw output → the person probability at the model's input
 *            size: the same buffer for a one-channel probability of the input's size
 *            (no work), else the person's channel through its sigmoid or softmax,
 *            bilinearly upscaled when the output is smaller (BodyPix: 33x33 for 257x257).
 *
 * Every buffer is allocated here once per model; the hooks allocate nothing per frame.
 */
import { type BilinearTable, bilinearTable } from "../kernels/resize.ts";
import type { ModelSpec, OutputKind } from "./model_spec.ts";

export interface ModelBuffers {
  /** Planar RGB in [0, 1], input size: what resizeToPlanar writes. */
  planar: Float32Array;
  /** The input tensor's data (=== planar when no conversion is needed). */
  feed: Float32Array;
  /** The output tensor's data, as the model writes it. */
  raw: Float32Array;
  /** The person probability at input size (=== raw when no conversion is needed). */
  map: Float32Array;
  /** Fills `feed` from `planar`. */
  prepare(): void;
  /** Fills `map` from `raw`. */
  finish(): void;
  /** How finish() reads `raw`: the spec's, or decided after a first run (decideOutputKind). */
  output: OutputKind;
}

/**
 * Buffers and hooks for `spec`. Without `spec.output`, finish() reads a probability until
 * `output` is set from the model's first answer.
 */
export function modelBuffers(spec: ModelSpec): ModelBuffers {
  const { inputWidth: w, inputHeight: h, layout, channels } = spec;
  const { outputWidth: ow, outputHeight: oh, personIndex } = spec;
  const plane = w * h;
  const planar = new Float32Array(3 * plane);
  const feed = layout === "NCHW" ? planar : new Float32Array(3 * plane);
  const [scale, offset] = spec.inputRange[0] === -1 ? [2, -1] : [1, 0];
  const raw = new Float32Array(channels * ow * oh);
  const direct = channels === 1 && spec.output === "probability" && ow === w && oh === h;
  const map = direct ? raw : new Float32Array(plane);
  // The person's probability at output size, before the upscale (or map itself).
  const person = ow === w && oh === h ? map : new Float32Array(ow * oh);
  const xs = bilinearTable(ow, w), ys = bilinearTable(oh, h);
  return {
    planar,
    feed,
    raw,
    map,
    output: spec.output ?? "probability",
    prepare() {
      if (layout === "NHWC") interleave(planar, plane, scale, offset, feed);
      else if (scale !== 1) rescale(planar, scale, offset);
    },
    finish() {
      if (direct) return;
      personProbability(raw, channels, ow * oh, layout, this.output, personIndex, person);
      if (person !== map) upscale(person, xs, ys, map);
    },
  };
}

function rescale(data: Float32Array, scale: number, offset: number): void {
  for (let i = 0; i < data.length; i++) data[i] = data[i] * scale + offset;
}

/** Planar → interleaved RGB, rescaled on the way. */
export function interleave(
  planar: Float32Array,
  plane: number,
  scale: number,
  offset: number,
  out: Float32Array,
): void {
  if (planar.length !== 3 * plane || out.length !== 3 * plane) {
    throw new RangeError(
      `interleave: expected ${3 * plane} values in and out, got ${planar.length} and ${out.length}`,
    );
  }
  for (let i = 0, o = 0; i < plane; i++, o += 3) {
    out[o] = planar[i] * scale + offset;
    out[o + 1] = planar[plane + i] * scale + offset;
    out[o + 2] = planar[2 * plane + i] * scale + offset;
  }
}

/**
 * The person's probability per pixel from `channels` values each (planar for NCHW,
 * interleaved for NHWC): the channel itself, its sigmoid, or the softmax over the
 * channels at `personIndex` (computed as 1 / Σ exp(x_c − x_p), stable for any logits).
 */
export function personProbability(
  raw: Float32Array,
  channels: number,
  pixels: number,
  layout: "NCHW" | "NHWC",
  kind: OutputKind,
  personIndex: number,
  out: Float32Array,
): void {
  if (raw.length !== channels * pixels || out.length !== pixels) {
    throw new RangeError(
      `personProbability: expected ${
        channels * pixels
      } values in and ${pixels} out, got ${raw.length} and ${out.length}`,
    );
  }
  // Stride between channels of one pixel, and between pixels.
  const [cs, ps] = layout === "NCHW" ? [pixels, 1] : [1, channels];
  for (let i = 0; i < pixels; i++) {
    const base = i * ps;
    const x = raw[base + personIndex * cs];
    if (kind === "probability") out[i] = x < 0 ? 0 : x > 1 ? 1 : x;
    else if (kind === "sigmoid") out[i] = 1 / (1 + Math.exp(-x));
    else {
      // The person's own term is exp(0) = 1: one exp for a pair, 20 for DeepLab's 21.
      let sum = 1;
      for (let c = 0; c < channels; c++) {
        if (c !== personIndex) sum += Math.exp(raw[base + c * cs] - x);
      }
      out[i] = 1 / sum;
    }
  }
}

/** Bilinear float map resize (same sampling as resizeMapToBytes, without the bytes). */
function upscale(map: Float32Array, xs: BilinearTable, ys: BilinearTable, out: Float32Array) {
  const srcWidth = xs.from, width = xs.size;
  for (let y = 0; y < ys.size; y++) {
    const r0 = ys.i0[y] * srcWidth, r1 = ys.i1[y] * srcWidth, wy = ys.w1[y];
    for (let x = 0, o = y * width; x < width; x++, o++) {
      const x0 = xs.i0[x], x1 = xs.i1[x], wx = xs.w1[x];
      const top = map[r0 + x0] + (map[r0 + x1] - map[r0 + x0]) * wx;
      const bottom = map[r1 + x0] + (map[r1 + x1] - map[r1 + x0]) * wx;
      out[o] = top + (bottom - top) * wy;
    }
  }
}
