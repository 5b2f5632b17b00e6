import assert from "node:assert/strict";
import { parseKeys } from "../../src/tui/keys.ts";
import {
  fit,
  formatStatusLine,
  type PanelState,
  renderPanel,
  renderThumbnail,
} from "../../src/tui/panel.ts";
import { restoreOnCrash, Terminal } from "../../src/tui/terminal.ts";
import { CpuMeter } from "../../src/tui/cpu_meter.ts";

const state: PanelState = {
  input: "camera /dev/video0",
  output: "/dev/video10 (yuyv422)",
  size: "1280x720@30",
  effect: "blur",
  detail: "blur 3.0% of height",
  inference: "native (onnxruntime-node 1.30.0), model landscape 256x144",
  fpsIn: 30,
  fpsOut: 29.5,
  stages: { wait: 20.1, segment: 3.2, effect: 7.5, write: 1.1 },
  latencyMs: 12.8,
  frames: 900,
  dropped: 3,
  cpuPercent: 85,
  message: "",
  thumbnail: [],
};
// deno-lint-ignore no-control-regex -- ESC starts the colour codes we must not count
const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");

Deno.test("parseKeys() maps every key, Ctrl-C and Ctrl-D, and skips arrow-key escapes", () => {
  const bytes = new TextEncoder().encode("bdrtnm+=-[]pqB");
  assert.deepEqual(parseKeys(bytes), [
    "blur",
    "desaturate",
    "replace",
    "transparent",
    "none",
    "mask",
    "stronger",
    "stronger",
    "weaker",
    "threshold-down",
    "threshold-up",
    "thumbnail",
    "quit",
    "blur",
  ]);
  assert.deepEqual(parseKeys(new Uint8Array([0x03, 0x04])), ["quit", "quit"]);
  assert.deepEqual(parseKeys(new Uint8Array([0x1b, 0x5b, 0x41, 0x64, 0x1b, 0x4f, 0x42])), [
    "desaturate",
  ]);
});

Deno.test("renderPanel() shows fps, stages, drops and keys within the terminal's width", () => {
  const lines = renderPanel(state, { columns: 100, rows: 30 }, false);
  const text = lines.join("\n");
  assert.match(text, /fps\s+29\.5 out {2}30\.0 in {2}900 frames {2}3 dropped/);
  assert.match(text, /segment 3\.2 {2}effect 7\.5 {2}write 1\.1 {2}latency 12\.8/);
  assert.match(text, /cpu\s+85%/);
  assert.match(text, /b blur/);
  for (const columns of [100, 45]) {
    for (const line of renderPanel(state, { columns, rows: 30 }, true)) {
      assert.ok(visible(line).length <= columns, `"${visible(line)}" fits ${columns}`);
    }
  }
  assert.deepEqual(renderPanel(state, { columns: 20, rows: 5 }, false), ["segcam: terminal too"]);
  assert.ok(renderPanel(state, { columns: 80, rows: 8 }, false).length <= 8);
});

Deno.test("fit() cuts by visible characters and keeps colour codes whole", () => {
  assert.equal(fit("\x1b[32mabcdef\x1b[39m", 3), "\x1b[32mabc\x1b[0m");
  assert.equal(fit("abc", 5), "abc");
});

Deno.test("formatStatusLine() is one plain line", () => {
  assert.equal(
    formatStatusLine(state),
    "segcam: blur 29.5 fps out, 30.0 in, 900 frames, 3 dropped, segment 3.2 ms, effect 7.5 ms, latency 12.8 ms",
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
