/**
 * Frame sinks for the engine: an ffmpeg encoder (a file, a stream, a virtual camera)
 * or our own stdout. Each explains its failures in one sentence: an encoder that dies
 * is described from its stderr (disk full, device busy, …, else "the encoder failed"
 * with its last line or the signal that killed it); a reader of our stdout that goes
 * away is named as such.
 *
 * A sink given a {@link CfrPacer} keeps real time: each frame is written as many times
 * as the constant-rate timeline needs (see cfr_pacer.ts).
 */
import { OutputError } from "../errors.ts";
import type { Frame } from "../frame.ts";
import type { CfrPacer } from "../pipeline/cfr_pacer.ts";
import type { FrameSink } from "../pipeline/engine.ts";
import { defaultKernels, type KernelSet } from "../kernels/kernel_set.ts";
import { isYuvPicture, type YuvPicture } from "../kernels/yuv_picture.ts";
import { NULL_OUTPUT } from "./ffmpeg_args.ts";
import { rawFrameBytes, type RawOutputFormat } from "./live_args.ts";
import { explainFfmpegFailure, FfmpegProcess, isUnexplained } from "./ffmpeg_process.ts";
import { readableFrames } from "./partial_recording.ts";

export interface SinkOptions {
  channels: 3 | 4;
  /** Names the output in messages ("out.mp4", "/dev/video10 (yuyv422)"). */
  label: string;
  /** Repeat or skip frames so that the output keeps real time (recordings, streams). */
  pacer?: CfrPacer;
  /**
   * The output is a file to keep: an encoder that stopped taking frames and had to be
   * ended is then a failure (its file is not complete), not just a stream let go.
   */
  recording?: boolean;
  /**
   * Hands the encoder the frames in another raw format (yuv420p when that is what it
   * encodes: half the pipe bytes of rgb24 and no swscale conversion in ffmpeg); its args
   * must say the same format. Unset: the frame's own bytes (rgb24 or rgba).
   */
  converter?: RawFrameConverter;
}

/** Raw frames into an ffmpeg process's stdin. */
export class FfmpegSink implements FrameSink {
  readonly channels: 3 | 4;
  readonly process: FfmpegProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #label: string;
  readonly #pacer?: CfrPacer;
  readonly #recording: boolean;
  readonly #converter?: RawFrameConverter;
  /** Frames handed to ffmpeg (with repeats). */
  frames = 0;
  /** A write is in flight: ffmpeg has not taken the last frame (yet, or ever). */
  #writing = false;
  /** The write in flight, to tell one that is slow from one that never ends. */
  #inFlight: Promise<unknown> = Promise.resolve();

  constructor(args: string[], options: SinkOptions) {
    this.channels = options.channels;
    this.#label = options.label;
    this.#pacer = options.pacer;
    this.#recording = options.recording ?? false;
    this.#converter = options.converter;
    this.process = new FfmpegProcess("ffmpeg", args, { stdin: "piped" });
    this.#writer = this.process.child.stdin.getWriter();
  }

  /** Planar pictures are taken when the encoder is fed YUV (see FrameSink.planar). */
  get planar(): boolean {
    return this.#converter?.planar ?? false;
  }

  async write(frame: Frame | YuvPicture, at: number, room?: number): Promise<number> {
    const times = this.#pacer ? this.#pacer.repeats(at, room) : 1;
    // Converted once for all repeats; each write is awaited before the buffer is reused.
    const bytes = times > 0 && this.#converter ? this.#converter.convert(frame) : frame.data;
    for (let i = 0; i < times; i++) {
      this.#writing = true;
      try {
        await (this.#inFlight = this.#writer.write(bytes));
      } catch (error) {
        throw await this.#explain(error);
      } finally {
        this.#writing = false;
      }
      this.frames++;
    }
    return times;
  }

  /**
   * Closes ffmpeg's input and waits for it to finish the output; throws why it failed.
   * ffmpeg's status is not enough: a disk that fills while it writes the index gives
   * "Error writing trailer of …: No space left on device" and exit 0, over a file that
   * no player opens. So its words count too, and given `file` (the file it wrote), the
   * file is opened and its frames counted before it is called written.
   *
   * When the last write never completed (an SRT output nobody connected to, a stream
   * that stalled) the run was stopped while waiting on it: closing the input would wait
   * behind that write forever, so ffmpeg is ended at once instead and, since nothing
   * was waiting for its output, that is no failure — unless the output is a recording,
   * which an encoder ended that way did not finish.
   */
  async finish(file?: string): Promise<void> {
    if (this.#writing && !await this.#settles(this.#recording ? 2000 : 500)) {
      await this.process.stop({ urgent: true });
      if (this.#recording) {
        throw new OutputError(
          `The encoder writing ${this.#label} stopped taking frames and had to be ended`,
        );
      }
      return;
    }
    await this.#writer.close().catch(() => {});
    if (!this.#recording && !await settlesWithin(this.process.status, STREAM_EXIT_MS)) {
      // An SRT listener nobody connected to (yet, or again) took the frames into its
      // pipe but waits for a receiver before reading them: it has nothing to finish and
      // would wait forever. Ended, which is no failure for a stream.
      await this.process.stop({ urgent: true });
      return;
    }
    const status = await this.process.status;
    const tail = await this.process.stderrTail();
    if (!status.success) throw await this.#failure();
    if (tail.some((line) => FINISH_FAILED.test(line))) {
      throw explainFfmpegFailure(tail, "output", this.#label);
    }
    if (file !== undefined) await verifyWritten(file, this.frames, this.#label);
  }

  /**
   * Whether the write in flight completes within `ms`: an encoder starting up (x264
   * allocating, a 720p frame still in the pipe) takes a frame late; one that waits for
   * a receiver never does. A file's encoder gets longer: ending it loses the recording.
   */
  #settles(ms: number): Promise<boolean> {
    return settlesWithin(this.#inFlight, ms);
  }

  /** Ends ffmpeg whatever state it is in (errors, interruptions). */
  async abort(): Promise<void> {
    if (this.process.exited) return;
    // Our writer holds ffmpeg's stdin: release it by closing, unless a write is stuck.
    if (!this.#writing) await this.#writer.close().catch(() => {});
    await this.process.stop({ urgent: this.#writing });
  }

  async #explain(error: unknown): Promise<Error> {
    return await this.#failure(error);
  }

  /**
   * Why the encoder failed, from its last words: a full disk or a missing device by
   * name, else "the encoder failed" with its last line, or how it ended when it said
   * nothing (killed by a signal).
   */
  async #failure(cause?: unknown): Promise<Error> {
    const status = await this.process.status;
    const tail = await this.process.stderrTail();
    const ending = status.signal ? `killed by ${status.signal}` : `exit code ${status.code}`;
    const explained = explainFfmpegFailure(tail, "output", this.#label);
    if (tail.length > 0 && !isUnexplained(explained)) return explained;
    return new OutputError(
      `The encoder writing ${this.#label} failed (${
        tail.at(-1) ?? ending
      }); nothing more could be written`,
      { cause },
    );
  }
}

/** Whether `promise` settles (resolves or rejects) within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const settled = await Promise.race([
    promise.then(() => true, () => true),
    new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), ms)),
  ]);
  clearTimeout(timer);
  return settled;
}

/**
 * How long a stream's ffmpeg gets to end after its input closes: a UDP or RTMP output
 * ends at once; one that has not ended by then is waiting for a receiver.
 */
const STREAM_EXIT_MS = 2000;

/** What ffmpeg says when it could not finish a file although it exits 0. */
const FINISH_FAILED = /Error writing trailer|Error closing file|No space left on device/i;

/**
 * Checks that a finished video file opens and holds at least `frames` video frames
 * (packets, counted without decoding: a second for an hour of video). Throws
 * OutputError naming `label` otherwise: the file is not what was written.
 */
export async function verifyWritten(file: string, frames: number, label: string): Promise<void> {
  if (file === NULL_OUTPUT) return; // thrown away on purpose: nothing to open
  if (frames === 0) {
    // Stopped before the first frame: there is no video to keep, whatever the disk.
    throw new OutputError(
      `Nothing was recorded to ${label}: it stopped before the first frame, so no file was kept`,
    );
  }
  // 0 also when ffprobe cannot open it at all: a file with frames written always has some.
  const found = await readableFrames(file);
  if (found === 0) {
    throw new OutputError(
      `Cannot finish ${label}: the written file does not open (the disk may be full); free some space and run again`,
    );
  }
  if (found < frames) {
    throw new OutputError(
      `Cannot finish ${label}: it holds ${found} of the ${frames} frames written (the disk may be full); free some space and run again`,
    );
  }
}

/**
 * What a RawFrameConverter writes: a raw output format, or yuva420p (yuv420p, then the
 * alpha plane), the alpha outputs' encoder input.
 */
export type ConverterFormat = RawOutputFormat | "yuva420p";

function converterFrameBytes(format: ConverterFormat, width: number, height: number): number {
  return format === "yuva420p"
    ? rawFrameBytes("yuv420p", width, height) + width * height
    : rawFrameBytes(format, width, height);
}

/**
 * Converts frames into a raw output format, reusing one buffer: exactly the bytes a
 * v4l2loopback device set to that format takes (`-o - --pix-fmt yuyv422` is what
 * `/dev/videoN` would get). rgb24 is the frame itself; yuva420p, an alpha encoder's
 * input, is yuv420p then the alpha plane (255 for a frame or picture without alpha).
 */
export class RawFrameConverter {
  readonly format: ConverterFormat;
  /** Default: the process's kernels, taken at the first conversion (rgb24 needs none). */
  #kernels?: ConverterKernels;
  #buffer?: Uint8Array;

  constructor(format: ConverterFormat, kernels?: ConverterKernels) {
    this.format = format;
    this.#kernels = kernels;
  }

  /** Whether convert() takes planar YUV pictures too (a YUV format: packed from the planes). */
  get planar(): boolean {
    return this.format !== "rgb24";
  }

  /** The frame's bytes in the format; valid until the next call. */
  convert(frame: Frame | YuvPicture): Uint8Array {
    if (isYuvPicture(frame)) return this.#fromPlanes(frame);
    if (this.format === "rgb24" && frame.channels === 3) return frame.data;
    const out = this.#out(frame.width, frame.height);
    const kernels = this.#kernels!;
    switch (this.format) {
      case "yuyv422":
        kernels.rgbToYuyv422(frame, out);
        break;
      case "yuv420p":
        kernels.rgbToYuv420p(frame, out);
        break;
      case "yuva420p":
        kernels.rgbToYuv420p(frame, this.#colour(out, frame.width, frame.height));
        this.#alphaOf(frame, out);
        break;
      case "rgb24":
        for (let i = 0, p = 0; p < out.length; i += 4, p += 3) {
          out[p] = frame.data[i];
          out[p + 1] = frame.data[i + 1];
          out[p + 2] = frame.data[i + 2];
        }
    }
    return out;
  }

  /**
   * A planar picture packed into the format: limited-range yuv420p as it is (no copy),
   * else through yuvToYuv420p or yuvToYuyv422 (range and chroma layout mapped).
   */
  #fromPlanes(picture: YuvPicture): Uint8Array {
    if (this.format === "rgb24") {
      throw new RangeError("rgb24 output: planar YUV pictures go to YUV outputs only");
    }
    const as420 = picture.layout === "420" && !picture.fullRange;
    if (this.format === "yuv420p" && as420) return picture.data;
    const { width, height } = picture;
    const out = this.#out(width, height);
    if (this.format === "yuva420p") {
      // The planes as they are (or mapped to limited 4:2:0), then the alpha plane.
      const colour = this.#colour(out, width, height);
      if (as420) colour.set(picture.data);
      else this.#kernels!.yuvToYuv420p(picture, colour);
      if (picture.alpha) out.set(picture.alpha, colour.length);
      else out.fill(255, colour.length);
    } else if (this.format === "yuv420p") this.#kernels!.yuvToYuv420p(picture, out);
    else this.#kernels!.yuvToYuyv422(picture, out);
    return out;
  }

  /** The yuv420p part of a yuva420p buffer (made with the buffer: no view per frame). */
  #colour(out: Uint8Array, width: number, height: number): Uint8Array {
    let view = this.#colourView;
    if (
      view?.buffer !== out.buffer || view.byteOffset !== out.byteOffset ||
      view.length !== out.length - width * height
    ) {
      view = this.#colourView = out.subarray(0, out.length - width * height);
    }
    return view;
  }
  #colourView?: Uint8Array;

  /** A frame's alpha (255 for RGB) into the alpha plane of a yuva420p buffer. */
  #alphaOf(frame: Frame, out: Uint8Array): void {
    const { data, channels, width, height } = frame;
    const base = out.length - width * height;
    if (channels !== 4) {
      out.fill(255, base);
      return;
    }
    for (let i = 0, p = 3; i < width * height; i++, p += 4) out[base + i] = data[p];
  }

  /** The reused output buffer for a picture of this size. */
  #out(width: number, height: number): Uint8Array {
    const bytes = converterFrameBytes(this.format, width, height);
    // In the kernels' own memory (wasm), so the conversion writes in place.
    const kernels = this.#kernels ??= defaultKernels();
    if (this.#buffer?.length !== bytes) this.#buffer = kernels.plane(bytes);
    return this.#buffer;
  }
}

/** What a RawFrameConverter converts with. */
type ConverterKernels = Pick<
  KernelSet,
  "rgbToYuyv422" | "rgbToYuv420p" | "yuvToYuyv422" | "yuvToYuv420p" | "plane"
>;

/**
 * A file descriptor written through libc (v4l2_direct.ts libcSyscalls): bytes taken, or
 * a negative errno. Deno's own stdout stream hands each write to a blocking task with a
 * copy of the frame; this writes it from where it lies, as the virtual camera is
 * written (600 frames of 1.8 MB into a pipe: 360-370 → 270-300 ms of CPU).
 */
export interface FdWriter {
  write(bytes: Uint8Array): Promise<number>;
}

/** Raw frames on our own stdout (`-o -`), for piping into another program. */
export class StdoutSink implements FrameSink {
  readonly channels: 3 | 4;
  readonly #writer?: WritableStreamDefaultWriter<Uint8Array>;
  readonly #fd?: FdWriter;
  readonly #converter: RawFrameConverter;

  /** `stdout`: Deno's stream (the default), or descriptor 1 written through libc. */
  constructor(
    channels: 3 | 4,
    stdout: WritableStream<Uint8Array> | FdWriter = Deno.stdout.writable,
    converter: RawFrameConverter = new RawFrameConverter("rgb24"),
  ) {
    this.channels = channels;
    if (stdout instanceof WritableStream) this.#writer = stdout.getWriter();
    else this.#fd = stdout;
    this.#converter = converter;
  }

  get planar(): boolean {
    return this.#converter.planar;
  }

  async write(frame: Frame | YuvPicture): Promise<void> {
    // Awaited before the next frame: the converter's buffer is reused.
    const bytes = this.#converter.convert(frame);
    try {
      if (this.#writer) await this.#writer.write(bytes);
      else {
        // A pipe may take part of a frame (a signal in between): the rest follows.
        for (let done = 0; done < bytes.length;) {
          const n = await this.#fd!.write(bytes.subarray(done));
          if (n <= 0) throw new Error(`write: ${n < 0 ? `errno ${-n}` : "nothing taken"}`);
          done += n;
        }
      }
    } catch (error) {
      throw new OutputError(
        "The output stdout stopped accepting frames (the program reading it went away); start it again",
        { cause: error },
      );
    }
  }

  finish(): Promise<void> {
    this.#writer?.releaseLock();
    return Promise.resolve();
  }

  abort(): Promise<void> {
    return this.finish();
  }
}
