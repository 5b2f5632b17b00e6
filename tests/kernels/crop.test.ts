import assert from "node:assert/strict";
import { createFrame } from "../../src/frame.ts";
import { createCropScratch, cropResize, cropResizePlane, maskBox } from "../../src/kernels/crop.ts";
import { createWasmKernels } from "../../src/kernels/wasm/wasm_kernels.ts";

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
