/**
 * Fits a background image to the frame like CSS `object-fit: cover`: scale uniformly
 * until it covers the frame, then crop the overflow equally on both sides.
 *
 * Bilinear, with the triangle filter widened by the reduction factor when shrinking
 * (what Pillow's BILINEAR and ffmpeg's "bilinear" do): a 4000-pixel photo shrunk to
 * 1280 with plain 4-tap bilinear would alias (moiré on fine textures).
 *
 * Not a per-frame kernel: it runs once per background image (looping background videos
 * are scaled by ffmpeg), so it allocates its filter tables and one intermediate.
 */
import { assertFrame, type Frame } from "../frame.ts";

export function scaleCover(src: Frame, dst: Frame): void {
  assertFrame(src, "background image");
  assertFrame(dst, "scaled background");
  if (src.width === 0 || src.height === 0 || dst.width === 0 || dst.height === 0) {
    throw new RangeError(
      `scaleCover: expected non-empty images, got ${src.width}x${src.height} -> ${dst.width}x${dst.height}`,
    );
  }
  const scale = Math.max(dst.width / src.width, dst.height / src.height);
  const columns = filterTable(src.width, dst.width, scale);
  const rows = filterTable(src.height, dst.height, scale);
  const sc = src.channels, dc = dst.channels, sw = src.width, dw = dst.width;

  // Horizontal pass, only over the source rows the vertical pass reads.
  const firstRow = rows.start[0];
  const lastRow = rows.start[dst.height - 1] + rows.count[dst.height - 1];
  const tmp = new Float32Array((lastRow - firstRow) * dw * 3);
  for (let y = firstRow; y < lastRow; y++) {
    const srcRow = y * sw * sc, tmpRow = (y - firstRow) * dw * 3;
    for (let x = 0; x < dw; x++) {
      let r = 0, g = 0, b = 0;
      const w0 = x * columns.taps;
      for (let k = 0; k < columns.count[x]; k++) {
        const w = columns.weights[w0 + k], p = srcRow + (columns.start[x] + k) * sc;
        r += w * src.data[p];
        g += w * src.data[p + 1];
        b += w * src.data[p + 2];
      }
      const o = tmpRow + x * 3;
      tmp[o] = r;
      tmp[o + 1] = g;
      tmp[o + 2] = b;
    }
  }
  for (let y = 0; y < dst.height; y++) {
    const w0 = y * rows.taps;
    for (let x = 0; x < dw; x++) {
      let r = 0, g = 0, b = 0;
      for (let k = 0; k < rows.count[y]; k++) {
        const w = rows.weights[w0 + k], o = ((rows.start[y] + k - firstRow) * dw + x) * 3;
        r += w * tmp[o];
        g += w * tmp[o + 1];
        b += w * tmp[o + 2];
      }
      const d = (y * dw + x) * dc;
      dst.data[d] = clampByte(r);
      dst.data[d + 1] = clampByte(g);
      dst.data[d + 2] = clampByte(b);
      if (dc === 4) dst.data[d + 3] = 255;
    }
  }
}

interface FilterTable {
  /** First source index read by each output index. */
  start: Int32Array;
  count: Int32Array;
  /** `taps` normalised weights per output index. */
  weights: Float32Array;
  taps: number;
}

/** Triangle-filter weights mapping `n` source samples to `m` outputs at `scale`, with the
 * output window centred on the source (the crop). */
function filterTable(n: number, m: number, scale: number): FilterTable {
  const support = Math.max(1, 1 / scale);
  const taps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(m), count = new Int32Array(m);
  const weights = new Float32Array(m * taps);
  const offset = (n - m / scale) / 2;
  for (let i = 0; i < m; i++) {
    const centre = offset + (i + 0.5) / scale;
    const lo = Math.max(0, Math.floor(centre - support));
    const hi = Math.min(n, Math.ceil(centre + support));
    let total = 0, used = 0;
    for (let j = lo; j < hi && used < taps; j++) {
      const w = Math.max(0, 1 - Math.abs(j + 0.5 - centre) / support);
      weights[i * taps + used++] = w;
      total += w;
    }
    if (total === 0) {
      // Centre beyond the last sample centre with a width-1 filter: nearest sample.
      weights[i * taps] = 1;
      used = 1;
      total = 1;
    }
    for (let k = 0; k < used; k++) weights[i * taps + k] /= total;
    start[i] = lo;
    count[i] = used;
  }
  return { start, count, weights, taps };
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}
