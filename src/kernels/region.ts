/**
 * Moving probability maps between a region of the frame and a map of the whole frame:
 * the second look at a person runs the model on a crop, and its map is pasted back at
 * the crop's place; the next crop comes from the box of the person in the last mask.
 * Maps are row-major float32 in 0..1; coordinates of regions are frame pixels.
 */
import { assertMap } from "./_check.ts";
import type { Region } from "../model/segmenter.ts";

/** Sides of a region, as bits, for {@link touchesSides}. */
export const LEFT = 1, TOP = 2, RIGHT = 4, BOTTOM = 8;

/** The argument checks of {@link pasteRegion}, shared with its wasm twin. */
export function checkPasteRegion(
  src: Float32Array,
  srcWidth: number,
  srcHeight: number,
  region: Region,
  frameWidth: number,
  frameHeight: number,
  dst: Float32Array,
  dstWidth: number,
  dstHeight: number,
): void {
  assertMap(src, srcWidth, srcHeight, "pasteRegion source");
  assertMap(dst, dstWidth, dstHeight, "pasteRegion destination");
  const { x, y, width, height } = region;
  if (
    x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > frameWidth ||
    y + height > frameHeight
  ) {
    throw new RangeError(
      `pasteRegion region: expected inside ${frameWidth}x${frameHeight}, got ${width}x${height} at ${x},${y}`,
    );
  }
}

/**
 * Bilinearly resamples `src` (srcWidth x srcHeight, covering `region` of a frame of
 * frameWidth x frameHeight) into the cells of `dst` (a map of the whole frame) whose
 * centres lie in the region. With `average` the cell becomes the mean of what it held
 * and the new value; cells outside the region are left as they are. Pixel centres at
 * +0.5 on both sides, as in {@link bilinearTable}, so a region covering the whole frame
 * gives the plain bilinear resize.
 */
export function pasteRegion(
  src: Float32Array,
  srcWidth: number,
  srcHeight: number,
  region: Region,
  frameWidth: number,
  frameHeight: number,
  dst: Float32Array,
  dstWidth: number,
  dstHeight: number,
  average = false,
): void {
  const { x, y, width, height } = region;
  checkPasteRegion(
    src,
    srcWidth,
    srcHeight,
    region,
    frameWidth,
    frameHeight,
    dst,
    dstWidth,
    dstHeight,
  );
  const sx = frameWidth / dstWidth, sy = frameHeight / dstHeight;
  // The cells whose centres (i + 0.5)·s fall in [x, x + width).
  const i0 = Math.max(0, Math.ceil(x / sx - 0.5));
  const i1 = Math.min(dstWidth, Math.ceil((x + width) / sx - 0.5));
  const j0 = Math.max(0, Math.ceil(y / sy - 0.5));
  const j1 = Math.min(dstHeight, Math.ceil((y + height) / sy - 0.5));
  const kx = srcWidth / width, ky = srcHeight / height;
  const lastX = srcWidth - 1, lastY = srcHeight - 1;
  for (let j = j0; j < j1; j++) {
    let v = ((j + 0.5) * sy - y) * ky - 0.5;
    v = v < 0 ? 0 : v > lastY ? lastY : v;
    const v0 = Math.floor(v), wv = v - v0, v1 = v0 < lastY ? v0 + 1 : lastY;
    const r0 = v0 * srcWidth, r1 = v1 * srcWidth;
    for (let i = i0; i < i1; i++) {
      let u = ((i + 0.5) * sx - x) * kx - 0.5;
      u = u < 0 ? 0 : u > lastX ? lastX : u;
      const u0 = Math.floor(u), wu = u - u0, u1 = u0 < lastX ? u0 + 1 : lastX;
      const top = src[r0 + u0] + (src[r0 + u1] - src[r0 + u0]) * wu;
      const bottom = src[r1 + u0] + (src[r1 + u1] - src[r1 + u0]) * wu;
      const value = top + (bottom - top) * wv;
      const o = j * dstWidth + i;
      dst[o] = average ? (dst[o] + value) * 0.5 : value;
    }
  }
}

/**
 * The bounding box of the cells above `cut`, written to `box` as [x0, y0, x1, y1)
 * in cells; returns how many rows hold a cell above the cut (0: no person, box
 * untouched).
 *
 * A row is read from the left up to its first cell above the cut and from the right
 * down to its last one or to the box found so far, never through the person between.
 * On a 320x180 working map with a person in the middle (the main job's, read once or
 * twice a frame): 25 µs, where a pass over every cell took 82.
 */
export function boxAbove(
  map: Float32Array,
  width: number,
  height: number,
  cut: number,
  box: Int32Array,
): number {
  assertMap(map, width, height, "boxAbove map");
  if (box.length !== 4) throw new RangeError(`boxAbove box: expected 4 entries, got ${box.length}`);
  let x0 = width, y0 = height, x1 = -1, y1 = -1, rows = 0;
  for (let y = 0, row = 0; y < height; y++, row += width) {
    let left = 0;
    while (left < width && !(map[row + left] > cut)) left++;
    if (left === width) continue;
    rows++;
    if (left < x0) x0 = left;
    if (y0 === height) y0 = y;
    y1 = y;
    // Only a cell right of the box so far can widen it; `left` itself is above the cut.
    let right = width - 1;
    while (right > x1 && right > left && !(map[row + right] > cut)) right--;
    if (right > x1) x1 = right;
  }
  if (rows > 0) {
    box[0] = x0;
    box[1] = y0;
    box[2] = x1 + 1;
    box[3] = y1 + 1;
  }
  return rows;
}

/**
 * Which of the `sides` (bits {@link LEFT} | {@link TOP} | ...) of a map have a value
 * above `cut` in their outermost row or column: a person cut by the crop's edge.
 */
export function touchesSides(
  map: Float32Array,
  width: number,
  height: number,
  cut: number,
  sides: number,
): number {
  assertMap(map, width, height, "touchesSides map");
  let touched = 0;
  const last = (height - 1) * width;
  for (let x = 0; x < width; x++) {
    if (sides & TOP && map[x] > cut) touched |= TOP;
    if (sides & BOTTOM && map[last + x] > cut) touched |= BOTTOM;
  }
  for (let y = 0; y < height; y++) {
    if (sides & LEFT && map[y * width] > cut) touched |= LEFT;
    if (sides & RIGHT && map[y * width + width - 1] > cut) touched |= RIGHT;
  }
  return touched;
}
