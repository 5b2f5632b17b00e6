/**
 * Edges that follow the picture: a gray guided filter (He, Sun, Tang, "Guided Image
 * Filtering", 2010/2013) of the person probability, guided by the frame's luma, in its
 * fast form (He & Sun, "Fast Guided Filter", 2015): the linear coefficients a, b of
 * q = a·I + b are fitted at the working resolution (about ¼ of 720p), then upsampled
 * bilinearly and applied with the full-size luma, so the cut lands on the frame's own
 * edges while the fitting costs what a 320x180 map costs.
 *
 * Why this and not a joint bilateral at full size: prototypes on ../shared/data/portraits
 * gave the same boundary IoU (0.695 → 0.714) for ~1/100 of the cost.
 */
import { assertMap } from "./_check.ts";
import { assertLumaChannels, LUMA_1, LUMA_B, LUMA_G, LUMA_R } from "./temporal_smoothing.ts";
import type { BilinearTable } from "./resize.ts";

/** Planes the coefficient fit needs, one set per working size. */
export interface GuidedScratch {
  width: number;
  height: number;
  meanI: Float32Array;
  meanP: Float32Array;
  corrIP: Float32Array;
  corrII: Float32Array;
  temp: Float32Array;
  /** width: running column sums of the vertical pass of the box mean. */
  columns: Float32Array;
}

export function createGuidedScratch(width: number, height: number): GuidedScratch {
  const plane = () => new Float32Array(width * height);
  return {
    width,
    height,
    meanI: plane(),
    meanP: plane(),
    corrIP: plane(),
    corrII: plane(),
    temp: plane(),
    columns: new Float32Array(width),
  };
}

/** The argument checks of {@link guidedCoefficients}, shared with its wasm twin. */
export function checkGuidedCoefficients(
  guide: Float32Array,
  p: Float32Array,
  width: number,
  height: number,
  radius: number,
  eps: number,
  scratch: GuidedScratch,
  a: Float32Array,
  b: Float32Array,
): void {
  assertMap(guide, width, height, "guided filter guide");
  assertMap(p, width, height, "guided filter input");
  assertMap(a, width, height, "guided filter a");
  assertMap(b, width, height, "guided filter b");
  if (scratch.width !== width || scratch.height !== height) {
    throw new RangeError(
      `guided filter scratch: expected ${width}x${height}, got ${scratch.width}x${scratch.height}`,
    );
  }
  if (!Number.isInteger(radius) || radius < 1) {
    throw new RangeError(`guided filter radius: expected an integer >= 1, got ${radius}`);
  }
  if (!(eps > 0)) throw new RangeError(`guided filter eps: expected > 0, got ${eps}`);
}

/**
 * Fits q = a·I + b to `p` in every (2r+1)² window of the guide `guide` (both 0..1,
 * width x height) and writes the window-averaged coefficients into `a` and `b`.
 * `eps` (in luma², 1e-2 ≈ a contrast of 0.1) is how much picture contrast it takes for
 * the mask to follow the picture rather than stay as the model drew it.
 */
export function guidedCoefficients(
  guide: Float32Array,
  p: Float32Array,
  width: number,
  height: number,
  radius: number,
  eps: number,
  scratch: GuidedScratch,
  a: Float32Array,
  b: Float32Array,
): void {
  checkGuidedCoefficients(guide, p, width, height, radius, eps, scratch, a, b);
  const { meanI, meanP, corrIP, corrII, temp, columns } = scratch;
  for (let i = 0; i < p.length; i++) {
    const g = guide[i];
    corrIP[i] = g * p[i];
    corrII[i] = g * g;
  }
  boxMean(guide, width, height, radius, temp, columns, meanI);
  boxMean(p, width, height, radius, temp, columns, meanP);
  boxMean(corrIP, width, height, radius, temp, columns, corrIP);
  boxMean(corrII, width, height, radius, temp, columns, corrII);
  for (let i = 0; i < p.length; i++) {
    const mi = meanI[i], mp = meanP[i];
    const slope = (corrIP[i] - mi * mp) / (corrII[i] - mi * mi + eps);
    a[i] = slope;
    b[i] = mp - slope * mi;
  }
  boxMean(a, width, height, radius, temp, columns, a);
  boxMean(b, width, height, radius, temp, columns, b);
}

/** The argument checks of {@link applyGuided}, shared with its wasm twin. */
export function checkApplyGuided(
  a: Float32Array,
  b: Float32Array,
  xs: BilinearTable,
  ys: BilinearTable,
  data: Uint8Array,
  channels: 1 | 3 | 4,
  rowA: Float32Array,
  rowB: Float32Array,
  out: Uint8Array,
  table?: Uint8Array,
): void {
  const lowWidth = xs.from, width = xs.size, height = ys.size;
  assertLumaChannels(channels, "applyGuided");
  if (table !== undefined && table.length !== 256) {
    throw new RangeError(`applyGuided table: expected 256 bytes, got ${table.length}`);
  }
  assertMap(a, lowWidth, ys.from, "applyGuided a");
  assertMap(b, lowWidth, ys.from, "applyGuided b");
  assertMap(rowA, lowWidth, 1, "applyGuided rowA");
  assertMap(rowB, lowWidth, 1, "applyGuided rowB");
  if (data.length !== width * height * channels) {
    throw new RangeError(
      `applyGuided: expected ${width * height * channels} frame bytes, got ${data.length}`,
    );
  }
  assertMap(out, width, height, "applyGuided output");
}

/**
 * q = A·I + B at full size into `out` (0..255): A and B (xs.from x ys.from) bilinearly
 * upsampled to the frame (xs.size x ys.size), I the frame's luma. `rowA`, `rowB` are
 * xs.from floats of scratch. With `table` (256 bytes) each value v is written as table[v]:
 * the mask's ramp (mask.ts maskTable) applied as the alpha is written, which saves the
 * refiner a pass over the frame and lets the wasm twin fill whole blocks that the ramp
 * makes 0 or 255. `channels` 1: `data` is a gray plane (a full-range Y plane) whose
 * bytes are the luma, as in lumaDownscale.
 */
export function applyGuided(
  a: Float32Array,
  b: Float32Array,
  xs: BilinearTable,
  ys: BilinearTable,
  data: Uint8Array,
  channels: 1 | 3 | 4,
  rowA: Float32Array,
  rowB: Float32Array,
  out: Uint8Array,
  table: Uint8Array = IDENTITY,
): void {
  const lowWidth = xs.from, width = xs.size, height = ys.size;
  checkApplyGuided(a, b, xs, ys, data, channels, rowA, rowB, out, table);
  const spans = spansOf(xs);
  for (let y = 0; y < height; y++) {
    const r0 = ys.i0[y] * lowWidth, r1 = ys.i1[y] * lowWidth, wy = ys.w1[y];
    for (let i = 0; i < lowWidth; i++) {
      rowA[i] = a[r0 + i] + (a[r1 + i] - a[r0 + i]) * wy;
      rowB[i] = b[r0 + i] + (b[r1 + i] - b[r0 + i]) * wy;
    }
    const row = y * width;
    // The pixels between two samples (a span) share them. Where A is ~0 at both and B
    // rounds to the same level, the whole span is that level whatever the picture: most
    // of a frame (flat background, inside the person). Such spans are gathered into runs
    // and filled without reading their pixels.
    let runStart = 0, runLevel = -1;
    for (let s = 0; s + 1 < spans.length; s++) {
      const x0 = spans[s], x1 = spans[s + 1];
      const i0 = xs.i0[x0], i1 = xs.i1[x0];
      const a0 = rowA[i0], a1 = rowA[i1], b0 = rowB[i0], b1 = rowB[i1];
      if (a0 < FLAT_A && a0 > -FLAT_A && a1 < FLAT_A && a1 > -FLAT_A) {
        const level = Math.round(b0 * 255);
        if (level === Math.round(b1 * 255)) {
          if (level !== runLevel) {
            if (runLevel >= 0) out.fill(table[runLevel], row + runStart, row + x0);
            runStart = x0;
            runLevel = level < 0 ? 0 : level > 255 ? 255 : level;
          }
          continue;
        }
      }
      if (runLevel >= 0) out.fill(table[runLevel], row + runStart, row + x0);
      runLevel = -1;
      for (let x = x0, p = (row + x0) * channels; x < x1; x++, p += channels) {
        const wx = xs.w1[x];
        const va = a0 + (a1 - a0) * wx, vb = b0 + (b1 - b0) * wx;
        const luma = channels === 1
          ? data[p] * LUMA_1
          : data[p] * LUMA_R + data[p + 1] * LUMA_G + data[p + 2] * LUMA_B;
        const v = (va * luma + vb) * 255 + 0.5; // truncated below: +0.5 rounds
        out[row + x] = table[v < 0 ? 0 : v > 255 ? 255 : v | 0];
      }
    }
    if (runLevel >= 0) out.fill(table[runLevel], row + runStart, row + width);
  }
}

/** applyGuided without a table: v is written as v. */
const IDENTITY = Uint8Array.from({ length: 256 }, (_, v) => v);

/** |A| below this moves the output by under 1/4 level whatever the luma. */
const FLAT_A = 1e-3;

const spanCache = new WeakMap<BilinearTable, Int32Array>();

/** Where each run of output pixels sharing the same two samples starts (+ the end). */
function spansOf(xs: BilinearTable): Int32Array {
  let spans = spanCache.get(xs);
  if (spans === undefined) {
    const starts = [0];
    for (let x = 1; x < xs.size; x++) if (xs.i0[x] !== xs.i0[x - 1]) starts.push(x);
    starts.push(xs.size);
    spans = Int32Array.from(starts);
    spanCache.set(xs, spans);
  }
  return spans;
}

/**
 * Mean over the (2r+1)² window with edges clamped, by running sums (O(1) per value
 * whatever r); the vertical pass walks rows with one running sum per column, which
 * reads memory in order. `out` may be `src`; `temp` must not be either; `columns` holds
 * `width` floats.
 */
export function boxMean(
  src: Float32Array,
  width: number,
  height: number,
  radius: number,
  temp: Float32Array,
  columns: Float32Array,
  out: Float32Array,
): void {
  const scale = 1 / (2 * radius + 1);
  const lastX = width - 1, lastY = height - 1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let sum = (radius + 1) * src[row];
    for (let i = 1; i <= radius; i++) sum += src[row + (i < lastX ? i : lastX)];
    for (let x = 0; x < width; x++) {
      temp[row + x] = sum * scale;
      const add = x + radius + 1, sub = x - radius;
      sum += src[row + (add < lastX ? add : lastX)] - src[row + (sub > 0 ? sub : 0)];
    }
  }
  for (let x = 0; x < width; x++) columns[x] = (radius + 1) * temp[x];
  for (let i = 1; i <= radius; i++) {
    const row = (i < lastY ? i : lastY) * width;
    for (let x = 0; x < width; x++) columns[x] += temp[row + x];
  }
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const add = (y + radius + 1 < lastY ? y + radius + 1 : lastY) * width;
    const sub = (y - radius > 0 ? y - radius : 0) * width;
    for (let x = 0; x < width; x++) {
      out[row + x] = columns[x] * scale;
      columns[x] += temp[add + x] - temp[sub + x];
    }
  }
}
