import assert from "node:assert/strict";
import { createEffectSettings } from "../../src/effects/effect.ts";
import type { KeyAction } from "../../src/tui/keys.ts";
import {
  applyKey,
  createLiveControls,
  DEFAULT_SMOOTHING,
  describeEffect,
  describeSettings,
  describeView,
  expireMessage,
  type LiveControls,
  MESSAGE_MS,
} from "../../src/tui/live_controls.ts";

const start = (overrides: Partial<LiveControls> = {}) =>
  createLiveControls({ effect: "blur", effectSettings: createEffectSettings(), ...overrides });

/** Applies keys one after another at time `now`. */
const press = (controls: LiveControls, keys: KeyAction[], now = 0) =>
  keys.reduce((c, key) => applyKey(c, key, now), controls);

Deno.test("createLiveControls() starts in the effect view with everything else off", () => {
  assert.deepEqual(start(), {
    effect: "blur",
    view: "effect",
    effectSettings: { color: [255, 255, 255], blur: 0.03, saturation: 0 },
    smoothing: 0,
    lastSmoothing: DEFAULT_SMOOTHING,
    mirror: false,
    backgroundIndex: 0,
    backgroundCount: 0,
    preview: false,
    message: "",
    messageUntil: 0,
    quit: false,
  });
  assert.equal(start({ smoothing: 0.3 }).lastSmoothing, 0.3);
});

Deno.test("applyKey() returns a new object and never mutates its input", () => {
  const before = start({ backgroundCount: 2 });
  const snapshot = structuredClone(before);
  for (
    const key of [
      "blur",
      "desaturate",
      "replace",
      "transparent",
      "remove",
      "none",
      "mask",
      "stronger",
      "weaker",
      "threshold-down",
      "threshold-up",
      "soft-edge",
      "smoothing",
      "mirror",
      "preview",
      "quit",
    ] as const
  ) {
    const after = applyKey(before, key, 0);
    assert.notEqual(after, before, key);
    assert.notEqual(after.effectSettings, before.effectSettings, key);
  }
  assert.deepEqual(before, snapshot);
});

Deno.test("effect keys b d t x n choose the effect, and the header names it with its strength once", () => {
  const c = start({ effectSettings: createEffectSettings({ color: [0, 255, 0] }) });
  const names = (["blur", "desaturate", "transparent", "remove", "none"] as const).map((key) =>
    describeEffect(applyKey(c, key, 0))
  );
  assert.deepEqual(names, [
    "blur 3.0% of height",
    "desaturate, saturation 0%",
    "transparent",
    "remove, colour #00ff00",
    "none",
  ]);
  assert.equal(
    describeEffect(applyKey(c, "transparent", 0), "key colour #00ff00"),
    "transparent as key colour #00ff00",
  );
});

Deno.test("m toggles the mask view, which says what it hides; an effect key then shows that effect", () => {
  const mask = applyKey(start(), "mask", 0);
  assert.equal(mask.view, "mask");
  assert.equal(describeView(mask), "mask view, hiding blur 3.0% of height (m shows it)");
  assert.equal(applyKey(mask, "mask", 0).view, "effect");
  const desaturate = applyKey(mask, "desaturate", 0);
  assert.equal(desaturate.view, "effect");
  assert.equal(desaturate.effect, "desaturate");
  assert.equal(describeView(desaturate), "desaturate, saturation 0%");
  // m then b: back to the very effect the mask view hid.
  assert.equal(describeView(press(start(), ["mask", "blur"])), "blur 3.0% of height");
  // +/- in the mask view change the hidden effect, and the header shows the new value.
  assert.equal(
    describeView(press(start(), ["mask", "stronger"])),
    "mask view, hiding blur 3.8% of height (m shows it)",
  );
});

Deno.test("r with no background leaves the effect alone and says how to add one", () => {
  const c = applyKey(start(), "replace", 1000);
  assert.equal(c.effect, "blur");
  assert.equal(
    c.message,
    "no background to replace with: start with --background FILE (repeatable)",
  );
  assert.equal(c.messageUntil, 1000 + MESSAGE_MS);
});

Deno.test("r with one background switches to it, and says so when pressed again", () => {
  const first = applyKey(start({ backgroundCount: 1 }), "replace", 0);
  assert.equal(describeEffect(first), "replace, background 1 of 1");
  assert.equal(first.message, "");
  const again = applyKey(first, "replace", 0);
  assert.equal(again.backgroundIndex, 0);
  assert.equal(again.message, "only one background: add more with --background");
});

Deno.test("r with three backgrounds cycles 1 → 2 → 3 → 1 once replace is on", () => {
  let c = start({ backgroundCount: 3 });
  const seen: string[] = [];
  for (let i = 0; i < 4; i++) {
    c = applyKey(c, "replace", 0);
    seen.push(describeEffect(c));
  }
  assert.deepEqual(seen, [
    "replace, background 1 of 3",
    "replace, background 2 of 3",
    "replace, background 3 of 3",
    "replace, background 1 of 3",
  ]);
  // From the mask view, r shows the current background before cycling.
  const fromMask = press(start({ backgroundCount: 3 }), ["replace", "mask", "replace"]);
  assert.equal(describeView(fromMask), "replace, background 1 of 3");
});

Deno.test("+ and - step the blur by 1.25x and stop at 0.5% and 15% with a message", () => {
  const blurOf = (c: LiveControls) => describeEffect(c);
  assert.equal(blurOf(applyKey(start(), "stronger", 0)), "blur 3.8% of height");
  assert.equal(blurOf(applyKey(start(), "weaker", 0)), "blur 2.4% of height");
  const max = press(start(), Array(20).fill("stronger"));
  assert.equal(blurOf(max), "blur 15.0% of height");
  assert.equal(max.message, "blur 15.0% of height is the strongest it goes");
  const min = press(start(), Array(20).fill("weaker"));
  assert.equal(blurOf(min), "blur 0.5% of height");
  assert.equal(min.message, "blur 0.5% of height is the weakest it goes");
});

Deno.test("+ and - move desaturate in tenths between 0% and 100% saturation", () => {
  const d = applyKey(start(), "desaturate", 0);
  assert.equal(d.effectSettings.saturation, 0);
  assert.equal(applyKey(d, "stronger", 0).message, "saturation 0% is the strongest it goes");
  const weaker = press(d, ["weaker", "weaker", "weaker"]);
  assert.equal(describeEffect(weaker), "desaturate, saturation 30%");
  assert.equal(press(d, Array(12).fill("weaker")).effectSettings.saturation, 1);
});

Deno.test("+ on an effect without strength explains itself, and the message expires", () => {
  const c = press(start(), ["none", "stronger"], 500);
  assert.equal(c.message, "none has no strength to change; + and - work with blur and desaturate");
  assert.equal(expireMessage(c, 500 + MESSAGE_MS - 1), c);
  assert.equal(expireMessage(c, 500 + MESSAGE_MS).message, "");
  assert.equal(applyKey(c, "mirror", 600).message, "", "the next key clears it");
  assert.equal(
    applyKey(applyKey(start(), "transparent", 0), "weaker", 0).message,
    "transparent has no strength to change; + and - work with blur and desaturate",
  );
});

Deno.test("[ and ] start at 0.50, step by 0.05, stop at 0.05 and 0.95; s returns to the soft edge", () => {
  const settingsOf = (c: LiveControls) => describeSettings(c)[0];
  assert.equal(settingsOf(start()), "soft edge");
  assert.equal(settingsOf(applyKey(start(), "threshold-up", 0)), "threshold 0.55");
  assert.equal(settingsOf(applyKey(start(), "threshold-down", 0)), "threshold 0.45");
  const top = press(start(), Array(9).fill("threshold-up"));
  assert.equal(top.threshold, 0.95);
  assert.equal(top.message, "");
  const above = applyKey(top, "threshold-up", 0);
  assert.equal(above.threshold, 0.95);
  assert.equal(above.message, "threshold 0.95 is the highest it goes");
  const bottom = press(start(), Array(9).fill("threshold-down"));
  assert.equal(bottom.threshold, 0.05);
  assert.equal(
    applyKey(bottom, "threshold-down", 0).message,
    "threshold 0.05 is the lowest it goes",
  );
  // A threshold given outside the keys' range (--threshold 0.99) only moves inwards.
  assert.equal(applyKey(start({ threshold: 0.99 }), "threshold-up", 0).threshold, 0.99);
  assert.equal(applyKey(start({ threshold: 0.99 }), "threshold-down", 0).threshold, 0.94);
  const soft = applyKey(top, "soft-edge", 0);
  assert.equal(soft.threshold, undefined);
  assert.equal(settingsOf(soft), "soft edge");
  assert.equal(applyKey(soft, "soft-edge", 0).message, "the edge is already soft");
});

Deno.test("o toggles smoothing between off and the last value on", () => {
  const on = applyKey(start(), "smoothing", 0);
  assert.equal(on.smoothing, DEFAULT_SMOOTHING);
  assert.equal(describeSettings(on)[1], "smoothing 0.50");
  const configured = start({ smoothing: 0.3 });
  assert.equal(describeSettings(configured)[1], "smoothing 0.30");
  const off = applyKey(configured, "smoothing", 0);
  assert.equal(off.smoothing, 0);
  assert.equal(describeSettings(off)[1], "smoothing off");
  assert.equal(applyKey(off, "smoothing", 0).smoothing, 0.3);
});

Deno.test("f toggles the mirror, p the preview, and q quits", () => {
  assert.deepEqual(describeSettings(applyKey(start(), "mirror", 0)), [
    "soft edge",
    "smoothing off",
    "mirror on",
  ]);
  assert.equal(press(start(), ["mirror", "mirror"]).mirror, false);
  assert.equal(applyKey(start(), "preview", 0).preview, true);
  assert.equal(press(start(), ["preview", "preview"]).preview, false);
  assert.equal(applyKey(start(), "quit", 0).quit, true);
  assert.equal(start().quit, false);
});
