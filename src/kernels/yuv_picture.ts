/**
 * A planar YUV picture as a decoder hands it to segcam and an encoder or a virtual
 * camera takes it back: the Y plane (width·height), then U, then V, as ffmpeg's rawvideo
 * lays them out. Frames that stay in this form skip two colour conversions and a third
 * of the bytes of every pass over the picture (issue 16): the blur runs on the planes,
 * the mask path reads its luma from Y, and the output is packed from the planes.
 *
 *   layout "420": chroma planes of ceil(width/2)·ceil(height/2) (yuv420p: H.264 files)
 *   layout "422": chroma planes of ceil(width/2)·height (yuvj422p: MJPEG cameras)
 *
 * `fullRange`: Y and chroma use 0..255 (JPEG, ffmpeg's yuvj formats), else the limited
 * range (Y 16..235, chroma 16..240). Both are BT.601, as src/kernels/yuv.ts converts them.
 */
import { yuv420pSize, yuv422pSize } from "./yuv.ts";

export type ChromaLayout = "420" | "422";

export interface YuvPicture {
  data: Uint8Array;
  width: number;
  height: number;
  layout: ChromaLayout;
  fullRange: boolean;
  /**
   * Opacity per pixel (width·height, 0..255; 255 opaque), when the picture has one: what
   * the transparent effect draws, and what a yuva420p output takes after the V plane.
   */
  alpha?: Uint8Array;
}

/** Width of a chroma plane. */
export function chromaWidth(width: number): number {
  return (width + 1) >> 1;
}

/** Height of a chroma plane. */
export function chromaHeight(layout: ChromaLayout, height: number): number {
  return layout === "420" ? (height + 1) >> 1 : height;
}

/** Bytes of a picture of this layout and size. */
export function yuvPictureBytes(layout: ChromaLayout, width: number, height: number): number {
  return layout === "420" ? yuv420pSize(width, height) : yuv422pSize(width, height);
}

/** The three planes of `picture` as views (no copy). */
export function planesOf(picture: YuvPicture): { y: Uint8Array; u: Uint8Array; v: Uint8Array } {
  const { data, width, height, layout } = picture;
  const luma = width * height;
  const chroma = chromaWidth(width) * chromaHeight(layout, height);
  return {
    y: data.subarray(0, luma),
    u: data.subarray(luma, luma + chroma),
    v: data.subarray(luma + chroma, luma + 2 * chroma),
  };
}

/** Throws a RangeError naming `name` when the buffer does not hold the picture exactly. */
export function assertYuvPicture(picture: YuvPicture, name = "picture"): void {
  const { data, width, height, layout } = picture;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`${name}: expected a positive integer size, got ${width}x${height}`);
  }
  const expected = yuvPictureBytes(layout, width, height);
  if (data.length !== expected) {
    throw new RangeError(
      `${name}: expected ${expected} bytes of 4:${
        layout === "420" ? "2:0" : "2:2"
      } YUV for ${width}x${height}, got ${data.length}`,
    );
  }
}

/** Whether a picture is planar YUV (a YuvPicture) rather than an RGB(A) Frame. */
export function isYuvPicture(picture: { width: number; height: number }): picture is YuvPicture {
  return "layout" in picture;
}
