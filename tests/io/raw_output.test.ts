/**
 * `-o - --pix-fmt`: raw frames on stdout in the virtual camera's formats, exactly the
 * bytes a v4l2loopback device set to that format would get.
 */
import assert from "node:assert/strict";
import { createFrame, type Frame } from "../../src/frame.ts";
import { referenceKernels } from "../../src/kernels/kernel_set.ts";
import { rgbToYuv420p, rgbToYuyv422, yuv420pSize } from "../../src/kernels/yuv.ts";
import { type YuvPicture, yuvPictureBytes } from "../../src/kernels/yuv_picture.ts";
import { yuvToYuv420p, yuvToYuyv422 } from "../../src/kernels/yuv_pack.ts";
import { RawFrameConverter, StdoutSink } from "../../src/io/frame_sink.ts";
import { describeLiveOutput } from "../../src/io/live_endpoints.ts";
import { parseLiveOutput, rawFrameBytes } from "../../src/io/live_args.ts";
import { OutputError, UsageError } from "../../src/errors.ts";
import { segcam } from "../cli/_run.ts";
import { ffmpegBytes } from "../_media.ts";

const TALK = new URL("../../samples/talk.mp4", import.meta.url).pathname;

/** A frame with detail: a gradient with a diagonal stripe pattern. */
function testFrame(width: number, height: number, channels: 3 | 4): Frame {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * channels;
      data[p] = (x * 255 / width) | 0;
      data[p + 1] = (y * 255 / height) | 0;
      data[p + 2] = ((x + y) % 16) * 16;
      if (channels === 4) data[p + 3] = 200;
    }
  }
  return { data, width, height, channels };
}

/** A WritableStream that keeps copies of what it is given. */
function collector(): { stream: WritableStream<Uint8Array>; bytes: () => Uint8Array } {
  const chunks: Uint8Array[] = [];
  return {
    stream: new WritableStream({ write: (chunk) => void chunks.push(chunk.slice()) }),
    bytes: () => {
      const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of chunks) out.set(c, (at += c.length) - c.length);
      return out;
    },
  };
}

Deno.test("-o - writes rgb24 unless --pix-fmt says yuyv422 or yuv420p; a virtual camera defaults to yuyv422", () => {
  assert.deepEqual(parseLiveOutput("-"), { kind: "stdout", pixFmt: "rgb24" });
  assert.deepEqual(parseLiveOutput("-", "yuyv422"), { kind: "stdout", pixFmt: "yuyv422" });
  assert.deepEqual(parseLiveOutput("-", "yuv420p"), { kind: "stdout", pixFmt: "yuv420p" });
  assert.deepEqual(parseLiveOutput("/dev/video3"), {
    kind: "v4l2",
    device: "/dev/video3",
    pixFmt: "yuyv422",
  });
  assert.throws(
    () => parseLiveOutput("-", "nv12"),
    (e) =>
      e instanceof UsageError &&
      e.message === "--pix-fmt nv12 cannot be written to -o -; give rgb24, yuyv422, yuv420p",
  );
  assert.equal(describeLiveOutput(parseLiveOutput("-", "yuyv422")), "stdout (raw yuyv422)");
});

Deno.test("rawFrameBytes: 3, 2 and 1.5 bytes a pixel, yuv420p's chroma rounded up at odd sizes", () => {
  assert.equal(rawFrameBytes("rgb24", 1280, 720), 2764800);
  assert.equal(rawFrameBytes("yuyv422", 1280, 720), 1843200);
  assert.equal(rawFrameBytes("yuv420p", 1280, 720), 1382400);
  assert.equal(rawFrameBytes("yuv420p", 3, 3), 9 + 2 * 4);
});

for (const kernels of ["default (wasm)", "reference"] as const) {
  Deno.test(`StdoutSink writes each frame converted, frame after frame, with the ${kernels} kernels`, async () => {
    for (const format of ["rgb24", "yuyv422", "yuv420p"] as const) {
      for (const channels of [3, 4] as const) {
        const out = collector();
        const converter = kernels === "reference"
          ? new RawFrameConverter(format, referenceKernels())
          : new RawFrameConverter(format);
        const sink = new StdoutSink(3, out.stream, converter);
        const a = testFrame(64, 36, channels), b = testFrame(64, 36, channels);
        b.data.reverse(); // a different second frame: the buffer is reused, not stale
        await sink.write(a);
        await sink.write(b);
        await sink.finish();
        const size = rawFrameBytes(format, 64, 36);
        const expected = new Uint8Array(2 * size);
        for (const [k, f] of [a, b].entries()) {
          const target = expected.subarray(k * size, (k + 1) * size);
          if (format === "yuyv422") rgbToYuyv422(f, target);
          else if (format === "yuv420p") rgbToYuv420p(f, target);
          else {for (let i = 0; i < 64 * 36; i++) {
              target.set(f.data.subarray(i * channels, i * channels + 3), i * 3);
            }}
        }
        const got = out.bytes();
        assert.equal(got.length, expected.length, `${format} ${channels}ch`);
        let max = 0;
        for (let i = 0; i < got.length; i++) max = Math.max(max, Math.abs(got[i] - expected[i]));
        assert.ok(max <= 1, `${format} ${channels}ch: max difference ${max}`);
      }
    }
  });
}

Deno.test("StdoutSink through a descriptor writes what a pipe takes in parts, and names a reader gone", async () => {
  const taken: Uint8Array[] = [];
  // A pipe that takes at most 1,000 bytes a call, as one interrupted by signals does.
  const pipe = {
    write: (bytes: Uint8Array) => {
      const n = Math.min(1000, bytes.length);
      taken.push(bytes.slice(0, n));
      return Promise.resolve(n);
    },
  };
  const sink = new StdoutSink(3, pipe, new RawFrameConverter("yuyv422", referenceKernels()));
  const frame = testFrame(64, 36, 3);
  await sink.write(frame);
  await sink.finish();
  const expected = new Uint8Array(rawFrameBytes("yuyv422", 64, 36));
  rgbToYuyv422(frame, expected);
  assert.equal(taken.length, Math.ceil(expected.length / 1000));
  assert.deepEqual(new Uint8Array(taken.flatMap((part) => [...part])), expected);
  // EPIPE (-32) from the reader gone, or a call that takes nothing: one OutputError.
  for (const answer of [-32, 0]) {
    const gone = new StdoutSink(3, { write: () => Promise.resolve(answer) });
    await assert.rejects(
      gone.write(frame),
      (e: Error) => e instanceof OutputError && /the program reading it went away/.test(e.message),
    );
  }
});

Deno.test("segcam live -o - --pix-fmt yuyv422 writes whole yuyv422 frames on stdout", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../../main.ts", import.meta.url).pathname,
      "live",
      "--input",
      TALK,
      "--no-tui",
      "--frames",
      "3",
      "-o",
      "-",
      "--pix-fmt",
      "yuyv422",
    ],
    env: { XDG_CONFIG_HOME: new URL("../fixtures/config_home", import.meta.url).pathname },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stdout, stderr } = await child.output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  assert.equal(stdout.length, 3 * 640 * 360 * 2);
  // Packed Y U Y V, not a constant picture. The frames stay planar (the clip's yuv420p
  // is packed as it is, as ffmpeg's own yuv420p → yuyv422 does, without clipping to
  // 16..235), and the blur only mixes the clip's own values: every luma byte lies within
  // the range of the clip's Y planes.
  const lumas = new Set<number>();
  for (let i = 0; i < stdout.length; i += 2) lumas.add(stdout[i]);
  const source = await ffmpegBytes(
    ["-i", TALK, "-frames:v", "3", "-f", "rawvideo", "-pix_fmt", "yuv420p"],
  );
  const frame = yuv420pSize(640, 360);
  let low = 255, high = 0;
  for (let f = 0; f < 3; f++) {
    for (const v of source.subarray(f * frame, f * frame + 640 * 360)) {
      low = Math.min(low, v);
      high = Math.max(high, v);
    }
  }
  assert.ok(
    Math.min(...lumas) >= low && Math.max(...lumas) <= high,
    `luma ${Math.min(...lumas)}..${Math.max(...lumas)} within the clip's ${low}..${high}`,
  );
  assert.ok(lumas.size > 50);
  assert.match(new TextDecoder().decode(stderr), /to stdout \(raw yuyv422\)/);
});

Deno.test("segcam live -o - refuses a --pix-fmt it cannot write, in one line", async () => {
  const r = await segcam(["live", "--input", TALK, "-o", "-", "--pix-fmt", "nv12"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--pix-fmt nv12 cannot be written to -o -; give rgb24, yuyv422, yuv420p/);
});

Deno.test("RawFrameConverter packs planar YUV pictures for YUV outputs: yuyv422 from the planes, limited yuv420p as it is", () => {
  const width = 8, height = 4;
  const yuv420 = new Uint8Array(yuvPictureBytes("420", width, height));
  const yuv422 = new Uint8Array(yuvPictureBytes("422", width, height));
  for (let i = 0; i < yuv420.length; i++) yuv420[i] = 16 + (i * 29) % 200;
  for (let i = 0; i < yuv422.length; i++) yuv422[i] = (i * 41) % 256;
  const file: YuvPicture = { data: yuv420, width, height, layout: "420", fullRange: false };
  const camera: YuvPicture = { data: yuv422, width, height, layout: "422", fullRange: true };
  const kernels = referenceKernels();

  const toYuv420p = new RawFrameConverter("yuv420p", kernels);
  assert.equal(toYuv420p.planar, true);
  assert.equal(toYuv420p.convert(file), yuv420, "handed over without a copy");
  const expected420 = new Uint8Array(yuv420pSize(width, height));
  yuvToYuv420p(camera, expected420);
  assert.deepEqual(toYuv420p.convert(camera), expected420, "4:2:2 full range mapped");

  const toYuyv = new RawFrameConverter("yuyv422", kernels);
  assert.equal(toYuyv.planar, true);
  const expectedYuyv = new Uint8Array(width * height * 2);
  yuvToYuyv422(camera, expectedYuyv);
  assert.deepEqual(toYuyv.convert(camera), expectedYuyv);

  const rgb = new RawFrameConverter("rgb24", kernels);
  assert.equal(rgb.planar, false, "an RGB output takes RGB frames only");
  assert.throws(() => rgb.convert(camera), RangeError);
  assert.equal(new StdoutSink(3, new WritableStream(), rgb).planar, false);
  assert.equal(new StdoutSink(3, new WritableStream(), toYuyv).planar, true);
});

Deno.test("RawFrameConverter yuva420p: the planes, then the alpha plane (255 where a picture or frame has none)", () => {
  const width = 8, height = 4, pixels = width * height;
  const yuv420 = new Uint8Array(yuvPictureBytes("420", width, height));
  const yuv422 = new Uint8Array(yuvPictureBytes("422", width, height));
  for (let i = 0; i < yuv420.length; i++) yuv420[i] = 16 + (i * 29) % 200;
  for (let i = 0; i < yuv422.length; i++) yuv422[i] = (i * 41) % 256;
  const alpha = Uint8Array.from({ length: pixels }, (_, i) => (i * 37) % 256);
  const kernels = referenceKernels();
  const toYuva = new RawFrameConverter("yuva420p", kernels);
  assert.equal(toYuva.planar, true);

  // A limited 4:2:0 picture: its bytes as they are, then its alpha.
  const file: YuvPicture = { data: yuv420, width, height, layout: "420", fullRange: false, alpha };
  assert.deepEqual(toYuva.convert(file), Uint8Array.from([...yuv420, ...alpha]));
  // Without alpha: opaque.
  const opaque = toYuva.convert({ ...file, alpha: undefined });
  assert.deepEqual(opaque.subarray(yuv420.length), new Uint8Array(pixels).fill(255));
  // A full-range 4:2:2 camera picture: mapped to limited 4:2:0 as for yuv420p.
  const camera: YuvPicture = {
    data: yuv422,
    width,
    height,
    layout: "422",
    fullRange: true,
    alpha,
  };
  const mapped = new Uint8Array(yuv420pSize(width, height));
  yuvToYuv420p(camera, mapped);
  assert.deepEqual(toYuva.convert(camera), Uint8Array.from([...mapped, ...alpha]));

  // RGB frames (the RGB path): converted as for yuv420p, alpha from an RGBA frame's 4th byte.
  const rgba = createFrame(width, height, 4);
  for (let i = 0; i < rgba.data.length; i++) rgba.data[i] = (i * 13) % 256;
  const colour = new Uint8Array(yuv420pSize(width, height));
  rgbToYuv420p(rgba, colour);
  const fromRgba = toYuva.convert(rgba);
  assert.deepEqual(fromRgba.subarray(0, colour.length), colour);
  assert.deepEqual(
    fromRgba.subarray(colour.length),
    Uint8Array.from({ length: pixels }, (_, i) => rgba.data[4 * i + 3]),
  );
  const rgb = createFrame(width, height, 3);
  assert.deepEqual(toYuva.convert(rgb).subarray(colour.length), new Uint8Array(pixels).fill(255));
});
