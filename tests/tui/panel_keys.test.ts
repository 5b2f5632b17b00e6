import assert from "node:assert/strict";
import { createEffectSettings } from "../../src/effects/effect.ts";
import { createFrame } from "../../src/frame.ts";
import { KEY_LEGEND, parseKeys } from "../../src/tui/keys.ts";
import { createLiveControls } from "../../src/control/live_state.ts";
import { apply, parseCommand } from "../../src/control/commands.ts";
import {
  fit,
  formatStatusLine,
  type PanelState,
  previewSize,
  renderPanel,
  renderThumbnail,
  wrapEntries,
} from "../../src/tui/panel.ts";
import { restoreOnCrash, Terminal } from "../../src/tui/terminal.ts";
import { catProcStats, CpuMeter, libcProcStats } from "../../src/tui/cpu_meter.ts";

const controls = createLiveControls({
  effect: "blur",
  effectSettings: createEffectSettings(),
  backgroundCount: 2,
});
const state: PanelState = {
  input: "camera /dev/video0",
  output: "/dev/video10 (yuyv422)",
  size: "1280x720@30",
  inference: "native (onnxruntime-node 1.30.0), model landscape 144x256",
  controls,
  fpsIn: 30,
  fpsOut: 29.5,
  stages: { wait: 20.1, segment: 3.2, effect: 7.5, write: 1.1 },
  latencyMs: 12.8,
  frames: 900,
  dropped: 3,
  cpuPercent: 85,
  cpuSelfPercent: 40,
  message: "",
};
// deno-lint-ignore no-control-regex -- ESC starts the colour codes we must not count
const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");
/** The panel as plain text, each run of preview cells shown as [N cells]. */
const plain = (s: PanelState, columns: number, rows: number) =>
  renderPanel(s, { columns, rows }, false).map((line) =>
    visible(line).replace(/▀+/, (cells) => `[${cells.length} cells]`)
  );
/** Asserts the panel fits: no line wider than the terminal, no more lines than its rows. */
const assertFits = (s: PanelState, columns: number, rows: number) => {
  const lines = renderPanel(s, { columns, rows }, true);
  assert.ok(lines.length <= rows, `${lines.length} lines fit ${rows} rows`);
  for (const line of lines) {
    assert.ok(visible(line).length <= columns, `"${visible(line)}" fits ${columns} columns`);
  }
};

Deno.test("parseKeys() maps every key to its command line, Ctrl-C and Ctrl-D too, and skips arrow-key escapes", () => {
  const bytes = new TextEncoder().encode("bdrtxnm+=-[]sofp qB");
  assert.deepEqual(parseKeys(bytes), [
    "effect blur",
    "effect desaturate",
    "replace",
    "effect transparent",
    "effect remove",
    "effect none",
    "cycle view",
    "add strength 1",
    "add strength 1",
    "add strength -1",
    "add threshold -0.05",
    "add threshold 0.05",
    "set threshold soft",
    "cycle smoothing",
    "cycle mirror",
    "cycle preview",
    "cycle paused",
    "quit",
    "effect blur",
  ]);
  // Ctrl-C leaves the way SIGINT does (exit 130); Ctrl-D is end of input: quit.
  assert.deepEqual(parseKeys(new Uint8Array([0x03, 0x04])), ["interrupt", "quit"]);
  assert.deepEqual(parseKeys(new Uint8Array([0x1b, 0x5b, 0x41, 0x64, 0x1b, 0x4f, 0x42])), [
    "effect desaturate",
  ]);
});

Deno.test("renderPanel() at 80x24 shows everything, with the whole key legend wrapped", () => {
  assert.deepEqual(plain(state, 80, 24), [
    "segcam live  blur 3.0% of height",
    "settings  soft edge  smoothing off  mirror off",
    "input     camera /dev/video0  1280x720@30",
    "output    /dev/video10 (yuyv422)",
    "model     native (onnxruntime-node 1.30.0), model landscape 144x256",
    "fps       29.5 out  30.0 in  900 frames  3 dropped",
    "ms        wait 20.1  segment 3.2  effect 7.5  write 1.1  latency 12.8",
    "cpu       40% segcam alone  85% with its ffmpeg",
    "keys      b blur  k lens  d desaturate  r replace  t transparent  x remove",
    "          n none  m mask view  +/- strength  [ ] threshold  s soft edge",
    "          o smoothing  f mirror  a autoframe  p preview  space pause  q quit",
  ]);
  const text = plain(state, 80, 24).join("\n");
  for (const entry of KEY_LEGEND) assert.ok(text.includes(entry), `"${entry}" is shown`);
  assertFits(state, 80, 24);
});

Deno.test("renderPanel() at 60x15 wraps long lines and still shows every key", () => {
  assert.deepEqual(plain(state, 60, 15), [
    "segcam live  blur 3.0% of height",
    "settings  soft edge  smoothing off  mirror off",
    "input     camera /dev/video0  1280x720@30",
    "output    /dev/video10 (yuyv422)",
    "model     native (onnxruntime-node 1.30.0), model landscape",
    "          144x256",
    "fps       29.5 out  30.0 in  900 frames  3 dropped",
    "ms        wait 20.1  segment 3.2  effect 7.5  write 1.1",
    "          latency 12.8",
    "cpu       40% segcam alone  85% with its ffmpeg",
    "keys      b blur  k lens  d desaturate  r replace",
    "          t transparent  x remove  n none  m mask view",
    "          +/- strength  [ ] threshold  s soft edge",
    "          o smoothing  f mirror  a autoframe  p preview",
    "          space pause  q quit",
  ]);
  assertFits(state, 60, 15);
});

Deno.test("renderPanel() drops the least important lines first: ms, model, cpu, output, input", () => {
  const message = applyKeyShim(applyKeyShim(controls, "effect none"), "add strength 1");
  assert.deepEqual(plain({ ...state, controls: message }, 60, 15), [
    "segcam live  none",
    "settings  soft edge  smoothing off  mirror off",
    "input     camera /dev/video0  1280x720@30",
    "output    /dev/video10 (yuyv422)",
    "model     native (onnxruntime-node 1.30.0), model landscape",
    "          144x256",
    "fps       29.5 out  30.0 in  900 frames  3 dropped",
    "cpu       40% segcam alone  85% with its ffmpeg",
    "keys      b blur  k lens  d desaturate  r replace",
    "          t transparent  x remove  n none  m mask view",
    "          +/- strength  [ ] threshold  s soft edge",
    "          o smoothing  f mirror  a autoframe  p preview",
    "          space pause  q quit",
    "none has no strength to change; strength works with blur and",
    "desaturate",
  ]);
  assert.deepEqual(plain(state, 60, 8), [
    "segcam live  blur 3.0% of height",
    "settings  soft edge  smoothing off  mirror off",
    "fps       29.5 out  30.0 in  900 frames  3 dropped",
    "keys      b blur  k lens  d desaturate  r replace",
    "          t transparent  x remove  n none  m mask view",
    "          +/- strength  [ ] threshold  s soft edge",
    "          o smoothing  f mirror  a autoframe  p preview",
    "          space pause  q quit",
  ]);
  for (const [columns, rows] of [[100, 30], [80, 24], [60, 15], [45, 10], [40, 8]]) {
    assertFits({ ...state, controls: message }, columns, rows);
  }
  assert.deepEqual(renderPanel(state, { columns: 20, rows: 5 }, false), ["segcam: terminal too"]);
});

Deno.test("renderPanel() names the mask view and what it hides, and every setting a key changes", () => {
  let c = controls;
  for (const line of ["cycle view", "add threshold 0.05", "cycle smoothing", "cycle mirror"]) {
    c = applyKeyShim(c, line);
  }
  assert.deepEqual(plain({ ...state, controls: c }, 80, 24).slice(0, 2), [
    "segcam live  blur 3.0% of height; mask view in the preview only (m leaves it)",
    "settings  threshold 0.55  smoothing 0.50  mirror on",
  ]);
  // The second look's state is a setting too, on the settings line (wrapped whole).
  assert.deepEqual(
    plain({ ...state, secondLook: "second look auto (crops on 12 of 300 frames)" }, 80, 24)
      .slice(1, 3),
    [
      "settings  soft edge  smoothing off  mirror off",
      "          second look auto (crops on 12 of 300 frames)",
    ],
  );
  const transparent = { ...state, controls: applyKeyShim(c, "effect transparent") };
  assert.equal(
    plain({ ...transparent, transparentAs: "key colour #00ff00" }, 80, 24)[0],
    "segcam live  transparent as key colour #00ff00",
  );
});

Deno.test("renderPanel() keeps the preview's 16:9 shape and fits it in the rows left", () => {
  const preview = { ...state, controls: applyKeyShim(controls, "cycle preview") };
  assert.deepEqual(plain(preview, 80, 24).slice(11), ["preview: waiting for the first frame"]);
  const lines = plain({ ...preview, preview: createFrame(1280, 720, 3) }, 80, 24);
  // 11 text lines, 13 rows of 46 cells: 46 x 26 pixels, 1.77 for 16:9 = 1.78.
  assert.deepEqual(lines.slice(11), Array(13).fill("[46 cells]"));
  assertFits({ ...preview, preview: createFrame(1280, 720, 3) }, 80, 24);
  // At 60x15 the preview takes up to half the rows from ms, model, cpu, output and input.
  assert.deepEqual(plain({ ...preview, preview: createFrame(1280, 720, 3) }, 60, 15), [
    "segcam live  blur 3.0% of height",
    "settings  soft edge  smoothing off  mirror off",
    "fps       29.5 out  30.0 in  900 frames  3 dropped",
    "keys      b blur  k lens  d desaturate  r replace",
    "          t transparent  x remove  n none  m mask view",
    "          +/- strength  [ ] threshold  s soft edge",
    "          o smoothing  f mirror  a autoframe  p preview",
    "          space pause  q quit",
    ...Array(7).fill("[25 cells]"),
  ]);
});

Deno.test("previewSize() keeps 16:9 and 4:3 pictures' shape within half a column", () => {
  const aspect = (s: { columns: number; rows: number }) => s.columns / (2 * s.rows);
  assert.deepEqual(previewSize(1280, 720, 80, 13), { columns: 46, rows: 13 });
  assert.deepEqual(previewSize(1280, 720, 40, 30), { columns: 39, rows: 11 });
  assert.deepEqual(previewSize(640, 480, 80, 13), { columns: 35, rows: 13 });
  assert.deepEqual(previewSize(640, 480, 40, 30), { columns: 40, rows: 15 });
  assert.deepEqual(previewSize(1920, 1080, 300, 100).columns, 100, "capped at 100 columns");
  for (const [w, h] of [[1280, 720], [640, 480]]) {
    for (const [columns, rows] of [[80, 13], [60, 7], [200, 50], [40, 30]]) {
      const size = previewSize(w, h, columns, rows);
      assert.ok(size.columns <= columns && size.rows <= rows);
      assert.ok(
        Math.abs(size.columns - 2 * size.rows * w / h) <= 0.5,
        `${w}x${h} in ${columns}x${rows}: ${size.columns}x${size.rows} (${aspect(size)})`,
      );
    }
  }
});

Deno.test("wrapEntries() packs entries, breaks long ones at spaces and cuts long words", () => {
  assert.deepEqual(wrapEntries(["ab", "cd", "ef"], 6), ["ab  cd", "ef"]);
  assert.deepEqual(wrapEntries(["one two three"], 8), ["one two", "three"]);
  assert.deepEqual(wrapEntries(["abcdefghij"], 5), ["abcd…"]);
});

Deno.test("fit() cuts by visible characters and keeps colour codes whole", () => {
  assert.equal(fit("\x1b[32mabcdef\x1b[39m", 3), "\x1b[32mabc\x1b[0m");
  assert.equal(fit("abc", 5), "abc");
});

Deno.test("formatStatusLine() is one plain line naming the effect once and every setting", () => {
  assert.equal(
    formatStatusLine(state),
    "segcam: blur 3.0% of height, soft edge, smoothing off, mirror off; 29.5 fps out, 30.0 in, 900 frames, 3 dropped, segment 3.2 ms, effect 7.5 ms, latency 12.8 ms, cpu 40% segcam alone, 85% with ffmpeg",
  );
  const mask = {
    ...state,
    controls: applyKeyShim(
      applyKeyShim(applyKeyShim(controls, "effect none"), "set mask-out yes"),
      "cycle view",
    ),
  };
  assert.equal(
    formatStatusLine({ ...mask, cpuPercent: undefined }).split(";")[0],
    "segcam: mask view, in the preview and the output (none hidden), soft edge, smoothing off, mirror off",
  );
});

Deno.test("renderThumbnail() draws two pixels per cell with truecolour half blocks", () => {
  // 1x2 RGB: red above blue → one ▀ with red foreground and blue background.
  const lines = renderThumbnail(new Uint8Array([255, 0, 0, 0, 0, 255]), 1, 2, 3, 1, 1);
  assert.deepEqual(lines, ["\x1b[38;2;255;0;0m\x1b[48;2;0;0;255m▀\x1b[0m"]);
});

Deno.test("Terminal enters raw mode and the alternate screen, and restores once", () => {
  const written: string[] = [];
  const raw: boolean[] = [];
  const terminal = new Terminal({
    stdin: { setRaw: (r) => raw.push(r), read: () => Promise.resolve(null) },
    write: (t) => written.push(t),
    size: () => ({ columns: 80, rows: 24 }),
  });
  terminal.start();
  terminal.draw(["a", "b"]);
  terminal.restore();
  terminal.restore();
  assert.deepEqual(raw, [true, false]);
  assert.deepEqual(written, [
    "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J",
    "\x1b[Ha\x1b[K\r\nb\x1b[K\x1b[J",
    "\x1b[0m\x1b[?25h\x1b[?1049l",
  ]);
});

Deno.test("CpuMeter turns /proc ticks into percent of one core", async () => {
  let ticks = 100;
  let now = 1000;
  const stats = (pids: number[]) =>
    Promise.resolve(
      pids.map((pid) => `${pid} (deno main) S 1 2 3 4 5 6 7 8 9 10 ${ticks} ${ticks / 2} 0 0`),
    );
  const meter = new CpuMeter(() => now, stats);
  assert.equal(await meter.sample([1]), undefined); // the first sample has no interval
  ticks = 150; // +50 utime, +25 stime = 75 ticks = 0.75 s of CPU
  now = 2000; // in 1 s
  assert.equal(await meter.sample([1]), 75);
  const failing = new CpuMeter(() => 0, () => Promise.reject(new Error("no /proc")));
  assert.equal(await failing.sample([1]), undefined);
});

Deno.test("CpuMeter reads this process's real /proc entry under the live command's permissions", async () => {
  const meter = new CpuMeter();
  await meter.sample([Deno.pid]);
  let x = 0;
  const until = performance.now() + 300;
  while (performance.now() < until) x += Math.sqrt(x + 1); // burn some CPU
  const percent = await meter.sample([Deno.pid]);
  assert.ok(percent !== undefined && percent > 10, `busy loop measured at ${percent}% (${x > 0})`);
});

Deno.test("libcProcStats reads /proc/<pid>/stat without a process, as cat does, and fails on a gone pid", async () => {
  const read = libcProcStats();
  assert.ok(read, "libc is loadable with --allow-ffi on Linux");
  const child = new Deno.Command("sleep", { args: ["5"] }).spawn();
  try {
    const pids = [Deno.pid, child.pid];
    const [viaLibc, viaCat] = [await read(pids), await catProcStats(pids)];
    assert.equal(viaLibc.length, 2);
    for (let i = 0; i < 2; i++) {
      // pid and command agree; state and tick counts may have moved between the reads.
      assert.deepEqual(viaLibc[i].split(" ").slice(0, 2), viaCat[i].split(" ").slice(0, 2));
      assert.equal(viaLibc[i].split(" ").length, viaCat[i].split(" ").length);
    }
    assert.match(viaLibc[1], new RegExp(`^${child.pid} \\(sleep\\) [RS] `));
  } finally {
    child.kill();
    await child.status;
  }
  await assert.rejects(read([2 ** 22 + 7]), /cannot read \/proc/);
});

Deno.test("restoreOnCrash() restores the terminal on an uncaught error and removes its listeners", () => {
  const events = new EventTarget();
  let restored = 0;
  const remove = restoreOnCrash({ restore: () => restored++ }, () => {}, events);
  events.dispatchEvent(new Event("error"));
  events.dispatchEvent(new Event("unhandledrejection"));
  assert.equal(restored, 2);
  remove();
  events.dispatchEvent(new Event("error"));
  assert.equal(restored, 2);
});

/** A key's command applied, as the live run does. */
function applyKeyShim(controls: ReturnType<typeof createLiveControls>, line: string, now = 0) {
  return apply(controls, parseCommand(line), now).controls;
}

Deno.test("renderPanel() shows auto-framing's zoom on the settings line while it is on, at 80x24 and 60x15", () => {
  const on = {
    ...state,
    controls: applyKeyShim(state.controls, "cycle autoframe"),
    secondLook: "second look auto (crops on 12 of 300 frames)",
    autoframe: "autoframe 1.6x (≤2x)",
  };
  assert.deepEqual(plain(on, 80, 24).slice(1, 3), [
    "settings  soft edge  smoothing off  mirror off",
    "          second look auto (crops on 12 of 300 frames)  autoframe 1.6x (≤2x)",
  ]);
  const small = plain(on, 60, 15);
  assert.ok(small.length <= 15);
  assert.ok(small.some((line) => line.includes("autoframe 1.6x (≤2x)")), small.join("\n"));
  assert.ok(small.some((line) => line.includes("a autoframe")), "the key in the legend");
  for (const line of small) assert.ok(line.length <= 60, line);
});
