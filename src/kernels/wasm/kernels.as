// Per-pixel kernels in AssemblyScript with 128-bit SIMD: the wasm twins of the TypeScript
// kernels in src/kernels/*.ts, which stay the reference (tests/kernels/wasm_kernels.test.ts
// holds each pair within one level of each other). Built by scripts/build_wasm.ts into
// kernels.wasm; driven by wasm_kernels.ts, which owns the memory and every buffer. The
// file is named .as, not .ts, so that deno fmt, lint and check leave it alone.
//
// Every pointer is a byte offset into the one imported memory. Nothing here allocates:
// the loader hands in scratch space. RGB pixels are handled four at a time as i32x4 lanes
// (one pixel per lane, channels split out by a byte swizzle), because wasm SIMD has no
// de-interleaving loads; 16 mask bytes are tested at once for the all-person and
// all-background runs that make up most of a frame.

// ---- tables, filled once by the start function -------------------------------------------

/** lens_blur.ts WEIGHT: background weight (255 − a)² / 255, f32. */
const WEIGHT: usize = memory.data(256 * 4, 16);
/** compositeOverColor's 16-pixel colour pattern. */
const PATTERN: usize = memory.data(48, 16);
for (let a = 0; a < 256; a++) {
  const ia: i32 = 255 - a;
  store<f32>(WEIGHT + (<usize>a << 2), <f32>(ia * ia) / <f32>255);
}

/** Start of the memory the loader may use: after this module's static data. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

// ---- four pixels as i32x4 lanes ------------------------------------------------------------

/** Swizzle masks: channel c of four RGB (or RGBA) pixels into the low byte of each lane. */
const X: u8 = 0x80; // an index >= 16 reads as zero

// @ts-ignore: decorator
@inline
function lanesOf(v: v128, channels: i32, c: u8): v128 {
  if (channels == 3) {
    return i8x16.swizzle(v, i8x16(c, X, X, X, c + 3, X, X, X, c + 6, X, X, X, c + 9, X, X, X));
  }
  return i8x16.swizzle(v, i8x16(c, X, X, X, c + 4, X, X, X, c + 8, X, X, X, c + 12, X, X, X));
}

const PACK3 = i8x16(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, X, X, X, X);
const OPAQUE = i32x4.splat(0xff000000);

/** Stores four pixels whose channels are i32x4 lanes 0..255 (alpha 255 for RGBA). */
// @ts-ignore: decorator
@inline
function storePixels(d: usize, channels: i32, r: v128, g: v128, b: v128): void {
  const words = v128.or(v128.or(r, i32x4.shl(g, 8)), i32x4.shl(b, 16));
  if (channels == 4) {
    v128.store(d, v128.or(words, OPAQUE));
  } else {
    const packed = i8x16.swizzle(words, PACK3);
    v128.store64_lane(d, packed, 0);
    v128.store32_lane(d + 8, packed, 2);
  }
}

/** Four mask bytes as i32x4 lanes. */
// @ts-ignore: decorator
@inline
function alphaLanes(p: usize): v128 {
  return i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p)));
}

/** round(x / 255) per lane, 0 <= x <= 65535 (composite.ts div255). */
// @ts-ignore: decorator
@inline
function div255(x: v128): v128 {
  const t = i32x4.add(x, i32x4.splat(128));
  return i32x4.shr_u(i32x4.add(t, i32x4.shr_u(t, 8)), 8);
}

// @ts-ignore: decorator
@inline
function div255s(x: i32): i32 {
  const t = x + 128;
  return (t + (t >> 8)) >> 8;
}

/** Whether 16 mask bytes at p all equal `value` (0 or 255). */
// @ts-ignore: decorator
@inline
function all16(p: usize, value: u8): bool {
  return i8x16.all_true(i8x16.eq(v128.load(p), i8x16.splat(value)));
}

/** Copies n RGB pixels (3 bytes each) when both sides are RGB; used for runs of person. */
// @ts-ignore: decorator
@inline
function copyRgb16(src: usize, dst: usize): void {
  v128.store(dst, v128.load(src));
  v128.store(dst + 16, v128.load(src + 16));
  v128.store(dst + 32, v128.load(src + 32));
}

// ---- composite.ts ---------------------------------------------------------------------------

/** out = a·frame + (1 − a)·colour (composite.ts compositeOverColor). */
export function compositeOverColor(
  src: usize,
  sc: i32,
  alpha: usize,
  dst: usize,
  dc: i32,
  n: i32,
  r: i32,
  g: i32,
  b: i32,
): void {
  const cr = i32x4.splat(r), cg = i32x4.splat(g), cb = i32x4.splat(b);
  const full = i32x4.splat(255);
  const rgb = sc == 3 && dc == 3;
  // Sixteen RGB pixels of the colour: 48 bytes, three vectors, for runs of background.
  for (let k: usize = 0; k < 48; k += 3) {
    store<u8>(PATTERN + k, r);
    store<u8>(PATTERN + k + 1, g);
    store<u8>(PATTERN + k + 2, b);
  }
  const p0 = v128.load(PATTERN), p1 = v128.load(PATTERN + 16), p2 = v128.load(PATTERN + 32);
  let i = 0;
  while (i + 4 <= n) {
    const pa = alpha + <usize>i, ps = src + <usize>(i * sc), pd = dst + <usize>(i * dc);
    if (rgb && i + 16 <= n) {
      if (all16(pa, 255)) {
        copyRgb16(ps, pd);
        i += 16;
        continue;
      }
      if (all16(pa, 0)) {
        v128.store(pd, p0);
        v128.store(pd + 16, p1);
        v128.store(pd + 32, p2);
        i += 16;
        continue;
      }
    }
    const a = alphaLanes(pa), ia = i32x4.sub(full, a);
    const v = v128.load(ps);
    storePixels(
      pd,
      dc,
      div255(i32x4.add(i32x4.mul(a, lanesOf(v, sc, 0)), i32x4.mul(ia, cr))),
      div255(i32x4.add(i32x4.mul(a, lanesOf(v, sc, 1)), i32x4.mul(ia, cg))),
      div255(i32x4.add(i32x4.mul(a, lanesOf(v, sc, 2)), i32x4.mul(ia, cb))),
    );
    i += 4;
  }
  for (; i < n; i++) {
    const a = <i32>load<u8>(alpha + <usize>i), ia = 255 - a;
    const ps = src + <usize>(i * sc), pd = dst + <usize>(i * dc);
    store<u8>(pd, div255s(a * load<u8>(ps) + ia * r));
    store<u8>(pd + 1, div255s(a * load<u8>(ps + 1) + ia * g));
    store<u8>(pd + 2, div255s(a * load<u8>(ps + 2) + ia * b));
    if (dc == 4) store<u8>(pd + 3, 255);
  }
}

/** out = a·frame + (1 − a)·background (composite.ts compositeOverFrame). */
export function compositeOverFrame(
  src: usize,
  sc: i32,
  alpha: usize,
  bg: usize,
  bc: i32,
  dst: usize,
  dc: i32,
  n: i32,
): void {
  const full = i32x4.splat(255);
  const rgb = sc == 3 && dc == 3 && bc == 3;
  let i = 0;
  while (i + 4 <= n) {
    const pa = alpha + <usize>i, ps = src + <usize>(i * sc), pd = dst + <usize>(i * dc);
    const pb = bg + <usize>(i * bc);
    if (rgb && i + 16 <= n) {
      if (all16(pa, 255)) {
        copyRgb16(ps, pd);
        i += 16;
        continue;
      }
      if (all16(pa, 0)) {
        copyRgb16(pb, pd);
        i += 16;
        continue;
      }
    }
    const a = alphaLanes(pa), ia = i32x4.sub(full, a);
    const v = v128.load(ps), w = v128.load(pb);
    storePixels(
      pd,
      dc,
      div255(i32x4.add(i32x4.mul(a, lanesOf(v, sc, 0)), i32x4.mul(ia, lanesOf(w, bc, 0)))),
      div255(i32x4.add(i32x4.mul(a, lanesOf(v, sc, 1)), i32x4.mul(ia, lanesOf(w, bc, 1)))),
      div255(i32x4.add(i32x4.mul(a, lanesOf(v, sc, 2)), i32x4.mul(ia, lanesOf(w, bc, 2)))),
    );
    i += 4;
  }
  for (; i < n; i++) {
    const a = <i32>load<u8>(alpha + <usize>i), ia = 255 - a;
    const ps = src + <usize>(i * sc), pb = bg + <usize>(i * bc), pd = dst + <usize>(i * dc);
    store<u8>(pd, div255s(a * load<u8>(ps) + ia * load<u8>(pb)));
    store<u8>(pd + 1, div255s(a * load<u8>(ps + 1) + ia * load<u8>(pb + 1)));
    store<u8>(pd + 2, div255s(a * load<u8>(ps + 2) + ia * load<u8>(pb + 2)));
    if (dc == 4) store<u8>(pd + 3, 255);
  }
}

/** RGBA out: the source colour with alpha = the mask (composite.ts attachAlpha). */
export function attachAlpha(src: usize, sc: i32, alpha: usize, dst: usize, n: i32): void {
  let i = 0;
  while (i + 4 <= n) {
    const ps = src + <usize>(i * sc);
    const v = v128.load(ps);
    const rgb = sc == 3
      ? i8x16.swizzle(v, i8x16(0, 1, 2, X, 3, 4, 5, X, 6, 7, 8, X, 9, 10, 11, X))
      : v128.and(v, i32x4.splat(0x00ffffff));
    v128.store(dst + <usize>(i * 4), v128.or(rgb, i32x4.shl(alphaLanes(alpha + <usize>i), 24)));
    i += 4;
  }
  for (; i < n; i++) {
    const ps = src + <usize>(i * sc), pd = dst + <usize>(i * 4);
    store<u8>(pd, load<u8>(ps));
    store<u8>(pd + 1, load<u8>(ps + 1));
    store<u8>(pd + 2, load<u8>(ps + 2));
    store<u8>(pd + 3, load<u8>(alpha + <usize>i));
  }
}

// ---- colour.ts --------------------------------------------------------------------------------

/** out = a·frame + (1 − a)·desaturated(frame), s = round(saturation·256) (compositeOverGray). */
export function compositeOverGray(
  src: usize,
  sc: i32,
  alpha: usize,
  dst: usize,
  dc: i32,
  n: i32,
  s: i32,
): void {
  const full = i32x4.splat(255), half = i32x4.splat(128), vs = i32x4.splat(s);
  const kr = i32x4.splat(77), kg = i32x4.splat(150), kb = i32x4.splat(29);
  const rgb = sc == 3 && dc == 3;
  let i = 0;
  while (i + 4 <= n) {
    const pa = alpha + <usize>i, ps = src + <usize>(i * sc), pd = dst + <usize>(i * dc);
    if (i + 16 <= n) {
      if (rgb && all16(pa, 255)) {
        copyRgb16(ps, pd);
        i += 16;
        continue;
      }
      if (all16(pa, 0)) {
        // Pure background, most of the frame: the gray colour without the blend.
        for (let k = 0; k < 4; k++) {
          const v = v128.load(ps + <usize>(k * 4 * sc));
          const r = lanesOf(v, sc, 0), g = lanesOf(v, sc, 1), b = lanesOf(v, sc, 2);
          const y = i32x4.shr_s(
            i32x4.add(i32x4.add(i32x4.add(i32x4.mul(kr, r), i32x4.mul(kg, g)), i32x4.mul(kb, b)), half),
            8,
          );
          if (s == 0) {
            // Saturation 0 (the default): (0·d + 128) >> 8 = 0, the pixel is its luma.
            storePixels(pd + <usize>(k * 4 * dc), dc, y, y, y);
            continue;
          }
          storePixels(
            pd + <usize>(k * 4 * dc), dc,
            i32x4.add(y, i32x4.shr_s(i32x4.add(i32x4.mul(i32x4.sub(r, y), vs), half), 8)),
            i32x4.add(y, i32x4.shr_s(i32x4.add(i32x4.mul(i32x4.sub(g, y), vs), half), 8)),
            i32x4.add(y, i32x4.shr_s(i32x4.add(i32x4.mul(i32x4.sub(b, y), vs), half), 8)),
          );
        }
        i += 16;
        continue;
      }
    }
    const a = alphaLanes(pa), ia = i32x4.sub(full, a);
    const v = v128.load(ps);
    const r = lanesOf(v, sc, 0), g = lanesOf(v, sc, 1), b = lanesOf(v, sc, 2);
    const y = i32x4.shr_s(
      i32x4.add(i32x4.add(i32x4.add(i32x4.mul(kr, r), i32x4.mul(kg, g)), i32x4.mul(kb, b)), half),
      8,
    );
    const gr = i32x4.add(y, i32x4.shr_s(i32x4.add(i32x4.mul(i32x4.sub(r, y), vs), half), 8));
    const gg = i32x4.add(y, i32x4.shr_s(i32x4.add(i32x4.mul(i32x4.sub(g, y), vs), half), 8));
    const gb = i32x4.add(y, i32x4.shr_s(i32x4.add(i32x4.mul(i32x4.sub(b, y), vs), half), 8));
    storePixels(
      pd,
      dc,
      div255(i32x4.add(i32x4.mul(a, r), i32x4.mul(ia, gr))),
      div255(i32x4.add(i32x4.mul(a, g), i32x4.mul(ia, gg))),
      div255(i32x4.add(i32x4.mul(a, b), i32x4.mul(ia, gb))),
    );
    i += 4;
  }
  for (; i < n; i++) {
    const a = <i32>load<u8>(alpha + <usize>i), ia = 255 - a;
    const ps = src + <usize>(i * sc), pd = dst + <usize>(i * dc);
    const r = <i32>load<u8>(ps), g = <i32>load<u8>(ps + 1), b = <i32>load<u8>(ps + 2);
    const y = (77 * r + 150 * g + 29 * b + 128) >> 8;
    store<u8>(pd, div255s(a * r + ia * (y + (((r - y) * s + 128) >> 8))));
    store<u8>(pd + 1, div255s(a * g + ia * (y + (((g - y) * s + 128) >> 8))));
    store<u8>(pd + 2, div255s(a * b + ia * (y + (((b - y) * s + 128) >> 8))));
    if (dc == 4) store<u8>(pd + 3, 255);
  }
}

// ---- blur.ts ------------------------------------------------------------------------------------

// Low-resolution cells are one f32x4 each: r·w, g·w, b·w, w (16 bytes), so every step of
// the blur works on whole vectors.

/** blur.ts lowCoordinate. */
// @ts-ignore: decorator
@inline
function lowCoordinate(x: i32, f: i32, n: i32): f64 {
  return Math.min(<f64>(n - 1), Math.max(0, (<f64>x - <f64>(f - 1) / 2) / <f64>f));
}

/**
 * blur.ts blurBackground after its checks; f, lw, lh and the three box radii come from
 * blur.ts (blurFactor, boxRadii). Scratch: low and tmp lw·lh·16 bytes, sums lw·32,
 * upper and lower width·16, col0, col1 and colw width·4.
 */
export function blurBackground(
  src: usize,
  sc: i32,
  alpha: usize,
  dst: usize,
  dc: i32,
  width: i32,
  height: i32,
  f: i32,
  lw: i32,
  lh: i32,
  r0: i32,
  r1: i32,
  r2: i32,
  low: usize,
  tmp: usize,
  sums: usize,
  upper: usize,
  lower: usize,
  col0: usize,
  col1: usize,
  colw: usize,
): void {
  for (let x = 0; x < width; x++) {
    const u = lowCoordinate(x, f, lw), c = <i32>Math.floor(u);
    store<i32>(col0 + (<usize>x << 2), c << 4);
    store<i32>(col1 + (<usize>x << 2), min(c + 1, lw - 1) << 4);
    store<f32>(colw + (<usize>x << 2), <f32>(u - <f64>c));
  }
  downsample(src, sc, alpha, width, height, f, lw, lh, low, upper);
  for (let pass = 0; pass < 3; pass++) {
    const r = pass == 0 ? r0 : pass == 1 ? r1 : r2;
    if (r == 0) continue;
    boxHorizontal(low, tmp, lw, lh, r);
    boxVertical(tmp, low, lw, lh, r, sums);
  }
  normalise(low, lw * lh);
  upsampleComposite(
    src,
    sc,
    alpha,
    dst,
    dc,
    width,
    height,
    f,
    lw,
    lh,
    low,
    upper,
    lower,
    col0,
    col1,
    colw,
  );
}

/** (255 − 0)²: the integer weight of a background pixel (blur.ts FULL_WEIGHT). */
const FULL_WEIGHT: i32 = 65025;

/** Adds a mixed pixel's (w·r, w·g, w·b, w) to the column sums at `out`; w = (255 − a)². */
// @ts-ignore: decorator
@inline
function addWeighted(out: usize, p: usize, a: i32): void {
  const ia = 255 - a, w = ia * ia;
  const px = i32x4.replace_lane(
    i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p))),
    3,
    1,
  );
  v128.store(out, i32x4.add(v128.load(out), i32x4.mul(px, i32x4.splat(w))));
}

/**
 * One column's sums from the pure-background rows: `rgb` holds their byte sums r, g, b
 * (u16, lanes 0..2 of the low half), to be scaled by FULL_WEIGHT; lane 3 becomes n0, their
 * count, which the same scaling turns into the weight. Added to the mixed rows' sums.
 */
// @ts-ignore: decorator
@inline
function cellColumn(out: usize, rgb: v128, n0: i32, mixed: bool): void {
  let v = i32x4.mul(
    i32x4.replace_lane(i32x4.extend_low_i16x8_u(rgb), 3, n0),
    i32x4.splat(FULL_WEIGHT),
  );
  if (mixed) v = i32x4.add(v, v128.load(out));
  v128.store(out, v);
}

/**
 * Step 1 in exact integers (as blur.ts): per column, the sums over a cell row's f rows of
 * w·r, w·g, w·b and w with w = (255 − a)² (i32: f <= blur.ts MAX_FACTOR keeps them below
 * 2³¹), into `cols` (width·16 bytes); then each cell sums f columns (f32) and divides by
 * 255·pixels. RGB frames go 16 pixels a step: rows of 16 person pixels add nothing, rows
 * of 16 background pixels (most of a frame) only add their bytes as they lie in memory
 * (u16, no per-pixel weight: it is FULL_WEIGHT for all), which are split into columns
 * once per cell row; only the mixed rows at the person's edge weigh pixel by pixel.
 */
export function downsample(
  src: usize,
  sc: i32,
  alpha: usize,
  width: i32,
  height: i32,
  f: i32,
  lw: i32,
  lh: i32,
  low: usize,
  cols: usize,
): void {
  const zero = i32x4.splat(0);
  for (let ly = 0; ly < lh; ly++) {
    const y0 = ly * f, y1 = min(height, y0 + f);
    let x = 0;
    if (sc == 3) {
      for (; x + 16 <= width; x += 16) {
        const out = cols + (<usize>x << 4);
        let p0 = zero, p1 = zero, p2 = zero, p3 = zero, p4 = zero, p5 = zero;
        let n0 = 0, mixed = false;
        for (let y = y0; y < y1; y++) {
          const i = <usize>(y * width + x);
          const a = v128.load(alpha + i);
          if (i8x16.all_true(i8x16.eq(a, i8x16.splat(-1)))) continue;
          const s = src + i * 3;
          if (!v128.any_true(a)) {
            const v0 = v128.load(s), v1 = v128.load(s + 16), v2 = v128.load(s + 32);
            p0 = i16x8.add(p0, i16x8.extend_low_i8x16_u(v0));
            p1 = i16x8.add(p1, i16x8.extend_high_i8x16_u(v0));
            p2 = i16x8.add(p2, i16x8.extend_low_i8x16_u(v1));
            p3 = i16x8.add(p3, i16x8.extend_high_i8x16_u(v1));
            p4 = i16x8.add(p4, i16x8.extend_low_i8x16_u(v2));
            p5 = i16x8.add(p5, i16x8.extend_high_i8x16_u(v2));
            n0++;
            continue;
          }
          if (!mixed) {
            for (let j: usize = 0; j < 256; j += 16) v128.store(out + j, zero);
            mixed = true;
          }
          for (let j: usize = 0; j < 16; j++) {
            addWeighted(out + (j << 4), s + j * 3, <i32>load<u8>(alpha + i + j));
          }
        }
        if (n0 == 0) {
          if (!mixed) for (let j: usize = 0; j < 256; j += 16) v128.store(out + j, zero);
          continue;
        }
        // Column j's r, g, b are u16 lanes 3j..3j+2 of p0..p5 (48 lanes).
        cellColumn(out + 0, i8x16.shuffle(p0, p1, 0, 1, 2, 3, 4, 5, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
        cellColumn(out + 16, i8x16.shuffle(p0, p1, 6, 7, 8, 9, 10, 11, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
        cellColumn(out + 32, i8x16.shuffle(p0, p1, 12, 13, 14, 15, 16, 17, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
        cellColumn(out + 48, i8x16.shuffle(p1, p2, 2, 3, 4, 5, 6, 7, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
        cellColumn(out + 64, i8x16.shuffle(p1, p2, 8, 9, 10, 11, 12, 13, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
        cellColumn(out + 80, i8x16.shuffle(p1, p2, 14, 15, 16, 17, 18, 19, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
        cellColumn(out + 96, i8x16.shuffle(p2, p3, 4, 5, 6, 7, 8, 9, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
        cellColumn(out + 112, i8x16.shuffle(p2, p3, 10, 11, 12, 13, 14, 15, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
        cellColumn(out + 128, i8x16.shuffle(p3, p4, 0, 1, 2, 3, 4, 5, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
        cellColumn(out + 144, i8x16.shuffle(p3, p4, 6, 7, 8, 9, 10, 11, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
        cellColumn(out + 160, i8x16.shuffle(p3, p4, 12, 13, 14, 15, 16, 17, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
        cellColumn(out + 176, i8x16.shuffle(p4, p5, 2, 3, 4, 5, 6, 7, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
        cellColumn(out + 192, i8x16.shuffle(p4, p5, 8, 9, 10, 11, 12, 13, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
        cellColumn(out + 208, i8x16.shuffle(p4, p5, 14, 15, 16, 17, 18, 19, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
        cellColumn(out + 224, i8x16.shuffle(p5, p5, 4, 5, 6, 7, 8, 9, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
        cellColumn(out + 240, i8x16.shuffle(p5, p5, 10, 11, 12, 13, 14, 15, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
      }
    }
    if (sc == 4) {
      // RGBA frames: four columns a step, channels as i32x4 lanes; pure-background words
      // only add their bytes, as above.
      const full = i32x4.splat(FULL_WEIGHT), opaque = i32x4.splat(255);
      for (; x + 4 <= width; x += 4) {
        let pr = zero, pg = zero, pb = zero, n0 = 0;
        let mr = zero, mg = zero, mb = zero, mw = zero;
        for (let y = y0; y < y1; y++) {
          const i = <usize>(y * width + x);
          const word = load<u32>(alpha + i);
          if (word == 0xffffffff) continue;
          const v = v128.load(src + (i << 2));
          const r = lanesOf(v, 4, 0), g = lanesOf(v, 4, 1), b = lanesOf(v, 4, 2);
          if (word == 0) {
            pr = i32x4.add(pr, r);
            pg = i32x4.add(pg, g);
            pb = i32x4.add(pb, b);
            n0++;
            continue;
          }
          const ia = i32x4.sub(opaque, alphaLanes(alpha + i)), w = i32x4.mul(ia, ia);
          mr = i32x4.add(mr, i32x4.mul(w, r));
          mg = i32x4.add(mg, i32x4.mul(w, g));
          mb = i32x4.add(mb, i32x4.mul(w, b));
          mw = i32x4.add(mw, w);
        }
        const r = i32x4.add(i32x4.mul(pr, full), mr), g = i32x4.add(i32x4.mul(pg, full), mg);
        const b = i32x4.add(i32x4.mul(pb, full), mb);
        const w = i32x4.add(i32x4.splat(n0 * FULL_WEIGHT), mw);
        // Transposed to one (r, g, b, w) vector per column.
        const rg01 = i8x16.shuffle(r, g, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
        const bw01 = i8x16.shuffle(b, w, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
        const rg23 = i8x16.shuffle(r, g, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
        const bw23 = i8x16.shuffle(b, w, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
        const out = cols + (<usize>x << 4);
        v128.store(out, i8x16.shuffle(rg01, bw01, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
        v128.store(out + 16, i8x16.shuffle(rg01, bw01, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31));
        v128.store(out + 32, i8x16.shuffle(rg23, bw23, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
        v128.store(out + 48, i8x16.shuffle(rg23, bw23, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31));
      }
    }
    // The rest of the row: pixel by pixel, the same integer sums.
    for (; x < width; x++) {
      const out = cols + (<usize>x << 4);
      v128.store(out, zero);
      for (let y = y0; y < y1; y++) {
        const i = <usize>(y * width + x);
        const a = <i32>load<u8>(alpha + i);
        if (a != 255) addWeighted(out, src + i * <usize>sc, a);
      }
    }
    // Averages, not sums: the last row and column of cells may be partial.
    const count = y1 - y0;
    for (let cx = 0; cx < lw; cx++) {
      const x0 = cx * f, x1 = min(width, x0 + f);
      let s = f32x4.splat(0);
      for (let x = x0; x < x1; x++) {
        // Signed: one instruction on x86, where unsigned takes several.
        s = f32x4.add(s, f32x4.convert_i32x4_s(v128.load(cols + (<usize>x << 4))));
      }
      const inv = f32x4.splat(<f32>(1 / (<f64>255 * <f64>(count * (x1 - x0)))));
      v128.store(low + ((<usize>(ly * lw + cx)) << 4), f32x4.mul(s, inv));
    }
  }
}

/** Four consecutive bytes as u32 lanes (a pixel's channels). */
// @ts-ignore: decorator
@inline
function alphaLanesBytes(p: usize): v128 {
  return i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p)));
}

// The running sums are f64, as in blur.ts: a sum that slides from bright background into a
// region of almost no weight keeps the rounding residue of what it subtracted, and in f32
// that residue, divided by the tiny blurred weight, moved colours by several levels.

/** A cell (f32x4) as two f64x2: (r, g) and (b, w). */
// @ts-ignore: decorator
@inline
function lowPair(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

// @ts-ignore: decorator
@inline
function highPair(v: v128): v128 {
  return f64x2.promote_low_f32x4(
    i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7),
  );
}

/** Two f64x2 back to one f32x4 cell. */
// @ts-ignore: decorator
@inline
function cellOf(lo: v128, hi: v128): v128 {
  return i8x16.shuffle(
    f32x4.demote_f64x2_zero(lo),
    f32x4.demote_f64x2_zero(hi),
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    16,
    17,
    18,
    19,
    20,
    21,
    22,
    23,
  );
}

/**
 * Box sums along each row, in f64 (see above). Two rows a step: each row's running sum is
 * a chain of dependent additions (about 8 cycles a cell), and two independent chains
 * overlap; each row's own additions stay in the order of one row at a time.
 */
function boxHorizontal(src: usize, dst: usize, lw: i32, lh: i32, r: i32): void {
  const scale = f64x2.splat(1 / <f64>(2 * r + 1));
  const n = <usize>lw << 4;
  let y = 0;
  for (; y + 2 <= lh; y += 2) {
    const row = <usize>(y * lw) << 4;
    const s0 = src + row, s1 = s0 + n, d0 = dst + row, d1 = d0 + n;
    let lo0 = f64x2.splat(0), hi0 = f64x2.splat(0), lo1 = f64x2.splat(0), hi1 = f64x2.splat(0);
    for (let x = 0; x <= r && x < lw; x++) {
      const k = <usize>x << 4, v0 = v128.load(s0 + k), v1 = v128.load(s1 + k);
      lo0 = f64x2.add(lo0, lowPair(v0));
      hi0 = f64x2.add(hi0, highPair(v0));
      lo1 = f64x2.add(lo1, lowPair(v1));
      hi1 = f64x2.add(hi1, highPair(v1));
    }
    for (let x = 0; x < lw; x++) {
      const k = <usize>x << 4;
      v128.store(d0 + k, cellOf(f64x2.mul(lo0, scale), f64x2.mul(hi0, scale)));
      v128.store(d1 + k, cellOf(f64x2.mul(lo1, scale), f64x2.mul(hi1, scale)));
      const add = x + r + 1, sub = x - r;
      if (add < lw) {
        const a = <usize>add << 4, v0 = v128.load(s0 + a), v1 = v128.load(s1 + a);
        lo0 = f64x2.add(lo0, lowPair(v0));
        hi0 = f64x2.add(hi0, highPair(v0));
        lo1 = f64x2.add(lo1, lowPair(v1));
        hi1 = f64x2.add(hi1, highPair(v1));
      }
      if (sub >= 0) {
        const b = <usize>sub << 4, v0 = v128.load(s0 + b), v1 = v128.load(s1 + b);
        lo0 = f64x2.sub(lo0, lowPair(v0));
        hi0 = f64x2.sub(hi0, highPair(v0));
        lo1 = f64x2.sub(lo1, lowPair(v1));
        hi1 = f64x2.sub(hi1, highPair(v1));
      }
    }
  }
  for (; y < lh; y++) {
    const row = <usize>(y * lw) << 4;
    let lo = f64x2.splat(0), hi = f64x2.splat(0);
    for (let x = 0; x <= r && x < lw; x++) {
      const v = v128.load(src + row + (<usize>x << 4));
      lo = f64x2.add(lo, lowPair(v));
      hi = f64x2.add(hi, highPair(v));
    }
    for (let x = 0; x < lw; x++) {
      v128.store(dst + row + (<usize>x << 4), cellOf(f64x2.mul(lo, scale), f64x2.mul(hi, scale)));
      const add = x + r + 1, sub = x - r;
      if (add < lw) {
        const v = v128.load(src + row + (<usize>add << 4));
        lo = f64x2.add(lo, lowPair(v));
        hi = f64x2.add(hi, highPair(v));
      }
      if (sub >= 0) {
        const v = v128.load(src + row + (<usize>sub << 4));
        lo = f64x2.sub(lo, lowPair(v));
        hi = f64x2.sub(hi, highPair(v));
      }
    }
  }
}

/**
 * sums: lw·32 bytes, two f64x2 per cell. Two output rows a visit of each column: its sums
 * stay in registers between them (the same additions, in the same order, as row by row).
 */
function boxVertical(src: usize, dst: usize, lw: i32, lh: i32, r: i32, sums: usize): void {
  const scale = f64x2.splat(1 / <f64>(2 * r + 1));
  const n = <usize>lw << 4;
  memory.fill(sums, 0, n << 1);
  for (let y = 0; y <= r && y < lh; y++) {
    const row = src + <usize>y * n;
    for (let o: usize = 0; o < n; o += 16) {
      const v = v128.load(row + o), ps = sums + (o << 1);
      v128.store(ps, f64x2.add(v128.load(ps), lowPair(v)));
      v128.store(ps + 16, f64x2.add(v128.load(ps + 16), highPair(v)));
    }
  }
  let y = 0;
  for (; y + 2 <= lh; y += 2) {
    const row = dst + <usize>y * n;
    const add = y + r + 1, sub = y - r;
    const pa = src + <usize>add * n, pb = src + <usize>sub * n;
    const add0 = add < lh, sub0 = sub >= 0, add1 = add + 1 < lh, sub1 = sub + 1 >= 0;
    for (let o: usize = 0; o < n; o += 16) {
      const ps = sums + (o << 1);
      let lo = v128.load(ps), hi = v128.load(ps + 16);
      v128.store(row + o, cellOf(f64x2.mul(lo, scale), f64x2.mul(hi, scale)));
      if (add0) {
        const v = v128.load(pa + o);
        lo = f64x2.add(lo, lowPair(v));
        hi = f64x2.add(hi, highPair(v));
      }
      if (sub0) {
        const v = v128.load(pb + o);
        lo = f64x2.sub(lo, lowPair(v));
        hi = f64x2.sub(hi, highPair(v));
      }
      v128.store(row + n + o, cellOf(f64x2.mul(lo, scale), f64x2.mul(hi, scale)));
      if (add1) {
        const v = v128.load(pa + n + o);
        lo = f64x2.add(lo, lowPair(v));
        hi = f64x2.add(hi, highPair(v));
      }
      if (sub1) {
        const v = v128.load(pb + n + o);
        lo = f64x2.sub(lo, lowPair(v));
        hi = f64x2.sub(hi, highPair(v));
      }
      v128.store(ps, lo);
      v128.store(ps + 16, hi);
    }
  }
  for (; y < lh; y++) {
    const row = dst + <usize>y * n;
    const add = y + r + 1, sub = y - r;
    const pa = src + <usize>add * n, pb = src + <usize>sub * n;
    for (let o: usize = 0; o < n; o += 16) {
      const ps = sums + (o << 1);
      let lo = v128.load(ps), hi = v128.load(ps + 16);
      v128.store(row + o, cellOf(f64x2.mul(lo, scale), f64x2.mul(hi, scale)));
      if (add < lh) {
        const v = v128.load(pa + o);
        lo = f64x2.add(lo, lowPair(v));
        hi = f64x2.add(hi, highPair(v));
      }
      if (sub >= 0) {
        const v = v128.load(pb + o);
        lo = f64x2.sub(lo, lowPair(v));
        hi = f64x2.sub(hi, highPair(v));
      }
      v128.store(ps, lo);
      v128.store(ps + 16, hi);
    }
  }
}

/** blur.ts normalise: premultiplied cells → colour; empty cells get the mean colour. */
function normalise(low: usize, cells: i32): void {
  // f64 sums, as blur.ts: tens of thousands of cells would lose a level in f32.
  let rg = f64x2.splat(0), bw = f64x2.splat(0);
  const end = low + (<usize>cells << 4);
  for (let p = low; p < end; p += 16) {
    const v = v128.load(p);
    rg = f64x2.add(rg, f64x2.promote_low_f32x4(v));
    bw = f64x2.add(
      bw,
      f64x2.promote_low_f32x4(
        i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7),
      ),
    );
  }
  const w = f64x2.extract_lane(bw, 1);
  const mean = w > 1e-6 ? 1 / w : 0;
  const meanColour = f32x4(0, 0, 0, 0);
  const m = f32x4.replace_lane(
    f32x4.replace_lane(
      f32x4.replace_lane(meanColour, 0, <f32>(f64x2.extract_lane(rg, 0) * mean)),
      1,
      <f32>(f64x2.extract_lane(rg, 1) * mean),
    ),
    2,
    <f32>(f64x2.extract_lane(bw, 0) * mean),
  );
  for (let p = low; p < end; p += 16) {
    const v = v128.load(p);
    const cw = f32x4.extract_lane(v, 3);
    if (cw > 1e-6) {
      v128.store(p, f32x4.mul(v, f32x4.splat(1 / cw)));
    } else {
      v128.store(p, m);
    }
  }
}

/**
 * Widens low-resolution row `ly` to the frame width: RGB interleaved as i16 in fixed point
 * (colour·128 rounded, plus UP_HALF: the final rounding's half, added once here), so
 * that step 3 works on 8 channel values per vector in the frame's own byte order. 6 bytes
 * a pixel; `out` needs 2 bytes of slack (8-byte stores). The ~f pixels between two cells
 * share them: each pair of cells is loaded and scaled once, as start = c0·128 + 64.5 and
 * step = (c1 − c0)·128, and a pixel is then start + step·t, truncated.
 */
function widenRow(
  low: usize,
  lw: i32,
  ly: i32,
  width: i32,
  col0: usize,
  col1: usize,
  colw: usize,
  out: usize,
): void {
  const base = low + (<usize>(ly * lw) << 4);
  const scale = f32x4.splat(<f32>UP_ONE), half = f32x4.splat(64.5);
  let cell = -1, start = half, step = half;
  for (let x = 0; x < width; x++) {
    const k = <usize>x << 2;
    const c = load<i32>(col0 + k);
    if (c != cell) {
      cell = c;
      const c0 = v128.load(base + <usize>c);
      start = f32x4.add(f32x4.mul(c0, scale), half);
      step = f32x4.mul(f32x4.sub(v128.load(base + <usize>load<i32>(col1 + k)), c0), scale);
    }
    const v = f32x4.add(start, f32x4.mul(step, f32x4.splat(load<f32>(colw + k))));
    const q = i32x4.trunc_sat_f32x4_s(v);
    v128.store64_lane(out + <usize>x * 6, i16x8.narrow_i32x4_s(q, q), 0);
  }
}

/** Fixed point of step 3: colours times 128 (7 fraction bits; 255·128 fits in i16). */
const UP_BITS: i32 = 7;
const UP_ONE: i32 = 1 << UP_BITS;
const UP_HALF = i16x8.splat(64); // 0.5 at 7 fraction bits
const UP_HALF_S: i32 = 64;

/** Mask bytes of 16 RGB pixels spread to the 48 channel positions, as u16: positions
 * 8k..8k+7 are pixels (8k + l) / 3. */
const SPREAD0 = i8x16(0, X, 0, X, 0, X, 1, X, 1, X, 1, X, 2, X, 2, X);
const SPREAD1 = i8x16(2, X, 3, X, 3, X, 3, X, 4, X, 4, X, 4, X, 5, X);
const SPREAD2 = i8x16(5, X, 5, X, 6, X, 6, X, 6, X, 7, X, 7, X, 7, X);
const SPREAD3 = i8x16(8, X, 8, X, 8, X, 9, X, 9, X, 9, X, 10, X, 10, X);
const SPREAD4 = i8x16(10, X, 11, X, 11, X, 11, X, 12, X, 12, X, 12, X, 13, X);
const SPREAD5 = i8x16(13, X, 13, X, 14, X, 14, X, 14, X, 15, X, 15, X, 15, X);

/** Background of 8 channel values: upper + (lower − upper)·ty (blur.ts upsampleComposite;
 * both rows, and so the result, carry the +UP_HALF of widenRow). */
// @ts-ignore: decorator
@inline
function background8(upper: usize, lower: usize, ty: v128): v128 {
  const u = v128.load(upper);
  return i16x8.add(u, i16x8.q15mulr_sat_s(i16x8.sub(v128.load(lower), u), ty));
}

/** 8 source bytes (u8 lanes of `s`, widened) mixed over the background by the person's
 * share: bg + (src·128 + UP_HALF − bg)·a/255, a/255 as (a·257) >> 1 in Q15 (blur.ts
 * upsampleComposite). */
// @ts-ignore: decorator
@inline
function mix8(bg: v128, s: v128, a: v128, spread: v128): v128 {
  const share = i16x8.shr_u(i16x8.mul(i8x16.swizzle(a, spread), i16x8.splat(257)), 1);
  const d = i16x8.sub(v128.or(i16x8.shl(s, UP_BITS), UP_HALF), bg);
  return i16x8.add(bg, i16x8.q15mulr_sat_s(d, share));
}

/** Fixed point (·128, the half already added) to bytes, 16 values. */
// @ts-ignore: decorator
@inline
function bytesOf(a: v128, b: v128): v128 {
  return i8x16.narrow_i16x8_u(i16x8.shr_s(a, UP_BITS), i16x8.shr_s(b, UP_BITS));
}

/**
 * Channel c of four widened pixels (12 i16 at a row's 6x: `a` its first 16 bytes, `b` the
 * 16 from byte 8) as i32x4 lanes: values c, c + 3 of `a` and c + 6, c + 9 (c + 2, c + 5 of
 * `b`).
 */
// @ts-ignore: decorator
@inline
function rowLanes(a: v128, b: v128, c: i32): v128 {
  let v: v128;
  if (c == 0) {
    v = i8x16.shuffle(a, b, 0, 1, 6, 7, 20, 21, 26, 27, 0, 0, 0, 0, 0, 0, 0, 0);
  } else if (c == 1) {
    v = i8x16.shuffle(a, b, 2, 3, 8, 9, 22, 23, 28, 29, 0, 0, 0, 0, 0, 0, 0, 0);
  } else {
    v = i8x16.shuffle(a, b, 4, 5, 10, 11, 24, 25, 30, 31, 0, 0, 0, 0, 0, 0, 0, 0);
  }
  return i32x4.extend_low_i16x8_s(v);
}

/** from + (to − from)·q / 2¹⁵ rounded, per i32 lane: i16x8.q15mulr_sat_s's result. */
// @ts-ignore: decorator
@inline
function lerpQ15(from: v128, to: v128, q: v128, round: v128): v128 {
  return i32x4.add(from, i32x4.shr_s(i32x4.add(i32x4.mul(i32x4.sub(to, from), q), round), 15));
}

/** Q15 rounding multiply of one value, as i16x8.q15mulr_sat_s (no saturation occurs). */
// @ts-ignore: decorator
@inline
function mulQ15(a: i32, b: i32): i32 {
  return (a * b + 16384) >> 15;
}

/**
 * Step 3 in 16-bit fixed point (blur.ts upsampleComposite does the same integer steps):
 * background = upper + (lower − upper)·ty, out = bg + (src·128 − bg)·a/255, then rounded
 * to a byte. RGB to RGB goes 16 pixels (48 values) a step in the frame's byte order: runs
 * of 16 person pixels are a copy (none in place), runs of 16 background pixels skip the
 * mix. Other channel counts go pixel by pixel through the same arithmetic.
 */
export function upsampleComposite(
  src: usize,
  sc: i32,
  alpha: usize,
  dst: usize,
  dc: i32,
  width: i32,
  height: i32,
  f: i32,
  lw: i32,
  lh: i32,
  low: usize,
  upperIn: usize,
  lowerIn: usize,
  col0: usize,
  col1: usize,
  colw: usize,
): void {
  let upper = upperIn, lower = lowerIn;
  let upperRow = -1, lowerRow = -1;
  const rgb = sc == 3 && dc == 3;
  for (let y = 0; y < height; y++) {
    const v = lowCoordinate(y, f, lh);
    const y0 = <i32>Math.floor(v), y1 = min(y0 + 1, lh - 1);
    const t = min(32767, <i32>((v - <f64>y0) * 32768 + 0.5)), ty = i16x8.splat(<i16>t);
    if (y0 != upperRow) {
      if (y0 == lowerRow) {
        const tmp = upper;
        upper = lower;
        lower = tmp;
        upperRow = y0;
        lowerRow = -1;
      } else {
        widenRow(low, lw, y0, width, col0, col1, colw, upper);
        upperRow = y0;
      }
    }
    if (y1 != lowerRow) {
      widenRow(low, lw, y1, width, col0, col1, colw, lower);
      lowerRow = y1;
    }
    const ra = alpha + <usize>(y * width);
    const rs = src + <usize>(y * width * sc), rd = dst + <usize>(y * width * dc);
    let x = 0;
    if (rgb) {
      for (; x + 16 <= width; x += 16) {
        const a = v128.load(ra + <usize>x);
        const ps = rs + <usize>(x * 3), pd = rd + <usize>(x * 3);
        if (i8x16.all_true(i8x16.eq(a, i8x16.splat(-1)))) {
          // Person: a plain copy (none at all in place).
          if (src != dst) copyRgb16(ps, pd);
          continue;
        }
        const pu = upper + <usize>(x * 6), pl = lower + <usize>(x * 6);
        const b0 = background8(pu, pl, ty), b1 = background8(pu + 16, pl + 16, ty);
        const b2 = background8(pu + 32, pl + 32, ty), b3 = background8(pu + 48, pl + 48, ty);
        const b4 = background8(pu + 64, pl + 64, ty), b5 = background8(pu + 80, pl + 80, ty);
        if (!v128.any_true(a)) {
          // Pure background (most of a frame): the blurred colour alone, no mix.
          v128.store(pd, bytesOf(b0, b1));
          v128.store(pd + 16, bytesOf(b2, b3));
          v128.store(pd + 32, bytesOf(b4, b5));
          continue;
        }
        const v0 = v128.load(ps), v1 = v128.load(ps + 16), v2 = v128.load(ps + 32);
        v128.store(
          pd,
          bytesOf(
            mix8(b0, i16x8.extend_low_i8x16_u(v0), a, SPREAD0),
            mix8(b1, i16x8.extend_high_i8x16_u(v0), a, SPREAD1),
          ),
        );
        v128.store(
          pd + 16,
          bytesOf(
            mix8(b2, i16x8.extend_low_i8x16_u(v1), a, SPREAD2),
            mix8(b3, i16x8.extend_high_i8x16_u(v1), a, SPREAD3),
          ),
        );
        v128.store(
          pd + 32,
          bytesOf(
            mix8(b4, i16x8.extend_low_i8x16_u(v2), a, SPREAD4),
            mix8(b5, i16x8.extend_high_i8x16_u(v2), a, SPREAD5),
          ),
        );
      }
    }
    // Other channel counts, and the rest of an RGB row.
    if (x < width) compositeLanes(x, width, ra, rs, sc, rd, dc, upper, lower, t);
  }
}

/**
 * upsampleComposite from pixel x to the end of a row, for any channel counts: four pixels
 * as i32x4 lanes (the same integer steps as the 16-bit lanes), then one by one.
 */
function compositeLanes(
  from: i32,
  width: i32,
  ra: usize,
  rs: usize,
  sc: i32,
  rd: usize,
  dc: i32,
  upper: usize,
  lower: usize,
  t: i32,
): void {
  let x = from;
  const tv = i32x4.splat(t), round = i32x4.splat(16384), half = i32x4.splat(UP_HALF_S);
  for (; x + 4 <= width; x += 4) {
    const px = v128.load(rs + <usize>(x * sc)), pd = rd + <usize>(x * dc);
    const word = load<u32>(ra + <usize>x);
    if (word == 0xffffffff) {
      storePixels(pd, dc, lanesOf(px, sc, 0), lanesOf(px, sc, 1), lanesOf(px, sc, 2));
      continue;
    }
    const pu = upper + <usize>(x * 6), pl = lower + <usize>(x * 6);
    const ua = v128.load(pu), ub = v128.load(pu + 8), la = v128.load(pl), lb = v128.load(pl + 8);
    let r = rowLanes(ua, ub, 0), g = rowLanes(ua, ub, 1), b = rowLanes(ua, ub, 2);
    r = lerpQ15(r, rowLanes(la, lb, 0), tv, round);
    g = lerpQ15(g, rowLanes(la, lb, 1), tv, round);
    b = lerpQ15(b, rowLanes(la, lb, 2), tv, round);
    if (word != 0) {
      const share = i32x4.shr_u(i32x4.mul(alphaLanes(ra + <usize>x), i32x4.splat(257)), 1);
      r = lerpQ15(r, v128.or(i32x4.shl(lanesOf(px, sc, 0), UP_BITS), half), share, round);
      g = lerpQ15(g, v128.or(i32x4.shl(lanesOf(px, sc, 1), UP_BITS), half), share, round);
      b = lerpQ15(b, v128.or(i32x4.shl(lanesOf(px, sc, 2), UP_BITS), half), share, round);
    }
    storePixels(
      pd,
      dc,
      i32x4.shr_s(r, UP_BITS),
      i32x4.shr_s(g, UP_BITS),
      i32x4.shr_s(b, UP_BITS),
    );
  }
  for (; x < width; x++) {
    const a = <i32>load<u8>(ra + <usize>x);
    const ps = rs + <usize>(x * sc), pd = rd + <usize>(x * dc);
    if (dc == 4) store<u8>(pd + 3, 255);
    const share = (a * 257) >> 1, k = <usize>x * 6;
    for (let c: usize = 0; c < 3; c++) {
      const u = <i32>load<i16>(upper + k + (c << 1));
      const bg = u + mulQ15(<i32>load<i16>(lower + k + (c << 1)) - u, t);
      const o = bg + mulQ15((<i32>load<u8>(ps + c) << UP_BITS) + UP_HALF_S - bg, share);
      store<u8>(pd + c, <u8>(o >> UP_BITS));
    }
  }
}

// ---- resize.ts ------------------------------------------------------------------------------------

/**
 * resize.ts resizeMapToBytes, in the reference's order: every source row widened to the
 * output width once (into `rows`, width·sourceHeight f32), then each output row is a
 * vector lerp of two widened rows, 16 bytes per step. Tables: i0, i1 as i32, w1 as f32.
 */
export function resizeMapToBytes(
  map: usize,
  sw: i32,
  sh: i32,
  xi0: usize,
  xi1: usize,
  xw: usize,
  yi0: usize,
  yi1: usize,
  yw: usize,
  out: usize,
  width: i32,
  height: i32,
  rows: usize,
): void {
  const rowBytes = <usize>width << 2;
  for (let sy = 0; sy < sh; sy++) {
    const m = map + (<usize>(sy * sw) << 2), r = rows + <usize>sy * rowBytes;
    for (let x = 0; x < width; x++) {
      const k = <usize>x << 2;
      const a = load<f32>(m + (<usize>load<i32>(xi0 + k) << 2));
      const b = load<f32>(m + (<usize>load<i32>(xi1 + k) << 2));
      store<f32>(r + k, a + (b - a) * load<f32>(xw + k));
    }
  }
  const scale = f32x4.splat(255), half = f32x4.splat(0.5);
  for (let y = 0; y < height; y++) {
    const ky = <usize>y << 2;
    const t = rows + <usize>load<i32>(yi0 + ky) * rowBytes;
    const u = rows + <usize>load<i32>(yi1 + ky) * rowBytes;
    const wys = load<f32>(yw + ky), wy = f32x4.splat(wys);
    const dst = out + <usize>(y * width);
    let x = 0;
    for (; x + 16 <= width; x += 16) {
      const k = <usize>x << 2;
      const v0 = lerpBytes(t + k, u + k, wy, scale, half);
      const v1 = lerpBytes(t + k + 16, u + k + 16, wy, scale, half);
      const v2 = lerpBytes(t + k + 32, u + k + 32, wy, scale, half);
      const v3 = lerpBytes(t + k + 48, u + k + 48, wy, scale, half);
      // Saturating narrows clamp to 0..255 as the reference does (NaN → 0 as well).
      v128.store(
        dst + <usize>x,
        i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(v0, v1), i16x8.narrow_i32x4_s(v2, v3)),
      );
    }
    for (; x < width; x++) {
      const k = <usize>x << 2;
      const a = load<f32>(t + k);
      const v = (a + (load<f32>(u + k) - a) * wys) * 255 + 0.5;
      store<u8>(dst + <usize>x, v < 0 ? 0 : v > 255 ? 255 : <u8>v);
    }
  }
}

// @ts-ignore: decorator
@inline
function lerpBytes(t: usize, u: usize, wy: v128, scale: v128, half: v128): v128 {
  const a = v128.load(t);
  return i32x4.trunc_sat_f32x4_s(
    f32x4.add(f32x4.mul(f32x4.add(a, f32x4.mul(f32x4.sub(v128.load(u), a), wy)), scale), half),
  );
}

/**
 * resize.ts resizeToPlanar: interleaved bytes → planar f32 RGB in [0, 1]. Vertical first
 * into `row` (sw·channels f32), then per output pixel a horizontal lerp of three channels.
 */
export function resizeToPlanar(
  src: usize,
  sw: i32,
  channels: i32,
  xi0: usize,
  xi1: usize,
  xw: usize,
  yi0: usize,
  yi1: usize,
  yw: usize,
  out: usize,
  width: i32,
  height: i32,
  row: usize,
): void {
  const stride = <usize>(sw * channels);
  const plane = <usize>(width * height) << 2;
  const k = <f32>(1.0 / 255.0);
  for (let y = 0; y < height; y++) {
    const ky = <usize>y << 2;
    const s0 = src + <usize>load<i32>(yi0 + ky) * stride;
    const s1 = src + <usize>load<i32>(yi1 + ky) * stride;
    const wys = load<f32>(yw + ky) * k, wy0: f32 = (<f32>1 - load<f32>(yw + ky)) * k;
    const wy = f32x4.splat(wys), w0 = f32x4.splat(wy0);
    let j: usize = 0;
    for (; j + 4 <= stride; j += 4) {
      const a = f32x4.convert_i32x4_u(alphaLanesBytes(s0 + j));
      const b = f32x4.convert_i32x4_u(alphaLanesBytes(s1 + j));
      v128.store(row + (j << 2), f32x4.add(f32x4.mul(a, w0), f32x4.mul(b, wy)));
    }
    for (; j < stride; j++) {
      store<f32>(row + (j << 2), <f32>load<u8>(s0 + j) * wy0 + <f32>load<u8>(s1 + j) * wys);
    }
    let o = out + ((<usize>(y * width)) << 2);
    for (let x = 0; x < width; x++, o += 4) {
      const kx = <usize>x << 2;
      const c0 = row + (<usize>(load<i32>(xi0 + kx) * channels) << 2);
      const c1 = row + (<usize>(load<i32>(xi1 + kx) * channels) << 2);
      const wx = load<f32>(xw + kx), wx0: f32 = <f32>1 - wx;
      store<f32>(o, load<f32>(c0) * wx0 + load<f32>(c1) * wx);
      store<f32>(o + plane, load<f32>(c0 + 4) * wx0 + load<f32>(c1 + 4) * wx);
      store<f32>(o + 2 * plane, load<f32>(c0 + 8) * wx0 + load<f32>(c1 + 8) * wx);
    }
  }
}

// ---- mask.ts --------------------------------------------------------------------------------------

/** out[i] = table[src[i]]; runs of 16 zero or 16 full bytes take one store. */
export function applyTable(src: usize, table: usize, out: usize, n: i32): void {
  const zero = i8x16.splat(load<u8>(table)), full = i8x16.splat(load<u8>(table + 255));
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = src + <usize>i;
    if (all16(p, 0)) {
      v128.store(out + <usize>i, zero);
    } else if (all16(p, 255)) {
      v128.store(out + <usize>i, full);
    } else {
      for (let j = 0; j < 16; j++) {
        store<u8>(out + <usize>(i + j), load<u8>(table + <usize>load<u8>(p + <usize>j)));
      }
    }
  }
  for (; i < n; i++) {
    store<u8>(out + <usize>i, load<u8>(table + <usize>load<u8>(src + <usize>i)));
  }
}

/** The clamped window mean at x of one row, rounded as mask.ts does. */
function windowAt(s: usize, x: i32, radius: i32, last: i32, scale: f64): u8 {
  let sum = 0;
  for (let k = x - radius; k <= x + radius; k++) {
    sum += load<u8>(s + <usize>(k < 0 ? 0 : k > last ? last : k));
  }
  return <u8>(<i32>(<f64>sum * scale + 0.5));
}

// @ts-ignore: decorator
@inline
function roundScaled(v: v128, scale: v128, half: v128): v128 {
  return i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(v), scale), half));
}

/**
 * mask.ts feather: a (2r+1)-pixel box per axis with edge clamping, rounded to bytes.
 * src is blurred horizontally into `plane`, then vertically back into src. Rounding:
 * sum/(2r+1) is never exactly k + 0.5 (an odd times an odd is odd), so f32 rounds as f64.
 */
export function featherMask(
  src: usize,
  width: i32,
  height: i32,
  radius: i32,
  plane: usize,
  columns: usize,
): void {
  const scale = 1 / <f64>(2 * radius + 1);
  const last = width - 1;
  if (radius <= 8) {
    // Small radii (the usual 1-3 px): the window sum of 16 pixels at once from 2r+1
    // shifted loads; the clamped borders pixel by pixel.
    const vscale = f32x4.splat(<f32>scale), half = f32x4.splat(0.5);
    for (let y = 0; y < height; y++) {
      const row = <usize>(y * width);
      const s = src + row, d = plane + row;
      let x = 0;
      for (; x < width && x < radius; x++) {
        store<u8>(d + <usize>x, windowAt(s, x, radius, last, scale));
      }
      for (; x + 16 + radius <= width; x += 16) {
        let lo = i16x8.splat(0), hi = i16x8.splat(0);
        for (let k = -radius; k <= radius; k++) {
          const v = v128.load(s + <usize>(x + k));
          lo = i16x8.add(lo, i16x8.extend_low_i8x16_u(v));
          hi = i16x8.add(hi, i16x8.extend_high_i8x16_u(v));
        }
        v128.store(
          d + <usize>x,
          i8x16.narrow_i16x8_u(
            i16x8.narrow_i32x4_s(
              roundScaled(i32x4.extend_low_i16x8_u(lo), vscale, half),
              roundScaled(i32x4.extend_high_i16x8_u(lo), vscale, half),
            ),
            i16x8.narrow_i32x4_s(
              roundScaled(i32x4.extend_low_i16x8_u(hi), vscale, half),
              roundScaled(i32x4.extend_high_i16x8_u(hi), vscale, half),
            ),
          ),
        );
      }
      for (; x < width; x++) store<u8>(d + <usize>x, windowAt(s, x, radius, last, scale));
    }
  } else {
    for (let y = 0; y < height; y++) {
      const row = <usize>(y * width);
      const s = src + row, d = plane + row;
      let sum = (radius + 1) * <i32>load<u8>(s);
      for (let i = 1; i <= radius; i++) sum += load<u8>(s + <usize>min(i, last));
      for (let x = 0; x < width; x++) {
        store<u8>(d + <usize>x, <u8>(<i32>(<f64>sum * scale + 0.5)));
        const add = x + radius + 1, sub = x - radius;
        sum += <i32>load<u8>(s + <usize>(add < last ? add : last)) -
          <i32>load<u8>(s + <usize>(sub > 0 ? sub : 0));
      }
    }
  }
  // Vertical: running column sums, four columns per vector.
  const lastRow = height - 1;
  const w = <usize>width;
  for (let x: usize = 0; x < w; x++) {
    store<i32>(columns + (x << 2), (radius + 1) * <i32>load<u8>(plane + x));
  }
  for (let i = 1; i <= radius; i++) {
    const row = plane + <usize>min(i, lastRow) * w;
    for (let x: usize = 0; x < w; x++) {
      store<i32>(columns + (x << 2), load<i32>(columns + (x << 2)) + <i32>load<u8>(row + x));
    }
  }
  const vscale = f32x4.splat(<f32>scale), half = f32x4.splat(0.5);
  for (let y = 0; y < height; y++) {
    const out = src + <usize>y * w;
    const add = plane + <usize>min(y + radius + 1, lastRow) * w;
    const sub = plane + <usize>max(y - radius, 0) * w;
    let x: usize = 0;
    for (; x + 4 <= w; x += 4) {
      const c = v128.load(columns + (x << 2));
      const v = i32x4.trunc_sat_f32x4_s(
        f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(c), vscale), half),
      );
      v128.store32_lane(
        out + x,
        i8x16.swizzle(v, i8x16(0, 4, 8, 12, X, X, X, X, X, X, X, X, X, X, X, X)),
        0,
      );
      v128.store(
        columns + (x << 2),
        i32x4.sub(i32x4.add(c, alphaLanesBytes(add + x)), alphaLanesBytes(sub + x)),
      );
    }
    for (; x < w; x++) {
      const c = load<i32>(columns + (x << 2));
      store<u8>(out + x, <u8>(<i32>(<f64>c * scale + 0.5)));
      store<i32>(columns + (x << 2), c + <i32>load<u8>(add + x) - <i32>load<u8>(sub + x));
    }
  }
}

// ---- yuv.ts -------------------------------------------------------------------------------------
//
// The conversions run in fixed point with every product an i32x4.dot_i16x8_s (pmaddwd:
// one instruction for eight products, where i16x8.q15mulr_sat_s costs several on x86),
// except rgbToYuv420p's, still Q15 products of values times 64 in i16x8 lanes. The
// results round as the float references do except where those lie within about 0.1 of
// a half (0.01 for full-range yuvj422p): within one level. Constants come from yuv.ts so
// they are written once.

/** i16 lanes a, b, a, b, … (the weights of an [x y] lane pair for i32x4.dot_i16x8_s). */
// @ts-ignore: decorator
@inline
function pairOf(a: i16, b: i16): v128 {
  return i32x4.splat((<i32>a & 0xffff) | (<i32>b << 16));
}

/**
 * Sixteen pixels whose channels are the u8 lanes of r, g, b, each as [p0 p2 … p14 | p1 p3
 * … p15] (even pixels, then odd), stored as RGB or RGBA (alpha 255). V8 turns the
 * unpacks and word blends below into one x86 instruction each, and an arbitrary byte
 * shuffle into a pshufb: unpacks give each pixel four bytes R G B x in pixel order, one
 * swizzle per four pixels (masks m0..m3, PACK_RGB) drops the x bytes, placing the 12
 * bytes where the output needs them, and word blends join them into the 16-byte stores.
 */
// @ts-ignore: decorator
@inline
function storeEvenOdd16(
  d: usize,
  dc: i32,
  r: v128,
  g: v128,
  b: v128,
  m0: v128,
  m1: v128,
  m2: v128,
  m3: v128,
): void {
  const x = dc == 3 ? b : i8x16.splat(-1);
  const rgE = i8x16.shuffle(r, g, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const rgO = i8x16.shuffle(r, g, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const bxE = i8x16.shuffle(b, x, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const bxO = i8x16.shuffle(b, x, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  // Pixels 0 2 4 6, 8 … 14, 1 3 5 7 and 9 … 15 as R G B x.
  const e0 = i16x8.shuffle(rgE, bxE, 0, 8, 1, 9, 2, 10, 3, 11);
  const e1 = i16x8.shuffle(rgE, bxE, 4, 12, 5, 13, 6, 14, 7, 15);
  const o0 = i16x8.shuffle(rgO, bxO, 0, 8, 1, 9, 2, 10, 3, 11);
  const o1 = i16x8.shuffle(rgO, bxO, 4, 12, 5, 13, 6, 14, 7, 15);
  const p0 = i32x4.shuffle(e0, o0, 0, 4, 1, 5), p1 = i32x4.shuffle(e0, o0, 2, 6, 3, 7);
  const p2 = i32x4.shuffle(e1, o1, 0, 4, 1, 5), p3 = i32x4.shuffle(e1, o1, 2, 6, 3, 7);
  if (dc == 4) {
    v128.store(d, p0);
    v128.store(d + 16, p1);
    v128.store(d + 32, p2);
    v128.store(d + 48, p3);
    return;
  }
  // Output bytes 0..11 | 12..15 from pixels 0..3 | 4..5; 16..23 | 24..31 from 5..7 | 8..10;
  // 32..35 | 36..47 from 10..11 | 12..15.
  const q0 = i8x16.swizzle(p0, m0), q1 = i8x16.swizzle(p1, m1);
  const q2 = i8x16.swizzle(p2, m2), q3 = i8x16.swizzle(p3, m3);
  v128.store(d, i16x8.shuffle(q0, q1, 0, 1, 2, 3, 4, 5, 14, 15));
  v128.store(d + 16, i16x8.shuffle(q1, q2, 0, 1, 2, 3, 12, 13, 14, 15));
  v128.store(d + 32, i16x8.shuffle(q2, q3, 0, 1, 10, 11, 12, 13, 14, 15));
}

/**
 * storeEvenOdd16's four byte shuffles for RGB, loaded once per call of planarRows16: a
 * swizzle by a mask in a register costs V8 one saturating add more than a pshufb, where
 * a constant mask is rebuilt from immediates at every use (four instructions).
 */
const PACK_RGB: usize = memory.data<u8>([
  0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 128, 128, 128, 128,
  5, 6, 8, 9, 10, 12, 13, 14, 128, 128, 128, 128, 0, 1, 2, 4,
  10, 12, 13, 14, 128, 128, 128, 128, 0, 1, 2, 4, 5, 6, 8, 9,
  128, 128, 128, 128, 0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14,
], 16);

/**
 * One chroma term of eight samples from their [U V] lane pairs `lo` (samples 0..3) and
 * `hi` (4..7): (dot + bias) >> shift, as i16 lanes.
 */
// @ts-ignore: decorator
@inline
function chromaTerm(lo: v128, hi: v128, k: v128, bias: v128, shift: i32): v128 {
  return i16x8.narrow_i32x4_s(
    i32x4.shr_s(i32x4.add(i32x4.dot_i16x8_s(lo, k), bias), shift),
    i32x4.shr_s(i32x4.add(i32x4.dot_i16x8_s(hi, k), bias), shift),
  );
}

/** One channel of 16 pixels from the luma of the even and odd ones and the chroma term. */
// @ts-ignore: decorator
@inline
function channelEvenOdd(ye: v128, yo: v128, t: v128, full: bool): v128 {
  if (full) return i8x16.narrow_i16x8_u(i16x8.add(ye, t), i16x8.add(yo, t));
  return i8x16.narrow_i16x8_u(
    i16x8.shr_s(i16x8.add_sat_s(ye, t), 6),
    i16x8.shr_s(i16x8.add_sat_s(yo, t), 6),
  );
}

/**
 * Sixteen pixels of a row: luma bytes at `yp`, the chroma terms of their eight pairs.
 * The pixels are split even/odd (shifts of the luma as i16 lanes), so that lane k of
 * either half takes chroma sample k as it is, without duplicating it.
 */
// @ts-ignore: decorator
@inline
function rgb16(
  yp: usize,
  d: usize,
  dc: i32,
  tR: v128,
  tG: v128,
  tB: v128,
  kY: v128,
  full: bool,
  m0: v128,
  m1: v128,
  m2: v128,
  m3: v128,
): void {
  const yv = v128.load(yp);
  // Two shifts rather than a mask: V8 rebuilds a constant on every use.
  let ye = i16x8.shr_u(i16x8.shl(yv, 8), 8), yo = i16x8.shr_u(yv, 8);
  if (!full) {
    // Y·kY/2, kY = yScale·128: (Y ≤ 255)·(kY < 257) fits u16; the luma times 64.
    ye = i16x8.shr_u(i16x8.mul(ye, kY), 1);
    yo = i16x8.shr_u(i16x8.mul(yo, kY), 1);
  }
  storeEvenOdd16(
    d,
    dc,
    channelEvenOdd(ye, yo, tR, full),
    channelEvenOdd(ye, yo, tG, full),
    channelEvenOdd(ye, yo, tB, full),
    m0,
    m1,
    m2,
    m3,
  );
}

/**
 * yuvPlanarToRgb's SIMD part for one kind of input (`Range` u8: full range, where the
 * luma is the integer Y and the chroma terms are rounded integers, so Y + term rounds as
 * the reference does; u16: limited range, in 64ths) and output (`Pixel` u32: RGBA, u8:
 * RGB): 16 pixels of `rows` rows a step, the chroma terms computed once for them.
 * Returns the first column left to the scalar tail.
 */
function planarRows16<Range, Pixel>(
  src: usize,
  width: i32,
  height: i32,
  dst: usize,
  rowShift: i32,
  uBase: usize,
  vBase: usize,
  kR: v128,
  kG: v128,
  kB: v128,
  bR: v128,
  bG: v128,
  bB: v128,
  kY: v128,
): i32 {
  // Compile-time constants, so that each of the four copies has only its own path (four
  // inlined copies told apart by a flag were merged by the optimizer into one loop that
  // tested the flag, and computed both ranges, at every step).
  const full = sizeof<Range>() == 1, dc: i32 = sizeof<Pixel>() == 4 ? 4 : 3;
  const shift = sizeof<Range>() == 1 ? 13 : 7;
  const cw = (width + 1) >> 1, step = rowShift != 0 ? 2 : 1;
  const m0 = v128.load(PACK_RGB), m1 = v128.load(PACK_RGB + 16);
  const m2 = v128.load(PACK_RGB + 32), m3 = v128.load(PACK_RGB + 48);
  let x = 0;
  for (let y = 0; y < height; y += step) {
    const rows = min(step, height - y);
    const crow = <usize>((y >> rowShift) * cw);
    for (x = 0; x + 16 <= width; x += 16) {
      const ci = crow + <usize>(x >> 1);
      // [U V] lane pairs of the eight samples.
      const uv = i8x16.shuffle(
        v128.load64_zero(uBase + ci),
        v128.load64_zero(vBase + ci),
        0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23,
      );
      const lo = i16x8.extend_low_i8x16_u(uv), hi = i16x8.extend_high_i8x16_u(uv);
      const tR = chromaTerm(lo, hi, kR, bR, shift);
      const tG = chromaTerm(lo, hi, kG, bG, shift);
      const tB = chromaTerm(lo, hi, kB, bB, shift);
      // The second row written out rather than looped: a loop costs V8 a counter and an
      // interrupt check per 16 pixels.
      const row = <usize>(y * width + x);
      rgb16(src + row, dst + row * <usize>dc, dc, tR, tG, tB, kY, full, m0, m1, m2, m3);
      if (rows == 2) {
        const next = row + <usize>width;
        rgb16(src + next, dst + next * <usize>dc, dc, tR, tG, tB, kY, full, m0, m1, m2, m3);
      }
    }
  }
  return x;
}

/**
 * yuv.ts yuv420pToRgb (`rowShift` 1: each chroma row serves two rows, whose chroma terms
 * for 16 pixels are then computed once) and yuvj422pToRgb (`rowShift` 0: a chroma row
 * per row); `yOffset` is 16 for limited range, 0 for full. The chroma terms, k·(C − 128),
 * come from dots of [U V] with the weights in Q13 (|k| < 4). Full range (yScale 1) adds
 * them, rounded, to the integer luma; limited range works in 64ths: the luma as
 * Y·round(128·yScale)/2 (1.1641 for 1.1644: 0.08 level at Y 255), the terms carrying
 * −yOffset·yScale and the rounding half.
 */
export function yuvPlanarToRgb(
  src: usize,
  width: i32,
  height: i32,
  dst: usize,
  dc: i32,
  rowShift: i32,
  yOffset: i32,
  yScale: f32,
  vToR: f32,
  uToG: f32,
  vToG: f32,
  uToB: f32,
): void {
  const cw = (width + 1) >> 1, ch = rowShift != 0 ? (height + 1) >> 1 : height;
  const uBase = src + <usize>(width * height), vBase = uBase + <usize>(cw * ch);
  const yOffF = <f32>yOffset;
  const full = yOffset == 0 && yScale == 1;
  const q13 = (v: f32): i32 => <i32>Math.round(<f64>v * 8192);
  const qR = q13(vToR), qUG = q13(uToG), qVG = q13(vToG), qB = q13(uToB);
  const kR = pairOf(0, <i16>qR), kG = pairOf(<i16>qUG, <i16>qVG), kB = pairOf(<i16>qB, 0);
  const yk = <i32>Math.round(<f64>yScale * 128);
  // The dot's offset: −128·k for the centred chroma, plus (full) the rounding half, or
  // (limited, in 64ths) the half, −yOffset·yScale, and the luma's error Y·(yScale − yk/128)
  // at mid-grey, which centres that error (±0.04 level rather than 0 to 0.08).
  const lumaError = 128 * (<f64>yScale * 64 - <f64>yk / 2);
  const extra = full
    ? 4096
    : <i32>Math.round(32 - <f64>yOffset * <f64>yScale * 64 + lumaError) << 7;
  const kY = i16x8.splat(<i16>yk);
  const bR = i32x4.splat(extra - 128 * qR), bG = i32x4.splat(extra - 128 * (qUG + qVG));
  const bB = i32x4.splat(extra - 128 * qB);
  let x: i32;
  if (full) {
    x = dc == 3
      ? planarRows16<u8, u8>(src, width, height, dst, rowShift, uBase, vBase, kR, kG, kB, bR, bG, bB, kY)
      : planarRows16<u8, u32>(src, width, height, dst, rowShift, uBase, vBase, kR, kG, kB, bR, bG, bB, kY);
  } else {
    x = dc == 3
      ? planarRows16<u16, u8>(src, width, height, dst, rowShift, uBase, vBase, kR, kG, kB, bR, bG, bB, kY)
      : planarRows16<u16, u32>(src, width, height, dst, rowShift, uBase, vBase, kR, kG, kB, bR, bG, bB, kY);
  }
  for (let y = 0; y < height; y++) {
    const crow = <usize>((y >> rowShift) * cw);
    const ys = src + <usize>(y * width), pd = dst + <usize>(y * width * dc);
    for (let xx = x; xx < width; xx++) {
      const c = (<f32>load<u8>(ys + <usize>xx) - yOffF) * yScale;
      const ci = crow + <usize>(xx >> 1);
      const u = <f32>load<u8>(uBase + ci) - 128, v = <f32>load<u8>(vBase + ci) - 128;
      const d = pd + <usize>(xx * dc);
      store<u8>(d, clampRound(c + vToR * v));
      store<u8>(d + 1, clampRound(c + uToG * u + vToG * v));
      store<u8>(d + 2, clampRound(c + uToB * u));
      if (dc == 4) store<u8>(d + 3, 255);
    }
  }
}

// @ts-ignore: decorator
@inline
function clampRound(v: f32): u8 {
  return v <= 0 ? 0 : v >= 255 ? 255 : <u8>(<i32>(v + 0.5));
}

/** The reference's luma of the pixel at `p`, rounded. */
// @ts-ignore: decorator
@inline
function lumaByte(p: usize, yOf: f32, kr: f32, kg: f32, kb: f32): u8 {
  return <u8>(<i32>(<f32>16.5 +
    yOf * (kr * <f32>load<u8>(p) + kg * <f32>load<u8>(p + 1) + kb * <f32>load<u8>(p + 2))));
}

/** Luma bytes of eight pixels from their channels as i16 lanes (0..255). */
// @ts-ignore: decorator
@inline
function luma8(r: v128, g: v128, b: v128, yr: v128, yg: v128, yb: v128, bias: v128): v128 {
  return i16x8.shr_u(
    i16x8.add(
      i16x8.add(i16x8.q15mulr_sat_s(i16x8.shl(r, 6), yr), i16x8.q15mulr_sat_s(i16x8.shl(g, 6), yg)),
      i16x8.add(i16x8.q15mulr_sat_s(i16x8.shl(b, 6), yb), bias),
    ),
    6,
  );
}

/** The 2x2 sums of eight blocks: `lo` and `hi` hold column sums of pixels 0..7 and 8..15. */
// @ts-ignore: decorator
@inline
function blockSums(lo: v128, hi: v128): v128 {
  return i16x8.add(
    i8x16.shuffle(lo, hi, 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29),
    i8x16.shuffle(lo, hi, 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31),
  );
}

/**
 * yuv.ts rgbToYuv420p: two rows of 16 pixels a step, their luma and the chroma of their
 * eight 2x2 blocks. Chroma is linear in the pixels, so it is taken from each block's sum
 * of R, G and B (times 16: the mean times 64); the rest (odd edges, a last odd row) per
 * pixel as the reference does.
 */
export function rgbToYuv420p(
  src: usize,
  width: i32,
  height: i32,
  sc: i32,
  dst: usize,
  yOf: f32,
  kr: f32,
  kg: f32,
  kb: f32,
  cb: f32,
  cr: f32,
): void {
  const n = width * height;
  const cw = (width + 1) >> 1, chh = (height + 1) >> 1;
  const uBase = dst + <usize>n, vBase = uBase + <usize>(cw * chh);
  const yr = i16x8.splat(q15(yOf * kr)), yg = i16x8.splat(q15(yOf * kg));
  const yb = i16x8.splat(q15(yOf * kb));
  const ur = i16x8.splat(q15(-cb * kr)), ug = i16x8.splat(q15(-cb * kg));
  const ub = i16x8.splat(q15(cb * (1 - kb)));
  const vr = i16x8.splat(q15(cr * (1 - kr))), vg = i16x8.splat(q15(-cr * kg));
  const vb = i16x8.splat(q15(-cr * kb));
  const yBias = i16x8.splat(<i16>(16.5 * 64));
  const cBias = i16x8.splat(<i16>(128 * 64 + 32));
  const three = sc == 3;
  const rLo = three
    ? i8x16(0, X, 3, X, 6, X, 9, X, X, X, X, X, X, X, X, X)
    : i8x16(0, X, 4, X, 8, X, 12, X, X, X, X, X, X, X, X, X);
  const rHi = three
    ? i8x16(X, X, X, X, X, X, X, X, 0, X, 3, X, 6, X, 9, X)
    : i8x16(X, X, X, X, X, X, X, X, 0, X, 4, X, 8, X, 12, X);
  const one = i8x16.splat(1), two = i8x16.splat(2);
  const gLo = i8x16.add(rLo, one), gHi = i8x16.add(rHi, one);
  const bLo = i8x16.add(rLo, two), bHi = i8x16.add(rHi, two);
  const quad = <usize>(4 * sc), rowBytes = <usize>(width * sc);
  for (let cy = 0; cy < chh; cy++) {
    const y0 = 2 * cy, rows = min(2, height - y0);
    let x = 0;
    if (rows == 2) {
      for (; x + 16 <= width; x += 16) {
        const p0 = src + <usize>((y0 * width + x) * sc), p1 = p0 + rowBytes;
        // Channels of pixels 0..7 and 8..15 of both rows, u8 in i16 lanes.
        const a0 = v128.load(p0), b0 = v128.load(p0 + quad);
        const c0 = v128.load(p0 + 2 * quad), d0 = v128.load(p0 + 3 * quad);
        const a1 = v128.load(p1), b1 = v128.load(p1 + quad);
        const c1 = v128.load(p1 + 2 * quad), d1 = v128.load(p1 + 3 * quad);
        const r00 = v128.or(i8x16.swizzle(a0, rLo), i8x16.swizzle(b0, rHi));
        const g00 = v128.or(i8x16.swizzle(a0, gLo), i8x16.swizzle(b0, gHi));
        const b00 = v128.or(i8x16.swizzle(a0, bLo), i8x16.swizzle(b0, bHi));
        const r01 = v128.or(i8x16.swizzle(c0, rLo), i8x16.swizzle(d0, rHi));
        const g01 = v128.or(i8x16.swizzle(c0, gLo), i8x16.swizzle(d0, gHi));
        const b01 = v128.or(i8x16.swizzle(c0, bLo), i8x16.swizzle(d0, bHi));
        const r10 = v128.or(i8x16.swizzle(a1, rLo), i8x16.swizzle(b1, rHi));
        const g10 = v128.or(i8x16.swizzle(a1, gLo), i8x16.swizzle(b1, gHi));
        const b10 = v128.or(i8x16.swizzle(a1, bLo), i8x16.swizzle(b1, bHi));
        const r11 = v128.or(i8x16.swizzle(c1, rLo), i8x16.swizzle(d1, rHi));
        const g11 = v128.or(i8x16.swizzle(c1, gLo), i8x16.swizzle(d1, gHi));
        const b11 = v128.or(i8x16.swizzle(c1, bLo), i8x16.swizzle(d1, bHi));
        const o = dst + <usize>(y0 * width + x);
        v128.store(
          o,
          i8x16.narrow_i16x8_u(
            luma8(r00, g00, b00, yr, yg, yb, yBias),
            luma8(r01, g01, b01, yr, yg, yb, yBias),
          ),
        );
        v128.store(
          o + <usize>width,
          i8x16.narrow_i16x8_u(
            luma8(r10, g10, b10, yr, yg, yb, yBias),
            luma8(r11, g11, b11, yr, yg, yb, yBias),
          ),
        );
        // Block sums ≤ 1020, times 16 ≤ 16320: the means times 64 in i16.
        const sr = i16x8.shl(blockSums(i16x8.add(r00, r10), i16x8.add(r01, r11)), 4);
        const sg = i16x8.shl(blockSums(i16x8.add(g00, g10), i16x8.add(g01, g11)), 4);
        const sb = i16x8.shl(blockSums(i16x8.add(b00, b10), i16x8.add(b01, b11)), 4);
        const u = i16x8.shr_s(
          i16x8.add(
            i16x8.add(i16x8.q15mulr_sat_s(sr, ur), i16x8.q15mulr_sat_s(sg, ug)),
            i16x8.add(i16x8.q15mulr_sat_s(sb, ub), cBias),
          ),
          6,
        );
        const v = i16x8.shr_s(
          i16x8.add(
            i16x8.add(i16x8.q15mulr_sat_s(sr, vr), i16x8.q15mulr_sat_s(sg, vg)),
            i16x8.add(i16x8.q15mulr_sat_s(sb, vb), cBias),
          ),
          6,
        );
        const c = <usize>(cy * cw + (x >> 1));
        v128.store64_lane(uBase + c, i8x16.narrow_i16x8_u(u, u), 0);
        v128.store64_lane(vBase + c, i8x16.narrow_i16x8_u(v, v), 0);
      }
    }
    for (let r = 0; r < rows; r++) {
      const row = (y0 + r) * width;
      for (let xx = x; xx < width; xx++) {
        store<u8>(dst + <usize>(row + xx), lumaByte(src + <usize>((row + xx) * sc), yOf, kr, kg, kb));
      }
    }
    for (let cx = x >> 1; cx < cw; cx++) {
      const x0 = 2 * cx, x1 = min(x0 + 1, width - 1);
      let r: i32 = 0, g: i32 = 0, b: i32 = 0, count: i32 = 0;
      for (let y = y0; y < y0 + rows; y++) {
        for (let xx = x0; xx <= x1; xx++, count++) {
          const p = src + <usize>((y * width + xx) * sc);
          r += load<u8>(p);
          g += load<u8>(p + 1);
          b += load<u8>(p + 2);
        }
      }
      const inv = <f32>1 / <f32>count;
      const fr = <f32>r * inv, fg = <f32>g * inv, fb = <f32>b * inv;
      const luma = kr * fr + kg * fg + kb * fb;
      const o = <usize>(cy * cw + cx);
      store<u8>(uBase + o, clampRound(128 + cb * (fb - luma)));
      store<u8>(vBase + o, clampRound(128 + cr * (fr - luma)));
    }
  }
}

// ---- guided_filter.ts, temporal_smoothing.ts ------------------------------------------------------

/** temporal_smoothing.ts LUMA_R, LUMA_G, LUMA_B (Rec. 601 weights over 255). */
const LR: f32 = <f32>(0.299 / 255), LG: f32 = <f32>(0.587 / 255), LB: f32 = <f32>(0.114 / 255);
/** temporal_smoothing.ts LUMA_1: a gray (Y) plane's luma per level. */
const L1: f32 = <f32>(1.0 / 255);

/**
 * guided_filter.ts applyGuided: q = A·I + B at full size, 0..255, through `table` (256
 * bytes; 0: none) when given. Horizontal first, as resizeMapToBytes does: rows of a and b
 * widened to the frame width (`rows`, 2·lowHeight rows of width + 4 f32: all a rows, then
 * all b rows), so that each output row is a vector lerp of two widened rows and the luma
 * of four pixels per step. The reference lerps the other way round and skips flat spans;
 * both round the same values within a level.
 *
 * Most of a frame needs none of that: A·I + B is a convex mix of the four cells' a·I + b,
 * so with I in 0..1 it lies between the smallest and the largest b and a + b of the cells
 * a block of 16 output pixels interpolates from. When that whole interval rounds into the
 * table's run of table[0] (below `low`) or of table[255] (from `high`), the block is that
 * byte whatever the picture, and its rows are never widened. The bounds are found once
 * per low-res row (`bounds`), the decision once per pair of low-res rows, kept as runs of
 * blocks (`runs`) that each output row fills or computes; a block is widened (`state`: 0
 * not yet, 1 done, 2 done and |A| < FLAT_A throughout) only when some row computes it. A
 * computed block does the float operations of the version that computed every block, in
 * the same order, so the bytes are the same.
 *
 * Scratch (bytes): cols 12·blocks, line 16·(lw + 8), spans 4·(width + 1), groups
 * 36·⌈width/4⌉, runs 12·(blocks + 1), state lh·blocks, bounds 8·lh·blocks (blocks counting
 * a last partial one).
 */
export function applyGuided(
  a: usize,
  b: usize,
  lw: i32,
  lh: i32,
  xi0: usize,
  xi1: usize,
  xw: usize,
  yi0: usize,
  yi1: usize,
  yw: usize,
  src: usize,
  sc: i32,
  out: usize,
  width: i32,
  height: i32,
  rows: usize,
  state: usize,
  bounds: usize,
  cols: usize,
  runs: usize,
  line: usize,
  spans: usize,
  groups: usize,
  table: usize,
  low: f32,
  high: f32,
): void {
  // Widened rows are padded by four floats: a block's last vector may run past its end.
  const rowBytes = (<usize>((width + 3) & ~3) + 4) << 2, bRows = rows + <usize>lh * rowBytes;
  // nb counts a last partial block (width not a multiple of 16), done pixel by pixel.
  const nb = (width + 15) >> 4;
  // The runs of output pixels that share the same two samples (4 at a 4x upscale): a
  // block widens one vector of weights at a time instead of one look-up per pixel.
  let count = 0;
  for (let x = 0; x < width; x++) {
    if (x == 0 || load<i32>(xi0 + (<usize>x << 2)) != load<i32>(xi0 + (<usize>(x - 1) << 2))) {
      store<i32>(spans + (<usize>count << 2), x);
      count++;
    }
  }
  store<i32>(spans + (<usize>count << 2), width);
  // Per 4 output pixels: the first of 4 low-res columns that hold both samples of each,
  // and the byte swizzles that pick them, so that a block widens 4 pixels per vector
  // without a span's splats. An upscale by 4/3 or more always fits; else spans it is.
  const ng = (width + 3) >> 2, bases = groups + (<usize>ng << 5);
  let gather = lw >= 4;
  for (let g = 0; g < ng && gather; g++) {
    let base = min(load<i32>(xi0 + (<usize>(g << 2) << 2)), lw - 4);
    const idx = groups + (<usize>g << 5);
    // Columns (0, 0, 1, 1) and (1, 1, 2, 2) from base, as at a 4x upscale away from the
    // edges, take constant shuffles instead of the swizzles (bit 0 of the stored base).
    let usual = 1;
    for (let l = 0; l < 4; l++) {
      const kx = <usize>min((g << 2) + l, width - 1) << 2;
      const c0 = load<i32>(xi0 + kx) - base, c1 = load<i32>(xi1 + kx) - base;
      if (c0 < 0 || c0 > 3 || c1 < 0 || c1 > 3) gather = false;
      if (c0 != l >> 1 || c1 != (l >> 1) + 1) usual = 0;
      // Bytes c·4 + j, j = 0..3, as one little-endian word each (no carries when gathering).
      store<i32>(idx + <usize>(l * 4), c0 * 0x04040404 + 0x03020100);
      store<i32>(idx + <usize>(16 + l * 4), c1 * 0x04040404 + 0x03020100);
    }
    store<i32>(bases + (<usize>g << 2), (base << 1) | usual);
  }
  // Per block: the low-res columns it reads (the least i0, the largest i1) and its first span.
  let span = 0;
  for (let k = 0; k < nb; k++) {
    const x0 = k << 4;
    let c0 = lw, c1 = 0;
    for (let x = x0, end = min(x0 + 16, width); x < end; x++) {
      c0 = min(c0, load<i32>(xi0 + (<usize>x << 2)));
      c1 = max(c1, load<i32>(xi1 + (<usize>x << 2)));
    }
    while (load<i32>(spans + (<usize>(span + 1) << 2)) <= x0) span++;
    const o = cols + <usize>(k * 12);
    store<i32>(o, c0);
    store<i32>(o + 4, c1);
    store<i32>(o + 8, span);
  }
  // Blocks 1..usual − 1 read columns 4k − 1 .. 4k + 4, as at a 4x upscale: their bounds
  // go four blocks per vector below.
  let usual = 1;
  while (usual < nb && load<i32>(cols + <usize>(usual * 12)) == 4 * usual - 1 &&
    load<i32>(cols + <usize>(usual * 12) + 4) == 4 * usual + 4) usual++;
  const windows = usual < nb - 1;
  // Per low-res row and block: the least and the largest of b and a + b over its columns.
  // `line` holds four rows of lw + 8 floats: min and max per column, then per window of
  // 4 columns, so that a block's 4 to 8 columns are two windows. At a 4x upscale (the
  // usual blocks, 6 columns each) the windows are skipped: blocks reduce the columns.
  const stride = <usize>(lw + 8) << 2;
  const lineMax = line + stride, line4 = lineMax + stride, lineMax4 = line4 + stride;
  for (let sy = 0; sy < lh; sy++) {
    const ma = a + (<usize>(sy * lw) << 2), mb = b + (<usize>(sy * lw) << 2);
    // Comparisons below drop NaN: a row holding one is computed throughout instead.
    let nan = i32x4.splat(0);
    let c = 0;
    for (; c + 4 <= lw; c += 4) {
      const k = <usize>c << 2, vb = v128.load(mb + k), vt = f32x4.add(v128.load(ma + k), vb);
      nan = v128.or(nan, f32x4.ne(vt, vt));
      v128.store(line + k, f32x4.pmin(vb, vt));
      v128.store(lineMax + k, f32x4.pmax(vb, vt));
    }
    let odd = false;
    for (; c < lw; c++) {
      const k = <usize>c << 2, vb = load<f32>(mb + k), vt = load<f32>(ma + k) + vb;
      odd = odd || vt != vt;
      store<f32>(line + k, vt < vb ? vt : vb);
      store<f32>(lineMax + k, vt > vb ? vt : vb);
    }
    // Windows starting at c <= lw - 4 read valid columns only; the rest are never used.
    // Not needed when all blocks but the first and the last are usual (see below).
    for (c = 0; windows && c + 4 <= lw; c += 4) {
      const k = <usize>c << 2;
      v128.store(
        line4 + k,
        f32x4.pmin(
          f32x4.pmin(v128.load(line + k), v128.load(line + k + 4)),
          f32x4.pmin(v128.load(line + k + 8), v128.load(line + k + 12)),
        ),
      );
      v128.store(
        lineMax4 + k,
        f32x4.pmax(
          f32x4.pmax(v128.load(lineMax + k), v128.load(lineMax + k + 4)),
          f32x4.pmax(v128.load(lineMax + k + 8), v128.load(lineMax + k + 12)),
        ),
      );
    }
    const bo = bounds + (<usize>(sy * nb) << 3);
    if (odd || v128.any_true(nan)) {
      for (let k = 0; k < nb; k++) {
        store<f32>(bo + (<usize>k << 3), -Infinity);
        store<f32>(bo + (<usize>k << 3) + 4, Infinity);
      }
      continue;
    }
    for (let k = 0; k < nb; ) {
      if (k >= 1 && k + 4 <= usual) {
        // Blocks k..k+3, columns 4k − 1 + 4i .. 4k + 4 + 4i each: the least and the
        // largest of two overlapping vectors of columns per block, reduced across lanes
        // four blocks at a time (the same values as any order of comparisons).
        const f = line + (<usize>(4 * k - 1) << 2), g = lineMax + (<usize>(4 * k - 1) << 2);
        const lo = across4(
          f32x4.pmin(v128.load(f), v128.load(f + 8)),
          f32x4.pmin(v128.load(f + 16), v128.load(f + 24)),
          f32x4.pmin(v128.load(f + 32), v128.load(f + 40)),
          f32x4.pmin(v128.load(f + 48), v128.load(f + 56)),
          true,
        );
        const hi = across4(
          f32x4.pmax(v128.load(g), v128.load(g + 8)),
          f32x4.pmax(v128.load(g + 16), v128.load(g + 24)),
          f32x4.pmax(v128.load(g + 32), v128.load(g + 40)),
          f32x4.pmax(v128.load(g + 48), v128.load(g + 56)),
          false,
        );
        const o = bo + (<usize>k << 3);
        v128.store(o, i32x4.shuffle(lo, hi, 0, 4, 1, 5));
        v128.store(o + 16, i32x4.shuffle(lo, hi, 2, 6, 3, 7));
        k += 4;
        continue;
      }
      const o = cols + <usize>(k * 12);
      let j = load<i32>(o);
      const c1 = load<i32>(o + 4), n = c1 - j + 1;
      let lo: f32, hi: f32;
      if (windows && n >= 4 && n <= 8) {
        const f = <usize>j << 2, l = <usize>(c1 - 3) << 2;
        const l0 = load<f32>(line4 + f), l1 = load<f32>(line4 + l);
        const h0 = load<f32>(lineMax4 + f), h1 = load<f32>(lineMax4 + l);
        lo = l1 < l0 ? l1 : l0;
        hi = h1 > h0 ? h1 : h0;
      } else {
        lo = load<f32>(line + (<usize>j << 2));
        hi = load<f32>(lineMax + (<usize>j << 2));
        for (j++; j <= c1; j++) {
          const l = load<f32>(line + (<usize>j << 2)), h = load<f32>(lineMax + (<usize>j << 2));
          lo = l < lo ? l : lo;
          hi = h > hi ? h : hi;
        }
      }
      store<f32>(bo + (<usize>k << 3), lo);
      store<f32>(bo + (<usize>k << 3) + 4, hi);
      k++;
    }
  }
  memory.fill(state, 0, <usize>(lh * nb));
  // One loop per channel count, so that the byte swizzles are constants.
  if (sc == 3) {
    guidedRows(a, b, lw, xw, xi0, xi1, spans, gather ? groups : 0, cols, rows, bRows, rowBytes,
      state, bounds, runs, nb, yi0, yi1, yw, src, 3, out, width, height, table, low, high);
  } else if (sc == 4) {
    guidedRows(a, b, lw, xw, xi0, xi1, spans, gather ? groups : 0, cols, rows, bRows, rowBytes,
      state, bounds, runs, nb, yi0, yi1, yw, src, 4, out, width, height, table, low, high);
  } else {
    // A gray (Y) plane: the luma is the byte; the runs and blocks as for RGB.
    guidedRows(a, b, lw, xw, xi0, xi1, spans, gather ? groups : 0, cols, rows, bRows, rowBytes,
      state, bounds, runs, nb, yi0, yi1, yw, src, 1, out, width, height, table, low, high);
  }
}

/** The least (`least`) or the largest lane of each of m0..m3, as the lanes of one vector. */
// @ts-ignore: decorator
@inline
function across4(m0: v128, m1: v128, m2: v128, m3: v128, least: bool): v128 {
  const t0 = i32x4.shuffle(m0, m1, 0, 4, 1, 5), t1 = i32x4.shuffle(m0, m1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(m2, m3, 0, 4, 1, 5), t3 = i32x4.shuffle(m2, m3, 2, 6, 3, 7);
  const u = least ? f32x4.pmin(t0, t1) : f32x4.pmax(t0, t1);
  const w = least ? f32x4.pmin(t2, t3) : f32x4.pmax(t2, t3);
  const x = i64x2.shuffle(u, w, 0, 2), z = i64x2.shuffle(u, w, 1, 3);
  return least ? f32x4.pmin(x, z) : f32x4.pmax(x, z);
}

/** Block kinds of the current pair of low-res rows. */
const COMPUTE: i32 = 0, LOW: i32 = 1, HIGH: i32 = 2;

// @ts-ignore: decorator
@inline
function guidedRows(
  a: usize,
  b: usize,
  lw: i32,
  xw: usize,
  xi0: usize,
  xi1: usize,
  spans: usize,
  groups: usize,
  cols: usize,
  rows: usize,
  bRows: usize,
  rowBytes: usize,
  state: usize,
  bounds: usize,
  runs: usize,
  nb: i32,
  yi0: usize,
  yi1: usize,
  yw: usize,
  src: usize,
  sc: i32,
  out: usize,
  width: i32,
  height: i32,
  table: usize,
  low: f32,
  high: f32,
): void {
  const scale = f32x4.splat(255), half = f32x4.splat(0.5);
  const kr = f32x4.splat(LR), kg = f32x4.splat(LG), kb = f32x4.splat(LB), kl = f32x4.splat(L1);
  const zero: u8 = table ? load<u8>(table) : 0, full: u8 = table ? load<u8>(table + 255) : 255;
  // The table's runs of table[0] (v <= zeros) and of table[255] (v >= fulls): a computed
  // block with no byte between them takes two compares instead of the look-up.
  let zeros = 0, fulls = 255;
  if (table) {
    while (zeros < 255 && load<u8>(table + <usize>(zeros + 1)) == zero) zeros++;
    while (fulls > 0 && load<u8>(table + <usize>(fulls - 1)) == full) fulls--;
  }
  const blocks = width >> 4;
  let py0 = -1, py1 = -1, nruns = 0;
  for (let y = 0; y < height; ) {
    const ky = <usize>y << 2;
    const y0 = load<i32>(yi0 + ky), y1 = load<i32>(yi1 + ky);
    const s0 = state + <usize>(y0 * nb), s1 = state + <usize>(y1 * nb);
    if (y0 != py0 || y1 != py1) {
      // A new pair of low-res rows: decide each block once for all the rows it serves,
      // as runs (first block, end block, kind) of one kind.
      py0 = y0;
      py1 = y1;
      nruns = 0;
      const b0 = bounds + (<usize>(y0 * nb) << 3), b1 = bounds + (<usize>(y1 * nb) << 3);
      let last = -1;
      for (let k = 0; k < nb; k++) {
        const o = <usize>k << 3;
        const l0 = load<f32>(b0 + o), l1 = load<f32>(b1 + o);
        const h0 = load<f32>(b0 + o + 4), h1 = load<f32>(b1 + o + 4);
        let kind = COMPUTE;
        if ((h0 > h1 ? h0 : h1) < low) kind = LOW;
        else if ((l0 < l1 ? l0 : l1) >= high) kind = HIGH;
        else {
          if (!load<u8>(s0 + <usize>k)) widenBlock(a, b, lw, y0, k, xw, xi0, xi1, spans, groups, cols, rows, bRows, rowBytes, s0, width);
          if (!load<u8>(s1 + <usize>k)) widenBlock(a, b, lw, y1, k, xw, xi0, xi1, spans, groups, cols, rows, bRows, rowBytes, s1, width);
        }
        // The partial last block always starts a run of its own.
        if (kind != last || k == blocks) {
          const r = runs + <usize>(nruns * 12);
          store<i32>(r, k);
          store<i32>(r + 8, kind);
          if (nruns > 0) store<i32>(r - 8, k);
          nruns++;
          last = kind;
        }
      }
      store<i32>(runs + <usize>(nruns * 12) - 8, nb);
    }
    const t = <usize>y0 * rowBytes, u = <usize>y1 * rowBytes;
    const ta = rows + t, ua = rows + u, tb = bRows + t, ub = bRows + u;
    const wys = load<f32>(yw + ky), wy = f32x4.splat(wys);
    const dst = out + <usize>(y * width), ps = src + <usize>(y * width * sc);
    // The next row on the same two low-res rows (the usual case at an upscale) goes in the
    // same visit of the runs: the rows' loads and differences (a1 − a0, b1 − b0) serve
    // both, each row's lerp and fit as before.
    const two = y + 1 < height && load<i32>(yi0 + ky + 4) == y0 && load<i32>(yi1 + ky + 4) == y1;
    const wys2 = two ? load<f32>(yw + ky + 4) : wys, wy2 = f32x4.splat(wys2);
    const dst2 = dst + <usize>width, ps2 = ps + <usize>(width * sc);
    for (let r = 0; r < nruns; r++) {
      const run = runs + <usize>(r * 12);
      const k0 = load<i32>(run), k1 = load<i32>(run + 4), kind = load<i32>(run + 8);
      const x0 = k0 << 4, x1 = min(k1 << 4, width);
      if (kind != COMPUTE) {
        const byte = kind == LOW ? zero : full;
        memory.fill(dst + <usize>x0, byte, <usize>(x1 - x0));
        if (two) memory.fill(dst2 + <usize>x0, byte, <usize>(x1 - x0));
        continue;
      }
      if (k0 == blocks) {
        // The partial last block, pixel by pixel.
        partialBlock(ta, ua, tb, ub, ps, sc, dst, x0, x1, wys, table);
        if (two) partialBlock(ta, ua, tb, ub, ps2, sc, dst2, x0, x1, wys2, table);
        continue;
      }
      for (let blk = k0; blk < k1; blk++) {
        const x = blk << 4;
        let v: v128, w: v128 = v128.splat<i32>(0);
        if (load<u8>(s0 + <usize>blk) == 2 && load<u8>(s1 + <usize>blk) == 2) {
          // A ≈ 0 at both rows: B alone, within 1/4 level, without reading the pixels.
          const k = <usize>x << 2;
          v = i8x16.narrow_i16x8_u(
            i16x8.narrow_i32x4_s(
              levelLanes(tb + k, ub + k, wy, scale, half),
              levelLanes(tb + k + 16, ub + k + 16, wy, scale, half),
            ),
            i16x8.narrow_i32x4_s(
              levelLanes(tb + k + 32, ub + k + 32, wy, scale, half),
              levelLanes(tb + k + 48, ub + k + 48, wy, scale, half),
            ),
          );
          if (two) {
            w = i8x16.narrow_i16x8_u(
              i16x8.narrow_i32x4_s(
                levelLanes(tb + k, ub + k, wy2, scale, half),
                levelLanes(tb + k + 16, ub + k + 16, wy2, scale, half),
              ),
              i16x8.narrow_i32x4_s(
                levelLanes(tb + k + 32, ub + k + 32, wy2, scale, half),
                levelLanes(tb + k + 48, ub + k + 48, wy2, scale, half),
              ),
            );
          }
        } else if (two) {
          // A gray plane's 16 bytes in one load (p1, p2); RGB(A) loads per group.
          const p1 = sc == 1 ? v128.load(ps + <usize>x) : v128.splat<i32>(0);
          const p2 = sc == 1 ? v128.load(ps2 + <usize>x) : v128.splat<i32>(0);
            const k0 = <usize>(x + 0) << 2;
            const a0 = v128.load(ta + k0), b0 = v128.load(tb + k0);
            const da0 = f32x4.sub(v128.load(ua + k0), a0), db0 = f32x4.sub(v128.load(ub + k0), b0);
            const v0 = fitLanes(a0, da0, b0, db0, blockLuma(p1, ps, sc, x, 0, kl, kr, kg, kb), wy, scale, half);
            const w0 = fitLanes(a0, da0, b0, db0, blockLuma(p2, ps2, sc, x, 0, kl, kr, kg, kb), wy2, scale, half);
            const k1 = <usize>(x + 4) << 2;
            const a1 = v128.load(ta + k1), b1 = v128.load(tb + k1);
            const da1 = f32x4.sub(v128.load(ua + k1), a1), db1 = f32x4.sub(v128.load(ub + k1), b1);
            const v1 = fitLanes(a1, da1, b1, db1, blockLuma(p1, ps, sc, x, 1, kl, kr, kg, kb), wy, scale, half);
            const w1 = fitLanes(a1, da1, b1, db1, blockLuma(p2, ps2, sc, x, 1, kl, kr, kg, kb), wy2, scale, half);
            const k2 = <usize>(x + 8) << 2;
            const a2 = v128.load(ta + k2), b2 = v128.load(tb + k2);
            const da2 = f32x4.sub(v128.load(ua + k2), a2), db2 = f32x4.sub(v128.load(ub + k2), b2);
            const v2 = fitLanes(a2, da2, b2, db2, blockLuma(p1, ps, sc, x, 2, kl, kr, kg, kb), wy, scale, half);
            const w2 = fitLanes(a2, da2, b2, db2, blockLuma(p2, ps2, sc, x, 2, kl, kr, kg, kb), wy2, scale, half);
            const k3 = <usize>(x + 12) << 2;
            const a3 = v128.load(ta + k3), b3 = v128.load(tb + k3);
            const da3 = f32x4.sub(v128.load(ua + k3), a3), db3 = f32x4.sub(v128.load(ub + k3), b3);
            const v3 = fitLanes(a3, da3, b3, db3, blockLuma(p1, ps, sc, x, 3, kl, kr, kg, kb), wy, scale, half);
            const w3 = fitLanes(a3, da3, b3, db3, blockLuma(p2, ps2, sc, x, 3, kl, kr, kg, kb), wy2, scale, half);
          // Saturating narrows clamp to 0..255 as the reference does.
          v = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(v0, v1), i16x8.narrow_i32x4_s(v2, v3));
          w = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(w0, w1), i16x8.narrow_i32x4_s(w2, w3));
        } else {
          const p1 = sc == 1 ? v128.load(ps + <usize>x) : v128.splat<i32>(0);
          const v0 = guidedLanes(ta, ua, tb, ub, x, blockLuma(p1, ps, sc, x, 0, kl, kr, kg, kb), wy, scale, half);
          const v1 = guidedLanes(ta, ua, tb, ub, x + 4, blockLuma(p1, ps, sc, x, 1, kl, kr, kg, kb), wy, scale, half);
          const v2 = guidedLanes(ta, ua, tb, ub, x + 8, blockLuma(p1, ps, sc, x, 2, kl, kr, kg, kb), wy, scale, half);
          const v3 = guidedLanes(ta, ua, tb, ub, x + 12, blockLuma(p1, ps, sc, x, 3, kl, kr, kg, kb), wy, scale, half);
          v = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(v0, v1), i16x8.narrow_i32x4_s(v2, v3));
        }
        if (!table) {
          v128.store(dst + <usize>x, v);
          if (two) v128.store(dst2 + <usize>x, w);
        } else if (two) {
          lookup32(table, v, w, zeros, fulls, dst + <usize>x, dst2 + <usize>x);
        } else {
          v128.store(dst + <usize>x, lookup16(table, v, zeros, fulls));
        }
      }
    }
    y += two ? 2 : 1;
  }
}

/** applyGuided's pixels x0..x1 of one row (a last partial block), one at a time. */
// @ts-ignore: decorator
@inline
function partialBlock(
  ta: usize,
  ua: usize,
  tb: usize,
  ub: usize,
  ps: usize,
  sc: i32,
  dst: usize,
  x0: i32,
  x1: i32,
  wys: f32,
  table: usize,
): void {
  for (let x = x0; x < x1; x++) {
    const k = <usize>x << 2, p = ps + <usize>(x * sc);
    const a0 = load<f32>(ta + k), b0 = load<f32>(tb + k);
    const va = a0 + (load<f32>(ua + k) - a0) * wys, vb = b0 + (load<f32>(ub + k) - b0) * wys;
    const luma = sc == 1
      ? <f32>load<u8>(p) * L1
      : <f32>load<u8>(p) * LR + <f32>load<u8>(p + 1) * LG + <f32>load<u8>(p + 2) * LB;
    const v = (va * luma + vb) * 255 + 0.5;
    const q: u8 = v < 0 ? 0 : v > 255 ? 255 : <u8>v;
    store<u8>(dst + <usize>x, table ? load<u8>(table + <usize>q) : q);
  }
}

/**
 * The luma of pixels x + 4·j .. + 3 of a block: of a gray plane from its 16 bytes `px`
 * (widened in two steps), else from the RGB(A) pixels at ps.
 */
// @ts-ignore: decorator
@inline
function blockLuma(
  px: v128,
  ps: usize,
  sc: i32,
  x: i32,
  j: i32,
  kl: v128,
  kr: v128,
  kg: v128,
  kb: v128,
): v128 {
  if (sc != 1) return lumaLanes(ps, sc, x + 4 * j, kr, kg, kb);
  const h = j < 2 ? i16x8.extend_low_i8x16_u(px) : i16x8.extend_high_i8x16_u(px);
  const q = (j & 1) == 0 ? i32x4.extend_low_i16x8_u(h) : i32x4.extend_high_i16x8_u(h);
  return f32x4.mul(f32x4.convert_i32x4_s(q), kl);
}

/** applyGuided's fit of four pixels from a0, a1 − a0, b0, b1 − b0 (see guidedLanes). */
// @ts-ignore: decorator
@inline
function fitLanes(
  a0: v128,
  da: v128,
  b0: v128,
  db: v128,
  luma: v128,
  wy: v128,
  scale: v128,
  half: v128,
): v128 {
  const va = f32x4.add(a0, f32x4.mul(da, wy)), vb = f32x4.add(b0, f32x4.mul(db, wy));
  return i32x4.trunc_sat_f32x4_s(
    f32x4.add(f32x4.mul(f32x4.add(f32x4.mul(va, luma), vb), scale), half),
  );
}

/**
 * lookup16 of two rows' blocks v and w, stored at d and e: the slices between the least
 * and the largest byte of both, each slice loaded once for the two.
 */
// @ts-ignore: decorator
@inline
function lookup32(table: usize, v: v128, w: v128, zeros: i32, fulls: i32, d: usize, e: usize): void {
  const lo = i8x16.splat(<u8>zeros), hi = i8x16.splat(<u8>fulls);
  const first = i8x16.splat(load<u8>(table)), last = i8x16.splat(load<u8>(table + 255));
  const underV = i8x16.le_u(v, lo), overV = i8x16.ge_u(v, hi);
  const underW = i8x16.le_u(w, lo), overW = i8x16.ge_u(w, hi);
  let r = v128.or(v128.and(underV, first), v128.and(overV, last));
  let q = v128.or(v128.and(underW, first), v128.and(overW, last));
  if (v128.any_true(v128.not(v128.and(v128.or(underV, overV), v128.or(underW, overW))))) {
    let m = i8x16.min_u(v, w), n = i8x16.max_u(v, w);
    m = i8x16.min_u(m, i64x2.shr_u(m, 32));
    n = i8x16.max_u(n, i64x2.shr_u(n, 32));
    m = i8x16.min_u(m, i32x4.shr_u(m, 16));
    n = i8x16.max_u(n, i32x4.shr_u(n, 16));
    m = i8x16.min_u(m, i16x8.shr_u(m, 8));
    n = i8x16.max_u(n, i16x8.shr_u(n, 8));
    const least = min(<i32>i8x16.extract_lane_u(m, 0), <i32>i8x16.extract_lane_u(m, 8));
    const most = max(<i32>i8x16.extract_lane_u(n, 0), <i32>i8x16.extract_lane_u(n, 8));
    for (let j = max((zeros + 1) & ~15, least & ~15), end = min(fulls, most + 1); j < end; j += 16) {
      const slice = v128.load(table + <usize>j), at = i8x16.splat(<u8>j);
      r = v128.or(r, i8x16.swizzle(slice, i8x16.sub(v, at)));
      q = v128.or(q, i8x16.swizzle(slice, i8x16.sub(w, at)));
    }
  }
  v128.store(d, r);
  v128.store(e, q);
}

/**
 * table[v] for the 16 bytes of v, where table[0..zeros] are all table[0] and
 * table[fulls..255] all table[255]: those two by compares, the bytes between by one
 * swizzle per 16-byte slice of the table they may fall in (an index outside the slice,
 * after the wrapping subtraction, reads 0), only from the slice of their least to that
 * of their largest. Inlined: a call made the row loop reload its vectors after it.
 */
// @ts-ignore: decorator
@inline
function lookup16(table: usize, v: v128, zeros: i32, fulls: i32): v128 {
  const under = i8x16.le_u(v, i8x16.splat(<u8>zeros));
  const over = i8x16.ge_u(v, i8x16.splat(<u8>fulls));
  let r = v128.or(
    v128.and(under, i8x16.splat(load<u8>(table))),
    v128.and(over, i8x16.splat(load<u8>(table + 255))),
  );
  if (!v128.any_true(v128.not(v128.or(under, over)))) return r;
  // Only the slices between the least and the largest of the 16 bytes can hold one (a
  // block's pixels rarely span more than two or three): each byte's slice is the same.
  let m = i8x16.min_u(v, i64x2.shr_u(v, 32)), n = i8x16.max_u(v, i64x2.shr_u(v, 32));
  m = i8x16.min_u(m, i32x4.shr_u(m, 16));
  n = i8x16.max_u(n, i32x4.shr_u(n, 16));
  m = i8x16.min_u(m, i16x8.shr_u(m, 8));
  n = i8x16.max_u(n, i16x8.shr_u(n, 8));
  const least = min(<i32>i8x16.extract_lane_u(m, 0), <i32>i8x16.extract_lane_u(m, 8));
  const most = max(<i32>i8x16.extract_lane_u(n, 0), <i32>i8x16.extract_lane_u(n, 8));
  for (let j = max((zeros + 1) & ~15, least & ~15), end = min(fulls, most + 1); j < end; j += 16) {
    r = v128.or(r, i8x16.swizzle(v128.load(table + <usize>j), i8x16.sub(v, i8x16.splat(<u8>j))));
  }
  return r;
}

/**
 * Widens block k (16 output pixels, fewer for the last) of low-res row sy of a and b into
 * `rows`: each value a0 + (a1 − a0)·w in f32, the operations of the whole-row widening
 * this replaced. With `groups` (see applyGuided) four pixels per vector; else span by
 * span, as that widening went: a span's last vector may spill into the next span (which
 * then overwrites it) and past the block, whose three floats there are kept, as they may
 * be another block's. Marks the block in the row's `state` (2: |A| < FLAT_A over all 16
 * pixels).
 */
function widenBlock(
  a: usize,
  b: usize,
  lw: i32,
  sy: i32,
  k: i32,
  xw: usize,
  xi0: usize,
  xi1: usize,
  spans: usize,
  groups: usize,
  cols: usize,
  rows: usize,
  bRows: usize,
  rowBytes: usize,
  s: usize,
  width: i32,
): void {
  const ma = a + (<usize>(sy * lw) << 2), mb = b + (<usize>(sy * lw) << 2);
  const ra = rows + <usize>sy * rowBytes, rb = bRows + <usize>sy * rowBytes;
  const start = k << 4, end = min(start + 16, width);
  if (groups) {
    // Pixels past the width (the last block's) land in the rows' padding.
    const bases = groups + (<usize>((width + 3) >> 2) << 5);
    for (let x = start; x < end; x += 4) {
      const g = <usize>(x >> 2), word = load<i32>(bases + (g << 2));
      const c = <usize>(word >> 1) << 2;
      const kx = <usize>x << 2, w = v128.load(xw + kx);
      const va = v128.load(ma + c), vb = v128.load(mb + c);
      let a0: v128, a1: v128, b0: v128, b1: v128;
      if (word & 1) {
        a0 = i32x4.shuffle(va, va, 0, 0, 1, 1);
        a1 = i32x4.shuffle(va, va, 1, 1, 2, 2);
        b0 = i32x4.shuffle(vb, vb, 0, 0, 1, 1);
        b1 = i32x4.shuffle(vb, vb, 1, 1, 2, 2);
      } else {
        const idx = groups + (g << 5), i0 = v128.load(idx), i1 = v128.load(idx + 16);
        a0 = i8x16.swizzle(va, i0);
        a1 = i8x16.swizzle(va, i1);
        b0 = i8x16.swizzle(vb, i0);
        b1 = i8x16.swizzle(vb, i1);
      }
      v128.store(ra + kx, f32x4.add(a0, f32x4.mul(f32x4.sub(a1, a0), w)));
      v128.store(rb + kx, f32x4.add(b0, f32x4.mul(f32x4.sub(b1, b0), w)));
    }
    markFlat(ra, s, k, start, end);
    return;
  }
  const e = <usize>end << 2, keepA = v128.load(ra + e), keepB = v128.load(rb + e);
  let span = load<i32>(cols + <usize>(k * 12) + 8);
  let x = start;
  while (x < end) {
    const x0 = load<i32>(spans + (<usize>span << 2)), x1 = load<i32>(spans + (<usize>(span + 1) << 2));
    const k0 = <usize>x0 << 2;
    const j0 = <usize>load<i32>(xi0 + k0) << 2, j1 = <usize>load<i32>(xi1 + k0) << 2;
    const a0 = load<f32>(ma + j0), b0 = load<f32>(mb + j0);
    const va = f32x4.splat(a0), da = f32x4.splat(load<f32>(ma + j1) - a0);
    const vb = f32x4.splat(b0), db = f32x4.splat(load<f32>(mb + j1) - b0);
    for (; x < x1 && x < end; x += 4) {
      const kx = <usize>x << 2, w = v128.load(xw + kx);
      v128.store(ra + kx, f32x4.add(va, f32x4.mul(da, w)));
      v128.store(rb + kx, f32x4.add(vb, f32x4.mul(db, w)));
    }
    x = x1;
    span++;
  }
  v128.store(ra + e, keepA);
  v128.store(rb + e, keepB);
  markFlat(ra, s, k, start, end);
}

/** Marks block k widened in `s`: 2 when |A| < FLAT_A over all its 16 pixels, else 1. */
// @ts-ignore: decorator
@inline
function markFlat(ra: usize, s: usize, k: i32, start: i32, end: i32): void {
  let flat: u8 = 1;
  if (end - start == 16) {
    const p = ra + (<usize>start << 2);
    const m = f32x4.max(
      f32x4.max(f32x4.abs(v128.load(p)), f32x4.abs(v128.load(p + 16))),
      f32x4.max(f32x4.abs(v128.load(p + 32)), f32x4.abs(v128.load(p + 48))),
    );
    if (i32x4.all_true(f32x4.lt(m, f32x4.splat(FLAT_A)))) flat = 2;
  }
  store<u8>(s + <usize>k, flat);
}

/** guided_filter.ts FLAT_A: |A| below this moves the output by under 1/4 level. */
const FLAT_A: f32 = 1e-3;

/** round(B·255) of four pixels as i32x4 lanes, B lerped between two widened rows. */
// @ts-ignore: decorator
@inline
function levelLanes(t: usize, u: usize, wy: v128, scale: v128, half: v128): v128 {
  const b0 = v128.load(t);
  const vb = f32x4.add(b0, f32x4.mul(f32x4.sub(v128.load(u), b0), wy));
  return i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.mul(vb, scale), half));
}

/** Four output values of applyGuided as i32x4 lanes (not yet clamped), from their luma. */
// @ts-ignore: decorator
@inline
function guidedLanes(
  ta: usize,
  ua: usize,
  tb: usize,
  ub: usize,
  x: i32,
  luma: v128,
  wy: v128,
  scale: v128,
  half: v128,
): v128 {
  const k = <usize>x << 2;
  const a0 = v128.load(ta + k), b0 = v128.load(tb + k);
  const va = f32x4.add(a0, f32x4.mul(f32x4.sub(v128.load(ua + k), a0), wy));
  const vb = f32x4.add(b0, f32x4.mul(f32x4.sub(v128.load(ub + k), b0), wy));
  return i32x4.trunc_sat_f32x4_s(
    f32x4.add(f32x4.mul(f32x4.add(f32x4.mul(va, luma), vb), scale), half),
  );
}

/** The luma of four RGB(A) pixels from x on. */
// @ts-ignore: decorator
@inline
function lumaLanes(ps: usize, sc: i32, x: i32, kr: v128, kg: v128, kb: v128): v128 {
  // Signed converts: the bytes are never negative, and the unsigned one is emulated on x86.
  const v = v128.load(ps + <usize>(x * sc));
  return f32x4.add(
    f32x4.add(
      f32x4.mul(f32x4.convert_i32x4_s(lanesOf(v, sc, 0)), kr),
      f32x4.mul(f32x4.convert_i32x4_s(lanesOf(v, sc, 1)), kg),
    ),
    f32x4.mul(f32x4.convert_i32x4_s(lanesOf(v, sc, 2)), kb),
  );
}

/**
 * guided_filter.ts guidedCoefficients after its checks, streamed a row at a time so that
 * nothing but rows stays in flight (about 100 KB at 320 wide, radius 2, instead of
 * full-size passes). The four maps the fit averages (I, p, I·p, I·I) go as one f32x4 per
 * pixel through the first box mean (horizontal sums as f64 pairs (I, p) and (I·p, I·I));
 * a and b as one f64 pair per pixel horizontally and two pixels per f32x4 vertically.
 * The horizontal sums go two rows at a time, so that their chains of dependent f64
 * additions overlap. Each value takes the same float operations, in the same order, as
 * the version with full-size passes this replaced (and as boxMean), so the bytes are the
 * same.
 *
 * Scratch (bytes), with R = min(2·radius + 3, height) rows in flight and
 * P = w + 2·radius + 2 padded columns: temp R·w·16 (the first horizontal sums), cells
 * 6·P·16 + (R + 1)·⌈w·8⌉₁₆ + 16 (two rows each of padded (I, p), (I·p, I·I) and (a, b)
 * f64 pairs, the second horizontal sums and their column sums), columns w·16.
 */
export function guidedCoefficients(
  guide: usize,
  p: usize,
  width: i32,
  height: i32,
  radius: i32,
  eps: f32,
  a: usize,
  b: usize,
  cells: usize,
  temp: usize,
  columns: usize,
): void {
  const lastY = height - 1, ring = min(2 * radius + 3, height);
  const padded = <usize>(width + 2 * radius + 2) << 4;
  const stride1 = <usize>width << 4, stride2 = ((<usize>width << 3) + 15) & ~15;
  // Every part a multiple of 16 bytes, so all 16-byte aligned when cells is.
  const lows = (cells + 15) & ~15, highs = lows + padded, lows2 = highs + padded;
  const highs2 = lows2 + padded, pairs = highs2 + padded, pairs2 = pairs + padded;
  const ring2 = pairs2 + padded, columns2 = ring2 + <usize>ring * stride2;
  const s32 = f32x4.splat(<f32>(1 / <f64>(2 * radius + 1)));
  const ve = f32x4.splat(eps);
  // The first box mean's rows 0..radius, then its column sums.
  const first = min(radius, lastY);
  for (let j = 0; j <= first; j += 2) {
    sums4(guide, p, j, j + 1 <= first, width, radius, lows, highs, lows2, highs2, temp, ring, stride1);
  }
  columnSums(temp, stride1, ring, radius, lastY, columns, width);
  // made: the last row of first horizontal sums; done: of second ones; y2: next output row.
  let made = first, done = -1, y2 = 0;
  for (let y = 0; y < height; y++) {
    // Rows y + radius + 1 and + 2 join the ring (evicting rows no longer read).
    const next = y + radius + 1;
    if (next <= lastY && next > made) {
      const two = next + 1 <= lastY;
      sums4(guide, p, next, two, width, radius, lows, highs, lows2, highs2, temp, ring, stride1);
      made = two ? next + 1 : next;
    }
    const add = temp + <usize>(min(next, lastY) % ring) * stride1;
    const sub = temp + <usize>(max(y - radius, 0) % ring) * stride1;
    // Means of row y → a and b of row y, as padded (a, b) f64 pairs; even rows wait for
    // the odd row after them.
    const odd = (y & 1) != 0, row = (odd ? pairs2 : pairs) + (<usize>(radius + 1) << 4);
    let x = 0;
    for (; x + 4 <= width; x += 4) {
      const k = <usize>x << 4;
      const k0 = columns + k;
      const c0 = v128.load(k0), c1 = v128.load(k0 + 16), c2 = v128.load(k0 + 32), c3 = v128.load(k0 + 48);
      v128.store(k0, f32x4.add(c0, f32x4.sub(v128.load(add + k), v128.load(sub + k))));
      v128.store(k0 + 16, f32x4.add(c1, f32x4.sub(v128.load(add + k + 16), v128.load(sub + k + 16))));
      v128.store(k0 + 32, f32x4.add(c2, f32x4.sub(v128.load(add + k + 32), v128.load(sub + k + 32))));
      v128.store(k0 + 48, f32x4.add(c3, f32x4.sub(v128.load(add + k + 48), v128.load(sub + k + 48))));
      const m0 = f32x4.mul(c0, s32), m1 = f32x4.mul(c1, s32);
      const m2 = f32x4.mul(c2, s32), m3 = f32x4.mul(c3, s32);
      const t0 = i32x4.shuffle(m0, m1, 0, 4, 1, 5), t1 = i32x4.shuffle(m2, m3, 0, 4, 1, 5);
      const t2 = i32x4.shuffle(m0, m1, 2, 6, 3, 7), t3 = i32x4.shuffle(m2, m3, 2, 6, 3, 7);
      const mi = i64x2.shuffle(t0, t1, 0, 2), mp = i64x2.shuffle(t0, t1, 1, 3);
      const cip = i64x2.shuffle(t2, t3, 0, 2), cii = i64x2.shuffle(t2, t3, 1, 3);
      const slope = f32x4.div(
        f32x4.sub(cip, f32x4.mul(mi, mp)),
        f32x4.add(f32x4.sub(cii, f32x4.mul(mi, mi)), ve),
      );
      const icpt = f32x4.sub(mp, f32x4.mul(slope, mi));
      storePairs(row + (<usize>x << 4), slope, icpt);
    }
    for (; x < width; x++) {
      const k = <usize>x << 4;
      const c = v128.load(columns + k);
      v128.store(columns + k, f32x4.add(c, f32x4.sub(v128.load(add + k), v128.load(sub + k))));
      const m = f32x4.mul(c, s32);
      const mi = f32x4.extract_lane(m, 0), mp = f32x4.extract_lane(m, 1);
      const slope = (f32x4.extract_lane(m, 2) - mi * mp) / (f32x4.extract_lane(m, 3) - mi * mi + eps);
      const o = row + (<usize>x << 4);
      store<f64>(o, <f64>slope);
      store<f64>(o + 8, <f64>(mp - slope * mi));
    }
    if (odd) {
      boxRows2(pairs, pairs2, width, radius, ring2 + <usize>((y - 1) % ring) * stride2, ring2 + <usize>(y % ring) * stride2);
    } else if (y == lastY) {
      boxRow2(pairs, width, radius, ring2 + <usize>(y % ring) * stride2);
    } else {
      continue;
    }
    // The second box mean's rows whose sums are all in: first its column sums, once.
    const start = done < first;
    done = y;
    if (done < first) continue;
    if (start) columnSums(ring2, stride2, ring, radius, lastY, columns2, (width + 1) >> 1);
    for (; y2 <= lastY && min(y2 + radius + 1, lastY) <= done; y2++) {
      meanRow2(ring2, stride2, ring, radius, lastY, y2, columns2, width, a, b);
    }
  }
}

/** Rows j (and j + 1 when `two`) of the first horizontal sums into their ring rows. */
function sums4(
  guide: usize,
  p: usize,
  j: i32,
  two: bool,
  width: i32,
  radius: i32,
  lows: usize,
  highs: usize,
  lows2: usize,
  highs2: usize,
  ring: usize,
  size: i32,
  stride: usize,
): void {
  const out = ring + <usize>(j % size) * stride;
  if (two) {
    boxRows4(guide, p, j, width, radius, lows, highs, lows2, highs2, out, ring + <usize>((j + 1) % size) * stride);
  } else {
    boxRow4(guide, p, j, width, radius, lows, highs, out);
  }
}

/**
 * Row j's horizontal box sums of the cells (I, p, I·p, I·I) into `out` (w f32x4): f64
 * running sums, as guided_filter.ts boxMean's JS numbers, over padded rows of (I, p) and
 * (I·p, I·I) f64 pairs (radius + 1 copies of the edge pixels each side, so no clamping
 * per pixel). Each value is widened once, when its row is laid out: f32↔f64 converts
 * are what the loop is short of.
 */
// @ts-ignore: decorator
@inline
function boxRow4(
  guide: usize,
  p: usize,
  j: i32,
  width: i32,
  radius: i32,
  lows: usize,
  highs: usize,
  out: usize,
): void {
  layoutRow4(guide, p, j, width, radius, lows, highs);
  const pad = <usize>(radius + 1) << 4;
  const s64 = f64x2.splat(1 / <f64>(2 * radius + 1)), head = f64x2.splat(<f64>(radius + 1));
  let lo = f64x2.mul(head, v128.load(lows + pad)), hi = f64x2.mul(head, v128.load(highs + pad));
  for (let i: usize = 1; i <= <usize>radius; i++) {
    lo = f64x2.add(lo, v128.load(lows + pad + (i << 4)));
    hi = f64x2.add(hi, v128.load(highs + pad + (i << 4)));
  }
  // Pixel x adds padded column x + 2·radius + 2 and drops padded column x + 1.
  const ahead = <usize>(2 * radius + 2) << 4;
  for (let k: usize = 0, end = <usize>width << 4; k < end; k += 16) {
    const l = f32x4.demote_f64x2_zero(f64x2.mul(lo, s64));
    const h = f32x4.demote_f64x2_zero(f64x2.mul(hi, s64));
    v128.store(out + k, i64x2.shuffle(l, h, 0, 2));
    lo = f64x2.add(lo, f64x2.sub(v128.load(lows + k + ahead), v128.load(lows + k + 16)));
    hi = f64x2.add(hi, f64x2.sub(v128.load(highs + k + ahead), v128.load(highs + k + 16)));
  }
}

/** Row j's (I, p) and (I·p, I·I) as padded f64 pairs (see boxRow4). */
// @ts-ignore: decorator
@inline
function layoutRow4(
  guide: usize,
  p: usize,
  j: i32,
  width: i32,
  radius: i32,
  lows: usize,
  highs: usize,
): void {
  const pad = <usize>(radius + 1) << 4, g = guide + (<usize>(j * width) << 2);
  const q = p + (<usize>(j * width) << 2);
  let x = 0;
  for (; x + 4 <= width; x += 4) {
    const k = <usize>x << 2, vg = v128.load(g + k), vq = v128.load(q + k);
    const o = pad + (<usize>x << 4);
    storePairs(lows + o, vg, vq);
    storePairs(highs + o, f32x4.mul(vg, vq), f32x4.mul(vg, vg));
  }
  for (; x < width; x++) {
    const k = <usize>x << 2, vg = load<f32>(g + k), vq = load<f32>(q + k);
    const o = pad + (<usize>x << 4);
    store<f64>(lows + o, <f64>vg);
    store<f64>(lows + o + 8, <f64>vq);
    store<f64>(highs + o, <f64>(vg * vq));
    store<f64>(highs + o + 8, <f64>(vg * vg));
  }
  padRow(lows, width, radius);
  padRow(highs, width, radius);
}

/** boxRow4 of rows j and j + 1 in one loop: four independent chains of additions. */
// @ts-ignore: decorator
@inline
function boxRows4(
  guide: usize,
  p: usize,
  j: i32,
  width: i32,
  radius: i32,
  lows: usize,
  highs: usize,
  lows2: usize,
  highs2: usize,
  out: usize,
  out2: usize,
): void {
  layoutRow4(guide, p, j, width, radius, lows, highs);
  layoutRow4(guide, p, j + 1, width, radius, lows2, highs2);
  const pad = <usize>(radius + 1) << 4;
  const s64 = f64x2.splat(1 / <f64>(2 * radius + 1)), head = f64x2.splat(<f64>(radius + 1));
  let lo = f64x2.mul(head, v128.load(lows + pad)), hi = f64x2.mul(head, v128.load(highs + pad));
  let lo2 = f64x2.mul(head, v128.load(lows2 + pad));
  let hi2 = f64x2.mul(head, v128.load(highs2 + pad));
  for (let i: usize = 1; i <= <usize>radius; i++) {
    const o = pad + (i << 4);
    lo = f64x2.add(lo, v128.load(lows + o));
    hi = f64x2.add(hi, v128.load(highs + o));
    lo2 = f64x2.add(lo2, v128.load(lows2 + o));
    hi2 = f64x2.add(hi2, v128.load(highs2 + o));
  }
  const ahead = <usize>(2 * radius + 2) << 4;
  for (let k: usize = 0, end = <usize>width << 4; k < end; k += 16) {
    v128.store(
      out + k,
      i64x2.shuffle(
        f32x4.demote_f64x2_zero(f64x2.mul(lo, s64)),
        f32x4.demote_f64x2_zero(f64x2.mul(hi, s64)),
        0,
        2,
      ),
    );
    v128.store(
      out2 + k,
      i64x2.shuffle(
        f32x4.demote_f64x2_zero(f64x2.mul(lo2, s64)),
        f32x4.demote_f64x2_zero(f64x2.mul(hi2, s64)),
        0,
        2,
      ),
    );
    const a = k + ahead, d = k + 16;
    lo = f64x2.add(lo, f64x2.sub(v128.load(lows + a), v128.load(lows + d)));
    hi = f64x2.add(hi, f64x2.sub(v128.load(highs + a), v128.load(highs + d)));
    lo2 = f64x2.add(lo2, f64x2.sub(v128.load(lows2 + a), v128.load(lows2 + d)));
    hi2 = f64x2.add(hi2, f64x2.sub(v128.load(highs2 + a), v128.load(highs2 + d)));
  }
}

/** boxRow2 of two rows in one loop. */
// @ts-ignore: decorator
@inline
function boxRows2(pairs: usize, pairs2: usize, width: i32, radius: i32, out: usize, out2: usize): void {
  padRow(pairs, width, radius);
  padRow(pairs2, width, radius);
  const pad = <usize>(radius + 1) << 4;
  const s64 = f64x2.splat(1 / <f64>(2 * radius + 1)), head = f64x2.splat(<f64>(radius + 1));
  let lo = f64x2.mul(head, v128.load(pairs + pad)), lo2 = f64x2.mul(head, v128.load(pairs2 + pad));
  for (let i: usize = 1; i <= <usize>radius; i++) {
    lo = f64x2.add(lo, v128.load(pairs + pad + (i << 4)));
    lo2 = f64x2.add(lo2, v128.load(pairs2 + pad + (i << 4)));
  }
  const ahead = <usize>(2 * radius + 2) << 4;
  for (let k: usize = 0, end = <usize>width << 4; k < end; k += 16) {
    v128.store64_lane(out + (k >> 1), f32x4.demote_f64x2_zero(f64x2.mul(lo, s64)), 0);
    v128.store64_lane(out2 + (k >> 1), f32x4.demote_f64x2_zero(f64x2.mul(lo2, s64)), 0);
    lo = f64x2.add(lo, f64x2.sub(v128.load(pairs + k + ahead), v128.load(pairs + k + 16)));
    lo2 = f64x2.add(lo2, f64x2.sub(v128.load(pairs2 + k + ahead), v128.load(pairs2 + k + 16)));
  }
}

/** Row (a, b) f64 pairs' horizontal box means into `out` (w f32 pairs), as boxRow4's. */
// @ts-ignore: decorator
@inline
function boxRow2(pairs: usize, width: i32, radius: i32, out: usize): void {
  padRow(pairs, width, radius);
  const pad = <usize>(radius + 1) << 4;
  const s64 = f64x2.splat(1 / <f64>(2 * radius + 1)), head = f64x2.splat(<f64>(radius + 1));
  let lo = f64x2.mul(head, v128.load(pairs + pad));
  for (let i: usize = 1; i <= <usize>radius; i++) lo = f64x2.add(lo, v128.load(pairs + pad + (i << 4)));
  const ahead = <usize>(2 * radius + 2) << 4;
  for (let k: usize = 0, end = <usize>width << 4; k < end; k += 16) {
    v128.store64_lane(out + (k >> 1), f32x4.demote_f64x2_zero(f64x2.mul(lo, s64)), 0);
    lo = f64x2.add(lo, f64x2.sub(v128.load(pairs + k + ahead), v128.load(pairs + k + 16)));
  }
}

/** Pixels x..x+3 of two f32 maps as four (u, v) f64 pairs at o. */
// @ts-ignore: decorator
@inline
function storePairs(o: usize, u: v128, v: v128): void {
  const t0 = i32x4.shuffle(u, v, 0, 4, 1, 5), t1 = i32x4.shuffle(u, v, 2, 6, 3, 7);
  v128.store(o, f64x2.promote_low_f32x4(t0));
  v128.store(o + 16, f64x2.promote_low_f32x4(i64x2.shuffle(t0, t0, 1, 1)));
  v128.store(o + 32, f64x2.promote_low_f32x4(t1));
  v128.store(o + 48, f64x2.promote_low_f32x4(i64x2.shuffle(t1, t1, 1, 1)));
}

/** Fills a padded row's radius + 1 columns each side with copies of its edge pairs. */
// @ts-ignore: decorator
@inline
function padRow(row: usize, width: i32, radius: i32): void {
  const pad = <usize>(radius + 1) << 4;
  const left = v128.load(row + pad), right = v128.load(row + pad + (<usize>(width - 1) << 4));
  const tail = row + pad + (<usize>width << 4);
  for (let k: usize = 0; k < pad; k += 16) {
    v128.store(row + k, left);
    v128.store(tail + k, right);
  }
}

/**
 * The vertical running sums' start, as boxMean's: (radius + 1)·row 0 + rows 1..radius
 * (clamped to the last), over `count` f32x4 of rows `stride` bytes apart in a ring.
 */
// @ts-ignore: decorator
@inline
function columnSums(
  ring: usize,
  stride: usize,
  size: i32,
  radius: i32,
  lastY: i32,
  out: usize,
  count: i32,
): void {
  const head32 = f32x4.splat(<f32>(radius + 1));
  for (let k: usize = 0, end = <usize>count << 4; k < end; k += 16) {
    let c = f32x4.mul(head32, v128.load(ring + k));
    for (let i = 1; i <= radius; i++) {
      c = f32x4.add(c, v128.load(ring + <usize>(min(i, lastY) % size) * stride + k));
    }
    v128.store(out + k, c);
  }
}

/** Row y of the second box mean: a and b, from and then onto its column sums. */
// @ts-ignore: decorator
@inline
function meanRow2(
  ring: usize,
  stride: usize,
  size: i32,
  radius: i32,
  lastY: i32,
  y: i32,
  columns: usize,
  width: i32,
  a: usize,
  b: usize,
): void {
  const s32 = f32x4.splat(<f32>(1 / <f64>(2 * radius + 1)));
  const add = ring + <usize>(min(y + radius + 1, lastY) % size) * stride;
  const sub = ring + <usize>(max(y - radius, 0) % size) * stride;
  const ra = a + (<usize>(y * width) << 2), rb = b + (<usize>(y * width) << 2);
  let x = 0;
  for (; x + 4 <= width; x += 4) {
    const k = <usize>x << 3;
    const c0 = v128.load(columns + k), c1 = v128.load(columns + k + 16);
    v128.store(columns + k, f32x4.add(c0, f32x4.sub(v128.load(add + k), v128.load(sub + k))));
    v128.store(
      columns + k + 16,
      f32x4.add(c1, f32x4.sub(v128.load(add + k + 16), v128.load(sub + k + 16))),
    );
    const m0 = f32x4.mul(c0, s32), m1 = f32x4.mul(c1, s32);
    v128.store(ra + (<usize>x << 2), i32x4.shuffle(m0, m1, 0, 2, 4, 6));
    v128.store(rb + (<usize>x << 2), i32x4.shuffle(m0, m1, 1, 3, 5, 7));
  }
  // The last 1..3 pixels: a pair per vector (the row stride leaves room for a last half).
  for (; x < width; x += 2) {
    const k = <usize>x << 3;
    const c = v128.load(columns + k);
    v128.store(columns + k, f32x4.add(c, f32x4.sub(v128.load(add + k), v128.load(sub + k))));
    const m = f32x4.mul(c, s32);
    store<f32>(ra + (<usize>x << 2), f32x4.extract_lane(m, 0));
    store<f32>(rb + (<usize>x << 2), f32x4.extract_lane(m, 1));
    if (x + 1 < width) {
      store<f32>(ra + (<usize>x << 2) + 4, f32x4.extract_lane(m, 2));
      store<f32>(rb + (<usize>x << 2) + 4, f32x4.extract_lane(m, 3));
    }
  }
}

/**
 * temporal_smoothing.ts lumaDownscale: the luma of the four pixels around each sample,
 * lerped horizontally then vertically. When `adjacent` (every xi1 is xi0 + 1, or its
 * weight is 0), four samples go per vector: each one's two pixels are one 8-byte load
 * per row, since wasm SIMD cannot gather. Otherwise scalar.
 */
export function lumaDownscale(
  src: usize,
  sw: i32,
  channels: i32,
  xi0: usize,
  xi1: usize,
  xw: usize,
  yi0: usize,
  yi1: usize,
  yw: usize,
  out: usize,
  width: i32,
  height: i32,
  adjacent: bool,
): void {
  const stride = sw * channels;
  // Constants from a value the compilers cannot fold (width >>> 31 is 0, or-ed into the
  // floats' bits): V8 keeps them in registers, where it rebuilds a constant vector at
  // each use.
  const z = width >>> 31;
  const kr = f32x4.splat(reinterpret<f32>(reinterpret<u32>(LR) | z));
  const kg = f32x4.splat(reinterpret<f32>(reinterpret<u32>(LG) | z));
  const kb = f32x4.splat(reinterpret<f32>(reinterpret<u32>(LB) | z));
  const k1 = f32x4.splat(reinterpret<f32>(reinterpret<u32>(L1) | z));
  const low = i32x4.splat(0xff | z);
  for (let y = 0; y < height; y++) {
    const ky = <usize>y << 2;
    const r0 = src + <usize>(load<i32>(yi0 + ky) * stride);
    const r1 = src + <usize>(load<i32>(yi1 + ky) * stride);
    const wy = load<f32>(yw + ky), vwy = f32x4.splat(wy);
    const o = out + (<usize>(y * width) << 2);
    let x = 0;
    if (adjacent) {
      for (; x + 4 <= width; x += 4) {
        const k = <usize>x << 2;
        const c = i32x4.mul(v128.load(xi0 + k), i32x4.splat(channels)), wx = v128.load(xw + k);
        const c0 = <usize>i32x4.extract_lane(c, 0), c1 = <usize>i32x4.extract_lane(c, 1);
        const c2 = <usize>i32x4.extract_lane(c, 2), c3 = <usize>i32x4.extract_lane(c, 3);
        const top = channels == 3
          ? lumaPairs(r0, c0, c1, c2, c3, 3, wx, kr, kg, kb)
          : channels == 4
          ? lumaPairs(r0, c0, c1, c2, c3, 4, wx, kr, kg, kb)
          : grayPairs(r0, c0, c1, c2, c3, wx, k1, low);
        const bottom = channels == 3
          ? lumaPairs(r1, c0, c1, c2, c3, 3, wx, kr, kg, kb)
          : channels == 4
          ? lumaPairs(r1, c0, c1, c2, c3, 4, wx, kr, kg, kb)
          : grayPairs(r1, c0, c1, c2, c3, wx, k1, low);
        v128.store(o + k, f32x4.add(top, f32x4.mul(f32x4.sub(bottom, top), vwy)));
      }
    }
    for (; x < width; x++) {
      const k = <usize>x << 2;
      const c0 = <usize>(load<i32>(xi0 + k) * channels);
      const c1 = <usize>(load<i32>(xi1 + k) * channels);
      const wx = load<f32>(xw + k);
      let la: f32, lb: f32, lc: f32, ld: f32;
      if (channels == 1) {
        la = <f32>load<u8>(r0 + c0) * L1;
        lb = <f32>load<u8>(r0 + c1) * L1;
        lc = <f32>load<u8>(r1 + c0) * L1;
        ld = <f32>load<u8>(r1 + c1) * L1;
      } else {
        la = lumaAt(r0 + c0);
        lb = lumaAt(r0 + c1);
        lc = lumaAt(r1 + c0);
        ld = lumaAt(r1 + c1);
      }
      const top = la + (lb - la) * wx, bottom = lc + (ld - lc) * wx;
      store<f32>(o + k, top + (bottom - top) * wy);
    }
  }
}

/**
 * For four samples in row `r` whose first pixels start at c0..c3: the luma of that
 * pixel and the next, lerped by wx, as f32x4 lanes.
 */
// @ts-ignore: decorator
@inline
function lumaPairs(
  r: usize,
  c0: usize,
  c1: usize,
  c2: usize,
  c3: usize,
  ch: u8,
  wx: v128,
  kr: v128,
  kg: v128,
  kb: v128,
): v128 {
  const v01 = v128.load64_lane(r + c1, v128.load64_zero(r + c0), 1);
  const v23 = v128.load64_lane(r + c3, v128.load64_zero(r + c2), 1);
  const first = lumaOf(v01, v23, 0, kr, kg, kb), second = lumaOf(v01, v23, ch, kr, kg, kb);
  return f32x4.add(first, f32x4.mul(f32x4.sub(second, first), wx));
}

/** Luma of the pixel at byte `at` of each 8-byte half of v01 and v23, as f32x4 lanes. */
// @ts-ignore: decorator
@inline
function lumaOf(v01: v128, v23: v128, at: u8, kr: v128, kg: v128, kb: v128): v128 {
  return f32x4.add(
    f32x4.add(
      f32x4.mul(f32x4.convert_i32x4_s(halvesOf(v01, v23, at)), kr),
      f32x4.mul(f32x4.convert_i32x4_s(halvesOf(v01, v23, at + 1)), kg),
    ),
    f32x4.mul(f32x4.convert_i32x4_s(halvesOf(v01, v23, at + 2)), kb),
  );
}

/** Byte `at` of each 8-byte half of v01 (lanes 0, 1) and v23 (lanes 2, 3) as i32x4. */
// @ts-ignore: decorator
@inline
function halvesOf(v01: v128, v23: v128, at: u8): v128 {
  return v128.or(
    i8x16.swizzle(v01, i8x16(at, X, X, X, at + 8, X, X, X, X, X, X, X, X, X, X, X)),
    i8x16.swizzle(v23, i8x16(X, X, X, X, X, X, X, X, at, X, X, X, at + 8, X, X, X)),
  );
}

/**
 * lumaPairs for a gray plane: the two bytes of each sample are one 2-byte load per lane
 * (a sample at the last column reads the byte after it, at weight 0).
 */
// @ts-ignore: decorator
@inline
function grayPairs(
  r: usize,
  c0: usize,
  c1: usize,
  c2: usize,
  c3: usize,
  wx: v128,
  scale: v128,
  low: v128,
): v128 {
  let v = v128.load16_lane(r + c0, i32x4.splat(0), 0);
  v = v128.load16_lane(r + c1, v, 2);
  v = v128.load16_lane(r + c2, v, 4);
  v = v128.load16_lane(r + c3, v, 6);
  const first = f32x4.mul(f32x4.convert_i32x4_s(v128.and(v, low)), scale);
  const second = f32x4.mul(f32x4.convert_i32x4_s(i32x4.shr_u(v, 8)), scale);
  return f32x4.add(first, f32x4.mul(f32x4.sub(second, first), wx));
}

// @ts-ignore: decorator
@inline
function lumaAt(p: usize): f32 {
  return <f32>load<u8>(p) * LR + <f32>load<u8>(p + 1) * LG + <f32>load<u8>(p + 2) * LB;
}

// ---- the mask path: change, dilation, motion-gated smoothing, pasting a crop -------------------

/** f32 lanes 0, 1 of v as f64x2. */
// @ts-ignore: decorator
@inline
function lowF64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

/** f32 lanes 2, 3 of v as f64x2. */
// @ts-ignore: decorator
@inline
function highF64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}

/** Two f64x2 rounded to f32 (to nearest, as a Float32Array store) into one f32x4. */
// @ts-ignore: decorator
@inline
function f32Of(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/**
 * temporal_smoothing.ts blurredChange: |a − b − shift| (shift: the mean of a − b, summed
 * in f64 in index order, rounded to f32), then the 3x3 mean (horizontal into
 * scratch, vertical into out); returns the largest mean. The sums are f64, in the
 * reference's order, and rounded to f32 where it stores: the largest value (an f64 the
 * caller compares with a threshold) is then the reference's to the bit, and so is out.
 * |a − b| is one f32 subtraction: f64 then f32 rounds the same (53 >= 2·24 + 2 bits).
 */
export function blurredChange(
  a: usize,
  b: usize,
  width: i32,
  height: i32,
  scratch: usize,
  out: usize,
): f64 {
  const n = width * height;
  // a − b into out while the sum runs: its chain of dependent f64 additions (in index
  // order, one a value) leaves the rest of the core idle, and the next pass then reads
  // one array instead of two. The same f32 subtractions, so the same values.
  let sum: f64 = 0;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const k = <usize>j << 2;
    const d = f32x4.sub(v128.load(a + k), v128.load(b + k));
    v128.store(out + k, d);
    sum += <f64>f32x4.extract_lane(d, 0);
    sum += <f64>f32x4.extract_lane(d, 1);
    sum += <f64>f32x4.extract_lane(d, 2);
    sum += <f64>f32x4.extract_lane(d, 3);
  }
  for (; j < n; j++) {
    const k = <usize>j << 2;
    const d = load<f32>(a + k) - load<f32>(b + k);
    store<f32>(out + k, d);
    sum += <f64>d;
  }
  const shift = <f32>(sum / <f64>n), vshift = f32x4.splat(shift);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const k = <usize>i << 2;
    v128.store(out + k, f32x4.abs(f32x4.sub(v128.load(out + k), vshift)));
  }
  for (; i < n; i++) {
    const k = <usize>i << 2;
    store<f32>(out + k, abs<f32>(load<f32>(out + k) - shift));
  }
  for (let y = 0; y < height; y++) {
    const row = <usize>(y * width) << 2, o = out + row, s = scratch + row;
    if (width == 1) {
      store<f32>(s, <f32>(3 * <f64>load<f32>(o)));
      continue;
    }
    const last = <usize>(width - 1) << 2;
    store<f32>(s, <f32>(2 * <f64>load<f32>(o) + <f64>load<f32>(o + 4)));
    let x = 1;
    for (; x + 4 <= width - 1; x += 4) {
      const k = <usize>x << 2;
      const l = v128.load(o + k - 4), c = v128.load(o + k), r = v128.load(o + k + 4);
      const lo = f64x2.add(f64x2.add(lowF64(l), lowF64(c)), lowF64(r));
      const hi = f64x2.add(f64x2.add(highF64(l), highF64(c)), highF64(r));
      v128.store(s + k, f32Of(lo, hi));
    }
    for (; x < width - 1; x++) {
      const k = <usize>x << 2;
      store<f32>(
        s + k,
        <f32>(<f64>load<f32>(o + k - 4) + <f64>load<f32>(o + k) + <f64>load<f32>(o + k + 4)),
      );
    }
    store<f32>(s + last, <f32>(<f64>load<f32>(o + last - 4) + 2 * <f64>load<f32>(o + last)));
  }
  const ninth = f64x2.splat(1.0 / 9.0), lastY = height - 1;
  let most = f64x2.splat(0);
  let largest: f64 = 0;
  for (let y = 0; y < height; y++) {
    const up = scratch + (<usize>((y > 0 ? y - 1 : 0) * width) << 2);
    const mid = scratch + (<usize>(y * width) << 2);
    const down = scratch + (<usize>((y < lastY ? y + 1 : lastY) * width) << 2);
    const o = out + (<usize>(y * width) << 2);
    let x = 0;
    for (; x + 4 <= width; x += 4) {
      const k = <usize>x << 2;
      const u = v128.load(up + k), c = v128.load(mid + k), d = v128.load(down + k);
      const lo = f64x2.mul(f64x2.add(f64x2.add(lowF64(u), lowF64(c)), lowF64(d)), ninth);
      const hi = f64x2.mul(f64x2.add(f64x2.add(highF64(u), highF64(c)), highF64(d)), ninth);
      // pmax (one maxpd; max costs V8 a fix-up for NaN and −0) is max here: the means
      // are of |·| values, finite and ≥ +0.
      most = f64x2.pmax(most, f64x2.pmax(lo, hi));
      v128.store(o + k, f32Of(lo, hi));
    }
    for (; x < width; x++) {
      const k = <usize>x << 2;
      const v = (<f64>load<f32>(up + k) + <f64>load<f32>(mid + k) + <f64>load<f32>(down + k)) *
        (1.0 / 9.0);
      store<f32>(o + k, <f32>v);
      if (v > largest) largest = v;
    }
  }
  return max(largest, max(f64x2.extract_lane(most, 0), f64x2.extract_lane(most, 1)));
}

/**
 * temporal_smoothing.ts dilate3: the 3x3 maximum of `map` in place (horizontal into
 * scratch, vertical back); returns its largest value. Maxima are exact, so f32x4 lanes
 * give the reference's values to the bit. f32x4.pmax (one maxps; f32x4.max costs V8 a
 * fix-up of ~6 instructions) is max but on NaN and on −0 against +0, which the map never
 * holds: it is blurredChange's output, means of |a − b − shift| (finite, ≥ +0).
 */
export function dilate3(map: usize, width: i32, height: i32, scratch: usize): f32 {
  for (let y = 0; y < height; y++) {
    const row = <usize>(y * width) << 2, o = map + row, s = scratch + row;
    if (width == 1) {
      store<f32>(s, load<f32>(o));
      continue;
    }
    const last = <usize>(width - 1) << 2;
    store<f32>(s, max(load<f32>(o), load<f32>(o + 4)));
    let x = 1;
    for (; x + 4 <= width - 1; x += 4) {
      const k = <usize>x << 2;
      const l = v128.load(o + k - 4), c = v128.load(o + k), r = v128.load(o + k + 4);
      v128.store(s + k, f32x4.pmax(f32x4.pmax(l, c), r));
    }
    for (; x < width - 1; x++) {
      const k = <usize>x << 2;
      store<f32>(s + k, max(max(load<f32>(o + k - 4), load<f32>(o + k)), load<f32>(o + k + 4)));
    }
    store<f32>(s + last, max(load<f32>(o + last - 4), load<f32>(o + last)));
  }
  const lastY = height - 1;
  let most = f32x4.splat(0);
  let largest: f32 = 0;
  for (let y = 0; y < height; y++) {
    const up = scratch + (<usize>((y > 0 ? y - 1 : 0) * width) << 2);
    const mid = scratch + (<usize>(y * width) << 2);
    const down = scratch + (<usize>((y < lastY ? y + 1 : lastY) * width) << 2);
    const o = map + (<usize>(y * width) << 2);
    let x = 0;
    for (; x + 4 <= width; x += 4) {
      const k = <usize>x << 2;
      const v = f32x4.pmax(f32x4.pmax(v128.load(up + k), v128.load(mid + k)), v128.load(down + k));
      most = f32x4.pmax(most, v);
      v128.store(o + k, v);
    }
    for (; x < width; x++) {
      const k = <usize>x << 2;
      const v = max(max(load<f32>(up + k), load<f32>(mid + k)), load<f32>(down + k));
      store<f32>(o + k, v);
      largest = max(largest, v);
    }
  }
  const lanes = max(
    max(f32x4.extract_lane(most, 0), f32x4.extract_lane(most, 1)),
    max(f32x4.extract_lane(most, 2), f32x4.extract_lane(most, 3)),
  );
  return max(largest, lanes);
}

/**
 * temporal_smoothing.ts smoothTemporal, in place on `state`, four cells per step in f32:
 * the reference rounds every step to f32, so the two agree to the bit.
 */
export function smoothTemporal(
  probability: usize,
  change: usize,
  n: i32,
  strength: f32,
  motion: f32,
  perChange: f32,
  perWobble: f32,
  state: usize,
): void {
  const vk = f32x4.splat(strength), vm = f32x4.splat(motion), vc = f32x4.splat(perChange);
  // 2 and 1 from a value the compilers cannot fold (n >>> 31 is 0, or-ed into the floats'
  // bits): V8 keeps them in registers, where it rebuilds a constant vector at each use.
  const z = <u32>n >>> 31;
  const vw = f32x4.splat(perWobble), two = f32x4.splat(reinterpret<f32>(0x40000000 | z));
  const one = f32x4.splat(reinterpret<f32>(0x3f800000 | z)), zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const k = <usize>i << 2;
    const p = v128.load(probability + k), s = v128.load(state + k);
    const picture = f32x4.mul(f32x4.sub(vm, v128.load(change + k)), vc);
    const model = f32x4.sub(two, f32x4.mul(f32x4.abs(f32x4.sub(p, s)), vw));
    const still = f32x4.min(f32x4.max(f32x4.max(picture, model), zero), one);
    v128.store(state + k, f32x4.add(p, f32x4.mul(f32x4.sub(s, p), f32x4.mul(vk, still))));
  }
  for (; i < n; i++) {
    const k = <usize>i << 2;
    const p = load<f32>(probability + k), s = load<f32>(state + k);
    const picture = (motion - load<f32>(change + k)) * perChange;
    const model = <f32>2 - abs<f32>(p - s) * perWobble;
    let still = picture > model ? picture : model;
    still = still < 0 ? <f32>0 : still > 1 ? <f32>1 : still;
    store<f32>(state + k, p + (s - p) * (strength * still));
  }
}

/**
 * region.ts pasteRegion for the cells [i0, i1) x [j0, j1) of dst (the loader finds them
 * with the reference's arithmetic). Each column's source pair and weight are worked out
 * once (16 bytes a column in `work`: u0, u1 as i32, wu as f64), each source row used is
 * lerped across once into an f64 row (two kept: output rows outnumber the source rows
 * they sample), and the rows are lerped down two cells per f64x2. f64 throughout, in
 * the reference's order, so the values are its own to the bit. `work` holds 32 bytes a
 * column.
 */
export function pasteRegion(
  src: usize,
  srcWidth: i32,
  srcHeight: i32,
  x: f64,
  y: f64,
  sx: f64,
  sy: f64,
  kx: f64,
  ky: f64,
  i0: i32,
  i1: i32,
  j0: i32,
  j1: i32,
  dst: usize,
  dstWidth: i32,
  average: bool,
  work: usize,
): void {
  const n = i1 - i0;
  if (n <= 0) return;
  const lastX = srcWidth - 1, lastY = srcHeight - 1;
  const fx = <f64>lastX, fy = <f64>lastY;
  const columns = work;
  for (let i = 0; i < n; i++) {
    let u = ((<f64>(i + i0) + 0.5) * sx - x) * kx - 0.5;
    u = u < 0 ? 0 : u > fx ? fx : u;
    const u0 = <i32>Math.floor(u);
    const c = columns + (<usize>i << 4);
    store<i32>(c, u0 << 2);
    store<i32>(c + 4, (u0 < lastX ? u0 + 1 : lastX) << 2);
    store<f64>(c + 8, u - <f64>u0);
  }
  let upper = work + (<usize>n << 4), lower = upper + (<usize>n << 3);
  let hasUpper = -1, hasLower = -1;
  const half = f64x2.splat(0.5);
  for (let j = j0; j < j1; j++) {
    let v = ((<f64>j + 0.5) * sy - y) * ky - 0.5;
    v = v < 0 ? 0 : v > fy ? fy : v;
    const v0 = <i32>Math.floor(v), wv = v - <f64>v0, v1 = v0 < lastY ? v0 + 1 : lastY;
    if (hasUpper != v0) {
      if (hasLower == v0) {
        const t = upper;
        upper = lower;
        lower = t;
        hasLower = hasUpper;
      } else {
        lerpRow(src + (<usize>(v0 * srcWidth) << 2), columns, n, upper);
      }
      hasUpper = v0;
    }
    if (hasLower != v1) {
      lerpRow(src + (<usize>(v1 * srcWidth) << 2), columns, n, lower);
      hasLower = v1;
    }
    const o = dst + (<usize>(j * dstWidth + i0) << 2), vwv = f64x2.splat(wv);
    let i = 0;
    for (; i + 2 <= n; i += 2) {
      const top = v128.load(upper + (<usize>i << 3));
      const bottom = v128.load(lower + (<usize>i << 3));
      let value = f64x2.add(top, f64x2.mul(f64x2.sub(bottom, top), vwv));
      const at = o + (<usize>i << 2);
      if (average) {
        value = f64x2.mul(f64x2.add(f64x2.promote_low_f32x4(v128.load64_zero(at)), value), half);
      }
      v128.store64_lane(at, f32x4.demote_f64x2_zero(value), 0);
    }
    for (; i < n; i++) {
      const top = load<f64>(upper + (<usize>i << 3)), bottom = load<f64>(lower + (<usize>i << 3));
      const value = top + (bottom - top) * wv;
      const at = o + (<usize>i << 2);
      store<f32>(at, <f32>(average ? (<f64>load<f32>(at) + value) * 0.5 : value));
    }
  }
}

/** One source row lerped across at the columns' samples, as f64, into `out`. */
function lerpRow(r: usize, columns: usize, n: i32, out: usize): void {
  for (let i = 0; i < n; i++) {
    const c = columns + (<usize>i << 4);
    const a = <f64>load<f32>(r + <usize>load<i32>(c));
    store<f64>(out + (<usize>i << 3), a + (<f64>load<f32>(r + <usize>load<i32>(c + 4)) - a) * load<f64>(c + 8));
  }
}

// ==== sink helper (issue 16): RGB → yuyv422 for the virtual camera and `-o - --pix-fmt` ====

/** Q15 of a coefficient (q15mulr_sat_s's scale). */
// @ts-ignore: decorator
@inline
function q15(v: f32): i16 {
  return <i16>(<i32>Math.round(<f64>v * 32768));
}

/**
 * yuyv16's gather masks for RGB and RGBA, loaded once before the loop (see PACK_RGB for
 * why they are not constants in the code).
 */
const YUYV_GATHER: usize = memory.data<u8>([
  0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11, 128, 128, 128, 128,
  0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 128, 128, 128, 128,
], 16);

/**
 * yuv.ts rgbToYuyv422, sixteen pixels (eight pairs) a step in 32-bit fixed point with
 * Q15 coefficients, every product an i32x4.dot_i16x8_s (one instruction for eight
 * products, where each q15mulr_sat_s costs several on x86): luma dots [R G] and
 * [B 128] lanes with [kR kG] and [kB, bias/128]; chroma, linear in the pixels, is taken
 * from each pair's channel sums (i16x8.extadd_pairwise_i8x16_u), dotted as [ΣR ΣG] and
 * [ΣB 256]. Products and sums are exact, so the results differ from the reference only
 * when it lies within 0.03 of a half: within one level. Constants from yuv.ts. The width
 * is even.
 */
export function rgbToYuyv422(
  src: usize,
  width: i32,
  height: i32,
  sc: i32,
  dst: usize,
  yOf: f32,
  kr: f32,
  kg: f32,
  kb: f32,
  cb: f32,
  cr: f32,
): void {
  const n = width * height;
  // Luma: [R G]·[kR kG] + [B 128]·[kB, 16.5·2¹⁵/128] (16.5: the offset and the rounding half).
  const yRG = i16x8(
    q15(yOf * kr), q15(yOf * kg), q15(yOf * kr), q15(yOf * kg),
    q15(yOf * kr), q15(yOf * kg), q15(yOf * kr), q15(yOf * kg),
  );
  const yB = i16x8(q15(yOf * kb), 4224, q15(yOf * kb), 4224, q15(yOf * kb), 4224, q15(yOf * kb), 4224);
  // Chroma of a pair from its sums (twice the mean, hence the halves): U = cb·(B − luma),
  // V = cr·(R − luma), each channel's weight written out; [ΣB 256]·[w, 128.5·2¹⁵/256].
  const uRG = pairOf(q15(-cb * kr * 0.5), q15(-cb * kg * 0.5));
  const uB = pairOf(q15(cb * (1 - kb) * 0.5), 16448);
  const vRG = pairOf(q15(cr * (1 - kr) * 0.5), q15(-cr * kg * 0.5));
  const vB = pairOf(q15(-cr * kb * 0.5), 16448);
  const gather = v128.load(YUYV_GATHER + (sc == 3 ? 0 : 16));
  let i = 0;
  if (sc == 3) {
    for (; i + 16 <= n; i += 16) {
      yuyv16(src + <usize>(i * 3), dst + <usize>(i << 1), true, yRG, yB, uRG, uB, vRG, vB, gather);
    }
  } else {
    for (; i + 16 <= n; i += 16) {
      yuyv16(src + <usize>(i << 2), dst + <usize>(i << 1), false, yRG, yB, uRG, uB, vRG, vB, gather);
    }
  }
  for (; i < n; i += 2) {
    const p = src + <usize>(i * sc), q = p + <usize>sc;
    const r0 = <f32>load<u8>(p), g0 = <f32>load<u8>(p + 1), b0 = <f32>load<u8>(p + 2);
    const r1 = <f32>load<u8>(q), g1 = <f32>load<u8>(q + 1), b1 = <f32>load<u8>(q + 2);
    const o = dst + <usize>(i << 1);
    store<u8>(o, <u8>(<i32>(<f32>16.5 + yOf * (kr * r0 + kg * g0 + kb * b0))));
    store<u8>(o + 2, <u8>(<i32>(<f32>16.5 + yOf * (kr * r1 + kg * g1 + kb * b1))));
    const r = (r0 + r1) * 0.5, g = (g0 + g1) * 0.5, b = (b0 + b1) * 0.5;
    const luma = kr * r + kg * g + kb * b;
    store<u8>(o + 1, clampRound(128 + cb * (b - luma)));
    store<u8>(o + 3, clampRound(128 + cr * (r - luma)));
  }
}


/** One dot pair and the shift: (a·ka + b·kb) >> 15 per i32 lane. */
// @ts-ignore: decorator
@inline
function dot2(a: v128, ka: v128, b: v128, kb: v128): v128 {
  return i32x4.shr_s(i32x4.add(i32x4.dot_i16x8_s(a, ka), i32x4.dot_i16x8_s(b, kb)), 15);
}

/**
 * Sixteen pixels at `p` (RGB when `three`, else RGBA) to 32 bytes of yuyv422 at `o`.
 * wasm has no de-interleaving load: one swizzle per four pixels gathers them channel by
 * channel ([R×4 G×4 B×4 ·×4] as i32 lanes) and a 4x4 transpose of those lanes (unpacks,
 * one instruction each on x86) gives R, G and B as 16 bytes each in pixel order.
 */
// @ts-ignore: decorator
@inline
function yuyv16(
  p: usize,
  o: usize,
  three: bool,
  yRG: v128,
  yB: v128,
  uRG: v128,
  uB: v128,
  vRG: v128,
  vB: v128,
  gather: v128,
): void {
  const stride: usize = three ? 12 : 16;
  const a0 = i8x16.swizzle(v128.load(p), gather);
  const a1 = i8x16.swizzle(v128.load(p + stride), gather);
  const a2 = i8x16.swizzle(v128.load(p + 2 * stride), gather);
  const a3 = i8x16.swizzle(v128.load(p + 3 * stride), gather);
  const rg01 = i32x4.shuffle(a0, a1, 0, 4, 1, 5), rg23 = i32x4.shuffle(a2, a3, 0, 4, 1, 5);
  const b01 = i32x4.shuffle(a0, a1, 2, 6, 3, 7), b23 = i32x4.shuffle(a2, a3, 2, 6, 3, 7);
  const r = i64x2.shuffle(rg01, rg23, 0, 2), g = i64x2.shuffle(rg01, rg23, 1, 3);
  const b = i64x2.shuffle(b01, b23, 0, 2);
  // Luma: [R G] and [B 128] as i16 lane pairs, four pixels a vector.
  const rgLo = i8x16.shuffle(r, g, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const rgHi = i8x16.shuffle(r, g, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const c128 = i8x16.splat(-128);
  const bLo = i8x16.shuffle(b, c128, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const bHi = i8x16.shuffle(b, c128, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const y0 = dot2(i16x8.extend_low_i8x16_u(rgLo), yRG, i16x8.extend_low_i8x16_u(bLo), yB);
  const y1 = dot2(i16x8.extend_high_i8x16_u(rgLo), yRG, i16x8.extend_high_i8x16_u(bLo), yB);
  const y2 = dot2(i16x8.extend_low_i8x16_u(rgHi), yRG, i16x8.extend_low_i8x16_u(bHi), yB);
  const y3 = dot2(i16x8.extend_high_i8x16_u(rgHi), yRG, i16x8.extend_high_i8x16_u(bHi), yB);
  const luma = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(y0, y1), i16x8.narrow_i32x4_s(y2, y3));
  // Chroma: the pairs' sums (≤ 510) as [ΣR ΣG] and [ΣB 256] lane pairs.
  const sr = i16x8.extadd_pairwise_i8x16_u(r), sg = i16x8.extadd_pairwise_i8x16_u(g);
  const sb = i16x8.extadd_pairwise_i8x16_u(b), c256 = i16x8.splat(256);
  const sLo = i16x8.shuffle(sr, sg, 0, 8, 1, 9, 2, 10, 3, 11);
  const sHi = i16x8.shuffle(sr, sg, 4, 12, 5, 13, 6, 14, 7, 15);
  const tLo = i16x8.shuffle(sb, c256, 0, 8, 1, 9, 2, 10, 3, 11);
  const tHi = i16x8.shuffle(sb, c256, 4, 12, 5, 13, 6, 14, 7, 15);
  const u = i16x8.narrow_i32x4_s(dot2(sLo, uRG, tLo, uB), dot2(sHi, uRG, tHi, uB));
  const v = i16x8.narrow_i32x4_s(dot2(sLo, vRG, tLo, vB), dot2(sHi, vRG, tHi, vB));
  // U0..7 V0..7 → U0 V0 U1 V1 …, then Y0 U0 Y1 V0 Y2 U1 …
  const uv = i8x16.narrow_i16x8_u(u, v);
  const chroma = i8x16.shuffle(uv, uv, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
  v128.store(o, i8x16.shuffle(luma, chroma, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
  v128.store(
    o + 16,
    i8x16.shuffle(luma, chroma, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31),
  );
}

// ---------------------------------------------------------------------------------------
// Auto-framing: a crop resampled bilinearly to the output (src/kernels/crop.ts, its
// reference). The tables (cropTables) come from the TypeScript side, shared by both
// twins. Each source row the output needs is blended across once into a row of i16,
// a·(128 − w) + b·w + 64 (the value times 128 plus the final rounding's half: at most
// 32704), kept while the next output row uses it too (at a 1.6x zoom 720 output rows
// need 451 source rows). Two such rows are blended down 16 values a step with
// i16x8.q15mulr_sat_s on their difference and a 15-bit weight, without widening to i32
// (the u16 × u16 → u32 blend this replaced made the whole crop 1.5x slower); an output
// row on a source row is a shift and a narrow.
// ---------------------------------------------------------------------------------------

/**
 * The row pass works on groups of 8 output values (any channel count); a group's values
 * lie in a window of the source row that one 16-byte load fetches when the crop is no
 * wider than the output, two loads when it is up to about 2.5x wider (a 1080p camera at
 * a 720p output). One swizzle picks each value's two bytes side by side (a, b), and
 * i32x4.dot_i16x8_s blends each pair with its weights (128 − w, w): fewer swizzles than
 * picking the firsts and the seconds apart, each costing V8 a saturating add besides the
 * pshufb. Per group g, built once per call:
 *   hot + 64g   the swizzle indices [0, 16) of the pairs (a past the row's end: 0x80,
 *               both weights 0), then (128 − w, w) per value [16, 48), i16 each, and
 *               where the window starts in a row [48] (bytes, i32): one stream to read;
 *   kind + 4g   1: a 16-byte window, 2: a 32-byte one, 0: neither (a crop shrunk more):
 *               lane by lane from lanes + 64g (first bytes, then second bytes, i32 each).
 * 164 bytes per group with the two rows (the wrapper's slot in wasm_kernels.ts).
 * `window`: the smallest tried, 16 or 32 (32: every group two loads, rather than a
 * branch per group on a mix). Returns the kind every group has, or -1 for a mix.
 */
const HOT = 64;

function cropGroups(
  rowBytes: i32,
  channels: i32,
  x0: usize,
  x1: usize,
  wx: usize,
  n: i32,
  hot: usize,
  kind: usize,
  lanes: usize,
  window: i32,
): i32 {
  // The pixel and channel of the group's first value: no division per value.
  let pixel = 0, channel = 0, shared = -2;
  for (let g = 0; g * 8 < n; g++) {
    const count = min(8, n - g * 8);
    const h = hot + <usize>(g * HOT), lane = lanes + (<usize>g << 6);
    let lo = i32.MAX_VALUE, hi = 0;
    for (let l = 0; l < 8; l++) {
      let w = 0, iw = 0;
      if (l < count) {
        const k = <usize>pixel << 2;
        const a = load<i32>(x0 + k) + channel, b = load<i32>(x1 + k) + channel;
        w = load<i32>(wx + k);
        iw = 128 - w;
        store<i32>(lane + (<usize>l << 2), a);
        store<i32>(lane + 32 + (<usize>l << 2), b);
        lo = min(lo, a);
        hi = max(hi, b);
        if (++channel == channels) {
          channel = 0;
          pixel++;
        }
      }
      store<u16>(h + 16 + (<usize>l << 2), <u16>iw);
      store<u16>(h + 18 + (<usize>l << 2), <u16>w);
    }
    // The window ends at the row's end at the latest: the loads stay in the row.
    let start = lo, k = 0;
    if (window == 16 && hi - lo < 16 && rowBytes >= 16) {
      start = min(lo, rowBytes - 16);
      k = 1;
    } else if (hi - lo < 32 && rowBytes >= 32) {
      start = min(lo, rowBytes - 32);
      k = 2;
    }
    store<i32>(h + 48, start);
    store<i32>(kind + (<usize>g << 2), k);
    shared = shared == -2 || shared == k ? k : -1;
    for (let l = 0; l < 8; l++) {
      let ia = 0x80, ib = 0x80;
      if (l < count && k != 0) {
        ia = load<i32>(lane + (<usize>l << 2)) - start;
        ib = load<i32>(lane + 32 + (<usize>l << 2)) - start;
      }
      store<u8>(h + (<usize>l << 1), <u8>ia);
      store<u8>(h + 1 + (<usize>l << 1), <u8>ib);
    }
  }
  return shared;
}

/** One group's 16 pairs of bytes blended across: a·(128 − w) + b·w + 64 ≤ 32704 (i16). */
// @ts-ignore: decorator
@inline
function cropBlendPairs(pairs: v128, h: usize, half: v128): v128 {
  const lo = i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(pairs), v128.load(h, 16));
  const hi = i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(pairs), v128.load(h, 32));
  return i16x8.add(i16x8.narrow_i32x4_s(lo, hi), half);
}

/**
 * A group's pairs from a 32-byte window: an index picks from the low half or, 16 less,
 * from the high one; a swizzle gives 0 for an index of 16 or more, so the other half adds
 * nothing (0x80 stays >= 16 too).
 */
// @ts-ignore: decorator
@inline
function cropPairs32(at: usize, index: v128, sixteen: v128): v128 {
  return v128.or(
    i8x16.swizzle(v128.load(at), index),
    i8x16.swizzle(v128.load(at, 16), i8x16.sub(index, sixteen)),
  );
}

/**
 * Source row `r` (byte offset) blended across at the groups into i16 values at `out`;
 * `shared`: the kind every group has (1 or 2: a loop without a branch per group).
 */
function cropRow(
  src: usize,
  r: i32,
  n: i32,
  hot: usize,
  kind: usize,
  lanes: usize,
  shared: i32,
  out: usize,
): void {
  const row = src + <usize>r;
  const groups = (n + 7) >> 3;
  // 64 and 16 from a value binaryen cannot fold (r >= 0): V8 keeps a v128.const in no
  // register and rebuilds it at every use, 3 instructions a group (perf annotate).
  const half = i16x8.splat(<i16>(64 | (r >>> 31)));
  const sixteen = i8x16.splat(<i8>(16 | (r >>> 31)));
  // Pointers bumped rather than indexed: the loop is a dozen instructions a group.
  const end = out + (<usize>groups << 4);
  if (shared == 1) {
    for (let h = hot, o = out; o < end; h += HOT, o += 16) {
      const bytes = v128.load(row + <usize>load<i32>(h, 48));
      v128.store(o, cropBlendPairs(i8x16.swizzle(bytes, v128.load(h)), h, half));
    }
    return;
  }
  if (shared == 2) {
    for (let h = hot, o = out; o < end; h += HOT, o += 16) {
      const pairs = cropPairs32(row + <usize>load<i32>(h, 48), v128.load(h), sixteen);
      v128.store(o, cropBlendPairs(pairs, h, half));
    }
    return;
  }
  for (let g = 0; g < groups; g++) {
    const h = hot + <usize>(g * HOT), o = out + (<usize>g << 4);
    const k = load<i32>(kind + (<usize>g << 2));
    const at = row + <usize>load<i32>(h, 48);
    // A mix is of 32-byte windows and lane by lane (cropResize asks for 32 then).
    if (k == 2) {
      v128.store(o, cropBlendPairs(cropPairs32(at, v128.load(h), sixteen), h, half));
    } else {
      const lane = lanes + (<usize>g << 6), count = min(8, n - g * 8);
      for (let l = 0; l < count; l++) {
        const w = <i32>load<u16>(h + 18 + (<usize>l << 2));
        const a = <i32>load<u8>(row + <usize>load<i32>(lane + (<usize>l << 2)));
        const b = <i32>load<u8>(row + <usize>load<i32>(lane + 32 + (<usize>l << 2)));
        store<u16>(o + (<usize>l << 1), a * (128 - w) + b * w + 64);
      }
    }
  }
}

/** An output row on a source row: the row pass's values over 128. */
function cropCopyRow(row: usize, o: usize, n: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const at = row + (<usize>i << 1);
    v128.store(
      o + <usize>i,
      i8x16.narrow_i16x8_u(i16x8.shr_u(v128.load(at), 7), i16x8.shr_u(v128.load(at, 16), 7)),
    );
  }
  for (; i < n; i++) store<u8>(o + <usize>i, load<u16>(row + (<usize>i << 1)) >> 7);
}

/** An output row between two source rows: top + (bottom − top)·w / 2^15, over 128. */
function cropBlendRow(upper: usize, lower: usize, w: i32, o: usize, n: i32): void {
  const vw = i16x8.splat(<i16>w);
  const whole = n & ~15;
  const end = o + <usize>whole;
  for (let t = upper, b = lower, p = o; p < end; t += 32, b += 32, p += 16) {
    const top0 = v128.load(t), top1 = v128.load(t, 16);
    // (bottom − top)·w is within ±32640·32767/2^15: no saturation, rounded like the
    // reference's (d·w + 2^14) >> 15.
    const v0 = i16x8.add(top0, i16x8.q15mulr_sat_s(i16x8.sub(v128.load(b), top0), vw));
    const v1 = i16x8.add(top1, i16x8.q15mulr_sat_s(i16x8.sub(v128.load(b, 16), top1), vw));
    v128.store(p, i8x16.narrow_i16x8_u(i16x8.shr_u(v0, 7), i16x8.shr_u(v1, 7)));
  }
  let i = whole;
  for (; i < n; i++) {
    const top = <i32>load<u16>(upper + (<usize>i << 1));
    const bottom = <i32>load<u16>(lower + (<usize>i << 1));
    store<u8>(o + <usize>i, (top + (((bottom - top) * w + 16384) >> 15)) >> 7);
  }
}

export function cropResize(
  src: usize,
  rowBytes: i32,
  channels: i32,
  x0: usize,
  x1: usize,
  wx: usize,
  y0: usize,
  y1: usize,
  wy: usize,
  out: usize,
  width: i32,
  height: i32,
  work: usize,
): void {
  const n = width * channels;
  const groups = <usize>((n + 7) >> 3);
  // Two rows of i16 (whole groups of 8, 16-byte aligned), then the groups' tables.
  const rowSize = groups << 4;
  let upper = work, lower = work + rowSize;
  const hot = work + 2 * rowSize;
  const kind = hot + groups * HOT;
  const lanes = kind + (groups << 2);
  let shared = cropGroups(rowBytes, channels, x0, x1, wx, n, hot, kind, lanes, 16);
  if (shared < 0) shared = cropGroups(rowBytes, channels, x0, x1, wx, n, hot, kind, lanes, 32);
  let hasUpper = -1, hasLower = -1;
  for (let j = 0; j < height; j++) {
    const k = <usize>j << 2;
    const r0 = load<i32>(y0 + k), r1 = load<i32>(y1 + k), w = load<i32>(wy + k);
    if (hasUpper != r0) {
      if (hasLower == r0) {
        const t = upper;
        upper = lower;
        lower = t;
        hasLower = hasUpper;
      } else {
        cropRow(src, r0, n, hot, kind, lanes, shared, upper);
      }
      hasUpper = r0;
    }
    const o = out + <usize>(j * n);
    // On a source row the lower row is not needed at all, nor read.
    if (w == 0 || r1 == r0) {
      cropCopyRow(upper, o, n);
      continue;
    }
    if (hasLower != r1) {
      cropRow(src, r1, n, hot, kind, lanes, shared, lower);
      hasLower = r1;
    }
    cropBlendRow(upper, lower, w, o, n);
  }
}

// ==== lens_blur.ts: the lens (bokeh) blur ============================================================
// Appended as one section: lensBlurBackground and its helpers. It shares blurBackground's
// column tables and upsampleComposite; the constants are lens_blur.ts's.

const LENS_HIGHLIGHT_START: f32 = 200;
const LENS_HIGHLIGHT_GAIN: f32 = 15;
/** lens_blur.ts PAD (2·LOW_RADIUS + 2): prefix rows are padded by this many cells a side. */
const LENS_PAD: i32 = 2 * 5 + 2;

/**
 * lens_blur.ts lensBlurBackground after its checks; f, lw, lh, the disc rows (`rows`,
 * `whole` i32, `near` and `far` f32, 2·rows + 1 each) and minWeight come from lens_blur.ts.
 * Scratch: low lw·lh·16 bytes, prefix lh·(lw + 2·PAD + 1)·16, upper and lower width·16,
 * col0, col1 and colw width·4.
 */
export function lensBlurBackground(
  src: usize,
  sc: i32,
  alpha: usize,
  dst: usize,
  dc: i32,
  width: i32,
  height: i32,
  f: i32,
  lw: i32,
  lh: i32,
  rows: i32,
  whole: usize,
  near: usize,
  far: usize,
  minWeight: f32,
  low: usize,
  prefix: usize,
  upper: usize,
  lower: usize,
  col0: usize,
  col1: usize,
  colw: usize,
): void {
  for (let x = 0; x < width; x++) {
    const u = lowCoordinate(x, f, lw), c = <i32>Math.floor(u);
    store<i32>(col0 + (<usize>x << 2), c << 4);
    store<i32>(col1 + (<usize>x << 2), min(c + 1, lw - 1) << 4);
    store<f32>(colw + (<usize>x << 2), <f32>(u - <f64>c));
  }
  lensDownsample(src, sc, alpha, width, height, f, lw, lh, low, upper);
  lensPrefixRows(low, prefix, lw, lh);
  lensDisc(low, prefix, lw, lh, rows, whole, near, far);
  lensNormalise(low, lw * lh, minWeight);
  upsampleComposite(
    src,
    sc,
    alpha,
    dst,
    dc,
    width,
    height,
    f,
    lw,
    lh,
    low,
    upper,
    lower,
    col0,
    col1,
    colw,
  );
}

/**
 * The highlight gain of four pixels by their brightest channel (f32x4 of 0..255). pmin and
 * pmax, not min and max: wasm's min/max propagate NaN, which x86 has no instruction for,
 * and that lowering made the gain cost 5 ms a 720p frame (there is no NaN here).
 */
// @ts-ignore: decorator
@inline
function lensGain(m: v128): v128 {
  const s = f32x4.pmin(
    f32x4.splat(1),
    f32x4.pmax(
      f32x4.splat(0),
      f32x4.mul(
        f32x4.sub(m, f32x4.splat(LENS_HIGHLIGHT_START)),
        f32x4.splat(<f32>1 / (<f32>255 - LENS_HIGHLIGHT_START)),
      ),
    ),
  );
  return f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.splat(LENS_HIGHLIGHT_GAIN), f32x4.mul(s, s)));
}

/** Linear light of a channel (f32x4 of 0..255): v² / 255. */
// @ts-ignore: decorator
@inline
function lensLinear(v: v128): v128 {
  return f32x4.mul(f32x4.mul(v, v), f32x4.splat(<f32>1 / <f32>255));
}

/** blurBackground's downsample with the weight times the highlight gain, in linear light. */
function lensDownsample(
  src: usize,
  sc: i32,
  alpha: usize,
  width: i32,
  height: i32,
  f: i32,
  lw: i32,
  lh: i32,
  low: usize,
  rows: usize,
): void {
  const plane = <usize>width << 2;
  const pr = rows, pg = rows + plane, pb = rows + 2 * plane, pw = rows + 3 * plane;
  const full = i32x4.splat(255), inv255 = f32x4.splat(<f32>1 / <f32>255);
  for (let ly = 0; ly < lh; ly++) {
    const y0 = ly * f, y1 = min(height, y0 + f);
    let x = 0;
    for (; x + 4 <= width; x += 4) {
      let r = f32x4.splat(0), g = f32x4.splat(0), b = f32x4.splat(0), ws = f32x4.splat(0);
      for (let y = y0; y < y1; y++) {
        const i = y * width + x;
        const word = load<u32>(alpha + <usize>i);
        if (word == 0xffffffff) continue;
        let w = f32x4.splat(255);
        if (word != 0) {
          const ia = i32x4.sub(full, alphaLanes(alpha + <usize>i));
          w = f32x4.mul(f32x4.convert_i32x4_s(i32x4.mul(ia, ia)), inv255);
        }
        const v = v128.load(src + <usize>(i * sc));
        const ir = lanesOf(v, sc, 0), ig = lanesOf(v, sc, 1), ib = lanesOf(v, sc, 2);
        w = f32x4.mul(w, lensGain(f32x4.convert_i32x4_u(i32x4.max_u(ir, i32x4.max_u(ig, ib)))));
        r = f32x4.add(r, f32x4.mul(w, lensLinear(f32x4.convert_i32x4_u(ir))));
        g = f32x4.add(g, f32x4.mul(w, lensLinear(f32x4.convert_i32x4_u(ig))));
        b = f32x4.add(b, f32x4.mul(w, lensLinear(f32x4.convert_i32x4_u(ib))));
        ws = f32x4.add(ws, w);
      }
      const k = <usize>x << 2;
      v128.store(pr + k, r);
      v128.store(pg + k, g);
      v128.store(pb + k, b);
      v128.store(pw + k, ws);
    }
    for (; x < width; x++) {
      let r: f32 = 0, g: f32 = 0, b: f32 = 0, ws: f32 = 0;
      for (let y = y0; y < y1; y++) {
        const i = y * width + x;
        const p = src + <usize>(i * sc);
        const vr = <f32>load<u8>(p), vg = <f32>load<u8>(p + 1), vb = <f32>load<u8>(p + 2);
        const gain = f32x4.extract_lane(lensGain(f32x4.splat(max(vr, max(vg, vb)))), 0);
        const w = load<f32>(WEIGHT + (<usize>load<u8>(alpha + <usize>i) << 2)) * gain;
        r += w * (vr * vr / <f32>255);
        g += w * (vg * vg / <f32>255);
        b += w * (vb * vb / <f32>255);
        ws += w;
      }
      const k = <usize>x << 2;
      store<f32>(pr + k, r);
      store<f32>(pg + k, g);
      store<f32>(pb + k, b);
      store<f32>(pw + k, ws);
    }
    const count = y1 - y0;
    for (let cx = 0; cx < lw; cx++) {
      const x0 = cx * f, x1 = min(width, x0 + f);
      let r: f32 = 0, g: f32 = 0, b: f32 = 0, w: f32 = 0;
      for (let x = x0; x < x1; x++) {
        const k = <usize>x << 2;
        r += load<f32>(pr + k);
        g += load<f32>(pg + k);
        b += load<f32>(pb + k);
        w += load<f32>(pw + k);
      }
      const inv = <f32>(1 / <f64>(count * (x1 - x0)));
      const o = low + ((<usize>(ly * lw + cx)) << 4);
      store<f32>(o, r * inv);
      store<f32>(o + 4, g * inv);
      store<f32>(o + 8, b * inv);
      store<f32>(o + 12, w * inv);
    }
  }
}

/** lens_blur.ts prefixRows: padded running sums of each low row, one cell per vector. */
function lensPrefixRows(low: usize, prefix: usize, lw: i32, lh: i32): void {
  const stride = <usize>(lw + 2 * LENS_PAD + 1) << 4;
  const zero = f32x4.splat(0);
  for (let y = 0; y < lh; y++) {
    let q = prefix + <usize>y * stride;
    for (let j = 0; j <= LENS_PAD; j++, q += 16) v128.store(q, zero);
    let s = zero;
    const row = low + (<usize>(y * lw) << 4);
    for (let x = 0; x < lw; x++, q += 16) {
      s = f32x4.add(s, v128.load(row + (<usize>x << 4)));
      v128.store(q, s);
    }
    for (let j = 0; j < LENS_PAD; j++, q += 16) v128.store(q, s);
  }
}

/** One row's run at cell offset k: the lerped prefix at its right end minus its left. */
// @ts-ignore: decorator
@inline
function lensRun(hi: usize, lo: usize, k: usize, u: v128, t: v128): v128 {
  return f32x4.sub(
    f32x4.add(f32x4.mul(u, v128.load(hi + k)), f32x4.mul(t, v128.load(hi + k + 16))),
    f32x4.add(f32x4.mul(t, v128.load(lo + k)), f32x4.mul(u, v128.load(lo + k + 16))),
  );
}

/**
 * lens_blur.ts disc: low = the disc sums. Four cells at a time with the disc's rows
 * inside, so the four sums stay in registers: a third fewer memory operations than
 * adding row by row into `low`, which was most of the lens blur's cost at 720p.
 */
function lensDisc(
  low: usize,
  prefix: usize,
  lw: i32,
  lh: i32,
  rows: i32,
  whole: usize,
  near: usize,
  far: usize,
): void {
  const stride = <usize>(lw + 2 * LENS_PAD + 1) << 4;
  const n = <usize>lw << 4;
  for (let y = 0; y < lh; y++) {
    const o = low + <usize>y * n;
    const first = max(0, rows - y), last = min(2 * rows, lh - 1 - y + rows);
    let k: usize = 0;
    for (; k + 64 <= n; k += 64) {
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      for (let i = first; i <= last; i++) {
        const a = load<i32>(whole + (<usize>i << 2));
        const u = v128.load32_splat(near + (<usize>i << 2));
        const t = v128.load32_splat(far + (<usize>i << 2));
        const q = prefix + <usize>(y + i - rows) * stride;
        const hi = q + (<usize>(LENS_PAD + a) << 4), lo = q + (<usize>(LENS_PAD - a) << 4);
        s0 = f32x4.add(s0, lensRun(hi, lo, k, u, t));
        s1 = f32x4.add(s1, lensRun(hi, lo, k + 16, u, t));
        s2 = f32x4.add(s2, lensRun(hi, lo, k + 32, u, t));
        s3 = f32x4.add(s3, lensRun(hi, lo, k + 48, u, t));
      }
      v128.store(o + k, s0);
      v128.store(o + k + 16, s1);
      v128.store(o + k + 32, s2);
      v128.store(o + k + 48, s3);
    }
    for (; k < n; k += 16) {
      let sum = f32x4.splat(0);
      for (let i = first; i <= last; i++) {
        const a = load<i32>(whole + (<usize>i << 2));
        const u = v128.load32_splat(near + (<usize>i << 2));
        const t = v128.load32_splat(far + (<usize>i << 2));
        const q = prefix + <usize>(y + i - rows) * stride;
        const hi = q + (<usize>(LENS_PAD + a) << 4), lo = q + (<usize>(LENS_PAD - a) << 4);
        sum = f32x4.add(sum, lensRun(hi, lo, k, u, t));
      }
      v128.store(o + k, sum);
    }
  }
}

/** lens_blur.ts normaliseLinear: premultiplied linear cells → gamma colour, or the mean. */
function lensNormalise(low: usize, cells: i32, minWeight: f32): void {
  let rg = f64x2.splat(0), bw = f64x2.splat(0);
  const end = low + (<usize>cells << 4);
  for (let p = low; p < end; p += 16) {
    const v = v128.load(p);
    rg = f64x2.add(rg, f64x2.promote_low_f32x4(v));
    bw = f64x2.add(
      bw,
      f64x2.promote_low_f32x4(
        i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7),
      ),
    );
  }
  const w = f64x2.extract_lane(bw, 1);
  const mean = w > 0 ? 1 / w : 0;
  const zero = f32x4.splat(0), top = f32x4.splat(255);
  const linear = f32x4.replace_lane(
    f32x4.replace_lane(
      f32x4.replace_lane(zero, 0, <f32>(f64x2.extract_lane(rg, 0) * mean)),
      1,
      <f32>(f64x2.extract_lane(rg, 1) * mean),
    ),
    2,
    <f32>(f64x2.extract_lane(bw, 0) * mean),
  );
  const m = f32x4.sqrt(f32x4.mul(f32x4.pmin(top, f32x4.pmax(zero, linear)), top));
  for (let p = low; p < end; p += 16) {
    const v = v128.load(p);
    const cw = f32x4.extract_lane(v, 3);
    if (cw > minWeight) {
      const c = f32x4.mul(v, f32x4.splat(1 / cw));
      v128.store(p, f32x4.sqrt(f32x4.mul(f32x4.pmin(top, f32x4.pmax(zero, c)), top)));
    } else {
      v128.store(p, m);
    }
  }
}

// ---- resize.ts resizeYuvToPlanar: the model's input from planar YUV ----------------------------

/** The bytes at four addresses as i32x4 lanes (wasm SIMD has no gather). */
// @ts-ignore: decorator
@inline
function gather4(p0: usize, p1: usize, p2: usize, p3: usize): v128 {
  let v = i32x4.splat(<i32>load<u8>(p0));
  v = i32x4.replace_lane(v, 1, <i32>load<u8>(p1));
  v = i32x4.replace_lane(v, 2, <i32>load<u8>(p2));
  return i32x4.replace_lane(v, 3, <i32>load<u8>(p3));
}

/**
 * The two bytes at each of four addresses as i32x4 lanes, the first in bits 0..7 and
 * the second in bits 8..15.
 */
// @ts-ignore: decorator
@inline
function pairs4(p0: usize, p1: usize, p2: usize, p3: usize): v128 {
  let v = v128.load16_lane(p0, i32x4.splat(0), 0);
  v = v128.load16_lane(p1, v, 2);
  v = v128.load16_lane(p2, v, 4);
  return v128.load16_lane(p3, v, 6);
}

/** A converted channel of four taps: round half up, clamped to 0..255 (yuv.ts clampByte). */
// @ts-ignore: decorator
@inline
function byteLanes(v: v128, half: v128, top: v128): v128 {
  return f32x4.pmin(top, f32x4.pmax(f32x4.splat(0), f32x4.floor(f32x4.add(v, half))));
}

/** (Y − yOffset)·yScale of four taps. */
// @ts-ignore: decorator
@inline
function yLanes(y: v128, off: v128, scale: v128): v128 {
  return f32x4.mul(f32x4.sub(f32x4.convert_i32x4_s(y), off), scale);
}

/** A chroma sample of four taps, centred on 128. */
// @ts-ignore: decorator
@inline
function cLanes(c: v128, bias: v128): v128 {
  return f32x4.sub(f32x4.convert_i32x4_s(c), bias);
}

/**
 * The red, green and blue bytes of four taps from their luma term c and their chroma
 * terms: rv vToR·v, gu uToG·u, gv vToG·v, bu uToB·u (chromaTerms), which taps that share
 * a chroma sample share.
 */
// @ts-ignore: decorator
@inline
function redOf(c: v128, rv: v128, half: v128, top: v128): v128 {
  return byteLanes(f32x4.add(c, rv), half, top);
}

// @ts-ignore: decorator
@inline
function greenOf(c: v128, gu: v128, gv: v128, half: v128, top: v128): v128 {
  return byteLanes(f32x4.add(f32x4.add(c, gu), gv), half, top);
}

// @ts-ignore: decorator
@inline
function blueOf(c: v128, bu: v128, half: v128, top: v128): v128 {
  return byteLanes(f32x4.add(c, bu), half, top);
}

/**
 * resize.ts resizeYuvToPlanar after its checks: four output pixels per step, each tap's
 * Y, U, V gathered per lane, converted in f32 (BT.601, `yOffset` 16 or 0 and the scales of
 * yuv.ts), rounded to bytes and blended with resizeToPlanar's weights. Within one level
 * per tap of the f64 reference where a converted value lies within f32 rounding of a
 * half. `rowShift` 1 for 4:2:0 chroma rows, 0 for 4:2:2; `cw` the chroma width; u and v
 * the planes' starts. `adjacent` as for lumaDownscale: each sample's second column is the
 * next one or weighs 0 (every bilinearTable and region table), which halves the loads.
 * Taps that read the same chroma sample share its terms (and its loads): a 1280 → 256
 * row's first columns are all even, and 4:2:0 rows often share a chroma row.
 */
export function resizeYuvToPlanar(
  src: usize,
  sw: i32,
  u: usize,
  v: usize,
  cw: i32,
  rowShift: i32,
  yOffset: f32,
  yScale: f32,
  vToR: f32,
  uToG: f32,
  vToG: f32,
  uToB: f32,
  xi0: usize,
  xi1: usize,
  xw: usize,
  yi0: usize,
  yi1: usize,
  yw: usize,
  out: usize,
  width: i32,
  height: i32,
  adjacent: bool,
): void {
  const plane = <usize>(width * height) << 2;
  // Constants from a value the compilers cannot fold (width >>> 31 is 0; or-ed into the
  // floats' bits): V8 keeps them in registers, where it rebuilds a constant vector at
  // each use (3-4 instructions, a few dozen uses a step).
  const z = width >>> 31;
  const half = f32x4.splat(reinterpret<f32>(0x3f000000 | z)); // 0.5
  const top = f32x4.splat(reinterpret<f32>(0x437f0000 | z)); // 255
  const one = f32x4.splat(reinterpret<f32>(0x3f800000 | z)); // 1
  const k = f32x4.splat(reinterpret<f32>(reinterpret<u32>(<f32>(1.0 / 255.0)) | z));
  const bias = f32x4.splat(reinterpret<f32>(0x43000000 | z)); // 128
  const low = i32x4.splat(0xff | z), lsb = i32x4.splat(1 | z);
  const off = f32x4.splat(yOffset), ys = f32x4.splat(yScale);
  const kvr = f32x4.splat(vToR), kug = f32x4.splat(uToG), kvg = f32x4.splat(vToG);
  const kub = f32x4.splat(uToB);
  const last = width - 1;
  for (let y = 0; y < height; y++) {
    const ky = <usize>y << 2;
    const sy0 = load<i32>(yi0 + ky), sy1 = load<i32>(yi1 + ky);
    const l0 = src + <usize>(sy0 * sw), l1 = src + <usize>(sy1 * sw);
    const c0 = <usize>((sy0 >> rowShift) * cw), c1 = <usize>((sy1 >> rowShift) * cw);
    const u0 = u + c0, u1 = u + c1, v0 = v + c0, v1 = v + c1;
    // Both rows' taps read the same chroma row (4:2:0, or a row's weight 0).
    const sameRows = c0 == c1;
    const wy = f32x4.splat(load<f32>(yw + ky)), wy0 = f32x4.sub(one, wy);
    const row = out + (<usize>(y * width) << 2);
    for (let x = 0; x < width; x += 4) {
      const ka = <usize>x << 2;
      // Y, U, V of the four taps of four samples: A (row 0, first column), B (row 0,
      // second), C and D (row 1).
      let ya: v128, yb: v128, yc: v128, yd: v128, ua: v128, va: v128, wx: v128;
      // The chroma of B, C, D: left 0 where the terms below do not read it.
      let ub = i32x4.splat(0), uc = ub, ud = ub, vb = ub, vc = ub, vd = ub;
      let sharedColumns = false;
      if (adjacent && x + 4 <= width) {
        // Each sample's two columns are neighbours (or the second weighs 0): one 2-byte
        // load per row and plane gets both taps. Their chroma is one sample when the
        // first column is even, the next one when it is odd.
        const xv = v128.load(xi0 + ka);
        const pa = <usize>i32x4.extract_lane(xv, 0), pb = <usize>i32x4.extract_lane(xv, 1);
        const pc = <usize>i32x4.extract_lane(xv, 2), pd = <usize>i32x4.extract_lane(xv, 3);
        const qa = pa >> 1, qb = pb >> 1, qc = pc >> 1, qd = pd >> 1;
        const odd = i32x4.ne(v128.and(xv, lsb), i32x4.splat(0));
        // All first columns even (a 1280 → 256 frame: 5i + 2): B's chroma is A's.
        sharedColumns = !v128.any_true(odd);
        const y0 = pairs4(l0 + pa, l0 + pb, l0 + pc, l0 + pd);
        const y1 = pairs4(l1 + pa, l1 + pb, l1 + pc, l1 + pd);
        const u0p = pairs4(u0 + qa, u0 + qb, u0 + qc, u0 + qd);
        const v0p = pairs4(v0 + qa, v0 + qb, v0 + qc, v0 + qd);
        ya = v128.and(y0, low);
        yb = i32x4.shr_u(y0, 8);
        yc = v128.and(y1, low);
        yd = i32x4.shr_u(y1, 8);
        // Only the chroma the terms below read (the rest stays 0, unused).
        ua = v128.and(u0p, low);
        va = v128.and(v0p, low);
        if (!sharedColumns) {
          ub = v128.bitselect(i32x4.shr_u(u0p, 8), ua, odd);
          vb = v128.bitselect(i32x4.shr_u(v0p, 8), va, odd);
        }
        if (sameRows) {
          uc = ua;
          vc = va;
          ud = ub;
          vd = vb;
        } else {
          const u1p = pairs4(u1 + qa, u1 + qb, u1 + qc, u1 + qd);
          const v1p = pairs4(v1 + qa, v1 + qb, v1 + qc, v1 + qd);
          uc = v128.and(u1p, low);
          vc = v128.and(v1p, low);
          if (!sharedColumns) {
            ud = v128.bitselect(i32x4.shr_u(u1p, 8), uc, odd);
            vd = v128.bitselect(i32x4.shr_u(v1p, 8), vc, odd);
          }
        }
        wx = v128.load(xw + ka);
      } else {
        // Lanes past the width repeat the last pixel and are not stored.
        const kb = <usize>min(x + 1, last) << 2;
        const kc = <usize>min(x + 2, last) << 2, kd = <usize>min(x + 3, last) << 2;
        const a0 = <usize>load<i32>(xi0 + ka), b0 = <usize>load<i32>(xi0 + kb);
        const c0x = <usize>load<i32>(xi0 + kc), d0 = <usize>load<i32>(xi0 + kd);
        const a1 = <usize>load<i32>(xi1 + ka), b1 = <usize>load<i32>(xi1 + kb);
        const c1x = <usize>load<i32>(xi1 + kc), d1 = <usize>load<i32>(xi1 + kd);
        const ha0 = a0 >> 1, hb0 = b0 >> 1, hc0 = c0x >> 1, hd0 = d0 >> 1;
        const ha1 = a1 >> 1, hb1 = b1 >> 1, hc1 = c1x >> 1, hd1 = d1 >> 1;
        ya = gather4(l0 + a0, l0 + b0, l0 + c0x, l0 + d0);
        yb = gather4(l0 + a1, l0 + b1, l0 + c1x, l0 + d1);
        yc = gather4(l1 + a0, l1 + b0, l1 + c0x, l1 + d0);
        yd = gather4(l1 + a1, l1 + b1, l1 + c1x, l1 + d1);
        ua = gather4(u0 + ha0, u0 + hb0, u0 + hc0, u0 + hd0);
        ub = gather4(u0 + ha1, u0 + hb1, u0 + hc1, u0 + hd1);
        uc = gather4(u1 + ha0, u1 + hb0, u1 + hc0, u1 + hd0);
        ud = gather4(u1 + ha1, u1 + hb1, u1 + hc1, u1 + hd1);
        va = gather4(v0 + ha0, v0 + hb0, v0 + hc0, v0 + hd0);
        vb = gather4(v0 + ha1, v0 + hb1, v0 + hc1, v0 + hd1);
        vc = gather4(v1 + ha0, v1 + hb0, v1 + hc0, v1 + hd0);
        vd = gather4(v1 + ha1, v1 + hb1, v1 + hc1, v1 + hd1);
        wx = f32x4.replace_lane(
          f32x4.replace_lane(
            f32x4.replace_lane(f32x4.splat(load<f32>(xw + ka)), 1, load<f32>(xw + kb)),
            2,
            load<f32>(xw + kc),
          ),
          3,
          load<f32>(xw + kd),
        );
      }
      const wx0 = f32x4.sub(one, wx);
      // resizeToPlanar's four weights, in its order of the sum.
      const wa = f32x4.mul(wy0, wx0), wb = f32x4.mul(wy0, wx);
      const wc = f32x4.mul(wy, wx0), wd = f32x4.mul(wy, wx);
      // The chroma terms (the products of a tap's centred U, V and the factors) of each
      // tap in turn. Taps that read the same chroma sample compute the same floats, so a
      // tap keeps the previous one's: B A's when no lane's first column is odd
      // (sharedColumns), C B's when besides both rows read the same chroma row
      // (sameRows), D C's when sharedColumns.
      let cu = cLanes(ua, bias), cv = cLanes(va, bias);
      let rv = f32x4.mul(kvr, cv), gu = f32x4.mul(kug, cu);
      let gv = f32x4.mul(kvg, cv), bu = f32x4.mul(kub, cu);
      // The four taps in resizeToPlanar's order of the sum (0 + x is x: the first sets).
      let c = yLanes(ya, off, ys);
      let r = f32x4.mul(redOf(c, rv, half, top), wa);
      let g = f32x4.mul(greenOf(c, gu, gv, half, top), wa);
      let b = f32x4.mul(blueOf(c, bu, half, top), wa);
      if (!sharedColumns) {
        cu = cLanes(ub, bias);
        cv = cLanes(vb, bias);
        rv = f32x4.mul(kvr, cv);
        gu = f32x4.mul(kug, cu);
        gv = f32x4.mul(kvg, cv);
        bu = f32x4.mul(kub, cu);
      }
      c = yLanes(yb, off, ys);
      r = f32x4.add(r, f32x4.mul(redOf(c, rv, half, top), wb));
      g = f32x4.add(g, f32x4.mul(greenOf(c, gu, gv, half, top), wb));
      b = f32x4.add(b, f32x4.mul(blueOf(c, bu, half, top), wb));
      if (!sameRows || !sharedColumns) {
        cu = cLanes(uc, bias);
        cv = cLanes(vc, bias);
        rv = f32x4.mul(kvr, cv);
        gu = f32x4.mul(kug, cu);
        gv = f32x4.mul(kvg, cv);
        bu = f32x4.mul(kub, cu);
      }
      c = yLanes(yc, off, ys);
      r = f32x4.add(r, f32x4.mul(redOf(c, rv, half, top), wc));
      g = f32x4.add(g, f32x4.mul(greenOf(c, gu, gv, half, top), wc));
      b = f32x4.add(b, f32x4.mul(blueOf(c, bu, half, top), wc));
      if (!sharedColumns) {
        cu = cLanes(ud, bias);
        cv = cLanes(vd, bias);
        rv = f32x4.mul(kvr, cv);
        gu = f32x4.mul(kug, cu);
        gv = f32x4.mul(kvg, cv);
        bu = f32x4.mul(kub, cu);
      }
      c = yLanes(yd, off, ys);
      r = f32x4.add(r, f32x4.mul(redOf(c, rv, half, top), wd));
      g = f32x4.add(g, f32x4.mul(greenOf(c, gu, gv, half, top), wd));
      b = f32x4.add(b, f32x4.mul(blueOf(c, bu, half, top), wd));
      r = f32x4.mul(r, k);
      g = f32x4.mul(g, k);
      b = f32x4.mul(b, k);
      const o = row + ka;
      if (x + 4 <= width) {
        v128.store(o, r);
        v128.store(o + plane, g);
        v128.store(o + 2 * plane, b);
      } else {
        const n = width - x;
        v128.store32_lane(o, r, 0);
        v128.store32_lane(o + plane, g, 0);
        v128.store32_lane(o + 2 * plane, b, 0);
        if (n > 1) {
          v128.store32_lane(o + 4, r, 1);
          v128.store32_lane(o + 4 + plane, g, 1);
          v128.store32_lane(o + 4 + 2 * plane, b, 1);
        }
        if (n > 2) {
          v128.store32_lane(o + 8, r, 2);
          v128.store32_lane(o + 8 + plane, g, 2);
          v128.store32_lane(o + 8 + 2 * plane, b, 2);
        }
      }
    }
  }
}

// ---- blur_planes.ts ------------------------------------------------------------------------------

/**
 * blur_planes.ts blurPlanesBackground after its checks: the planes of src (sy, su, sv) and
 * out (dy, du, dv), is420 1 for 4:2:0 and 0 for 4:2:2; f, lw, lh and the radii from
 * blur.ts. Scratch as blurBackground: low and tmp lw·lh·16 bytes, sums lw·32, upper and
 * lower width·16 (step 1's column sums, then the widened rows), col0, col1, colw width·4.
 * Step 2 is the RGB blur's own boxHorizontal, boxVertical and normalise: the cells hold
 * Y, U, V where those hold R, G, B.
 */
export function blurPlanesBackground(
  sy: usize,
  su: usize,
  sv: usize,
  alpha: usize,
  dy: usize,
  du: usize,
  dv: usize,
  width: i32,
  height: i32,
  is420: i32,
  f: i32,
  lw: i32,
  lh: i32,
  r0: i32,
  r1: i32,
  r2: i32,
  low: usize,
  tmp: usize,
  sums: usize,
  upper: usize,
  lower: usize,
  col0: usize,
  col1: usize,
  colw: usize,
): void {
  // col1 holds, instead of each pixel's right cell, the first pixel of each run of pixels
  // on one cell (the cell grows with x), so widenPlanes sets a cell up once per run.
  let runs = 0, previous = -1;
  for (let x = 0; x < width; x++) {
    const u = lowCoordinate(x, f, lw), c = <i32>Math.floor(u);
    store<i32>(col0 + (<usize>x << 2), c << 4);
    store<f32>(colw + (<usize>x << 2), <f32>(u - <f64>c));
    if (c != previous) {
      store<i32>(col1 + (<usize>runs << 2), x);
      runs++;
      previous = c;
    }
  }
  downsamplePlanes(sy, su, sv, alpha, width, height, is420, f, lw, lh, low, upper);
  for (let pass = 0; pass < 3; pass++) {
    const r = pass == 0 ? r0 : pass == 1 ? r1 : r2;
    if (r == 0) continue;
    boxHorizontal(low, tmp, lw, lh, r);
    boxVertical(tmp, low, lw, lh, r, sums);
  }
  normalise(low, lw * lh);
  upsamplePlanes(sy, su, sv, alpha, dy, du, dv, width, height, is420, f, lh, low, lw, upper, lower, col0, col1, runs, colw);
}

/** Adds a mixed pixel's (w·Y, w·U, w·V, w) to the column sums at `out`; w = (255 − a)². */
// @ts-ignore: decorator
@inline
function addWeightedYuv(out: usize, y: i32, u: i32, v: i32, a: i32): void {
  const ia = 255 - a, w = ia * ia;
  const px = i32x4.replace_lane(
    i32x4.replace_lane(i32x4.replace_lane(i32x4.splat(1), 0, y), 1, u),
    2,
    v,
  );
  v128.store(out, i32x4.add(v128.load(out), i32x4.mul(px, i32x4.splat(w))));
}

/** Adds four pixels' (Y·w, U·w, V·w, w), given as one i32x4 per quantity, to their four
 * column sums at `out` (transposed as the RGBA downsample does). */
// @ts-ignore: decorator
@inline
function addQuad(out: usize, y: v128, u: v128, v: v128, w: v128): void {
  const yu01 = i8x16.shuffle(y, u, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const vw01 = i8x16.shuffle(v, w, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const yu23 = i8x16.shuffle(y, u, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  const vw23 = i8x16.shuffle(v, w, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  const c0 = i8x16.shuffle(yu01, vw01, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
  const c1 = i8x16.shuffle(yu01, vw01, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
  const c2 = i8x16.shuffle(yu23, vw23, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
  const c3 = i8x16.shuffle(yu23, vw23, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
  v128.store(out, i32x4.add(v128.load(out), c0));
  v128.store(out + 16, i32x4.add(v128.load(out + 16), c1));
  v128.store(out + 32, i32x4.add(v128.load(out + 32), c2));
  v128.store(out + 48, i32x4.add(v128.load(out + 48), c3));
}

/** Eight mixed pixels (u16 lanes: Y, their chroma, 255 − alpha) into their column sums:
 * w = (255 − a)² as i32 (65025 does not fit an i16). */
// @ts-ignore: decorator
@inline
function addMixed8(out: usize, y: v128, u: v128, v: v128, ia: v128): void {
  const w0 = i32x4.extmul_low_i16x8_u(ia, ia), w1 = i32x4.extmul_high_i16x8_u(ia, ia);
  addQuad(
    out,
    i32x4.mul(i32x4.extend_low_i16x8_u(y), w0),
    i32x4.mul(i32x4.extend_low_i16x8_u(u), w0),
    i32x4.mul(i32x4.extend_low_i16x8_u(v), w0),
    w0,
  );
  addQuad(
    out + 64,
    i32x4.mul(i32x4.extend_high_i16x8_u(y), w1),
    i32x4.mul(i32x4.extend_high_i16x8_u(u), w1),
    i32x4.mul(i32x4.extend_high_i16x8_u(v), w1),
    w1,
  );
}

/**
 * Step 1 in exact integers, as the RGB downsample: per column, the sums over a cell row's
 * f rows of w·Y, w·U, w·V and w (each pixel with the chroma sample it lies on), then each
 * cell sums f columns and divides by 255·pixels. 16 pixels a step: rows of 16 person
 * pixels add nothing, rows of 16 background pixels only add their 16 Y bytes and 8 U and
 * V bytes (u16; their weight is FULL_WEIGHT for all), split into columns once per cell
 * row; only mixed rows weigh pixel by pixel. A block with no mixed rows (most of a frame)
 * is split by interleaves alone (backgroundCells), and one all background is summed
 * without a test per row. Profiled at 720p 4:2:2 with sigma 3 % of the height, this step
 * is about a quarter of blurPlanesBackground's time (a third before those two).
 */
function downsamplePlanes(
  sy: usize,
  su: usize,
  sv: usize,
  alpha: usize,
  width: i32,
  height: i32,
  is420: i32,
  f: i32,
  lw: i32,
  lh: i32,
  low: usize,
  cols: usize,
): void {
  const zero = i32x4.splat(0), cw = (width + 1) >> 1;
  // FULL_WEIGHT as u16 lanes. f >> 31 is 0 (f >= 1): a value the compilers cannot fold
  // stays in a register, where V8 rebuilds a constant vector at each use (3 instructions).
  const k16 = i16x8.splat(<i16>(FULL_WEIGHT + (f >> 31)));
  for (let ly = 0; ly < lh; ly++) {
    const y0 = ly * f, y1 = min(height, y0 + f);
    let x = 0;
    for (; x + 16 <= width; x += 16) {
      const out = cols + (<usize>x << 4);
      let yl = zero, yh = zero, pu = zero, pv = zero;
      let n0 = 0, mixed = false;
      // The whole block background (most of a frame): its rows' sums without a test each.
      let any = zero, every = i8x16.splat(-1);
      const i0 = alpha + <usize>(y0 * width + x), i1 = alpha + <usize>(y1 * width + x);
      for (let i = i0; i < i1; i += <usize>width) {
        const a = v128.load(i);
        any = v128.or(any, a);
        every = v128.and(every, a);
      }
      // The whole block person (a third of a frame, say): no weight in any column.
      if (i8x16.all_true(i8x16.eq(every, i8x16.splat(-1)))) {
        for (let j: usize = 0; j < 256; j += 16) v128.store(out + j, zero);
        continue;
      }
      if (!v128.any_true(any)) {
        let py = sy + <usize>(y0 * width + x), c = <usize>((y0 >> is420) * cw + (x >> 1));
        for (let y = y0; y < y1; y++, py += <usize>width) {
          const vy = v128.load(py);
          yl = i16x8.add(yl, i16x8.extend_low_i8x16_u(vy));
          yh = i16x8.add(yh, i16x8.extend_high_i8x16_u(vy));
          pu = i16x8.add(pu, i16x8.extend_low_i8x16_u(v128.load64_zero(su + c)));
          pv = i16x8.add(pv, i16x8.extend_low_i8x16_u(v128.load64_zero(sv + c)));
          // The next row's chroma: the next row of samples for 4:2:2, every other for 4:2:0.
          if ((y & is420) == is420) c += <usize>cw;
        }
        n0 = y1 - y0;
      }
      for (let y = n0 > 0 ? y1 : y0; y < y1; y++) {
        const i = <usize>(y * width + x);
        const a = v128.load(alpha + i);
        if (i8x16.all_true(i8x16.eq(a, i8x16.splat(-1)))) continue;
        const c = <usize>((y >> is420) * cw + (x >> 1));
        if (!v128.any_true(a)) {
          const vy = v128.load(sy + i);
          yl = i16x8.add(yl, i16x8.extend_low_i8x16_u(vy));
          yh = i16x8.add(yh, i16x8.extend_high_i8x16_u(vy));
          pu = i16x8.add(pu, i16x8.extend_low_i8x16_u(v128.load64_zero(su + c)));
          pv = i16x8.add(pv, i16x8.extend_low_i8x16_u(v128.load64_zero(sv + c)));
          n0++;
          continue;
        }
        if (!mixed) {
          for (let j: usize = 0; j < 256; j += 16) v128.store(out + j, zero);
          mixed = true;
        }
        // 16 pixels as four quads of i32 lanes, each chroma byte doubled to its two pixels;
        // person pixels weigh (255 − 255)² = 0 (~a is 255 − a for bytes).
        const vy = v128.load(sy + i), ia = v128.not(a);
        const cu = v128.load64_zero(su + c), cv = v128.load64_zero(sv + c);
        const uu = i8x16.shuffle(cu, cu, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
        const vv = i8x16.shuffle(cv, cv, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
        addMixed8(
          out,
          i16x8.extend_low_i8x16_u(vy),
          i16x8.extend_low_i8x16_u(uu),
          i16x8.extend_low_i8x16_u(vv),
          i16x8.extend_low_i8x16_u(ia),
        );
        addMixed8(
          out + 128,
          i16x8.extend_high_i8x16_u(vy),
          i16x8.extend_high_i8x16_u(uu),
          i16x8.extend_high_i8x16_u(vv),
          i16x8.extend_high_i8x16_u(ia),
        );
      }
      if (n0 == 0) {
        if (!mixed) for (let j: usize = 0; j < 256; j += 16) v128.store(out + j, zero);
        continue;
      }
      if (!mixed) {
        backgroundCells(out, yl, yh, pu, pv, i16x8.splat(<i16>n0), k16);
        continue;
      }
      // u0 v0 u1 v1 … u3 v3 and u4 v4 … u7 v7; column j is Y lane j and pair j >> 1.
      const ul = i8x16.shuffle(pu, pv, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
      const uh = i8x16.shuffle(pu, pv, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
      cellColumn(out + 0, i8x16.shuffle(yl, ul, 0, 1, 16, 17, 18, 19, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
      cellColumn(out + 16, i8x16.shuffle(yl, ul, 2, 3, 16, 17, 18, 19, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
      cellColumn(out + 32, i8x16.shuffle(yl, ul, 4, 5, 20, 21, 22, 23, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
      cellColumn(out + 48, i8x16.shuffle(yl, ul, 6, 7, 20, 21, 22, 23, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
      cellColumn(out + 64, i8x16.shuffle(yl, ul, 8, 9, 24, 25, 26, 27, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
      cellColumn(out + 80, i8x16.shuffle(yl, ul, 10, 11, 24, 25, 26, 27, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
      cellColumn(out + 96, i8x16.shuffle(yl, ul, 12, 13, 28, 29, 30, 31, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
      cellColumn(out + 112, i8x16.shuffle(yl, ul, 14, 15, 28, 29, 30, 31, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
      cellColumn(out + 128, i8x16.shuffle(yh, uh, 0, 1, 16, 17, 18, 19, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
      cellColumn(out + 144, i8x16.shuffle(yh, uh, 2, 3, 16, 17, 18, 19, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
      cellColumn(out + 160, i8x16.shuffle(yh, uh, 4, 5, 20, 21, 22, 23, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
      cellColumn(out + 176, i8x16.shuffle(yh, uh, 6, 7, 20, 21, 22, 23, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
      cellColumn(out + 192, i8x16.shuffle(yh, uh, 8, 9, 24, 25, 26, 27, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
      cellColumn(out + 208, i8x16.shuffle(yh, uh, 10, 11, 24, 25, 26, 27, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
      cellColumn(out + 224, i8x16.shuffle(yh, uh, 12, 13, 28, 29, 30, 31, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
      cellColumn(out + 240, i8x16.shuffle(yh, uh, 14, 15, 28, 29, 30, 31, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), n0, mixed);
    }
    // The rest of the row: pixel by pixel, the same integer sums.
    for (; x < width; x++) {
      const out = cols + (<usize>x << 4);
      v128.store(out, zero);
      for (let y = y0; y < y1; y++) {
        const i = <usize>(y * width + x);
        const a = <i32>load<u8>(alpha + i);
        if (a == 255) continue;
        const k = <usize>((y >> is420) * cw + (x >> 1));
        addWeightedYuv(out, <i32>load<u8>(sy + i), <i32>load<u8>(su + k), <i32>load<u8>(sv + k), a);
      }
    }
    // Each cell sums its columns in order (f32, as the RGB downsample); only the last cell
    // of a row may be narrower, so the scale is worked out once for the others. Four full
    // cells a step: each sum is a chain of dependent additions, and four chains overlap.
    const count = y1 - y0;
    const full = f32x4.splat(<f32>(1 / (<f64>255 * <f64>(count * f))));
    const row = low + (<usize>(ly * lw) << 4);
    const fb = <usize>f << 4, quads = (width / f) & ~3;
    let p = cols, cx = 0;
    for (; cx < quads; cx += 4) {
      const end = p + fb;
      let s0 = f32x4.convert_i32x4_s(v128.load(p));
      let s1 = f32x4.convert_i32x4_s(v128.load(p + fb));
      let s2 = f32x4.convert_i32x4_s(v128.load(p + 2 * fb));
      let s3 = f32x4.convert_i32x4_s(v128.load(p + 3 * fb));
      for (p += 16; p < end; p += 16) {
        s0 = f32x4.add(s0, f32x4.convert_i32x4_s(v128.load(p)));
        s1 = f32x4.add(s1, f32x4.convert_i32x4_s(v128.load(p + fb)));
        s2 = f32x4.add(s2, f32x4.convert_i32x4_s(v128.load(p + 2 * fb)));
        s3 = f32x4.add(s3, f32x4.convert_i32x4_s(v128.load(p + 3 * fb)));
      }
      p += 3 * fb;
      const o = row + (<usize>cx << 4);
      v128.store(o, f32x4.mul(s0, full));
      v128.store(o + 16, f32x4.mul(s1, full));
      v128.store(o + 32, f32x4.mul(s2, full));
      v128.store(o + 48, f32x4.mul(s3, full));
    }
    for (; cx < lw; cx++) {
      const x0 = cx * f, n = min(width, x0 + f) - x0;
      const end = p + (<usize>n << 4);
      let s = f32x4.convert_i32x4_s(v128.load(p));
      for (p += 16; p < end; p += 16) s = f32x4.add(s, f32x4.convert_i32x4_s(v128.load(p)));
      const inv = n == f ? full : f32x4.splat(<f32>(1 / (<f64>255 * <f64>(count * n))));
      v128.store(row + (<usize>cx << 4), f32x4.mul(s, inv));
    }
  }
}

/** i16x8 interleaves (punpcklwd / punpckhwd): one instruction each, where a general
 * i8x16.shuffle costs V8 a mask built in place and more. */
// @ts-ignore: decorator
@inline
function zipLow16(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
}

// @ts-ignore: decorator
@inline
function zipHigh16(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
}

/** Four column cells (Y, U, V, n)·FULL_WEIGHT from `yc` (u16: Y0 c0 Y1 c0 Y2 c1 Y3 c1,
 * c the U sums) and `vn` (v0 n v0 n v1 n v1 n): 32-bit interleaves give two cells' u16
 * lanes per vector, each widened by its product with `k` (FULL_WEIGHT lanes). */
// @ts-ignore: decorator
@inline
function fourCells(out: usize, yc: v128, vn: v128, k: v128): void {
  const c01 = i8x16.shuffle(yc, vn, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const c23 = i8x16.shuffle(yc, vn, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  v128.store(out, i32x4.extmul_low_i16x8_u(c01, k));
  v128.store(out + 16, i32x4.extmul_high_i16x8_u(c01, k));
  v128.store(out + 32, i32x4.extmul_low_i16x8_u(c23, k));
  v128.store(out + 48, i32x4.extmul_high_i16x8_u(c23, k));
}

/**
 * The 16 column cells of a block with no mixed rows, cellColumn's values for n0 = n
 * (u16 lanes): Y byte sums of its pixels 0..7 in yl and 8..15 in yh, U and V of its 8
 * samples in pu and pv. By interleaves only: each chroma sum doubled to its two pixels,
 * paired with their Y and with n.
 */
// @ts-ignore: decorator
@inline
function backgroundCells(out: usize, yl: v128, yh: v128, pu: v128, pv: v128, n: v128, k: v128): void {
  const u0 = zipLow16(pu, pu), u1 = zipHigh16(pu, pu), v0 = zipLow16(pv, pv), v1 = zipHigh16(pv, pv);
  fourCells(out, zipLow16(yl, u0), zipLow16(v0, n), k);
  fourCells(out + 64, zipHigh16(yl, u0), zipHigh16(v0, n), k);
  fourCells(out + 128, zipLow16(yh, u1), zipLow16(v1, n), k);
  fourCells(out + 192, zipHigh16(yh, u1), zipHigh16(v1, n), k);
}

/**
 * widenRow (the same f32 arithmetic) into planes of i16: Y for every pixel at `out`, U and
 * V of the even pixels (the chroma samples' first pixels) at out + 2·width and
 * out + 2·width + 2·cw, so step 3 loads 8 values of one plane per vector.
 *
 * Run by run of pixels on one cell (`runs` first pixels at `starts`): a cell's start and
 * step are set up once, then 4 pixels' Y (or 4 samples' U and V) a vector, the same
 * per-lane f32 operations as one pixel's Y, U, V lanes, so the same values. A vector may
 * write past its run (the next run, processed later, rewrites those values) but never
 * past the row: its last pixels go one by one.
 *
 * Truncation by the relaxed op (one cvttps2dq where trunc_sat takes ~8 instructions) is
 * the strict one here: the values are finite and within ±2¹⁵ (normalise leaves cells of
 * means of bytes, or the mean colour; start ≤ 255·128 + 64.5, |step| ≤ 255·128, w in 0..1).
 */
function widenPlanes(
  low: usize,
  lw: i32,
  ly: i32,
  width: i32,
  col0: usize,
  starts: usize,
  runs: i32,
  colw: usize,
  out: usize,
): void {
  const base = low + (<usize>(ly * lw) << 4);
  // UP_ONE (128) and 64.5 from a value the compilers cannot fold (width >>> 31 is 0, or-ed
  // into the floats' bits): V8 rebuilds a constant vector at each use, twice a run.
  const z = width >>> 31;
  const scale = f32x4.splat(reinterpret<f32>(0x43000000 | z));
  const half = f32x4.splat(reinterpret<f32>(0x42810000 | z));
  const ou = out + (<usize>width << 1), ov = ou + (<usize>((width + 1) >> 1) << 1);
  const last = <usize>(lw - 1) << 4;
  // Runs shorter than 4 pixels on average (factors 1 to 3) fill too few lanes to pay for
  // setting each up: pixel by pixel as before.
  if (runs << 2 > width) {
    widenPixels(base, last, width, col0, colw, out, ou, ov);
    return;
  }
  for (let k = 0; k < runs; k++) {
    const xa = load<i32>(starts + (<usize>k << 2));
    const xb = k + 1 < runs ? load<i32>(starts + (<usize>(k + 1) << 2)) : width;
    const c = <usize>load<i32>(col0 + (<usize>xa << 2));
    const c0 = v128.load(base + c);
    const start = f32x4.add(f32x4.mul(c0, scale), half);
    const step = f32x4.mul(f32x4.sub(v128.load(base + min(c + 16, last)), c0), scale);
    const y0 = f32x4.splat(f32x4.extract_lane(start, 0));
    const y1 = f32x4.splat(f32x4.extract_lane(step, 0));
    let x = xa;
    for (; x < xb && x + 4 <= width; x += 4) {
      const w = v128.load(colw + (<usize>x << 2));
      const q = i32x4.relaxed_trunc_f32x4_s(f32x4.add(y0, f32x4.mul(y1, w)));
      v128.store64_lane(out + (<usize>x << 1), i16x8.narrow_i32x4_s(q, q), 0);
    }
    for (; x < xb; x++) {
      const w = f32x4.splat(load<f32>(colw + (<usize>x << 2)));
      const q = i32x4.relaxed_trunc_f32x4_s(f32x4.add(y0, f32x4.mul(y1, w)));
      store<i16>(out + (<usize>x << 1), <i16>i32x4.extract_lane(q, 0));
    }
    // Chroma at the run's even pixels, 4 a vector (weights of pixels e, e + 2, e + 4, e + 6).
    const u0 = f32x4.splat(f32x4.extract_lane(start, 1));
    const u1 = f32x4.splat(f32x4.extract_lane(step, 1));
    const v0 = f32x4.splat(f32x4.extract_lane(start, 2));
    const v1 = f32x4.splat(f32x4.extract_lane(step, 2));
    let e = (xa + 1) & ~1;
    for (; e < xb && e + 8 <= width; e += 8) {
      const at = colw + (<usize>e << 2);
      const w = i8x16.shuffle(
        v128.load(at),
        v128.load(at + 16),
        0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27,
      );
      const qu = i32x4.relaxed_trunc_f32x4_s(f32x4.add(u0, f32x4.mul(u1, w)));
      const qv = i32x4.relaxed_trunc_f32x4_s(f32x4.add(v0, f32x4.mul(v1, w)));
      v128.store64_lane(ou + <usize>e, i16x8.narrow_i32x4_s(qu, qu), 0);
      v128.store64_lane(ov + <usize>e, i16x8.narrow_i32x4_s(qv, qv), 0);
    }
    for (; e < xb; e += 2) {
      const w = f32x4.splat(load<f32>(colw + (<usize>e << 2)));
      const qu = i32x4.relaxed_trunc_f32x4_s(f32x4.add(u0, f32x4.mul(u1, w)));
      const qv = i32x4.relaxed_trunc_f32x4_s(f32x4.add(v0, f32x4.mul(v1, w)));
      store<i16>(ou + <usize>e, <i16>i32x4.extract_lane(qu, 0));
      store<i16>(ov + <usize>e, <i16>i32x4.extract_lane(qv, 0));
    }
  }
}

/** widenPlanes one pixel at a time (Y, U, V as lanes of one vector), for short runs. */
function widenPixels(
  base: usize,
  last: usize,
  width: i32,
  col0: usize,
  colw: usize,
  out: usize,
  ou: usize,
  ov: usize,
): void {
  const scale = f32x4.splat(<f32>UP_ONE), half = f32x4.splat(64.5);
  let cell = -1, start = half, step = half;
  for (let x = 0; x < width; x++) {
    const k = <usize>x << 2;
    const c = load<i32>(col0 + k);
    if (c != cell) {
      cell = c;
      const c0 = v128.load(base + <usize>c);
      start = f32x4.add(f32x4.mul(c0, scale), half);
      step = f32x4.mul(f32x4.sub(v128.load(base + min(<usize>c + 16, last)), c0), scale);
    }
    const v = f32x4.add(start, f32x4.mul(step, f32x4.splat(load<f32>(colw + k))));
    const q = i32x4.relaxed_trunc_f32x4_s(v);
    store<i16>(out + (<usize>x << 1), <i16>i32x4.extract_lane(q, 0));
    if ((x & 1) == 0) {
      store<i16>(ou + <usize>x, <i16>i32x4.extract_lane(q, 1));
      store<i16>(ov + <usize>x, <i16>i32x4.extract_lane(q, 2));
    }
  }
}

/**
 * 8 values (u16 lanes of `s`) over their background by a Q15 share: mix8's arithmetic.
 * The relaxed q15mulr is the strict one here: share ((a·257) >> 1, a ≤ 255) is within
 * 0..32767, never −32768.
 */
// @ts-ignore: decorator
@inline
function overShare(bg: v128, s: v128, share: v128, half: v128): v128 {
  const d = i16x8.sub(v128.or(i16x8.shl(s, UP_BITS), half), bg);
  return i16x8.add(bg, i16x8.relaxed_q15mulr_s(d, share));
}

/** Alpha (u16 lanes) as a Q15 share: (a·257) >> 1; `k257` 257 in i16 lanes. */
// @ts-ignore: decorator
@inline
function shareOf(a: v128, k257: v128): v128 {
  return i16x8.shr_u(i16x8.mul(a, k257), 1);
}

/** One value over its background (blur_planes.ts over). */
// @ts-ignore: decorator
@inline
function overScalar(source: i32, bg: i32, share: i32): u8 {
  return <u8>((bg + mulQ15((source << UP_BITS) + UP_HALF_S - bg, share)) >> UP_BITS);
}

/**
 * Step 3 (blur_planes.ts upsampleCompositePlanes, the same integer steps): Y 16 pixels a
 * step (runs of person pixels copied, of background pixels the blurred value alone);
 * U and V 8 samples a step, by the rounded mean alpha of the 16 (4:2:2) or 32 (4:2:0)
 * pixels they cover, over the background at their first pixel; the rest one by one.
 * Two rows between the same two widened rows go together (compositePair): they share
 * the loads of those rows and, for 4:2:0, of the second row's mask.
 */
function upsamplePlanes(
  sy: usize,
  su: usize,
  sv: usize,
  alpha: usize,
  dy: usize,
  du: usize,
  dv: usize,
  width: i32,
  height: i32,
  is420: i32,
  f: i32,
  lh: i32,
  low: usize,
  lw: i32,
  upperIn: usize,
  lowerIn: usize,
  col0: usize,
  col1: usize,
  runs: i32,
  colw: usize,
): void {
  let upper = upperIn, lower = lowerIn;
  let upperRow = -1, lowerRow = -1;
  const blocks = width & ~15;
  for (let y = 0; y < height; y++) {
    const v = lowCoordinate(y, f, lh);
    const y0 = <i32>Math.floor(v), y1 = min(y0 + 1, lh - 1);
    const t = min(32767, <i32>((v - <f64>y0) * 32768 + 0.5));
    if (y0 != upperRow) {
      if (y0 == lowerRow) {
        const tmp = upper;
        upper = lower;
        lower = tmp;
        upperRow = y0;
        lowerRow = -1;
      } else {
        widenPlanes(low, lw, y0, width, col0, col1, runs, colw, upper);
        upperRow = y0;
      }
    }
    if (y1 != lowerRow) {
      widenPlanes(low, lw, y1, width, col0, col1, runs, colw, lower);
      lowerRow = y1;
    }
    // The next row between the same widened rows (for 4:2:0 only from an even row, whose
    // chroma covers both): both rows' 16-pixel steps at once, then each one's rest.
    if (y + 1 < height && (is420 == 0 || (y & 1) == 0)) {
      const vb = lowCoordinate(y + 1, f, lh);
      if (<i32>Math.floor(vb) == y0) {
        const tb = min(32767, <i32>((vb - <f64>y0) * 32768 + 0.5));
        compositePair(sy, su, sv, alpha, dy, du, dv, width, height, is420, y, t, tb, upper, lower);
        compositeRow(sy, su, sv, alpha, dy, du, dv, width, height, is420, y, t, upper, lower, blocks);
        compositeRow(sy, su, sv, alpha, dy, du, dv, width, height, is420, y + 1, tb, upper, lower, blocks);
        y++;
        continue;
      }
    }
    compositeRow(sy, su, sv, alpha, dy, du, dv, width, height, is420, y, t, upper, lower, 0);
  }
}

/** Y of 16 pixels (upsamplePlanes' step): `a` their alpha, the background u + d·ty with
 * u, d the widened upper row and lower − upper (two vectors each). ty is within 0..32767
 * (upsamplePlanes clamps t), so the relaxed q15mulr is the strict one. `opaque`: every
 * alpha 255; `clear`: every alpha 0 (the caller's tests, shared with the chroma step). */
// @ts-ignore: decorator
@inline
function compositeY16(
  d: usize,
  s: usize,
  a: v128,
  u0: v128,
  d0: v128,
  u1: v128,
  d1: v128,
  ty: v128,
  half: v128,
  k257: v128,
  opaque: bool,
  clear: bool,
): void {
  if (opaque) {
    v128.store(d, v128.load(s));
    return;
  }
  const b0 = i16x8.add(u0, i16x8.relaxed_q15mulr_s(d0, ty));
  const b1 = i16x8.add(u1, i16x8.relaxed_q15mulr_s(d1, ty));
  if (clear) {
    v128.store(d, bytesOf(b0, b1));
    return;
  }
  const v = v128.load(s);
  v128.store(
    d,
    bytesOf(
      overShare(b0, i16x8.extend_low_i8x16_u(v), shareOf(i16x8.extend_low_i8x16_u(a), k257), half),
      overShare(b1, i16x8.extend_high_i8x16_u(v), shareOf(i16x8.extend_high_i8x16_u(a), k257), half),
    ),
  );
}

/** U and V of 8 samples (upsamplePlanes' step) at offset pc of the chroma planes: `a`
 * the alpha of their first row of pixels, `a1` of the second (4:2:0, when `twoRows`);
 * `opaque` and `clear` say whether all those alphas are 255, or all 0. */
// @ts-ignore: decorator
@inline
function compositeUv8(
  su: usize,
  sv: usize,
  du: usize,
  dv: usize,
  pc: usize,
  a: v128,
  a1: v128,
  twoRows: bool,
  uu: v128,
  ud: v128,
  vu: v128,
  vd: v128,
  ty: v128,
  half: v128,
  k257: v128,
  bytes: v128,
  one: v128,
  two: v128,
  opaque: bool,
  clear: bool,
): void {
  // All covered pixels person: mean 255, which the mix would also return exactly.
  if (opaque) {
    v128.store64_lane(du + pc, v128.load64_zero(su + pc), 0);
    v128.store64_lane(dv + pc, v128.load64_zero(sv + pc), 0);
    return;
  }
  // ty within 0..32767: the relaxed q15mulr is the strict one (compositeY16).
  let bu = i16x8.add(uu, i16x8.relaxed_q15mulr_s(ud, ty));
  let bv = i16x8.add(vu, i16x8.relaxed_q15mulr_s(vd, ty));
  // All background: mean 0, the background alone.
  if (!clear) {
    // Pair sums as u16 lanes: the even pixel is the low byte, the odd one the high.
    const sum = i16x8.add(v128.and(a, bytes), i16x8.shr_u(a, 8));
    const m = twoRows
      ? i16x8.shr_u(
        i16x8.add(
          i16x8.add(sum, v128.and(a1, bytes)),
          i16x8.add(i16x8.shr_u(a1, 8), two),
        ),
        2,
      )
      : i16x8.shr_u(i16x8.add(sum, one), 1);
    const share = shareOf(m, k257);
    bu = overShare(bu, i16x8.extend_low_i8x16_u(v128.load64_zero(su + pc)), share, half);
    bv = overShare(bv, i16x8.extend_low_i8x16_u(v128.load64_zero(sv + pc)), share, half);
  }
  const o = bytesOf(bu, bv);
  v128.store64_lane(du + pc, o, 0);
  v128.store64_lane(dv + pc, o, 1);
}

/**
 * Rows y and y + 1, both between widened rows `upper` and `lower` (at ty = t and tb), in
 * 16-pixel steps: each step loads the widened values once for both. For 4:2:0, y is even
 * and its chroma row covers both rows; for 4:2:2 each row has its own.
 */
function compositePair(
  sy: usize,
  su: usize,
  sv: usize,
  alpha: usize,
  dy: usize,
  du: usize,
  dv: usize,
  width: i32,
  height: i32,
  is420: i32,
  y: i32,
  t: i32,
  tb: i32,
  upper: usize,
  lower: usize,
): void {
  const ta = i16x8.splat(<i16>t), tyb = i16x8.splat(<i16>tb);
  // Constants from a value the compilers cannot fold (width >>> 31 is 0): V8 keeps them
  // in registers, where it rebuilds a constant vector at each use (3-4 instructions).
  const z = <i16>(width >>> 31);
  const half = i16x8.splat(<i16>UP_HALF_S | z), k257 = i16x8.splat(257 | z);
  const bytes = i16x8.splat(0xff | z), one = i16x8.splat(1 | z), two = i16x8.splat(2 | z);
  const cw = (width + 1) >> 1, w = <usize>width;
  const uOff = w << 1, vOff = uOff + (<usize>cw << 1);
  const row = <usize>y * w;
  const ra = alpha + row, rs = sy + row, rd = dy + row;
  const crow = <usize>((y >> is420) * cw);
  const ua = upper + uOff, la = lower + uOff, ub = upper + vOff, lb = lower + vOff;
  for (let x: usize = 0; x + 16 <= w; x += 16) {
    const a = v128.load(ra + x), b = v128.load(ra + w + x);
    const pc = crow + (x >> 1);
    // Each row's 16 alphas all 255, or all 0: tested once for its Y and its chroma.
    const aOpaque = i8x16.all_true(i8x16.eq(a, i8x16.splat(-1)));
    const bOpaque = i8x16.all_true(i8x16.eq(b, i8x16.splat(-1)));
    // Both rows person (a third of a frame, say): copies, without the widened rows.
    if (aOpaque && bOpaque) {
      v128.store(rd + x, v128.load(rs + x));
      v128.store(rd + w + x, v128.load(rs + w + x));
      v128.store64_lane(du + pc, v128.load64_zero(su + pc), 0);
      v128.store64_lane(dv + pc, v128.load64_zero(sv + pc), 0);
      if (is420 == 0) {
        const pd = pc + <usize>cw;
        v128.store64_lane(du + pd, v128.load64_zero(su + pd), 0);
        v128.store64_lane(dv + pd, v128.load64_zero(sv + pd), 0);
      }
      continue;
    }
    const aClear = !v128.any_true(a), bClear = !v128.any_true(b);
    const pu = upper + (x << 1), pl = lower + (x << 1);
    const u0 = v128.load(pu), u1 = v128.load(pu + 16);
    const d0 = i16x8.sub(v128.load(pl), u0), d1 = i16x8.sub(v128.load(pl + 16), u1);
    compositeY16(rd + x, rs + x, a, u0, d0, u1, d1, ta, half, k257, aOpaque, aClear);
    compositeY16(rd + w + x, rs + w + x, b, u0, d0, u1, d1, tyb, half, k257, bOpaque, bClear);
    const uu = v128.load(ua + x), vu = v128.load(ub + x);
    const ud = i16x8.sub(v128.load(la + x), uu), vd = i16x8.sub(v128.load(lb + x), vu);
    if (is420 != 0) {
      // (Not both opaque: that step was copied above.)
      const clear = aClear && bClear;
      compositeUv8(
        su,
        sv,
        du,
        dv,
        pc,
        a,
        b,
        true,
        uu,
        ud,
        vu,
        vd,
        ta,
        half,
        k257,
        bytes,
        one,
        two,
        false,
        clear,
      );
    } else {
      compositeUv8(
        su,
        sv,
        du,
        dv,
        pc,
        a,
        a,
        false,
        uu,
        ud,
        vu,
        vd,
        ta,
        half,
        k257,
        bytes,
        one,
        two,
        aOpaque,
        aClear,
      );
      compositeUv8(
        su,
        sv,
        du,
        dv,
        pc + <usize>cw,
        b,
        b,
        false,
        uu,
        ud,
        vu,
        vd,
        tyb,
        half,
        k257,
        bytes,
        one,
        two,
        bOpaque,
        bClear,
      );
    }
  }
}

/** Row y of step 3 from pixel x0 (0, or where compositePair stopped): 16-pixel steps,
 * then the rest one by one. */
function compositeRow(
  sy: usize,
  su: usize,
  sv: usize,
  alpha: usize,
  dy: usize,
  du: usize,
  dv: usize,
  width: i32,
  height: i32,
  is420: i32,
  y: i32,
  t: i32,
  upper: usize,
  lower: usize,
  x0: i32,
): void {
  const ty = i16x8.splat(<i16>t);
  // As compositePair's constants.
  const z = <i16>(width >>> 31);
  const half = i16x8.splat(<i16>UP_HALF_S | z), k257 = i16x8.splat(257 | z);
  const bytes = i16x8.splat(0xff | z), one = i16x8.splat(1 | z), two = i16x8.splat(2 | z);
  const cw = (width + 1) >> 1;
  const uOff = <usize>width << 1, vOff = uOff + (<usize>cw << 1);
  const row = <usize>(y * width);
  const ra = alpha + row, rs = sy + row, rd = dy + row;
  // Chroma: on every row for 4:2:2, on the first row of each pair for 4:2:0; done in
  // the same step as the 16 pixels its 8 samples cover, sharing their alpha.
  const chroma = is420 == 0 || (y & 1) == 0;
  const twoRows = is420 != 0 && y + 1 < height;
  const crow = <usize>((y >> is420) * cw);
  const ua = upper + uOff, la = lower + uOff, ub = upper + vOff, lb = lower + vOff;
  let x = x0;
  for (; x + 16 <= width; x += 16) {
    const a = v128.load(ra + <usize>x);
    const opaque = i8x16.all_true(i8x16.eq(a, i8x16.splat(-1))), clear = !v128.any_true(a);
    const pu = upper + (<usize>x << 1), pl = lower + (<usize>x << 1);
    const u0 = v128.load(pu), u1 = v128.load(pu + 16);
    const d0 = i16x8.sub(v128.load(pl), u0), d1 = i16x8.sub(v128.load(pl + 16), u1);
    compositeY16(rd + <usize>x, rs + <usize>x, a, u0, d0, u1, d1, ty, half, k257, opaque, clear);
    if (!chroma) continue;
    const a1 = twoRows ? v128.load(ra + <usize>width + <usize>x) : a;
    const uvOpaque = opaque && (!twoRows || i8x16.all_true(i8x16.eq(a1, i8x16.splat(-1))));
    const uvClear = clear && (!twoRows || !v128.any_true(a1));
    const uu = v128.load(ua + <usize>x), vu = v128.load(ub + <usize>x);
    const ud = i16x8.sub(v128.load(la + <usize>x), uu), vd = i16x8.sub(v128.load(lb + <usize>x), vu);
    compositeUv8(
      su,
      sv,
      du,
      dv,
      crow + (<usize>x >> 1),
      a,
      a1,
      twoRows,
      uu,
      ud,
      vu,
      vd,
      ty,
      half,
      k257,
      bytes,
      one,
      two,
      uvOpaque,
      uvClear,
    );
  }
  let cx = x >> 1;
  for (; x < width; x++) {
    const a = <i32>load<u8>(ra + <usize>x);
    const s = <i32>load<u8>(rs + <usize>x);
    if (a == 255) {
      store<u8>(rd + <usize>x, <u8>s);
      continue;
    }
    const k = <usize>x << 1;
    const u = <i32>load<i16>(upper + k);
    const bg = u + mulQ15(<i32>load<i16>(lower + k) - u, t);
    store<u8>(rd + <usize>x, a == 0 ? <u8>(bg >> UP_BITS) : overScalar(s, bg, (a * 257) >> 1));
  }
  if (!chroma) return;
  for (; cx < cw; cx++) {
    const x0 = cx << 1, pair = x0 + 1 < width;
    let sum = <i32>load<u8>(ra + <usize>x0), n = 1;
    if (pair) {
      sum += <i32>load<u8>(ra + <usize>x0 + 1);
      n = 2;
    }
    if (twoRows) {
      const r2 = ra + <usize>width + <usize>x0;
      sum += <i32>load<u8>(r2) + (pair ? <i32>load<u8>(r2 + 1) : 0);
      n <<= 1;
    }
    const mean = n == 1 ? sum : n == 2 ? (sum + 1) >> 1 : (sum + 2) >> 2;
    const pc = crow + <usize>cx;
    if (mean == 255) {
      store<u8>(du + pc, load<u8>(su + pc));
      store<u8>(dv + pc, load<u8>(sv + pc));
      continue;
    }
    const k = <usize>cx << 1, share = (mean * 257) >> 1;
    const u0 = <i32>load<i16>(ua + k), v0 = <i32>load<i16>(ub + k);
    const bu = u0 + mulQ15(<i32>load<i16>(la + k) - u0, t);
    const bv = v0 + mulQ15(<i32>load<i16>(lb + k) - v0, t);
    store<u8>(du + pc, overScalar(<i32>load<u8>(su + pc), bu, share));
    store<u8>(dv + pc, overScalar(<i32>load<u8>(sv + pc), bv, share));
  }
}

// ---- desaturate_planes.ts --------------------------------------------------------------------------

/**
 * desaturate_planes.ts desaturatePlanes after its checks: Y copied; each chroma sample
 * c → g + (c − g)·a/255 with g = 128 + (c − 128)·sat/256 (sat = round(saturation·256))
 * and a the rounded mean alpha of the pixels it covers, in the blur's fixed point; 8
 * samples (16 pixels) a step, runs of person pixels copied, the rest one by one.
 */
export function desaturatePlanes(
  sy: usize,
  su: usize,
  sv: usize,
  alpha: usize,
  dy: usize,
  du: usize,
  dv: usize,
  width: i32,
  height: i32,
  is420: i32,
  sat: i32,
): void {
  memory.copy(dy, sy, <usize>(width * height));
  const cw = (width + 1) >> 1, ch = is420 != 0 ? (height + 1) >> 1 : height;
  const g: i32 = (128 << UP_BITS) + UP_HALF_S;
  // Constants from a value the compilers cannot fold (width >>> 31 is 0), as compositePair's.
  const z = <i16>(width >>> 31);
  const s8 = i16x8.splat(<i16>sat), grey = i16x8.splat(<i16>g | z);
  const c128 = i16x8.splat(128 | z), bytes = i16x8.splat(0xff | z);
  const half = i16x8.splat(<i16>UP_HALF_S | z), k257 = i16x8.splat(257 | z);
  const one = i16x8.splat(1 | z), two = i16x8.splat(2 | z);
  for (let cy = 0; cy < ch; cy++) {
    const y = cy << is420, twoRows = is420 != 0 && y + 1 < height;
    const ra = alpha + <usize>(y * width), crow = <usize>(cy * cw);
    let cx = 0;
    for (; 2 * cx + 16 <= width; cx += 8) {
      const a0 = v128.load(ra + (<usize>cx << 1));
      const a1 = twoRows ? v128.load(ra + <usize>width + (<usize>cx << 1)) : a0;
      const pc = crow + <usize>cx;
      const u = v128.load64_zero(su + pc), v = v128.load64_zero(sv + pc);
      if (i8x16.all_true(i8x16.eq(v128.and(a0, a1), i8x16.splat(-1)))) {
        v128.store64_lane(du + pc, u, 0);
        v128.store64_lane(dv + pc, v, 0);
        continue;
      }
      const sum = i16x8.add(v128.and(a0, bytes), i16x8.shr_u(a0, 8));
      const m = twoRows
        ? i16x8.shr_u(
          i16x8.add(
            i16x8.add(sum, v128.and(a1, bytes)),
            i16x8.add(i16x8.shr_u(a1, 8), two),
          ),
          2,
        )
        : i16x8.shr_u(i16x8.add(sum, one), 1);
      const share = shareOf(m, k257);
      const u16 = i16x8.extend_low_i8x16_u(u), v16 = i16x8.extend_low_i8x16_u(v);
      // g·128 + half: (c − 128)·sat fits an i16 (−128·256 = −2¹⁵ exactly), then >> 1.
      const gu = i16x8.add(grey, i16x8.shr_s(i16x8.mul(i16x8.sub(u16, c128), s8), 1));
      const gv = i16x8.add(grey, i16x8.shr_s(i16x8.mul(i16x8.sub(v16, c128), s8), 1));
      const o = bytesOf(overShare(gu, u16, share, half), overShare(gv, v16, share, half));
      v128.store64_lane(du + pc, o, 0);
      v128.store64_lane(dv + pc, o, 1);
    }
    for (; cx < cw; cx++) {
      const x0 = cx << 1, pair = x0 + 1 < width;
      let sum = <i32>load<u8>(ra + <usize>x0), n = 1;
      if (pair) {
        sum += <i32>load<u8>(ra + <usize>x0 + 1);
        n = 2;
      }
      if (twoRows) {
        const r2 = ra + <usize>width + <usize>x0;
        sum += <i32>load<u8>(r2) + (pair ? <i32>load<u8>(r2 + 1) : 0);
        n <<= 1;
      }
      const mean = n == 1 ? sum : n == 2 ? (sum + 1) >> 1 : (sum + 2) >> 2;
      const pc = crow + <usize>cx;
      const u = <i32>load<u8>(su + pc), v = <i32>load<u8>(sv + pc);
      if (mean == 255) {
        store<u8>(du + pc, <u8>u);
        store<u8>(dv + pc, <u8>v);
        continue;
      }
      const share = (mean * 257) >> 1;
      store<u8>(du + pc, overScalar(u, g + (((u - 128) * sat) >> 1), share));
      store<u8>(dv + pc, overScalar(v, g + (((v - 128) * sat) >> 1), share));
    }
  }
}

// ---------------------------------------------------------------------------------------
// Planar YUV to the outputs without RGB (src/kernels/yuv_pack.ts, the reference, byte
// for byte): yuyv422 and yuv420p, always limited range, and the mirror on the planes.
// A full-range source is mapped with the reference's exact quotients
// ⌊(219·Y + 4207) / 255⌋ and ⌊(224·C + 4095) / 255⌋ in u16 lanes (x ≤ 61215 fits), the
// division by 255 as (x + (x >> 8) + 1) >> 8, exact for every such x (checked for all
// 256 inputs of both).
// ---------------------------------------------------------------------------------------

/** mirrorYuvInPlace's byte reversal, loaded once per call (see PACK_RGB for why). */
const YUV_REVERSE16: usize = memory.data<u8>([
  15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
], 16);

/** ⌊(m·v + b) / 255⌋ of 16 bytes, m and b splat in i16 lanes. */
// @ts-ignore: decorator
@inline
function yuvRangeMap16(v: v128, m: v128, b: v128): v128 {
  return yuvRangeMapWide(i16x8.extend_low_i8x16_u(v), i16x8.extend_high_i8x16_u(v), m, b);
}

/** ⌊(m·v + b) / 255⌋ of 16 u16 values (lo, hi) to bytes; m·v + b < 65535. */
// @ts-ignore: decorator
@inline
function yuvRangeMapWide(vlo: v128, vhi: v128, m: v128, b: v128): v128 {
  const lo = i16x8.add(i16x8.mul(vlo, m), b);
  const hi = i16x8.add(i16x8.mul(vhi, m), b);
  const one = i16x8.splat(1);
  const ql = i16x8.shr_u(i16x8.add(i16x8.add(lo, i16x8.shr_u(lo, 8)), one), 8);
  const qh = i16x8.shr_u(i16x8.add(i16x8.add(hi, i16x8.shr_u(hi, 8)), one), 8);
  return i8x16.narrow_i16x8_u(ql, qh);
}

// @ts-ignore: decorator
@inline
function yuvRangeMap1(v: u8, m: u32, b: u32): u8 {
  return <u8>((m * <u32>v + b) / 255);
}

/** n bytes from s to d (which may be s): mapped with (m, b) when `full`, else copied. */
function yuvMapBytes(s: usize, d: usize, n: i32, full: bool, m: u32, b: u32): void {
  if (!full) {
    if (s != d) memory.copy(d, s, <usize>n);
    return;
  }
  const mv = i16x8.splat(<i16>m), bv = i16x8.splat(<i16>b);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    v128.store(d + <usize>i, yuvRangeMap16(v128.load(s + <usize>i), mv, bv));
  }
  for (; i < n; i++) store<u8>(d + <usize>i, yuvRangeMap1(load<u8>(s + <usize>i), m, b));
}

/**
 * yuv_pack.ts limitedLuma of 16 bytes, ⌊(219·v + 4207) / 255⌋ = 16 + ⌊(219·v + 127) / 255⌋,
 * as 16 + ⌊(28142·v + 2¹⁴) / 2¹⁵⌋ (one Q15 multiply per 8 lanes): equal for every byte
 * v (all 256 checked when the constant was chosen; tests/kernels/yuv_pack.test.ts holds the
 * wasm to the reference on all of them). The relaxed q15mulr is the strict one here: its
 * operands are never both −32768 (v ≤ 255, k 28142). `k` and `sixteen` (i8 lanes) come
 * from the caller, outside its loop: see yuvToYuyv422.
 */
// @ts-ignore: decorator
@inline
function limitedLuma16(v: v128, k: v128, sixteen: v128): v128 {
  const lo = i16x8.relaxed_q15mulr_s(i16x8.extend_low_i8x16_u(v), k);
  const hi = i16x8.relaxed_q15mulr_s(i16x8.extend_high_i8x16_u(v), k);
  return i8x16.add(i8x16.narrow_i16x8_u(lo, hi), sixteen);
}

/**
 * yuv_pack.ts limitedChroma of 16 bytes, ⌊(224·v + 4095) / 255⌋, as
 * 16 + ⌊(303·(95·v − 48) + 2¹⁴) / 2¹⁵⌋: equal for every byte v (chosen and checked as
 * limitedLuma16's; 95·v − 48 stays within −48..24177 and k is 303, so again never
 * −32768). m 95, c −48 and k 303 in i16 lanes.
 */
// @ts-ignore: decorator
@inline
function limitedChroma16(v: v128, m: v128, c: v128, k: v128, sixteen: v128): v128 {
  const lo = i16x8.add(i16x8.mul(i16x8.extend_low_i8x16_u(v), m), c);
  const hi = i16x8.add(i16x8.mul(i16x8.extend_high_i8x16_u(v), m), c);
  const q = i8x16.narrow_i16x8_u(i16x8.relaxed_q15mulr_s(lo, k), i16x8.relaxed_q15mulr_s(hi, k));
  return i8x16.add(q, sixteen);
}

/**
 * yuv_pack.ts yuvToYuyv422: 32 pixels a step, Y and the interleaved U V zipped by two
 * byte shuffles per 16 output bytes. `rowShift` 1: layout 420 (chroma row y >> 1).
 */
export function yuvToYuyv422(
  src: usize,
  width: i32,
  height: i32,
  rowShift: i32,
  full: bool,
  dst: usize,
): void {
  const cw = width >> 1, ch = rowShift ? (height + 1) >> 1 : height;
  const uBase = src + <usize>(width * height), vBase = uBase + <usize>(cw * ch);
  // The range map's constants from a value the compilers cannot fold (height >>> 31 is 0):
  // V8 keeps them in registers, where it rebuilds a constant vector at each use.
  const z = height >>> 31;
  const kY = i16x8.splat(<i16>(28142 | z)), sixteen = i8x16.splat(<i8>(16 | z));
  const mC = i16x8.splat(<i16>(95 | z)), cC = i16x8.splat(<i16>(-48 | z));
  const kC = i16x8.splat(<i16>(303 | z));
  for (let y = 0; y < height; y++) {
    const yr = src + <usize>(y * width), o = dst + <usize>(y * width * 2);
    const crow = <usize>((y >> rowShift) * cw);
    const ur = uBase + crow, vr = vBase + crow;
    let x = 0;
    for (; x + 16 <= cw; x += 16) {
      let y0 = v128.load(yr + <usize>(2 * x)), y1 = v128.load(yr + <usize>(2 * x + 16));
      let u = v128.load(ur + <usize>x), v = v128.load(vr + <usize>x);
      if (full) {
        y0 = limitedLuma16(y0, kY, sixteen);
        y1 = limitedLuma16(y1, kY, sixteen);
        u = limitedChroma16(u, mC, cC, kC, sixteen);
        v = limitedChroma16(v, mC, cC, kC, sixteen);
      }
      const uvLo = i8x16.shuffle(u, v, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
      const uvHi = i8x16.shuffle(u, v, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
      const d = o + <usize>(4 * x);
      v128.store(d, i8x16.shuffle(y0, uvLo, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
      v128.store(d + 16, i8x16.shuffle(y0, uvLo, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
      v128.store(d + 32, i8x16.shuffle(y1, uvHi, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
      v128.store(d + 48, i8x16.shuffle(y1, uvHi, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
    }
    for (; x < cw; x++) {
      let y0 = load<u8>(yr + <usize>(2 * x)), y1 = load<u8>(yr + <usize>(2 * x + 1));
      let u = load<u8>(ur + <usize>x), v = load<u8>(vr + <usize>x);
      if (full) {
        y0 = yuvRangeMap1(y0, 219, 4207);
        y1 = yuvRangeMap1(y1, 219, 4207);
        u = yuvRangeMap1(u, 224, 4095);
        v = yuvRangeMap1(v, 224, 4095);
      }
      const d = o + <usize>(4 * x);
      store<u8>(d, y0);
      store<u8>(d + 1, u);
      store<u8>(d + 2, y1);
      store<u8>(d + 3, v);
    }
  }
}

/**
 * yuv_pack.ts yuvToYuv420p: luma mapped or copied; chroma of layout 420 likewise, of
 * layout 422 from the sum of two rows: ⌊(112·s + 4095) / 255⌋ (≤ 61215) from full range,
 * else the rounded mean (i8x16.avgr_u is exactly (a + b + 1) >> 1).
 */
export function yuvToYuv420p(
  src: usize,
  width: i32,
  height: i32,
  rowShift: i32,
  full: bool,
  dst: usize,
): void {
  const n = width * height;
  yuvMapBytes(src, dst, n, full, 219, 4207);
  const cw = (width + 1) >> 1, ch = (height + 1) >> 1, srcCh = rowShift ? ch : height;
  const m2 = i16x8.splat(112), bC = i16x8.splat(4095);
  for (let plane = 0; plane < 2; plane++) {
    const from = src + <usize>(n + plane * cw * srcCh), to = dst + <usize>(n + plane * cw * ch);
    if (rowShift) {
      yuvMapBytes(from, to, cw * ch, full, 224, 4095);
      continue;
    }
    for (let cy = 0; cy < ch; cy++) {
      const a = from + <usize>(2 * cy * cw);
      const b = from + <usize>(min(2 * cy + 1, height - 1) * cw);
      const d = to + <usize>(cy * cw);
      let x = 0;
      if (full) {
        for (; x + 16 <= cw; x += 16) {
          const va = v128.load(a + <usize>x), vb = v128.load(b + <usize>x);
          const lo = i16x8.add(i16x8.extend_low_i8x16_u(va), i16x8.extend_low_i8x16_u(vb));
          const hi = i16x8.add(i16x8.extend_high_i8x16_u(va), i16x8.extend_high_i8x16_u(vb));
          v128.store(d + <usize>x, yuvRangeMapWide(lo, hi, m2, bC));
        }
        for (; x < cw; x++) {
          const s = <u32>load<u8>(a + <usize>x) + <u32>load<u8>(b + <usize>x);
          store<u8>(d + <usize>x, <u8>((112 * s + 4095) / 255));
        }
      } else {
        for (; x + 16 <= cw; x += 16) {
          v128.store(d + <usize>x, i8x16.avgr_u(v128.load(a + <usize>x), v128.load(b + <usize>x)));
        }
        for (; x < cw; x++) {
          const s = <u32>load<u8>(a + <usize>x) + <u32>load<u8>(b + <usize>x);
          store<u8>(d + <usize>x, <u8>((s + 1) >> 1));
        }
      }
    }
  }
}

/** Reverses `height` rows of `width` bytes from `base`, 16 bytes from each end a step. */
function yuvReverseRows(base: usize, width: i32, height: i32, rev: v128): void {
  for (let y = 0; y < height; y++) {
    let left = base + <usize>(y * width), right = left + <usize>width;
    while (right - left >= 32) {
      const a = v128.load(left), b = v128.load(right - 16);
      v128.store(left, i8x16.swizzle(b, rev));
      v128.store(right - 16, i8x16.swizzle(a, rev));
      left += 16;
      right -= 16;
    }
    right--;
    while (left < right) {
      const v = load<u8>(left);
      store<u8>(left, load<u8>(right));
      store<u8>(right, v);
      left++;
      right--;
    }
  }
}

/**
 * yuv_pack.ts mirrorYuvInPlace: every plane reversed; at an odd width each chroma
 * sample then becomes the rounded mean of itself and its right neighbour (the last
 * kept), forward in place: a step reads 17 bytes and rewrites the first 16 only.
 */
export function mirrorYuvInPlace(data: usize, width: i32, height: i32, ch: i32): void {
  const rev = v128.load(YUV_REVERSE16);
  yuvReverseRows(data, width, height, rev);
  const cw = (width + 1) >> 1, n = width * height;
  for (let plane = 0; plane < 2; plane++) {
    const base = data + <usize>(n + plane * cw * ch);
    yuvReverseRows(base, cw, ch, rev);
    if ((width & 1) == 0) continue;
    for (let y = 0; y < ch; y++) {
      const row = base + <usize>(y * cw);
      let x = 0;
      for (; x + 17 <= cw; x += 16) {
        const p = row + <usize>x;
        v128.store(p, i8x16.avgr_u(v128.load(p), v128.load(p + 1)));
      }
      for (; x < cw - 1; x++) {
        const p = row + <usize>x;
        store<u8>(p, <u8>((<u32>load<u8>(p) + <u32>load<u8>(p + 1) + 1) >> 1));
      }
    }
  }
}
