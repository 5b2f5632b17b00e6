/**
 * The halo-free background blur of src/kernels/blur.ts on a planar YUV picture, so a
 * frame that stays in YUV (issue 16) is blurred without two colour conversions. The
 * blur is linear and range-agnostic: it averages Y, U and V exactly as blur.ts averages
 * R, G and B, and never converts a colour.
 *
 *   1. one pass over the planes: each f×f cell sums w·Y, w·U, w·V and w over its luma
 *      pixels, w = (255 − a)², each pixel bringing its own Y and the chroma sample it lies
 *      on (x >> 1, and y >> 1 for 4:2:0 or y for 4:2:2): the same 4-float cells as the
 *      RGB blur, so its box passes and its division (blur.ts blurCells) run unchanged;
 *   2. blur.ts blurCells;
 *   3. Y: each pixel composited over the upsampled background by its own alpha, in the
 *      same fixed point as blur.ts upsampleComposite (alpha 255: an exact copy).
 *      U, V: each sample composited by the rounded mean alpha of the luma pixels it
 *      covers (2 for 4:2:2, up to 4 for 4:2:0, fewer at an odd edge) over the
 *      background chroma at the position of the FIRST pixel it covers (x = 2·cx, and
 *      y = 2·cy for 4:2:0): the rows the luma pass widened already hold it there. The
 *      centre would be half a pixel right (and down); at a blur of sigma >= 3 px the
 *      background moves far less than a level over half a pixel. A sample whose pixels
 *      all have alpha 255 has mean 255 and is an exact copy.
 *
 * Cost (bench/kernels.ts, 720p yuvj422p, wasm, medians of one run on a loaded 2-core
 * machine): 1.57 ms, as blurBackground on the RGB frame (1.60 ms: per-vector overheads,
 * not bytes, dominate both), against 1.79 ms for the RGB route it replaces (the
 * conversion, then blurBackground), before the conversion back to the camera's format.
 * Widening the low-resolution rows run by run of pixels on one cell (kernels.as,
 * widenPlanes) then took another 5 % off (1.27 → 1.19 ms, same run, same bytes).
 */
import { blurCells, BlurScratch, UP_BITS, UP_HALF } from "./blur.ts";
import { assertYuvPicture, chromaHeight, chromaWidth, type YuvPicture } from "./yuv_picture.ts";

export { BlurScratch };

/** How a kernel's messages name its arguments (constants: the checks run every frame and
 * build no string unless they throw). */
export interface PlanesNames {
  src: string;
  out: string;
  alpha: string;
}

const BLUR_NAMES: PlanesNames = {
  src: "blur on planes src",
  out: "blur on planes out",
  alpha: "blur on planes alpha",
};

/**
 * Throws a RangeError, naming the argument and the value seen, unless `src` and `out` are
 * distinct pictures of one size and layout and `alpha` has a byte per pixel.
 */
export function checkPlanes(
  names: PlanesNames,
  src: YuvPicture,
  alpha: Uint8Array,
  out: YuvPicture,
): void {
  checkLayout(src, names.src);
  checkLayout(out, names.out);
  if (out.width !== src.width || out.height !== src.height || out.layout !== src.layout) {
    throw new RangeError(
      `${names.out}: expected a ${src.width}x${src.height} ${src.layout} picture like src, ` +
        `got ${out.width}x${out.height} ${out.layout}`,
    );
  }
  const a = src.data, b = out.data;
  if (
    a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength &&
    b.byteOffset < a.byteOffset + a.byteLength
  ) {
    throw new RangeError(
      `${names.out}: shares memory with src (bytes ${b.byteOffset}..${
        b.byteOffset + b.byteLength
      }); pass a separate picture`,
    );
  }
  if (alpha.length !== src.width * src.height) {
    throw new RangeError(
      `${names.alpha}: expected ${src.width * src.height} bytes for ${src.width}x${src.height}, ` +
        `got ${alpha.length}`,
    );
  }
}

function checkLayout(p: YuvPicture, name: string): void {
  if (p.layout !== "420" && p.layout !== "422") {
    throw new RangeError(`${name}: expected layout "420" or "422", got ${p.layout}`);
  }
  assertYuvPicture(p, name);
}

/** {@link checkPlanes} for the blur, and a finite sigma >= 0. */
export function checkBlurPlanes(
  src: YuvPicture,
  alpha: Uint8Array,
  sigma: number,
  out: YuvPicture,
): void {
  checkPlanes(BLUR_NAMES, src, alpha, out);
  if (!(sigma >= 0 && Number.isFinite(sigma))) {
    throw new RangeError(`blur sigma: expected a finite number >= 0, got ${sigma}`);
  }
}

/**
 * Writes into `out` the picture `src` with its background (alpha < 255) blurred by a
 * Gaussian of `sigma` full-resolution pixels and the person composited sharp over it;
 * out.fullRange is set to src's (the blur keeps the range). `out` must not alias `src`.
 */
export function blurPlanesBackground(
  src: YuvPicture,
  alpha: Uint8Array,
  sigma: number,
  out: YuvPicture,
  scratch: BlurScratch,
): void {
  checkBlurPlanes(src, alpha, sigma, out);
  out.fullRange = src.fullRange;
  scratch.prepare(src.width, src.height, sigma);
  downsamplePlanes(src, alpha, scratch);
  blurCells(scratch);
  upsampleCompositePlanes(src, alpha, out, scratch);
}

/** Step 1 in exact integers, as blur.ts downsample (its comment says why w is squared). */
function downsamplePlanes(picture: YuvPicture, alpha: Uint8Array, s: BlurScratch): void {
  const { data, width, height, layout } = picture;
  const cw = chromaWidth(width), shift = layout === "420" ? 1 : 0;
  const uPlane = width * height, vPlane = uPlane + cw * chromaHeight(layout, height);
  const low = s.low, acc = s.sums;
  const f = s.factor, lw = s.lowWidth, lh = s.lowHeight;
  for (let ly = 0; ly < lh; ly++) {
    acc.fill(0, 0, lw * 4);
    const y0 = ly * f, y1 = Math.min(height, y0 + f);
    for (let y = y0; y < y1; y++) {
      let i = y * width;
      const crow = (y >> shift) * cw;
      for (let c = 0, x = 0; x < width; c += 4) {
        let ys = 0, us = 0, vs = 0, ws = 0;
        const end = Math.min(width, x + f);
        for (; x < end; x++, i++) {
          const a = alpha[i];
          if (a !== 255) {
            const w = (255 - a) * (255 - a), k = crow + (x >> 1);
            ys += w * data[i];
            us += w * data[uPlane + k];
            vs += w * data[vPlane + k];
            ws += w;
          }
        }
        acc[c] += ys;
        acc[c + 1] += us;
        acc[c + 2] += vs;
        acc[c + 3] += ws;
      }
    }
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

/**
 * One value over its background in blur.ts upsampleComposite's fixed point: `bg` is ·128
 * with the rounding half, `share` the alpha in Q15 ((a·257) >> 1). Share 0 gives bg and
 * share 32767 (alpha 255) the source byte, exactly.
 */
export function over(source: number, bg: number, share: number): number {
  return (bg + (((source << UP_BITS) + UP_HALF - bg) * share + 16384 >> 15)) >> UP_BITS;
}

/** Step 3: rows widened by blur.ts widenRow (Y, U, V where it widens R, G, B). */
function upsampleCompositePlanes(
  picture: YuvPicture,
  alpha: Uint8Array,
  out: YuvPicture,
  s: BlurScratch,
): void {
  const { data: src, width, height, layout } = picture;
  const dst = out.data;
  const cw = chromaWidth(width), is420 = layout === "420";
  const uPlane = width * height, vPlane = uPlane + cw * chromaHeight(layout, height);
  const rows = s.walk.start();
  for (let y = 0; y < height; y++) {
    const ty = rows.advance(s, y, width), upper = rows.upper, lower = rows.lower;
    const row = y * width;
    for (let x = 0, k = 0, i = row; x < width; x++, k += 3, i++) {
      const a = alpha[i];
      if (a === 255) {
        dst[i] = src[i];
        continue;
      }
      const bg = upper[k] + (((lower[k] - upper[k]) * ty + 16384) >> 15);
      dst[i] = a === 0 ? bg >> UP_BITS : over(src[i], bg, (a * 257) >> 1);
    }
    // Chroma: on every row for 4:2:2, on the first row of each pair for 4:2:0.
    if (is420 && (y & 1) === 1) continue;
    const twoRows = is420 && y + 1 < height;
    const crow = (is420 ? y >> 1 : y) * cw;
    for (let cx = 0; cx < cw; cx++) {
      const x = 2 * cx, mean = coveredMean(alpha, row, x, width, twoRows);
      const cu = uPlane + crow + cx, cv = vPlane + crow + cx;
      if (mean === 255) {
        dst[cu] = src[cu];
        dst[cv] = src[cv];
        continue;
      }
      const k = 3 * x, share = (mean * 257) >> 1;
      const bu = upper[k + 1] + (((lower[k + 1] - upper[k + 1]) * ty + 16384) >> 15);
      const bv = upper[k + 2] + (((lower[k + 2] - upper[k + 2]) * ty + 16384) >> 15);
      dst[cu] = over(src[cu], bu, share);
      dst[cv] = over(src[cv], bv, share);
    }
  }
}

/** Rounded mean alpha of the luma pixels a chroma sample covers: its first at `x` of the
 * row starting at `row`, the next one if inside the picture, and the same two on the next
 * row when `twoRows` (4:2:0). */
export function coveredMean(
  alpha: Uint8Array,
  row: number,
  x: number,
  width: number,
  twoRows: boolean,
): number {
  const pair = x + 1 < width;
  let sum = alpha[row + x], n = 1;
  if (pair) {
    sum += alpha[row + x + 1];
    n = 2;
  }
  if (twoRows) {
    sum += alpha[row + width + x] + (pair ? alpha[row + width + x + 1] : 0);
    n *= 2;
  }
  return n === 1 ? sum : n === 2 ? (sum + 1) >> 1 : (sum + 2) >> 2;
}
