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

/** MaskStage's gate. */
const GATE = { noise: 0.03, motion: 0.08, wobble: 0.5 };

Deno.test("smoothTemporal() lets a still pixel converge to the new probability geometrically", () => {
  const state = Float32Array.of(0, 1);
  const p = Float32Array.of(1, 0);
  const still = new Float32Array(2);
  smoothTemporal(p, still, 2, 1, 0.5, GATE, state);
  close(state, [0.5, 0.5]);
  smoothTemporal(p, still, 2, 1, 0.5, GATE, state);
  close(state, [0.75, 0.25]);
  for (let i = 0; i < 20; i++) smoothTemporal(p, still, 2, 1, 0.5, GATE, state);
  close(state, [1, 0], 1e-5);
});

Deno.test("smoothTemporal() takes the new probability at once where the picture and the model moved", () => {
  // The model jumped 0 → 1 everywhere; the picture changed by the motion level at pixel
  // 0, halfway between noise and motion at pixel 1, not at all at pixel 2.
  const state = Float32Array.of(0, 0, 0);
  const p = Float32Array.of(1, 1, 1);
  const change = Float32Array.of(0.08, 0.055, 0);
  smoothTemporal(p, change, 3, 1, 0.8, GATE, state);
  close(state, [1, 1 - 0.8 * 0.5, 1 - 0.8]);
});

Deno.test("smoothTemporal() keeps its memory where the picture changed but the model barely did", () => {
  // A picture change well past the motion level (a compression block refreshed), and
  // the model's answer 0.1 and then 0.3 away from the memory: up to wobble/2 kept in
  // full, then fading out until wobble.
  const state = Float32Array.of(0.5, 0.5);
  smoothTemporal(Float32Array.of(0.6, 0.8), Float32Array.of(0.5, 0.5), 2, 1, 0.8, GATE, state);
  close(state, [0.6 - 0.1 * 0.8, 0.8 - 0.3 * 0.8 * (2 - 2 * 0.3 / 0.5)], 1e-6);
});

Deno.test("smoothTemporal() never trails a moving place by more than wobble", () => {
  // The picture moves every frame; the model's answer climbs 0.1 a frame.
  const state = new Float32Array(1), moving = Float32Array.of(1);
  for (let t = 1; t <= 10; t++) {
    const p = Float32Array.of(t / 10);
    smoothTemporal(p, moving, 1, 1, 0.95, GATE, state);
    assert.ok(p[0] - state[0] <= GATE.wobble + 1e-6, `frame ${t}: ${state[0]} behind ${p[0]}`);
  }
});

Deno.test("smoothTemporal() with strength 0 is off: the state becomes the probability", () => {
  const state = Float32Array.of(0.9, 0.1);
  smoothTemporal(Float32Array.of(0.2, 0.7), new Float32Array(2), 2, 1, 0, GATE, state);
  close(state, [0.2, 0.7]);
});

Deno.test("smoothTemporal() checks sizes and its numbers up front", () => {
  const map = new Float32Array(4);
  assert.throws(
    () => smoothTemporal(map, new Float32Array(3), 2, 2, 0.5, GATE, map),
    /smoothTemporal change: expected 4 values for 2x2, got 3/,
  );
  assert.throws(
    () => smoothTemporal(map, map, 2, 2, 1.5, GATE, map),
    /strength: expected 0 to 1, got 1.5/,
  );
  assert.throws(
    () => smoothTemporal(map, map, 2, 2, 0.5, { noise: 0.1, motion: 0.05, wobble: 0.5 }, map),
    /gate: expected 0 <= noise < motion and wobble > 0, got noise 0.1, motion 0.05/,
  );
});

/**
 * A 16x8 luma map: a textured background (0.2-0.35) and a bright person (0.8) over
 * columns [left, left + 6).
 */
function scene(left: number): Float32Array {
  const map = new Float32Array(16 * 8);
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 16; x++) {
      map[y * 16 + x] = x >= left && x < left + 6 ? 0.8 : 0.2 + 0.05 * ((x * 7 + y * 3) % 4);
    }
  }
  return map;
}

/** The model's answer for the person at `left`: 1 inside, 0 outside. */
function personAt(left: number): Float32Array {
  return Float32Array.from(
    { length: 16 * 8 },
    (_, i) => (i % 16 >= left && i % 16 < left + 6 ? 1 : 0),
  );
}

Deno.test("the gate: exposure drift and compression-like blocks are not motion; the model's wobble stays damped", () => {
  const before = scene(5), after = new Float32Array(before.length);
  // Auto-exposure lifts every place by 0.1, and 4x4 blocks move by ±0.02 each (the
  // block edges of a re-encoded frame), in a checkerboard.
  for (let i = 0; i < after.length; i++) {
    const x = i % 16, y = Math.floor(i / 16);
    after[i] = before[i] + 0.1 + (((x >> 2) + (y >> 2)) % 2 === 0 ? 0.02 : -0.02);
  }
  const change = new Float32Array(after.length), scratch = new Float32Array(after.length);
  blurredChange(after, before, 16, 8, scratch, change);
  const largest = dilate3(change, 16, 8, scratch);
  assert.ok(largest <= GATE.noise, `largest change ${largest} counted as motion`);
  // The model wobbles by 0.4 at the person's edge (as much as a wobble can be):
  // the memory is kept in full, 0.85 of the old answer.
  const state = personAt(5), p = personAt(5);
  p[3 * 16 + 4] = 0.4; // outside the edge, 0 → 0.4
  p[3 * 16 + 5] = 0.6; // inside, 1 → 0.6
  smoothTemporal(p, change, 16, 8, 0.85, GATE, state);
  close([state[3 * 16 + 4], state[3 * 16 + 5]], [0.4 * 0.15, 1 - 0.4 * 0.15], 1e-6);
});

Deno.test("the gate: a person's edge moving two cells lets the memory go at once", () => {
  const before = scene(5), after = scene(7);
  const change = new Float32Array(before.length), scratch = new Float32Array(before.length);
  blurredChange(after, before, 16, 8, scratch, change);
  dilate3(change, 16, 8, scratch);
  const state = personAt(5), p = personAt(7);
  smoothTemporal(p, change, 16, 8, 0.85, GATE, state);
  // Where the person left (columns 5, 6) and arrived (11, 12): the model's answer as it is.
  for (let y = 0; y < 8; y++) {
    for (const x of [5, 6, 11, 12]) {
      assert.equal(state[y * 16 + x], p[y * 16 + x], `cell ${x},${y}: ${state[y * 16 + x]}`);
    }
  }
});

Deno.test("blurredChange() then dilate3() blur a one-pixel change 3x3 then spreads it one more cell", () => {
  const size = 7, a = new Float32Array(size * size), b = new Float32Array(size * size);
  a[3 * size + 3] = 0.9;
  const out = new Float32Array(size * size), scratch = new Float32Array(size * size);
  const largest = changeMap(a, b, size, size, scratch, out);
  // The mean change (the exposure shift) comes off every place first: the pulse keeps
  // 0.9 − shift, the rest shows the shift.
  const shift = 0.9 / (size * size), pulse = (0.9 - shift + 8 * shift) / 9;
  assert.ok(Math.abs(largest - pulse) < 1e-6, `largest ${largest}`);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const near = Math.max(Math.abs(x - 3), Math.abs(y - 3)) <= 2;
      assert.ok(Math.abs(out[y * size + x] - (near ? pulse : shift)) < 1e-6, `${x},${y}`);
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
  const shift = 0.9 / (size * size); // the mean change, taken off every place
  const largest = blurredChange(a, b, size, size, scratch, out);
  assert.ok(Math.abs(largest - (4 * (0.9 - shift) + 5 * shift) / 9) < 1e-6, `largest ${largest}`);
  const oneIn = (0.9 - shift + 8 * shift) / 9;
  assert.ok(Math.abs(out[1 * size + 1] - oneIn) < 1e-6, "one cell in: 1/9 of it");
  assert.ok(Math.abs(out[2 * size + 2] - shift) < 1e-6, "two cells in: the shift alone");
  assert.ok(Math.abs(changeMap(a, b, size, size, scratch, out) - largest) < 1e-6);
  assert.ok(
    Math.abs(out[2 * size + 2] - oneIn) < 1e-6,
    "after the dilation it reaches one cell further",
  );
});
