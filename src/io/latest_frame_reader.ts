/**
 * Live input without growing latency: a pump reads frames from ffmpeg as fast as they
 * come into a ring of three buffers, and the consumer always takes the newest one.
 * When processing falls behind, older unread frames are overwritten (and counted as
 * dropped) instead of queueing up — the picture stays current.
 */
import { createFrame, type Frame } from "../frame.ts";
import { FrameReader, type YuvInput, yuvPipeBytes } from "./frame_reader.ts";

export class LatestFrameReader {
  readonly width: number;
  readonly height: number;
  /** What the pump fills: the frames' pixels, or yuv420p pictures with `yuv`. */
  readonly #buffers: Uint8Array[];
  /** RGB frames: one per buffer, or with `yuv` the one picture converted last. */
  readonly #frames: Frame[];
  readonly #yuv?: YuvInput;
  readonly #arrivedAt = new Float64Array(3);
  /** Each slot's frame number in the stream (0 for the first frame read). */
  readonly #sequence = new Float64Array(3);
  readonly #reader: FrameReader;
  readonly #now: () => number;
  /** Index of the newest complete frame not yet handed out, or -1. */
  #ready = -1;
  /** Index handed out last (the consumer may still be reading it). */
  #inUse = -1;
  #ended = false;
  #error: unknown;
  #wake?: () => void;
  dropped = 0;
  received = 0;
  /** The stream ended inside a frame: the partial frame was not handed out. */
  truncated = false;
  /** Handed out by every next() call: valid until the next one. */
  readonly #item = { frame: undefined as unknown as Frame, arrivedAt: 0, sequence: 0 };
  readonly done: Promise<void>;

  constructor(
    stream: ReadableStream<Uint8Array>,
    width: number,
    height: number,
    now: () => number = () => performance.now(),
    allocate: (width: number, height: number, channels: 3) => Frame = createFrame,
    yuv?: YuvInput,
  ) {
    this.width = width;
    this.height = height;
    // Allocated by the caller's kernels (wasm memory), so the frame loop works in place.
    if (yuv) {
      // Only the frame handed out is converted: dropped frames cost no conversion.
      this.#yuv = yuv;
      this.#buffers = [0, 1, 2].map(() => yuv.plane(yuvPipeBytes(yuv.format, width, height)));
      this.#frames = [allocate(width, height, 3)];
    } else {
      this.#frames = [0, 1, 2].map(() => allocate(width, height, 3));
      this.#buffers = this.#frames.map((frame) => frame.data);
    }
    this.#reader = new FrameReader(stream);
    this.#now = now;
    this.done = this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      while (true) {
        // Write into a buffer that is neither being read by the consumer nor the newest.
        let slot = 0;
        while (slot === this.#inUse || slot === this.#ready) slot++;
        if (!await this.#reader.read(this.#buffers[slot])) break;
        this.#arrivedAt[slot] = this.#now();
        this.#sequence[slot] = this.received;
        this.received++;
        if (this.#ready !== -1) this.dropped++; // the previous one was never taken
        this.#ready = slot;
        this.#wake?.();
      }
    } catch (error) {
      // A frame cut short (a damaged file, a decoder killed mid-write) ends the input
      // like a clean end would; the flag lets the caller say so.
      if (error instanceof RangeError) this.truncated = true;
      else this.#error = error;
    } finally {
      this.#ended = true;
      this.#wake?.();
    }
  }

  /** The newest frame not yet taken (waiting for one), or undefined at the end. */
  async next(): Promise<{ frame: Frame; arrivedAt: number; sequence: number } | undefined> {
    while (this.#ready === -1) {
      if (this.#ended) {
        if (this.#error !== undefined) throw this.#error;
        return undefined;
      }
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#wake = undefined;
    }
    const slot = this.#ready;
    this.#ready = -1;
    this.#inUse = slot;
    this.#item.frame = this.#frameOf(slot);
    this.#item.arrivedAt = this.#arrivedAt[slot];
    this.#item.sequence = this.#sequence[slot];
    return this.#item;
  }

  /**
   * The most recent frame without waiting (for a looping background video): the newest
   * if one arrived, else the one taken last; undefined before the first frame.
   */
  current(): Frame | undefined {
    if (this.#ready !== -1) {
      this.#inUse = this.#ready;
      this.#ready = -1;
    }
    return this.#inUse === -1 ? undefined : this.#frameOf(this.#inUse);
  }

  /** The RGB frame of a slot (converted now from YUV with `yuv`). */
  #frameOf(slot: number): Frame {
    if (this.#yuv === undefined) return this.#frames[slot];
    this.#yuv.toRgb(this.#buffers[slot], this.#frames[0]);
    return this.#frames[0];
  }

  cancel(): Promise<void> {
    return this.#reader.cancel();
  }
}
