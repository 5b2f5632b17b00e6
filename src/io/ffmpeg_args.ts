import { UsageError } from "../errors.ts";
/**
 * Pure builders of ffmpeg argument vectors: what segcam asks ffmpeg to do, in one
 * place, testable as exact arrays. No I/O here.
 */

/** Raw frames on a pipe: RGB as segcam's frames are, or yuv420p converted by its kernels. */
/** Raw frames segcam hands an encoder: yuva420p is yuv420p with an alpha plane after V. */
export type RawPixelFormat = "rgb24" | "rgba" | "yuv420p" | "yuva420p";

/**
 * Whether frames decoded in `pixFmt` (ffprobe's) lose nothing as yuv420p: 8-bit 4:2:0
 * already, in either range (the yuvj full range is rescaled to limited by ffmpeg, less
 * than half a level of rounding). Anything else (4:2:2, 4:4:4, RGB, 10-bit) keeps rgb24,
 * so that its chroma and depth are not cut down on the way in.
 */
export function decodesLosslesslyAsYuv420p(pixFmt: string | undefined): boolean {
  return pixFmt === "yuv420p" || pixFmt === "yuvj420p";
}

const QUIET = ["-hide_banner", "-nostdin", "-loglevel", "error"];

export interface DecodeOptions {
  pixFmt: RawPixelFormat | "yuvj422p";
  /** Loop the input forever (background videos). */
  loop?: boolean;
  /** Scale to cover width x height, then centre-crop (background videos). */
  cover?: { width: number; height: number };
  /**
   * A constant output rate ("30", "30000/1001"): frames are repeated or dropped so that
   * frame n is the picture at time n / rate. Raw frames on a pipe carry no timestamps,
   * so this is what keeps a variable-rate video's timing (and its audio sync) once the
   * encoder reads them at the same rate. Give the encoder the same string.
   */
  fps?: string;
}

/**
 * Decode a file or URL to raw frames on stdout (video only). `0:V:0` is the first video
 * stream that is not a still picture (cover art, thumbnail), which `0:v:0` could be.
 */
export function decodeArgs(input: string, options: DecodeOptions): string[] {
  const filters: string[] = [];
  // fps first: frames it drops are never scaled.
  if (options.fps !== undefined) filters.push(`fps=${options.fps}`);
  if (options.cover) {
    const { width, height } = options.cover;
    filters.push(
      `scale=${width}:${height}:force_original_aspect_ratio=increase`,
      `crop=${width}:${height}`,
    );
  }
  return [
    ...QUIET,
    ...(options.loop ? ["-stream_loop", "-1"] : []),
    "-i",
    input,
    "-map",
    "0:V:0",
    ...(filters.length > 0 ? ["-vf", filters.join(",")] : []),
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
  /** Frame rate as ffmpeg reads it: "30", "30000/1001" (the decoder's `fps`). */
  fps: string;
  pixFmtIn: RawPixelFormat;
  /** Take the audio track (if any) and the subtitles listed below from this file. */
  audioFrom?: string;
  /** Subtitle streams of `audioFrom` (from probeMedia) to carry over where they fit. */
  subtitles?: readonly SubtitleStream[];
  /**
   * The picture's expected length in seconds (MediaInfo.frames / fps). Used only when
   * subtitles are carried: the audio is then padded and cut to it (see planEncode).
   */
  durationSeconds?: number;
}

/** A subtitle stream of a file: its position among the file's subtitle streams. */
export interface SubtitleStream {
  /** N in ffmpeg's `s:N`. */
  index: number;
  /** ffmpeg's codec name: subrip, ass, mov_text, webvtt, hdmv_pgs_subtitle, … */
  codec: string;
  language?: string;
}

/** Subtitle codecs made of text (they can be converted); the others are bitmaps. */
const TEXT_SUBTITLES = new Set([
  "subrip",
  "srt",
  "ass",
  "ssa",
  "mov_text",
  "webvtt",
  "text",
  "subviewer",
  "subviewer1",
  "microdvd",
  "mpl2",
  "jacosub",
  "realtext",
  "sami",
  "stl",
  "vplayer",
  "pjs",
]);

export function isTextSubtitle(codec: string): boolean {
  return TEXT_SUBTITLES.has(codec);
}

/** What the encoder will be asked to do, and what the user should be told about it. */
export interface EncodePlan {
  args: string[];
  /** Size of the written video (differs from the input only when cropped to even). */
  width: number;
  height: number;
  /** One line each, for the command to print once before it starts (a crop, dropped subtitles). */
  notes: string[];
}

/** The null muxer: frames are encoded nowhere (`-o /dev/null`, for timing a run). */
export const NULL_OUTPUT = "/dev/null";

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
 * Refuses, before any work, an output file whose name does not say a video format
 * segcam writes (`out.png`, `out.txt`, `out`): ffmpeg would fail only after the model
 * loaded, blaming the temporary file. /dev/null (nothing written) passes.
 */
export function requireVideoExtension(path: string): void {
  if (path === NULL_OUTPUT) return;
  if ((VIDEO_EXTENSIONS as readonly string[]).includes(extensionOf(path))) return;
  throw new UsageError(
    `Cannot tell the video format of ${path}; end it in ${
      VIDEO_EXTENSIONS.map((e) => `.${e}`).join(", ")
    }`,
  );
}

/**
 * Encode raw frames from stdin into `target`, codec by extension: mp4/mkv/mov H.264
 * (CRF 20, visually lossless for webcam-like content), webm VP9 (CRF 32); with RGBA in,
 * webm keeps alpha as VP9 yuva420p and mov as ProRes 4444. See {@link planEncode}.
 */
export function encodeArgs(target: string, options: EncodeOptions): string[] {
  return planEncode(target, options).args;
}

/**
 * libvpx's threads: all cores but one, which segcam and the decoder need beside it (at
 * most 4, as many as 720p's tile columns). Its default of every core made the encoder
 * spin on the core segcam was using: on 2 cores one thread encoded the same 720p
 * frames on 15 % less CPU in the same time, and `segcam video` to .webm went from 27.8
 * to 32.3 fps with alpha (3 rounds, same sitting) and from 37 to 39 without.
 */
export function vp9Threads(cores = navigator.hardwareConcurrency): number {
  return Math.min(4, Math.max(1, cores - 1));
}

/**
 * The encoder's argument vector for `target`, with the size written and the notes the
 * command prints. Three things the plain mapping got wrong, each fixed here:
 *
 * - Audio shorter than the picture: `-shortest` alone ended the encoder at the audio's
 *   end, with exit 0 and no message, while frames were still being written to it.
 *   `apad` makes the audio endless (silence), so the picture is always the shortest
 *   stream and `-shortest` cuts a longer audio track at the picture's end instead.
 * - Odd sizes: H.264 in 4:2:0 needs even sizes; the last column and/or row are cropped
 *   (crop, rather than pad, invents no pixels). VP9 and ProRes take odd sizes as they are.
 * - Subtitles: copied into .mkv, converted to mov_text (.mp4/.mov) or WebVTT (.webm) when
 *   they are text; bitmap subtitles fit only .mkv and are otherwise dropped, with a note.
 *   ffmpeg 5.1's `-shortest` also stops at the end of the last subtitle (measured: a 3 s
 *   video with one 0.3 s subtitle came out 0.84 s long, the encoder gone mid-write), so
 *   with subtitles the audio is padded and cut to `durationSeconds` instead.
 */
export function planEncode(target: string, options: EncodeOptions): EncodePlan {
  const ext = extensionOf(target);
  const alpha = options.pixFmtIn === "rgba" || options.pixFmtIn === "yuva420p";
  const notes: string[] = [];
  let { width, height } = options;
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
  if (target === NULL_OUTPUT) {
    return { args: [...QUIET, ...inputs, "-map", "0:v", "-f", "null", "-"], width, height, notes };
  }
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
      // Realtime deadline, fastest speed, rows and tiles: 720p with alpha encodes at ~45
      // fps on 2 cores (good/cpu-used 4 did 7), for ~1.6x the bytes at the same CRF.
      // segcam's frames come at camera speed; the file should keep up.
      "-threads",
      String(vp9Threads()),
      "-row-mt",
      "1",
      "-tile-columns",
      "2",
      "-deadline",
      "realtime",
      "-cpu-used",
      "8",
      // No look-ahead queue: the realtime deadline makes no use of it (the decoded frames
      // are byte for byte the same), but libvpx's default keeps 25 frames, copying each in
      // and out: 90 frames of 720p alpha encoded in 1.65 s instead of 2.0.
      "-lag-in-frames",
      "0",
      "-pix_fmt",
      alpha ? "yuva420p" : "yuv420p",
    ];
    audio = ["-c:a", "libopus", "-b:a", "128k"];
  } else if (ext === "mov" && alpha) {
    // A fixed quantiser (-qscale:v 4, ~53 dB PSNR against the frames in) instead of
    // prores_ks's default rate search, which tries quantisers per slice: 10x faster
    // (76 against 8 fps at 720p on 2 cores) and 2.6x smaller, still visually lossless.
    video = [
      "-c:v",
      "prores_ks",
      "-profile:v",
      "4444",
      "-qscale:v",
      "4",
      "-pix_fmt",
      "yuva444p10le",
    ];
    audio = ["-c:a", "aac", "-b:a", "160k"];
  } else {
    video = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"];
    audio = ["-c:a", "aac", "-b:a", "160k"];
    if (width % 2 !== 0 || height % 2 !== 0) {
      const even = { width: width - (width % 2), height: height - (height % 2) };
      notes.push(
        `${width}x${height} cannot be written as H.264 in .${ext} (it needs even sizes): ` +
          `the output is cropped to ${even.width}x${even.height}`,
      );
      ({ width, height } = even);
      video = ["-vf", `crop=${width}:${height}:0:0`, ...video];
    }
  }
  const faststart = ext === "mp4" || ext === "mov" ? ["-movflags", "+faststart"] : [];
  if (options.audioFrom === undefined) {
    return {
      args: [...QUIET, ...inputs, "-map", "0:v", ...video, ...faststart, "-y", target],
      width,
      height,
      notes,
    };
  }
  const subtitles = subtitleArgs(ext, options.subtitles ?? [], notes);
  // Without subtitles, -shortest ends the file with the picture, whatever its length (a
  // truncated input included). With them, a known length bounds the padded audio; with no
  // length the audio is left as it is (never padded forever).
  const length = subtitles.maps.length === 0
    ? ["-af", "apad", "-shortest"]
    : options.durationSeconds !== undefined
    ? ["-af", `apad,atrim=end=${Number(options.durationSeconds.toFixed(6))}`]
    : [];
  return {
    args: [
      ...QUIET,
      ...inputs,
      "-i",
      options.audioFrom,
      "-map",
      "0:v",
      "-map",
      "1:a?",
      ...subtitles.maps,
      ...video,
      ...audio,
      ...subtitles.codecs,
      ...length,
      ...faststart,
      "-y",
      target,
    ],
    width,
    height,
    notes,
  };
}

/** Maps and codecs for the subtitle streams that fit `ext`; a note for those that do not. */
function subtitleArgs(
  ext: string,
  streams: readonly SubtitleStream[],
  notes: string[],
): { maps: string[]; codecs: string[] } {
  const maps: string[] = [];
  const codecs: string[] = [];
  const dropped: string[] = [];
  for (const stream of streams) {
    const text = isTextSubtitle(stream.codec);
    let codec: string | undefined;
    if (ext === "mkv") codec = stream.codec === "mov_text" ? "srt" : "copy";
    else if (ext === "mp4" || ext === "mov") codec = text ? "mov_text" : undefined;
    else if (ext === "webm") codec = text ? "webvtt" : undefined;
    if (codec === undefined) {
      dropped.push(stream.codec);
      continue;
    }
    codecs.push(`-c:s:${maps.length / 2}`, codec);
    maps.push("-map", `1:s:${stream.index}`);
  }
  if (dropped.length > 0) {
    notes.push(
      `${dropped.length} subtitle stream${dropped.length > 1 ? "s" : ""} (${
        [...new Set(dropped)].join(", ")
      }) cannot be carried in .${ext} and ${
        dropped.length > 1 ? "are" : "is"
      } dropped; write .mkv to keep ${dropped.length > 1 ? "them" : "it"}`,
    );
  }
  return { maps, codecs };
}
