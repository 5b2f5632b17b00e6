/**
 * A lens blur of the background ("bokeh"): a point of light becomes a disc with a flat
 * core, and bright lights bloom into bright discs, where the Gaussian of blur.ts makes a
 * bell. The same halo-free scheme as blur.ts, with a disc for the kernel:
 *
 *     background = disc(frame · w · g) / disc(w · g),   w = weight(1 − alpha),
 *
 * in linear light (gamma 2: v²/255, close to sRGB's 2.2 and undone by one sqrt), and g a
 * highlight gain: pixels near white count up to 1 + HIGHLIGHT_GAIN times as much, so a
 * lamp's light spreads over its disc instead of averaging into a grey smudge. Dividing by
 * the gain-weighted weight keeps flat areas their colour: a white wall stays white and a
 * light grey one grey (a gain in the numerator only would blow them out).
 *
 *   1. one pass over the frame: area-average w·g·lin(frame) and w·g into f×f cells, f
 *      chosen so the disc is about LOW_RADIUS cells across its radius;
 *   2. the disc at low resolution: a disc is a stack of horizontal runs, one per row
 *      dy with half-width √(R² − dy²); each run is the difference of two prefix sums of
 *      its row, read at fractional positions so that the edge is antialiased and the
 *      radius changes smoothly with the strength. Cost per cell: 2R rows × 4 reads;
 *   3. the division, back to gamma (sqrt), and the upsampling and composite of blur.ts.
 */
import type { Frame } from "../frame.ts";
import { BlurScratch, upsampleComposite } from "./blur.ts";
import { checkComposite } from "./composite.ts";

/**
 * Disc radius in low-resolution cells that the factor aims for (5 to 10 cells). The flat
 * core must survive the cell averaging and the bilinear upsampling, which soften the edge
 * by about 1.5 cells: at 5 the core still varies by at most 3 % over 70 % of the radius
 * (tests/kernels/lens_blur.test.ts). The cost per cell is 2R rows: 6 cells cost about
 * 0.8 ms more a 720p frame in wasm at the default strength (measured before the disc loop
 * was blocked by four cells), past the 2 ms budget over the Gaussian.
 * kernels.as spells PAD's 5 again (LENS_PAD).
 */
export const LOW_RADIUS = 5;
/** Highlights: gain 1 + HIGHLIGHT_GAIN·s², s rising from 0 at HIGHLIGHT_START to 1 at 255. */
export const HIGHLIGHT_START = 200;
export const HIGHLIGHT_GAIN = 15;
/**
 * Below this share of a full disc of background weight, a cell has no background to
 * speak of (deep inside the person) and gets the mean colour: the prefix sums are f32
 * in wasm, and a difference of large sums divided by a tiny weight is noise.
 */
const MIN_SHARE = 0.005;
/** Prefix rows are padded by this many cells on each side, so reads need no clamping. */
export const PAD = 2 * LOW_RADIUS + 2;

/** blur.ts WEIGHT: (255 − a)² / 255. */
const WEIGHT = new Float32Array(256);
/** Linear light, gamma 2: v² / 255 (0..255). */
const LINEAR = new Float32Array(256);
/** The highlight gain by a pixel's brightest channel. */
const GAIN = new Float32Array(256);
for (let v = 0; v < 256; v++) {
  WEIGHT[v] = (255 - v) * (255 - v) / 255;
  LINEAR[v] = v * v / 255;
  const s = Math.min(1, Math.max(0, (v - HIGHLIGHT_START) / (255 - HIGHLIGHT_START)));
  GAIN[v] = 1 + HIGHLIGHT_GAIN * s * s;
}

/** The integer downsampling factor for a disc of `radius` full-resolution pixels. */
export function lensFactor(radius: number): number {
  return Math.max(1, Math.floor(radius / LOW_RADIUS));
}

/**
 * The disc's radius in cells for `radius` pixels at factor `f`. A quarter of a cell less:
 * the cell averaging and the bilinear upsampling spread the disc's edge over about ±1.5
 * cells, and the picture shows the edge where the level halves (a quarter in linear
 * light), outside the run's end; a point of light's disc measured 0.5 cell too wide
 * without this, and 0.1–0.3 cell too narrow at half a cell (tests/kernels/lens_blur.test.ts).
 */
export function lensLowRadius(radius: number, f: number): number {
  return Math.max(0, radius / f - 0.25);
}

/**
 * The rows of the disc at low resolution: row dy = i − rows (i = 0 … 2·rows) is the run
 * from x − w to x + w (w = the disc's half-width in that row), read from the prefix sums
 * at fractional positions: entries x ± ⌊w + 0.5⌋ weighted by `near[i]` and the next ones
 * out by `far[i]`. The outermost rows are only partly inside the disc: their weights are
 * scaled by that share (near + far = the share), which antialiases the top and bottom
 * edges as the fractional reads antialias the sides. Returns `rows`.
 */
export function discRows(
  radius: number,
  whole: Int32Array,
  near: Float32Array,
  far: Float32Array,
): number {
  // At least the cell itself: a disc narrower than a cell would sum nothing.
  const r = Math.max(0.5, radius);
  const rows = Math.ceil(r + 0.5) - 1;
  const room = Math.min(whole.length, near.length, far.length);
  if (room < 2 * rows + 1) {
    throw new RangeError(`disc rows: expected room for ${2 * rows + 1}, got ${room}`);
  }
  for (let i = 0; i <= 2 * rows; i++) {
    const dy = Math.abs(i - rows);
    // The row's share inside the disc, and its half-width at the middle of that share.
    const share = Math.min(1, r + 0.5 - dy);
    const middle = dy - 0.5 + share / 2;
    const a = Math.sqrt(Math.max(0, r * r - middle * middle)) + 0.5;
    const t = a - Math.floor(a);
    whole[i] = Math.floor(a);
    near[i] = Math.fround(share * (1 - t));
    far[i] = Math.fround(share * t);
  }
  return rows;
}

/** Buffers of {@link lensBlurBackground}: blur.ts's, plus the prefix rows and disc rows. */
export class LensScratch extends BlurScratch {
  /** lh padded prefix rows of (lw + 2·PAD + 1) cells, 4 floats each. */
  prefix = new Float32Array(0);
  whole = new Int32Array(4 * LOW_RADIUS + 3);
  near = new Float32Array(4 * LOW_RADIUS + 3);
  far = new Float32Array(4 * LOW_RADIUS + 3);
  rows = 0;
  lowRadius = 0;

  /** Sizes everything for a frame and a disc radius in pixels. */
  prepareLens(width: number, height: number, radius: number): void {
    const f = lensFactor(radius);
    this.size(width, height, f);
    this.lowRadius = lensLowRadius(radius, f);
    this.rows = discRows(this.lowRadius, this.whole, this.near, this.far);
    const n = this.lowHeight * (this.lowWidth + 2 * PAD + 1) * 4;
    if (this.prefix.length < n) {
      this.prefix = new Float32Array(n);
      this.allocations++;
    }
  }
}

/**
 * Writes into `out` the frame with its background (alpha < 255) blurred by a lens disc of
 * `radius` pixels, highlights blooming, and the person (alpha) composited sharp over it.
 */
export function lensBlurBackground(
  frame: Frame,
  alpha: Uint8Array,
  radius: number,
  out: Frame,
  scratch: LensScratch,
): void {
  checkComposite(frame, alpha, out);
  if (!(radius >= 0 && Number.isFinite(radius))) {
    throw new RangeError(`lens blur radius: expected a finite number >= 0, got ${radius}`);
  }
  scratch.prepareLens(frame.width, frame.height, radius);
  downsampleLinear(frame, alpha, scratch);
  prefixRows(scratch);
  disc(scratch);
  normaliseLinear(scratch);
  upsampleComposite(frame, alpha, out, scratch);
}

/** blur.ts downsample, with the weight times the highlight gain, in linear light. */
function downsampleLinear(frame: Frame, alpha: Uint8Array, s: LensScratch): void {
  const { width, height, channels: sc } = frame;
  const src = frame.data, low = s.low, acc = s.sums;
  const f = s.factor, lw = s.lowWidth, lh = s.lowHeight;
  for (let ly = 0; ly < lh; ly++) {
    acc.fill(0, 0, lw * 4);
    const y0 = ly * f, y1 = Math.min(height, y0 + f);
    for (let y = y0; y < y1; y++) {
      let i = y * width, p = i * sc;
      for (let c = 0, x = 0; x < width; c += 4) {
        let r = 0, g = 0, b = 0, ws = 0;
        const end = Math.min(width, x + f);
        for (; x < end; x++, i++, p += sc) {
          const w0 = WEIGHT[alpha[i]];
          if (w0 !== 0) {
            const vr = src[p], vg = src[p + 1], vb = src[p + 2];
            const w = w0 * GAIN[Math.max(vr, vg, vb)];
            r += w * LINEAR[vr];
            g += w * LINEAR[vg];
            b += w * LINEAR[vb];
            ws += w;
          }
        }
        acc[c] += r;
        acc[c + 1] += g;
        acc[c + 2] += b;
        acc[c + 3] += ws;
      }
    }
    const rows = y1 - y0;
    for (let cx = 0, c = 0, o = ly * lw * 4; cx < lw; cx++, c += 4, o += 4) {
      const inv = 1 / (rows * (Math.min(width, (cx + 1) * f) - cx * f));
      low[o] = acc[c] * inv;
      low[o + 1] = acc[c + 1] * inv;
      low[o + 2] = acc[c + 2] * inv;
      low[o + 3] = acc[c + 3] * inv;
    }
  }
}

/** Padded prefix sums of each low row: entry j sums the cells before j − PAD (0 outside). */
function prefixRows(s: LensScratch): void {
  const { low, prefix, lowWidth: lw, lowHeight: lh } = s;
  const stride = (lw + 2 * PAD + 1) * 4;
  for (let y = 0; y < lh; y++) {
    const q = y * stride, row = y * lw * 4;
    prefix.fill(0, q, q + (PAD + 1) * 4);
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let o = q + (PAD + 1) * 4;
    for (let x = 0; x < lw; x++, o += 4) {
      const c = row + x * 4;
      // Rounded to f32 at each step, as the wasm twin accumulates.
      s0 = Math.fround(s0 + low[c]);
      s1 = Math.fround(s1 + low[c + 1]);
      s2 = Math.fround(s2 + low[c + 2]);
      s3 = Math.fround(s3 + low[c + 3]);
      prefix[o] = s0;
      prefix[o + 1] = s1;
      prefix[o + 2] = s2;
      prefix[o + 3] = s3;
    }
    for (let x = 0; x < PAD; x++, o += 4) {
      prefix[o] = s0;
      prefix[o + 1] = s1;
      prefix[o + 2] = s2;
      prefix[o + 3] = s3;
    }
  }
}

/** low = the disc sums of the prefix rows (zero outside the frame). */
function disc(s: LensScratch): void {
  const { low, prefix, whole, near, far, rows, lowWidth: lw, lowHeight: lh } = s;
  const stride = (lw + 2 * PAD + 1) * 4;
  low.fill(0, 0, lw * lh * 4);
  for (let y = 0; y < lh; y++) {
    const o = y * lw * 4;
    for (let i = 0; i <= 2 * rows; i++) {
      const yy = y + i - rows;
      if (yy < 0 || yy >= lh) continue;
      const a = whole[i], u = near[i], t = far[i];
      const q = yy * stride;
      // The run's two fractional ends: entries x+a (near) and x+a+1 (far) on the right,
      // x−a+1 (near) and x−a (far) on the left.
      let hi = q + (PAD + a) * 4, lo = q + (PAD - a) * 4;
      for (let x = 0, c = o; x < lw; x++, c += 4, hi += 4, lo += 4) {
        for (let k = 0; k < 4; k++) {
          low[c + k] += u * prefix[hi + k] + t * prefix[hi + 4 + k] - t * prefix[lo + k] -
            u * prefix[lo + 4 + k];
        }
      }
    }
  }
}

/** Premultiplied linear cells → gamma colour; cells without background get the mean. */
function normaliseLinear(s: LensScratch): void {
  const { low, lowWidth: lw, lowHeight: lh, lowRadius } = s;
  const cells = lw * lh;
  let r = 0, g = 0, b = 0, w = 0;
  for (let o = 0; o < cells * 4; o += 4) {
    r += low[o];
    g += low[o + 1];
    b += low[o + 2];
    w += low[o + 3];
  }
  const mean = w > 0 ? 1 / w : 0;
  const mr = gamma(r * mean), mg = gamma(g * mean), mb = gamma(b * mean);
  const minWeight = lensMinWeight(lowRadius);
  for (let o = 0; o < cells * 4; o += 4) {
    const cw = low[o + 3];
    if (cw > minWeight) {
      const inv = 1 / cw;
      low[o] = gamma(low[o] * inv);
      low[o + 1] = gamma(low[o + 1] * inv);
      low[o + 2] = gamma(low[o + 2] * inv);
    } else {
      low[o] = mr;
      low[o + 1] = mg;
      low[o + 2] = mb;
    }
  }
}

/** The disc weight below which a cell counts as having no background (see MIN_SHARE). */
export function lensMinWeight(lowRadius: number): number {
  return MIN_SHARE * 255 * Math.max(1, Math.PI * lowRadius * lowRadius);
}

/** Linear (0..255, gamma 2) back to a byte level, clamped. */
function gamma(linear: number): number {
  return Math.sqrt(Math.min(255, Math.max(0, linear)) * 255);
}
