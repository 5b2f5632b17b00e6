import assert from "node:assert/strict";
import { createFrame, type Frame } from "../../src/frame.ts";
import { blurFactor, BlurScratch } from "../../src/kernels/blur.ts";
import { createWasmKernels, type Kernels, tsKernels } from "../../src/kernels/wasm/wasm_kernels.ts";

const wasm = createWasmKernels();
const both: [string, Kernels][] = [["ts", tsKernels], ["wasm", wasm]];

/** A frame of one colour, with a person square of another in its middle third. */
function scene(width: number, height: number, channels: 3 | 4) {
  const frame = createFrame(width, height, channels), alpha = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const person = x >= width / 3 && x < 2 * width / 3 && y >= height / 3 && y < 2 * height / 3;
      frame.data.set(
        person ? [10, 240, 90, 255] : [200, 100, 50, 255].slice(0, channels),
        i * channels,
      );
      alpha[i] = person ? 255 : 0;
    }
  }
  return { frame, alpha };
}

function pixel(f: Frame, x: number, y: number): number[] {
  const p = (y * f.width + x) * f.channels;
  return [...f.data.subarray(p, p + f.channels)];
}

Deno.test("blurBackground keeps person pixels exact and a flat background its colour", () => {
  // 37 wide: the 16-pixel steps of the wasm twin and their pixel-by-pixel tail.
  for (const [name, k] of both) {
    for (const [sc, dc] of [[3, 3], [3, 4], [4, 3]] as const) {
      const { frame, alpha } = scene(37, 30, sc);
      const out = createFrame(37, 30, dc);
      k.blurBackground(frame, alpha, 6, out, new BlurScratch());
      const opaque = dc === 4 ? [255] : [];
      assert.deepEqual(pixel(out, 18, 15), [10, 240, 90, ...opaque], `${name} ${sc}->${dc}`);
      // The person's colour has no say in the background, even right next to it.
      assert.deepEqual(pixel(out, 11, 15), [200, 100, 50, ...opaque], `${name} ${sc}->${dc}`);
      assert.deepEqual(pixel(out, 0, 0), [200, 100, 50, ...opaque], `${name} ${sc}->${dc}`);
    }
  }
});

Deno.test("blurBackground mixes a half-transparent pixel by its alpha, rounded", () => {
  for (const [name, k] of both) {
    const { frame, alpha } = scene(40, 24, 3);
    // Alpha 128 on a background pixel whose own colour is (0, 255, 0).
    alpha[2 * 40 + 3] = 128;
    frame.data.set([0, 255, 0], (2 * 40 + 3) * 3);
    const out = createFrame(40, 24, 3);
    k.blurBackground(frame, alpha, 5, out, new BlurScratch());
    // Its own weight (127²) is in the blurred background too: the nearby background is
    // not exactly (200, 100, 50); the mix is bg + (src − bg)·128/255 of it.
    const bg = pixel(out, 3, 12);
    const mixed = pixel(out, 3, 2);
    const near = pixel(out, 4, 2);
    for (let c = 0; c < 3; c++) {
      const expected = near[c] + ([0, 255, 0][c] - near[c]) * 128 / 255;
      assert.ok(Math.abs(mixed[c] - expected) <= 1.5, `${name} channel ${c}: ${mixed} ${near}`);
    }
    assert.deepEqual(bg, [200, 100, 50], name);
  }
});

Deno.test("the blur's factor stops at 128, where its integer sums still fit 31 bits", () => {
  assert.equal(blurFactor(21.6), 7);
  assert.equal(blurFactor(383.9), 127);
  assert.equal(blurFactor(384), 128);
  assert.equal(blurFactor(5000), 128);
  // Bright background, 300 rows: uncapped, one cell row of 300 would overflow the wasm
  // twin's u16 byte sums (300·250) and come out in wrong colours.
  for (const [name, k] of both) {
    const frame = createFrame(300, 300, 3), alpha = new Uint8Array(300 * 300);
    frame.data.fill(250);
    const out = createFrame(300, 300, 3);
    k.blurBackground(frame, alpha, 5000, out, new BlurScratch());
    assert.equal(out.data.filter((v) => v !== 250).length, 0, name);
  }
});
