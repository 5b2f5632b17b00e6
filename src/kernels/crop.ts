/**
 * Auto-framing's two kernels: where the people are in a mask (a cheap, sampled bounding
 * box), and a crop of a frame or mask resampled bilinearly to the output size.
 *
 * The crop is a rectangle in frame pixels with fractional position and size: a crop
 * that moves by a tenth of a pixel moves the picture by a tenth of a pixel (to 1/128 px),
 * so a slow pan glides instead of stepping a whole pixel at a time. Pixel centres at +0.5, as in
 * resize.ts, so a crop covering the whole frame at the frame's size copies it exactly.
 *
 * Pure and allocation-free: the per-column positions and weights live in a
 * {@link CropScratch} the caller creates once per output width.
 */
import { assertFrame, type Frame } from "../frame.ts";
import { assertMap } from "./_check.ts";

/** A rectangle in frame pixels; position and size may be fractional. */
export interface CropRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Where each output pixel samples the source, rewritten for every crop: per output
 * column the byte offsets of the two source pixels in a row and the second's weight
 * (0..127 of {@link X_ONE}), per output row the byte offsets of the two source rows and
 * the second's weight (0..32767 of {@link Y_ONE}).
 */
export interface CropScratch {
  readonly width: number;
  readonly height: number;
  readonly x0: Int32Array;
  readonly x1: Int32Array;
  readonly wx: Int32Array;
  readonly y0: Int32Array;
  readonly y1: Int32Array;
  readonly wy: Int32Array;
}

/**
 * The weights' unit across: 7 bits, so a row blended across times 128 (plus 64, the final
 * rounding's half) fits an i16 lane for the wasm twin (255·128 + 64 = 32704), and a pan
 * still moves the picture in 1/128 px steps.
 */
export const X_ONE = 128;
/** The weights' unit down: 15 bits, what i16x8.q15mulr_sat_s multiplies by. */
export const Y_ONE = 32768;

export function createCropScratch(outWidth: number, outHeight: number): CropScratch {
  return {
    width: outWidth,
    height: outHeight,
    x0: new Int32Array(outWidth),
    x1: new Int32Array(outWidth),
    wx: new Int32Array(outWidth),
    y0: new Int32Array(outHeight),
    y1: new Int32Array(outHeight),
    wy: new Int32Array(outHeight),
  };
}

/** The argument checks of {@link cropResize} and {@link cropResizePlane}. */
export function checkCrop(
  crop: CropRect,
  srcWidth: number,
  srcHeight: number,
  outWidth: number,
  outHeight: number,
  scratch: CropScratch,
): void {
  const { x, y, width, height } = crop;
  // A hundredth of a pixel of slack: a crop computed as the whole frame may round past it.
  if (
    !(width > 0 && height > 0 && x >= -0.01 && y >= -0.01 && x + width <= srcWidth + 0.01 &&
      y + height <= srcHeight + 0.01)
  ) {
    throw new RangeError(
      `crop: expected inside ${srcWidth}x${srcHeight}, got ${width}x${height} at ${x},${y}`,
    );
  }
  if (scratch.width !== outWidth || scratch.height !== outHeight) {
    throw new RangeError(
      `crop scratch: expected one for ${outWidth}x${outHeight}, got one for ${scratch.width}x${scratch.height}`,
    );
  }
}

/** The argument checks of {@link cropResize}, shared with its wasm twin. */
export function checkCropResize(
  src: Frame,
  crop: CropRect,
  out: Frame,
  scratch: CropScratch,
): void {
  assertFrame(src, "cropResize source");
  assertFrame(out, "cropResize output");
  if (src.channels !== out.channels) {
    throw new RangeError(
      `cropResize output: expected ${src.channels} channels like the source, got ${out.channels}`,
    );
  }
  checkCrop(crop, src.width, src.height, out.width, out.height, scratch);
}

/**
 * Fills `scratch` with where each output pixel samples `crop` (pixel centres at +0.5,
 * clamped to the frame): shared by the TypeScript and wasm kernels.
 */
export function cropTables(
  crop: CropRect,
  srcWidth: number,
  srcHeight: number,
  channels: number,
  scratch: CropScratch,
): void {
  const axis = (
    start: number,
    length: number,
    from: number,
    size: number,
    stride: number,
    i0: Int32Array,
    i1: Int32Array,
    w1: Int32Array,
    one: number,
  ) => {
    const scale = length / size, last = from - 1;
    for (let i = 0; i < size; i++) {
      let u = start + (i + 0.5) * scale - 0.5;
      u = u < 0 ? 0 : u > last ? last : u;
      let u0 = Math.floor(u), w = Math.round((u - u0) * one);
      // A weight that rounds to a whole one is the next pixel (u0 < last: u is below it).
      if (w === one) {
        u0++;
        w = 0;
      }
      i0[i] = u0 * stride;
      i1[i] = (u0 < last ? u0 + 1 : last) * stride;
      w1[i] = w;
    }
  };
  const { x0, x1, wx, y0, y1, wy } = scratch;
  axis(crop.x, crop.width, srcWidth, scratch.width, channels, x0, x1, wx, X_ONE);
  axis(crop.y, crop.height, srcHeight, scratch.height, srcWidth * channels, y0, y1, wy, Y_ONE);
}

/**
 * Resamples `crop` of `src` bilinearly into all of `out` (any size; same channel count).
 * Fixed point, the arithmetic of the wasm twin ({@link blendDown}): about one and a half
 * levels at most from the exact bilinear value (a weight off by up to 1/256 px across a
 * 255-level step, plus the last rounding), and exact where the crop is the frame at the
 * frame's size.
 */
export function cropResize(src: Frame, crop: CropRect, out: Frame, scratch: CropScratch): void {
  checkCropResize(src, crop, out, scratch);
  resample(
    src.data,
    src.width,
    src.height,
    src.channels,
    crop,
    out.data,
    out.width,
    out.height,
    scratch,
  );
}

/** {@link cropResize} for a one-byte-per-pixel plane (the mask). */
export function cropResizePlane(
  src: Uint8Array,
  srcWidth: number,
  srcHeight: number,
  crop: CropRect,
  out: Uint8Array,
  outWidth: number,
  outHeight: number,
  scratch: CropScratch,
): void {
  assertMap(src, srcWidth, srcHeight, "cropResizePlane source");
  assertMap(out, outWidth, outHeight, "cropResizePlane output");
  checkCrop(crop, srcWidth, srcHeight, outWidth, outHeight, scratch);
  resample(src, srcWidth, srcHeight, 1, crop, out, outWidth, outHeight, scratch);
}

/**
 * The vertical blend of two values blended across (each a·(128 − w) + b·w + 64) with a
 * 15-bit weight, as i16x8.q15mulr_sat_s rounds it, then over 128: the output byte.
 */
const blendDown = (top: number, bottom: number, w: number) =>
  (top + (((bottom - top) * w + 16384) >> 15)) >> 7;

function resample(
  src: Uint8Array,
  srcWidth: number,
  srcHeight: number,
  channels: number,
  crop: CropRect,
  out: Uint8Array,
  outWidth: number,
  outHeight: number,
  scratch: CropScratch,
): void {
  cropTables(crop, srcWidth, srcHeight, channels, scratch);
  const { x0, x1, wx } = scratch;
  let o = 0;
  for (let j = 0; j < outHeight; j++) {
    const wy = scratch.wy[j], r0 = scratch.y0[j], r1 = scratch.y1[j];
    // One loop per channel count: the inner loop over channels cost 3x in V8.
    if (channels === 1) {
      for (let i = 0; i < outWidth; i++, o++) {
        const a = x0[i], b = x1[i], w = wx[i], iw = X_ONE - w;
        const top = src[r0 + a] * iw + src[r0 + b] * w + 64;
        const bottom = src[r1 + a] * iw + src[r1 + b] * w + 64;
        out[o] = blendDown(top, bottom, wy);
      }
    } else if (channels === 3) {
      for (let i = 0; i < outWidth; i++, o += 3) {
        const a0 = r0 + x0[i], b0 = r0 + x1[i], a1 = r1 + x0[i], b1 = r1 + x1[i];
        const w = wx[i], iw = X_ONE - w;
        out[o] = blendDown(src[a0] * iw + src[b0] * w + 64, src[a1] * iw + src[b1] * w + 64, wy);
        out[o + 1] = blendDown(
          src[a0 + 1] * iw + src[b0 + 1] * w + 64,
          src[a1 + 1] * iw + src[b1 + 1] * w + 64,
          wy,
        );
        out[o + 2] = blendDown(
          src[a0 + 2] * iw + src[b0 + 2] * w + 64,
          src[a1 + 2] * iw + src[b1 + 2] * w + 64,
          wy,
        );
      }
    } else {
      for (let i = 0; i < outWidth; i++) {
        const a = r0 + x0[i], b = r0 + x1[i], c = r1 + x0[i], d = r1 + x1[i];
        const w = wx[i], iw = X_ONE - w;
        for (let k = 0; k < channels; k++, o++) {
          const top = src[a + k] * iw + src[b + k] * w + 64;
          const bottom = src[c + k] * iw + src[d + k] * w + 64;
          out[o] = blendDown(top, bottom, wy);
        }
      }
    }
  }
}

/**
 * The bounding box of the mask's pixels above `cut`, sampled every `step` pixels in both
 * directions, written to `box` as [x0, y0, x1, y1) in pixels; returns the sampled
 * pixels above the cut (0: nobody, box untouched). A column or row counts only with at
 * least `minCount` samples above the cut, so a speck of mask noise does not stretch the
 * box to the frame's edge.
 *
 * `cols` and `rows` are scratch of ceil(width / step) and ceil(height / step) entries.
 * At 720p with step 4 this reads 57,600 of the 921,600 mask bytes.
 */
export function maskBox(
  alpha: Uint8Array,
  width: number,
  height: number,
  step: number,
  cut: number,
  minCount: number,
  cols: Int32Array,
  rows: Int32Array,
  box: Float64Array,
): number {
  assertMap(alpha, width, height, "maskBox mask");
  const nx = Math.ceil(width / step), ny = Math.ceil(height / step);
  if (cols.length !== nx || rows.length !== ny || box.length !== 4) {
    throw new RangeError(
      `maskBox scratch: expected ${nx} columns, ${ny} rows and 4 box entries, got ${cols.length}, ${rows.length} and ${box.length}`,
    );
  }
  cols.fill(0);
  let total = 0;
  // Sampled at the middle of each step x step cell.
  const off = step >> 1;
  // The cells whose middle is inside the frame: all, or all but the last.
  const inside = Math.min(nx, Math.floor((width - 1 - off) / step) + 1);
  for (let j = 0; j < ny; j++) {
    const y = Math.min(height - 1, j * step + off);
    const row = y * width;
    let count = 0;
    // A sample per cell, walked by pointer; a last cell cut by the edge samples its last
    // column (below). Counted branch-free: `cut` splits the mask roughly in half of its
    // samples near a person, where a branch mispredicts (this loop is most of update()).
    let at = row + off, i = 0;
    for (; i < inside; i++, at += step) {
      const above = (cut - alpha[at]) >>> 31;
      count += above;
      cols[i] += above;
    }
    if (i < nx) {
      const above = (cut - alpha[row + width - 1]) >>> 31;
      count += above;
      cols[i] += above;
    }
    rows[j] = count;
    total += count;
  }
  if (total === 0) return 0;
  let i0 = 0, i1 = nx - 1, j0 = 0, j1 = ny - 1;
  while (i0 < nx && cols[i0] < minCount) i0++;
  while (i1 >= i0 && cols[i1] < minCount) i1--;
  while (j0 < ny && rows[j0] < minCount) j0++;
  while (j1 >= j0 && rows[j1] < minCount) j1--;
  if (i0 > i1 || j0 > j1) return 0; // only specks
  box[0] = i0 * step;
  box[1] = j0 * step;
  box[2] = Math.min(width, (i1 + 1) * step);
  box[3] = Math.min(height, (j1 + 1) * step);
  return total;
}
