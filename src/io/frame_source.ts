/**
 * Frame sources for the engine (src/pipeline/engine.ts), each an ffmpeg decoder behind
 * the engine's FrameSource interface:
 *
 * - {@link FileSource}: every frame of a video file in order (`segcam video`); nothing
 *   is dropped, the encoder waits for us.
 * - {@link LiveSource}: the newest frame of a camera, stream, file or the demo in real
 *   time (`segcam live`); stale frames are dropped. It owns the reconnect policy: a
 *   camera that goes away (unplugged, taken by another program) is reopened with
 *   back-off; one that never gave a frame is reported at once. It can be paused (no
 *   process, no CPU) while nobody watches the virtual camera.
 *
 * Both end the same way on a frame cut short: the partial frame is not handed out and
 * `truncated` is set.
 */
import { InputError } from "../errors.ts";
import { createFrame, type Frame } from "../frame.ts";
import type { FrameSource, SourceFrame } from "../pipeline/engine.ts";
import { explainFfmpegFailure, FfmpegProcess } from "./ffmpeg_process.ts";
import { FrameReader, type YuvInput, yuvPictureOf, yuvPipeBytes } from "./frame_reader.ts";
import { LatestFrameReader } from "./latest_frame_reader.ts";
import { type LiveFormat, type LiveInput, liveInputArgs } from "./live_args.ts";

/**
 * Every frame of a decoder's raw output, in order: rgb24, or planar YUV converted here
 * with `yuv` (the decoder must then be asked for its format: decodeArgs' pixFmt).
 */
export class FileSource implements FrameSource {
  readonly width: number;
  readonly height: number;
  readonly #process: FfmpegProcess;
  readonly #reader: FrameReader;
  readonly #frame: Frame;
  /** What the reader fills: the frame's pixels, or a yuv420p picture with `yuv`. */
  readonly #buffer: Uint8Array;
  readonly #yuv?: YuvInput;
  readonly #now: () => number;
  received = 0;
  readonly dropped = 0;
  /** The stream ended inside a frame (a damaged or cut file). */
  truncated = false;
  /** Handed out by every next() call (the engine reads it before asking again). */
  readonly #item: SourceFrame;
  /** With a deferring `yuv`: the frame holds the last picture read. */
  #converted = false;

  constructor(
    args: string[],
    width: number,
    height: number,
    now: () => number = () => performance.now(),
    allocate: (width: number, height: number, channels: 3) => Frame = createFrame,
    yuv?: YuvInput,
  ) {
    this.width = width;
    this.height = height;
    this.#frame = allocate(width, height, 3);
    this.#yuv = yuv;
    this.#buffer = yuv ? yuv.plane(yuvPipeBytes(yuv.format, width, height)) : this.#frame.data;
    this.#item = { frame: this.#frame, capturedAt: 0 };
    if (yuv?.deferRgb) {
      // The picture as read; RGB only when the engine asks (a frame that stays planar
      // to the output is never converted).
      this.#item.yuv = yuvPictureOf(yuv.format, this.#buffer, width, height);
      this.#item.toRgb = () => {
        if (this.#converted) return;
        yuv.toRgb(this.#buffer, this.#frame);
        this.#converted = true;
      };
    }
    this.#process = new FfmpegProcess("ffmpeg", args, { stdout: "piped" });
    this.#reader = new FrameReader(this.#process.child.stdout);
    this.#now = now;
  }

  get process(): FfmpegProcess {
    return this.#process;
  }

  async next(): Promise<SourceFrame | undefined> {
    try {
      if (!await this.#reader.read(this.#buffer)) return undefined;
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      this.truncated = true;
      return undefined;
    }
    if (this.#item.toRgb !== undefined) this.#converted = false;
    else this.#yuv?.toRgb(this.#buffer, this.#frame);
    this.received++;
    this.#item.capturedAt = this.#now();
    return this.#item;
  }

  async close(): Promise<void> {
    await this.#reader.cancel();
    await this.#process.stop();
  }
}

/** Back-off between attempts to reopen a camera that went away. */
export const RECONNECT_MS = [1000, 2000, 4000, 8000] as const;

export interface LiveSourceOptions {
  /** Says what is happening ("camera lost …; reconnecting"), for the panel. */
  onMessage?: (message: string) => void;
  /** Aborting ends next() with undefined (and any back-off wait). */
  signal?: AbortSignal;
  now?: () => number;
  /** Waits between reconnect attempts (tests skip the wait). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Where the frames live (the kernels' arena, so the frame loop works in place). */
  allocate?: (width: number, height: number, channels: 3) => Frame;
  /** How a decoder is started: tests replace ffmpeg here. */
  spawn?: (args: string[]) => { process: FfmpegProcess; stream: ReadableStream<Uint8Array> };
  /**
   * Take the input as planar YUV and convert it here (fewer pipe bytes, no RGB
   * conversion in ffmpeg); unset: rgb24 from ffmpeg.
   */
  yuv?: YuvInput;
}

/** The newest frame of a live input, with reconnects for cameras and pausing. */
export class LiveSource implements FrameSource {
  readonly width: number;
  readonly height: number;
  readonly #input: LiveInput;
  readonly #args: string[];
  readonly #options: LiveSourceOptions;
  #current?: { process: FfmpegProcess; reader: LatestFrameReader };
  #receivedBefore = 0;
  #droppedBefore = 0;
  #delivered = 0;
  #attempt = 0;
  #paused = false;
  #resume?: () => void;
  truncated = false;
  /**
   * The input stopped before its end: its decoder died (killed, crashed) after giving
   * frames. next() then ends like at the end of the input, so that what was recorded
   * is finished and kept; the command reports this afterwards and fails.
   */
  failure?: InputError;
  /** Lines the file's decoder wrote at -loglevel error: each is a decoding error. */
  decodeErrors = 0;
  /** Handed out by every next() call (the engine reads it before asking again). */
  readonly #item: SourceFrame = {
    frame: undefined as unknown as Frame,
    capturedAt: 0,
    timestamp: undefined,
  };
  /** A file's frames are on a constant-rate timeline (the decoder's fps filter). */
  readonly #msPerFrame: number | undefined;
  #closed = false;

  constructor(input: LiveInput, format: LiveFormat, options: LiveSourceOptions = {}) {
    this.width = format.width;
    this.height = format.height;
    this.#msPerFrame = input.kind === "file" ? 1000 / format.fps : undefined;
    this.#input = input;
    this.#args = liveInputArgs(input, format, options.yuv?.format ?? "rgb24");
    this.#options = options;
  }

  get received(): number {
    return this.#receivedBefore + (this.#current?.reader.received ?? 0);
  }

  get dropped(): number {
    return this.#droppedBefore + (this.#current?.reader.dropped ?? 0);
  }

  get paused(): boolean {
    return this.#paused;
  }

  /**
   * Stops reading the input (the camera's light goes off, no CPU is used) until
   * resume(); next() waits meanwhile.
   */
  async pause(): Promise<void> {
    this.#paused = true;
    await this.#close();
  }

  resume(): void {
    this.#paused = false;
    this.#resume?.();
  }

  async next(): Promise<SourceFrame | undefined> {
    const signal = this.#options.signal;
    while (!signal?.aborted) {
      if (this.#paused) {
        await new Promise<void>((resolve) => {
          this.#resume = resolve;
          signal?.addEventListener("abort", () => resolve(), { once: true });
        });
        this.#resume = undefined;
        continue;
      }
      const current = this.#current ?? this.#open();
      const item = await current.reader.next();
      if (item !== undefined) {
        this.#delivered++;
        if (this.#attempt > 0) this.#options.onMessage?.(""); // reconnected: the notice goes
        this.#attempt = 0;
        this.#item.frame = item.frame;
        this.#item.yuv = item.yuv;
        this.#item.toRgb = item.toRgb;
        this.#item.capturedAt = item.arrivedAt;
        if (this.#msPerFrame !== undefined) this.#item.timestamp = item.sequence * this.#msPerFrame;
        return this.#item;
      }
      if (this.#paused) continue; // ended because pause() stopped it
      if (this.#closed || signal?.aborted) return undefined; // we stopped it
      if (current.reader.truncated) this.truncated = true;
      await this.#close();
      const status = await current.process.status;
      const tail = await current.process.stderrTail();
      if (this.#input.kind !== "camera") {
        const what = describeLiveInput(this.#input);
        if (!status.success && this.#delivered === 0) {
          throw explainFfmpegFailure(tail, "input", what);
        }
        this.decodeErrors += current.process.stderrLineCount ?? 0;
        if (!status.success) {
          const how = status.signal
            ? `killed by ${status.signal}`
            : (tail.at(-1) ?? `exit code ${status.code}`);
          this.failure = new InputError(
            `The decoder reading ${what} stopped (${how}) after ${this.received} frames, before the input ended`,
          );
        }
        return undefined; // a file or stream that ended: done
      }
      // A camera that went away: try again. One that never gave a frame is not coming
      // back by itself: say why at once.
      if (this.#delivered === 0 || this.#attempt >= RECONNECT_MS.length) {
        throw explainFfmpegFailure(tail, "input", describeLiveInput(this.#input));
      }
      this.#options.onMessage?.(`camera lost (${tail.at(-1) ?? "no frames"}); reconnecting…`);
      await (this.#options.sleep ?? sleep)(RECONNECT_MS[this.#attempt++], signal);
    }
    return undefined;
  }

  #open(): { process: FfmpegProcess; reader: LatestFrameReader } {
    const spawned = this.#options.spawn?.(this.#args) ?? (() => {
      const process = new FfmpegProcess("ffmpeg", this.#args, { stdout: "piped" });
      return { process, stream: process.child.stdout };
    })();
    const reader = new LatestFrameReader(
      spawned.stream,
      this.width,
      this.height,
      this.#options.now,
      this.#options.allocate,
      this.#options.yuv,
    );
    this.#current = { process: spawned.process, reader };
    return this.#current;
  }

  async #close(): Promise<void> {
    const current = this.#current;
    if (current === undefined) return;
    this.#current = undefined;
    this.#receivedBefore += current.reader.received;
    this.#droppedBefore += current.reader.dropped;
    await current.reader.cancel();
    await current.process.stop();
  }

  close(): Promise<void> {
    this.#closed = true;
    return this.#close();
  }
}

export function describeLiveInput(input: LiveInput): string {
  switch (input.kind) {
    case "camera":
      return `camera ${input.device}`;
    case "file":
      return `${input.path}${input.loop ? " (looped)" : ""}`;
    case "url":
      return input.url;
    case "demo":
      return "demo (the sample photo, moving)";
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
