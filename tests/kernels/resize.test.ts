import assert from "node:assert/strict";
import { bilinearTable, resizeMapToBytes, resizeToPlanar } from "../../src/kernels/resize.ts";

Deno.test("bilinearTable() samples pixel centres: 4 → 2 averages pairs, 2 → 4 interpolates", () => {
  const down = bilinearTable(4, 2); // centres at 0.5 and 2.5
  assert.deepEqual([...down.i0], [0, 2]);
  assert.deepEqual([...down.i1], [1, 3]);
  assert.deepEqual([...down.w1], [0.5, 0.5]);
  const up = bilinearTable(2, 4); // x = -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped 1)
  assert.deepEqual([...up.i0], [0, 0, 0, 1]);
  assert.deepEqual([...up.w1], [0, 0.25, 0.75, 0]);
});

Deno.test("resizeToPlanar() writes planar RGB in [0, 1] and ignores alpha", () => {
  // 2x1 RGBA: red and blue, alpha 0 (must not matter); resized to 1x1 → the average.
  const src = new Uint8Array([255, 0, 0, 0, 0, 0, 255, 0]);
  const out = new Float32Array(3);
  resizeToPlanar(src, 2, 1, 4, bilinearTable(2, 1), bilinearTable(1, 1), out);
  assert.deepEqual([...out], [0.5, 0, 0.5]);
  const same = new Float32Array(6);
  resizeToPlanar(src, 2, 1, 4, bilinearTable(2, 2), bilinearTable(1, 1), same);
  assert.deepEqual([...same], [1, 0, 0, 0, 0, 1]); // R plane, G plane, B plane
});

Deno.test("resizeMapToBytes() scales 0..1 to 0..255, rounding, and checks sizes", () => {
  const map = Float32Array.from([0, 1, 0.5, 0.2]); // 2x2
  const out = new Uint8Array(4);
  resizeMapToBytes(map, bilinearTable(2, 2), bilinearTable(2, 2), out);
  assert.deepEqual([...out], [0, 255, 128, 51]);
  const up = new Uint8Array(4 * 1);
  resizeMapToBytes(Float32Array.from([0, 1]), bilinearTable(2, 4), bilinearTable(1, 1), up);
  assert.deepEqual([...up], [0, 64, 191, 255]);
  assert.throws(
    () => resizeMapToBytes(map, bilinearTable(2, 2), bilinearTable(2, 2), new Uint8Array(3)),
    /expected 4 output bytes, got 3/,
  );
});
