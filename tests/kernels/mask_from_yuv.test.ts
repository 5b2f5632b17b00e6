/**
 * The mask path's inputs straight from a planar YUV picture (issue 16): the model's input
 * (resizeYuvToPlanar), the working-size luma (lumaDownscale with 1 channel) and the guided
 * filter's full-size guide (applyGuided with 1 channel), each held to the RGB route it
 * replaces on a real frame, and each wasm twin to its reference.
 */
import assert from "node:assert/strict";
import { ffmpegBytes } from "../_media.ts";
import type { Frame } from "../../src/frame.ts";
import { createGuidedScratch, guidedCoefficients } from "../../src/kernels/guided_filter.ts";
import { maskTable } from "../../src/kernels/mask.ts";
import {
  type BilinearTable,
  bilinearTable,
  resizeToPlanar,
  resizeYuvToPlanar,
} from "../../src/kernels/resize.ts";
import { yuv420pToRgb, YUV_TO_RGB, yuvj422pToRgb, YUVJ_TO_RGB } from "../../src/kernels/yuv.ts";
import {
  chromaHeight,
  type ChromaLayout,
  chromaWidth,
  planesOf,
  type YuvPicture,
} from "../../src/kernels/yuv_picture.ts";
import { tsKernels } from "../../src/kernels/wasm/wasm_kernels.ts";
import { countTypedArrayAllocations } from "../effects/_allocations.ts";
import { agree, maxDiff, planeIn, wasm } from "./_agree.ts";

const DESK = new URL("../../../shared/data/videos/desk_960x540.mp4", import.meta.url).pathname;
const HAVE_DESK = await Deno.stat(DESK).then(() => true, () => false);
const TALK = new URL("../../samples/talk.mp4", import.meta.url).pathname;
/**
 * A real frame: of ../shared's desk video when it is there, else of the repository's
 * samples/talk.mp4 (ffmpeg's testsrc2 would not do: its saturated bars clamp in most
 * pixels, which the luma cross-checks leave out).
 */
const SOURCE = HAVE_DESK
  ? { name: "a frame of desk_960x540.mp4", input: ["-ss", "3", "-i", DESK] }
  : { name: "a frame of samples/talk.mp4", input: ["-ss", "2", "-i", TALK] };

const FORMATS = [
  { pixFmt: "yuvj422p", layout: "422", fullRange: true },
  { pixFmt: "yuv420p", layout: "420", fullRange: false },
  { pixFmt: "yuvj420p", layout: "420", fullRange: true },
  { pixFmt: "yuv422p", layout: "422", fullRange: false },
] as const;

/** One frame of SOURCE scaled to width x height, in the given planar format. */
async function picture(
  format: typeof FORMATS[number],
  width: number,
  height: number,
): Promise<YuvPicture> {
  const data = await ffmpegBytes([
    ...SOURCE.input,
    "-frames:v",
    "1",
    "-vf",
    `scale=${width}:${height}`,
    "-f",
    "rawvideo",
    "-pix_fmt",
    format.pixFmt,
  ]);
  return { data, width, height, layout: format.layout, fullRange: format.fullRange };
}

/**
 * The RGB picture yuv.ts converts `src` to: its own converters for yuvj422p and yuv420p
 * (checked equal below), the same formula for the two layouts it has no entry point for.
 */
function rgbOf(src: YuvPicture): Frame {
  const { width, height, layout, fullRange } = src;
  const out: Frame = { data: new Uint8Array(width * height * 3), width, height, channels: 3 };
  const k = fullRange ? YUVJ_TO_RGB : YUV_TO_RGB, yOffset = fullRange ? 0 : 16;
  const { y, u, v } = planesOf(src), cw = chromaWidth(width), shift = layout === "420" ? 1 : 0;
  const byte = (x: number) => x <= 0 ? 0 : x >= 255 ? 255 : Math.round(x);
  for (let row = 0; row < height; row++) {
    for (let x = 0; x < width; x++) {
      const i = row * width + x, c = (row >> shift) * cw + (x >> 1);
      const l = (y[i] - yOffset) * k.yScale, cu = u[c] - 128, cv = v[c] - 128;
      out.data[3 * i] = byte(l + k.vToR * cv);
      out.data[3 * i + 1] = byte(l + k.uToG * cu + k.vToG * cv);
      out.data[3 * i + 2] = byte(l + k.uToB * cu);
    }
  }
  return out;
}

/** The segmenter's second look: tables over a region of the frame (segmenter.ts fillRegionTable). */
function regionTable(offset: number, length: number, from: number, size: number): BilinearTable {
  const t = bilinearTable(length, size);
  return {
    size,
    from,
    i0: t.i0.map((i) => i + offset),
    i1: t.i1.map((i) => i + offset),
    w1: t.w1,
  };
}

/** Whole-frame tables to the live model's 256x144 and regional ones (a 2/5 crop to 256x256). */
function tablesFor(width: number, height: number) {
  const rx = Math.floor(width * 0.3), ry = Math.floor(height * 0.1);
  const rw = Math.floor(width * 0.4), rh = Math.floor(height * 0.7);
  return [
    ["whole frame", bilinearTable(width, 256), bilinearTable(height, 144)],
    ["region", regionTable(rx, rw, width, 256), regionTable(ry, rh, height, 256)],
    ["taps apart", apart(width, 255), apart(height, 143)],
  ] as const;
}

/** Largest minus least value. */
function spread(values: Float32Array): number {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return hi - lo;
}

/**
 * A table whose second tap is two pixels on: no bilinear resize makes one, but the
 * kernels must take any table, and the wasm twins go their general way for it.
 */
function apart(from: number, size: number): BilinearTable {
  const t = bilinearTable(from - 2, size);
  return { ...t, from, i1: t.i0.map((i) => i + 2) };
}

const SIZES = [[1280, 720], [961, 541]] as const;
const pictures = await Promise.all(
  SIZES.flatMap(([w, h]) => FORMATS.map((f) => picture(f, w, h))),
);
const nameOf = (p: YuvPicture) =>
  `${p.layout} ${p.fullRange ? "full" : "limited"} ${p.width}x${p.height}`;

Deno.test(`the test's rgbOf is yuv.ts's own conversion (yuvj422p, yuv420p) on ${SOURCE.name}`, () => {
  for (const p of pictures) {
    const viaYuv: Frame = { ...rgbOf(p), data: new Uint8Array(p.width * p.height * 3) };
    if (p.layout === "422" && p.fullRange) yuvj422pToRgb(p.data, viaYuv);
    else if (p.layout === "420" && !p.fullRange) yuv420pToRgb(p.data, viaYuv);
    else continue;
    assert.equal(maxDiff(viaYuv.data, rgbOf(p).data), 0, nameOf(p));
  }
});

Deno.test(`resizeYuvToPlanar() is resizeToPlanar of the converted picture, bit for bit, whole frame and region, on ${SOURCE.name}`, () => {
  for (const p of pictures) {
    const rgb = rgbOf(p);
    for (const [label, xs, ys] of tablesFor(p.width, p.height)) {
      const expected = new Float32Array(3 * xs.size * ys.size);
      resizeToPlanar(rgb.data, p.width, p.height, 3, xs, ys, expected);
      const got = new Float32Array(expected.length).fill(-1);
      resizeYuvToPlanar(p, xs, ys, got);
      assert.equal(maxDiff(got, expected), 0, `${nameOf(p)} ${label}`);
      // Not a flat picture: the values span most of 0..1.
      assert.ok(spread(got) > 0.7, `${nameOf(p)} ${label}: flat`);
    }
  }
});

// Measured on desk_960x540.mp4, talk.mp4 and testsrc2 at 1280x720: wasm vs the RGB route 1.5e-5
// level at most (f32 sums), no tap rounding the other way. One could, where a converted
// value lies within f32 rounding of a half: one level on that tap, under one on the sample.
const YUV_TOLERANCE = 1 / 255 + 1e-6;

Deno.test(`wasm resizeYuvToPlanar() is within a level of the reference (and so of the RGB route) on ${SOURCE.name}`, () => {
  for (const p of pictures) {
    const rgb = rgbOf(p);
    for (const [label, xs, ys] of tablesFor(p.width, p.height)) {
      const n = 3 * xs.size * ys.size;
      const viaRgb = new Float32Array(n);
      resizeToPlanar(rgb.data, p.width, p.height, 3, xs, ys, viaRgb);
      agree(`resizeYuvToPlanar ${nameOf(p)} ${label}`, YUV_TOLERANCE, (k, arena) => {
        const src = arena ? { ...p, data: planeIn(arena, p.data) } : p;
        const out = arena ? arena.floats(n) : new Float32Array(n);
        k.resizeYuvToPlanar(src, xs, ys, out);
        if (k !== tsKernels) {
          const diff = maxDiff(out, viaRgb);
          assert.ok(diff <= YUV_TOLERANCE, `${nameOf(p)} ${label} vs RGB route: ${diff}`);
        }
        return out;
      });
    }
  }
});

Deno.test("resizeYuvToPlanar() handles tiny and odd pictures: 1x1, 3x1, 5x3 with odd chroma", () => {
  let seed = 3;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  for (const [w, h] of [[1, 1], [3, 1], [5, 3], [7, 2]]) {
    for (const layout of ["420", "422"] as ChromaLayout[]) {
      for (const fullRange of [true, false]) {
        const bytes = w * h + 2 * chromaWidth(w) * chromaHeight(layout, h);
        const p: YuvPicture = {
          data: Uint8Array.from({ length: bytes }, random),
          width: w,
          height: h,
          layout,
          fullRange,
        };
        for (const [ow, oh] of [[1, 1], [5, 3], [6, 9]]) {
          const xs = bilinearTable(w, ow), ys = bilinearTable(h, oh);
          const expected = new Float32Array(3 * ow * oh);
          resizeToPlanar(rgbOf(p).data, w, h, 3, xs, ys, expected);
          const label = `${w}x${h} ${layout} ${fullRange} → ${ow}x${oh}`;
          agree(label, YUV_TOLERANCE, (k) => {
            const out = new Float32Array(3 * ow * oh);
            k.resizeYuvToPlanar(p, xs, ys, out);
            return out;
          });
          const got = new Float32Array(3 * ow * oh);
          resizeYuvToPlanar(p, xs, ys, got);
          assert.equal(maxDiff(got, expected), 0, label);
        }
      }
    }
  }
});

Deno.test("resizeYuvToPlanar() rejects a wrong picture size, table or output, naming the value seen", () => {
  const p: YuvPicture = {
    data: new Uint8Array(4 * 2 + 2 * 2 * 1),
    width: 4,
    height: 2,
    layout: "420",
    fullRange: false,
  };
  const xs = bilinearTable(4, 2), ys = bilinearTable(2, 1);
  for (const k of [tsKernels, wasm]) {
    assert.throws(
      () => k.resizeYuvToPlanar({ ...p, data: new Uint8Array(11) }, xs, ys, new Float32Array(6)),
      /resizeYuvToPlanar source: expected 12 bytes of 4:2:0 YUV for 4x2, got 11/,
    );
    assert.throws(
      () => k.resizeYuvToPlanar({ ...p, layout: "422" }, xs, ys, new Float32Array(6)),
      /resizeYuvToPlanar source: expected 16 bytes of 4:2:2 YUV for 4x2, got 12/,
    );
    assert.throws(
      () => k.resizeYuvToPlanar(p, bilinearTable(5, 2), ys, new Float32Array(6)),
      /horizontal table: expected 4 → 2, got 5 → 2/,
    );
    assert.throws(
      () => k.resizeYuvToPlanar(p, xs, bilinearTable(3, 1), new Float32Array(6)),
      /vertical table: expected 2 → 1, got 3 → 1/,
    );
    assert.throws(
      () => k.resizeYuvToPlanar(p, xs, ys, new Float32Array(5)),
      /resizeYuvToPlanar: expected 6 output floats, got 5/,
    );
  }
});

/** The full-range 4:2:2 frame at 1280x720 (a camera's), its Y plane and its RGB. */
const camera = pictures.find((p) => p.width === 1280 && p.layout === "422" && p.fullRange)!;
const cameraY = planesOf(camera).y;
const cameraRgb = rgbOf(camera);

/**
 * Pixels of the converted picture with a channel at 0 or 255: clamped, or possibly so.
 * Elsewhere full-range Y is the Rec. 601 luma of the unrounded RGB exactly, so the luma
 * of the converted bytes is within half a level of Y (each channel rounds by ±0.5 and
 * the weights sum to 1). A clamp moves it further: a saturated colour's RGB is out of
 * gamut and loses the part that was cut.
 */
const clamped = Uint8Array.from(
  { length: 1280 * 720 },
  (_, i) => [0, 1, 2].some((c) => cameraRgb.data[3 * i + c] % 255 === 0) ? 1 : 0,
);

// Measured at 320x180: on desk_960x540.mp4 the largest difference is 6.1 levels, the
// 99th percentile 0.58 and 87 of 57,600 samples are over one level (all next to clamped
// pixels: saturated highlights); on testsrc2's colour bars 13.2 levels, 2,763 over one;
// on talk.mp4 6.3 levels, 99th percentile 0.44, 141 over one.
// Samples whose four taps are not clamped: at most 0.5 level, as argued above.
Deno.test(`lumaDownscale() of a full-range Y plane is the luma of the converted RGB within half a level where nothing clamps, on ${SOURCE.name}`, () => {
  const xs = bilinearTable(1280, 320), ys = bilinearTable(720, 180);
  for (const k of [tsKernels, wasm]) {
    const name = k === wasm ? "wasm" : "ts";
    const fromY = new Float32Array(320 * 180), fromRgb = new Float32Array(320 * 180);
    k.lumaDownscale(cameraY, 1280, 720, 1, xs, ys, fromY);
    k.lumaDownscale(cameraRgb.data, 1280, 720, 3, xs, ys, fromRgb);
    assert.ok(spread(fromY) > 0.5, "a flat frame");
    let checked = 0, over = 0;
    for (let y = 0; y < 180; y++) {
      for (let x = 0; x < 320; x++) {
        const d = Math.abs(fromY[y * 320 + x] - fromRgb[y * 320 + x]) * 255;
        if (d > 1) over++;
        const taps = [ys.i0[y], ys.i1[y]].flatMap((r) =>
          [xs.i0[x], xs.i1[x]].map((c) => r * 1280 + c)
        );
        if (taps.some((t) => clamped[t])) continue;
        checked++;
        assert.ok(d <= 0.5 + 1e-3, `${name} at ${x},${y}: ${d} levels`);
      }
    }
    assert.ok(checked > 0.8 * 320 * 180, `${name}: only ${checked} samples without a clamp`);
    assert.ok(over < 0.005 * 320 * 180, `${name}: ${over} samples over a level`);
  }
});

Deno.test("wasm lumaDownscale() with 1 channel matches the reference: whole frame, region, odd sizes, non-adjacent taps", () => {
  for (const p of pictures.filter((p) => p.fullRange)) {
    const y = planesOf(p).y;
    const cases = [
      ...tablesFor(p.width, p.height),
      ["odd", bilinearTable(p.width, 321), bilinearTable(p.height, 181)],
      ["apart", apart(p.width, 203), apart(p.height, 97)],
    ] as const;
    for (const [label, xs, ys] of cases) {
      agree(`lumaDownscale 1ch ${nameOf(p)} ${label}`, 1e-6, (k, arena) => {
        const data = arena ? planeIn(arena, y) : y;
        const out = arena ? arena.floats(xs.size * ys.size) : new Float32Array(xs.size * ys.size);
        k.lumaDownscale(data, p.width, p.height, 1, xs, ys, out);
        return out;
      });
    }
  }
});

/**
 * The guided filter's coefficients at 320x180 for an elliptical person on the camera
 * frame's luma: a ≈ 0 inside and outside, large at the edge, as MaskStage's are.
 */
function coefficients() {
  const w = 320, h = 180;
  const luma = new Float32Array(w * h), p = new Float32Array(w * h);
  tsKernels.lumaDownscale(
    cameraY,
    1280,
    720,
    1,
    bilinearTable(1280, w),
    bilinearTable(720, h),
    luma,
  );
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = Math.hypot((x - w / 2) / (w / 5), (y - h * 0.7) / (h * 0.5));
      p[y * w + x] = Math.min(1, Math.max(0, (1.05 - d) * 8));
    }
  }
  const a = new Float32Array(w * h), b = new Float32Array(w * h);
  guidedCoefficients(luma, p, w, h, 2, 3e-2, createGuidedScratch(w, h), a, b);
  return { a, b, w, h, xs: bilinearTable(w, 1280), ys: bilinearTable(h, 720) };
}
const guided = coefficients();

// Measured: applyGuided from the Y plane is within 1 level of applyGuided from the
// converted RGB with the same a, b (|a| up to 0.37) on desk_960x540.mp4, 753 of 921,600
// pixels differing; on testsrc2 5 levels where a channel clamps, 1 elsewhere, 2,795 differ;
// on talk.mp4 1 level (|a| up to 0.35), 766 differ.
Deno.test(`applyGuided() with the Y plane follows applyGuided with the converted RGB, on ${SOURCE.name}`, () => {
  const { a, b, w, xs, ys } = guided;
  const rowA = new Float32Array(w), rowB = new Float32Array(w);
  for (const k of [tsKernels, wasm]) {
    const fromY = new Uint8Array(1280 * 720), fromRgb = new Uint8Array(1280 * 720);
    k.applyGuided(a, b, xs, ys, cameraY, 1, rowA, rowB, fromY);
    k.applyGuided(a, b, xs, ys, cameraRgb.data, 3, rowA, rowB, fromRgb);
    let differ = 0, edge = 0, unclamped = 0;
    for (let i = 0; i < fromY.length; i++) {
      const d = Math.abs(fromY[i] - fromRgb[i]);
      if (d) differ++;
      if (!clamped[i]) unclamped = Math.max(unclamped, d);
      if (fromRgb[i] > 20 && fromRgb[i] < 235) edge++;
    }
    const name = k === wasm ? "wasm" : "ts";
    assert.ok(edge > 2000, `${name}: only ${edge} edge pixels`);
    assert.ok(unclamped <= 1, `${name}: ${unclamped} levels where nothing clamps`);
    assert.ok(differ < 0.01 * fromY.length, `${name}: ${differ} pixels differ`);
  }
});

Deno.test("wasm applyGuided() with 1 channel matches the reference, with and without a table, odd widths", () => {
  const table = new Uint8Array(256);
  maskTable({ invert: false, ramp: "stream" }, table);
  for (const [width, height] of [[1280, 720], [641, 361], [33, 7]]) {
    const { a, b, w, h } = guided;
    const xs = bilinearTable(w, width), ys = bilinearTable(h, height);
    const y = new Uint8Array(width * height);
    for (let r = 0; r < height; r++) {
      y.set(cameraY.subarray(r * 1280, r * 1280 + width), r * width);
    }
    const rowA = new Float32Array(w), rowB = new Float32Array(w);
    for (const t of [undefined, table]) {
      const ts = new Uint8Array(width * height), wa = new Uint8Array(width * height);
      tsKernels.applyGuided(a, b, xs, ys, y, 1, rowA, rowB, ts, t);
      wasm.applyGuided(a, b, xs, ys, y, 1, rowA, rowB, wa, t);
      let differ = 0;
      for (let i = 0; i < ts.length; i++) if (ts[i] !== wa[i]) differ++;
      const label = `${width}x${height} ${t ? "table" : "plain"}`;
      // As for 3 channels: the same values rounded within a level, a ramp's steepest
      // step (5 levels) through the table.
      assert.ok(maxDiff(ts, wa) <= (t ? 5 : 1), `${label}: ${maxDiff(ts, wa)}`);
      assert.ok(differ < 0.01 * ts.length, `${label}: ${differ} differ`);
    }
  }
});

Deno.test("lumaDownscale() and applyGuided() take 1, 3 or 4 channels and name any other", () => {
  const xs = bilinearTable(4, 2), ys = bilinearTable(2, 1);
  for (const k of [tsKernels, wasm]) {
    assert.throws(
      () => k.lumaDownscale(new Uint8Array(16), 4, 2, 2 as 1, xs, ys, new Float32Array(2)),
      /lumaDownscale: expected channels 1 \(a gray or Y plane\), 3 \(RGB\) or 4 \(RGBA\), got 2/,
    );
    assert.throws(
      () => k.lumaDownscale(new Uint8Array(9), 4, 2, 1, xs, ys, new Float32Array(2)),
      /lumaDownscale: expected 8 frame bytes, got 9/,
    );
    const two = new Float32Array(2), up = [bilinearTable(2, 4), bilinearTable(1, 2)] as const;
    assert.throws(
      () => k.applyGuided(two, two, ...up, new Uint8Array(8), 2 as 1, two, two, new Uint8Array(8)),
      /applyGuided: expected channels 1 \(a gray or Y plane\), 3 \(RGB\) or 4 \(RGBA\), got 2/,
    );
    assert.throws(
      () => k.applyGuided(two, two, ...up, new Uint8Array(24), 1, two, two, new Uint8Array(8)),
      /applyGuided: expected 8 frame bytes, got 24/,
    );
  }
});

Deno.test("with 1 channel the luma is the byte itself: A = 1, B = 0 gives the plane back; the kernels allocate nothing after the first call", () => {
  const W = 9, H = 3, gray = Uint8Array.from({ length: W * H }, (_, i) => (i * 29) % 256);
  const xs = bilinearTable(W, W), ys = bilinearTable(H, H);
  const ones = new Float32Array(W * H).fill(1), zeros = new Float32Array(W * H);
  const rowA = new Float32Array(W), rowB = new Float32Array(W);
  for (const k of [tsKernels, wasm]) {
    const out = new Uint8Array(W * H), luma = new Float32Array(W * H);
    k.applyGuided(ones, zeros, xs, ys, gray, 1, rowA, rowB, out);
    assert.deepEqual([...out], [...gray]);
    k.lumaDownscale(gray, W, H, 1, xs, ys, luma);
    assert.ok(maxDiff(luma, Array.from(gray, (v) => v / 255)) < 1e-6);
  }
  const p: YuvPicture = { ...camera };
  const xsm = bilinearTable(1280, 256), ysm = bilinearTable(720, 144);
  const planar = new Float32Array(3 * 256 * 144), luma = new Float32Array(W * H);
  const out = new Uint8Array(W * H);
  resizeYuvToPlanar(p, xsm, ysm, planar);
  const allocations = countTypedArrayAllocations(() => {
    resizeYuvToPlanar(p, xsm, ysm, planar);
    tsKernels.lumaDownscale(gray, W, H, 1, xs, ys, luma);
    tsKernels.applyGuided(ones, zeros, xs, ys, gray, 1, rowA, rowB, out);
  });
  assert.equal(allocations, 0);
});
