import assert from "node:assert/strict";
import { CfrPacer } from "../../src/pipeline/cfr_pacer.ts";

Deno.test("CfrPacer writes each frame once when frames come at the recording's rate", () => {
  const pacer = new CfrPacer(25);
  const times = [0, 40, 80, 121, 159, 200].map((t) => t + 5000);
  assert.deepEqual(times.map((t) => pacer.repeats(t)), [1, 1, 1, 1, 1, 1]);
  assert.equal(pacer.slots, 6);
});

Deno.test("CfrPacer repeats frames to fill slow stretches and skips frames that come too fast", () => {
  const pacer = new CfrPacer(10, 60); // 100 ms slots
  // 0 → slot 0; 300 → slot 3 (fills 1, 2, 3); 320 → slot 3 again: skipped; 400 → slot 4.
  assert.deepEqual([0, 300, 320, 400].map((t) => pacer.repeats(t)), [1, 3, 0, 1]);
  // 31 s of wall time at 10 fps is 311 slots however many frames were produced.
  assert.equal(pacer.repeats(31_000), 306);
  assert.equal(pacer.slots, 311);
});

Deno.test("CfrPacer fills at most maxGapSeconds after a stall, then goes on from there", () => {
  const pacer = new CfrPacer(10, 2);
  assert.equal(pacer.repeats(0), 1);
  assert.equal(pacer.repeats(60_000), 20, "a one-minute stall is not a minute of one frame");
  assert.equal(pacer.repeats(60_100), 1);
});

Deno.test("CfrPacer refuses a rate that is not positive", () => {
  assert.throws(() => new CfrPacer(0), /expected a frame rate > 0, got 0/);
});

Deno.test("CfrPacer never repeats a frame beyond the room left, so --frames N is N frames", () => {
  const pacer = new CfrPacer(10);
  assert.equal(pacer.repeats(0, 5), 1);
  assert.equal(pacer.repeats(900, 4), 4, "9 slots wanted, 4 left");
});

Deno.test("CfrPacer on a file's own timestamps: a dropped frame is covered, start-up pads nothing", () => {
  const pacer = new CfrPacer(25);
  // Frames 0, 1, 4, 5 of the file (2 and 3 dropped while the machine was busy), handed
  // over long after the file started: their timestamps, not their arrival, count.
  assert.deepEqual([0, 40, 160, 200].map((t) => pacer.repeats(t)), [1, 1, 3, 1]);
  assert.equal(pacer.slots, 6);
});
