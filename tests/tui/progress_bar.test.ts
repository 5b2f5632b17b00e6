import assert from "node:assert/strict";
import { ProgressBar, type ProgressBarOptions } from "../../src/tui/progress_bar.ts";

const CLEAR = "\r\x1b[2K";
const FULL = "█";
const EMPTY = "░";

/** A bar drawing into an array of strings, with a clock the test sets. */
function fakeBar(options: Omit<ProgressBarOptions, "now">) {
  const chunks: string[] = [];
  let time = 0;
  const bar = new ProgressBar({ write: (text: string) => chunks.push(text) }, {
    ...options,
    now: () => time,
  });
  return {
    bar,
    chunks,
    at(ms: number) {
      time = ms;
    },
    /** Everything written since the last call. */
    take(): string {
      return chunks.splice(0).join("");
    },
  };
}

Deno.test("ProgressBar in a terminal redraws in place, throttled, with rate and ETA", async () => {
  const t = fakeBar({
    label: "Blurring",
    total: 40,
    unit: "images",
    isTerminal: true,
    color: false,
  });
  t.at(0);
  t.bar.update(0);
  // No time has passed, so no rate and no ETA; 80 columns leave room for the widest bar.
  assert.equal(t.take(), `${CLEAR}Blurring ${EMPTY.repeat(30)} 0/40 0% · 0:00 elapsed`);

  t.at(50);
  t.bar.update(1);
  assert.equal(t.take(), "", "within 100 ms of the last draw: no redraw");

  t.at(600);
  t.bar.update(2);
  // 2 images in 0.6 s = 3.33/s; 38 left → 11.4 s; the text is 48 characters, so the bar
  // gets 80 - 1 - "Blurring ".length - 48 - 1 = 21 cells, 2/40 of which is 1.05 → 1.
  assert.equal(
    t.take(),
    `${CLEAR}Blurring ${FULL}${EMPTY.repeat(20)} 2/40 5% · 3.3 images/s · 0:01 elapsed · ETA 0:11`,
  );

  t.at(700);
  t.bar.log("Skipping x.gif: it is a GIF image");
  // The message gets a line of its own and the bar comes back under it: 2/0.7 s = 2.86/s.
  assert.equal(
    t.take(),
    `${CLEAR}Skipping x.gif: it is a GIF image\n` +
      `${CLEAR}Blurring ${FULL}${
        EMPTY.repeat(20)
      } 2/40 5% · 2.9 images/s · 0:01 elapsed · ETA 0:13`,
  );

  t.at(20_000);
  t.bar.update(40);
  t.take();
  await t.bar.finish("Blurred 40 images into out/");
  assert.equal(t.take(), `${CLEAR}Blurred 40 images into out/\n`);
  t.bar.update(41);
  await t.bar.finish("again");
  assert.equal(t.take(), "", "finished: later calls write nothing");
});

Deno.test("ProgressBar's rate follows the last ~5 seconds, not the average since the start", () => {
  const t = fakeBar({ label: "Work", total: 100, isTerminal: true, color: false });
  // 2 items/s for 5 s, then 10 items/s for 5 s, one update every 0.5 s.
  let done = 0;
  for (let ms = 0; ms <= 10_000; ms += 500) {
    t.at(ms);
    if (ms > 0) done += ms <= 5000 ? 1 : 5;
    t.bar.update(done);
  }
  assert.equal(done, 60);
  const last = t.chunks.at(-1);
  // Window 5.5 s → 10 s: (60 - 15) / 4.5 s = 10.0/s (the overall average would be 6.0);
  // 40 left → 4 s. The text is 51 wide: 80 - 1 - "Work ".length - 51 - 1 = 22 cells of
  // bar, 60% of which is 13.2 → 13.
  assert.equal(
    last,
    `${CLEAR}Work ${FULL.repeat(13)}${
      EMPTY.repeat(9)
    } 60/100 60% · 10.0 items/s · 0:10 elapsed · ETA 0:04`,
  );
});

Deno.test("ProgressBar outside a terminal prints a plain line every 5 s and one at the end", async () => {
  const t = fakeBar({
    label: "Encoding clip.mp4",
    total: 10,
    unit: "frames",
    rateUnit: "fps",
  });
  for (let i = 1; i <= 10; i++) {
    t.at(i * 1000);
    t.bar.update(i);
  }
  await t.bar.finish();
  assert.deepEqual(t.chunks, [
    "Encoding clip.mp4: 5/10 (50%), 1.0 fps, 0:05 elapsed, ETA 0:05\n",
    "Encoding clip.mp4: 10/10 (100%), 1.0 fps, 0:10 elapsed, ETA 0:00\n",
    "Encoding clip.mp4: 10/10 (100%), 1.0 fps, 0:10 elapsed\n",
  ]);
});

Deno.test("ProgressBar outside a terminal stays silent for short work but still reports the end", async () => {
  const t = fakeBar({ label: "Blurring", total: 3, unit: "images" });
  t.at(400);
  t.bar.update(1);
  t.bar.log("Skipping b.gif: it is a GIF image");
  t.at(1500);
  t.bar.update(3);
  await t.bar.finish();
  assert.deepEqual(t.chunks, [
    "Skipping b.gif: it is a GIF image\n",
    "Blurring: 3/3 (100%), 2.0 images/s, 0:02 elapsed\n",
  ]);
});

Deno.test("ProgressBar without a total counts, with rate and elapsed time only", async () => {
  const t = fakeBar({
    label: "Recording",
    unit: "frames",
    rateUnit: "fps",
    isTerminal: true,
    color: false,
  });
  t.at(1000);
  t.bar.update(30);
  assert.equal(t.take(), `${CLEAR}Recording 30 frames · 30.0 fps · 0:01 elapsed`);
  t.at(3_725_000); // over an hour: h:mm:ss
  t.bar.update(111_750);
  assert.equal(t.take(), `${CLEAR}Recording 111750 frames · 30.0 fps · 1:02:05 elapsed`);
  await t.bar.finish();
  assert.equal(t.take(), `${CLEAR}Recording: 111750 frames, 30.0 fps, 1:02:05 elapsed\n`);
});

Deno.test("ProgressBar never draws wider than the terminal", () => {
  const t = fakeBar({
    label: "Blurring",
    total: 40,
    unit: "images",
    isTerminal: true,
    color: false,
    columns: 40,
  });
  t.at(600);
  t.bar.update(2);
  // No room for a bar; the text is cut to 39 columns so the line cannot wrap.
  assert.equal(t.take(), `${CLEAR}Blurring 2/40 5% · 3.3 images/s · 0:01 `);
});

Deno.test("ProgressBar colours the label and the bar when asked", () => {
  const t = fakeBar({ label: "Blurring", total: 4, isTerminal: true, color: true });
  t.at(1000);
  t.bar.update(2);
  // text "2/4 50% · 2.0 items/s · 0:01 elapsed · ETA 0:01" is 47 wide → bar 22, half full.
  assert.equal(
    t.take(),
    `${CLEAR}\x1b[1mBlurring\x1b[22m \x1b[32m${FULL.repeat(11)}\x1b[39m` +
      `\x1b[2m${EMPTY.repeat(11)}\x1b[22m 2/4 50% · 2.0 items/s · 0:01 elapsed · ETA 0:01`,
  );
});

Deno.test("ProgressBar writes UTF-8 bytes to a WritableStream and releases it when finished", async () => {
  const received: Uint8Array[] = [];
  const stream = new WritableStream<Uint8Array>({ write: (chunk) => void received.push(chunk) });
  let time = 0;
  const bar = new ProgressBar(stream, {
    label: "Blurring",
    total: 2,
    isTerminal: true,
    color: false,
    columns: 60,
    now: () => time,
  });
  bar.update(0);
  time = 2000;
  bar.update(2);
  await bar.finish("Done: 2 images");
  assert.equal(stream.locked, false);
  const bytes = new Uint8Array(received.reduce((n, c) => n + c.length, 0));
  received.reduce((at, c) => (bytes.set(c, at), at + c.length), 0);
  // First "0/2 0% · 0:00 elapsed" (21 wide) leaves 60 - 1 - 9 - 21 - 1 = 28 cells of bar;
  // then "2/2 100% · 1.0 items/s · 0:02 elapsed · ETA 0:00" (49 wide) leaves 0, too few
  // for a bar (< 10), so that line is label + text.
  const expected = `${CLEAR}Blurring ${EMPTY.repeat(28)} 0/2 0% · 0:00 elapsed` +
    `${CLEAR}Blurring 2/2 100% · 1.0 items/s · 0:02 elapsed · ETA 0:00` +
    `${CLEAR}Done: 2 images\n`;
  assert.deepEqual(bytes, new TextEncoder().encode(expected));
});

Deno.test("ProgressBar goes quiet instead of failing when its sink breaks", async () => {
  let calls = 0;
  const bar = new ProgressBar({
    write() {
      calls++;
      throw new Error("EPIPE");
    },
  }, { label: "x", total: 2, isTerminal: true, now: () => calls * 1000 });
  bar.update(1);
  bar.update(2);
  await bar.finish();
  assert.equal(calls, 1, "after the first failure nothing more is attempted");
});

Deno.test("ProgressBar honours NO_COLOR when left to choose colours", async () => {
  const script = `import { ProgressBar } from ${
    JSON.stringify(import.meta.resolve("../../src/tui/progress_bar.ts"))
  };
const out = [];
const bar = new ProgressBar({ write: (t) => out.push(t) }, { label: "L", total: 2, isTerminal: true, now: () => 0 });
bar.update(1);
console.log(JSON.stringify(out.join("")));`;
  const config = new URL("../../deno.json", import.meta.url).pathname;
  const run = async (noColor: string) => {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--quiet", "--config", config, script],
      env: { NO_COLOR: noColor, TERM: "xterm-256color" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    return JSON.parse(new TextDecoder().decode(stdout)) as string;
  };
  // "L" + 30-cell bar, half full; text "1/2 50% · 0:00 elapsed".
  const plain = `${CLEAR}L ${FULL.repeat(15)}${EMPTY.repeat(15)} 1/2 50% · 0:00 elapsed`;
  assert.equal(await run("1"), plain);
  // An empty NO_COLOR does not count (no-color.org), so colours come back.
  assert.equal(
    await run(""),
    `${CLEAR}\x1b[1mL\x1b[22m \x1b[32m${FULL.repeat(15)}\x1b[39m\x1b[2m${
      EMPTY.repeat(15)
    }\x1b[22m 1/2 50% · 0:00 elapsed`,
  );
});
