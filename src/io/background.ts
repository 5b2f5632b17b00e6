/**
 * Replacement backgrounds, loaded one way for every command: an image is read once and
 * scaled to cover each frame size asked for; a video is decoded alongside, looped and
 * scaled to cover by ffmpeg.
 *
 * A video background advances either one frame per processed frame (`segcam video`:
 * the result is the same however fast the machine is) or in real time (`segcam live`:
 * the newest decoded frame, never waiting). Either way the first frame is awaited up
 * front with a deadline, so a file with a valid header and no pictures is one clear
 * error before any work instead of a decoder looping over nothing forever.
 */
import { InputError, InterruptedError } from "../errors.ts";
import { createFrame, type Frame } from "../frame.ts";
import { scaleCover } from "../kernels/scale_cover.ts";
import { decodeArgs } from "./ffmpeg_args.ts";
import { explainFfmpegFailure, FfmpegProcess } from "./ffmpeg_process.ts";
import { FrameReader } from "./frame_reader.ts";
import { imageFormatOf, readImage } from "./image_file.ts";
import { LatestFrameReader } from "./latest_frame_reader.ts";
import { liveInputArgs } from "./live_args.ts";

/** How long a background video may take to give its first frame. */
const FIRST_FRAME_MS = 10_000;

export interface Background {
  /** The background for the next frame, at the size the background was opened with. */
  frame(): Promise<Frame>;
  close(): Promise<void>;
}

/** An image scaled to cover any frame size; the last size is kept, so a run of same-sized frames scales once. */
export class ScaledImage {
  readonly source: Frame;
  #scaled?: Frame;

  constructor(source: Frame) {
    this.source = source;
  }

  at(width: number, height: number): Frame {
    if (this.#scaled?.width !== width || this.#scaled.height !== height) {
      this.#scaled = createFrame(width, height, 3);
      scaleCover(this.source, this.#scaled);
    }
    return this.#scaled;
  }
}

export function isImageBackground(path: string): boolean {
  return imageFormatOf(path) !== undefined;
}

/** Reads an image background (still images take only images). */
export async function readBackgroundImage(path: string): Promise<ScaledImage> {
  if (!isImageBackground(path)) {
    throw new InputError(
      `The background ${path} is not a PNG or JPEG image; still images take an image background (for a video background use segcam video or live)`,
    );
  }
  return new ScaledImage(await readImage(path));
}

export interface OpenBackgroundOptions {
  width: number;
  height: number;
  /** "each-frame": one video frame per call (video); "real-time": the newest (live). */
  pace: "each-frame" | "real-time";
  /**
   * The frame rate of the video the background goes behind: a background video is
   * resampled to it, so it plays at its own speed whatever its rate.
   */
  fps?: number | string;
  /** Aborting gives up waiting for the first frame (Ctrl-C while a bad file hangs). */
  signal?: AbortSignal;
  /**
   * Real time only: told once, in one line, when a video's decoder stops after its first
   * picture (the file damaged further on, ffmpeg killed); its last picture stays on.
   */
  onStopped?: (line: string) => void;
}

/** Opens an image or a looping video as a background of width x height. */
export async function openBackground(
  path: string,
  options: OpenBackgroundOptions,
): Promise<Background> {
  const { width, height } = options;
  if (isImageBackground(path)) {
    const frame = (await readBackgroundImage(path)).at(width, height);
    return { frame: () => Promise.resolve(frame), close: () => Promise.resolve() };
  }
  return options.pace === "each-frame"
    ? await openEachFrame(path, width, height, options.fps, options.signal)
    : await openRealTime(path, width, height, Number(options.fps ?? 30), options);
}

async function openEachFrame(
  path: string,
  width: number,
  height: number,
  fps: number | string | undefined,
  signal?: AbortSignal,
): Promise<Background> {
  const frame = createFrame(width, height, 3);
  const decoder = new FfmpegProcess(
    "ffmpeg",
    decodeArgs(path, {
      pixFmt: "rgb24",
      loop: true,
      cover: { width, height },
      fps: fps === undefined ? undefined : String(fps),
    }),
    { stdout: "piped" },
  );
  const reader = new FrameReader(decoder.child.stdout);
  const read = async () => {
    let more = false;
    try {
      more = await reader.read(frame.data);
    } catch { /* cut short: explained below */ }
    if (!more) throw await explainBackground(decoder, path);
    return frame;
  };
  await firstFrame(read(), decoder, path, signal);
  let first = true;
  return {
    frame: () => {
      if (first) {
        first = false;
        return Promise.resolve(frame);
      }
      return read();
    },
    close: async () => {
      await reader.cancel();
      await decoder.stop();
    },
  };
}

async function openRealTime(
  path: string,
  width: number,
  height: number,
  fps: number,
  { signal, onStopped }: OpenBackgroundOptions,
): Promise<Background> {
  const decoder = new FfmpegProcess(
    "ffmpeg",
    liveInputArgs({ kind: "file", path, loop: true }, { width, height, fps }),
    { stdout: "piped" },
  );
  const reader = new LatestFrameReader(decoder.child.stdout, width, height);
  const next = async () => {
    const item = await reader.next();
    if (item === undefined) throw await explainBackground(decoder, path);
    return item.frame;
  };
  const first = await firstFrame(next(), decoder, path, signal);
  let last = first;
  let closing = false;
  // A looping decoder never ends by itself: an end is a failure, said once, while the
  // last picture stays behind the person (a frozen background beats a stopped camera).
  reader.done.then(async () => {
    if (closing) return;
    const why = (await explainBackground(decoder, path)).message;
    if (!closing) onStopped?.(`${why}; the background stays on its last picture`);
  }, () => {});
  return {
    frame: () => Promise.resolve(last = reader.current() ?? last),
    close: async () => {
      closing = true;
      await reader.cancel();
      await decoder.stop();
    },
  };
}

/** Waits for the first frame; a decoder that gives none in time is stopped and explained. */
async function firstFrame(
  pending: Promise<Frame>,
  decoder: FfmpegProcess,
  path: string,
  signal?: AbortSignal,
): Promise<Frame> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new InterruptedError());
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new InputError(
          `The background ${path} gave no picture in ${
            FIRST_FRAME_MS / 1000
          } s: it has no video frames ffmpeg can decode, or it is damaged; pick another file`,
        ),
      );
    }, FIRST_FRAME_MS);
  });
  try {
    return await Promise.race([pending, deadline, aborted]);
  } catch (error) {
    await decoder.stop();
    throw error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

async function explainBackground(decoder: FfmpegProcess, path: string): Promise<Error> {
  await decoder.stop();
  const tail = await decoder.stderrTail();
  if (tail.length === 0) {
    return new InputError(
      `The background ${path} has no video frames; give an image or a video with pictures`,
    );
  }
  return explainFfmpegFailure(tail, "background", path);
}

/** What a background folder holds that `segcam live` can show: images and videos. */
const VIDEO_EXTENSIONS = /\.(mp4|mkv|webm|mov|avi|m4v|gif)$/i;

function isBackgroundFile(name: string): boolean {
  return isImageBackground(name) || VIDEO_EXTENSIONS.test(name);
}

/**
 * The files that `--background` arguments stand for, in order: a file is itself, a
 * folder its images and videos sorted by name (not its subfolders, nor hidden files).
 * A folder that cannot be read is an error naming it, never "no backgrounds".
 */
export async function backgroundFiles(specs: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const spec of specs) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(spec);
    } catch (error) {
      throw new InputError(`Cannot open the background ${spec}: ${(error as Error).message}`);
    }
    if (!info.isDirectory) {
      files.push(spec);
      continue;
    }
    const names: string[] = [];
    try {
      for await (const entry of Deno.readDir(spec)) {
        if (!entry.name.startsWith(".") && !entry.isDirectory && isBackgroundFile(entry.name)) {
          names.push(entry.name);
        }
      }
    } catch (error) {
      throw new InputError(
        `Cannot read the background folder ${spec}: ${(error as Error).message}`,
      );
    }
    files.push(...names.sort().map((name) => `${spec.replace(/\/+$/, "")}/${name}`));
  }
  return files;
}

/**
 * The backgrounds of a live run: the files the `--background` arguments stand for
 * (folders re-listed on `refresh()`, so new files join), of which one is open at a time
 * (a folder of videos must not run a decoder each). Switching opens the new one before
 * closing the old, so frames never wait; one that fails to open leaves the old one
 * showing, and the failure is returned for the user.
 */
export class BackgroundPlaylist {
  #specs: readonly string[];
  readonly #open: (path: string) => Promise<Background>;
  #files: string[] = [];
  #current?: { path: string; background: Background };

  constructor(specs: readonly string[], open: (path: string) => Promise<Background>) {
    this.#specs = specs;
    this.#open = open;
  }

  get files(): readonly string[] {
    return this.#files;
  }

  /** The file showing, if any. */
  get path(): string | undefined {
    return this.#current?.path;
  }

  /** Re-lists the folders; returns the index of the file showing in the new list (or 0). */
  async refresh(specs: readonly string[] = this.#specs): Promise<number> {
    const files = await backgroundFiles(specs);
    this.#specs = specs;
    this.#files = files;
    const index = this.#current ? files.indexOf(this.#current.path) : -1;
    return Math.max(0, index);
  }

  /**
   * Shows file `index` (re-opened when `reopen`, to pick up an edited file). Returns
   * undefined when it shows, else why it could not (the previous one stays).
   */
  async show(index: number, reopen = false): Promise<string | undefined> {
    const path = this.#files[index];
    if (path === undefined) return `there is no background ${index + 1}`;
    if (!reopen && this.#current?.path === path) return undefined;
    let background: Background;
    try {
      background = await this.#open(path);
    } catch (error) {
      const kept = this.#current ? `; still showing ${this.#current.path}` : "";
      return `${error instanceof Error ? error.message : String(error)}${kept}`;
    }
    const old = this.#current;
    this.#current = { path, background };
    await old?.background.close();
    return undefined;
  }

  /** The background for the next frame, or undefined before any opened. */
  frame(): Promise<Frame> | undefined {
    return this.#current?.background.frame();
  }

  async close(): Promise<void> {
    const current = this.#current;
    this.#current = undefined;
    await current?.background.close();
  }
}
