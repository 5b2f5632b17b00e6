import assert from "node:assert/strict";
import { bilinearTable } from "../../src/kernels/resize.ts";
import {
  blurredChange,
  dilate3,
  lumaDownscale,
  smoothTemporal,
} from "../../src/kernels/temporal_smoothing.ts";
import { countTypedArrayAllocations } from "../effects/_allocations.ts";

/** The change map as MaskStage builds it: blurred, then dilated. */
function changeMap(
  a: Float32Array,
  b: Float32Array,
  width: number,
  height: number,
  scratch: Float32Array,
  out: Float32Array,
): number {
  blurredChange(a, b, width, height, scratch, out);
  return dilate3(out, width, height, scratch);
}

const close = (actual: ArrayLike<number>, expected: number[], tolerance = 1e-6) => {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance,
      `index ${i}: expected ${expected[i]}, got ${actual[i]}`,
    );
  }
};

Deno.test("smoothTemporal() lets a still pixel converge to the new probability geometrically", () => {
  const state = Float32Array.of(0, 1);
  const p = Float32Array.of(1, 0);
  const still = new Float32Array(2);
  smoothTemporal(p, still, 2, 1, 0.5, 0.15, state);
  close(state, [0.5, 0.5]);
  smoothTemporal(p, still, 2, 1, 0.5, 0.15, state);
  close(state, [0.75, 0.25]);
  for (let i = 0; i < 20; i++) smoothTemporal(p, still, 2, 1, 0.5, 0.15, state);
  close(state, [1, 0], 1e-5);
});

Deno.test("smoothTemporal() takes a moving place's new probability at once (no lag)", () => {
  // Pixel 0 changed by the full-motion amount, pixel 1 by half of it, pixel 2 not at all.
  const state = Float32Array.of(0, 0, 0);
  const p = Float32Array.of(1, 1, 1);
  const change = Float32Array.of(0.15, 0.075, 0);
  smoothTemporal(p, change, 3, 1, 0.8, 0.15, state);
  close(state, [1, 1 - 0.8 * 0.5, 1 - 0.8]);
});

Deno.test("smoothTemporal() with strength 0 is off: the state becomes the probability", () => {
  const state = Float32Array.of(0.9, 0.1);
  smoothTemporal(Float32Array.of(0.2, 0.7), new Float32Array(2), 2, 1, 0, 0.15, state);
  close(state, [0.2, 0.7]);
});

Deno.test("smoothTemporal() checks sizes and its numbers up front", () => {
  const map = new Float32Array(4);
  assert.throws(
    () => smoothTemporal(map, new Float32Array(3), 2, 2, 0.5, 0.15, map),
    /smoothTemporal change: expected 4 values for 2x2, got 3/,
  );
  assert.throws(
    () => smoothTemporal(map, map, 2, 2, 1.5, 0.15, map),
    /strength: expected 0 to 1, got 1.5/,
  );
});

Deno.test("blurredChange() then dilate3() blur a one-pixel change 3x3 then spreads it one more cell", () => {
  const size = 7, a = new Float32Array(size * size), b = new Float32Array(size * size);
  a[3 * size + 3] = 0.9;
  const out = new Float32Array(size * size), scratch = new Float32Array(size * size);
  const largest = changeMap(a, b, size, size, scratch, out);
  assert.ok(Math.abs(largest - 0.1) < 1e-6, `largest ${largest}`);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const near = Math.max(Math.abs(x - 3), Math.abs(y - 3)) <= 2;
      assert.ok(Math.abs(out[y * size + x] - (near ? 0.1 : 0)) < 1e-6, `${x},${y}`);
    }
  }
});

Deno.test("blurredChange() then dilate3() of two equal frames are zero and allocates nothing", () => {
  const a = Float32Array.from({ length: 12 }, (_, i) => i / 12);
  const out = new Float32Array(12), scratch = new Float32Array(12);
  let largest = -1;
  assert.equal(
    countTypedArrayAllocations(() => {
      largest = changeMap(a, a, 4, 3, scratch, out);
    }),
    0,
  );
  assert.equal(largest, 0);
  assert.deepEqual([...out], new Array(12).fill(0));
});

Deno.test("lumaDownscale() gives Rec. 601 luma in 0..1 and averages when shrinking", () => {
  // 2x1 RGB: pure red, pure white; the same size first, then shrunk to one pixel.
  const data = Uint8Array.of(255, 0, 0, 255, 255, 255);
  const same = new Float32Array(2);
  lumaDownscale(data, 2, 1, 3, bilinearTable(2, 2), bilinearTable(1, 1), same);
  close(same, [0.299, 1], 1e-5);
  const one = new Float32Array(1);
  lumaDownscale(data, 2, 1, 3, bilinearTable(2, 1), bilinearTable(1, 1), one);
  close(one, [(0.299 + 1) / 2], 1e-5);
  assert.throws(
    () => lumaDownscale(data, 2, 1, 3, bilinearTable(3, 1), bilinearTable(1, 1), one),
    /expected tables from 2x1, got 3x1/,
  );
});

Deno.test("blurredChange() gives the largest value the dilation keeps", () => {
  const size = 5, a = new Float32Array(size * size), b = new Float32Array(size * size);
  a[0] = 0.9; // a corner: the clamped edge repeats it, (2·2)/9 of it reaches the corner
  const out = new Float32Array(size * size), scratch = new Float32Array(size * size);
  const largest = blurredChange(a, b, size, size, scratch, out);
  assert.ok(Math.abs(largest - 0.4) < 1e-6, `largest ${largest}`);
  assert.ok(Math.abs(out[1 * size + 1] - 0.1) < 1e-6, "one cell in: 1/9 of it");
  assert.equal(out[2 * size + 2], 0, "two cells in: untouched before the dilation");
  assert.ok(Math.abs(changeMap(a, b, size, size, scratch, out) - largest) < 1e-6);
  assert.ok(
    Math.abs(out[2 * size + 2] - 0.1) < 1e-6,
    "after the dilation it reaches one cell further",
  );
});
