/**
 * Colour kernels: luma and the desaturated-background composite.
 *
 * Luma uses the Rec. 601 weights (0.299, 0.587, 0.114), not Rec. 709: webcams and
 * ffmpeg's default YUV conversion for SD/HD cameras are mostly 601, and the difference
 * is invisible on a background. In 8.8 fixed point: 77 + 150 + 29 = 256.
 */
import type { Frame } from "../frame.ts";
import { wordsOf } from "./_words.ts";
import { checkComposite, div255 } from "./composite.ts";

/** Rec. 601 luma of an 8-bit RGB triple, rounded, 0..255. */
export function luma(r: number, g: number, b: number): number {
  return (77 * r + 150 * g + 29 * b + 128) >> 8;
}

/**
 * out = a*frame + (1-a)*desaturated(frame). `saturation` 0 gives a gray background,
 * 1 leaves it unchanged; in between mixes each channel linearly towards its luma.
 * Four pixels of person (mask word all 255) are copied as three words (see _words.ts).
 */
export function compositeOverGray(
  frame: Frame,
  alpha: Uint8Array,
  saturation: number,
  out: Frame,
): void {
  checkComposite(frame, alpha, out);
  if (!(saturation >= 0 && saturation <= 1)) {
    throw new RangeError(`saturation: expected a number from 0 to 1, got ${saturation}`);
  }
  // 8-bit fixed point: 256 reproduces the channel exactly, 0 gives pure luma.
  const s = Math.round(saturation * 256);
  const src = frame.data, dst = out.data, sc = frame.channels, dc = out.channels;
  let start = 0;
  const a32 = wordsOf(alpha), s32 = wordsOf(src), d32 = wordsOf(dst);
  if (sc === 3 && dc === 3 && a32 && s32 && d32) {
    for (let q = 0; q < a32.length; q++) {
      const w = q * 3;
      if (a32[q] === 0xffffffff) {
        d32[w] = s32[w];
        d32[w + 1] = s32[w + 1];
        d32[w + 2] = s32[w + 2];
      } else {
        grayPixels(src, alpha, dst, q * 4, q * 4 + 4, 3, 3, s);
      }
    }
    start = a32.length * 4;
  }
  grayPixels(src, alpha, dst, start, alpha.length, sc, dc, s);
}

function grayPixels(
  src: Uint8Array,
  alpha: Uint8Array,
  dst: Uint8Array,
  from: number,
  to: number,
  sc: number,
  dc: number,
  s: number,
): void {
  for (let i = from, p = i * sc, d = i * dc; i < to; i++, p += sc, d += dc) {
    const a = alpha[i], ia = 255 - a;
    const r = src[p], g = src[p + 1], b = src[p + 2];
    const y = (77 * r + 150 * g + 29 * b + 128) >> 8;
    if (a === 0) {
      // Pure background, most of the frame: no blend (div255(255·v) = v).
      dst[d] = y + (((r - y) * s + 128) >> 8);
      dst[d + 1] = y + (((g - y) * s + 128) >> 8);
      dst[d + 2] = y + (((b - y) * s + 128) >> 8);
      if (dc === 4) dst[d + 3] = 255;
      continue;
    }
    dst[d] = div255(a * r + ia * (y + (((r - y) * s + 128) >> 8)));
    dst[d + 1] = div255(a * g + ia * (y + (((g - y) * s + 128) >> 8)));
    dst[d + 2] = div255(a * b + ia * (y + (((b - y) * s + 128) >> 8)));
    if (dc === 4) dst[d + 3] = 255;
  }
}
