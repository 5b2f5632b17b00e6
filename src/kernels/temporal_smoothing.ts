/**
 * Memory across frames, at the working resolution of the mask (about the model's,
 * 256x144 to 480x270): a frame's luma sampled down, how much each place changed since
 * another frame, and a motion-gated running average of the person probability.
 *
 * Why motion-gated: a plain running average drags the mask behind a moving person (on
 * ../shared/data/motion `stride`, IoU 0.882 → 0.768 with 0.85 on the previous mask),
 * while the model's wobble on a still person is what users see as edge flicker. So each
 * place keeps its memory only where the picture did not change: a still person is
 * averaged over ~12 frames, a moving edge takes the new probability at once.
 *
 * Every map is row-major float32 in 0..1; the caller owns all buffers.
 */
import { assertMap } from "./_check.ts";
import type { BilinearTable } from "./resize.ts";

/** Rec. 601 luma weights, the same the guided filter uses for its full-size guide. */
export const LUMA_R = 0.299 / 255;
export const LUMA_G = 0.587 / 255;
export const LUMA_B = 0.114 / 255;
/**
 * A gray plane's luma per level (`channels` 1: a Y plane): the byte itself, unweighted.
 * Full-range Y is the Rec. 601 luma of its pixel already; limited-range Y (16..235) the
 * caller maps itself.
 */
export const LUMA_1 = 1 / 255;

/** Throws unless `channels` is a pixel layout the luma kernels read (1 gray, 3 RGB, 4 RGBA). */
export function assertLumaChannels(channels: number, name: string): void {
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new RangeError(
      `${name}: expected channels 1 (a gray or Y plane), 3 (RGB) or 4 (RGBA), got ${channels}`,
    );
  }
}

/** The argument checks of {@link lumaDownscale}, shared with its wasm twin. */
export function checkLumaDownscale(
  data: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3 | 4,
  xs: BilinearTable,
  ys: BilinearTable,
  out: Float32Array,
): void {
  assertLumaChannels(channels, "lumaDownscale");
  if (xs.from !== width || ys.from !== height) {
    throw new RangeError(
      `lumaDownscale: expected tables from ${width}x${height}, got ${xs.from}x${ys.from}`,
    );
  }
  if (data.length !== width * height * channels) {
    throw new RangeError(
      `lumaDownscale: expected ${width * height * channels} frame bytes, got ${data.length}`,
    );
  }
  assertMap(out, xs.size, ys.size, "lumaDownscale output");
}

/**
 * Luma (0..1) of a frame (`channels` 3 or 4), bilinearly sampled at the positions of the
 * tables (xs.from = frame width, ys.from = frame height) into `out` (xs.size·ys.size).
 * `channels` 1: `data` is a gray plane (a full-range Y plane, width·height bytes) whose
 * bytes are the luma, so a YUV frame needs no conversion to RGB for it.
 */
export function lumaDownscale(
  data: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3 | 4,
  xs: BilinearTable,
  ys: BilinearTable,
  out: Float32Array,
): void {
  checkLumaDownscale(data, width, height, channels, xs, ys, out);
  const stride = width * channels, outWidth = xs.size;
  if (channels === 1) {
    for (let y = 0; y < ys.size; y++) {
      const r0 = ys.i0[y] * stride, r1 = ys.i1[y] * stride, wy = ys.w1[y];
      for (let x = 0, o = y * outWidth; x < outWidth; x++, o++) {
        const c0 = xs.i0[x], c1 = xs.i1[x], wx = xs.w1[x];
        const la = data[r0 + c0] * LUMA_1, lb = data[r0 + c1] * LUMA_1;
        const lc = data[r1 + c0] * LUMA_1, ld = data[r1 + c1] * LUMA_1;
        const top = la + (lb - la) * wx, bottom = lc + (ld - lc) * wx;
        out[o] = top + (bottom - top) * wy;
      }
    }
    return;
  }
  for (let y = 0; y < ys.size; y++) {
    const r0 = ys.i0[y] * stride, r1 = ys.i1[y] * stride, wy = ys.w1[y];
    for (let x = 0, o = y * outWidth; x < outWidth; x++, o++) {
      const c0 = xs.i0[x] * channels, c1 = xs.i1[x] * channels, wx = xs.w1[x];
      const a = r0 + c0, b = r0 + c1, c = r1 + c0, d = r1 + c1;
      const la = data[a] * LUMA_R + data[a + 1] * LUMA_G + data[a + 2] * LUMA_B;
      const lb = data[b] * LUMA_R + data[b + 1] * LUMA_G + data[b + 2] * LUMA_B;
      const lc = data[c] * LUMA_R + data[c + 1] * LUMA_G + data[c + 2] * LUMA_B;
      const ld = data[d] * LUMA_R + data[d + 1] * LUMA_G + data[d + 2] * LUMA_B;
      const top = la + (lb - la) * wx, bottom = lc + (ld - lc) * wx;
      out[o] = top + (bottom - top) * wy;
    }
  }
}

/** The argument checks of {@link blurredChange}, shared with its wasm twin. */
export function checkBlurredChange(
  a: Float32Array,
  b: Float32Array,
  width: number,
  height: number,
  scratch: Float32Array,
  out: Float32Array,
): void {
  assertMap(a, width, height, "blurredChange current");
  assertMap(b, width, height, "blurredChange previous");
  assertMap(scratch, width, height, "blurredChange scratch");
  assertMap(out, width, height, "blurredChange output");
}

/**
 * |a − b − shift| averaged over each 3x3 neighbourhood (edges clamped), where shift is
 * the mean of a − b over the whole map: a camera's auto-exposure moves every place's
 * luma together (±0.01 a frame on ../shared/data/videos/desk_960x540.mp4-like footage,
 * and the reference can be 5 frames old), which is not motion. The blur takes noise
 * that is independent per pixel down by 3x before a maximum can pick it up. Returns the
 * largest value, which the dilation that follows ({@link dilate3}: a moving edge also
 * moves the mask next to it) does not change, so a frame loop can decide whether
 * anything moved before paying for the dilation. `scratch` is one map of the same size.
 *
 * The shift is summed in f64 in index order and rounded to f32, and each difference is
 * two f32 subtractions, so that the wasm twin's f32x4 lanes give the same bits.
 */
export function blurredChange(
  a: Float32Array,
  b: Float32Array,
  width: number,
  height: number,
  scratch: Float32Array,
  out: Float32Array,
): number {
  checkBlurredChange(a, b, width, height, scratch, out);
  const lastY = height - 1, fround = Math.fround;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += fround(a[i] - b[i]);
  const shift = fround(sum / a.length);
  for (let i = 0; i < a.length; i++) {
    const d = fround(fround(a[i] - b[i]) - shift);
    out[i] = d < 0 ? -d : d;
  }
  let largest = 0;
  // 3x3 mean: horizontal into scratch, vertical back into out; the row ends are written
  // apart so that the inner loop carries no clamping.
  for (let y = 0; y < height; y++) {
    const row = y * width, end = row + width - 1;
    if (width === 1) {
      scratch[row] = 3 * out[row];
      continue;
    }
    scratch[row] = 2 * out[row] + out[row + 1];
    for (let i = row + 1; i < end; i++) scratch[i] = out[i - 1] + out[i] + out[i + 1];
    scratch[end] = out[end - 1] + 2 * out[end];
  }
  for (let y = 0; y < height; y++) {
    const up = (y > 0 ? y - 1 : 0) * width, row = y * width;
    const down = (y < lastY ? y + 1 : lastY) * width;
    for (let x = 0; x < width; x++) {
      const v = (scratch[up + x] + scratch[row + x] + scratch[down + x]) * (1 / 9);
      out[row + x] = v;
      if (v > largest) largest = v;
    }
  }
  return largest;
}

/** The argument checks of {@link dilate3}, shared with its wasm twin. */
export function checkDilate3(
  map: Float32Array,
  width: number,
  height: number,
  scratch: Float32Array,
): void {
  assertMap(map, width, height, "dilate3 map");
  assertMap(scratch, width, height, "dilate3 scratch");
}

/** The 3x3 maximum of `map` after {@link blurredChange}, in place; returns its largest value. */
export function dilate3(
  map: Float32Array,
  width: number,
  height: number,
  scratch: Float32Array,
): number {
  checkDilate3(map, width, height, scratch);
  const out = map, lastY = height - 1;
  // Horizontal into scratch, vertical back into the map.
  for (let y = 0; y < height; y++) {
    const row = y * width, end = row + width - 1;
    if (width === 1) {
      scratch[row] = out[row];
      continue;
    }
    scratch[row] = out[row] > out[row + 1] ? out[row] : out[row + 1];
    for (let i = row + 1; i < end; i++) {
      const l = out[i - 1], c = out[i], r = out[i + 1];
      const m = l > c ? l : c;
      scratch[i] = m > r ? m : r;
    }
    scratch[end] = out[end - 1] > out[end] ? out[end - 1] : out[end];
  }
  let largest = 0;
  for (let y = 0; y < height; y++) {
    const up = (y > 0 ? y - 1 : 0) * width, row = y * width;
    const down = (y < lastY ? y + 1 : lastY) * width;
    for (let x = 0; x < width; x++) {
      const u = scratch[up + x], c = scratch[row + x], d = scratch[down + x];
      const m = u > c ? u : c;
      const v = m > d ? m : d;
      out[row + x] = v;
      if (v > largest) largest = v;
    }
  }
  return largest;
}

/**
 * What the motion-gated average takes for noise and what for motion; see
 * {@link smoothTemporal}. Every field is in 0..1.
 */
export interface MotionGate {
  /** Picture change (blurred, dilated luma) up to which a place counts as still. */
  noise: number;
  /** Picture change from which a place counts as moving (its memory is let go). */
  motion: number;
  /**
   * How far the model's probability may stray from the memory and still be called
   * wobble: kept in full up to wobble/2, let go from wobble on.
   */
  wobble: number;
}

/** The argument checks of {@link smoothTemporal}, shared with its wasm twin. */
export function checkSmoothTemporal(
  probability: Float32Array,
  change: Float32Array,
  width: number,
  height: number,
  strength: number,
  gate: MotionGate,
  state: Float32Array,
): void {
  assertMap(probability, width, height, "smoothTemporal probability");
  assertMap(change, width, height, "smoothTemporal change");
  assertMap(state, width, height, "smoothTemporal state");
  if (!(strength >= 0 && strength <= 1)) {
    throw new RangeError(`smoothTemporal strength: expected 0 to 1, got ${strength}`);
  }
  const { noise, motion, wobble } = gate;
  if (!(noise >= 0 && motion > noise && wobble > 0)) {
    throw new RangeError(
      `smoothTemporal gate: expected 0 <= noise < motion and wobble > 0, got noise ${noise}, motion ${motion}, wobble ${wobble}`,
    );
  }
}

/**
 * The motion-gated running average, in place on `state`:
 *   state = p + (state − p)·strength·max(stillPicture, stillModel)
 *   stillPicture = clamp((motion − change)/(motion − noise), 0, 1)
 *   stillModel   = clamp(2 − 2·|p − state|/wobble, 0, 1)
 * `change` is the blurred, dilated change between this frame and the reference.
 *
 * A place lets its memory go only when both the picture and the model say it moved:
 * compression blocks and exposure steps change the picture but not the model's answer
 * (kept: nothing to lose), the model's wobble on a still person changes its answer but
 * not the picture (kept: that is the flicker), while a person who really moves changes
 * both, and the memory is dropped at once rather than faded along a ramp. Where the
 * picture moves, the memory can trail the model by at most `wobble`, whatever the speed.
 */
export function smoothTemporal(
  probability: Float32Array,
  change: Float32Array,
  width: number,
  height: number,
  strength: number,
  gate: MotionGate,
  state: Float32Array,
): void {
  checkSmoothTemporal(probability, change, width, height, strength, gate, state);
  const fround = Math.fround;
  // f32 constants and f32 steps, as the wasm twin's f32x4 lanes compute them.
  const motion = fround(gate.motion), perChange = fround(1 / (gate.motion - gate.noise));
  const perWobble = fround(2 / gate.wobble), k = fround(strength);
  for (let i = 0; i < state.length; i++) {
    const p = probability[i], s = state[i];
    const picture = fround(fround(motion - change[i]) * perChange);
    const d = fround(p - s);
    const model = fround(2 - fround((d < 0 ? -d : d) * perWobble));
    let still = picture > model ? picture : model;
    still = still < 0 ? 0 : still > 1 ? 1 : still;
    state[i] = fround(p + fround(fround(s - p) * fround(k * still)));
  }
}
