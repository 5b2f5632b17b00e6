/**
 * Colour conversion between yuv420p (planar I420, what cameras and encoders speak) and
 * interleaved RGB, as ffmpeg does it by default for these formats: BT.601 coefficients,
 * limited ("TV") range, Y 16..235 and chroma 16..240 around 128. Layout of a yuv420p
 * buffer, as ffmpeg's rawvideo writes it: the Y plane (width·height), then U and V planes
 * of ceil(width/2)·ceil(height/2) each; odd sizes round the chroma planes up.
 *
 * Chroma: each chroma sample covers a 2x2 block of pixels. To RGB, every pixel of the block
 * takes that sample (ffmpeg's unscaled converter does the same); from RGB, the sample is the
 * mean of the block's chroma (the pixels that exist, at the right and bottom edges).
 */
import type { Frame } from "../frame.ts";
import { assertFrame } from "../frame.ts";

/** Bytes of a yuv420p picture of this size. */
export function yuv420pSize(width: number, height: number): number {
  return width * height + 2 * ((width + 1) >> 1) * ((height + 1) >> 1);
}

// BT.601 limited range, from the matrix in ITU-R BT.601 §2.5 scaled to 219 (luma) and
// 224 (chroma) levels: the same constants swscale derives for its default (SWS_CS_ITU601).
// Exported for the wasm twin (src/kernels/wasm), so the constants are written once.
export const YUV_TO_RGB = {
  yScale: 255 / 219,
  vToR: 1.402 * 255 / 224,
  uToG: -1.772 * 0.114 / 0.587 * 255 / 224,
  vToG: -1.402 * 0.299 / 0.587 * 255 / 224,
  uToB: 1.772 * 255 / 224,
} as const;

/** Checks the buffer size of a yuv420p picture against its dimensions. */
export function assertYuv420p(yuv: Uint8Array, width: number, height: number, name: string) {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`${name}: expected a positive integer size, got ${width}x${height}`);
  }
  const expected = yuv420pSize(width, height);
  if (yuv.length !== expected) {
    throw new RangeError(
      `${name}: expected ${expected} bytes of yuv420p for ${width}x${height}, got ${yuv.length}`,
    );
  }
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/** yuv420p → RGB or RGBA (alpha 255) in `out`, which sets the size. */
export function yuv420pToRgb(yuv: Uint8Array, out: Frame): void {
  assertFrame(out, "output");
  assertYuv420p(yuv, out.width, out.height, "yuv420p input");
  planarToRgb(yuv, out, 1, 16, YUV_TO_RGB);
}

/**
 * BT.601 full range (JPEG, ffmpeg's yuvj formats): Y 0..255 and chroma 0..255 around
 * 128, the matrix unscaled. What an MJPEG camera's decoder gives.
 */
export const YUVJ_TO_RGB = {
  yScale: 1,
  vToR: 1.402,
  uToG: -1.772 * 0.114 / 0.587,
  vToG: -1.402 * 0.299 / 0.587,
  uToB: 1.772,
} as const;

/** Bytes of a yuv422p / yuvj422p picture: chroma planes of ceil(width/2)·height. */
export function yuv422pSize(width: number, height: number): number {
  return width * height + 2 * ((width + 1) >> 1) * height;
}

/**
 * yuvj422p (planar 4:2:2, full range: what ffmpeg's MJPEG decoder outputs, so asking
 * for it costs the decoder no conversion) → RGB or RGBA (alpha 255) in `out`. Each
 * chroma sample covers a pixel pair of one row.
 */
export function yuvj422pToRgb(yuv: Uint8Array, out: Frame): void {
  assertFrame(out, "output");
  const { width, height } = out;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(
      `yuvj422p input: expected a positive integer size, got ${width}x${height}`,
    );
  }
  if (yuv.length !== yuv422pSize(width, height)) {
    throw new RangeError(
      `yuvj422p input: expected ${
        yuv422pSize(width, height)
      } bytes of yuvj422p for ${width}x${height}, got ${yuv.length}`,
    );
  }
  planarToRgb(yuv, out, 0, 0, YUVJ_TO_RGB);
}

/**
 * Planar YUV with chroma halved across (and down when `rowShift` is 1) → RGB:
 * R = (Y − yOffset)·yScale + vToR·V, and so on, V and U centred on 128.
 */
function planarToRgb(
  yuv: Uint8Array,
  out: Frame,
  rowShift: 0 | 1,
  yOffset: number,
  k: typeof YUV_TO_RGB | typeof YUVJ_TO_RGB,
): void {
  const { width, height, channels: dc } = out;
  const cw = (width + 1) >> 1, ch = rowShift ? (height + 1) >> 1 : height;
  const uBase = width * height, vBase = uBase + cw * ch;
  const dst = out.data;
  for (let y = 0; y < height; y++) {
    const crow = (y >> rowShift) * cw;
    for (let x = 0, i = y * width, d = i * dc; x < width; x++, i++, d += dc) {
      const c = (yuv[i] - yOffset) * k.yScale;
      const u = yuv[uBase + crow + (x >> 1)] - 128, v = yuv[vBase + crow + (x >> 1)] - 128;
      dst[d] = clampByte(c + k.vToR * v);
      dst[d + 1] = clampByte(c + k.uToG * u + k.vToG * v);
      dst[d + 2] = clampByte(c + k.uToB * u);
      if (dc === 4) dst[d + 3] = 255;
    }
  }
}

/** RGB → YCbCr, limited range (the inverse of the above). */
export const RGB_TO_YUV = {
  yOf: 219 / 255,
  kr: 0.299,
  kg: 1 - 0.299 - 0.114,
  kb: 0.114,
  cb: 224 / 255 / (2 * (1 - 0.114)),
  cr: 224 / 255 / (2 * (1 - 0.299)),
} as const;
const { yOf: Y_OF, kr: KR, kg: KG, kb: KB, cb: CB, cr: CR } = RGB_TO_YUV;

/** RGB or RGBA (alpha ignored) → yuv420p in `out`. */
export function rgbToYuv420p(frame: Frame, out: Uint8Array): void {
  assertFrame(frame, "frame");
  const { width, height, channels: sc } = frame;
  assertYuv420p(out, width, height, "yuv420p output");
  const src = frame.data;
  const cw = (width + 1) >> 1, chh = (height + 1) >> 1;
  const uBase = width * height, vBase = uBase + cw * chh;
  for (let i = 0, p = 0; i < width * height; i++, p += sc) {
    out[i] = Math.round(16 + Y_OF * (KR * src[p] + KG * src[p + 1] + KB * src[p + 2]));
  }
  for (let cy = 0; cy < chh; cy++) {
    const y0 = 2 * cy, y1 = Math.min(y0 + 1, height - 1);
    for (let cx = 0; cx < cw; cx++) {
      const x0 = 2 * cx, x1 = Math.min(x0 + 1, width - 1);
      let r = 0, g = 0, b = 0, n = 0;
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++, n++) {
          const p = (y * width + x) * sc;
          r += src[p];
          g += src[p + 1];
          b += src[p + 2];
        }
      }
      r /= n;
      g /= n;
      b /= n;
      const luma = KR * r + KG * g + KB * b;
      out[uBase + cy * cw + cx] = clampByte(128 + CB * (b - luma));
      out[vBase + cy * cw + cx] = clampByte(128 + CR * (r - luma));
    }
  }
}

/** Bytes of a yuyv422 picture of this size (two bytes a pixel). */
export function yuyv422Size(width: number, height: number): number {
  return width * height * 2;
}

/** Checks the buffer of a yuyv422 picture against its size; the width must be even. */
export function assertYuyv422(out: Uint8Array, width: number, height: number, name: string) {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`${name}: expected a positive integer size, got ${width}x${height}`);
  }
  // A pixel pair shares its chroma: an odd width has no whole last pair (v4l2 and the
  // live sizes are even anyway).
  if (width % 2 !== 0) throw new RangeError(`${name}: yuyv422 needs an even width, got ${width}`);
  const expected = yuyv422Size(width, height);
  if (out.length !== expected) {
    throw new RangeError(
      `${name}: expected ${expected} bytes of yuyv422 for ${width}x${height}, got ${out.length}`,
    );
  }
}

/**
 * RGB or RGBA (alpha ignored) → yuyv422 (packed Y0 U Y1 V per pixel pair, what a
 * v4l2loopback virtual camera takes) in `out`. Luma as {@link rgbToYuv420p}; each pair's
 * chroma from the mean of its two pixels. Measured against ffmpeg's `-pix_fmt yuyv422`
 * on a real 720p frame: every byte within one level (ffmpeg's fixed point rounds luma
 * down where this rounds to nearest).
 */
export function rgbToYuyv422(frame: Frame, out: Uint8Array): void {
  assertFrame(frame, "frame");
  const { width, height, channels: sc } = frame;
  assertYuyv422(out, width, height, "yuyv422 output");
  const src = frame.data;
  for (let p = 0, o = 0; o < out.length; p += 2 * sc, o += 4) {
    const r0 = src[p], g0 = src[p + 1], b0 = src[p + 2];
    const r1 = src[p + sc], g1 = src[p + sc + 1], b1 = src[p + sc + 2];
    out[o] = Math.round(16 + Y_OF * (KR * r0 + KG * g0 + KB * b0));
    out[o + 2] = Math.round(16 + Y_OF * (KR * r1 + KG * g1 + KB * b1));
    const r = (r0 + r1) / 2, g = (g0 + g1) / 2, b = (b0 + b1) / 2;
    const luma = KR * r + KG * g + KB * b;
    out[o + 1] = clampByte(128 + CB * (b - luma));
    out[o + 3] = clampByte(128 + CR * (r - luma));
  }
}
