import assert from "node:assert/strict";
import { decodeWarning, FrameReader } from "../../src/io/frame_reader.ts";

function chunks(...parts: number[][]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(new Uint8Array(part));
      controller.close();
    },
  });
}

Deno.test("FrameReader skips empty chunks, reassembles frames and answers false at every read after the end", async () => {
  const reader = new FrameReader(chunks([], [1, 2], [], [], [3, 4, 5, 6], []));
  const frame = new Uint8Array(3);
  assert.equal(await reader.read(frame), true);
  assert.deepEqual([...frame], [1, 2, 3]);
  assert.equal(await reader.read(frame), true);
  assert.deepEqual([...frame], [4, 5, 6]);
  for (let i = 0; i < 3; i++) assert.equal(await reader.read(frame), false);
});

Deno.test("FrameReader on a byte stream (ffmpeg's stdout) ends cleanly at its end", async () => {
  const child = new Deno.Command("printf", { args: ["abcdef"], stdout: "piped" }).spawn();
  const reader = new FrameReader(child.stdout);
  const frame = new Uint8Array(3);
  assert.equal(await reader.read(frame), true);
  assert.equal(await reader.read(frame), true);
  assert.equal(new TextDecoder().decode(frame), "def");
  assert.equal(await reader.read(frame), false);
  assert.equal(await reader.read(frame), false);
  await child.status;
});

Deno.test("FrameReader.read gives up with false when its signal aborts, on a stream that never sends", async () => {
  const never = () => new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });
  const reader = new FrameReader(never());
  const controller = new AbortController();
  const pending = reader.read(new Uint8Array(4), controller.signal);
  controller.abort();
  assert.equal(await pending, false);
  assert.equal(await reader.read(new Uint8Array(4)), false, "the reader stays ended");
  assert.equal(await new FrameReader(never()).read(new Uint8Array(4), AbortSignal.abort()), false);
});

Deno.test("FrameReader still reports a stream that ends inside a frame", async () => {
  const reader = new FrameReader(chunks([1, 2, 3, 4]));
  const frame = new Uint8Array(3);
  assert.equal(await reader.read(frame), true);
  await assert.rejects(reader.read(frame), /ended inside a frame \(1 of 3 bytes\)/);
});

Deno.test("decodeWarning is one line for decoding errors or a short decode, and nothing for a clean one", () => {
  assert.equal(
    decodeWarning({ path: "a.mp4", frames: 75, expected: 75, errorLines: 0 }),
    undefined,
  );
  assert.equal(
    decodeWarning({ path: "half.mp4", frames: 21, expected: 50, errorLines: 10 }),
    "warning: half.mp4 is damaged or truncated (ffmpeg reported 10 decoding errors; only 21 of about 50 frames could be decoded); 21 frames were written",
  );
  assert.equal(
    decodeWarning({ path: "b.mp4", frames: 50, expected: 50, errorLines: 1 }),
    "warning: b.mp4 is damaged or truncated (ffmpeg reported 1 decoding error); 50 frames were written",
  );
  assert.equal(
    decodeWarning({ path: "c.mp4", frames: 1, expected: 50, errorLines: 0 }),
    "warning: c.mp4 is damaged or truncated (only 1 of about 50 frames could be decoded); 1 frame was written",
  );
});

Deno.test("FrameReader: cancelled during a read (a source paused), the read ends with false, not an error", async () => {
  // A byte stream that never delivers: the read waits with the scratch lent to the stream.
  const stream = new ReadableStream<Uint8Array>({
    type: "bytes",
    pull: () => new Promise(() => {}),
  });
  const reader = new FrameReader(stream);
  const pending = reader.read(new Uint8Array(12));
  await new Promise((r) => setTimeout(r, 10));
  await reader.cancel();
  assert.equal(await pending, false);
  assert.equal(await reader.read(new Uint8Array(12)), false, "and every read after");
});
