/**
 * ffmpeg argument vectors for the live pipeline: where frames come from (a camera on
 * each platform, a file or stream, the generated demo) and where they go (a
 * v4l2loopback device, a file, a stream). Pure; tests check them as exact arrays.
 */
import { UsageError } from "../errors.ts";
import { encodeArgs, type RawPixelFormat } from "./ffmpeg_args.ts";

export type Platform = "linux" | "darwin" | "windows";

export type LiveInput =
  | {
    kind: "camera";
    platform: Platform;
    device: string;
    /** The camera mode to ask for (Linux; see chooseCameraMode): default MJPEG at the output size. */
    mode?: { inputFormat: string; width: number; height: number };
  }
  | { kind: "file"; path: string; loop: boolean }
  | { kind: "url"; url: string }
  | { kind: "demo"; photo: string };

export interface LiveFormat {
  width: number;
  height: number;
  fps: number;
}

const QUIET = ["-hide_banner", "-nostdin", "-loglevel", "error"];

/**
 * Raw frames of exactly width x height on stdout, from any live input: rgb24, or planar
 * YUV for segcam to convert itself (liveYuvFormat says which).
 */
export function liveInputArgs(
  input: LiveInput,
  format: LiveFormat,
  pixFmt: "rgb24" | "yuv420p" | "yuvj422p" = "rgb24",
): string[] {
  const { width, height, fps } = format;
  const size = `${width}x${height}`;
  let source: string[];
  let filter =
    `scale=${width}:${height}:force_original_aspect_ratio=increase,crop=${width}:${height}`;
  switch (input.kind) {
    case "camera": {
      if (input.platform === "linux") {
        // MJPEG: raw YUYV at 720p and above often exceeds USB 2 bandwidth and drops to 10 fps.
        const mode = input.mode ?? { inputFormat: "mjpeg", width, height };
        source = [
          "-f",
          "v4l2",
          "-input_format",
          mode.inputFormat,
          "-video_size",
          `${mode.width}x${mode.height}`,
          "-framerate",
          String(fps),
          "-i",
          input.device,
        ];
      } else if (input.platform === "darwin") {
        source = [
          "-f",
          "avfoundation",
          "-framerate",
          String(fps),
          "-video_size",
          size,
          "-i",
          `${input.device}:none`,
        ];
      } else {
        source = [
          "-f",
          "dshow",
          "-video_size",
          size,
          "-framerate",
          String(fps),
          "-i",
          `video=${input.device}`,
        ];
      }
      break;
    }
    case "file":
      // -re paces a file like a camera; -stream_loop -1 repeats it with --loop.
      source = ["-re", ...(input.loop ? ["-stream_loop", "-1"] : []), "-i", input.path];
      filter = `fps=${fps},${filter}`;
      break;
    case "url":
      source = ["-i", input.url];
      filter = `fps=${fps},${filter}`;
      break;
    case "demo":
      // The sample photo as a moving clip: a slow zoom and pan, endless, in real time.
      source = ["-re", "-loop", "1", "-framerate", String(fps), "-i", input.photo];
      filter = `scale=${2 * width}:-2,zoompan=z='1.15+0.1*sin(on/${fps * 3})'` +
        `:x='iw/2-(iw/zoom/2)+40*sin(on/${fps * 2})':y='ih/2-(ih/zoom/2)':d=1:s=${size}:fps=${fps}`;
      break;
  }
  return [
    ...QUIET,
    ...source,
    "-map",
    "0:v:0",
    "-vf",
    filter,
    "-f",
    "rawvideo",
    "-pix_fmt",
    pixFmt,
    "-",
  ];
}

export type LiveOutput =
  | { kind: "v4l2"; device: string; pixFmt: string }
  | { kind: "file"; path: string }
  | { kind: "stream"; url: string }
  | { kind: "stdout"; pixFmt: RawOutputFormat };

/**
 * The formats segcam writes raw frames in itself (`-o -`, and a virtual camera written
 * directly): RGB as the frames are, or what a v4l2loopback device takes.
 */
export const RAW_OUTPUT_FORMATS = ["rgb24", "yuyv422", "yuv420p"] as const;
export type RawOutputFormat = typeof RAW_OUTPUT_FORMATS[number];

/**
 * The raw format segcam hands an output's ffmpeg: for alpha, yuva420p to a .webm (VP9
 * encodes that, so the planes and the mask go as they are) with YUV pipes, else RGBA
 * (a .mov's ProRes 4444 keeps full-resolution chroma); with YUV pipes the virtual
 * camera's own format, else yuv420p, which every other output encodes from without alpha
 * (x264 and VP9 in 4:2:0), so swscale has nothing left to do; rgb24 otherwise.
 */
export function sinkPipeFormat(
  output: Exclude<LiveOutput, { kind: "stdout" }>,
  alpha: boolean,
  yuvPipes: boolean,
): RawPixelFormat | RawOutputFormat {
  if (alpha) {
    return yuvPipes && output.kind === "file" && /\.webm$/i.test(output.path) ? "yuva420p" : "rgba";
  }
  if (!yuvPipes) return "rgb24";
  if (output.kind === "v4l2") return isRawOutputFormat(output.pixFmt) ? output.pixFmt : "yuv420p";
  return "yuv420p";
}

/**
 * The planar YUV a live input is best read in, or undefined for rgb24: measured at 720p
 * (ffmpeg's CPU per frame, to a pipe), an MJPEG decoder gives yuvj422p for 3.0 ms
 * against 3.6 for rgb24 and 5.1 for yuv420p (its full → limited range path is slow), so
 * an MJPEG camera (Linux's default mode) or file is read as yuvj422p; an H.264 file
 * decodes to yuv420p for 3.1 ms against 4.0 for rgb24. Other cameras and the demo keep
 * rgb24 (not measured). `pixFmt` is the file's decoded format (ffprobe), when known.
 */
export function liveYuvFormat(
  input: LiveInput,
  pixFmt?: string,
): "yuv420p" | "yuvj422p" | undefined {
  if (input.kind === "camera") {
    const mjpeg = input.platform === "linux" && (input.mode?.inputFormat ?? "mjpeg") === "mjpeg";
    return mjpeg ? "yuvj422p" : undefined;
  }
  if (input.kind !== "file") return undefined;
  if (pixFmt === "yuvj422p") return "yuvj422p";
  if (pixFmt === "yuv420p" || pixFmt === "yuvj420p") return "yuv420p";
  return undefined;
}

/** yuyv422 is what Chrome, Zoom and OBS all accept from v4l2loopback. */
export const V4L2_DEFAULT_PIX_FMT = "yuyv422";

export function isRawOutputFormat(text: string): text is RawOutputFormat {
  return (RAW_OUTPUT_FORMATS as readonly string[]).includes(text);
}

/** Bytes of one frame in a raw output format (yuv420p rounds odd sizes' chroma up). */
export function rawFrameBytes(format: RawOutputFormat, width: number, height: number): number {
  switch (format) {
    case "rgb24":
      return width * height * 3;
    case "yuyv422":
      return width * height * 2;
    case "yuv420p":
      return width * height + 2 * ((width + 1) >> 1) * ((height + 1) >> 1);
  }
}

/**
 * Parses --output: a /dev/videoN device, a URL, "-" or a file. `pixFmt` unset:
 * yuyv422 to a virtual camera, rgb24 to stdout (the frames as they are).
 */
export function parseLiveOutput(text: string, pixFmt?: string): LiveOutput {
  if (text === "-") {
    const format = pixFmt ?? "rgb24";
    if (!isRawOutputFormat(format)) {
      throw new UsageError(
        `--pix-fmt ${format} cannot be written to -o -; give ${RAW_OUTPUT_FORMATS.join(", ")}`,
      );
    }
    return { kind: "stdout", pixFmt: format };
  }
  if (/^\/dev\/video\d+$/.test(text)) {
    return { kind: "v4l2", device: text, pixFmt: pixFmt ?? V4L2_DEFAULT_PIX_FMT };
  }
  if (/^(udp|srt|rtmp|rtmps|tcp|rtp):\/\//i.test(text)) return { kind: "stream", url: text };
  return { kind: "file", path: text };
}

/**
 * An SRT URL as segcam uses it: a listener unless the URL says otherwise. OBS's Media
 * Source (and ffplay, VLC) connect as callers, so segcam can be started first and the
 * receiver whenever; a caller URL fails with "Input/output error" when nobody listens.
 */
export function srtListenerUrl(url: string): string {
  if (!/^srt:\/\//i.test(url) || /[?&]mode=/.test(url)) return url;
  return `${url}${url.includes("?") ? "&" : "?"}mode=listener`;
}

/** Whether segcam listens at `url` (an SRT URL without a mode, or with mode=listener). */
export function isSrtListener(url: string): boolean {
  return /^srt:\/\//i.test(url) && /[?&]mode=listener\b/i.test(srtListenerUrl(url));
}

/** ffmpeg reading raw frames from stdin and writing them to a live output. */
export function liveOutputArgs(
  output: Exclude<LiveOutput, { kind: "stdout" }>,
  format: LiveFormat,
  pixFmtIn: RawPixelFormat | RawOutputFormat,
  options: { audioFrom?: string } = {},
): string[] {
  const input = [
    "-f",
    "rawvideo",
    "-pix_fmt",
    pixFmtIn,
    "-s",
    `${format.width}x${format.height}`,
    "-r",
    String(format.fps),
    "-i",
    "-",
  ];
  switch (output.kind) {
    case "v4l2":
      // yuyv422 is what Chrome, Zoom and OBS all accept from v4l2loopback (yuv420p is
      // refused by Chrome on some versions).
      return [...QUIET, ...input, "-f", "v4l2", "-pix_fmt", output.pixFmt, output.device];
    case "stream": {
      const container = /^rtmps?:/i.test(output.url) ? "flv" : "mpegts";
      return [
        ...QUIET,
        ...input,
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-tune",
        "zerolatency",
        "-pix_fmt",
        "yuv420p",
        "-f",
        container,
        srtListenerUrl(output.url),
      ];
    }
    case "file":
      // A file is encoded from RGB or yuv420p (sinkPipeFormat); yuyv422 is a camera's.
      if (pixFmtIn === "yuyv422") throw new RangeError("a file is not encoded from yuyv422");
      return encodeArgs(output.path, {
        width: format.width,
        height: format.height,
        fps: String(format.fps),
        pixFmtIn,
        audioFrom: options.audioFrom,
      });
  }
}
