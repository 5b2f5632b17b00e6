/** The EXIF orientation kernel: a stored RGBA frame turned upright, as photo viewers show it. */
import type { Frame } from "../frame.ts";

/**
 * Applies an EXIF orientation to an RGBA frame. For each displayed pixel (x, y) of a
 * stored W×H image, the source pixel is (EXIF 2.3, tag 0x0112, "0th row / 0th column"):
 *   2 mirror:      (W-1-x, y)        5 transpose:   (y, x)
 *   3 rotate 180:  (W-1-x, H-1-y)    6 rotate 90cw: (y, H-1-x)
 *   4 flip:        (x, H-1-y)        7 transverse:  (W-1-y, H-1-x)
 *                                    8 rotate 90ccw:(W-1-y, x)
 * and orientations 5-8 swap width and height.
 */
export function orientFrame(frame: Frame, orientation: number): Frame {
  if (orientation === 1) return frame;
  const { width: w, height: h } = frame;
  const swap = orientation >= 5;
  const outWidth = swap ? h : w;
  const outHeight = swap ? w : h;
  const src = new Uint32Array(frame.data.buffer, frame.data.byteOffset, w * h);
  const data = new Uint8Array(w * h * 4);
  const dst = new Uint32Array(data.buffer);
  // Source index = base + x*dx + y*dy for displayed (x, y).
  let base: number, dx: number, dy: number;
  switch (orientation) {
    case 2:
      [base, dx, dy] = [w - 1, -1, w];
      break;
    case 3:
      [base, dx, dy] = [w * h - 1, -1, -w];
      break;
    case 4:
      [base, dx, dy] = [(h - 1) * w, 1, -w];
      break;
    case 5:
      [base, dx, dy] = [0, w, 1];
      break;
    case 6:
      [base, dx, dy] = [(h - 1) * w, -w, 1];
      break;
    case 7:
      [base, dx, dy] = [w * h - 1, -w, -1];
      break;
    default: // 8
      [base, dx, dy] = [w - 1, w, -1];
  }
  let o = 0;
  for (let y = 0; y < outHeight; y++) {
    let s = base + y * dy;
    for (let x = 0; x < outWidth; x++, s += dx) dst[o++] = src[s];
  }
  return { data, width: outWidth, height: outHeight, channels: 4 };
}
