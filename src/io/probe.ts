/**
 * What ffprobe says about a video before segcam spends minutes on it: size, the constant
 * rate to decode and encode at, lengths of picture and sound, subtitles, and whether a
 * frame can be decoded at all. Everything wrong that can be known up front is an
 * InputError here, one line naming the file, what was seen and the fix.
 */
import { InputError } from "../errors.ts";
import type { SubtitleStream } from "./ffmpeg_args.ts";
import { explainFfmpegFailure, FfmpegProcess } from "./ffmpeg_process.ts";

export interface MediaInfo {
  /** Size of the decoded frames (after the rotation phones store as metadata). */
  width: number;
  height: number;
  /**
   * The constant rate to decode at (decodeArgs `fps`) and encode at, as ffmpeg writes it
   * ("30000/1001") and as a number. For a variable-rate video this is the rate its
   * timestamps are built on (r_frame_rate), so frame n is shown at n / fps, as before.
   */
  fps: string;
  fpsValue: number;
  /** Frames the decoder will hand out at `fps` (estimated from the duration when needed). */
  frames?: number;
  durationSeconds?: number;
  hasAudio: boolean;
  codec: string;
  /** What the video stream's header says, before rotation: for {@link noDecodableFrames}. */
  header: VideoHeader;
  /** The decoder's pixel format ("yuv420p", "yuvj422p", "rgb24"), when ffprobe says. */
  pixFmt?: string;
  /** Frames are not evenly spaced (screen recorders, phones): r_frame_rate ≠ avg_frame_rate. */
  isVariableRate: boolean;
  /** The average rate, frames / duration ("215/14" for 43 frames over 2.8 s). */
  averageFps: string;
  videoDuration?: number;
  /** Length of the first audio stream, when there is one and the container says. */
  audioDuration?: number;
  subtitles: SubtitleStream[];
  /** A still picture stream beside the video (cover art, thumbnail), never decoded as video. */
  attachedPicture?: { width: number; height: number; codec: string };
  /** One line each for the command to print once: what segcam will do about the file. */
  notes: string[];
}

/** A video stream's header as stored: coded size and the frames it declares, if any. */
export interface VideoHeader {
  codec: string;
  width: number;
  height: number;
  frames?: number;
}

/**
 * The one line for a video whose header promises frames the decoder cannot give (a file
 * cut before its media data): what the header says, and what to do.
 */
export function noDecodableFrames(
  path: string,
  header: VideoHeader,
  role: "input" | "background" = "input",
): InputError {
  return new InputError(
    `${path} has a ${header.width}x${header.height} ${header.codec} video header${
      header.frames !== undefined ? ` (${header.frames} frames declared)` : ""
    } but no frame can be decoded from it: the file is truncated or damaged; ` +
      `give ${role === "background" ? "another background" : "a complete file"}`,
  );
}

/**
 * The largest frame segcam takes: no side over 8192 and at most 8192x4320 pixels
 * (35.4 MP, the largest frame of H.264 level 6.2, what segcam writes by default). A
 * frame costs segcam about 20 bytes a pixel (RGB in and out, background, float mask and
 * its refinement), 700 MB at this size before ffmpeg's own buffers; a 20000x20000 frame
 * would need 8 GB and fail after minutes.
 */
export const MAX_FRAME_SIDE = 8192;
export const MAX_FRAME_PIXELS = 8192 * 4320;

/** Why a width x height frame is refused, or undefined when it fits the limits above. */
export function frameSizeProblem(width: number, height: number): string | undefined {
  if (width > MAX_FRAME_SIDE || height > MAX_FRAME_SIDE || width * height > MAX_FRAME_PIXELS) {
    return `frames over ${MAX_FRAME_SIDE} pixels a side or over 8192x4320 (35.4 megapixels) ` +
      `are not supported`;
  }
  return undefined;
}

/** A variable-rate video is resampled to r_frame_rate when it is at most this (fps). */
const MAX_RESAMPLE_FPS = 60;
/** r_frame_rate and avg_frame_rate further apart than this (relative) mean variable rate. */
const VARIABLE_RATE_TOLERANCE = 0.01;
/** Audio shorter than the picture by more than this (s) is worth a note. */
const AUDIO_SHORT_NOTE_S = 0.1;
/** Video packets decoded to prove a frame comes out: a few, past a leading broken GOP. */
const FRAME_CHECK_PACKETS = 30;
/** An ffprobe that has not answered by then is stuck (a pipe, a dead network share). */
export const PROBE_TIMEOUT_MS = 20_000;

export interface ProbeOptions {
  /** Whose file it is, for messages: the input or the replace background. */
  role?: "input" | "background";
  timeoutMs?: number;
  /**
   * Decode the first packets to prove a frame comes out (default true). A looping
   * background needs it: a header without frames would make its decoder spin forever.
   * `segcam video`'s input is decoded once, so its decoder's own empty end tells the
   * same, after the run ({@link noDecodableFrames}), and the check's ffprobe (0.25 s of
   * a 4 s clip's run, 0.1 s of it in the decode) is not paid up front.
   */
  checkDecodable?: boolean;
  /** The same probe of `path`, already under way ({@link EarlyProbe}): its answer is used. */
  early?: EarlyProbe;
}

/** The streams and format query probeMedia asks ffprobe. */
const MEDIA_QUERY = ["-show_streams", "-show_format"];

/**
 * probeMedia's ffprobe of an input, started before it is asked for: `segcam video` starts
 * it while the modules of its work load (0.1 s; ffprobe itself takes 0.15 s, most of it
 * linking its libraries), and probeMedia then takes its answer. Only a regular file is
 * probed early: a FIFO or a device would be read by the probe, which probeMedia refuses
 * to do. Its errors are told only when probeMedia takes it, after the checks before it.
 */
export class EarlyProbe {
  readonly path: string;
  /** ffprobe's JSON; undefined when the path is not a regular file (left to probeMedia). */
  readonly #answer: Promise<unknown>;
  #process?: FfmpegProcess;
  #taken = false;

  constructor(path: string, timeoutMs = PROBE_TIMEOUT_MS) {
    this.path = path;
    this.#answer = Deno.stat(path).then(
      (info) =>
        info.isFile
          ? ffprobeJson(path, MEDIA_QUERY, "input", timeoutMs, (p) => this.#process = p)
          : undefined,
      () => undefined,
    );
    this.#answer.catch(() => {}); // told by probeMedia, or by nobody
    this.settled = this.#answer.then(() => {}, () => {});
  }

  /** Resolves once ffprobe has answered (or was never started), whatever it said. */
  readonly settled: Promise<void>;

  /** The answer for `path` and `role` (once), or undefined when it is not this probe's. */
  take(path: string, role: "input" | "background"): Promise<unknown> | undefined {
    if (this.#taken || path !== this.path || role !== "input") return undefined;
    this.#taken = true;
    return this.#answer;
  }

  /** Ends a probe nobody took (a slow one would hold an error's exit), so none outlives its command. */
  async dispose(): Promise<void> {
    if (!this.#taken) await this.#process?.stop({ discard: true });
    this.#taken = true;
    await this.#answer.catch(() => {});
  }
}

export async function probeMedia(path: string, options: ProbeOptions = {}): Promise<MediaInfo> {
  const role = options.role ?? "input";
  const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS;
  // A FIFO or a device is read once, by the probe, and would leave nothing for the
  // decoder (a FIFO without a writer hangs ffprobe until its timeout): say what it is.
  const kind = await Deno.stat(path).then(
    (info) =>
      info.isDirectory
        ? "a folder"
        : info.isFile
        ? undefined
        : "not a regular file (a device, FIFO or socket)",
    () => undefined,
  );
  if (kind !== undefined) {
    throw new InputError(
      `Cannot read ${path}: it is ${kind}; give ${
        role === "background" ? "a background" : "a video"
      } file`,
    );
  }
  // The two probes run side by side (each is ~0.15 s of ffprobe starting up); should the
  // first refuse the file, its error is the one told and the second's is dropped.
  const decoding = options.checkDecodable === false
    ? undefined
    : decodableFrames(path, role, timeoutMs);
  decoding?.catch(() => {});
  const early = await options.early?.take(path, role);
  // deno-lint-ignore no-explicit-any
  const json: any = early ?? await ffprobeJson(path, MEDIA_QUERY, role, timeoutMs);
  // deno-lint-ignore no-explicit-any
  const streams: any[] = json.streams ?? [];
  const isPicture = (s: { disposition?: { attached_pic?: number } }) =>
    s.disposition?.attached_pic === 1;
  const video = streams.find((s) => s.codec_type === "video" && !isPicture(s));
  const picture = streams.find((s) => s.codec_type === "video" && isPicture(s));
  if (!video || !video.width || !video.height) {
    if (picture) {
      throw new InputError(
        `${path} has no video, only a still picture (cover art, ${picture.width}x${picture.height} ` +
          `${picture.codec_name}); to use the picture, extract it (ffmpeg -i ${path} -an -c:v copy ` +
          `cover.${picture.codec_name === "png" ? "png" : "jpg"}) and run segcam image on it`,
      );
    }
    throw new InputError(`${path} has no video stream; give a video file (mp4, mkv, mov, webm)`);
  }
  // Phone videos store rotation as metadata; ffmpeg rotates while decoding, so swap.
  const rotation = Math.abs(
    Number(
      video.tags?.rotate ??
        video.side_data_list?.find((d: { rotation?: number }) => d.rotation !== undefined)
          ?.rotation ??
        0,
    ),
  );
  const swap = rotation === 90 || rotation === 270;
  const width: number = swap ? video.height : video.width;
  const height: number = swap ? video.width : video.height;
  const sizeProblem = frameSizeProblem(width, height);
  if (sizeProblem) {
    throw new InputError(
      `${path} is ${width}x${height}: ${sizeProblem}; scale it down first ` +
        `(ffmpeg -i ${path} -vf scale=3840:-2 smaller.mp4)`,
    );
  }

  const notes: string[] = [];
  const rate = chooseRate(String(video.r_frame_rate ?? "0/0"), String(video.avg_frame_rate ?? ""));
  if (rate === undefined) {
    throw new InputError(`${path}: ffprobe reports no frame rate for its video; it is damaged`);
  }
  if (rate.variable) {
    notes.push(
      `${path} has a variable frame rate (${
        rateValue(rate.average).toFixed(2)
      } fps on average); it is converted to a constant ${
        formatRate(rate.fps)
      } fps, keeping its timing and audio sync`,
    );
  }
  const fpsValue = rateValue(rate.fps);
  const formatDuration = positive(json.format?.duration);
  const videoDuration = positive(video.duration) ?? formatDuration;
  const audio = streams.find((s) => s.codec_type === "audio");
  const audioDuration = audio ? positive(audio.duration) : undefined;
  if (
    audioDuration !== undefined && videoDuration !== undefined &&
    videoDuration - audioDuration > AUDIO_SHORT_NOTE_S
  ) {
    notes.push(
      `the audio of ${path} (${audioDuration.toFixed(1)} s) is shorter than its picture ` +
        `(${videoDuration.toFixed(1)} s); it is padded with silence`,
    );
  }
  const declared = Number(video.nb_frames);
  // A variable-rate file declares fewer frames than the decoder hands out at `fps`; and
  // a VFR stream's own duration may stop at the last frame's start, so take the longest.
  const frames = !rate.variable && Number.isFinite(declared) && declared > 0
    ? declared
    : videoDuration !== undefined
    ? Math.round(Math.max(videoDuration, formatDuration ?? 0) * fpsValue)
    : undefined;

  const subtitles: SubtitleStream[] = streams
    .filter((s) => s.codec_type === "subtitle")
    .map((s, index) => ({
      index,
      codec: String(s.codec_name ?? "unknown"),
      ...(s.tags?.language ? { language: String(s.tags.language) } : {}),
    }));

  const header = {
    codec: video.codec_name ?? "unknown",
    width: Number(video.width),
    height: Number(video.height),
    ...(Number.isFinite(declared) && declared > 0 ? { frames: declared } : {}),
  };
  if (decoding !== undefined && await decoding === 0) throw noDecodableFrames(path, header, role);

  return {
    width,
    height,
    fps: rate.fps,
    fpsValue,
    frames,
    durationSeconds: videoDuration,
    hasAudio: audio !== undefined,
    codec: header.codec,
    header,
    ...(typeof video.pix_fmt === "string" ? { pixFmt: video.pix_fmt } : {}),
    isVariableRate: rate.variable,
    averageFps: rate.average,
    videoDuration,
    audioDuration,
    subtitles,
    ...(picture
      ? {
        attachedPicture: {
          width: picture.width,
          height: picture.height,
          codec: String(picture.codec_name),
        },
      }
      : {}),
    notes,
  };
}

/**
 * The constant rate to decode and encode at. A constant-rate video keeps its average
 * rate. A variable-rate one is resampled to r_frame_rate, the rate all its timestamps are
 * multiples of, so no frame moves; when that is implausibly high (90000 from a
 * millisecond time base), to the average rate instead, which keeps the duration.
 */
export function chooseRate(
  rFrameRate: string,
  avgFrameRate: string,
): { fps: string; average: string; variable: boolean } | undefined {
  const r = rateValue(rFrameRate);
  const avg = rateValue(avgFrameRate);
  if (!(avg > 0) && !(r > 0)) return undefined;
  if (!(avg > 0)) return { fps: rFrameRate, average: rFrameRate, variable: false };
  if (!(r > 0)) return { fps: avgFrameRate, average: avgFrameRate, variable: false };
  const variable = Math.abs(r - avg) / r > VARIABLE_RATE_TOLERANCE;
  if (!variable) return { fps: avgFrameRate, average: avgFrameRate, variable };
  return {
    fps: r <= MAX_RESAMPLE_FPS ? rFrameRate : avgFrameRate,
    average: avgFrameRate,
    variable,
  };
}

/** "30000/1001" → 29.97; "25" → 25; anything else → NaN. */
export function rateValue(rate: string): number {
  const [num, den] = rate.split("/").map(Number);
  if (den === undefined) return num;
  return den ? num / den : NaN;
}

function formatRate(rate: string): string {
  const value = rateValue(rate);
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

function positive(value: unknown): number | undefined {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * Frames decoded from the first few video packets: 0 for a file whose header promises
 * frames that are not there (cut before its media data), which would otherwise make a
 * looping decoder spin forever without output.
 */
async function decodableFrames(
  path: string,
  role: "input" | "background",
  timeoutMs: number,
): Promise<number> {
  // deno-lint-ignore no-explicit-any
  const json: any = await ffprobeJson(
    path,
    [
      "-select_streams",
      "V:0",
      "-count_frames",
      "-read_intervals",
      `%+#${FRAME_CHECK_PACKETS}`,
      "-show_entries",
      "stream=nb_read_frames",
    ],
    role,
    timeoutMs,
  );
  const n = Number(json.streams?.[0]?.nb_read_frames);
  return Number.isFinite(n) ? n : 0;
}

async function ffprobeJson(
  path: string,
  query: string[],
  role: "input" | "background",
  timeoutMs: number,
  started?: (process: FfmpegProcess) => void,
): Promise<unknown> {
  const process = new FfmpegProcess("ffprobe", [
    "-v",
    "error",
    "-print_format",
    "json",
    ...query,
    path,
  ], { stdout: "piped" });
  started?.(process);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void process.stop({ discard: true });
  }, timeoutMs);
  try {
    const text = await new Response(process.child.stdout).text();
    const status = await process.status;
    if (timedOut) {
      throw new InputError(
        `Cannot read ${path}: ffprobe gave no answer within ${timeoutMs / 1000} s`,
      );
    }
    if (!status.success) {
      throw explainFfmpegFailure(await process.stderrTail(), role, path, "ffprobe");
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new InputError(`Cannot read ${path}: ffprobe gave no usable answer`);
    }
  } finally {
    clearTimeout(timer);
  }
}
