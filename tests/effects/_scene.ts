/** Test scenes for the effects: the bundled photo and synthetic masks, built once. */
import { Image } from "imagescript";
import { createFrame, type Frame } from "../../src/frame.ts";

const FIXTURE = new URL("../fixtures/astronaut.png", import.meta.url);

/** tests/fixtures/astronaut.png (512x512) as an RGB frame. */
export async function astronaut(): Promise<Frame> {
  const image = await Image.decode(await Deno.readFile(FIXTURE));
  const frame = createFrame(image.width, image.height, 3);
  const rgba = image.bitmap;
  for (let i = 0, o = 0; i < rgba.length; i += 4, o += 3) {
    frame.data[o] = rgba[i];
    frame.data[o + 1] = rgba[i + 1];
    frame.data[o + 2] = rgba[i + 2];
  }
  return frame;
}

/**
 * An upright ellipse "person" centred low in the frame, in relative coordinates so it
 * is the same shape at any size: 255 inside, 0 outside, and with `soft` a linear rim
 * of that many pixels.
 */
export function ellipseMask(width: number, height: number, soft = 0): Uint8Array {
  const mask = new Uint8Array(width * height);
  const cx = width / 2, cy = height * 0.6, rx = width * 0.22, ry = height * 0.35;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = Math.hypot((x + 0.5 - cx) / rx, (y + 0.5 - cy) / ry); // 1 on the rim
      const inside = soft === 0 ? (d <= 1 ? 1 : 0) : (1 - d) * rx / soft + 0.5;
      mask[y * width + x] = Math.round(255 * Math.min(1, Math.max(0, inside)));
    }
  }
  return mask;
}

/** Averages 2x2 blocks: the same picture at half the resolution. */
export function halve(frame: Frame): Frame {
  const w = frame.width >> 1, h = frame.height >> 1, c = frame.channels;
  const out = createFrame(w, h, c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < c; k++) {
        const at = (dx: number, dy: number) =>
          frame.data[((2 * y + dy) * frame.width + 2 * x + dx) * c + k];
        out.data[(y * w + x) * c + k] = Math.round((at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1)) / 4);
      }
    }
  }
  return out;
}

/** Pixels `pixel(i)` for all i where `keep(i)` holds. */
export function indicesWhere(n: number, keep: (i: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep(i)) out.push(i);
  return out;
}
