import assert from "node:assert/strict";
import type { FfmpegProcess } from "../../src/io/ffmpeg_process.ts";
import { LiveSource } from "../../src/io/frame_source.ts";
import type { LiveInput } from "../../src/io/live_args.ts";

const FORMAT = { width: 2, height: 1, fps: 30 };

/** A decoder stand-in: a stream of 2x1 RGB frames (all bytes = value), then an end. */
function fakeDecoder(values: number[], options: { partial?: boolean; stderr?: string[] } = {}) {
  const bytes = [...values.flatMap((v) => [v, v, v, v, v, v]), ...(options.partial ? [9, 9] : [])];
  let resolveStatus: (s: Deno.CommandStatus) => void = () => {};
  const status = new Promise<Deno.CommandStatus>((r) => resolveStatus = r);
  let sent = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent) {
        controller.close();
        resolveStatus({ success: false, code: 1, signal: null });
        return;
      }
      sent = true;
      controller.enqueue(new Uint8Array(bytes));
    },
  });
  const process = {
    status,
    stderrTail: () => Promise.resolve(options.stderr ?? ["/dev/video0: No such device"]),
    stop: () => {
      resolveStatus({ success: false, code: 255, signal: null });
      return Promise.resolve();
    },
  } as unknown as FfmpegProcess;
  return { process, stream };
}

const camera: LiveInput = { kind: "camera", platform: "linux", device: "/dev/video0" };

Deno.test("LiveSource reopens a camera that went away, says so, and clears the notice once frames flow", async () => {
  const decoders = [fakeDecoder([1]), fakeDecoder([2])];
  const messages: string[] = [];
  let spawned = 0;
  const source = new LiveSource(camera, FORMAT, {
    spawn: () => decoders[spawned++],
    onMessage: (m) => messages.push(m),
    sleep: () => Promise.resolve(),
  });
  assert.equal((await source.next())?.frame.data[0], 1);
  assert.equal((await source.next())?.frame.data[0], 2, "the second decoder's frame");
  assert.equal(spawned, 2);
  assert.deepEqual(messages, ["camera lost (/dev/video0: No such device); reconnecting…", ""]);
  assert.equal(source.received, 2);
});

Deno.test("LiveSource reports a camera that never gave a frame at once, with ffmpeg's reason", async () => {
  const source = new LiveSource(camera, FORMAT, {
    spawn: () => fakeDecoder([], { stderr: ["/dev/video0: Device or resource busy"] }),
    sleep: () => Promise.resolve(),
  });
  await assert.rejects(() => source.next(), /Cannot open camera \/dev\/video0: the device is busy/);
});

Deno.test("LiveSource gives up on a camera after the last back-off", async () => {
  let spawned = 0;
  const waits: number[] = [];
  const source = new LiveSource(camera, FORMAT, {
    spawn: () => fakeDecoder(spawned++ === 0 ? [1] : []),
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
  });
  assert.ok(await source.next());
  await assert.rejects(() => source.next(), /camera \/dev\/video0/);
  assert.deepEqual(waits, [1000, 2000, 4000, 8000]);
});

Deno.test("LiveSource ends a file on a frame cut short, without handing out the partial frame", async () => {
  const source = new LiveSource({ kind: "file", path: "x.mp4", loop: false }, FORMAT, {
    spawn: () => fakeDecoder([7, 8], { partial: true }),
  });
  const seen: number[] = [];
  for (let item = await source.next(); item; item = await source.next()) {
    seen.push(item.frame.data[0]);
  }
  assert.ok(seen.length >= 1 && seen.at(-1) === 8, `${seen}`);
  assert.equal(source.truncated, true);
});

Deno.test("LiveSource paused runs no decoder and waits; resume starts a new one", async () => {
  let spawned = 0;
  const source = new LiveSource(camera, FORMAT, {
    spawn: () => {
      spawned++;
      return fakeDecoder([spawned, spawned]);
    },
  });
  assert.equal((await source.next())?.frame.data[0], 1);
  await source.pause();
  let got: number | undefined;
  const pending = source.next().then((item) => got = item?.frame.data[0]);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(got, undefined, "nothing while paused");
  assert.equal(spawned, 1);
  source.resume();
  await pending;
  assert.equal(got, 2, "a fresh decoder after resume");
});

Deno.test("LiveSource stamps a file's frames with their place on the file's timeline", async () => {
  const source = new LiveSource({ kind: "file", path: "x.mp4", loop: false }, FORMAT, {
    spawn: () => fakeDecoder([1, 2, 3]),
  });
  const stamps: (number | undefined)[] = [];
  for (let item = await source.next(); item; item = await source.next()) {
    stamps.push(item.timestamp);
  }
  // 30 fps: frame n at n × 33.3 ms, whichever of them the consumer took.
  assert.ok(stamps.length >= 1, `${stamps}`);
  assert.ok(
    stamps.every((t) =>
      t !== undefined && Math.abs(t / (1000 / 30) - Math.round(t / (1000 / 30))) < 1e-9
    ),
    `${stamps}`,
  );
  assert.ok(Math.abs(stamps.at(-1)! - 2000 / 30) < 1e-9, "the last frame is frame 2");
});

Deno.test("LiveSource: a file's decoder that dies after frames ends the input and says so", async () => {
  const source = new LiveSource({ kind: "file", path: "x.mp4", loop: false }, FORMAT, {
    spawn: () => {
      const decoder = fakeDecoder([1, 2]);
      // Killed, not ended: its status says SIGKILL.
      (decoder.process as unknown as { status: Promise<Deno.CommandStatus> }).status = Promise
        .resolve({ success: false, code: 137, signal: "SIGKILL" });
      return decoder;
    },
  });
  let frames = 0;
  for (let item = await source.next(); item; item = await source.next()) frames++;
  assert.ok(frames >= 1);
  assert.match(
    source.failure?.message ?? "",
    /^The decoder reading x\.mp4 stopped \(killed by SIGKILL\) after 2 frames, before the input ended$/,
  );
});
