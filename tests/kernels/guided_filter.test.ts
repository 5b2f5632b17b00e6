import assert from "node:assert/strict";
import {
  applyGuided,
  boxMean,
  createGuidedScratch,
  guidedCoefficients,
} from "../../src/kernels/guided_filter.ts";
import { bilinearTable } from "../../src/kernels/resize.ts";
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
