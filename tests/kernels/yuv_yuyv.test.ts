/**
 * RGB → yuyv422, the virtual camera's format: the TypeScript reference against ffmpeg's
 * own conversion (what segcam's ffmpeg v4l2 sink sends today), and the wasm twin
 * against the reference.
 */
import assert from "node:assert/strict";
import { ffmpegBytes as ffmpeg } from "../_media.ts";
import type { Frame } from "../../src/frame.ts";
import { createWasmKernels } from "../../src/kernels/wasm/wasm_kernels.ts";
import { maxDiff } from "./_agree.ts";
import { rgbToYuyv422, yuyv422Size } from "../../src/kernels/yuv.ts";

const TALK = new URL("../../samples/talk.mp4", import.meta.url).pathname;

/** One rgb24 frame of a file or lavfi source at width x height. */
async function rgbFrame(input: string[], width: number, height: number): Promise<Frame> {
  const data = await ffmpeg([
    ...input,
    "-frames:v",
    "1",
    "-vf",
    `scale=${width}:${height}`,
    "-f",
    "rawvideo",
    "-pix_fmt",
    "rgb24",
  ]);
  return { data, width, height, channels: 3 };
}

/** What ffmpeg writes for the frame with `-f rawvideo -pix_fmt yuyv422` (the v4l2 sink's). */
function ffmpegYuyv(frame: Frame): Promise<Uint8Array> {
  return ffmpeg(
    [
      "-f",
      "rawvideo",
      "-pix_fmt",
      "rgb24",
      "-s",
      `${frame.width}x${frame.height}`,
      "-i",
      "pipe:0",
      "-f",
      "rawvideo",
      "-pix_fmt",
      "yuyv422",
    ],
    frame.data,
  );
}

// Unlike yuv420p, whose chroma ffmpeg filters with a bicubic 2:1 (see yuv.test.ts),
// ffmpeg's yuyv422 chroma is the mean of the pair: every byte, chroma included, agrees.
for (
  const [name, input] of [
    ["a real frame of samples/talk.mp4 at 1280x720", ["-ss", "2", "-i", TALK]],
    ["testsrc2 at 1280x720", ["-f", "lavfi", "-i", "testsrc2=size=1280x720"]],
  ] as const
) {
  Deno.test(`rgbToYuyv422 writes what ffmpeg writes for yuyv422, within one level, on ${name}`, async () => {
    const frame = await rgbFrame([...input], 1280, 720);
    const expected = await ffmpegYuyv(frame);
    const got = new Uint8Array(yuyv422Size(1280, 720));
    rgbToYuyv422(frame, got);
    assert.equal(got.length, 1280 * 720 * 2);
    assert.ok(maxDiff(got, expected) <= 1, `max difference ${maxDiff(got, expected)}`);
  });
}

Deno.test("rgbToYuyv422 lays out Y0 U Y1 V: white, black, red and blue pixels", () => {
  const frame: Frame = {
    data: Uint8Array.from([255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255]),
    width: 4,
    height: 1,
    channels: 3,
  };
  const out = new Uint8Array(8);
  rgbToYuyv422(frame, out);
  // White/black pair: Y 235 and 16, neutral chroma. Red/blue pair: Y 81 and 41, chroma
  // of their mean (127.5, 0, 127.5): luma 52.7, U 128 + 0.496·74.8, V 128 + 0.627·74.8.
  assert.deepEqual([...out], [235, 128, 16, 128, 81, 165, 41, 175]);
});

Deno.test("rgbToYuyv422 refuses an odd width and a wrong buffer size, naming them", () => {
  const frame: Frame = { data: new Uint8Array(3 * 3), width: 3, height: 1, channels: 3 };
  assert.throws(() => rgbToYuyv422(frame, new Uint8Array(6)), /even width, got 3/);
  const even: Frame = { data: new Uint8Array(4 * 3), width: 4, height: 1, channels: 3 };
  assert.throws(() => rgbToYuyv422(even, new Uint8Array(6)), /expected 8 bytes.*got 6/);
});

Deno.test("wasm rgbToYuyv422 agrees with the reference within one level (3 and 4 channels, SIMD and tail widths)", async () => {
  const wasm = createWasmKernels({ arenaBytes: 32 * 1024 * 1024 });
  const base = await rgbFrame(["-ss", "1", "-i", TALK], 646, 11);
  for (const channels of [3, 4] as const) {
    const frame = wasm.frame(base.width, base.height, channels);
    for (let i = 0; i < base.width * base.height; i++) {
      for (let c = 0; c < 3; c++) frame.data[i * channels + c] = base.data[i * 3 + c];
      if (channels === 4) frame.data[i * 4 + 3] = i & 255;
    }
    const expected = new Uint8Array(yuyv422Size(base.width, base.height));
    rgbToYuyv422(frame, expected);
    const inArena = wasm.plane(expected.length);
    wasm.rgbToYuyv422(frame, inArena);
    assert.ok(maxDiff(inArena, expected) <= 1, `${channels}ch in the arena`);
    const onHeap = new Uint8Array(expected.length);
    wasm.rgbToYuyv422(frame, onHeap);
    assert.deepEqual(onHeap, inArena);
    // Not all equal to the reference by luck of a flat frame: the picture has detail.
    assert.ok(new Set(expected).size > 100);
  }
});
