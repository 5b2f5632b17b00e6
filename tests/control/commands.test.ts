import assert from "node:assert/strict";
import { createEffectSettings } from "../../src/effects/effect.ts";
import {
  apply,
  CommandError,
  parseCommand,
  SETTINGS,
  settingsOf,
} from "../../src/control/commands.ts";
import {
  createLiveControls,
  DEFAULT_SMOOTHING,
  describeEffect,
  describeSettings,
  describeView,
  expireMessage,
  type LiveControls,
  MESSAGE_MS,
} from "../../src/control/live_state.ts";
import { KEY_BINDINGS, parseKeys } from "../../src/tui/keys.ts";
import { applyControls } from "../../src/pipeline/frame_settings.ts";
import type { FrameSettings } from "../../src/pipeline/engine.ts";

const start = (overrides: Partial<LiveControls> = {}) =>
  createLiveControls({ effect: "blur", effectSettings: createEffectSettings(), ...overrides });

/** Runs command lines one after another at time `now`. */
const press = (controls: LiveControls, lines: string[], now = 0) =>
  lines.reduce((c, line) => apply(c, parseCommand(line), now).controls, controls);
const run = (controls: LiveControls, line: string, now = 0) => press(controls, [line], now);

Deno.test("createLiveControls() starts in the effect view with everything else off", () => {
  assert.deepEqual(start(), {
    effect: "blur",
    view: "effect",
    maskOut: false,
    effectSettings: { color: [255, 255, 255], blur: 0.03, blurShape: "gaussian", saturation: 0 },
    smoothing: 0,
    lastSmoothing: DEFAULT_SMOOTHING,
    mirror: false,
    autoframe: false,
    backgroundIndex: 0,
    backgroundCount: 0,
    paused: false,
    preview: false,
    message: "",
    messageUntil: 0,
    quit: false,
  });
  assert.equal(start({ smoothing: 0.3 }).lastSmoothing, 0.3);
});

Deno.test("every key is a command line parseCommand() accepts", () => {
  for (const binding of KEY_BINDINGS) {
    assert.doesNotThrow(() => parseCommand(binding.command), binding.command);
  }
});

Deno.test("apply() returns a new object and never mutates its input", () => {
  const before = start({ backgroundCount: 2 });
  const snapshot = structuredClone(before);
  for (const { command } of KEY_BINDINGS) {
    const after = apply(before, parseCommand(command)).controls;
    assert.notEqual(after, before, command);
    assert.notEqual(after.effectSettings, before.effectSettings, command);
  }
  assert.deepEqual(before, snapshot);
});

Deno.test("parseCommand() takes text and JSON arrays alike, and the verbs are shorthands", () => {
  assert.deepEqual(parseCommand("set blur 0.05"), { verb: "set", name: "blur", value: 0.05 });
  assert.deepEqual(parseCommand(["set", "blur", 0.05]), parseCommand("set  blur   0.05 "));
  assert.deepEqual(parseCommand("set blur 5%"), { verb: "set", name: "blur", value: 0.05 });
  assert.deepEqual(parseCommand("blur"), { verb: "set", name: "effect", value: "blur" });
  assert.deepEqual(parseCommand("effect replace"), parseCommand(["set", "effect", "replace"]));
  assert.deepEqual(parseCommand("background next"), { verb: "add", name: "background", delta: 1 });
  assert.deepEqual(parseCommand("background 2"), { verb: "set", name: "background", value: 2 });
  assert.deepEqual(parseCommand("pause"), { verb: "set", name: "paused", value: true });
  assert.deepEqual(parseCommand(["set", "mirror", true]), parseCommand("set mirror yes"));
  assert.deepEqual(parseCommand("resume"), { verb: "set", name: "paused", value: false });
  assert.deepEqual(parseCommand("set threshold soft"), {
    verb: "set",
    name: "threshold",
    value: undefined,
  });
  assert.deepEqual(parseCommand("status"), { verb: "status" });
});

Deno.test("parseCommand() refuses what it cannot do, saying what it takes", () => {
  const refuses = (input: string | unknown[], message: RegExp) =>
    assert.throws(
      () => parseCommand(input),
      (e: Error) => e instanceof CommandError && message.test(e.message),
    );
  refuses("", /empty command/);
  refuses("frobnicate", /unknown command "frobnicate": try set NAME VALUE/);
  refuses("set colour red", /unknown setting "colour": one of effect, strength, blur/);
  refuses("set blur", /set takes a setting and a value/);
  refuses("set blur 5", /blur takes a number from 0 to 0.5 .*did you mean 5% \(0.05\)\?/);
  refuses("set blur lots", /blur takes a number/);
  refuses("add effect 1", /add does not work on effect/);
  refuses("cycle blur", /cycle does not work on blur/);
  refuses("effect sepia", /unknown effect "sepia": one of none, remove, replace/);
  refuses("set threshold 0.99", /threshold takes a number from 0.05 to 0.95/);
  refuses("set mirror maybe", /mirror takes yes or no/);
  refuses("background 0", /background takes a number from 1, next or prev/);
  refuses("pause now", /set takes a setting and a value/);
  refuses(["set", "blur", { x: 1 }], /command words are strings, numbers or booleans/);
  refuses("status please", /status takes nothing/);
});

Deno.test("effect commands choose the effect, and the header names it with its strength once", () => {
  const c = start({ effectSettings: createEffectSettings({ color: [0, 255, 0] }) });
  const names = ["blur", "desaturate", "transparent", "remove", "none"].map((effect) =>
    describeEffect(run(c, `effect ${effect}`))
  );
  assert.deepEqual(names, [
    "blur 3.0% of height",
    "desaturate, saturation 0%",
    "transparent",
    "remove, colour #00ff00",
    "none",
  ]);
  assert.equal(
    describeEffect(run(c, "transparent"), "key colour #00ff00"),
    "transparent as key colour #00ff00",
  );
});

Deno.test("the mask view goes to the preview (turned on), never the output unless mask-out", () => {
  const mask = run(start(), "cycle view");
  assert.equal(mask.view, "mask");
  assert.equal(mask.preview, true, "the mask is seen in the preview");
  assert.equal(
    describeView(mask),
    "blur 3.0% of height; mask view in the preview only (m leaves it)",
  );
  const settings = applyControls(mask, {
    alpha: false,
    keyColor: [0, 255, 0],
    feather: 0,
    invert: false,
  }, {} as FrameSettings);
  assert.equal(settings.showMask, false, "the output keeps the effect");
  assert.equal(settings.effect, "blur");
  const out = press(start(), ["set mask-out yes", "mask-view"]);
  assert.equal(
    applyControls(
      out,
      { alpha: false, keyColor: [0, 255, 0], feather: 0, invert: false },
      {} as FrameSettings,
    ).showMask,
    true,
  );
  assert.equal(
    describeView(out),
    "mask view, in the preview and the output (blur 3.0% of height hidden)",
  );
  assert.equal(run(mask, "cycle view").view, "effect");
  const desaturate = run(mask, "effect desaturate");
  assert.equal(desaturate.view, "effect");
  assert.equal(describeView(desaturate), "desaturate, saturation 0%");
});

Deno.test("replace with no background leaves the effect alone, is refused, and says how to add one", () => {
  const result = apply(start(), parseCommand("replace"), 1000);
  assert.equal(result.controls.effect, "blur");
  assert.equal(
    result.refused,
    "no background to replace with: start with --background FILE or FOLDER",
  );
  assert.equal(result.controls.message, result.refused);
  assert.equal(result.controls.messageUntil, 1000 + MESSAGE_MS);
  assert.equal(
    apply(start(), parseCommand("background next")).refused,
    "no background to show: start with --background FILE or FOLDER",
  );
  assert.ok(apply(start({ backgroundCount: 2 }), parseCommand("background 3")).refused);
});

Deno.test("replace with one background switches to it, and notes it when sent again", () => {
  const first = run(start({ backgroundCount: 1 }), "replace");
  assert.equal(describeEffect(first), "replace, background 1 of 1");
  assert.equal(first.message, "");
  const again = apply(first, parseCommand("replace"));
  assert.equal(again.controls.backgroundIndex, 0);
  assert.equal(again.note, "only one background: add more with --background");
  assert.equal(again.refused, undefined);
});

Deno.test("replace cycles 1 → 2 → 3 → 1 once on; background next/prev/N walk and switch to replace", () => {
  let c = start({ backgroundCount: 3 });
  const seen: string[] = [];
  for (let i = 0; i < 4; i++) {
    c = run(c, "replace");
    seen.push(describeEffect(c));
  }
  assert.deepEqual(seen, [
    "replace, background 1 of 3",
    "replace, background 2 of 3",
    "replace, background 3 of 3",
    "replace, background 1 of 3",
  ]);
  // From the mask view, r shows the current background before cycling.
  assert.equal(
    describeView(press(start({ backgroundCount: 3 }), ["replace", "mask-view", "replace"])),
    "replace, background 1 of 3",
  );
  assert.equal(
    describeEffect(run(start({ backgroundCount: 3 }), "background next")),
    "replace, background 2 of 3",
  );
  assert.equal(
    describeEffect(run(start({ backgroundCount: 3 }), "background prev")),
    "replace, background 3 of 3",
  );
  assert.equal(
    describeEffect(run(start({ backgroundCount: 3 }), "background 3")),
    "replace, background 3 of 3",
  );
});

Deno.test("add strength steps the blur by 1.25x and stops at 0.5% and 15% with a note", () => {
  assert.equal(describeEffect(run(start(), "add strength 1")), "blur 3.8% of height");
  assert.equal(describeEffect(run(start(), "add strength -1")), "blur 2.4% of height");
  assert.equal(describeEffect(run(start(), "add strength 2")), "blur 4.7% of height");
  const max = press(start(), Array(20).fill("stronger"));
  assert.equal(describeEffect(max), "blur 15.0% of height");
  assert.equal(max.message, "blur is already the strongest it goes");
  const min = press(start(), Array(20).fill("weaker"));
  assert.equal(describeEffect(min), "blur 0.5% of height");
  assert.equal(min.message, "blur is already the weakest it goes");
});

Deno.test("set and add name the same values as the flags: blur and saturation as fractions", () => {
  assert.equal(run(start(), "set blur 0.05").effectSettings.blur, 0.05);
  assert.equal(run(start(), "set blur 5%").effectSettings.blur, 0.05);
  assert.equal(run(start(), "set saturation 0.4").effectSettings.saturation, 0.4);
  assert.equal(run(start(), "add saturation 0.3").effectSettings.saturation, 0.3);
  assert.deepEqual(run(start(), "set color red").effectSettings.color, [255, 0, 0]);
  assert.equal(settingsOf(run(start(), "set color #00ff00")).color, "#00ff00");
});

Deno.test("strength moves desaturate in tenths between 0% and 100% saturation", () => {
  const d = run(start(), "desaturate");
  assert.equal(d.effectSettings.saturation, 0);
  assert.equal(run(d, "add strength 1").message, "desaturate is already the strongest it goes");
  assert.equal(
    describeEffect(press(d, ["weaker", "weaker", "weaker"])),
    "desaturate, saturation 30%",
  );
  assert.equal(press(d, Array(12).fill("weaker")).effectSettings.saturation, 1);
});

Deno.test("strength on an effect without one explains itself, and the message expires", () => {
  const c = press(start(), ["none", "add strength 1"], 500);
  assert.equal(
    c.message,
    "none has no strength to change; strength works with blur and desaturate",
  );
  assert.equal(expireMessage(c, 500 + MESSAGE_MS - 1), c);
  assert.equal(expireMessage(c, 500 + MESSAGE_MS).message, "");
  assert.equal(run(c, "cycle mirror", 600).message, "", "the next command clears it");
});

Deno.test("threshold: add starts at 0.50, steps land on hundredths, stops at 0.05 and 0.95; soft returns", () => {
  const edge = (c: LiveControls) => describeSettings(c)[0];
  assert.equal(edge(start()), "soft edge");
  assert.equal(edge(run(start(), "add threshold 0.05")), "threshold 0.55");
  assert.equal(edge(run(start(), "add threshold -0.05")), "threshold 0.45");
  const top = press(start(), Array(9).fill("add threshold 0.05"));
  assert.equal(top.threshold, 0.95);
  const above = run(top, "add threshold 0.05");
  assert.equal(above.threshold, 0.95);
  assert.equal(above.message, "threshold 0.95 is the highest it goes");
  const bottom = press(start(), Array(9).fill("add threshold -0.05"));
  assert.equal(bottom.threshold, 0.05);
  assert.equal(run(bottom, "add threshold -0.05").message, "threshold 0.05 is the lowest it goes");
  // A threshold given outside the steps' range (--threshold 0.99) only moves inwards.
  assert.equal(run(start({ threshold: 0.99 }), "add threshold 0.05").threshold, 0.99);
  assert.equal(run(start({ threshold: 0.99 }), "add threshold -0.05").threshold, 0.94);
  assert.equal(run(start(), "set threshold 0.7").threshold, 0.7);
  const soft = run(top, "soft-edge");
  assert.equal(soft.threshold, undefined);
  assert.equal(run(soft, "set threshold soft").message, "the edge is already soft");
});

Deno.test("cycle smoothing toggles between off and the last value on; set changes it", () => {
  const on = run(start(), "cycle smoothing");
  assert.equal(on.smoothing, DEFAULT_SMOOTHING);
  const configured = start({ smoothing: 0.3 });
  const off = run(configured, "cycle smoothing");
  assert.equal(describeSettings(off)[1], "smoothing off");
  assert.equal(run(off, "cycle smoothing").smoothing, 0.3);
  assert.equal(
    press(start(), ["set smoothing 0.7", "cycle smoothing", "cycle smoothing"]).smoothing,
    0.7,
  );
});

Deno.test("mirror, preview and paused cycle or are set; quit quits; pause shows in the header", () => {
  assert.deepEqual(describeSettings(run(start(), "cycle mirror")), [
    "soft edge",
    "smoothing off",
    "mirror on",
  ]);
  assert.equal(press(start(), ["cycle mirror", "cycle mirror"]).mirror, false);
  assert.equal(run(start(), "cycle preview").preview, true);
  const paused = run(start(), "pause");
  assert.equal(paused.paused, true);
  assert.equal(describeView(paused), "paused, blur 3.0% of height");
  assert.equal(run(paused, "resume").paused, false);
  assert.equal(run(start(), "cycle paused").paused, true);
  assert.equal(run(start(), "quit").quit, true);
});

Deno.test("settingsOf() reports every named setting, as get does", () => {
  const c = press(start({ backgroundCount: 2 }), ["background 2", "set threshold 0.6", "pause"]);
  assert.deepEqual(settingsOf(c), {
    effect: "replace",
    strength: undefined,
    blur: 0.03,
    saturation: 0,
    color: "#ffffff",
    threshold: 0.6,
    smoothing: 0,
    mirror: false,
    autoframe: false,
    background: 2,
    view: "effect",
    "mask-out": false,
    paused: true,
    preview: false,
    "blur-shape": "gaussian",
  });
  assert.deepEqual(Object.keys(settingsOf(c)), Object.keys(SETTINGS));
});

Deno.test("key k (cycle blur-shape) swaps the blur between gaussian and lens, and shows the blur", () => {
  const lens = run(start(), "cycle blur-shape");
  assert.equal(lens.effectSettings.blurShape, "lens");
  assert.equal(describeView(lens), "lens blur 3.0% of height");
  assert.equal(run(lens, "cycle blur-shape").effectSettings.blurShape, "gaussian");
  // From another effect, k first shows the blur in the shape it had.
  const fromNone = press(start(), ["none", "cycle blur-shape"]);
  assert.deepEqual([fromNone.effect, fromNone.effectSettings.blurShape], ["blur", "gaussian"]);
  const set = press(start(), ["none", "set blur-shape lens"]);
  assert.deepEqual([set.effect, set.effectSettings.blurShape], ["blur", "lens"]);
  assert.throws(() => parseCommand("set blur-shape disc"), /blur-shape takes gaussian or lens/);
  // + and - change the lens's radius as they change the blur's sigma.
  assert.ok(press(lens, ["stronger"]).effectSettings.blur > 0.03);
});

Deno.test("key a and `cycle autoframe` turn auto-framing on and off; set takes yes or no", () => {
  const on = press(start(), ["a"].flatMap((k) => parseKeys(new TextEncoder().encode(k))));
  assert.equal(on.autoframe, true);
  assert.equal(run(on, "cycle autoframe").autoframe, false);
  assert.equal(run(start(), "set autoframe yes").autoframe, true);
  assert.throws(() => parseCommand("set autoframe maybe"), /autoframe takes yes or no/);
  // The engine gets it with the zoom limit of --autoframe-zoom.
  const traits = {
    alpha: false,
    keyColor: [0, 255, 0] as [number, number, number],
    feather: 0,
    invert: false,
    autoframeZoom: 3,
  };
  assert.deepEqual(applyControls(on, traits, {} as FrameSettings).autoframe, { on: true, zoom: 3 });
});
