/**
 * The background blur on YUV planes: the wasm twin against the TypeScript reference on a
 * real frame of samples/talk.mp4 in both layouts and on odd sizes, person pixels and
 * samples kept exact, the background really blurred, argument errors, and the cross-check
 * against the RGB route (convert, blurBackground) it replaces.
 */
import assert from "node:assert/strict";
import { createFrame } from "../../src/frame.ts";
import { BlurScratch } from "../../src/kernels/blur.ts";
import { blurPlanesBackground } from "../../src/kernels/blur_planes.ts";
import { type Kernels, tsKernels } from "../../src/kernels/wasm/wasm_kernels.ts";
import { yuv420pToRgb, yuvj422pToRgb } from "../../src/kernels/yuv.ts";
import {
  chromaHeight,
  type ChromaLayout,
  chromaWidth,
  planesOf,
  type YuvPicture,
  yuvPictureBytes,
} from "../../src/kernels/yuv_picture.ts";
import { agree, planeIn, wasm } from "./_agree.ts";
import { blank, busy, ellipse, H, LAYOUTS, talkFrame, W } from "./_planes.ts";

const both: [string, Kernels][] = [["ts", tsKernels], ["wasm", wasm]];

/** Runs the kernel set `k` with its arguments copied into the arena when `arena` is given. */
function run(
  k: Kernels,
  src: YuvPicture,
  alpha: Uint8Array,
  sigma: number,
  arena?: typeof wasm,
): Uint8Array {
  const s = arena ? { ...src, data: planeIn(arena, src.data) } : src;
  const a = arena ? planeIn(arena, alpha) : alpha;
  const out = arena ? { ...src, data: arena.plane(src.data.length) } : blank(src);
  k.blurPlanesBackground(s, a, sigma, out, new BlurScratch());
  return out.data;
}

for (const [layout, pixFmt] of LAYOUTS) {
  // Measured: at most 1 level apart (a handful of bytes of the 1.4 M, where the wasm
  // sums columns in f32 before a cell's division), as blurBackground's twins.
  Deno.test(`the wasm blur on ${layout} planes agrees with the reference within one level on a real frame`, async () => {
    const src = await talkFrame(layout, pixFmt), alpha = ellipse(W, H);
    for (const sigma of [0.5, 4, 36, 150]) {
      agree(`${layout} sigma ${sigma}`, 1, (k, arena) => run(k, src, alpha, sigma, arena));
    }
  });

  Deno.test(`the wasm blur on ${layout} planes agrees with the reference on odd sizes`, () => {
    for (const [w, h] of [[37, 23], [1, 1], [17, 3], [2, 5], [51, 34]]) {
      const src = busy(w, h, layout, true), alpha = ellipse(w, h);
      for (let i = 0; i < alpha.length; i += 7) alpha[i] = 255; // scattered person pixels
      for (const sigma of [0, 3, 9, 40]) {
        agree(`${w}x${h} sigma ${sigma}`, 1, (k, arena) => run(k, src, alpha, sigma, arena));
      }
    }
  });

  for (const [name, k] of both) {
    Deno.test(`blurPlanesBackground (${name}, ${layout}) copies person pixels and fully covered chroma samples exactly`, async () => {
      const src = await talkFrame(layout, pixFmt), alpha = ellipse(W, H);
      const out = blank(src);
      k.blurPlanesBackground(src, alpha, 36, out, new BlurScratch());
      const s = planesOf(src), o = planesOf(out);
      let people = 0;
      for (let i = 0; i < W * H; i++) {
        if (alpha[i] !== 255) continue;
        people++;
        assert.equal(o.y[i], s.y[i], `Y at pixel ${i}`);
      }
      assert.ok(people > 100_000, `the mask holds ${people} person pixels`);
      const cw = chromaWidth(W), rows = layout === "420" ? 2 : 1;
      let samples = 0;
      for (let cy = 0; cy < chromaHeight(layout, H); cy++) {
        for (let cx = 0; cx < cw; cx++) {
          const i = cy * rows * W + 2 * cx, j = cy * cw + cx;
          const covered = [alpha[i], alpha[i + 1], alpha[i + (rows - 1) * W + 1]];
          if (covered.some((a) => a !== 255) || alpha[i + (rows - 1) * W] !== 255) continue;
          samples++;
          assert.equal(o.u[j], s.u[j], `U at sample ${cx},${cy}`);
          assert.equal(o.v[j], s.v[j], `V at sample ${cx},${cy}`);
        }
      }
      assert.ok(samples > 100_000 / (2 * rows), `${samples} fully covered samples`);
      assert.equal(out.fullRange, src.fullRange, "out.fullRange is copied from src");
    });

    Deno.test(`blurPlanesBackground (${name}, ${layout}) blurs the background: its detail drops by far`, async () => {
      const src = await talkFrame(layout, pixFmt), alpha = new Uint8Array(W * H);
      const out = blank(src);
      k.blurPlanesBackground(src, alpha, 0.05 * H, out, new BlurScratch());
      // Detail = mean squared difference of horizontally adjacent pixels (the blur keeps
      // the mean but removes the fine texture of the whole, all-background frame).
      const detail = (plane: Uint8Array, width: number, height: number) => {
        let sum = 0;
        for (let y = 0; y < height; y++) {
          for (let x = 1; x < width; x++) {
            const d = plane[y * width + x] - plane[y * width + x - 1];
            sum += d * d;
          }
        }
        return sum / (height * (width - 1));
      };
      const s = planesOf(src), o = planesOf(out), cw = chromaWidth(W), ch = chromaHeight(layout, H);
      const before = detail(s.y, W, H), after = detail(o.y, W, H);
      assert.ok(before > 5, `the frame has detail (${before})`);
      assert.ok(after < before / 20, `Y detail ${before.toFixed(2)} → ${after.toFixed(2)}`);
      assert.ok(detail(o.u, cw, ch) < detail(s.u, cw, ch) / 5, "U detail drops");
    });
  }

  // The RGB route it replaces: convert to RGB, blurBackground, and our output converted.
  // Measured on this frame and mask (sigma 36, the default --blur at 720p): 4:2:2 max 7,
  // mean 0.29; 4:2:0 max 10, mean 0.34 levels per RGB channel. The differences sit on the
  // mask's edge, where a chroma sample mixes by its pixels' mean alpha (RGB mixes each
  // pixel's own colour); in pure background they are rounding (max 3).
  Deno.test(`the blur on ${layout} planes matches the RGB route (convert, blurBackground) within 12 levels, mean under 0.5`, async () => {
    const src = await talkFrame(layout, pixFmt), alpha = ellipse(W, H), sigma = 0.05 * H;
    const toRgb = layout === "422" ? yuvj422pToRgb : yuv420pToRgb;
    const rgb = createFrame(W, H, 3),
      viaRgb = createFrame(W, H, 3),
      viaPlanes = createFrame(W, H, 3);
    toRgb(src.data, rgb);
    tsKernels.blurBackground(rgb, alpha, sigma, viaRgb, new BlurScratch());
    const out = blank(src);
    blurPlanesBackground(src, alpha, sigma, out, new BlurScratch());
    toRgb(out.data, viaPlanes);
    let max = 0, sum = 0, backgroundMax = 0;
    for (let i = 0; i < viaRgb.data.length; i++) {
      const d = Math.abs(viaRgb.data[i] - viaPlanes.data[i]);
      max = Math.max(max, d);
      sum += d;
      if (alpha[(i / 3) | 0] === 0) backgroundMax = Math.max(backgroundMax, d);
    }
    const mean = sum / viaRgb.data.length;
    assert.ok(max <= 12, `max difference ${max}`);
    assert.ok(mean < 0.5, `mean difference ${mean.toFixed(3)}`);
    assert.ok(backgroundMax <= 4, `max difference in pure background ${backgroundMax}`);
  });
}

Deno.test("blurPlanesBackground allocates nothing once its scratch is sized", () => {
  const src = busy(64, 48, "420", true), alpha = ellipse(64, 48), out = blank(src);
  const scratch = new BlurScratch();
  blurPlanesBackground(src, alpha, 8, out, scratch);
  const allocations = scratch.allocations;
  blurPlanesBackground(src, alpha, 8, out, scratch);
  blurPlanesBackground(src, alpha, 6, out, scratch);
  assert.equal(scratch.allocations, allocations);
});

Deno.test("blurPlanesBackground keeps a flat background its colour and the person exact, on a 4x2 4:2:0 picture", () => {
  // 4x2 4:2:0: one chroma row; pixels 0, 1 background (alpha 0), pixels 2, 3 (both rows)
  // person. Background Y 100, U 50, V 200; person Y 20, U 240, V 10 on sample 1.
  const data = new Uint8Array(yuvPictureBytes("420", 4, 2));
  data.set([100, 100, 20, 20, 100, 100, 20, 20, 50, 240, 200, 10]);
  const src: YuvPicture = { data, width: 4, height: 2, layout: "420", fullRange: false };
  const alpha = Uint8Array.from([0, 0, 255, 255, 0, 0, 255, 255]);
  for (const [name, k] of both) {
    const out = blank(src);
    k.blurPlanesBackground(src, alpha, 5, out, new BlurScratch());
    assert.deepEqual([...out.data], [100, 100, 20, 20, 100, 100, 20, 20, 50, 240, 200, 10], name);
  }
});

for (const [name, k] of both) {
  Deno.test(`blurPlanesBackground (${name}) rejects mismatched or aliased pictures, a short mask and a bad sigma`, () => {
    const src = busy(8, 6, "422", true), alpha = new Uint8Array(48), scratch = new BlurScratch();
    const call = (s: YuvPicture, a: Uint8Array, sigma: number, o: YuvPicture) => () =>
      k.blurPlanesBackground(s, a, sigma, o, scratch);
    assert.throws(
      call(src, alpha, 3, busy(8, 4, "422", true)),
      /out: expected a 8x6 422 picture like src, got 8x4 422/,
    );
    assert.throws(
      call(src, alpha, 3, busy(8, 6, "420", true)),
      /out: expected a 8x6 422 picture like src, got 8x6 420/,
    );
    assert.throws(call(src, alpha, 3, { ...src }), /out: shares memory with src/);
    assert.throws(call(src, alpha, 3, { ...src, data: src.data.subarray(0) }), /shares memory/);
    assert.throws(
      call(src, new Uint8Array(47), 3, blank(src)),
      /alpha: expected 48 bytes for 8x6, got 47/,
    );
    assert.throws(
      call(src, alpha, NaN, blank(src)),
      /sigma: expected a finite number >= 0, got NaN/,
    );
    assert.throws(call(src, alpha, -1, blank(src)), /got -1/);
    assert.throws(
      call({ ...src, data: src.data.subarray(1) }, alpha, 3, blank(src)),
      /src: expected 96 bytes/,
    );
    const bad = { ...src, layout: "444" as ChromaLayout };
    assert.throws(
      call(bad, alpha, 3, blank(src)),
      /src: expected layout "420" or "422", got 444/,
    );
  });
}

for (const [name, k] of both) {
  Deno.test(`blurPlanesBackground (${name}) mixes a half-covered chroma sample by its pixels' mean alpha`, () => {
    for (const layout of ["420", "422"] as ChromaLayout[]) {
      // 64x64, every sample U = V = 50 but sample (10, 10), 250: its pixels are half
      // person (alpha 255) and half background (0), so the mean alpha is 128 and the
      // sample lands half way between its own chroma and the background's (~50: the two
      // background pixels with 250 weigh ~0.1 % of the blur's reach).
      const w = 64, h = 64, src = busy(w, h, layout, true), alpha = new Uint8Array(w * h);
      const { u, v } = planesOf(src), cw = chromaWidth(w), j = 10 * cw + 10;
      u.fill(50);
      v.fill(50);
      u[j] = v[j] = 250;
      if (layout === "420") alpha.fill(255, 21 * w + 20, 21 * w + 22); // second row of the pair
      else alpha[10 * w + 21] = 255; // second pixel of the pair
      const out = blank(src);
      k.blurPlanesBackground(src, alpha, 20, out, new BlurScratch());
      const o = planesOf(out);
      for (const [plane, got] of [["U", o.u[j]], ["V", o.v[j]]] as const) {
        assert.ok(got >= 149 && got <= 152, `${layout} ${plane}: got ${got}, expected ~150`);
      }
      assert.ok(
        Math.abs(o.u[j + 1] - 50) <= 1,
        `${layout}: the next sample stays ~50, got ${o.u[j + 1]}`,
      );
    }
  });
}
