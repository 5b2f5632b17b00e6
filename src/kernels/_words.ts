/**
 * 32-bit views of byte buffers, for kernels that test four mask bytes at once: masks
 * are mostly runs of 0 and 255, and handling 4 pixels per test is 3-4x faster than a
 * branch per pixel. Views are cached per buffer, so a frame loop that reuses its
 * buffers creates them once.
 */
const views = new WeakMap<Uint8Array, Uint32Array>();

/** Little-endian hosts only: the fill patterns below assume byte order = lane order. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The buffer as floor(length/4) 32-bit words, or undefined when it cannot be viewed
 * that way (not 4-byte aligned, or a big-endian host); callers then take the byte path.
 */
export function wordsOf(bytes: Uint8Array): Uint32Array | undefined {
  if (!LITTLE_ENDIAN || bytes.byteOffset % 4 !== 0) return undefined;
  let view = views.get(bytes);
  if (view === undefined) {
    view = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
    views.set(bytes, view);
  }
  return view;
}

const patternBytes = new Uint8Array(12);
const patternWords = new Uint32Array(patternBytes.buffer);

/**
 * Four RGB pixels of one colour as three words (12 bytes), written into `out[0..2]`,
 * so a run of background pixels is filled with three stores per four pixels.
 */
export function rgbPattern(r: number, g: number, b: number, out: Uint32Array): void {
  for (let i = 0; i < 12; i += 3) {
    patternBytes[i] = r;
    patternBytes[i + 1] = g;
    patternBytes[i + 2] = b;
  }
  out.set(patternWords);
}
