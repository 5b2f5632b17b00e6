/**
 * Pictures for the planar YUV kernels' tests (blur_planes, desaturate_planes): a real
 * frame of samples/talk.mp4 as the decoder hands it, a person-shaped soft mask, and a
 * busy synthetic picture for odd sizes.
 */
import { ffmpegBytes } from "../_media.ts";
import {
  type ChromaLayout,
  type YuvPicture,
  yuvPictureBytes,
} from "../../src/kernels/yuv_picture.ts";

const TALK = new URL("../../samples/talk.mp4", import.meta.url).pathname;
export const W = 1280, H = 720;
/** Each layout with the ffmpeg format that decodes to it. */
export const LAYOUTS: [ChromaLayout, string][] = [["422", "yuvj422p"], ["420", "yuv420p"]];

/** A frame of talk.mp4 at W x H in the layout's ffmpeg format (what the decoder hands). */
export async function talkFrame(layout: ChromaLayout, pixFmt: string): Promise<YuvPicture> {
  const data = await ffmpegBytes([
    ...["-ss", "2", "-i", TALK, "-frames:v", "1", "-vf", `scale=${W}:${H}`],
    ...["-f", "rawvideo", "-pix_fmt", pixFmt],
  ]);
  return { data, width: W, height: H, layout, fullRange: layout === "422" };
}

/** A person-shaped soft mask: an ellipse, 255 inside, 0 outside, a ramp of ~10 % between
 * (alpha 0, 255 and every value in between, as a feathered model mask has). */
export function ellipse(width: number, height: number): Uint8Array {
  const a = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = Math.hypot((x - width / 2) / (width * 0.22), (y - height * 0.6) / (height * 0.45));
      a[y * width + x] = Math.max(0, Math.min(255, Math.round((1.05 - d) / 0.1 * 255)));
    }
  }
  return a;
}

/** A synthetic but busy picture: every plane a different hash of its position. */
export function busy(
  width: number,
  height: number,
  layout: ChromaLayout,
  fullRange: boolean,
): YuvPicture {
  const data = new Uint8Array(yuvPictureBytes(layout, width, height));
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761 >>> 13) & 255;
  return { data, width, height, layout, fullRange };
}

/** A zeroed picture of the same shape, its range flag flipped (the kernels must set it). */
export function blank(p: YuvPicture): YuvPicture {
  return { ...p, data: new Uint8Array(p.data.length), fullRange: !p.fullRange };
}
