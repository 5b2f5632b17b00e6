import assert from "node:assert/strict";
import {
  createAutoframe,
  defaultAutoframeOptions,
  frameTarget,
} from "../../src/pipeline/autoframe.ts";

const W = 640, H = 360, FPS = 30;
const on = { on: true, zoom: 2 };

/** A mask with a person-like box from (x0, y0) to (x1, y1), cut by nothing else. */
function boxMask(x0: number, y0: number, x1: number, y1: number): Uint8Array {
  const mask = new Uint8Array(W * H);
  for (let y = y0; y < y1; y++) mask.fill(255, y * W + x0, y * W + x1);
  return mask;
}

/** Runs `frames` frames of `maskAt(i)` from frame `start`, returning the crop centres x. */
function run(
  stage: ReturnType<typeof createAutoframe>,
  start: number,
  frames: number,
  maskAt: (i: number) => Uint8Array,
  settings = on,
): { cx: number; x: number; width: number }[] {
  const out = [];
  for (let i = start; i < start + frames; i++) {
    const crop = stage.update(maskAt(i), W, H, (i * 1000) / FPS, settings);
    out.push({ cx: crop.x + crop.width / 2, x: crop.x, width: crop.width });
  }
  return out;
}

Deno.test("frameTarget() centres one person cut by the bottom, head room above, zoom at most 2x", () => {
  const target = frameTarget([100, 60, 220, 360], W, H, 2, defaultAutoframeOptions, {
    cx: 0,
    cy: 0,
    width: 0,
  });
  assert.equal(target.cx, 160);
  // Head and shoulders: 0.75 x 120 px = 90 px shown, over 1 - 0.08 of head room = 97.8 px;
  // at 16:9 that is 174 px wide, under the 2x limit of 320 px.
  assert.equal(target.width, 320);
  const height = 320 * H / W;
  // The top of the head sits 8 % of the crop's height below its top.
  assert.ok(Math.abs(target.cy - height / 2 - (60 - 0.08 * height)) < 1e-9);
});

Deno.test("frameTarget() frames two people together and never zooms past the frame", () => {
  const target = frameTarget([20, 100, 620, 360], W, H, 2, defaultAutoframeOptions, {
    cx: 0,
    cy: 0,
    width: 0,
  });
  assert.deepEqual(target, { cx: 320, cy: 180, width: 640 });
});

Deno.test("autoframe: a box that jumps is followed without overshoot and settles within 1.5 s", () => {
  const stage = createAutoframe();
  const left = boxMask(100, 60, 240, 360), right = boxMask(380, 60, 520, 360);
  // From the whole frame at rest onto the person on the left.
  const first = run(stage, 0, 90, () => left);
  const startGoal = first.at(-1)!.cx;
  assert.ok(Math.abs(startGoal - 170) < 2.5, `settled on the left person: ${startGoal}`);
  const jump = run(stage, 90, 90, () => right);
  const goal = jump.at(-1)!.cx;
  assert.ok(Math.abs(goal - 450) < 2.5, `settled on the right person: ${goal}`);
  // Monotonic towards the goal, never past it.
  for (let i = 1; i < jump.length; i++) {
    assert.ok(jump[i].cx >= jump[i - 1].cx, `frame ${i} moved back`);
    assert.ok(jump[i].cx <= goal + 1e-9, `frame ${i} overshot: ${jump[i].cx} > ${goal}`);
  }
  // Within 1 % of the output's width of the goal after 1.5 s (45 frames).
  const settled = jump.findIndex((c) => Math.abs(c.cx - goal) < 0.01 * W);
  assert.ok(settled >= 0 && settled <= 45, `settled after ${settled} frames`);
  // And no jump: no frame moves the crop by more than a tenth of the way.
  for (let i = 1; i < jump.length; i++) assert.ok(jump[i].cx - jump[i - 1].cx < 0.1 * 360);
});

Deno.test("autoframe: a person swaying inside the dead zone does not move the crop", () => {
  const stage = createAutoframe();
  run(stage, 0, 150, () => boxMask(250, 60, 390, 360));
  // ±8 px (the crop is 320 px wide: 2.5 %, inside the 5 % dead zone).
  const sway = run(stage, 60, 150, (i) => {
    const dx = Math.round(8 * Math.sin((2 * Math.PI * i) / 75));
    return boxMask(250 + dx, 60, 390 + dx, 360);
  });
  for (const c of sway) assert.deepEqual(c, sway[0]);
});

Deno.test("autoframe: nobody in the picture eases back to the whole frame, after a grace second", () => {
  const stage = createAutoframe();
  run(stage, 0, 150, () => boxMask(100, 60, 240, 360));
  assert.ok(stage.cropping);
  const empty = new Uint8Array(W * H);
  const back = run(stage, 150, 120, () => empty);
  // The first second holds the framing (the mask may have missed the person for a frame).
  assert.deepEqual(back[25], back[0]);
  // Then eases back (no jump) and ends on the whole frame exactly.
  for (let i = 1; i < back.length; i++) {
    assert.ok(back[i].width >= back[i - 1].width);
    assert.ok(back[i].width - back[i - 1].width < 0.1 * W);
  }
  assert.deepEqual(back.at(-1), { cx: 320, x: 0, width: 640 });
  assert.equal(stage.cropping, false);
});

Deno.test("autoframe: a speck of mask noise does not stretch the frame", () => {
  const stage = createAutoframe();
  const mask = boxMask(100, 60, 240, 360);
  mask[10 * W + 630] = 255; // one stray pixel in the top right corner
  const crops = run(stage, 0, 60, () => mask);
  assert.ok(Math.abs(crops.at(-1)!.cx - 170) < 2.5);
});

Deno.test("autoframe apply(): the frame itself while off, a zoomed crop of picture and mask while on", () => {
  const stage = createAutoframe();
  const frame = { data: new Uint8Array(W * H * 3), width: W, height: H, channels: 3 as const };
  // Left half red, right half blue.
  for (let i = 0; i < W * H; i++) frame.data[i * 3 + ((i % W) < W / 2 ? 0 : 2)] = 200;
  const mask = boxMask(100, 60, 240, 360);
  const off = stage.apply(frame, mask, 0, { on: false, zoom: 2 });
  assert.equal(off.frame, frame);
  assert.equal(off.alpha, mask);
  let framed = off;
  for (let i = 1; i <= 90; i++) framed = stage.apply(frame, mask, (i * 1000) / FPS, on);
  assert.notEqual(framed.frame, frame);
  assert.equal(framed.frame.width, W);
  assert.equal(framed.frame.height, H);
  // The crop (x 0..320) is all in the red half: red everywhere, no blue.
  const d = framed.frame.data;
  assert.equal(d[(180 * W + 600) * 3], 200);
  assert.equal(d[(180 * W + 600) * 3 + 2], 0);
  // The person's column (x 170 in the frame) is at the output's centre, in the mask too.
  assert.equal(framed.alpha[300 * W + 320], 255);
  assert.equal(framed.alpha[300 * W + 10], 0);
});

Deno.test("autoframe: zoom 1 never crops", () => {
  const stage = createAutoframe();
  const crops = run(stage, 0, 60, () => boxMask(100, 60, 240, 360), { on: true, zoom: 1 });
  assert.deepEqual(crops.at(-1), { cx: 320, x: 0, width: 640 });
});

Deno.test("autoframe apply() from a larger camera frame: the output's size, whole frame while off, zoom counted from it", () => {
  const stage = createAutoframe();
  // A 1280x720 camera frame for a 640x360 output: left half 40, right half 220.
  const big = {
    data: new Uint8Array(1280 * 720 * 3),
    width: 1280,
    height: 720,
    channels: 3 as const,
  };
  for (let i = 0; i < 1280 * 720; i++) big.data.fill(i % 1280 < 640 ? 40 : 220, i * 3, i * 3 + 3);
  const mask = new Uint8Array(1280 * 720);
  for (let y = 120; y < 720; y++) mask.fill(255, y * 1280 + 200, y * 1280 + 480);
  const off = stage.apply(big, mask, 0, { on: false, zoom: 2 }, 640, 360);
  assert.equal(off.frame.width, 640);
  assert.equal(off.frame.height, 360);
  assert.equal(off.alpha.length, 640 * 360);
  assert.equal(stage.zoom, 1);
  // The whole frame, halved: the left and right halves keep their values.
  assert.equal(off.frame.data[(180 * 640 + 100) * 3], 40);
  assert.equal(off.frame.data[(180 * 640 + 540) * 3], 220);
  let on = off;
  for (let i = 1; i <= 120; i++) {
    on = stage.apply(big, mask, (i * 1000) / FPS, { on: true, zoom: 2 }, 640, 360);
  }
  assert.equal(stage.zoom, 2);
  assert.equal(on.frame.width, 640);
  // The person (x 200..480 of 1280) is centred: the crop is x 20..660, so the output's
  // column 320 is the frame's 340, inside the person.
  assert.equal(on.alpha[300 * 640 + 320], 255);
  assert.equal(on.alpha[300 * 640 + 20], 0);
});

Deno.test("autoframe: a person walking at a steady 120 px/s is kept centred, not trailed by 2v/ω", () => {
  const stage = createAutoframe();
  run(stage, 0, 60, () => boxMask(150, 60, 290, 360));
  // Walks right for 2 s at 4 px a frame (120 px/s), from centre 220 to 460.
  const walk = run(stage, 60, 60, (i) => {
    const dx = 4 * (i - 59);
    return boxMask(150 + dx, 60, 290 + dx, 360);
  });
  // After a second of walking, the crop's centre is within 3 % of the crop's width of
  // the person's (a spring without the goal's speed would trail by 2·120/6 = 40 px, 12 %).
  for (let k = 30; k < walk.length; k++) {
    const person = 220 + 4 * (k + 1);
    const error = Math.abs(walk[k].cx - Math.min(person, 640 - walk[k].width / 2));
    assert.ok(error < 0.03 * walk[k].width, `frame ${k}: ${error.toFixed(1)} px behind`);
  }
});
