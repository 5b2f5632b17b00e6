/**
 * Mirroring (a selfie view): flips a frame left to right in place. Done on the input
 * frame before segmentation, so the mask, the effect and the output all agree, and
 * the camera's ffmpeg need not restart when the key toggles it.
 */
import { assertFrame, type Frame } from "../frame.ts";

/** Reverses the pixel order of every row of `frame` (RGB or RGBA), in place. */
export function mirrorInPlace(frame: Frame): void {
  assertFrame(frame);
  const { data, width, height, channels } = frame;
  const stride = width * channels;
  for (let y = 0; y < height; y++) {
    let left = y * stride;
    let right = left + stride - channels;
    while (left < right) {
      for (let c = 0; c < channels; c++) {
        const v = data[left + c];
        data[left + c] = data[right + c];
        data[right + c] = v;
      }
      left += channels;
      right -= channels;
    }
  }
}
