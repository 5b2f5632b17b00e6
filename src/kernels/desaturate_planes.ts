/**
 * The desaturate effect on a planar YUV picture (issue 16): grey is U = V = 128 in both
 * ranges, so only the chroma moves and the luma and the range stay as they are. Chroma
 * samples mix by the mean alpha of the luma pixels they cover, as in the blur on planes
 * (src/kernels/blur_planes.ts), whose fixed point this shares.
 */
import { checkPlanes, coveredMean, over, type PlanesNames } from "./blur_planes.ts";
import { UP_BITS, UP_HALF } from "./blur.ts";
import { chromaHeight, chromaWidth, type YuvPicture } from "./yuv_picture.ts";

const NAMES: PlanesNames = {
  src: "desaturate on planes src",
  out: "desaturate on planes out",
  alpha: "desaturate on planes alpha",
};

/** {@link checkPlanes} for desaturatePlanes, and a saturation from 0 to 1. */
export function checkDesaturatePlanes(
  src: YuvPicture,
  alpha: Uint8Array,
  saturation: number,
  out: YuvPicture,
): void {
  checkPlanes(NAMES, src, alpha, out);
  if (!(saturation >= 0 && saturation <= 1)) {
    throw new RangeError(`saturation: expected a number from 0 to 1, got ${saturation}`);
  }
}

/**
 * The chroma of `src` pulled toward grey (128) where alpha is low, Y copied: the
 * desaturate effect on YUV planes (grey is U = V = 128 in both ranges, so the luma and
 * the range stay as they are). A chroma sample c covered by luma pixels of mean alpha a
 * (as blurPlanesBackground means them) becomes
 *
 *     128 + (c − 128)·(s + (1 − s)·a/255),   s = saturation (0 grey, 1 unchanged),
 *
 * computed as the grey target g = 128 + (c − 128)·s, then g + (c − g)·a/255 in the
 * blur's fixed point (s as round(s·256)): a sample whose pixels are all person (mean
 * 255) is an exact copy, and at a = 0 the result is g rounded.
 */
export function desaturatePlanes(
  src: YuvPicture,
  alpha: Uint8Array,
  saturation: number,
  out: YuvPicture,
): void {
  checkDesaturatePlanes(src, alpha, saturation, out);
  out.fullRange = src.fullRange;
  const { data: s, width, height, layout } = src;
  const d = out.data, luma = width * height;
  for (let i = 0; i < luma; i++) d[i] = s[i];
  const cw = chromaWidth(width), is420 = layout === "420";
  const vPlane = luma + cw * chromaHeight(layout, height);
  const sat = Math.round(saturation * 256);
  for (let y = 0; y < height; y += is420 ? 2 : 1) {
    const row = y * width, twoRows = is420 && y + 1 < height;
    const crow = (is420 ? y >> 1 : y) * cw;
    for (let cx = 0; cx < cw; cx++) {
      const mean = coveredMean(alpha, row, 2 * cx, width, twoRows);
      const cu = luma + crow + cx, cv = vPlane + crow + cx;
      if (mean === 255) {
        d[cu] = s[cu];
        d[cv] = s[cv];
        continue;
      }
      const share = (mean * 257) >> 1;
      d[cu] = over(s[cu], greyTarget(s[cu], sat), share);
      d[cv] = over(s[cv], greyTarget(s[cv], sat), share);
    }
  }
}

/** 128 + (c − 128)·sat/256 at 7 fraction bits with the rounding half (over's `bg`). */
function greyTarget(c: number, sat: number): number {
  return (128 << UP_BITS) + UP_HALF + (((c - 128) * sat) >> 1);
}
