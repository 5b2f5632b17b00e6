import assert from "node:assert/strict";
import {
  type ConsumerWatcher,
  IDLE,
  onDemandStep,
  OnDemandSwitch,
  scanConsumers,
  watchDeviceConsumers,
} from "../../src/io/consumer_watch.ts";
import { withTempDir } from "../cli/_run.ts";

Deno.test("onDemandStep(): active as soon as a consumer appears", () => {
  assert.deepEqual(onDemandStep(IDLE, 1, 1000, 3000), { mode: "active", lastSeenMs: 1000 });
});

Deno.test("onDemandStep(): stays active for the grace period after the last consumer, then idles", () => {
  const active = { mode: "active" as const, lastSeenMs: 1000 };
  assert.equal(onDemandStep(active, 0, 1000, 3000).mode, "active");
  assert.equal(onDemandStep(active, 0, 3999, 3000).mode, "active");
  assert.equal(onDemandStep(active, 0, 4000, 3000).mode, "idle");
});

Deno.test("onDemandStep(): idle stays idle with no consumer, whatever the time", () => {
  assert.deepEqual(onDemandStep(IDLE, 0, 0, 3000), IDLE);
  assert.deepEqual(onDemandStep(IDLE, 0, 1e9, 3000), IDLE);
});

/** A watcher whose consumers the test sets; maybeChanged() is true after each change. */
class FakeWatcher implements ConsumerWatcher {
  pids: number[] = [];
  changed = false;
  scans = 0;
  closed = false;
  set(pids: number[]) {
    this.pids = pids;
    this.changed = true;
  }
  consumers() {
    this.scans++;
    return Promise.resolve([...this.pids]);
  }
  maybeChanged() {
    const changed = this.changed;
    this.changed = false;
    return changed;
  }
  close() {
    this.closed = true;
  }
}

Deno.test("OnDemandSwitch: a browser that closes and reopens within the grace period does not flap", async () => {
  const watcher = new FakeWatcher();
  let now = 0;
  const changes: string[] = [];
  const sw = new OnDemandSwitch(watcher, {
    graceMs: 3000,
    now: () => now,
    onChange: (mode, pids) => changes.push(`${now}:${mode}:${pids.join(",")}`),
  });
  const modes: Record<number, string> = {};
  /** Ticks every 250 ms (as startOnDemand does) until `to`, noting each mode. */
  const runUntil = async (to: number) => {
    for (; now <= to; now += 250) modes[now] = await sw.tick();
    now -= 250;
  };
  await runUntil(1000);
  watcher.set([4242]); // a browser opens the camera
  now += 250;
  await runUntil(5000);
  watcher.set([]); // ... closes it to change resolution
  now += 250;
  await runUntil(5750);
  watcher.set([4242]); // ... and opens it again 750 ms later
  now += 250;
  await runUntil(9000);
  watcher.set([]); // the call ends
  now += 250;
  await runUntil(15000);
  assert.deepEqual(changes, ["1250:active:4242", "12000:idle:"]);
  assert.equal(modes[1000], "idle");
  assert.equal(modes[1250], "active", "active on the first tick after the open");
  assert.equal(modes[5500], "active", "within the grace period");
  assert.equal(modes[11750], "active");
  assert.equal(modes[12000], "idle", "3 s after the last tick that saw a consumer");
});

Deno.test("OnDemandSwitch: scans on the first tick and after events only", async () => {
  const watcher = new FakeWatcher();
  watcher.pids = [7]; // already open before segcam started, no event
  let now = 0;
  const sw = new OnDemandSwitch(watcher, { graceMs: 1000, now: () => now });
  assert.equal(await sw.tick(), "active");
  assert.deepEqual(sw.consumers, [7]);
  for (let i = 1; i <= 40; i++) {
    now = i * 250;
    await sw.tick();
  }
  assert.equal(watcher.scans, 1, "no event, no scan: an idle or steady segcam costs nothing");
  assert.equal(sw.mode, "active");
});

Deno.test("scanConsumers(): finds the pids whose fds point at the device, leaving out excluded ones", async () => {
  await withTempDir(async (dir) => {
    const proc = `${dir}/proc`;
    const fd = async (pid: string, n: number, target: string) => {
      await Deno.mkdir(`${proc}/${pid}/fd`, { recursive: true });
      await Deno.symlink(target, `${proc}/${pid}/fd/${n}`);
    };
    await fd("100", 0, "/dev/null");
    await fd("100", 5, "/dev/video10");
    await fd("200", 3, "/dev/video1");
    await fd("300", 9, "/dev/video10"); // our ffmpeg writer
    await fd("400", 4, "/dev/video10");
    await fd("400", 7, "/dev/video10"); // two fds, one process
    await Deno.mkdir(`${proc}/self/fd`, { recursive: true });
    await Deno.mkdir(`${proc}/500`); // no fd folder: another user's process
    const found = (await scanConsumers("/dev/video10", new Set([300]), proc)).sort();
    assert.deepEqual(found, [100, 400]);
  });
});

Deno.test("watchDeviceConsumers(): sees a real process open and close a file, through /proc and inotify", async () => {
  await withTempDir(async (dir) => {
    const device = `${dir}/video10`;
    await Deno.writeTextFile(device, "");
    const watcher = watchDeviceConsumers(device);
    try {
      assert.deepEqual(await watcher.consumers(), []);
      watcher.maybeChanged();
      const child = new Deno.Command("sh", {
        args: ["-c", `exec 3<"${device}"; echo open; read _`],
        stdin: "piped",
        stdout: "piped",
      }).spawn();
      const reader = child.stdout.getReader();
      await reader.read(); // "open": fd 3 is open
      assert.deepEqual(await watcher.consumers(), [child.pid]);
      assert.equal(watcher.maybeChanged(), true);
      assert.equal(watcher.maybeChanged(), false, "events are drained");
      const excluding = watchDeviceConsumers(device, { exclude: () => [child.pid] });
      assert.deepEqual(await excluding.consumers(), []);
      excluding.close();
      await child.stdin.close();
      reader.releaseLock();
      await child.stdout.cancel();
      await child.status;
      assert.equal(watcher.maybeChanged(), true, "the close is an event too");
      assert.deepEqual(await watcher.consumers(), []);
    } finally {
      watcher.close();
    }
  });
});

Deno.test("watchDeviceConsumers() without inotify says 'maybe changed' on every tick", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/video10`, "");
    const watcher = watchDeviceConsumers(`${dir}/video10`, { inotify: false });
    assert.equal(watcher.maybeChanged(), true);
    assert.equal(watcher.maybeChanged(), true);
    watcher.close();
  });
});

Deno.test("watchDeviceConsumers(): closing twice is harmless (on-demand's stop and its ticker both close it)", () => {
  const file = Deno.makeTempFileSync();
  try {
    const watcher = watchDeviceConsumers(file);
    watcher.close();
    watcher.close();
    assert.equal(watcher.maybeChanged(), false, "a closed watcher reports nothing");
  } finally {
    Deno.removeSync(file);
  }
});
