import assert from "node:assert/strict";
import {
  BOTTOM,
  boxAbove,
  LEFT,
  pasteRegion,
  RIGHT,
  TOP,
  touchesSides,
} from "../../src/kernels/region.ts";

Deno.test("pasteRegion() writes a crop's map at the crop's place and nowhere else", () => {
  // Frame 8x4, map of the frame at the same size; the crop is the 4x2 block at (4, 2).
  const dst = new Float32Array(32);
  pasteRegion(
    new Float32Array(4).fill(1),
    2,
    2,
    { x: 4, y: 2, width: 4, height: 2 },
    8,
    4,
    dst,
    8,
    4,
  );
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 8; x++) {
      assert.equal(dst[y * 8 + x], x >= 4 && y >= 2 ? 1 : 0, `${x},${y}`);
    }
  }
  // The same crop into a half-size map of the frame: cells (2..3, 1).
  const half = new Float32Array(8);
  pasteRegion(
    new Float32Array(4).fill(1),
    2,
    2,
    { x: 4, y: 2, width: 4, height: 2 },
    8,
    4,
    half,
    4,
    2,
  );
  assert.deepEqual([...half], [0, 0, 0, 0, 0, 0, 1, 1]);
});

Deno.test("pasteRegion() over the whole frame is the bilinear resize with centres at +0.5", () => {
  const dst = new Float32Array(4);
  pasteRegion(Float32Array.of(0, 1), 2, 1, { x: 0, y: 0, width: 4, height: 1 }, 4, 1, dst, 4, 1);
  assert.deepEqual([...dst], [0, 0.25, 0.75, 1]);
});

Deno.test("pasteRegion() with average takes the mean of what was there and the crop's value", () => {
  const dst = new Float32Array(4).fill(0.5);
  pasteRegion(
    new Float32Array(1).fill(1),
    1,
    1,
    { x: 2, y: 0, width: 2, height: 1 },
    4,
    1,
    dst,
    4,
    1,
    true,
  );
  assert.deepEqual([...dst], [0.5, 0.5, 0.75, 0.75]);
});

Deno.test("pasteRegion() refuses a region outside the frame", () => {
  assert.throws(
    () =>
      pasteRegion(
        new Float32Array(1),
        1,
        1,
        { x: 3, y: 0, width: 2, height: 1 },
        4,
        1,
        new Float32Array(4),
        4,
        1,
      ),
    /expected inside 4x1, got 2x1 at 3,0/,
  );
});

Deno.test("boxAbove() finds the box of the cells above the cut, and 0 for an empty map", () => {
  const map = new Float32Array(5 * 4);
  map[1 * 5 + 1] = 0.9;
  map[1 * 5 + 2] = 0.7;
  map[2 * 5 + 3] = 0.6;
  map[3 * 5 + 4] = 0.5; // not above the cut
  const box = new Int32Array(4);
  assert.equal(boxAbove(map, 5, 4, 0.5, box), 2, "two rows hold the person");
  assert.deepEqual([...box], [1, 1, 4, 3]);
  assert.equal(boxAbove(new Float32Array(20), 5, 4, 0.5, box), 0);
  assert.deepEqual([...box], [1, 1, 4, 3], "an empty map leaves the box as it was");
});

Deno.test("boxAbove() agrees with a full pass over every cell on random blobs", () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let trial = 0; trial < 200; trial++) {
    const width = 1 + Math.floor(random() * 40), height = 1 + Math.floor(random() * 30);
    const map = new Float32Array(width * height);
    const density = random() * 0.2;
    for (let i = 0; i < map.length; i++) {
      map[i] = random() < density ? 0.5 + random() : random() * 0.5;
    }
    if (trial % 10 === 0) map[Math.floor(random() * map.length)] = NaN; // never above
    let x0 = width, y0 = height, x1 = -1, y1 = -1, rows = 0;
    for (let y = 0; y < height; y++) {
      let hit = false;
      for (let x = 0; x < width; x++) {
        if (!(map[y * width + x] > 0.5)) continue;
        hit = true;
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = y;
      }
      if (hit) rows++;
    }
    const box = new Int32Array([-9, -9, -9, -9]);
    assert.equal(boxAbove(map, width, height, 0.5, box), rows, `trial ${trial}`);
    const expected = rows > 0 ? [x0, y0, x1 + 1, y1 + 1] : [-9, -9, -9, -9];
    assert.deepEqual([...box], expected, `trial ${trial}: ${width}x${height}`);
  }
});

Deno.test("touchesSides() reports only the asked sides that have the person on them", () => {
  const map = new Float32Array(4 * 3);
  map[0 * 4 + 1] = 1; // top row
  map[1 * 4 + 3] = 1; // right column
  assert.equal(touchesSides(map, 4, 3, 0.5, LEFT | TOP | RIGHT | BOTTOM), TOP | RIGHT);
  assert.equal(touchesSides(map, 4, 3, 0.5, LEFT | BOTTOM), 0);
});
