/**
 * A planar {@link YuvPicture} handed to the outputs in their formats without a trip
 * through RGB (issue 16): yuyv422 for a v4l2loopback camera, yuv420p for an encoder or
 * `-o -`, and the selfie mirror done on the planes.
 *
 * The outputs are always LIMITED range BT.601, what rgbToYuyv422 / rgbToYuv420p in
 * yuv.ts write and what v4l2loopback consumers and encoders expect. A full-range source
 * (yuvj, an MJPEG camera's) is mapped with the exact integer forms of
 *   Y' = round(16 + Y·219/255)          = ⌊(219·Y + 4207) / 255⌋
 *   C' = round(128 + (C − 128)·224/255) = ⌊(224·C + 4095) / 255⌋
 * (255 is odd, so no value lies on a half and the floor of x + 127 over 255 is the
 * rounding), tabulated here; the wasm twin evaluates the same quotient in 16-bit lanes,
 * so the two agree byte for byte. A limited source is copied as is.
 */
import { assertYuv420p, assertYuyv422 } from "./yuv.ts";
import { assertYuvPicture, chromaHeight, chromaWidth, type YuvPicture } from "./yuv_picture.ts";

/** Full-range luma → limited luma, 0 → 16, 255 → 235. */
export function limitedLuma(y: number): number {
  return Math.floor((219 * y + 4207) / 255);
}

/** Full-range chroma → limited chroma, 0 → 16, 128 → 128, 255 → 240. */
export function limitedChroma(c: number): number {
  return Math.floor((224 * c + 4095) / 255);
}

const LUMA = Uint8Array.from({ length: 256 }, (_, v) => limitedLuma(v));
const CHROMA = Uint8Array.from({ length: 256 }, (_, v) => limitedChroma(v));
/**
 * 4:2:2 → 4:2:0 chroma from the sum s of two rows' samples: full range, the mapped
 * mean rounded once, ⌊(112·s + 4095) / 255⌋; limited, the rounded mean (s + 1) >> 1.
 */
const CHROMA_OF_SUM = Uint8Array.from(
  { length: 511 },
  (_, s) => Math.floor((112 * s + 4095) / 255),
);
const MEAN_OF_SUM = Uint8Array.from({ length: 511 }, (_, s) => (s + 1) >> 1);
/** The identity: a limited source's bytes go through unchanged. */
const SAME = Uint8Array.from({ length: 256 }, (_, v) => v);

/** Throws a RangeError naming `name` unless the layout is one this module knows. */
function assertLayout(picture: YuvPicture, name: string): void {
  if (picture.layout !== "420" && picture.layout !== "422") {
    throw new RangeError(
      `${name}: expected chroma layout "420" or "422", got ${JSON.stringify(picture.layout)}`,
    );
  }
}

/** yuvToYuyv422's argument checks (shared with the wasm twin). */
export function checkYuvToYuyv422(src: YuvPicture, out: Uint8Array): void {
  assertLayout(src, "source picture");
  assertYuvPicture(src, "source picture");
  assertYuyv422(out, src.width, src.height, "yuyv422 output");
}

/** yuvToYuv420p's argument checks (shared with the wasm twin). */
export function checkYuvToYuv420p(src: YuvPicture, out: Uint8Array): void {
  assertLayout(src, "source picture");
  assertYuvPicture(src, "source picture");
  assertYuv420p(out, src.width, src.height, "yuv420p output");
}

/** mirrorYuvInPlace's argument checks (shared with the wasm twin). */
export function checkMirrorYuv(picture: YuvPicture): void {
  assertLayout(picture, "picture");
  assertYuvPicture(picture, "picture");
}

/**
 * `src` → yuyv422 (packed Y0 U Y1 V per pixel pair) in `out`; the width must be even.
 * Layout 422: each pair takes the chroma of its own row; layout 420: of chroma row
 * y >> 1, each chroma row serving two picture rows, as ffmpeg's yuv420p → yuyv422 does.
 */
export function yuvToYuyv422(src: YuvPicture, out: Uint8Array): void {
  checkYuvToYuyv422(src, out);
  const { data, width, height, layout, fullRange } = src;
  const ly = fullRange ? LUMA : SAME, lc = fullRange ? CHROMA : SAME;
  const cw = width >> 1, rowShift = layout === "420" ? 1 : 0;
  const uBase = width * height, vBase = uBase + cw * chromaHeight(layout, height);
  for (let y = 0, o = 0; y < height; y++) {
    const row = y * width, crow = (y >> rowShift) * cw;
    for (let x = 0; x < cw; x++, o += 4) {
      out[o] = ly[data[row + 2 * x]];
      out[o + 1] = lc[data[uBase + crow + x]];
      out[o + 2] = ly[data[row + 2 * x + 1]];
      out[o + 3] = lc[data[vBase + crow + x]];
    }
  }
}

/**
 * `src` → yuv420p in `out` (see yuv420pSize). Layout 420: the planes, range-mapped if
 * full range. Layout 422: each output chroma sample is the mean of the source's rows
 * 2y and 2y + 1 (row 2y alone for the last of an odd height), as 4:2:0 chroma sits
 * between the two rows it covers: rounded, (a + b + 1) >> 1, from a limited source; from
 * a full-range one range-mapped before the one rounding, ⌊(112·(a + b) + 4095) / 255⌋
 * (rounding the mean and then mapping it would round twice and be off by one more often
 * against ffmpeg).
 */
export function yuvToYuv420p(src: YuvPicture, out: Uint8Array): void {
  checkYuvToYuv420p(src, out);
  const { data, width, height, layout, fullRange } = src;
  const ly = fullRange ? LUMA : SAME, lc = fullRange ? CHROMA : SAME;
  const ofSum = fullRange ? CHROMA_OF_SUM : MEAN_OF_SUM;
  const n = width * height;
  for (let i = 0; i < n; i++) out[i] = ly[data[i]];
  const cw = chromaWidth(width), ch = (height + 1) >> 1;
  const srcPlane = cw * chromaHeight(layout, height), outPlane = cw * ch;
  for (let plane = 0; plane < 2; plane++) {
    const from = n + plane * srcPlane, to = n + plane * outPlane;
    if (layout === "420") {
      for (let i = 0; i < outPlane; i++) out[to + i] = lc[data[from + i]];
      continue;
    }
    for (let cy = 0; cy < ch; cy++) {
      const a = from + 2 * cy * cw, b = from + Math.min(2 * cy + 1, height - 1) * cw;
      const d = to + cy * cw;
      for (let x = 0; x < cw; x++) out[d + x] = ofSum[data[a + x] + data[b + x]];
    }
  }
}

/**
 * Flips every plane of `picture` left to right, in place (the selfie view; see
 * mirror.ts). Luma rows are reversed. Chroma rows of an even width are reversed too,
 * which is exactly what flipping the RGB picture and converting it back gives.
 *
 * Odd width: the last chroma sample covers one pixel, so after the flip the pairs
 * straddle the old ones: new pair k holds old pixels w−1−2k and w−2−2k, whose chroma
 * are old samples c−1−k and c−2−k (c = ceil(w/2)). Each new sample is therefore the
 * rounded mean of those two, and the last (one pixel, old pixel 0) is old sample 0:
 * what the RGB route gives (each pixel taking its pair's chroma, a pair's chroma the
 * mean of its two pixels'), instead of a plain reversal that would shift the colour one
 * pixel against the luma. The price: at an odd width, mirroring twice softens chroma
 * (luma and even widths come back exactly), and ffmpeg's hflip, which reverses each
 * plane on its own, differs in chroma. Live sizes are even (yuyv422 needs it).
 */
export function mirrorYuvInPlace(picture: YuvPicture): void {
  checkMirrorYuv(picture);
  const { data, width, height, layout } = picture;
  reverseRows(data, 0, width, height);
  const cw = chromaWidth(width), ch = chromaHeight(layout, height);
  const n = width * height;
  for (let plane = 0; plane < 2; plane++) {
    const base = n + plane * cw * ch;
    reverseRows(data, base, cw, ch);
    if (width % 2 === 0) continue;
    for (let y = 0; y < ch; y++) {
      // Forward, in place: sample k reads k and k + 1, the latter not yet rewritten.
      const row = base + y * cw;
      for (let x = 0; x < cw - 1; x++) data[row + x] = (data[row + x] + data[row + x + 1] + 1) >> 1;
    }
  }
}

function reverseRows(data: Uint8Array, base: number, width: number, height: number): void {
  for (let y = 0; y < height; y++) {
    let left = base + y * width, right = left + width - 1;
    while (left < right) {
      const v = data[left];
      data[left++] = data[right];
      data[right--] = v;
    }
  }
}
