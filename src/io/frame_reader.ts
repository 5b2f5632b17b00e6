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
   * at the end of the stream; throws RangeError when the stream ends mid-frame.
   */
  async read(into: Uint8Array): Promise<boolean> {
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
        if (done) break;
      }
      into.set(this.#scratch.subarray(0, filled));
    } else {
      while (filled < into.length) {
        if (this.#rest.length === 0) {
          const { value, done } = await this.#default!.read();
          if (done) break;
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
    try {
      await (this.#byob ?? this.#default)?.cancel();
    } catch { /* already closed */ }
    void this.#stream;
  }
}
