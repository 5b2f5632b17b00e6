/**
 * LiveView without a terminal (--no-tui, the service's journal): a status line when
 * what the user set or was told changes, one a minute otherwise, none with -q. Driven
 * by tick() on a fake clock.
 */
import assert from "node:assert/strict";
import { apply, parseCommand } from "../../src/control/commands.ts";
import { createLiveControls, type LiveControls } from "../../src/control/live_state.ts";
import { createEffectSettings } from "../../src/effects/effect.ts";
import { StageTimings } from "../../src/pipeline/timings.ts";
import { LiveView } from "../../src/tui/live_view.ts";

function view(statusLines?: "on-change" | "none") {
  let now = 0;
  let controls: LiveControls = createLiveControls({
    effect: "blur",
    effectSettings: createEffectSettings(),
  });
  const lines: string[] = [];
  const counters = { received: 0, dropped: 0, written: 0 };
  const live = new LiveView({
    color: false,
    statusLines,
    printLine: (line) => lines.push(line),
    now: () => now,
    describe: { input: "demo", output: "o.mp4", size: "160x120@10", inference: "native" },
    counters,
    timings: new StageTimings(),
    controls: () => controls,
    onKey: () => {},
    lastFrame: () => undefined,
  });
  /** `seconds` of ticks every 100 ms, 10 frames a second. */
  const run = (seconds: number) => {
    for (let i = 0; i < seconds * 10; i++) {
      now += 100;
      counters.received++;
      counters.written++;
      live.tick();
    }
  };
  const send = (line: string) => controls = apply(controls, parseCommand(line), now).controls;
  return { lines, run, send, setMessage: (m: string) => live.message = m };
}

Deno.test("without a terminal, one status line once the figures are in, then only on change", () => {
  const v = view();
  v.run(0.5);
  assert.deepEqual(v.lines, [], "no line before the first second's figures");
  v.run(1);
  assert.equal(v.lines.length, 1);
  assert.match(v.lines[0], /^segcam: blur 3\.0% of height, soft edge, .* fps out/);
  v.run(30);
  assert.equal(v.lines.length, 1, "figures changing every second print nothing");
  v.send("effect desaturate");
  v.run(0.1);
  assert.equal(v.lines.length, 2);
  assert.match(v.lines[1], /^segcam: desaturate, saturation 0%/);
  v.setMessage("camera lost; reconnecting");
  v.run(0.1);
  assert.equal(v.lines.length, 3, "a message is a change");
});

Deno.test("without a terminal, a line a minute says it is alive when nothing changes", () => {
  const v = view("on-change");
  v.run(1);
  v.run(59);
  assert.equal(v.lines.length, 1);
  v.run(1.5);
  assert.equal(v.lines.length, 2);
  v.run(120);
  assert.equal(v.lines.length, 4);
});

Deno.test("-q (statusLines none) prints no status line at all", () => {
  const v = view("none");
  v.run(5);
  v.send("pause");
  v.run(70);
  assert.deepEqual(v.lines, []);
});
