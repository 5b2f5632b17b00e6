/**
 * Live input without growing latency: a pump reads frames from ffmpeg as fast as they
 * come into a ring of three buffers, and the consumer always takes the newest one.
 * When processing falls behind, older unread frames are overwritten (and counted as
 * dropped) instead of queueing up — the picture stays current.
 */
import { createFrame, type Frame } from "../frame.ts";
import type { YuvPicture } from "../kernels/yuv_picture.ts";
import { FrameReader, type YuvInput, yuvPictureOf, yuvPipeBytes } from "./frame_reader.ts";

/** A frame handed out by {@link LatestFrameReader.next}: valid until the next call. */
export interface LatestFrame {
  /** RGB; with a deferring YuvInput, filled only by toRgb(). */
  frame: Frame;
  arrivedAt: number;
  sequence: number;
  /** The picture as read, with a deferring YuvInput. */
  yuv: YuvPicture | undefined;
  /** With a deferring YuvInput: converts `yuv` into `frame` (once). */
  toRgb: (() => void) | undefined;
}

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
  /** Each buffer as a YuvPicture (with `yuv`): what a deferred frame hands out. */
  readonly #pictures: YuvPicture[] = [];
  /** The slot whose picture frames[0] holds now (-1: none), so toRgb converts once. */
  #converted = -1;
  /** Handed out by every next() call: valid until the next one. */
  readonly #item: LatestFrame = {
    frame: undefined as unknown as Frame,
    arrivedAt: 0,
    sequence: 0,
    yuv: undefined,
    toRgb: undefined,
  };
  /** With a deferring `yuv`: converts the picture handed out last (item.toRgb). */
  readonly #toRgb = () => {
    if (this.#converted !== this.#inUse) this.#frameOf(this.#inUse);
  };
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
      this.#pictures = this.#buffers.map((data) => yuvPictureOf(yuv.format, data, width, height));
      if (yuv.deferRgb) this.#item.toRgb = this.#toRgb;
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
  async next(): Promise<LatestFrame | undefined> {
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
    if (this.#item.toRgb !== undefined) {
      // Deferred: the picture as it came; RGB only if the caller asks (toRgb).
      this.#item.frame = this.#frames[0];
      this.#item.yuv = this.#pictures[slot];
    } else {
      this.#item.frame = this.#frameOf(slot);
    }
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
    this.#converted = slot;
    return this.#frames[0];
  }

  cancel(): Promise<void> {
    return this.#reader.cancel();
  }
}
