import assert from "node:assert/strict";
import { enlargeChildPipes, PIPE_BYTES } from "../../src/io/pipe_size.ts";
import { FfmpegProcess } from "../../src/io/ffmpeg_process.ts";
import { FrameReader } from "../../src/io/frame_reader.ts";

Deno.test("a child's stdin and stdout pipes are raised to 1 MiB; a descriptor that is no pipe is left alone", async () => {
  const child = new Deno.Command("cat", { stdin: "piped", stdout: "piped" }).spawn();
  try {
    assert.deepEqual(enlargeChildPipes(child.pid, [0, 1]), [PIPE_BYTES, PIPE_BYTES]);
  } finally {
    await child.stdin.close();
    await child.stdout.cancel();
    await child.status;
  }
});

Deno.test("a child writing to /dev/null has no pipe to raise", async () => {
  const child = new Deno.Command("sleep", { args: ["5"], stdout: "null", stderr: "null" }).spawn();
  try {
    assert.deepEqual(enlargeChildPipes(child.pid, [1]), [undefined]);
  } finally {
    child.kill();
    await child.status;
  }
});

Deno.test("ffmpeg's frames still arrive whole through the raised pipe: 3 frames of 1280x720 rgb24, every byte", async () => {
  const ffmpeg = new FfmpegProcess("ffmpeg", [
    ...["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30"],
    ...["-frames:v", "3", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
  ], { stdout: "piped" });
  const reader = new FrameReader(ffmpeg.child.stdout);
  const frame = new Uint8Array(1280 * 720 * 3);
  const sums: number[] = [];
  while (await reader.read(frame)) sums.push(frame.reduce((a, b) => a + b, 0));
  await ffmpeg.status;
  assert.equal(sums.length, 3);
  // testsrc2 moves: each frame differs from the one before.
  assert.notEqual(sums[0], sums[1]);
});
