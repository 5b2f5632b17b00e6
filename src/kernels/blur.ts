/**
 * Background blur without a halo: a mask-weighted, normalised blur,
 *
 *     background = blur(frame · w) / blur(w),   w = weight(1 − alpha),
 *
 * so person pixels contribute nothing to the blurred background next to them; then the
 * sharp person is composited over it. A plain blur smears the person's colours a blur
 * radius into the background (the "halo" of cheap virtual backgrounds).
 *
 * Speed (30 fps at 720p on a 2-core laptop leaves a few ms for this): the blur runs at
 * a resolution reduced by an integer factor f chosen from sigma, so its cost does not
 * grow with the radius:
 *   1. one pass over the frame: area-average frame·w and w into f×f cells;
 *   2. three running-sum box blurs per axis at low resolution (≈ Gaussian; the box
 *      widths match the variance: Kovesi, "Fast almost-Gaussian filtering", 2010),
 *      then divide by the blurred weight;
 *   3. one pass over the frame: bilinear upsampling (each low-resolution row is
 *      widened once, each output pixel is then a vertical mix of two rows) and the
 *      composite. Person pixels (alpha 255) are a plain copy.
 */
import type { Frame } from "../frame.ts";
import { checkComposite } from "./composite.ts";

/**
 * Sigma at low resolution, in cells, that the factor aims for: 3 keeps the bilinear
 * upsampling smooth (no visible diamond pattern), and a larger factor makes steps 1
 * and 2 cheaper.
 */
const LOW_SIGMA = 3;
const PASSES = 3;
/** Blurred weight (out of 255) below which a cell has no background to speak of. */
const MIN_WEIGHT = 1e-6;

/**
 * The largest downsampling factor. Step 1 weighs a pixel by (255 − a)² in exact integers
 * (see downsample), and the wasm twin sums a column's f rows of them times a byte in i32
 * and its pure-background bytes in u16: 128 keeps both in range. Only a sigma over 384 px
 * reaches it; the boxes then simply get wider.
 */
const MAX_FACTOR = 128;
/**
 * Step 3 runs in fixed point, as the wasm twin does with 16-bit lanes: colours times 128
 * (7 fraction bits; 255·128 fits in an i16), the mixes as Q15 rounding multiplies. It
 * rounds like the float mix except near exact halves: within one level of it.
 */
export const UP_BITS = 7;
export const UP_HALF = 1 << (UP_BITS - 1);

/** i16x8.q15mulr_sat_s of one lane: round(a·b / 2¹⁵) (no operand here is −2¹⁵). */
function mulQ15(a: number, b: number): number {
  return (a * b + 16384) >> 15;
}

/**
 * Step 3's walk down the output rows: output row y mixes two widened low-resolution
 * rows, upper and lower; each is widened once, and the lower becomes the upper when the
 * walk crosses a cell. Shared with the blur on YUV planes (src/kernels/blur_planes.ts).
 */
export class WidenedRows {
  upper: Int16Array;
  lower: Int16Array;
  #upperRow = -1;
  #lowerRow = -1;

  constructor(upper: Int16Array, lower: Int16Array) {
    this.upper = upper;
    this.lower = lower;
  }

  /** Forgets the rows held: a new frame starts its walk at row 0. */
  start(): this {
    this.#upperRow = this.#lowerRow = -1;
    return this;
  }

  /**
   * Makes `upper` and `lower` output row y's two rows (rows in increasing order) and
   * returns the weight of the lower one in Q15.
   */
  advance(s: BlurScratch, y: number, width: number): number {
    const v = lowCoordinate(y, s.factor, s.lowHeight);
    const y0 = Math.floor(v), y1 = Math.min(y0 + 1, s.lowHeight - 1);
    if (y0 !== this.#upperRow) {
      if (y0 === this.#lowerRow) {
        const t = this.upper;
        this.upper = this.lower;
        this.lower = t;
        this.#upperRow = y0;
        this.#lowerRow = -1;
      } else {
        widenRow(s, y0, width, this.upper);
        this.#upperRow = y0;
      }
    }
    if (y1 !== this.#lowerRow) {
      widenRow(s, y1, width, this.lower);
      this.#lowerRow = y1;
    }
    return Math.min(32767, Math.floor((v - y0) * 32768 + 0.5));
  }
}

/** Buffers of {@link blurBackground}; they grow to the largest size seen, never shrink. */
export class BlurScratch {
  /** How many times buffers were (re)allocated: lets tests prove the steady state is free. */
  allocations = 0;
  /** Low-resolution cells, 4 floats each: premultiplied r·w, g·w, b·w, w; after the blur
   * and the division, the background colour r, g, b (and w). */
  low = new Float32Array(0);
  tmp = new Float32Array(0);
  /** One low-resolution row of sums (downsampling, vertical blur). */
  sums = new Float64Array(0);
  /** Two low-resolution rows widened to the frame width, RGB in fixed point (·128). */
  upper = new Int16Array(0);
  lower = new Int16Array(0);
  /** Step 3's walk over upper and lower (it swaps them as it goes). */
  walk = new WidenedRows(this.upper, this.lower);
  /** Per output column: offsets of the two nearest cells and the weight of the second. */
  col0 = new Int32Array(0);
  col1 = new Int32Array(0);
  colWeight = new Float32Array(0);
  /** Box radii of the low-resolution passes. */
  radii = new Int32Array(PASSES);
  factor = 0;
  lowWidth = 0;
  lowHeight = 0;
  #tableWidth = -1;
  #tableFactor = -1;

  /** Sizes everything for a frame and sigma; allocates only when a buffer is too small. */
  prepare(width: number, height: number, sigma: number): void {
    boxRadii(sigma, blurFactor(sigma), this.radii);
    this.size(width, height, blurFactor(sigma));
  }

  /** Sizes the low-resolution grid and the upsampling tables for a factor `f` (the lens
   * blur, src/kernels/lens_blur.ts, picks its own factor and shares the rest). */
  size(width: number, height: number, f: number): void {
    const lw = Math.ceil(width / f), lh = Math.ceil(height / f);
    this.factor = f;
    this.lowWidth = lw;
    this.lowHeight = lh;
    if (this.low.length < lw * lh * 4) {
      this.low = new Float32Array(lw * lh * 4);
      this.tmp = new Float32Array(lw * lh * 4);
      this.allocations++;
    }
    if (this.sums.length < lw * 4) {
      this.sums = new Float64Array(lw * 4);
      this.allocations++;
    }
    if (this.col0.length < width) {
      this.col0 = new Int32Array(width);
      this.col1 = new Int32Array(width);
      this.colWeight = new Float32Array(width);
      this.upper = new Int16Array(width * 3);
      this.lower = new Int16Array(width * 3);
      this.walk = new WidenedRows(this.upper, this.lower);
      this.allocations++;
    }
    if (this.#tableWidth !== width || this.#tableFactor !== f) {
      for (let x = 0; x < width; x++) {
        const u = lowCoordinate(x, f, lw), c = Math.floor(u);
        this.col0[x] = c * 4;
        this.col1[x] = Math.min(c + 1, lw - 1) * 4;
        this.colWeight[x] = u - c;
      }
      this.#tableWidth = width;
      this.#tableFactor = f;
    }
  }
}

/**
 * The integer downsampling factor for a full-resolution sigma in pixels. Small blurs
 * (sigma 3–6 px: the weakest `--blur` at 720p) still halve the resolution: at full
 * resolution they cost 10x more (80 ms a 720p frame in TypeScript, 28 in wasm), and at
 * that size the cells of a factor of 2 are too small to show.
 */
export function blurFactor(sigma: number): number {
  if (sigma >= LOW_SIGMA && sigma < 2 * LOW_SIGMA) return 2;
  return Math.min(MAX_FACTOR, Math.max(1, Math.floor(sigma / LOW_SIGMA)));
}

/**
 * Box radii of the low-resolution passes so that the whole chain (f×f area average,
 * boxes, bilinear upsampling) has variance sigma² in full-resolution pixels.
 * Area average of f pixels: (f²−1)/12; bilinear upsampling (tent of half-width f): f²/6.
 */
export function boxRadii(sigma: number, factor: number, out: Int32Array): void {
  const f2 = factor * factor;
  const variance = Math.max(0, (sigma * sigma - (f2 - 1) / 12 - f2 / 6) / f2);
  const ideal = Math.sqrt(12 * variance / PASSES + 1);
  let lower = Math.floor(ideal);
  if (lower % 2 === 0) lower--;
  const m = Math.round(
    (12 * variance - PASSES * lower * lower - 4 * PASSES * lower - 3 * PASSES) / (-4 * lower - 4),
  );
  for (let i = 0; i < PASSES; i++) out[i] = ((i < m ? lower : lower + 2) - 1) / 2;
}

/**
 * Writes into `out` the frame with its background (alpha < 255) blurred by a Gaussian
 * of `sigma` pixels and the person (alpha) composited sharp over it.
 */
export function blurBackground(
  frame: Frame,
  alpha: Uint8Array,
  sigma: number,
  out: Frame,
  scratch: BlurScratch,
): void {
  checkComposite(frame, alpha, out);
  if (!(sigma >= 0 && Number.isFinite(sigma))) {
    throw new RangeError(`blur sigma: expected a finite number >= 0, got ${sigma}`);
  }
  scratch.prepare(frame.width, frame.height, sigma);
  downsample(frame, alpha, scratch);
  blurCells(scratch);
  upsampleComposite(frame, alpha, out, scratch);
}

/** Full-resolution pixel `x` in low-resolution cell units (cell i is centred on pixel
 * i·f + (f−1)/2), clamped to the grid of `n` cells. */
export function lowCoordinate(x: number, f: number, n: number): number {
  return Math.min(n - 1, Math.max(0, (x - (f - 1) / 2) / f));
}

/**
 * Step 1 in exact integers: the sums over each f×f cell of w·r, w·g, w·b and w,
 * w = (255 − a)² (doubles hold them exactly), then divided by 255·pixels (a background
 * cell weighs 255). Edge pixels with partial alpha mix person and background colours;
 * squaring halves their say where the mask is unsure, so the blurred background draws
 * mostly on pixels that are surely background.
 */
function downsample(frame: Frame, alpha: Uint8Array, s: BlurScratch): void {
  const { width, height, channels: sc } = frame;
  const src = frame.data, low = s.low, acc = s.sums;
  const f = s.factor, lw = s.lowWidth, lh = s.lowHeight;
  for (let ly = 0; ly < lh; ly++) {
    acc.fill(0, 0, lw * 4);
    const y0 = ly * f, y1 = Math.min(height, y0 + f);
    for (let y = y0; y < y1; y++) {
      let i = y * width, p = i * sc;
      for (let c = 0, x = 0; x < width; c += 4) {
        // Sums of one cell's row in locals: four stores per cell, not per pixel.
        let r = 0, g = 0, b = 0, ws = 0;
        const end = Math.min(width, x + f);
        for (; x < end; x++, i++, p += sc) {
          const a = alpha[i];
          if (a !== 255) {
            const w = (255 - a) * (255 - a);
            r += w * src[p];
            g += w * src[p + 1];
            b += w * src[p + 2];
            ws += w;
          }
        }
        acc[c] += r;
        acc[c + 1] += g;
        acc[c + 2] += b;
        acc[c + 3] += ws;
      }
    }
    // Averages, not sums: the last row and column of cells may be partial.
    const rows = y1 - y0;
    for (let cx = 0, c = 0, o = ly * lw * 4; cx < lw; cx++, c += 4, o += 4) {
      const inv = 1 / (255 * rows * (Math.min(width, (cx + 1) * f) - cx * f));
      low[o] = acc[c] * inv;
      low[o + 1] = acc[c + 1] * inv;
      low[o + 2] = acc[c + 2] * inv;
      low[o + 3] = acc[c + 3] * inv;
    }
  }
}

// Box blurs over 4-float cells with zero padding: outside the frame there is simply no
// background, and the division by the blurred weight corrects the borders exactly.

function boxHorizontal(src: Float32Array, dst: Float32Array, lw: number, lh: number, r: number) {
  const scale = 1 / (2 * r + 1);
  for (let y = 0; y < lh; y++) {
    const row = y * lw * 4;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let x = 0; x <= r && x < lw; x++) {
      const o = row + x * 4;
      s0 += src[o];
      s1 += src[o + 1];
      s2 += src[o + 2];
      s3 += src[o + 3];
    }
    for (let x = 0; x < lw; x++) {
      const o = row + x * 4;
      dst[o] = s0 * scale;
      dst[o + 1] = s1 * scale;
      dst[o + 2] = s2 * scale;
      dst[o + 3] = s3 * scale;
      const add = x + r + 1, sub = x - r;
      if (add < lw) {
        const a = row + add * 4;
        s0 += src[a];
        s1 += src[a + 1];
        s2 += src[a + 2];
        s3 += src[a + 3];
      }
      if (sub >= 0) {
        const b = row + sub * 4;
        s0 -= src[b];
        s1 -= src[b + 1];
        s2 -= src[b + 2];
        s3 -= src[b + 3];
      }
    }
  }
}

function boxVertical(
  src: Float32Array,
  dst: Float32Array,
  lw: number,
  lh: number,
  r: number,
  sums: Float64Array,
) {
  const scale = 1 / (2 * r + 1);
  const n = lw * 4;
  sums.fill(0, 0, n);
  for (let y = 0; y <= r && y < lh; y++) {
    const row = y * n;
    for (let i = 0; i < n; i++) sums[i] += src[row + i];
  }
  for (let y = 0; y < lh; y++) {
    const row = y * n;
    for (let i = 0; i < n; i++) dst[row + i] = sums[i] * scale;
    const add = y + r + 1, sub = y - r;
    if (add < lh) {
      const a = add * n;
      for (let i = 0; i < n; i++) sums[i] += src[a + i];
    }
    if (sub >= 0) {
      const b = sub * n;
      for (let i = 0; i < n; i++) sums[i] -= src[b + i];
    }
  }
}

/**
 * Premultiplied cells → background colour. A cell with (almost) no weight has no
 * background within the blur's reach: deep inside the person, where every pixel is
 * alpha 255 and the colour is never used. It gets the mean background colour, so that
 * even a stray non-opaque pixel there blends towards something plausible, not black.
 */
function normalise(low: Float32Array, cells: number): void {
  let r = 0, g = 0, b = 0, w = 0;
  for (let o = 0; o < cells * 4; o += 4) {
    r += low[o];
    g += low[o + 1];
    b += low[o + 2];
    w += low[o + 3];
  }
  const mean = w > MIN_WEIGHT ? 1 / w : 0;
  const mr = r * mean, mg = g * mean, mb = b * mean;
  for (let o = 0; o < cells * 4; o += 4) {
    const cw = low[o + 3];
    if (cw > MIN_WEIGHT) {
      const inv = 1 / cw;
      low[o] *= inv;
      low[o + 1] *= inv;
      low[o + 2] *= inv;
    } else {
      low[o] = mr;
      low[o + 1] = mg;
      low[o + 2] = mb;
    }
  }
}

/**
 * Widens low-resolution row `ly` to the frame width: RGB in fixed point (·128 rounded,
 * plus UP_HALF: the final rounding's half, added once here instead of per output pixel).
 * Each pair of cells is scaled once, as start = c0·128 + 64.5 and step = (c1 − c0)·128,
 * and a pixel is start + step·t, truncated; in float32 (Math.fround), as the wasm lanes.
 */
export function widenRow(s: BlurScratch, ly: number, width: number, dst: Int16Array): void {
  const { low, col0, col1, colWeight } = s;
  const base = ly * s.lowWidth * 4, one = 1 << UP_BITS;
  let cell = -1, r0 = 0, g0 = 0, b0 = 0, dr = 0, dg = 0, db = 0;
  for (let x = 0, d = 0; x < width; x++, d += 3) {
    if (col0[x] !== cell) {
      cell = col0[x];
      const c0 = base + cell, c1 = base + col1[x];
      r0 = Math.fround(low[c0] * one + UP_HALF + 0.5);
      g0 = Math.fround(low[c0 + 1] * one + UP_HALF + 0.5);
      b0 = Math.fround(low[c0 + 2] * one + UP_HALF + 0.5);
      dr = Math.fround(low[c1] - low[c0]) * one;
      dg = Math.fround(low[c1 + 1] - low[c0 + 1]) * one;
      db = Math.fround(low[c1 + 2] - low[c0 + 2]) * one;
    }
    // Truncation (| 0): the values are far inside the int32 range.
    const t = colWeight[x];
    dst[d] = Math.fround(r0 + Math.fround(dr * t)) | 0;
    dst[d + 1] = Math.fround(g0 + Math.fround(dg * t)) | 0;
    dst[d + 2] = Math.fround(b0 + Math.fround(db * t)) | 0;
  }
}

/**
 * Step 3: background = upper + (lower − upper)·ty, out = bg + (src·128 − bg)·a/255 with
 * a/255 as (a·257) >> 1 in Q15, then >> 7 to a byte (rounded: the rows carry the half, so
 * the source gets it too). At a = 255 that is the source and at a = 0 the background,
 * exactly; person pixels are a plain copy.
 */
export function upsampleComposite(
  frame: Frame,
  alpha: Uint8Array,
  out: Frame,
  s: BlurScratch,
): void {
  const { width, height, channels: sc } = frame;
  const src = frame.data, dst = out.data, dc = out.channels;
  const rows = s.walk.start();
  // Person pixels are a plain copy: one memcpy for RGB to RGB, then skipped.
  const copied = sc === 3 && dc === 3;
  if (copied) dst.set(src);
  for (let y = 0; y < height; y++) {
    const ty = rows.advance(s, y, width), upper = rows.upper, lower = rows.lower;
    let i = y * width, p = i * sc, d = i * dc;
    for (let x = 0, k = 0; x < width; x++, k += 3, i++, p += sc, d += dc) {
      const a = alpha[i];
      if (dc === 4) dst[d + 3] = 255;
      if (a === 255) {
        if (!copied) {
          dst[d] = src[p];
          dst[d + 1] = src[p + 1];
          dst[d + 2] = src[p + 2];
        }
        continue;
      }
      // mulQ15 written out: V8 does not always inline it in this loop.
      const br = upper[k] + (((lower[k] - upper[k]) * ty + 16384) >> 15);
      const bg = upper[k + 1] + (((lower[k + 1] - upper[k + 1]) * ty + 16384) >> 15);
      const bb = upper[k + 2] + (((lower[k + 2] - upper[k + 2]) * ty + 16384) >> 15);
      if (a === 0) {
        // Pure background: the mix would give bg exactly (a share of 0).
        dst[d] = br >> UP_BITS;
        dst[d + 1] = bg >> UP_BITS;
        dst[d + 2] = bb >> UP_BITS;
        continue;
      }
      const share = (a * 257) >> 1;
      dst[d] = (br + mulQ15((src[p] << UP_BITS) + UP_HALF - br, share)) >> UP_BITS;
      dst[d + 1] = (bg + mulQ15((src[p + 1] << UP_BITS) + UP_HALF - bg, share)) >> UP_BITS;
      dst[d + 2] = (bb + mulQ15((src[p + 2] << UP_BITS) + UP_HALF - bb, share)) >> UP_BITS;
    }
  }
}

/**
 * Step 2 on the cells `s` holds after a downsampling step: the box passes, then the
 * division by the blurred weight. Shared with the blur on YUV planes
 * (src/kernels/blur_planes.ts), whose cells hold Y, U, V where these hold R, G, B.
 */
export function blurCells(s: BlurScratch): void {
  const { low, tmp, radii, sums, lowWidth: lw, lowHeight: lh } = s;
  for (let pass = 0; pass < PASSES; pass++) {
    const r = radii[pass];
    if (r === 0) continue;
    boxHorizontal(low, tmp, lw, lh, r);
    boxVertical(tmp, low, lw, lh, r, sums);
  }
  normalise(low, lw * lh);
}
