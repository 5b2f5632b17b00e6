import assert from "node:assert/strict";
import { createFrame } from "../../src/frame.ts";
import { createCropScratch, cropResize, cropResizePlane, maskBox } from "../../src/kernels/crop.ts";
import { createWasmKernels } from "../../src/kernels/wasm/wasm_kernels.ts";

/** The reference and the wasm twin, run alike by the tests that hold both to a result. */
const planeCrops = [
  ["reference", cropResizePlane],
  ["wasm", createWasmKernels({ arenaBytes: 1 << 20 }).cropResizePlane],
] as const;

Deno.test("cropResize() of the whole frame at its own size copies it exactly", () => {
  const src = createFrame(7, 5, 3);
  for (let i = 0; i < src.data.length; i++) src.data[i] = (i * 37) % 256;
  const out = createFrame(7, 5, 3);
  cropResize(src, { x: 0, y: 0, width: 7, height: 5 }, out, createCropScratch(7, 5));
  assert.deepEqual(out.data, src.data);
});

Deno.test("cropResize() zooms 2x into a crop: each source pixel becomes a 2x2 blend", () => {
  // A 4x2 plane 0, 100, 200, 250 per column; the crop is columns 1..3, row 0..1 → 4x2.
  const src = new Uint8Array([0, 100, 200, 250, 0, 100, 200, 250]);
  const out = new Uint8Array(4 * 2);
  cropResizePlane(
    src,
    4,
    2,
    { x: 1, y: 0, width: 2, height: 1 },
    out,
    4,
    2,
    createCropScratch(4, 2),
  );
  // Output centres at source x 0.75, 1.25, 1.75, 2.25 → 75, 125, 175, 212.5.
  assert.deepEqual([...out.subarray(0, 4)], [75, 125, 175, 213]);
  assert.deepEqual([...out.subarray(4)], [75, 125, 175, 213]);
});

Deno.test("cropResize() refuses a crop outside the frame, naming both", () => {
  const src = createFrame(8, 8, 3), out = createFrame(8, 8, 3);
  assert.throws(
    () => cropResize(src, { x: 4, y: 0, width: 8, height: 8 }, out, createCropScratch(8, 8)),
    /expected inside 8x8, got 8x8 at 4,0/,
  );
});

Deno.test("maskBox() finds the box of the mask's samples and ignores a lone speck", () => {
  const w = 32, h = 16, mask = new Uint8Array(w * h);
  for (let y = 4; y < 16; y++) mask.fill(255, y * w + 8, y * w + 20);
  mask[1 * w + 31] = 255; // speck, on a sample (odd x and y)
  const box = new Float64Array(4);
  const count = maskBox(mask, w, h, 2, 127, 2, new Int32Array(16), new Int32Array(8), box);
  assert.equal(count, 37); // 6 columns x 6 rows of samples + the speck
  assert.deepEqual([...box], [8, 4, 20, 16]);
  assert.equal(
    maskBox(new Uint8Array(w * h), w, h, 2, 127, 2, new Int32Array(16), new Int32Array(8), box),
    0,
  );
});

Deno.test("wasm cropResize() and cropResizePlane() give the reference's bytes exactly, in the arena and copied", () => {
  const wasm = createWasmKernels({ arenaBytes: 32 << 20 });
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (const channels of [1, 3, 4] as const) {
    for (const [w, h, ow, oh] of [[97, 61, 97, 61], [64, 36, 128, 72], [33, 17, 13, 9]]) {
      const crop = {
        x: random() * w * 0.4,
        y: random() * h * 0.4,
        width: w * (0.3 + 0.3 * random()),
        height: h * (0.3 + 0.3 * random()),
      };
      const src = createFrame(w, h, channels === 1 ? 3 : channels);
      for (let i = 0; i < src.data.length; i++) src.data[i] = (random() * 256) | 0;
      for (const arena of [false, true]) {
        wasm.reset();
        const where = `${channels} channels, ${w}x${h} → ${ow}x${oh}, ${
          arena ? "arena" : "copied"
        }`;
        if (channels === 1) {
          const plane = arena ? wasm.plane(w * h) : new Uint8Array(w * h);
          plane.set(src.data.subarray(0, w * h));
          const expected = new Uint8Array(ow * oh);
          const got = arena ? wasm.plane(ow * oh) : new Uint8Array(ow * oh);
          cropResizePlane(plane, w, h, crop, expected, ow, oh, createCropScratch(ow, oh));
          wasm.cropResizePlane(plane, w, h, crop, got, ow, oh, createCropScratch(ow, oh));
          assert.deepEqual([...got], [...expected], where);
        } else {
          const frame = arena ? wasm.frame(w, h, channels) : createFrame(w, h, channels);
          frame.data.set(src.data);
          const expected = createFrame(ow, oh, channels);
          const got = arena ? wasm.frame(ow, oh, channels) : createFrame(ow, oh, channels);
          cropResize(frame, crop, expected, createCropScratch(ow, oh));
          wasm.cropResize(frame, crop, got, createCropScratch(ow, oh));
          assert.deepEqual([...got.data], [...expected.data], where);
        }
      }
    }
  }
});

Deno.test("cropResize() moves the picture in 1/128 px steps: a slow pan glides", () => {
  // A 2x1 plane 0, 255 cropped 1 px wide at x: the output samples x, so it is 255·x with
  // x rounded to 1/128 (then to a level): every 1/128 px step of the crop shows.
  const src = new Uint8Array([0, 255, 0, 255]);
  for (const [name, crop] of planeCrops) {
    const out = new Uint8Array(1), scratch = createCropScratch(1, 1);
    const got: number[] = [];
    for (let k = 0; k < 128; k++) {
      crop(src, 2, 2, { x: k / 128, y: 0, width: 1, height: 1 }, out, 1, 1, scratch);
      got.push(out[0]);
    }
    assert.deepEqual(got, got.map((_, k) => (255 * k + 64) >> 7), name);
    assert.ok(got.every((v, k) => k === 0 || v > got[k - 1]), `${name}: rises at every step`);
  }
});

Deno.test("cropResize() blends rows at the crop's fractional height", () => {
  // A 1x2 plane 0 over 255, output 1 px sampling y: 255·y, rounded to a level.
  const src = new Uint8Array([0, 255]);
  for (const [name, crop] of planeCrops) {
    const out = new Uint8Array(1), scratch = createCropScratch(1, 1);
    const at = (y: number) => {
      crop(src, 1, 2, { x: 0, y, width: 1, height: 1 }, out, 1, 1, scratch);
      return out[0];
    };
    // 127.5 → 128; 123.52 → 124; 1/4096 px short of the second row: 254.94 → 255.
    assert.deepEqual(
      [at(0), at(0.5), at(0.5 - 1 / 64), at(1 - 1 / 4096)],
      [0, 128, 124, 255],
      name,
    );
  }
});

Deno.test("wasm cropResize() gives the reference's bytes on every path: zoomed, 1080p at 720p, shrunk 4x, whole rows, narrow frames", () => {
  const wasm = createWasmKernels({ arenaBytes: 32 << 20 });
  let seed = 11;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  // [source w, h, output w, h, crop]: a 1.6x zoom at the right edge (16-byte windows
  // pulled left), 1080p-like at 720p (1.5x wider: 32-byte windows), 4x wider (lane by
  // lane), a 2x zoom on whole pixels (every other row on a source row: copied), a frame
  // narrower than a window, and a crop that ends a hair before the frame's edge.
  const cases: [
    number,
    number,
    number,
    number,
    { x: number; y: number; width: number; height: number },
  ][] = [
    [160, 90, 160, 90, { x: 60, y: 33.3, width: 100, height: 56.25 }],
    [192, 108, 128, 72, { x: 0, y: 0, width: 192, height: 108 }],
    [192, 108, 128, 72, { x: 3.7, y: 1.2, width: 180, height: 101.25 }],
    [200, 40, 50, 10, { x: 0, y: 0, width: 200, height: 40 }],
    [64, 36, 64, 36, { x: 16, y: 9, width: 32, height: 18 }],
    [5, 4, 11, 7, { x: 0.3, y: 0.2, width: 4.5, height: 3.6 }],
    [97, 61, 97, 61, { x: 0.004, y: 0.004, width: 96.995, height: 60.995 }],
  ];
  for (const [w, h, ow, oh, crop] of cases) {
    for (const channels of [1, 3, 4] as const) {
      wasm.reset();
      const where = `${channels} channels, ${w}x${h} → ${ow}x${oh} at ${JSON.stringify(crop)}`;
      const src = wasm.frame(w, h, channels === 1 ? 3 : channels);
      for (let i = 0; i < src.data.length; i++) src.data[i] = (random() * 256) | 0;
      if (channels === 1) {
        const plane = src.data.subarray(0, w * h);
        const expected = new Uint8Array(ow * oh), got = wasm.plane(ow * oh);
        cropResizePlane(plane, w, h, crop, expected, ow, oh, createCropScratch(ow, oh));
        wasm.cropResizePlane(plane, w, h, crop, got, ow, oh, createCropScratch(ow, oh));
        assert.deepEqual([...got], [...expected], where);
      } else {
        const expected = createFrame(ow, oh, channels), got = wasm.frame(ow, oh, channels);
        cropResize(src, crop, expected, createCropScratch(ow, oh));
        wasm.cropResize(src, crop, got, createCropScratch(ow, oh));
        assert.deepEqual([...got.data], [...expected.data], where);
      }
    }
  }
});

Deno.test("cropResize() of noise stays within 1.5 levels of the exact bilinear value", () => {
  const w = 40, h = 30, ow = 64, oh = 48;
  const src = new Uint8Array(w * h);
  let seed = 3;
  for (let i = 0; i < src.length; i++) src[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  const crop = { x: 3.141, y: 2.718, width: 25.3, height: 18.975 };
  for (const [name, resample] of planeCrops) {
    const out = new Uint8Array(ow * oh);
    resample(src, w, h, crop, out, ow, oh, createCropScratch(ow, oh));
    let worst = 0;
    for (let j = 0; j < oh; j++) {
      for (let i = 0; i < ow; i++) {
        const u = crop.x + (i + 0.5) * (crop.width / ow) - 0.5;
        const v = crop.y + (j + 0.5) * (crop.height / oh) - 0.5;
        const u0 = Math.floor(u), v0 = Math.floor(v), fu = u - u0, fv = v - v0;
        const at = (x: number, y: number) => src[y * w + x];
        const exact = (at(u0, v0) * (1 - fu) + at(u0 + 1, v0) * fu) * (1 - fv) +
          (at(u0, v0 + 1) * (1 - fu) + at(u0 + 1, v0 + 1) * fu) * fv;
        worst = Math.max(worst, Math.abs(out[j * ow + i] - exact));
      }
    }
    assert.ok(worst <= 1.5, `${name}: ${worst.toFixed(2)} levels off`);
    assert.ok(worst > 0.5, `${name}: ${worst.toFixed(2)}: rounds, so not exact`);
  }
});
