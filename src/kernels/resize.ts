/**
 * Bilinear resampling between frames and the model: the frame (any size, RGB or RGBA
 * bytes) to the model's planar float input, and the model's probability map back to a
 * full-size byte mask. Pixel centres are at +0.5 (OpenCV INTER_LINEAR, which MediaPipe's
 * CPU ImageToTensor uses); the stretch ignores aspect ratio as MediaPipe's graph does.
 *
 * The per-axis sample positions and weights depend only on the sizes, so they live in
 * a BilinearTable built once per size pair and reused for every frame.
 */
import { YUV_TO_RGB, YUVJ_TO_RGB } from "./yuv.ts";
import { assertYuvPicture, chromaHeight, chromaWidth, type YuvPicture } from "./yuv_picture.ts";

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

/** The argument checks of {@link resizeYuvToPlanar}, shared with its wasm twin. */
export function checkResizeYuvToPlanar(
  src: YuvPicture,
  xs: BilinearTable,
  ys: BilinearTable,
  out: Float32Array,
): void {
  assertYuvPicture(src, "resizeYuvToPlanar source");
  checkTable(xs, src.width, xs.size, "horizontal");
  checkTable(ys, src.height, ys.size, "vertical");
  const plane = xs.size * ys.size;
  if (out.length !== 3 * plane) {
    throw new RangeError(
      `resizeYuvToPlanar: expected ${3 * plane} output floats, got ${out.length}`,
    );
  }
}

/**
 * The model's input straight from a planar YUV picture: what {@link resizeToPlanar} gives
 * for the RGB picture src/kernels/yuv.ts converts `src` to, without converting the frame.
 * Each of a sample's four source pixels is converted on its own (its Y and the chroma
 * sample covering it, BT.601 full or limited range, rounded and clamped to a byte as the
 * converter does), then the four are blended: 4 conversions per model pixel (256x144:
 * 147k) instead of one per frame pixel (720p: 922k). The tables may address a region of
 * the frame (the segmenter's second look): every source position comes from them, with
 * xs.from and ys.from the picture's size. Same output as resizeToPlanar on the converted
 * picture, bit for bit.
 */
export function resizeYuvToPlanar(
  src: YuvPicture,
  xs: BilinearTable,
  ys: BilinearTable,
  out: Float32Array,
): void {
  checkResizeYuvToPlanar(src, xs, ys, out);
  const width = xs.size, height = ys.size, plane = width * height;
  const { data, width: sw, height: sh, layout, fullRange } = src;
  const k = fullRange ? YUVJ_TO_RGB : YUV_TO_RGB, yOffset = fullRange ? 0 : 16;
  const rowShift = layout === "420" ? 1 : 0;
  const cw = chromaWidth(sw), uBase = sw * sh, vBase = uBase + cw * chromaHeight(layout, sh);
  const { yScale, vToR, uToG, vToG, uToB } = k;
  const sum = TAP_SUM;
  for (let y = 0; y < height; y++) {
    const sy0 = ys.i0[y], sy1 = ys.i1[y];
    const l0 = sy0 * sw, l1 = sy1 * sw, k0 = (sy0 >> rowShift) * cw, k1 = (sy1 >> rowShift) * cw;
    const wy = ys.w1[y], wy0 = 1 - wy;
    let o = y * width;
    for (let x = 0; x < width; x++, o++) {
      const x0 = xs.i0[x], x1 = xs.i1[x], h0 = x0 >> 1, h1 = x1 >> 1;
      const wx = xs.w1[x], wx0 = 1 - wx;
      // The weights and the order of the sum are resizeToPlanar's: the same floats.
      sum[0] = sum[1] = sum[2] = 0;
      for (let t = 0; t < 4; t++) {
        const luma = t < 2 ? l0 : l1, chroma = t < 2 ? k0 : k1;
        const sx = t & 1 ? x1 : x0, cx = t & 1 ? h1 : h0;
        const w = t === 0 ? wy0 * wx0 : t === 1 ? wy0 * wx : t === 2 ? wy * wx0 : wy * wx;
        const c = (data[luma + sx] - yOffset) * yScale;
        const u = data[uBase + chroma + cx] - 128, v = data[vBase + chroma + cx] - 128;
        sum[0] += clampByte(c + vToR * v) * w;
        sum[1] += clampByte(c + uToG * u + vToG * v) * w;
        sum[2] += clampByte(c + uToB * u) * w;
      }
      out[o] = sum[0] * (1 / 255);
      out[plane + o] = sum[1] * (1 / 255);
      out[2 * plane + o] = sum[2] * (1 / 255);
    }
  }
}

/** resizeYuvToPlanar's running sums of one sample's r, g, b (no allocation per call). */
const TAP_SUM = new Float64Array(3);

/** yuv.ts's rounding of a converted channel to a byte. */
function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}
