/**
 * Compositing kernels: the sharp source over a new background, weighted by the mask.
 * Frames may be RGB or RGBA on either side; an RGBA output of an opaque composite gets
 * alpha 255. Integer arithmetic with exact rounding, so alpha 255 returns the source
 * byte for byte and alpha 0 the background byte for byte. `out` may be the frame itself.
 *
 * The RGB-to-RGB case (the live loop's) takes four pixels per step: one 32-bit load of
 * the mask decides whether the four are all person (copy 12 bytes as 3 words), all
 * background (3 words of background) or mixed (blend each). See _words.ts.
 */
import type { Frame } from "../frame.ts";
import { assertFrameSize, assertPlane } from "./_check.ts";
import { rgbPattern, wordsOf } from "./_words.ts";

/** round(x / 255) for 0 <= x <= 65535, without a division. */
export function div255(x: number): number {
  const t = x + 128;
  return (t + (t >> 8)) >> 8;
}

const ALL = 0xffffffff;
const colourWords = new Uint32Array(3);

/** out = a*frame + (1-a)*color, with a = alpha/255. */
export function compositeOverColor(
  frame: Frame,
  alpha: Uint8Array,
  color: readonly [number, number, number],
  out: Frame,
): void {
  checkComposite(frame, alpha, out);
  const [r, g, b] = color;
  if (!isByte(r) || !isByte(g) || !isByte(b)) {
    throw new RangeError(`colour: expected integers 0..255, got [${color.join(", ")}]`);
  }
  const src = frame.data, dst = out.data, sc = frame.channels, dc = out.channels;
  let start = 0;
  const a32 = wordsOf(alpha), s32 = wordsOf(src), d32 = wordsOf(dst);
  if (sc === 3 && dc === 3 && a32 && s32 && d32) {
    rgbPattern(r, g, b, colourWords);
    const p0 = colourWords[0], p1 = colourWords[1], p2 = colourWords[2];
    for (let q = 0; q < a32.length; q++) {
      const word = a32[q], w = q * 3;
      if (word === 0) {
        d32[w] = p0;
        d32[w + 1] = p1;
        d32[w + 2] = p2;
      } else if (word === ALL) {
        d32[w] = s32[w];
        d32[w + 1] = s32[w + 1];
        d32[w + 2] = s32[w + 2];
      } else {
        for (let i = q * 4, s = i * 3, e = i + 4; i < e; i++, s += 3) {
          const a = alpha[i], ia = 255 - a;
          dst[s] = div255(a * src[s] + ia * r);
          dst[s + 1] = div255(a * src[s + 1] + ia * g);
          dst[s + 2] = div255(a * src[s + 2] + ia * b);
        }
      }
    }
    start = a32.length * 4;
  }
  for (let i = start, s = i * sc, d = i * dc; i < alpha.length; i++, s += sc, d += dc) {
    const a = alpha[i], ia = 255 - a;
    dst[d] = div255(a * src[s] + ia * r);
    dst[d + 1] = div255(a * src[s + 1] + ia * g);
    dst[d + 2] = div255(a * src[s + 2] + ia * b);
    if (dc === 4) dst[d + 3] = 255;
  }
}

/** out = a*frame + (1-a)*background; the background has the frame's size. */
export function compositeOverFrame(
  frame: Frame,
  alpha: Uint8Array,
  background: Frame,
  out: Frame,
): void {
  checkComposite(frame, alpha, out);
  assertFrameSize(background, frame.width, frame.height, "background");
  const src = frame.data, bg = background.data, dst = out.data;
  const sc = frame.channels, bc = background.channels, dc = out.channels;
  let start = 0;
  const a32 = wordsOf(alpha), s32 = wordsOf(src), b32 = wordsOf(bg), d32 = wordsOf(dst);
  if (sc === 3 && bc === 3 && dc === 3 && a32 && s32 && b32 && d32) {
    for (let q = 0; q < a32.length; q++) {
      const word = a32[q], w = q * 3;
      if (word === 0) {
        d32[w] = b32[w];
        d32[w + 1] = b32[w + 1];
        d32[w + 2] = b32[w + 2];
      } else if (word === ALL) {
        d32[w] = s32[w];
        d32[w + 1] = s32[w + 1];
        d32[w + 2] = s32[w + 2];
      } else {
        for (let i = q * 4, s = i * 3, e = i + 4; i < e; i++, s += 3) {
          const a = alpha[i], ia = 255 - a;
          dst[s] = div255(a * src[s] + ia * bg[s]);
          dst[s + 1] = div255(a * src[s + 1] + ia * bg[s + 1]);
          dst[s + 2] = div255(a * src[s + 2] + ia * bg[s + 2]);
        }
      }
    }
    start = a32.length * 4;
  }
  for (
    let i = start, s = i * sc, k = i * bc, d = i * dc;
    i < alpha.length;
    i++, s += sc, k += bc, d += dc
  ) {
    const a = alpha[i], ia = 255 - a;
    dst[d] = div255(a * src[s] + ia * bg[k]);
    dst[d + 1] = div255(a * src[s + 1] + ia * bg[k + 1]);
    dst[d + 2] = div255(a * src[s + 2] + ia * bg[k + 2]);
    if (dc === 4) dst[d + 3] = 255;
  }
}

/** RGBA out: the source colour, unchanged (not premultiplied), with alpha = the mask. */
export function attachAlpha(frame: Frame, alpha: Uint8Array, out: Frame): void {
  checkComposite(frame, alpha, out);
  if (out.channels !== 4) {
    throw new RangeError(
      `output: expected 4 channels (RGBA) for a transparent background, got ${out.channels}`,
    );
  }
  const src = frame.data, dst = out.data, sc = frame.channels;
  const d32 = wordsOf(dst);
  if (d32 && d32.length === alpha.length) {
    // One 32-bit store per pixel instead of four byte stores (little-endian: R is lane 0).
    for (let i = 0, s = 0; i < alpha.length; i++, s += sc) {
      d32[i] = (src[s] | (src[s + 1] << 8) | (src[s + 2] << 16) | (alpha[i] << 24)) >>> 0;
    }
    return;
  }
  for (let i = 0, s = 0, d = 0; i < alpha.length; i++, s += sc, d += 4) {
    dst[d] = src[s];
    dst[d + 1] = src[s + 1];
    dst[d + 2] = src[s + 2];
    dst[d + 3] = alpha[i];
  }
}

/** Copies the colour of `frame` into `out`; an RGBA `out` gets alpha 255 (opaque). */
export function copyPixels(frame: Frame, out: Frame): void {
  assertFrameSize(frame, frame.width, frame.height, "frame");
  assertFrameSize(out, frame.width, frame.height, "output");
  if (frame.channels === 3 && out.channels === 3) {
    if (out.data !== frame.data) out.data.set(frame.data);
    return;
  }
  const src = frame.data, dst = out.data, sc = frame.channels, dc = out.channels;
  const n = frame.width * frame.height;
  for (let i = 0, s = 0, d = 0; i < n; i++, s += sc, d += dc) {
    dst[d] = src[s];
    dst[d + 1] = src[s + 1];
    dst[d + 2] = src[s + 2];
    if (dc === 4) dst[d + 3] = 255;
  }
}

function isByte(c: number): boolean {
  return Number.isInteger(c) && c >= 0 && c <= 255;
}

/** The checks every composite shares: frame consistency, output size, mask size. */
export function checkComposite(frame: Frame, alpha: Uint8Array, out: Frame): void {
  assertFrameSize(frame, frame.width, frame.height, "frame");
  assertFrameSize(out, frame.width, frame.height, "output");
  assertPlane(alpha, frame.width, frame.height, "mask");
}
