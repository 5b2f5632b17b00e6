/**
 * Mask refinement: the person probability map (0..255, already upscaled to the frame)
 * becomes the alpha every effect composites with. Shared by all effects so that the
 * edge looks the same whichever background is chosen.
 */
import { assertPlane } from "./_check.ts";
import { wordsOf } from "./_words.ts";

export interface MaskOptions {
  /**
   * 0..1. When set, the mask is hard: alpha = prob > threshold*255 ? 255 : 0 (no ramp,
   * no feather). Unset (the default): a soft edge, see {@link refineMask}.
   */
  threshold?: number;
  /** Keep the background and remove the person: alpha = 255 - alpha. Default false. */
  invert: boolean;
  /**
   * Radius of an extra box blur of the soft edge, as a fraction of the frame height
   * (0.002 = 1.4 px at 720p, 2 px at 1080p); 0 (the default) turns it off. Ignored
   * with `threshold`. See {@link refineMask} for when it is worth its cost.
   */
  feather?: number;
  /**
   * Which soft ramp (ignored with `threshold`): `still` (the default: photos, each frame
   * on its own) or `stream` (video and live, wider; see {@link STREAM_RAMP}).
   */
  ramp?: "still" | "stream";
}

export const defaultMaskOptions = {
  invert: false,
  feather: 0,
} as const satisfies MaskOptions;

/** A feather radius worth using on still images (see {@link refineMask}). */
export const STILL_IMAGE_FEATHER = 0.002;

/**
 * The soft ramp of a photo: probabilities below 0.3 count as background, above 0.7 as
 * person, with a smoothstep in between. Why not the raw probability: the model leaves a
 * faint haze (p ≈ 0.1–0.3) around people that would show as a ghost of the old
 * background; why not a hard cut at 0.5: it turns the model's smooth edge into a jagged
 * 1-pixel step.
 */
export const STILL_RAMP = { low: 0.3, high: 0.7 } as const;
/**
 * The soft ramp of a video, wider: a ramp multiplies every change of the probability at
 * the edge by its slope (3.75 at the middle of 0.3–0.7), so in a stream it turns the
 * model's frame-to-frame wobble, and a real edge moving, into flicker. Measured on
 * ../shared/data/videos/desk_960x540.mp4 (real footage, `deno task eval --video`): the
 * memory takes the probability's flicker to 0.46 of the raw model's, and the 0.3–0.7
 * ramp brought it back up to 0.84; with 0.15–0.85 it is 0.69. The wider ramp also
 * lowers dtSSD against the exact masks on every motion clip, clean and camera-like
 * (scripts/make_camera_clips.ts: stride 11.17 → 10.71, dash 18.58 → 18.02), and leaves
 * IoU alone (the ramp is symmetric about 0.5). The haze at p = 0.25 shows at 4 %.
 */
export const STREAM_RAMP = { low: 0.15, high: 0.85 } as const;

function smoothstepTable(ramp: { low: number; high: number }): Uint8Array {
  const table = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    const t = Math.min(1, Math.max(0, (v / 255 - ramp.low) / (ramp.high - ramp.low)));
    table[v] = Math.round(255 * t * t * (3 - 2 * t));
  }
  return table;
}

/** The soft ramps as lookup tables, built once: refinement is then one load per pixel. */
const SOFT_RAMPS = { still: smoothstepTable(STILL_RAMP), stream: smoothstepTable(STREAM_RAMP) };

/** Per-call table (threshold / invert folded in); module-level so calls never allocate. */
const lut = new Uint8Array(256);

/** Buffers the feather blur needs; reuse one per frame size (see {@link MaskRefiner}). */
export interface MaskScratch {
  /** width*height: the horizontally blurred mask. */
  plane: Uint8Array;
  /** width: running column sums of the vertical pass. */
  columns: Int32Array;
}

export function createMaskScratch(width: number, height: number): MaskScratch {
  return { plane: new Uint8Array(width * height), columns: new Int32Array(width) };
}

/**
 * Writes alpha (0..255, 255 = keep) for each pixel of `prob` into `out`.
 *
 * Default (soft): a smoothstep of the probability between 0.3 and 0.7 ({@link STILL_RAMP};
 * 0.15 and 0.85 for `ramp: "stream"`): the model's own soft edge, made tighter. On the
 * live path that is enough: the map is upscaled 5-7.5x from the landscape model's
 * 144x256 (height x width) to 720p/1080p, so the ramp already spans several pixels and
 * is anti-aliased. With `feather` > 0 a box blur of
 * radius feather*height follows; it matters when the map is barely upscaled (a small
 * image, or a 256x256 model on a 512-pixel photo), where the ramp shrinks to a 1-pixel
 * aliased step. It is off by default because it costs 1.8 ms per 720p frame and 4.5 ms
 * at 1080p (bench/effects.ts) for no visible change on video; {@link STILL_IMAGE_FEATHER}
 * suits still images.
 *
 * Allocation-free when `scratch` is given (or feather is off); without it a scratch is
 * allocated, which is fine for single images. The frame loop uses {@link MaskRefiner}.
 */
export function refineMask(
  prob: Uint8Array,
  width: number,
  height: number,
  out: Uint8Array,
  options: MaskOptions,
  scratch?: MaskScratch,
): void {
  assertPlane(prob, width, height, "probability map");
  assertPlane(out, width, height, "mask output");
  maskTable(options, lut);
  const feather = options.feather ?? defaultMaskOptions.feather;
  if (!(feather >= 0)) {
    throw new RangeError(`mask feather: expected a number >= 0, got ${feather}`);
  }
  applyTable(prob, lut, out);
  const radius = featherRadius(options, height);
  if (radius < 1) return;

  let s = scratch;
  if (s === undefined) s = createMaskScratch(width, height);
  if (s.plane.length !== width * height || s.columns.length !== width) {
    throw new RangeError(
      `mask scratch: expected ${width * height} + ${width} entries for ${width}x${height}, ` +
        `got ${s.plane.length} + ${s.columns.length}`,
    );
  }
  const words = wordsOf(out), planeWords = wordsOf(s.plane);
  if (words && planeWords && width % 4 === 0 && radius <= 4) {
    flatAwareHorizontal(out, words, width, height, radius, s.plane);
    flatAwareVertical(s.plane, planeWords, width, height, radius, out);
  } else {
    boxBlurHorizontal(out, width, height, radius, s.plane);
    boxBlurVertical(s.plane, width, height, radius, s.columns, out);
  }
}

/**
 * The table {@link refineMask} maps each probability byte through (threshold, ramp and
 * invert folded in) into `table` (256 bytes), after checking the threshold and the ramp.
 * Exported so that a kernel that makes the probability can write the alpha at once
 * (guided_filter.ts applyGuided); the feather, if any, still has to follow.
 */
export function maskTable(options: MaskOptions, table: Uint8Array): void {
  const { threshold, invert } = options;
  if (table.length !== 256) {
    throw new RangeError(`mask table: expected 256 bytes, got ${table.length}`);
  }
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) {
    throw new RangeError(`mask threshold: expected a number from 0 to 1, got ${threshold}`);
  }
  if (threshold !== undefined) {
    const cut = threshold * 255;
    for (let v = 0; v < 256; v++) table[v] = (v > cut) !== invert ? 255 : 0;
  } else {
    const ramp = SOFT_RAMPS[options.ramp ?? "still"];
    if (ramp === undefined) {
      throw new RangeError(`mask ramp: expected "still" or "stream", got ${options.ramp}`);
    }
    for (let v = 0; v < 256; v++) table[v] = invert ? 255 - ramp[v] : ramp[v];
  }
}

/** The feather blur's radius in pixels for a mask `height` tall (0: none; see {@link refineMask}). */
export function featherRadius(options: MaskOptions, height: number): number {
  if (options.threshold !== undefined) return 0;
  return Math.round((options.feather ?? defaultMaskOptions.feather) * height);
}

/**
 * Owns the output and the scratch of {@link refineMask} for the frame loop; reallocates
 * only when the frame size changes. The returned array is reused by the next call.
 */
export class MaskRefiner {
  #out: Uint8Array = new Uint8Array(0);
  #scratch = createMaskScratch(0, 0);
  #width = 0;
  #height = 0;
  readonly #refine: typeof refineMask;
  readonly #allocate: (length: number) => Uint8Array;

  /**
   * @param refine the kernel: this module's, or its wasm twin (src/kernels/kernel_set.ts)
   * @param allocate where the output plane lives (the wasm arena, for in-place kernels)
   */
  constructor(
    refine: typeof refineMask = refineMask,
    allocate: (length: number) => Uint8Array = (length) => new Uint8Array(length),
  ) {
    this.#refine = refine;
    this.#allocate = allocate;
  }

  refine(prob: Uint8Array, width: number, height: number, options: MaskOptions): Uint8Array {
    this.#refine(prob, width, height, this.output(width, height), options, this.#scratch);
    return this.#out;
  }

  /**
   * The plane refine() writes, sized for width x height, for a caller that writes the
   * alpha itself (the table of {@link maskTable} applied as it makes the probability, no
   * feather): refine() is then skipped, and this is the mask.
   */
  output(width: number, height: number): Uint8Array {
    if (width !== this.#width || height !== this.#height) {
      this.#out = this.#allocate(width * height);
      this.#scratch = createMaskScratch(width, height);
      this.#width = width;
      this.#height = height;
    }
    return this.#out;
  }
}

const ALL = 0xffffffff;

/** out[i] = table[src[i]]; four pixels of 0 or 255 at once (most of a mask is flat). */
function applyTable(src: Uint8Array, table: Uint8Array, out: Uint8Array): void {
  const s32 = wordsOf(src), o32 = wordsOf(out);
  let start = 0;
  if (s32 && o32) {
    // The table maps 0 and 255 to 0 or 255, so a flat word maps to a flat word.
    const zero = table[0] === 0 ? 0 : ALL, full = table[255] === 0 ? 0 : ALL;
    for (let q = 0; q < s32.length; q++) {
      const w = s32[q];
      if (w === 0) o32[q] = zero;
      else if (w === ALL) o32[q] = full;
      else {
        const i = q * 4;
        out[i] = table[src[i]];
        out[i + 1] = table[src[i + 1]];
        out[i + 2] = table[src[i + 2]];
        out[i + 3] = table[src[i + 3]];
      }
    }
    start = s32.length * 4;
  }
  for (let i = start; i < src.length; i++) out[i] = table[src[i]];
}

// The feather blur is a box of 2r+1 pixels per axis with edge clamping (a person
// touching the frame border stays opaque up to the border).
//
// Fast path (width a multiple of 4, r <= 4): a group of four pixels whose whole window
// is one flat value (all 0 or all 255, i.e. away from the edge) keeps it with one word
// store; only groups near the edge, a few percent of the frame, are summed. That halves
// the cost of running sums over every pixel (measured at 720p, r = 1).

function flatAwareHorizontal(
  src: Uint8Array,
  words: Uint32Array,
  width: number,
  height: number,
  radius: number,
  dst: Uint8Array,
): void {
  const dstWords = wordsOf(dst)!;
  const perRow = width >> 2, last = width - 1, scale = 1 / (2 * radius + 1);
  for (let y = 0; y < height; y++) {
    const q0 = y * perRow, q1 = q0 + perRow - 1, row = y * width;
    for (let q = q0; q <= q1; q++) {
      const w = words[q];
      // With r <= 4 the window of the group's pixels lies within the words on each side.
      if (
        (w === 0 || w === ALL) && (q === q0 || words[q - 1] === w) &&
        (q === q1 || words[q + 1] === w)
      ) {
        dstWords[q] = w;
        continue;
      }
      for (let x = (q - q0) * 4, end = x + 4; x < end; x++) {
        let sum = 0;
        for (let k = x - radius; k <= x + radius; k++) {
          sum += src[row + (k < 0 ? 0 : k > last ? last : k)];
        }
        dst[row + x] = (sum * scale + 0.5) | 0;
      }
    }
  }
}

function flatAwareVertical(
  src: Uint8Array,
  words: Uint32Array,
  width: number,
  height: number,
  radius: number,
  dst: Uint8Array,
): void {
  const dstWords = wordsOf(dst)!;
  const perRow = width >> 2, last = height - 1, scale = 1 / (2 * radius + 1);
  for (let y = 0; y < height; y++) {
    // Word offsets of the window's first and last rows, relative to this row.
    const up = (Math.max(0, y - radius) - y) * perRow;
    const down = (Math.min(last, y + radius) - y) * perRow;
    for (let g = 0; g < perRow; g++) {
      const q = y * perRow + g, w = words[q];
      let flat = w === 0 || w === ALL;
      for (let o = q + up; flat && o <= q + down; o += perRow) flat = words[o] === w;
      if (flat) {
        dstWords[q] = w;
        continue;
      }
      for (let x = g * 4, end = x + 4; x < end; x++) {
        let sum = 0;
        for (let k = y - radius; k <= y + radius; k++) {
          sum += src[(k < 0 ? 0 : k > last ? last : k) * width + x];
        }
        dst[y * width + x] = (sum * scale + 0.5) | 0;
      }
    }
  }
}

// General path: running sums, O(1) per pixel whatever the radius.

function boxBlurHorizontal(
  src: Uint8Array,
  width: number,
  height: number,
  radius: number,
  dst: Uint8Array,
): void {
  const scale = 1 / (2 * radius + 1);
  const last = width - 1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let sum = (radius + 1) * src[row];
    for (let i = 1; i <= radius; i++) sum += src[row + Math.min(i, last)];
    for (let x = 0; x < width; x++) {
      dst[row + x] = (sum * scale + 0.5) | 0;
      const add = x + radius + 1;
      const sub = x - radius;
      sum += src[row + (add < last ? add : last)] - src[row + (sub > 0 ? sub : 0)];
    }
  }
}

function boxBlurVertical(
  src: Uint8Array,
  width: number,
  height: number,
  radius: number,
  columns: Int32Array,
  dst: Uint8Array,
): void {
  const scale = 1 / (2 * radius + 1);
  const last = height - 1;
  for (let x = 0; x < width; x++) columns[x] = (radius + 1) * src[x];
  for (let i = 1; i <= radius; i++) {
    const row = Math.min(i, last) * width;
    for (let x = 0; x < width; x++) columns[x] += src[row + x];
  }
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const add = Math.min(y + radius + 1, last) * width;
    const sub = Math.max(y - radius, 0) * width;
    for (let x = 0; x < width; x++) {
      dst[row + x] = (columns[x] * scale + 0.5) | 0;
      columns[x] += src[add + x] - src[sub + x];
    }
  }
}
