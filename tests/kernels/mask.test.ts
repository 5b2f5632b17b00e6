import assert from "node:assert/strict";
import {
  createMaskScratch,
  defaultMaskOptions,
  featherRadius,
  type MaskOptions,
  MaskRefiner,
  maskTable,
  refineMask,
} from "../../src/kernels/mask.ts";
import { countTypedArrayAllocations } from "../effects/_allocations.ts";

function refine(prob: number[], width: number, height: number, options = {}) {
  const out = new Uint8Array(width * height);
  refineMask(Uint8Array.from(prob), width, height, out, { invert: false, ...options });
  return [...out];
}

/** The documented soft ramp, computed here independently: smoothstep over 0.3..0.7. */
function softRamp(v: number): number {
  const t = Math.min(1, Math.max(0, (v / 255 - 0.3) / 0.4));
  return Math.round(255 * t * t * (3 - 2 * t));
}

/** A smoothstep over low..high, computed here independently of mask.ts's tables. */
function ramp(v: number, low: number, high: number): number {
  const t = Math.min(1, Math.max(0, (v / 255 - low) / (high - low)));
  return Math.round(255 * t * t * (3 - 2 * t));
}

Deno.test("refineMask() in a stream ramps over 0.15-0.85, wider than a photo's 0.3-0.7", () => {
  const prob = Array.from({ length: 256 }, (_, v) => v);
  const still = refine(prob, 16, 16, { ramp: "still" });
  const stream = refine(prob, 16, 16, { ramp: "stream" });
  assert.deepEqual(still, prob.map((v) => ramp(v, 0.3, 0.7)));
  assert.deepEqual(stream, prob.map((v) => ramp(v, 0.15, 0.85)));
  assert.deepEqual(refine(prob, 16, 16), still, "a photo's ramp is the default");
  // Both cut the model's faint haze and keep its 0.5 crossing (IoU does not move)...
  assert.equal(stream[25], 0); // p ≈ 0.1
  assert.ok(stream[127] <= 127 && stream[128] >= 128);
  // ...but the stream's slope, which multiplies the model's frame-to-frame wobble, is
  // about half the photo's at the middle.
  const slope = (a: number[]) => (a[140] - a[115]) / 25;
  assert.ok(slope(stream) < 0.6 * slope(still), `${slope(stream)} vs ${slope(still)}`);
  assert.throws(
    () => refine(prob, 16, 16, { ramp: "video" }),
    /mask ramp: expected "still" or "stream", got video/,
  );
});

Deno.test("refineMask() with a threshold gives the hard mask prob > threshold*255", () => {
  const prob = [0, 127, 128, 200, 255, 1];
  assert.deepEqual(refine(prob, 3, 2, { threshold: 0.5 }), [0, 0, 255, 255, 255, 0]);
  assert.deepEqual(refine(prob, 3, 2, { threshold: 0 }), [0, 255, 255, 255, 255, 255]);
  assert.deepEqual(refine(prob, 3, 2, { threshold: 1 }), [0, 0, 0, 0, 0, 0]);
  // A threshold ignores the feather: still only 0 and 255.
  assert.deepEqual(refine(prob, 3, 2, { threshold: 0.5, feather: 0.5 }), [0, 0, 255, 255, 255, 0]);
});

Deno.test("refineMask() with invert keeps the background instead of the person", () => {
  const prob = [0, 127, 128, 200, 255, 1];
  assert.deepEqual(refine(prob, 3, 2, { threshold: 0.5, invert: true }), [
    255,
    255,
    0,
    0,
    0,
    255,
  ]);
  const all = Array.from({ length: 256 }, (_, v) => v);
  const soft = refine(all, 16, 16);
  const inverted = refine(all, 16, 16, { invert: true });
  assert.deepEqual(inverted, soft.map((v) => 255 - v));
});

Deno.test("refineMask() by default is a smoothstep ramp of the probability from 0.3 to 0.7", () => {
  const all = Array.from({ length: 256 }, (_, v) => v);
  const soft = refine(all, 64, 4);
  assert.deepEqual(soft, all.map(softRamp));
  assert.equal(soft[0], 0);
  assert.equal(soft[76], 0); // 0.298: below the ramp, the model's haze is dropped
  assert.equal(soft[179], 255); // 0.702: above it, fully person
  assert.ok(soft[128] > 120 && soft[128] < 136, `p = 0.5 gives about half: ${soft[128]}`);
  for (let v = 1; v < 256; v++) assert.ok(soft[v] >= soft[v - 1], "monotonic");
  assert.equal(defaultMaskOptions.feather, 0);
});

/** Box blur of radius r with edge clamping, horizontal then vertical, rounding each pass. */
function referenceFeather(values: number[], width: number, height: number, r: number): number[] {
  const clamp = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
  const h = values.map((_, i) => {
    const x = i % width, y = Math.floor(i / width);
    let sum = 0;
    for (let k = -r; k <= r; k++) sum += values[y * width + clamp(x + k, width - 1)];
    return Math.round(sum / (2 * r + 1));
  });
  return h.map((_, i) => {
    const x = i % width, y = Math.floor(i / width);
    let sum = 0;
    for (let k = -r; k <= r; k++) sum += h[clamp(y + k, height - 1) * width + x];
    return Math.round(sum / (2 * r + 1));
  });
}

Deno.test("refineMask() feather blurs the ramped mask by a box of feather*height pixels", () => {
  // Both code paths: width a multiple of 4 (word fast path) and not; radius 1, 2 and 5.
  for (const [width, height, radius] of [[16, 20, 1], [16, 20, 2], [15, 20, 1], [24, 20, 5]]) {
    const prob: number[] = [];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        // A disc with a soft rim, flat 0 and 255 elsewhere, plus one isolated pixel.
        const d = Math.hypot(x - width / 2, y - height / 2);
        prob.push(Math.round(255 * Math.min(1, Math.max(0, (6 - d) / 3))));
      }
    }
    prob[0] = 255;
    const feather = radius / height;
    const expected = referenceFeather(prob.map(softRamp), width, height, radius);
    const actual = refine(prob, width, height, { feather });
    assert.deepEqual(actual, expected, `${width}x${height} r=${radius}`);
    const scratch = createMaskScratch(width, height);
    const out = new Uint8Array(width * height);
    refineMask(Uint8Array.from(prob), width, height, out, { invert: false, feather }, scratch);
    assert.deepEqual([...out], expected);
  }
});

Deno.test("refineMask() feather keeps a uniform mask uniform and a border-touching person opaque", () => {
  const width = 20, height = 10;
  const full = refine(new Array(width * height).fill(255), width, height, { feather: 0.2 });
  assert.ok(full.every((v) => v === 255));
  // Person filling the bottom half: the bottom row stays 255 (edge clamping, no fade-out).
  const prob = Array.from({ length: width * height }, (_, i) => (i >= width * 5 ? 255 : 0));
  const out = refine(prob, width, height, { feather: 0.1 });
  assert.ok(out.slice(width * 9).every((v) => v === 255));
  assert.ok(out.slice(0, width * 3).every((v) => v === 0));
  assert.equal(out[width * 4], 85);
  assert.equal(out[width * 5], 170);
});

Deno.test("refineMask() rejects mismatched sizes and bad options, naming the values", () => {
  const prob = new Uint8Array(12);
  assert.throws(
    () => refineMask(prob, 4, 4, new Uint8Array(16), { invert: false }),
    /expected 16 bytes for 4x4, got 12/,
  );
  assert.throws(
    () => refineMask(prob, 4, 3, new Uint8Array(10), { invert: false }),
    /mask output: expected 12 bytes for 4x3, got 10/,
  );
  assert.throws(
    () => refineMask(prob, 4, 3, new Uint8Array(12), { invert: false, threshold: 1.5 }),
    /threshold: expected a number from 0 to 1, got 1.5/,
  );
  assert.throws(
    () =>
      refineMask(prob, 4, 3, new Uint8Array(12), { invert: false, feather: 0.5 }, {
        plane: new Uint8Array(3),
        columns: new Int32Array(4),
      }),
    /mask scratch: expected 12 \+ 4 entries/,
  );
});

Deno.test("MaskRefiner reuses its output and allocates nothing once warmed up", () => {
  const width = 64, height = 48;
  const prob = new Uint8Array(width * height).map((_, i) => (i * 7) & 255);
  const refiner = new MaskRefiner();
  const options = { invert: false, feather: 0.05 };
  const first = refiner.refine(prob, width, height, options);
  const expected = [...first];
  let second = first;
  const allocations = countTypedArrayAllocations(() => {
    second = refiner.refine(prob, width, height, options);
  });
  assert.equal(second, first);
  assert.deepEqual([...second], expected);
  assert.equal(allocations, 0);
  // The spy does see allocations: a new frame size reallocates.
  const smaller = prob.subarray(0, 32 * 48);
  assert.ok(countTypedArrayAllocations(() => refiner.refine(smaller, 32, 48, options)) > 0);
});

Deno.test("maskTable() is refineMask() of each byte, and rejects what refineMask() rejects", () => {
  const bytes = Uint8Array.from({ length: 256 }, (_, v) => v);
  const options: MaskOptions[] = [
    { invert: false },
    { invert: true, ramp: "stream" },
    { invert: false, threshold: 0.4 },
    { invert: true, threshold: 0 },
  ];
  for (const o of options) {
    const table = new Uint8Array(256), refined = new Uint8Array(256);
    maskTable(o, table);
    refineMask(bytes, 256, 1, refined, o);
    assert.deepEqual(table, refined, JSON.stringify(o));
  }
  const table = new Uint8Array(256);
  maskTable({ invert: false, ramp: "stream" }, table);
  assert.deepEqual([table[38], table[128], table[217]], [0, ramp(128, 0.15, 0.85), 255]);
  assert.throws(
    () => maskTable({ invert: false, threshold: 1.5 }, table),
    /mask threshold: expected a number from 0 to 1, got 1.5/,
  );
  assert.throws(
    () => maskTable({ invert: false }, new Uint8Array(8)),
    /mask table: expected 256 bytes, got 8/,
  );
});

Deno.test("featherRadius() is feather x height in whole pixels, 0 with a threshold", () => {
  assert.equal(featherRadius({ invert: false }, 720), 0);
  assert.equal(featherRadius({ invert: false, feather: 0.002 }, 720), 1);
  assert.equal(featherRadius({ invert: false, feather: 0.002 }, 1080), 2);
  assert.equal(featherRadius({ invert: false, feather: 0.002, threshold: 0.5 }, 1080), 0);
});

Deno.test("MaskRefiner.output() is the plane refine() returns, resized with the frame", () => {
  const refiner = new MaskRefiner();
  const out = refiner.output(4, 2);
  assert.equal(out.length, 8);
  assert.equal(refiner.refine(new Uint8Array(8).fill(255), 4, 2, { invert: false }), out);
  assert.deepEqual([...out], new Array(8).fill(255));
  assert.equal(refiner.output(4, 2), out);
  assert.equal(refiner.output(2, 2).length, 4);
});
