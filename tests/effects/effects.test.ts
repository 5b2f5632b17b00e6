import assert from "node:assert/strict";
import { createEffectSettings, type EffectSettings } from "../../src/effects/effect.ts";
import type { BlurEffect } from "../../src/effects/blur.ts";
import {
  adjustStrength,
  BLUR_RANGE,
  createEffect,
  describeStrength,
  EFFECT_NAMES,
} from "../../src/effects/registry.ts";
import { createFrame, type Frame } from "../../src/frame.ts";
import { defaultKernels, referenceKernels } from "../../src/kernels/kernel_set.ts";
import { countTypedArrayAllocations } from "./_allocations.ts";
import { astronaut, ellipseMask, halve, indicesWhere } from "./_scene.ts";

const photo = await astronaut();
const { width, height } = photo;
const mask = ellipseMask(width, height, 6);
/** A second picture for `replace`: a diagonal gradient. */
const backdrop = createFrame(width, height, 3);
for (let i = 0; i < width * height; i++) {
  backdrop.data.set([(i % width) >> 1, (i / width) >> 1, 90], i * 3);
}
const person = indicesWhere(mask.length, (i) => mask[i] === 255);
const background = indicesWhere(mask.length, (i) => mask[i] === 0);
const edge = indicesWhere(mask.length, (i) => mask[i] > 0 && mask[i] < 255);

function run(name: (typeof EFFECT_NAMES)[number], settings: Partial<EffectSettings> = {}, input = {
  frame: photo,
  alpha: mask,
  background: backdrop,
}): Frame {
  const effect = createEffect(name);
  const out = createFrame(input.frame.width, input.frame.height, effect.outputChannels);
  effect.apply(input, createEffectSettings(settings), out);
  return out;
}

const rgb = (frame: Frame, i: number) => {
  const o = i * frame.channels;
  return [frame.data[o], frame.data[o + 1], frame.data[o + 2]];
};

Deno.test("the scene has person, background and a soft edge", () => {
  assert.ok(person.length > 20000 && background.length > 100000 && edge.length > 1000);
});

Deno.test("every effect leaves person pixels (alpha 255) unchanged", () => {
  for (const name of EFFECT_NAMES) {
    const out = run(name);
    for (const i of person) assert.deepEqual(rgb(out, i), rgb(photo, i), `${name} at ${i}`);
  }
});

Deno.test("none copies the frame, mask or not", () => {
  assert.deepEqual(run("none").data, photo.data);
});

Deno.test("remove paints the background in the colour and blends the edge", () => {
  const color: [number, number, number] = [0, 128, 255];
  const out = run("remove", { color });
  for (const i of background) assert.deepEqual(rgb(out, i), color);
  for (const i of edge) {
    const a = mask[i] / 255;
    const expected = rgb(photo, i).map((v, k) => Math.round(a * v + (1 - a) * color[k]));
    assert.deepEqual(rgb(out, i), expected);
  }
  // The default is white.
  assert.deepEqual(rgb(run("remove"), background[0]), [255, 255, 255]);
});

Deno.test("replace shows the given background behind the person", () => {
  const out = run("replace");
  for (const i of background) assert.deepEqual(rgb(out, i), rgb(backdrop, i));
  for (const i of edge) {
    const a = mask[i] / 255;
    const bg = rgb(backdrop, i);
    assert.deepEqual(rgb(out, i), rgb(photo, i).map((v, k) => Math.round(a * v + (1 - a) * bg[k])));
  }
  assert.throws(
    () => run("replace", {}, { frame: photo, alpha: mask, background: undefined! }),
    /no background/,
  );
  assert.throws(
    () => run("replace", {}, { frame: photo, alpha: mask, background: createFrame(4, 4, 3) }),
    /background: expected 512x512 to match the source frame, got 4x4/,
  );
});

Deno.test("desaturate turns the background gray (Rec. 601 luma), partially with saturation", () => {
  const out = run("desaturate");
  for (const i of background) {
    const [r, g, b] = rgb(out, i);
    assert.ok(r === g && g === b, `gray at ${i}`);
    const [sr, sg, sb] = rgb(photo, i);
    assert.ok(Math.abs(r - (0.299 * sr + 0.587 * sg + 0.114 * sb)) <= 1);
  }
  assert.deepEqual(run("desaturate", { saturation: 1 }).data, photo.data);
  const half = run("desaturate", { saturation: 0.5 });
  for (const i of background.slice(0, 5000)) {
    const src = rgb(photo, i), y = 0.299 * src[0] + 0.587 * src[1] + 0.114 * src[2];
    const expected = src.map((v) => y + 0.5 * (v - y));
    rgb(half, i).forEach((v, k) => assert.ok(Math.abs(v - expected[k]) <= 1.5, `${i}`));
  }
});

Deno.test("transparent writes RGBA: the source colour with the mask as alpha", () => {
  const effect = createEffect("transparent");
  assert.equal(effect.outputChannels, 4);
  const out = run("transparent");
  for (let i = 0; i < mask.length; i++) {
    assert.equal(out.data[i * 4 + 3], mask[i]);
    assert.deepEqual(rgb(out, i), rgb(photo, i));
  }
});

/** Mean |4p - neighbours| over the given pixels, a measure of fine detail. */
function laplacian(frame: Frame, pixels: number[]): number {
  let sum = 0, n = 0;
  for (const i of pixels) {
    const x = i % frame.width, y = Math.floor(i / frame.width);
    if (x < 1 || y < 1 || x >= frame.width - 1 || y >= frame.height - 1) continue;
    for (let k = 0; k < 3; k++) {
      const at = (dx: number, dy: number) => frame.data[((y + dy) * frame.width + x + dx) * 3 + k];
      sum += Math.abs(4 * at(0, 0) - at(-1, 0) - at(1, 0) - at(0, -1) - at(0, 1));
      n++;
    }
  }
  return sum / n;
}

Deno.test("blur smooths the background: it differs from the source and has far less detail", () => {
  const out = run("blur");
  let diff = 0;
  for (const i of background) diff += Math.abs(out.data[i * 3] - photo.data[i * 3]);
  assert.ok(diff / background.length > 5, `mean change ${diff / background.length}`);
  const before = laplacian(photo, background), after = laplacian(out, background);
  assert.ok(after < before / 4, `laplacian ${before} -> ${after}`);
  // A stronger setting is smoother still.
  assert.ok(laplacian(run("blur", { blur: 0.08 }), background) < after);
});

Deno.test("blur of a uniform image stays uniform, person or not", () => {
  const frame = createFrame(97, 61, 3);
  for (let i = 0; i < 97 * 61; i++) frame.data.set([12, 200, 77], i * 3);
  const out = run("blur", {}, { frame, alpha: ellipseMask(97, 61, 4), background: backdrop });
  for (let i = 0; i < 97 * 61; i++) assert.deepEqual(rgb(out, i), [12, 200, 77]);
});

Deno.test("blur leaves no halo: a red person on blue keeps the blurred background blue", () => {
  const w = 160, h = 120;
  const alpha = ellipseMask(w, h);
  const frame = createFrame(w, h, 3);
  for (let i = 0; i < w * h; i++) {
    frame.data.set(alpha[i] === 255 ? [255, 0, 0] : [0, 0, 255], i * 3);
  }
  const out = run("blur", { blur: 0.1 }, { frame, alpha, background: backdrop });
  let checked = 0;
  for (let i = 0; i < w * h; i++) {
    if (alpha[i] !== 0) continue;
    const [r, g, b] = rgb(out, i);
    assert.ok(r <= 1 && g === 0 && b >= 254, `pixel ${i % w},${Math.floor(i / w)}: ${r},${g},${b}`);
    checked++;
  }
  assert.ok(checked > 10000);
  // Sanity of the test itself: the person is red right next to its edge.
  assert.ok(indicesWhere(w * h, (i) => alpha[i] === 255).every((i) => rgb(out, i)[0] === 255));
});

Deno.test("blur looks the same at two resolutions (strength is relative to the height)", () => {
  const small = halve(photo);
  const smallMask = ellipseMask(small.width, small.height);
  const bigMask = ellipseMask(width, height);
  const input = (frame: Frame, alpha: Uint8Array) => ({ frame, alpha, background: backdrop });
  const fromBig = halve(run("blur", {}, input(photo, bigMask)));
  const atSmall = run("blur", {}, input(small, smallMask));
  const stronger = run("blur", { blur: 0.045 }, input(small, smallMask));
  let same = 0, other = 0, n = 0;
  for (let i = 0; i < smallMask.length; i++) {
    if (smallMask[i] !== 0) continue;
    for (let k = 0; k < 3; k++) {
      same += Math.abs(fromBig.data[i * 3 + k] - atSmall.data[i * 3 + k]);
      other += Math.abs(stronger.data[i * 3 + k] - atSmall.data[i * 3 + k]);
      n++;
    }
  }
  assert.ok(same / n < 2, `mean difference across resolutions ${same / n}`);
  assert.ok(other / n > 3 * (same / n), `1.5x strength differs by ${other / n}`);
});

Deno.test("RGBA frames in or out give the same colours as RGB", () => {
  const toRgba = (frame: Frame) => {
    const out = createFrame(frame.width, frame.height, 4);
    for (let i = 0; i < frame.width * frame.height; i++) {
      out.data.set([...rgb(frame, i), 42], i * 4);
    }
    return out;
  };
  for (
    const [frame, alpha] of [[photo, mask], [
      halve(halve(halve(photo))),
      ellipseMask(64, 64, 3),
    ]] as const
  ) {
    for (const name of EFFECT_NAMES) {
      if (name === "transparent") continue;
      const bg = createFrame(frame.width, frame.height, 3);
      bg.data.set(backdrop.data.subarray(0, bg.data.length));
      const expected = run(name, { color: [1, 2, 3] }, { frame, alpha, background: bg });
      const effect = createEffect(name);
      const out = createFrame(frame.width, frame.height, 4);
      effect.apply(
        { frame: toRgba(frame), alpha, background: toRgba(bg) },
        createEffectSettings({ color: [1, 2, 3] }),
        out,
      );
      for (let i = 0; i < alpha.length; i++) {
        assert.deepEqual(rgb(out, i), rgb(expected, i), `${name} at ${i}`);
        assert.equal(out.data[i * 4 + 3], 255);
      }
    }
  }
});

Deno.test("odd frame sizes (not a multiple of 4 pixels) composite every pixel", () => {
  const w = 7, h = 5;
  const frame = createFrame(w, h, 3);
  frame.data.forEach((_, i) => (frame.data[i] = (i * 37) & 255));
  const alpha = Uint8Array.from(
    { length: w * h },
    (_, i) => [0, 255, 128, 0, 0, 255, 255, 255, 255][i % 9],
  );
  const out = run("remove", { color: [9, 9, 9] }, { frame, alpha, background: backdrop });
  for (let i = 0; i < w * h; i++) {
    const a = alpha[i] / 255;
    assert.deepEqual(rgb(out, i), rgb(frame, i).map((v) => Math.round(a * v + (1 - a) * 9)));
  }
  const blurred = run("blur", {}, { frame, alpha, background: backdrop });
  for (let i = 0; i < w * h; i++) {
    if (alpha[i] === 255) assert.deepEqual(rgb(blurred, i), rgb(frame, i));
  }
});

Deno.test("effects allocate nothing per frame once warmed up, on either kernel set", () => {
  for (const kernels of [referenceKernels(), defaultKernels()]) {
    // The frame loop's buffers live where the kernels work in place (wasm: its arena).
    const inArena = (frame: Frame) => {
      const copy = kernels.frame(frame.width, frame.height, frame.channels);
      copy.data.set(frame.data);
      return copy;
    };
    const alpha = kernels.plane(mask.length);
    alpha.set(mask);
    const input = { frame: inArena(photo), alpha, background: inArena(backdrop) };
    for (const name of EFFECT_NAMES) {
      const effect = createEffect(name, kernels);
      const out = kernels.frame(width, height, effect.outputChannels);
      const settings = createEffectSettings();
      effect.apply(input, settings, out);
      const first = out.data.slice();
      const count = countTypedArrayAllocations(() => effect.apply(input, settings, out));
      assert.equal(count, 0, `${name} (${kernels.name}) allocated ${count} typed arrays`);
      assert.deepEqual(out.data, first);
    }
  }
  // The live +/- keys change the blur: a stronger one uses a coarser grid that fits in
  // the buffers already there; a weaker one grows them once, then is free again.
  // (The TypeScript blur's scratch; the wasm twin keeps its own in the arena.)
  const blur = createEffect("blur", referenceKernels()) as BlurEffect;
  const out = createFrame(width, height, 3);
  const settings = createEffectSettings();
  const input = { frame: photo, alpha: mask };
  blur.apply(input, settings, out);
  const { allocations } = blur.scratch, low = blur.scratch.low;
  adjustStrength("blur", settings, 1);
  blur.apply(input, settings, out);
  assert.equal(blur.scratch.allocations, allocations);
  assert.equal(blur.scratch.low, low);
  settings.blur = 0.01;
  blur.apply(input, settings, out);
  const grown = blur.scratch.allocations;
  assert.ok(grown > allocations);
  assert.equal(countTypedArrayAllocations(() => blur.apply(input, settings, out)), 0);
  assert.equal(blur.scratch.allocations, grown);
});

Deno.test("effects reject a mask or output of the wrong size with both sizes", () => {
  const effect = createEffect("remove");
  const input = { frame: photo, alpha: new Uint8Array(10) };
  assert.throws(
    () => effect.apply(input, createEffectSettings(), createFrame(width, height, 3)),
    /mask: expected 262144 bytes for 512x512, got 10/,
  );
  assert.throws(
    () => effect.apply({ frame: photo, alpha: mask }, createEffectSettings(), createFrame(2, 2, 3)),
    /output: expected 512x512 to match the source frame, got 2x2/,
  );
  assert.throws(
    () =>
      createEffect("transparent").apply(
        { frame: photo, alpha: mask },
        createEffectSettings(),
        createFrame(width, height, 3),
      ),
    /expected 4 channels/,
  );
});

Deno.test("the registry knows the six effects by name", () => {
  assert.deepEqual([...EFFECT_NAMES].sort(), [
    "blur",
    "desaturate",
    "none",
    "remove",
    "replace",
    "transparent",
  ]);
  for (const name of EFFECT_NAMES) {
    const effect = createEffect(name);
    assert.equal(effect.name, name);
    assert.equal(effect.outputChannels, name === "transparent" ? 4 : 3);
  }
  assert.throws(() => createEffect("sepia" as never), /unknown effect "sepia"/);
});

Deno.test("adjustStrength(): +/- scale the blur and step the saturation, within limits", () => {
  const settings = createEffectSettings();
  assert.equal(adjustStrength("blur", settings, 1), true);
  assert.ok(Math.abs(settings.blur - 0.0375) < 1e-12);
  assert.equal(adjustStrength("blur", settings, -1), true);
  assert.ok(Math.abs(settings.blur - 0.03) < 1e-12);
  for (let i = 0; i < 50; i++) adjustStrength("blur", settings, 1);
  assert.equal(settings.blur, BLUR_RANGE[1]);
  assert.equal(adjustStrength("blur", settings, 1), false);
  for (let i = 0; i < 50; i++) adjustStrength("blur", settings, -1);
  assert.equal(settings.blur, BLUR_RANGE[0]);

  // Stronger desaturation = less colour; lands exactly on 0 and 1.
  assert.equal(settings.saturation, 0);
  assert.equal(adjustStrength("desaturate", settings, 1), false);
  for (let i = 0; i < 10; i++) adjustStrength("desaturate", settings, -1);
  assert.equal(settings.saturation, 1);
  adjustStrength("desaturate", settings, 1);
  assert.equal(settings.saturation, 0.9);
  assert.equal(describeStrength("desaturate", settings), "saturation 90%");

  for (const name of ["none", "remove", "replace", "transparent"] as const) {
    const before = JSON.stringify(settings);
    assert.equal(adjustStrength(name, settings, 1), false);
    assert.equal(JSON.stringify(settings), before);
  }
  assert.equal(
    describeStrength("remove", createEffectSettings({ color: [0, 255, 16] })),
    "colour #00ff10",
  );
});

Deno.test("lens blur changes the background, keeps the person, and leaves no halo", () => {
  const out = run("blur", { blurShape: "lens" });
  for (const i of person) assert.deepEqual(rgb(out, i), rgb(photo, i), `person pixel ${i}`);
  let diff = 0;
  for (const i of background) diff += Math.abs(out.data[i * 3] - photo.data[i * 3]);
  assert.ok(diff / background.length > 5, `mean change ${diff / background.length}`);
  assert.ok(laplacian(out, background) < laplacian(photo, background) / 4);
  // It is not the Gaussian: the same setting gives another picture.
  assert.notDeepEqual(out.data, run("blur").data);
  // A red person on blue: the blurred background stays blue next to the person.
  const w = 160, h = 120, alpha = ellipseMask(w, h);
  const frame = createFrame(w, h, 3);
  for (let i = 0; i < w * h; i++) {
    frame.data.set(alpha[i] === 255 ? [255, 0, 0] : [0, 0, 255], i * 3);
  }
  const lens = run("blur", { blur: 0.1, blurShape: "lens" }, {
    frame,
    alpha,
    background: backdrop,
  });
  for (let i = 0; i < w * h; i++) {
    if (alpha[i] === 0) assert.deepEqual(rgb(lens, i), [0, 0, 255], `pixel ${i}`);
  }
});

Deno.test("lens blur allocates nothing per frame once warmed up, on either kernel set", () => {
  for (const kernels of [referenceKernels(), defaultKernels()]) {
    const frame = kernels.frame(width, height, 3);
    frame.data.set(photo.data);
    const alpha = kernels.plane(mask.length);
    alpha.set(mask);
    const effect = createEffect("blur", kernels);
    const out = kernels.frame(width, height, 3);
    const settings = createEffectSettings({ blurShape: "lens" });
    effect.apply({ frame, alpha }, settings, out);
    const count = countTypedArrayAllocations(() => effect.apply({ frame, alpha }, settings, out));
    assert.equal(count, 0, `lens (${kernels.name}) allocated ${count} typed arrays`);
  }
  assert.equal(
    describeStrength("blur", createEffectSettings({ blurShape: "lens" })),
    "lens blur 3.0% of height",
  );
});
