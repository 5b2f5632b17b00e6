/**
 * Size checks shared by the kernels: every kernel validates its buffers up front so a
 * mismatch fails with the expected and actual sizes instead of writing garbage.
 */
import { assertFrame, type Frame } from "../frame.ts";

/** Throws when a one-byte-per-pixel map does not cover width*height pixels. */
export function assertPlane(plane: ArrayLike<number>, width: number, height: number, name: string) {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`${name}: expected a positive integer size, got ${width}x${height}`);
  }
  if (plane.length !== width * height) {
    throw new RangeError(
      `${name}: expected ${width * height} bytes for ${width}x${height}, got ${plane.length}`,
    );
  }
}

/** Throws unless `frame` is consistent and has the given size (channels may differ). */
export function assertFrameSize(frame: Frame, width: number, height: number, name: string) {
  assertFrame(frame, name);
  if (frame.width !== width || frame.height !== height) {
    throw new RangeError(
      `${name}: expected ${width}x${height} to match the source frame, got ${frame.width}x${frame.height}`,
    );
  }
}

/** Throws when a map of values (floats or bytes) does not cover width*height cells. */
export function assertMap(map: ArrayLike<number>, width: number, height: number, name: string) {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`${name}: expected a positive integer size, got ${width}x${height}`);
  }
  if (map.length !== width * height) {
    throw new RangeError(
      `${name}: expected ${width * height} values for ${width}x${height}, got ${map.length}`,
    );
  }
}
