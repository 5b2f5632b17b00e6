import assert from "node:assert/strict";
import {
  applyGuided,
  boxMean,
  createGuidedScratch,
  guidedCoefficients,
} from "../../src/kernels/guided_filter.ts";
import { type MaskOptions, maskTable } from "../../src/kernels/mask.ts";
import { bilinearTable } from "../../src/kernels/resize.ts";
import { createWasmKernels, tsKernels } from "../../src/kernels/wasm/wasm_kernels.ts";
import { countTypedArrayAllocations } from "../effects/_allocations.ts";

Deno.test("boxMean() averages each (2r+1)² window with edges clamped", () => {
  const src = Float32Array.of(0, 0, 9, 0, 0);
  const out = new Float32Array(5);
  boxMean(src, 5, 1, 1, new Float32Array(5), new Float32Array(5), out);
  assert.deepEqual([...out], [0, 3, 3, 3, 0]);
  const flat = new Float32Array(12).fill(0.25);
  boxMean(flat, 4, 3, 2, new Float32Array(12), new Float32Array(4), flat);
  for (const v of flat) assert.ok(Math.abs(v - 0.25) < 1e-7);
});

Deno.test("guidedCoefficients() on a flat guide keeps the mask's mean (a = 0, b = mean p)", () => {
  const w = 6, h = 4, guide = new Float32Array(w * h).fill(0.5);
  const p = new Float32Array(w * h).fill(0.8);
  const a = new Float32Array(w * h), b = new Float32Array(w * h);
  guidedCoefficients(guide, p, w, h, 1, 1e-2, createGuidedScratch(w, h), a, b);
  for (let i = 0; i < w * h; i++) {
    assert.ok(Math.abs(a[i]) < 1e-6 && Math.abs(b[i] - 0.8) < 1e-6, `${i}: ${a[i]}, ${b[i]}`);
  }
});

Deno.test("guided filter snaps a soft mask edge onto the picture's sharp edge", () => {
  // Full size 16x4: dark left half, bright right half. The model's map at 8x2 (half
  // size) has a soft ramp around the edge; after the filter the output crosses 1/2
  // exactly between columns 7 and 8, where the picture changes.
  const W = 16, H = 4, w = 8, h = 2;
  const frame = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 8; x < W; x++) frame.fill(230, (y * W + x) * 3, (y * W + x) * 3 + 3);
    for (let x = 0; x < 8; x++) frame.fill(20, (y * W + x) * 3, (y * W + x) * 3 + 3);
  }
  const guide = new Float32Array(w * h), p = new Float32Array(w * h);
  const ramp = [0, 0, 0.1, 0.3, 0.6, 0.9, 1, 1];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      guide[y * w + x] = x < 4 ? 20 / 255 : 230 / 255;
      p[y * w + x] = ramp[x];
    }
  }
  const a = new Float32Array(w * h), b = new Float32Array(w * h);
  guidedCoefficients(guide, p, w, h, 1, 1e-3, createGuidedScratch(w, h), a, b);
  const out = new Uint8Array(W * H);
  applyGuided(
    a,
    b,
    bilinearTable(w, W),
    bilinearTable(h, H),
    frame,
    3,
    new Float32Array(w),
    new Float32Array(w),
    out,
  );
  for (let y = 0; y < H; y++) {
    assert.ok(out[y * W + 7] < 128, `row ${y}: column 7 is ${out[y * W + 7]}`);
    assert.ok(out[y * W + 8] > 128, `row ${y}: column 8 is ${out[y * W + 8]}`);
    // Away from the edge the model's small haze may stay (the smoothstep removes it).
    assert.ok(out[y * W] < 13, `row ${y}: far left is ${out[y * W]}`);
    assert.ok(out[y * W + 15] > 242, `row ${y}: far right is ${out[y * W + 15]}`);
  }
});

Deno.test("applyGuided() writes A·luma + B, with flat runs filled, and allocates nothing after the first call", () => {
  const W = 8, H = 2;
  const frame = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) frame.fill(i * 16, i * 3, i * 3 + 3); // gray ramp
  const xs = bilinearTable(2, W), ys = bilinearTable(1, H);
  const rowA = new Float32Array(2), rowB = new Float32Array(2), out = new Uint8Array(W * H);
  applyGuided(Float32Array.of(1, 1), Float32Array.of(0, 0), xs, ys, frame, 3, rowA, rowB, out);
  for (let i = 0; i < W * H; i++) assert.ok(Math.abs(out[i] - i * 16) <= 1, `${i}: ${out[i]}`);
  const zero = Float32Array.of(0, 0), one = Float32Array.of(1, 1);
  const allocations = countTypedArrayAllocations(() =>
    applyGuided(zero, one, xs, ys, frame, 3, rowA, rowB, out)
  );
  assert.deepEqual([...out], new Array(W * H).fill(255));
  assert.equal(allocations, 0);
});

// ---- the mask table applied as the alpha is written (MaskStage without feather) --------------

/**
 * A picture and the coefficients MaskStage would fit to it: a noise-textured frame with a
 * soft-edged elliptical person over about a third of it, so that a is far from 0 along the
 * edge and about 0 elsewhere, b 0 outside and ~1 inside (with some haze at 0.9).
 */
function guidedScene(width: number, height: number, channels: 3 | 4) {
  const w = Math.max(4, Math.round(width / 4)), h = Math.max(2, Math.round(height / 4));
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i % 97) + Math.floor(random() * 150);
  const luma = new Float32Array(w * h), p = new Float32Array(w * h);
  tsKernels.lumaDownscale(
    data,
    width,
    height,
    channels,
    bilinearTable(width, w),
    bilinearTable(height, h),
    luma,
  );
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = Math.hypot((x - w / 2) / (w / 4), (y - h * 0.7) / (h * 0.55));
      p[y * w + x] = Math.min(x > w / 2 ? 0.9 : 1, Math.max(0, (1.05 - d) * 10));
    }
  }
  const a = new Float32Array(w * h), b = new Float32Array(w * h);
  guidedCoefficients(luma, p, w, h, 2, 3e-2, createGuidedScratch(w, h), a, b);
  return { data, a, b, w, h, xs: bilinearTable(w, width), ys: bilinearTable(h, height) };
}

/** The tables MaskStage hands applyGuided: each ramp, invert, a threshold. */
function tables(): [string, Uint8Array][] {
  const options: MaskOptions[] = [
    { invert: false, ramp: "stream" },
    { invert: false, ramp: "still" },
    { invert: true, ramp: "stream" },
    { invert: false, threshold: 0.5 },
    { invert: true, threshold: 0.2 },
  ];
  return options.map((o) => {
    const table = new Uint8Array(256);
    maskTable(o, table);
    return [JSON.stringify(o), table];
  });
}

const wasm = createWasmKernels();

Deno.test("applyGuided() with a table writes table[v] where it writes v without one (TS and wasm)", () => {
  for (const [width, height] of [[1280, 720], [641, 361], [33, 7]]) {
    for (const channels of [3, 4] as const) {
      const s = guidedScene(width, height, channels);
      for (const k of [tsKernels, wasm]) {
        const name = k === tsKernels ? "ts" : "wasm";
        const rowA = new Float32Array(s.w), rowB = new Float32Array(s.w);
        const plain = new Uint8Array(width * height), fused = new Uint8Array(width * height);
        k.applyGuided(s.a, s.b, s.xs, s.ys, s.data, channels, rowA, rowB, plain);
        // The scene must hold both kinds of block: flat (0 or 255) and edge.
        const mixed = plain.includes(0) && plain.includes(255) &&
          plain.some((v) => v > 60 && v < 200);
        assert.ok(mixed || width < 100, `${name} ${width}x${height}: a flat or an edgeless scene`);
        // And a ramp of b through every level with a ≈ 0: blocks at each end of the
        // table's runs of 0 and 255, where a block is filled or computed by a hair.
        const ramp = { ...s, a: s.a.map((_, i) => ((i * 37) % 11 - 5) * 4e-4) };
        ramp.b = s.b.map((_, i) => (i % s.w) / (s.w - 1) + (Math.floor(i / s.w) % 3) * 1e-3);
        for (const c of [s, ramp]) {
          k.applyGuided(c.a, c.b, c.xs, c.ys, c.data, channels, rowA, rowB, plain);
          for (const [label, table] of tables()) {
            k.applyGuided(c.a, c.b, c.xs, c.ys, c.data, channels, rowA, rowB, fused, table);
            let differ = 0;
            for (let i = 0; i < fused.length; i++) if (fused[i] !== table[plain[i]]) differ++;
            const scene = c === s ? "person" : "ramp";
            assert.equal(differ, 0, `${name} ${scene} ${width}x${height} ${channels}ch ${label}`);
          }
        }
      }
    }
  }
});

Deno.test("wasm applyGuided() equals the reference byte for byte on blocks the ramp makes flat, and within a level elsewhere", () => {
  const s = guidedScene(1280, 720, 3);
  const rowA = new Float32Array(s.w), rowB = new Float32Array(s.w);
  for (const [label, table] of tables()) {
    const ts = new Uint8Array(1280 * 720), wa = new Uint8Array(1280 * 720);
    tsKernels.applyGuided(s.a, s.b, s.xs, s.ys, s.data, 3, rowA, rowB, ts, table);
    wasm.applyGuided(s.a, s.b, s.xs, s.ys, s.data, 3, rowA, rowB, wa, table);
    let flat = 0, far = 0;
    for (let i = 0; i < ts.length; i++) {
      if (ts[i] === wa[i] && (ts[i] === table[0] || ts[i] === table[255])) flat++;
      // One level before a ramp moves at most its steepest step (4 or 5 levels); a
      // threshold may flip.
      if (Math.abs(ts[i] - wa[i]) > 5) far++;
    }
    assert.ok(flat > 0.8 * ts.length, `${label}: ${flat} of ${ts.length} agree at the ends`);
    if (label.includes("ramp")) assert.equal(far, 0, label);
  }
});

Deno.test("applyGuided() rejects a table that is not 256 bytes", () => {
  const s = guidedScene(32, 8, 3), rowA = new Float32Array(s.w), rowB = new Float32Array(s.w);
  for (const k of [tsKernels, wasm]) {
    assert.throws(
      () =>
        k.applyGuided(
          s.a,
          s.b,
          s.xs,
          s.ys,
          s.data,
          3,
          rowA,
          rowB,
          new Uint8Array(32 * 8),
          new Uint8Array(255),
        ),
      /applyGuided table: expected 256 bytes, got 255/,
    );
  }
});
