import assert from "node:assert/strict";
import { createFrame, type Frame } from "../../src/frame.ts";
import { scaleCover } from "../../src/kernels/scale_cover.ts";

/** A frame whose red channel is f(x, y), green 7, blue 200 (alpha 99 when RGBA). */
function pattern(
  width: number,
  height: number,
  channels: 3 | 4,
  f: (x: number, y: number) => number,
) {
  const frame = createFrame(width, height, channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      frame.data.set([f(x, y), 7, 200], o);
      if (channels === 4) frame.data[o + 3] = 99;
    }
  }
  return frame;
}

const red = (frame: Frame) => {
  const rows: number[][] = [];
  for (let y = 0; y < frame.height; y++) {
    const row: number[] = [];
    for (let x = 0; x < frame.width; x++) {
      row.push(frame.data[(y * frame.width + x) * frame.channels]);
    }
    rows.push(row);
  }
  return rows;
};

Deno.test("scaleCover() crops a wider image to its centre columns", () => {
  const src = pattern(8, 4, 3, (x) => x * 10);
  const dst = createFrame(4, 4, 3);
  scaleCover(src, dst);
  assert.deepEqual(red(dst), [[20, 30, 40, 50], [20, 30, 40, 50], [20, 30, 40, 50], [
    20,
    30,
    40,
    50,
  ]]);
});

Deno.test("scaleCover() crops a taller image to its centre rows", () => {
  const src = pattern(3, 9, 3, (_x, y) => y * 20);
  const dst = createFrame(3, 3, 3);
  scaleCover(src, dst);
  assert.deepEqual(red(dst), [[60, 60, 60], [80, 80, 80], [100, 100, 100]]);
});

Deno.test("scaleCover() shrinks with the aspect kept: a linear ramp lands on the centres", () => {
  // 16x8 into 4x4: scale 1/2 (height decides), crop 8 of 16 columns centred: columns
  // 4..11. Output column x samples source coordinate 4.5 + 2x (between pixel centres).
  const src = pattern(16, 8, 3, (x) => 10 * x);
  const dst = createFrame(4, 4, 3);
  scaleCover(src, dst);
  for (const row of red(dst)) assert.deepEqual(row, [45, 65, 85, 105]);
  // Vertically the whole height is used: a ramp in y maps to 2y + 0.5 (away from the
  // borders, where the filter is cut at the image edge and renormalised).
  const tall = pattern(16, 8, 3, (_x, y) => 20 * y);
  scaleCover(tall, dst);
  assert.deepEqual(red(dst).map((row) => row[0]).slice(1, 3), [50, 90]);
});

Deno.test("scaleCover() enlarges a small image to cover, bilinear between pixels", () => {
  // 2x1 into 4x4: scale 4 (height decides), crop width 1 centred on the seam.
  const src = pattern(2, 1, 3, (x) => (x === 0 ? 0 : 200));
  const dst = createFrame(4, 4, 3);
  scaleCover(src, dst);
  // Source coordinates 0.625, 0.875, 1.125, 1.375 (pixel centres at 0.5 and 1.5).
  for (const row of red(dst)) assert.deepEqual(row, [25, 75, 125, 175]);
});

Deno.test("scaleCover() keeps a uniform image uniform and handles RGBA on either side", () => {
  const src = pattern(37, 23, 4, () => 123);
  const dst = createFrame(64, 36, 4);
  scaleCover(src, dst);
  for (let i = 0; i < 64 * 36; i++) {
    assert.deepEqual([...dst.data.subarray(i * 4, i * 4 + 4)], [123, 7, 200, 255]);
  }
  const rgb = createFrame(10, 10, 3);
  scaleCover(src, rgb);
  assert.deepEqual([...rgb.data.subarray(0, 3)], [123, 7, 200]);
});

Deno.test("scaleCover() rejects an inconsistent frame with the sizes", () => {
  const bad = { data: new Uint8Array(5), width: 2, height: 2, channels: 3 as const };
  assert.throws(() => scaleCover(bad, createFrame(2, 2, 3)), /expected 12 bytes for 2x2x3, got 5/);
});
