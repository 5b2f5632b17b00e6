/**
 * An output segcam serves rather than sends: an SRT listener (what `-o srt://…` is
 * unless the URL says otherwise, live_args.ts). Its ffmpeg ends when the receiver goes
 * away — OBS closed or restarted, a media source switched off, ffplay quit — and with
 * a plain sink that ended the whole run, so a streamer had to restart segcam too. Here
 * the receiver leaving starts a new listener on the same address, says so in one
 * line, and the run goes on: the next receiver gets the picture as the first did.
 *
 * A failure that is not a receiver leaving stays a failure: a listener that could not
 * start (a port in use, a host that does not resolve, an encoder this ffmpeg lacks)
 * never served anyone, and would fail again, so its error ends the run as before, with
 * its reason. ffmpeg tells the two apart in its own words: packets are written only
 * once a receiver has connected, so only a listener that served one says it could not
 * write a packet, its trailer or close the output ({@link SERVED}).
 */
import type { Frame } from "../frame.ts";
import type { YuvPicture } from "../kernels/yuv_picture.ts";
import type { FrameSink } from "../pipeline/engine.ts";
import type { FfmpegSink } from "./frame_sink.ts";
import type { FfmpegProcess } from "./ffmpeg_process.ts";

/**
 * What ffmpeg says when the receiver of an output it had opened goes away (measured
 * with ffmpeg 5.1: "av_interleaved_write_frame(): Input/output error", then "Error
 * writing trailer of srt://…" and "Error closing file srt://…"). A listener that could
 * not start says "Address already in use", "Failed to resolve hostname", … instead.
 */
export const SERVED = /av_interleaved_write_frame\(\)|Error writing trailer|Error closing file/;

export interface RelistenOptions {
  /** Names the output in the line ("srt://0.0.0.0:9000"). */
  label: string;
  /** Where the line goes (stderr, or the panel's message under the terminal UI). */
  say: (line: string) => void;
}

/** What a listener is to this class: an ffmpeg sink (tests give fakes). */
export type Listener = Pick<FfmpegSink, "channels" | "frames" | "write" | "finish" | "abort"> & {
  readonly planar?: boolean;
  readonly process: Pick<FfmpegProcess, "stderrTail">;
};

export class RelistenSink<L extends Listener = FfmpegSink> implements FrameSink {
  readonly channels: 3 | 4;
  readonly #open: () => L;
  readonly #options: RelistenOptions;
  #sink: L;
  /** Frames handed to the encoders, over all listeners. */
  #framesBefore = 0;
  /** Receivers that went away (listeners started again). */
  relistens = 0;
  /**
   * finish() or abort() was called: the listener is being ended on purpose, and the
   * write it leaves behind fails because of it, not because a receiver left.
   */
  #closing = false;

  /** @param open starts one listener: an ffmpeg sink on the output's address */
  constructor(open: () => L, options: RelistenOptions) {
    this.#open = open;
    this.#options = options;
    this.#sink = open();
    this.channels = this.#sink.channels;
  }

  /** The current listener (its process, for the caller's checks and teardown). */
  get current(): L {
    return this.#sink;
  }

  get frames(): number {
    return this.#framesBefore + this.#sink.frames;
  }

  get planar(): boolean {
    return this.#sink.planar ?? false;
  }

  async write(frame: Frame | YuvPicture, at: number, room?: number): Promise<number> {
    try {
      return await this.#sink.write(frame, at, room);
    } catch (error) {
      if (this.#closing) throw error;
      const words = await this.#sink.process.stderrTail();
      // The run may have ended meanwhile (finish() or abort()): no new listener then.
      if (this.#closing || !words.some((line) => SERVED.test(line))) throw error;
      // The receiver went away: this frame had nowhere to go; the next one waits for
      // the next receiver in the new listener's pipe, as the first frame did.
      await this.#sink.abort();
      if (this.#closing) throw error;
      this.#framesBefore += this.#sink.frames;
      this.#sink = this.#open();
      this.relistens++;
      this.#options.say(
        `the receiver of ${this.#options.label} went away; waiting for the next one (segcam keeps running)`,
      );
      return 0;
    }
  }

  async finish(file?: string): Promise<void> {
    this.#closing = true;
    try {
      await this.#sink.finish(file);
    } catch (error) {
      // The receiver went away as the run ended: nothing was left to finish.
      const words = await this.#sink.process.stderrTail();
      if (!words.some((line) => SERVED.test(line))) throw error;
    }
  }

  abort(): Promise<void> {
    this.#closing = true;
    return this.#sink.abort();
  }
}
