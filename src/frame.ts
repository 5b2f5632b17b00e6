/**
 * An 8-bit interleaved image, row-major without padding: RGB when `channels` is 3,
 * RGBA when it is 4. Frames are the currency of every stage; the buffer is owned by
 * whoever created it and reused from frame to frame in the live loop.
 */
export interface Frame {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3 | 4;
}

/** Allocates a frame of the given size (outside the hot loop only). */
export function createFrame(width: number, height: number, channels: 3 | 4): Frame {
  return { data: new Uint8Array(width * height * channels), width, height, channels };
}

/** Throws when `frame.data` does not hold exactly width*height*channels bytes. */
export function assertFrame(frame: Frame, name = "frame"): void {
  const expected = frame.width * frame.height * frame.channels;
  if (frame.data.length !== expected) {
    throw new RangeError(
      `${name}: expected ${expected} bytes for ${frame.width}x${frame.height}x${frame.channels}, got ${frame.data.length}`,
    );
  }
}
