import type { Frame } from "../frame.ts";
import { yuv420pSize, yuv422pSize } from "../kernels/yuv.ts";
import type { YuvPicture } from "../kernels/yuv_picture.ts";

/**
 * The planar YUV formats segcam reads from a decoder: yuv420p (what H.264 and most
 * files decode to; half the bytes of rgb24) and yuvj422p (full-range 4:2:2, what an
 * MJPEG camera's decoder gives as it is; two thirds of rgb24's bytes).
 */
export type YuvPipeFormat = "yuv420p" | "yuvj422p";

/** The YuvPicture a buffer of `format` holds (no copy). */
export function yuvPictureOf(
  format: YuvPipeFormat,
  data: Uint8Array,
  width: number,
  height: number,
): YuvPicture {
  return format === "yuv420p"
    ? { data, width, height, layout: "420", fullRange: false }
    : { data, width, height, layout: "422", fullRange: true };
}

/** Bytes of one picture in a planar YUV pipe format (odd sizes' chroma rounded up). */
export function yuvPipeBytes(format: YuvPipeFormat, width: number, height: number): number {
  return format === "yuv420p" ? yuv420pSize(width, height) : yuv422pSize(width, height);
}

/**
 * Frames that travel through the pipe as planar YUV, in the decoder's own format where
 * it can be (ffmpeg then skips its RGB conversion), and are turned into RGB on segcam's
 * side by the process's kernels (the wasm ones run at memory speed, src/kernels/wasm).
 */
export interface YuvInput {
  readonly format: YuvPipeFormat;
  /**
   * Hand the picture out as it is (SourceFrame.yuv) and convert it to RGB only when
   * asked (SourceFrame.toRgb): a frame that stays planar from decoder to output is never
   * converted. Unset: every frame handed out is converted at once.
   */
  readonly deferRgb?: boolean;
  /** A byte buffer the conversion reads in place (in wasm memory for the wasm set). */
  plane(length: number): Uint8Array;
  /** The picture in `format` → RGB in `out`. */
  toRgb(yuv: Uint8Array, out: Frame): void;
}

/** A YuvInput converting with `kernels` (the process's set: its buffers, its kernels). */
export function yuvInput(
  kernels: {
    plane(length: number): Uint8Array;
    yuv420pToRgb(yuv: Uint8Array, out: Frame): void;
    yuvj422pToRgb(yuv: Uint8Array, out: Frame): void;
  },
  format: YuvPipeFormat,
  options: { deferRgb?: boolean } = {},
): YuvInput {
  return {
    format,
    deferRgb: options.deferRgb,
    plane: (length) => kernels.plane(length),
    toRgb: format === "yuv420p" ? kernels.yuv420pToRgb : kernels.yuvj422pToRgb,
  };
}

/**
 * Whether frames should travel through the pipes as YUV with `kernels` converting: only
 * with the wasm set (the TypeScript reference converts at ~30 ms a 720p frame, far more
 * than ffmpeg's RGB conversion it saves). SEGCAM_YUV_PIPES=0 keeps rgb24 pipes (to
 * compare the two, as bench/live.ts and bench/video.ts do).
 */
export function yuvPipesWanted(kernels: { readonly name: string }): boolean {
  return kernels.name === "wasm" && Deno.env.get("SEGCAM_YUV_PIPES") !== "0";
}

/**
 * Reads fixed-size raw frames from a byte stream (ffmpeg's stdout) into a buffer the
 * caller owns. With a BYOB reader (Deno's child stdout is a byte stream) the bytes land
 * in one reused scratch buffer and are copied once into the caller's frame; a frame
 * split across reads is reassembled there. Per frame only small views are created,
 * never a frame-sized buffer.
 */
export class FrameReader {
  readonly #stream: ReadableStream<Uint8Array>;
  #byob?: ReadableStreamBYOBReader;
  #default?: ReadableStreamDefaultReader<Uint8Array>;
  /** Bytes of a chunk not yet consumed (default reader only). */
  #rest: Uint8Array = new Uint8Array(0);
  /** A scratch buffer the BYOB reader reads into (its buffer is transferred each read). */
  #scratch?: Uint8Array;
  /** The stream said done (or was cancelled): later reads answer false at once. */
  #ended = false;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#stream = stream;
    try {
      this.#byob = stream.getReader({ mode: "byob" });
    } catch {
      this.#default = stream.getReader();
    }
  }

  /**
   * Fills `into` with the next frame. Resolves true when a whole frame was read, false
   * at the end of the stream (and at every read after it); throws RangeError when the
   * stream ends mid-frame. Aborting `signal` cancels the stream and resolves false: a
   * decoder that never produces a frame (a looping file with no frames) cannot hold the
   * caller past Ctrl-C.
   */
  read(into: Uint8Array, signal?: AbortSignal): Promise<boolean> {
    if (signal === undefined) return this.#read(into);
    if (signal.aborted) return this.cancel().then(() => false);
    return new Promise<boolean>((resolve, reject) => {
      const onAbort = () => {
        void this.cancel();
        resolve(false);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#read(into).then(resolve, reject).finally(() =>
        signal.removeEventListener("abort", onAbort)
      );
    });
  }

  async #read(into: Uint8Array): Promise<boolean> {
    if (this.#ended) return false;
    let filled = 0;
    if (this.#byob) {
      // The BYOB reader transfers the buffer it is given; keep one scratch of frame size
      // and copy once into the caller's frame, so the caller's buffer stays stable.
      if (this.#scratch === undefined || this.#scratch.byteLength !== into.length) {
        this.#scratch = new Uint8Array(into.length);
      }
      while (filled < into.length) {
        const view: Uint8Array = new Uint8Array(this.#scratch.buffer, filled, into.length - filled);
        const { value, done }: ReadableStreamReadResult<Uint8Array> = await this.#byob.read(view);
        if (value) {
          this.#scratch = new Uint8Array(value.buffer, 0, into.length);
          filled += value.byteLength;
        }
        if (done) {
          this.#ended = true;
          break;
        }
      }
      // Cancelled during a read (a paused source): the stream kept the buffer it was
      // lent, so the scratch is detached and what it held is gone with it.
      if ((this.#scratch.buffer as ArrayBuffer).detached) {
        this.#scratch = undefined;
        return false;
      }
      into.set(this.#scratch.subarray(0, filled));
    } else {
      while (filled < into.length) {
        if (this.#rest.length === 0) {
          const { value, done } = await this.#default!.read();
          if (done) {
            this.#ended = true;
            break;
          }
          this.#rest = value;
        }
        const n = Math.min(this.#rest.length, into.length - filled);
        into.set(this.#rest.subarray(0, n), filled);
        this.#rest = this.#rest.subarray(n);
        filled += n;
      }
    }
    if (filled === 0) return false;
    if (filled < into.length) {
      throw new RangeError(`the stream ended inside a frame (${filled} of ${into.length} bytes)`);
    }
    return true;
  }

  async cancel(): Promise<void> {
    this.#ended = true;
    try {
      await (this.#byob ?? this.#default)?.cancel();
    } catch { /* already closed */ }
    void this.#stream;
  }
}

/** How a decode went, for the one-line warning after a conversion. */
export interface DecodeTally {
  path: string;
  /** Frames read from the decoder (and written). */
  frames: number;
  /** Frames expected from the probe (MediaInfo.frames), when known. */
  expected?: number;
  /** Lines the decoder wrote to stderr at `-loglevel error`: each is an error. */
  errorLines: number;
}

/** Fewer frames than this fraction of those expected means the file ended early. */
const SHORT_FRACTION = 0.9;

/**
 * One line when the decode went wrong (ffmpeg reported errors, or far fewer frames came
 * out than the file declares, as with a truncated download), else undefined.
 */
export function decodeWarning(tally: DecodeTally): string | undefined {
  const { path, frames, expected, errorLines } = tally;
  const short = expected !== undefined && frames < SHORT_FRACTION * expected;
  if (errorLines === 0 && !short) return undefined;
  const errors = errorLines > 0
    ? `ffmpeg reported ${errorLines} decoding error${errorLines === 1 ? "" : "s"}`
    : "";
  const count = short ? `only ${frames} of about ${expected} frames could be decoded` : "";
  return `warning: ${path} is damaged or truncated (${
    [errors, count].filter(Boolean).join("; ")
  }); ` +
    `${frames} frame${frames === 1 ? " was" : "s were"} written`;
}
