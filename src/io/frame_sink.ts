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
import { NULL_OUTPUT } from "./ffmpeg_args.ts";
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

  /**
   * Closes ffmpeg's input and waits for it to finish the output; throws why it failed.
   * ffmpeg's status is not enough: a disk that fills while it writes the index gives
   * "Error writing trailer of …: No space left on device" and exit 0, over a file that
   * no player opens. So its words count too, and given `file` (the file it wrote), the
   * file is opened and its frames counted before it is called written.
   */
  async finish(file?: string): Promise<void> {
    await this.#writer.close().catch(() => {});
    const status = await this.process.status;
    const tail = await this.process.stderrTail();
    if (!status.success || tail.some((line) => FINISH_FAILED.test(line))) {
      throw explainFfmpegFailure(tail, "output", this.#label);
    }
    if (file !== undefined) await verifyWritten(file, this.frames, this.#label);
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
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("ffprobe", {
      args: [
        "-v",
        "error",
        "-select_streams",
        "v:0",
        "-count_packets",
        "-show_entries",
        "stream=nb_read_packets",
        "-of",
        "csv=p=0",
        file,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    throw new OutputError(
      `Cannot check ${label} after writing it: ffprobe did not run; install ffmpeg`,
      {
        cause: error,
      },
    );
  }
  const found = Number.parseInt(new TextDecoder().decode(output.stdout).trim(), 10);
  if (!output.success || !Number.isFinite(found)) {
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
