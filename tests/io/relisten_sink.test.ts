import assert from "node:assert/strict";
import { createFrame } from "../../src/frame.ts";
import { type Listener, RelistenSink } from "../../src/io/relisten_sink.ts";

/**
 * A listener whose writes fail once `leave()` or `fail()` is called, with ffmpeg 5.1's
 * words for a receiver that went away or a listener that could not start.
 */
function fakeListener(id: number) {
  let gone = false;
  let words: string[] = [];
  const listener = {
    id,
    channels: 3 as const,
    frames: 0,
    aborted: false,
    finished: false,
    process: { stderrTail: () => Promise.resolve(words) },
    leave: () => {
      gone = true;
      words = [
        "av_interleaved_write_frame(): Input/output error",
        "Error writing trailer of srt://0.0.0.0:9000?mode=listener: Input/output error",
        "Error closing file srt://0.0.0.0:9000?mode=listener: Input/output error",
      ];
    },
    fail: () => {
      gone = true;
      words = [
        "[srt @ 0x55a31be08ac0] Connection setup failure: unable to create/configure SRT socket",
        "srt://0.0.0.0:9000?mode=listener: Address already in use",
      ];
    },
    write: () => {
      if (gone) return Promise.reject(new Error(`listener ${id}: Input/output error`));
      listener.frames++;
      return Promise.resolve(1);
    },
    finish: () => {
      listener.finished = true;
      return gone ? Promise.reject(new Error(`listener ${id}: finish failed`)) : Promise.resolve();
    },
    abort: () => {
      listener.aborted = true;
      return Promise.resolve();
    },
  };
  return listener satisfies Listener;
}

function setup() {
  const opened: ReturnType<typeof fakeListener>[] = [];
  const lines: string[] = [];
  const sink = new RelistenSink(() => {
    opened.push(fakeListener(opened.length + 1));
    return opened.at(-1)!;
  }, { label: "srt://0.0.0.0:9000", say: (line) => lines.push(line) });
  return { sink, opened, lines };
}

const frame = createFrame(4, 2, 3);

Deno.test("RelistenSink: a receiver that leaves starts a new listener, says so once, and the run goes on", async () => {
  const { sink, opened, lines } = setup();
  for (let i = 0; i < 5; i++) assert.equal(await sink.write(frame, i * 33), 1);
  opened[0].leave();
  assert.equal(await sink.write(frame, 200), 0, "the frame had nowhere to go");
  assert.equal(opened.length, 2);
  assert.ok(opened[0].aborted, "the old listener's ffmpeg is ended");
  assert.deepEqual(lines, [
    "the receiver of srt://0.0.0.0:9000 went away; waiting for the next one (segcam keeps running)",
  ]);
  for (let i = 0; i < 3; i++) assert.equal(await sink.write(frame, 300 + i * 33), 1);
  assert.equal(opened[1].frames, 3, "later frames go to the new listener");
  assert.equal(sink.frames, 8, "frames count over both listeners");
  // The next receiver leaves at once, as a quick look in ffplay does: still no failure.
  opened[1].leave();
  assert.equal(await sink.write(frame, 400), 0);
  assert.equal(opened.length, 3);
  assert.equal(sink.relistens, 2);
  assert.equal(lines.length, 2);
  await sink.finish();
  assert.ok(opened[2].finished);
});

Deno.test("RelistenSink: a receiver leaving as the run ends is no failure; a listener that could not start is", async () => {
  const left = setup();
  left.opened[0].leave();
  await left.sink.finish(); // Ctrl-C just as OBS closed: the run ends with the signal's code
  const broken = setup();
  broken.opened[0].fail();
  await assert.rejects(broken.sink.finish(), /listener 1: finish failed/);
});

Deno.test("RelistenSink: a listener that could not start is a failure, not a receiver leaving", async () => {
  const { sink, opened, lines } = setup();
  // A port in use: it would fail again, so its error ends the run.
  opened[0].fail();
  await assert.rejects(sink.write(frame, 0), /listener 1: Input\/output error/);
  assert.equal(opened.length, 1, "no new listener");
  assert.deepEqual(lines, []);
  // Likewise after a receiver came and went, when the new listener cannot start.
  const again = setup();
  again.opened[0].leave();
  assert.equal(await again.sink.write(frame, 0), 0);
  again.opened[1].fail();
  await assert.rejects(again.sink.write(frame, 33), /listener 2/);
  assert.equal(again.opened.length, 2);
});

Deno.test("RelistenSink: the write left behind by finish() failing is not taken for a receiver leaving", async () => {
  const { sink, opened, lines } = setup();
  assert.equal(await sink.write(frame, 0), 1);
  await sink.finish();
  opened[0].leave(); // finish() ended the process; the stuck write fails because of it
  await assert.rejects(sink.write(frame, 33), /Input\/output error/);
  assert.equal(opened.length, 1, "nothing listens after the run ended");
  assert.deepEqual(lines, []);
});
