/**
 * The desaturate effect on YUV planes: the wasm twin against the TypeScript reference on a
 * real frame of samples/talk.mp4 in both layouts and on odd sizes, and the formula's
 * fixed points (person exact, background grey at saturation 0, unchanged at 1).
 */
import assert from "node:assert/strict";
import { type Kernels, tsKernels } from "../../src/kernels/wasm/wasm_kernels.ts";
import { chromaWidth, planesOf, type YuvPicture } from "../../src/kernels/yuv_picture.ts";
import { agree, planeIn, wasm } from "./_agree.ts";
import { blank, busy, ellipse, H, LAYOUTS, talkFrame, W } from "./_planes.ts";

const both: [string, Kernels][] = [["ts", tsKernels], ["wasm", wasm]];

function run(
  k: Kernels,
  src: YuvPicture,
  alpha: Uint8Array,
  saturation: number,
  arena?: typeof wasm,
): Uint8Array {
  const s = arena ? { ...src, data: planeIn(arena, src.data) } : src;
  const a = arena ? planeIn(arena, alpha) : alpha;
  const out = arena ? { ...src, data: arena.plane(src.data.length) } : blank(src);
  k.desaturatePlanes(s, a, saturation, out);
  return out.data;
}

for (const [layout, pixFmt] of LAYOUTS) {
  // The same integer steps in both: every byte agrees.
  Deno.test(`the wasm desaturate on ${layout} planes gives the reference's bytes on a real frame and odd sizes`, async () => {
    const src = await talkFrame(layout, pixFmt), alpha = ellipse(W, H);
    for (const s of [0, 0.3, 1]) {
      agree(`${layout} saturation ${s}`, 0, (k, arena) => run(k, src, alpha, s, arena));
    }
    for (const [w, h] of [[37, 23], [1, 1], [17, 3], [2, 5], [51, 34]]) {
      const pic = busy(w, h, layout, false), a = ellipse(w, h);
      for (let i = 0; i < a.length; i += 5) a[i] = 255;
      agree(`${w}x${h}`, 0, (k, arena) => run(k, pic, a, 0.25, arena));
    }
  });

  for (const [name, k] of both) {
    Deno.test(`desaturatePlanes (${name}, ${layout}) copies Y and the person, greys the background at 0 and keeps it at 1`, async () => {
      const src = await talkFrame(layout, pixFmt), alpha = ellipse(W, H);
      const grey = blank(src), kept = blank(src);
      k.desaturatePlanes(src, alpha, 0, grey);
      k.desaturatePlanes(src, alpha, 1, kept);
      assert.deepEqual(kept.data, src.data, "saturation 1 changes nothing");
      assert.equal(grey.fullRange, src.fullRange);
      const s = planesOf(src), g = planesOf(grey), cw = chromaWidth(W);
      assert.deepEqual(g.y, s.y, "Y is copied");
      const rows = layout === "420" ? 2 : 1;
      let person = 0, background = 0;
      for (let j = 0; j < g.u.length; j++) {
        const cx = j % cw, i = Math.floor(j / cw) * rows * W + 2 * cx;
        const covered = [
          alpha[i],
          alpha[i + 1],
          alpha[i + (rows - 1) * W],
          alpha[i + (rows - 1) * W + 1],
        ];
        if (covered.every((a) => a === 255)) {
          person++;
          assert.equal(g.u[j], s.u[j], `U of person sample ${j}`);
          assert.equal(g.v[j], s.v[j], `V of person sample ${j}`);
        } else if (covered.every((a) => a === 0)) {
          background++;
          assert.equal(g.u[j], 128, `U of background sample ${j}`);
          assert.equal(g.v[j], 128, `V of background sample ${j}`);
        }
      }
      assert.ok(person > 50_000 / rows && background > 100_000 / rows, `${person}, ${background}`);
    });
  }
}

for (const [name, k] of both) {
  Deno.test(`desaturatePlanes (${name}) scales chroma by s + (1 − s)·a/255 with a the covered mean`, () => {
    // 4x2 4:2:2, samples (0, y) and (1, y): U 228 (+100), V 28 (−100). Row 0: pixels 0, 1
    // alpha 0 and 255 (mean 128); pixels 2, 3 alpha 0. Row 1: all 255.
    const src = busy(4, 2, "422", false);
    const { u, v } = planesOf(src);
    u.fill(228);
    v.fill(28);
    const alpha = Uint8Array.from([0, 255, 0, 0, 255, 255, 255, 255]);
    const out = blank(src);
    k.desaturatePlanes(src, alpha, 0.5, out);
    const o = planesOf(out);
    // 128 ± 100·(0.5 + 0.5·128/255) = 128 ± 75.1; at a = 0: 128 ± 50.
    assert.deepEqual([...o.u], [203, 178, 228, 228]);
    assert.deepEqual([...o.v], [53, 78, 28, 28]);
  });

  Deno.test(`desaturatePlanes (${name}) rejects a saturation outside 0..1 and aliased pictures`, () => {
    const src = busy(8, 6, "420", false), alpha = new Uint8Array(48);
    assert.throws(
      () => k.desaturatePlanes(src, alpha, 1.5, blank(src)),
      /saturation: expected a number from 0 to 1, got 1.5/,
    );
    assert.throws(() => k.desaturatePlanes(src, alpha, NaN, blank(src)), /got NaN/);
    assert.throws(
      () => k.desaturatePlanes(src, alpha, 0.5, { ...src }),
      /desaturate on planes out: shares memory with src/,
    );
    assert.throws(
      () => k.desaturatePlanes(src, new Uint8Array(5), 0.5, blank(src)),
      /desaturate on planes alpha: expected 48 bytes/,
    );
  });
}
