/**
 * Frame sinks for the engine: an ffmpeg encoder (a file, a stream, a virtual camera)
 * or our own stdout. Each explains its failures in one sentence: an encoder that dies
 * is described from its stderr (disk full, device busy, …), a reader that goes away
 * (a closed pipe, an OBS that quit) is named as such.
 *
 * A sink given a {@link CfrPacer} keeps real time: each frame is written as many times
 * as the constant-rate timeline needs (see cfr_pacer.ts).
 */
import { OutputError } from "../errors.ts";
import type { Frame } from "../frame.ts";
import type { CfrPacer } from "../pipeline/cfr_pacer.ts";
import type { FrameSink } from "../pipeline/engine.ts";
import { explainFfmpegFailure, FfmpegProcess } from "./ffmpeg_process.ts";

export interface SinkOptions {
  channels: 3 | 4;
  /** Names the output in messages ("out.mp4", "/dev/video10 (yuyv422)"). */
  label: string;
  /** Repeat or skip frames so that the output keeps real time (recordings, streams). */
  pacer?: CfrPacer;
}

/** Raw frames into an ffmpeg process's stdin. */
export class FfmpegSink implements FrameSink {
  readonly channels: 3 | 4;
  readonly process: FfmpegProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #label: string;
  readonly #pacer?: CfrPacer;
  /** Frames handed to ffmpeg (with repeats). */
  frames = 0;

  constructor(args: string[], options: SinkOptions) {
    this.channels = options.channels;
    this.#label = options.label;
    this.#pacer = options.pacer;
    this.process = new FfmpegProcess("ffmpeg", args, { stdin: "piped" });
    this.#writer = this.process.child.stdin.getWriter();
  }

  async write(frame: Frame, capturedAt: number): Promise<void> {
    const times = this.#pacer ? this.#pacer.repeats(capturedAt) : 1;
    for (let i = 0; i < times; i++) {
      try {
        await this.#writer.write(frame.data);
      } catch (error) {
        throw await this.#explain(error);
      }
      this.frames++;
    }
  }

  /** Closes ffmpeg's input and waits for it to finish the output; throws why it failed. */
  async finish(): Promise<void> {
    await this.#writer.close().catch(() => {});
    const status = await this.process.status;
    if (!status.success) {
      throw explainFfmpegFailure(await this.process.stderrTail(), "output", this.#label);
    }
  }

  /** Ends ffmpeg whatever state it is in (errors, interruptions). */
  abort(): Promise<void> {
    return this.process.stop();
  }

  async #explain(error: unknown): Promise<Error> {
    await this.process.status;
    const tail = await this.process.stderrTail();
    if (tail.length > 0) return explainFfmpegFailure(tail, "output", this.#label);
    return new OutputError(
      `The output ${this.#label} stopped accepting frames (the program reading it went away); start it again`,
      { cause: error },
    );
  }
}

/** Raw frames on our own stdout (`-o -`), for piping into another program. */
export class StdoutSink implements FrameSink {
  readonly channels: 3 | 4;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;

  constructor(channels: 3 | 4, stdout: WritableStream<Uint8Array> = Deno.stdout.writable) {
    this.channels = channels;
    this.#writer = stdout.getWriter();
  }

  async write(frame: Frame): Promise<void> {
    try {
      await this.#writer.write(frame.data);
    } catch (error) {
      throw new OutputError(
        "The output stdout stopped accepting frames (the program reading it went away); start it again",
        { cause: error },
      );
    }
  }

  finish(): Promise<void> {
    this.#writer.releaseLock();
    return Promise.resolve();
  }

  abort(): Promise<void> {
    return this.finish();
  }
}
