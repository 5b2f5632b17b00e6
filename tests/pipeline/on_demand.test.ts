import assert from "node:assert/strict";
import type { Frame } from "../../src/frame.ts";
import type { ConsumerWatcher } from "../../src/io/consumer_watch.ts";
import { feedWhileIdle, followConsumers, IDLE_MESSAGE } from "../../src/pipeline/on_demand.ts";

function fakeWatcher() {
  let consumers: number[] = [];
  let changed = false;
  const watcher: ConsumerWatcher & { set(pids: number[]): void } = {
    consumers: () => Promise.resolve(consumers),
    maybeChanged: () => {
      const was = changed;
      changed = false;
      return was;
    },
    close: () => {},
    set(pids) {
      consumers = pids;
      changed = true;
    },
  };
  return watcher;
}

Deno.test("followConsumers() keeps the camera off until an application opens the virtual camera, then off again after the grace period", async () => {
  const watcher = fakeWatcher();
  const calls: string[] = [];
  const messages: string[] = [];
  let now = 0;
  const source = {
    pause: () => {
      calls.push("pause");
      return Promise.resolve();
    },
    resume: () => void calls.push("resume"),
  };
  const link = followConsumers(watcher, source, (m) => messages.push(m), {
    graceMs: 3000,
    now: () => now,
    tick: false,
  });
  assert.deepEqual(calls, ["pause"], "nobody watches at start: the camera stays off");
  assert.equal(await link.tick(), "idle");

  watcher.set([4242]); // a browser opens /dev/video10
  now = 100;
  assert.equal(await link.tick(), "active");
  assert.deepEqual(calls, ["pause", "resume"]);

  watcher.set([]); // it closes it…
  now = 1000;
  assert.equal(await link.tick(), "active", "…and may reopen it at once: keep going");
  watcher.set([4242]);
  now = 1500;
  assert.equal(await link.tick(), "active");
  assert.deepEqual(calls, ["pause", "resume"], "no flapping");

  watcher.set([]);
  now = 2000;
  await link.tick();
  now = 5100;
  assert.equal(await link.tick(), "idle", "3 s after the last one left");
  assert.deepEqual(calls, ["pause", "resume", "pause"]);
  assert.deepEqual(messages, [IDLE_MESSAGE, "", IDLE_MESSAGE]);
  link.stop();
});

Deno.test("feedWhileIdle() writes a frame at once and on every tick while idle, none while active", async () => {
  const frame = { data: new Uint8Array(12), width: 2, height: 2, channels: 3 as const };
  const written: number[] = [];
  let idle = true;
  let tick: () => void = () => {};
  let cancelled = false;
  const feeder = feedWhileIdle(
    {
      channels: 3,
      write: (f: Frame, at: number) => {
        assert.equal(f, frame);
        written.push(at);
        return Promise.resolve();
      },
    },
    () => frame,
    () => idle,
    {
      now: () => written.length * 1000,
      schedule: (fn, ms) => {
        assert.equal(ms, 1000);
        tick = fn;
        return () => cancelled = true;
      },
    },
  );
  await Promise.resolve();
  assert.equal(written.length, 1, "one frame at once: the device is listed as a camera");
  await new Promise((r) => setTimeout(r, 0));
  tick();
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(written.length, 2);
  idle = false; // an application opened it: the engine writes now
  tick();
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(written.length, 2);
  feeder.stop();
  assert.ok(cancelled);
});

Deno.test("feedWhileIdle() reports a virtual camera it cannot write, once, instead of waiting for a viewer forever", async () => {
  const frame = { data: new Uint8Array(12), width: 2, height: 2, channels: 3 as const };
  const errors: unknown[] = [];
  let attempts = 0;
  let tick: () => void = () => {};
  const feeder = feedWhileIdle(
    {
      channels: 3,
      write: () => {
        attempts++;
        return Promise.reject(
          new Error("Cannot open /dev/video2 (yuyv422): no such file or device"),
        );
      },
    },
    () => frame,
    () => true,
    { schedule: (fn) => (tick = fn, () => {}), onError: (error) => errors.push(error) },
  );
  await new Promise((r) => setTimeout(r, 0));
  tick();
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(attempts, 1, "no retry on a device that failed");
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /Cannot open \/dev\/video2/);
  feeder.stop();
});
