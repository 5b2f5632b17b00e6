/**
 * Pure builders of ffmpeg argument vectors: what segcam asks ffmpeg to do, in one
 * place, testable as exact arrays. No I/O here.
 */

export type RawPixelFormat = "rgb24" | "rgba";

const QUIET = ["-hide_banner", "-nostdin", "-loglevel", "error"];

export interface DecodeOptions {
  pixFmt: RawPixelFormat;
  /** Loop the input forever (background videos). */
  loop?: boolean;
  /** Scale to cover width x height, then centre-crop (background videos). */
  cover?: { width: number; height: number };
}

/** Decode a file or URL to raw frames on stdout (video only). */
export function decodeArgs(input: string, options: DecodeOptions): string[] {
  const filters = options.cover
    ? [
      "-vf",
      `scale=${options.cover.width}:${options.cover.height}:force_original_aspect_ratio=increase,` +
      `crop=${options.cover.width}:${options.cover.height}`,
    ]
    : [];
  return [
    ...QUIET,
    ...(options.loop ? ["-stream_loop", "-1"] : []),
    "-i",
    input,
    "-map",
    "0:v:0",
    ...filters,
    "-f",
    "rawvideo",
    "-pix_fmt",
    options.pixFmt,
    "-",
  ];
}

export interface EncodeOptions {
  width: number;
  height: number;
  /** Frame rate as ffmpeg reads it: "30", "30000/1001". */
  fps: string;
  pixFmtIn: RawPixelFormat;
  /** Take the audio track (if any) of this file. */
  audioFrom?: string;
}

/** Containers that can carry an alpha channel, and how. */
export const ALPHA_EXTENSIONS = [".webm (VP9)", ".mov (ProRes 4444)"] as const;

export function extensionOf(path: string): string {
  const match = /\.([a-z0-9]+)$/i.exec(path);
  return match ? match[1].toLowerCase() : "";
}

export function alphaCapable(path: string): boolean {
  return ["webm", "mov"].includes(extensionOf(path));
}

export const VIDEO_EXTENSIONS = ["mp4", "mkv", "mov", "webm"] as const;

/**
 * Encode raw frames from stdin into `target`, codec by extension: mp4/mkv/mov H.264
 * (CRF 20, visually lossless for webcam-like content), webm VP9 (CRF 32); with RGBA in,
 * webm keeps alpha as VP9 yuva420p and mov as ProRes 4444.
 */
export function encodeArgs(target: string, options: EncodeOptions): string[] {
  const ext = extensionOf(target);
  const alpha = options.pixFmtIn === "rgba";
  let video: string[];
  let audio: string[];
  if (ext === "webm") {
    video = [
      "-c:v",
      "libvpx-vp9",
      "-crf",
      "32",
      "-b:v",
      "0",
      "-row-mt",
      "1",
      "-deadline",
      "good",
      "-cpu-used",
      "4",
      "-pix_fmt",
      alpha ? "yuva420p" : "yuv420p",
    ];
    audio = ["-c:a", "libopus", "-b:a", "128k"];
  } else if (ext === "mov" && alpha) {
    video = ["-c:v", "prores_ks", "-profile:v", "4444", "-pix_fmt", "yuva444p10le"];
    audio = ["-c:a", "aac", "-b:a", "160k"];
  } else {
    video = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"];
    audio = ["-c:a", "aac", "-b:a", "160k"];
  }
  const faststart = ext === "mp4" || ext === "mov" ? ["-movflags", "+faststart"] : [];
  const inputs = [
    "-f",
    "rawvideo",
    "-pix_fmt",
    options.pixFmtIn,
    "-s",
    `${options.width}x${options.height}`,
    "-r",
    options.fps,
    "-i",
    "-",
  ];
  if (options.audioFrom === undefined) {
    return [...QUIET, ...inputs, "-map", "0:v", ...video, ...faststart, "-y", target];
  }
  return [
    ...QUIET,
    ...inputs,
    "-i",
    options.audioFrom,
    "-map",
    "0:v",
    "-map",
    "1:a?",
    ...video,
    ...audio,
    "-shortest",
    ...faststart,
    "-y",
    target,
  ];
}
