import assert from "node:assert/strict";
import { createEffectSettings } from "../../src/effects/effect.ts";
import { type FrameSettings, runEngine } from "../../src/pipeline/engine.ts";
import { FrameProcessor } from "../../src/pipeline/frame_processor.ts";
import { StageTimings } from "../../src/pipeline/timings.ts";
import { defaultKernels } from "../../src/kernels/kernel_set.ts";
import { countTypedArrayAllocationsAsync } from "../effects/_allocations.ts";
import { fakeClock, leftHalfSegmenter, listSource, memorySink } from "./_fakes.ts";

const W = 8, H = 4;

function removeSettings(color: [number, number, number]): FrameSettings {
  return {
    effect: "remove",
    effectSettings: createEffectSettings({ color }),
    mask: { threshold: 0.5, invert: false },
  };
}

/** [r, g, b] of pixel (x, y) of an RGB frame. */
const pixel = (
  data: Uint8Array,
  x: number,
  y: number,
) => [...data.subarray((y * W + x) * 3, (y * W + x) * 3 + 3)];

Deno.test("runEngine() processes every frame in order: the person is kept, the background removed", async () => {
  const clock = fakeClock();
  const source = listSource(W, H, [10, 20, 30], clock);
  const sink = memorySink();
  const result = await runEngine({
    source,
    sink,
    processor: new FrameProcessor(leftHalfSegmenter()),
    settings: removeSettings([0, 255, 0]),
    timings: new StageTimings(),
    now: clock.now,
  });
  assert.deepEqual(result, { written: 3, reason: "end-of-input" });
  assert.equal(sink.frames.length, 3);
  for (const [i, value] of [10, 20, 30].entries()) {
    assert.deepEqual(pixel(sink.frames[i], 0, 0), [value, value, value], "person unchanged");
    assert.deepEqual(pixel(sink.frames[i], W - 1, H - 1), [0, 255, 0], "background removed");
  }
  assert.deepEqual(sink.times, [1033, 1066, 1099], "capture times reach the sink");
});

Deno.test("runEngine() reads the settings before every frame, so keys act on the next frame", async () => {
  const clock = fakeClock();
  const sink = memorySink();
  const settings = removeSettings([255, 0, 0]);
  await runEngine({
    source: listSource(W, H, [50, 50, 50], clock),
    sink,
    processor: new FrameProcessor(leftHalfSegmenter()),
    settings: () => settings,
    timings: new StageTimings(),
    now: clock.now,
    onFrame: (_out, written) => {
      if (written === 1) settings.effectSettings.color = [0, 0, 255];
      if (written === 2) settings.showMask = true;
    },
  });
  assert.deepEqual(pixel(sink.frames[0], W - 1, 0), [255, 0, 0]);
  assert.deepEqual(pixel(sink.frames[1], W - 1, 0), [0, 0, 255]);
  // The mask view: white person, black background.
  assert.deepEqual(pixel(sink.frames[2], 0, 0), [255, 255, 255]);
  assert.deepEqual(pixel(sink.frames[2], W - 1, 0), [0, 0, 0]);
});

Deno.test("runEngine() mirrors the picture before segmenting when asked", async () => {
  const clock = fakeClock();
  const source = listSource(W, H, [0], clock);
  const next = source.next.bind(source);
  // A frame whose left column is 200 and the rest 0: mirrored, the 200 is on the right,
  // where the fake segmenter says "background".
  source.next = async () => {
    const item = await next();
    if (item) { for (let y = 0; y < H; y++) item.frame.data.fill(200, y * W * 3, y * W * 3 + 3); }
    return item;
  };
  const sink = memorySink();
  await runEngine({
    source,
    sink,
    processor: new FrameProcessor(leftHalfSegmenter()),
    settings: { ...removeSettings([9, 9, 9]), mirror: true },
    timings: new StageTimings(),
    now: clock.now,
  });
  assert.deepEqual(pixel(sink.frames[0], 0, 1), [0, 0, 0], "the left column moved away");
  assert.deepEqual(pixel(sink.frames[0], W - 1, 1), [9, 9, 9], "and landed in the removed half");
});

Deno.test("runEngine() stops at --frames, at --duration on its clock, and when aborted", async () => {
  const run = async (limits: { maxFrames?: number; maxDurationMs?: number; abortAt?: number }) => {
    const clock = fakeClock();
    const controller = new AbortController();
    const sink = memorySink();
    const result = await runEngine({
      source: listSource(W, H, new Array(100).fill(1), clock, 100),
      sink,
      processor: new FrameProcessor(leftHalfSegmenter()),
      settings: removeSettings([0, 0, 0]),
      timings: new StageTimings(),
      now: clock.now,
      maxFrames: limits.maxFrames,
      maxDurationMs: limits.maxDurationMs,
      signal: controller.signal,
      onFrame: (_out, written) => {
        if (written === limits.abortAt) controller.abort();
      },
    });
    assert.equal(sink.frames.length, result.written);
    return result;
  };
  assert.deepEqual(await run({ maxFrames: 7 }), { written: 7, reason: "frames" });
  // Frames every 100 ms from the first: the one captured 1000 ms after it ends the run.
  assert.deepEqual(await run({ maxDurationMs: 1000 }), { written: 11, reason: "duration" });
  assert.deepEqual(await run({ abortAt: 4 }), { written: 4, reason: "aborted" });
});

Deno.test("runEngine() times each stage on the injected clock", async () => {
  const clock = fakeClock();
  const timings = new StageTimings();
  await runEngine({
    source: listSource(W, H, [1, 2], clock, 40),
    sink: {
      channels: 3,
      write: () => {
        clock.advance(5); // a slow consumer
        return Promise.resolve();
      },
    },
    processor: new FrameProcessor(leftHalfSegmenter()),
    settings: removeSettings([0, 0, 0]),
    timings,
    now: clock.now,
  });
  assert.equal(timings.median("write"), 5);
  assert.equal(timings.median("wait"), 40, "waiting for the source is the capture interval");
  assert.equal(timings.median("latency"), 5, "capture to delivered");
});

Deno.test("runEngine() allocates no typed array per frame once warmed up (mask path, blur, wasm kernels)", async () => {
  const clock = fakeClock();
  const processor = new FrameProcessor(leftHalfSegmenter(), defaultKernels(), "stream");
  const settings: FrameSettings = {
    effect: "blur",
    effectSettings: createEffectSettings(),
    mask: { invert: false, smoothing: 0.85, secondLook: "auto" },
  };
  const run = (frames: number) =>
    runEngine({
      source: listSource(64, 36, Array.from({ length: frames }, (_, i) => i * 7 % 256), clock),
      sink: memorySink(),
      processor,
      settings,
      timings: new StageTimings(),
      now: clock.now,
    });
  await run(5); // the first frames size every buffer
  const source = listSource(64, 36, Array.from({ length: 30 }, (_, i) => (i * 13) % 256), clock);
  const sink = { channels: 3 as const, write: () => Promise.resolve() };
  const timings = new StageTimings();
  const count = await countTypedArrayAllocationsAsync(async () => {
    await runEngine({ source, sink, processor, settings, timings, now: clock.now });
  });
  // One: the run's output frame, made before its first frame.
  assert.equal(count, 1, `${count} typed arrays for 30 frames`);
});

/** What the stall tests share: a promise that never settles, and the engine's other parts. */
function stallParts(now: () => number) {
  return {
    never: new Promise<never>(() => {}),
    base: {
      processor: new FrameProcessor(leftHalfSegmenter()),
      settings: removeSettings([0, 0, 0]),
      timings: new StageTimings(),
      now,
    },
  };
}

Deno.test("runEngine() stops at once when aborted while the source never delivers or the sink never accepts", async () => {
  const { never, base } = stallParts(() => 0);
  // A UDP input with no sender: next() never settles.
  const silent = new AbortController();
  setTimeout(() => silent.abort(), 20);
  const stalledSource = await runEngine({
    ...base,
    source: { width: W, height: H, received: 0, dropped: 0, next: () => never },
    sink: memorySink(),
    signal: silent.signal,
  });
  assert.deepEqual(stalledSource, { written: 0, reason: "aborted" });

  // An SRT output nobody receives: the first write never completes, and it rejects
  // later when its process is ended; nothing is left unhandled.
  const stuck = new AbortController();
  let rejectWrite: (error: Error) => void = () => {};
  const clock = fakeClock();
  const stalledSink = await runEngine({
    ...base,
    source: listSource(W, H, [1, 2, 3], clock),
    sink: {
      channels: 3,
      write: () => {
        setTimeout(() => stuck.abort(), 20);
        return new Promise((_, reject) => rejectWrite = reject);
      },
    },
    signal: stuck.signal,
  });
  assert.deepEqual(stalledSink, { written: 0, reason: "aborted" });
  rejectWrite(new Error("broken pipe"));
  await new Promise((r) => setTimeout(r, 10));
});

Deno.test("runEngine() ends at --duration even while the sink never accepts or the source never delivers", async () => {
  const parts = stallParts(() => performance.now());
  const never = parts.never, base = { ...parts.base, maxDurationMs: 50 };
  // Fails the test instead of hanging it when the deadline does not work.
  const within = <T>(run: Promise<T>) =>
    Promise.race([
      run,
      new Promise<never>((_, reject) => {
        const guard = setTimeout(() => reject(new Error("still waiting 20 s later")), 20_000);
        run.finally(() => clearTimeout(guard));
      }),
    ]);
  // An SRT listener whose receiver left: the new listener's first write waits for the
  // next receiver, and --duration must still end the run (no signal comes).
  let rejectWrite: (error: Error) => void = () => {};
  const frame = { data: new Uint8Array(W * H * 3), width: W, height: H, channels: 3 as const };
  const next = () => Promise.resolve({ frame, capturedAt: performance.now() });
  const source = { width: W, height: H, received: 0, dropped: 0, next };
  const stalledSink = await within(runEngine({
    ...base,
    source,
    sink: { channels: 3, write: () => new Promise((_, reject) => rejectWrite = reject) },
  }));
  assert.deepEqual(stalledSink, { written: 0, reason: "duration" });
  rejectWrite(new Error("broken pipe")); // the abandoned write failing later is no error
  // A source that delivered once, then nothing (a UDP sender gone).
  let calls = 0;
  const stalledSource = await within(runEngine({
    ...base,
    source: {
      width: W,
      height: H,
      received: 0,
      dropped: 0,
      next: () => calls++ === 0 ? next() : never,
    },
    sink: memorySink(),
  }));
  assert.deepEqual(stalledSource, { written: 1, reason: "duration" });
  await new Promise((r) => setTimeout(r, 10));
});

Deno.test("runEngine() counts the frames the sink put in the output, and gives it the room left", async () => {
  const clock = fakeClock();
  const rooms: (number | undefined)[] = [];
  const result = await runEngine({
    source: listSource(W, H, [1, 2, 3, 4], clock),
    // A pacer's sink: every frame covers three slots, within the room.
    sink: {
      channels: 3,
      write: (_frame, _at, room) => {
        rooms.push(room);
        return Promise.resolve(Math.min(3, room ?? 3));
      },
    },
    processor: new FrameProcessor(leftHalfSegmenter()),
    settings: removeSettings([0, 0, 0]),
    timings: new StageTimings(),
    now: clock.now,
    maxFrames: 7,
  });
  assert.deepEqual(result, { written: 7, reason: "frames" });
  assert.deepEqual(rooms, [7, 4, 1]);
});

Deno.test("runEngine() with an output size apart from the source's writes frames of the output's size", async () => {
  const clock = fakeClock();
  const sink = memorySink();
  // A 16x8 source for an 8x4 output (a camera asked for more pixels for auto-framing).
  await runEngine({
    source: listSource(16, 8, [10, 20], clock),
    sink,
    processor: new FrameProcessor(leftHalfSegmenter()),
    settings: { ...removeSettings([0, 255, 0]), autoframe: { on: false, zoom: 2 } },
    timings: new StageTimings(),
    now: clock.now,
    outputSize: { width: W, height: H },
  });
  assert.equal(sink.frames.length, 2);
  for (const [i, value] of [10, 20].entries()) {
    assert.equal(sink.frames[i].length, W * H * 3);
    // The whole frame, halved: the person (left half) kept, the background removed.
    assert.deepEqual(pixel(sink.frames[i], 0, 0), [value, value, value]);
    assert.deepEqual(pixel(sink.frames[i], W - 1, H - 1), [0, 255, 0]);
  }
});
