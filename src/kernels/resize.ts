/**
 * Bilinear resampling between frames and the model: the frame (any size, RGB or RGBA
 * bytes) to the model's planar float input, and the model's probability map back to a
 * full-size byte mask. Pixel centres are at +0.5 (OpenCV INTER_LINEAR, which MediaPipe's
 * CPU ImageToTensor uses); the stretch ignores aspect ratio as MediaPipe's graph does.
 *
 * The per-axis sample positions and weights depend only on the sizes, so they live in
 * a BilinearTable built once per size pair and reused for every frame.
 */

/** For each output index: the two source indices and the weight of the second. */
export interface BilinearTable {
  readonly size: number;
  readonly from: number;
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly w1: Float32Array;
}

export function bilinearTable(from: number, size: number): BilinearTable {
  const i0 = new Int32Array(size);
  const i1 = new Int32Array(size);
  const w1 = new Float32Array(size);
  const scale = from / size;
  for (let i = 0; i < size; i++) {
    const x = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), from - 1);
    const x0 = Math.floor(x);
    i0[i] = x0;
    i1[i] = Math.min(x0 + 1, from - 1);
    w1[i] = x - x0;
  }
  return { size, from, i0, i1, w1 };
}

function checkTable(table: BilinearTable, from: number, size: number, axis: string): void {
  if (table.from !== from || table.size !== size) {
    throw new RangeError(
      `${axis} table: expected ${from} → ${size}, got ${table.from} → ${table.size}`,
    );
  }
}

/**
 * Resizes interleaved 8-bit pixels (`channels` 3 or 4; alpha ignored) into planar float32
 * RGB in [0, 1]: out[c·W·H + y·W + x].
 */
export function resizeToPlanar(
  src: Uint8Array,
  srcWidth: number,
  srcHeight: number,
  channels: 3 | 4,
  xs: BilinearTable,
  ys: BilinearTable,
  out: Float32Array,
): void {
  checkTable(xs, srcWidth, xs.size, "horizontal");
  checkTable(ys, srcHeight, ys.size, "vertical");
  const width = xs.size, height = ys.size, plane = width * height;
  if (src.length !== srcWidth * srcHeight * channels) {
    throw new RangeError(
      `resizeToPlanar: expected ${srcWidth * srcHeight * channels} source bytes, got ${src.length}`,
    );
  }
  if (out.length !== 3 * plane) {
    throw new RangeError(`resizeToPlanar: expected ${3 * plane} output floats, got ${out.length}`);
  }
  const rowStride = srcWidth * channels;
  const k = 1 / 255;
  for (let y = 0; y < height; y++) {
    const r0 = ys.i0[y] * rowStride, r1 = ys.i1[y] * rowStride;
    const wy = ys.w1[y], wy0 = 1 - wy;
    let o = y * width;
    for (let x = 0; x < width; x++, o++) {
      const c0 = xs.i0[x] * channels, c1 = xs.i1[x] * channels;
      const wx = xs.w1[x], wx0 = 1 - wx;
      const a = wy0 * wx0, b = wy0 * wx, c = wy * wx0, d = wy * wx;
      for (let ch = 0; ch < 3; ch++) {
        out[ch * plane + o] = (src[r0 + c0 + ch] * a + src[r0 + c1 + ch] * b +
          src[r1 + c0 + ch] * c + src[r1 + c1 + ch] * d) * k;
      }
    }
  }
}

/** Resizes a float map in [0, 1] (row-major) to bytes 0..255. */
export function resizeMapToBytes(
  map: Float32Array,
  xs: BilinearTable,
  ys: BilinearTable,
  out: Uint8Array,
): void {
  const srcWidth = xs.from, width = xs.size, height = ys.size;
  if (map.length !== srcWidth * ys.from) {
    throw new RangeError(
      `resizeMapToBytes: expected ${srcWidth * ys.from} map values, got ${map.length}`,
    );
  }
  if (out.length !== width * height) {
    throw new RangeError(
      `resizeMapToBytes: expected ${width * height} output bytes, got ${out.length}`,
    );
  }
  for (let y = 0; y < height; y++) {
    const r0 = ys.i0[y] * srcWidth, r1 = ys.i1[y] * srcWidth;
    const wy = ys.w1[y];
    let o = y * width;
    for (let x = 0; x < width; x++, o++) {
      const x0 = xs.i0[x], x1 = xs.i1[x], wx = xs.w1[x];
      const top = map[r0 + x0] + (map[r0 + x1] - map[r0 + x0]) * wx;
      const bottom = map[r1 + x0] + (map[r1 + x1] - map[r1 + x0]) * wx;
      const v = (top + (bottom - top) * wy) * 255 + 0.5;
      out[o] = v < 0 ? 0 : v > 255 ? 255 : v; // Uint8Array truncates: +0.5 rounds
    }
  }
}
