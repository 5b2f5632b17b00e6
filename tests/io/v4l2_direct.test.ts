/**
 * The virtual camera written directly: struct v4l2_format's bytes and the ioctl numbers
 * against linux/videodev2.h (x86_64), the system calls against a recorded sequence
 * (ffmpeg's own: open, G_FMT, S_FMT, write per frame), and the bytes of a frame against
 * what ffmpeg writes for it. No loopback device is needed: the calls are injected, and
 * real libc is exercised on devices that are not cameras.
 */
import assert from "node:assert/strict";
import { OutputError } from "../../src/errors.ts";
import type { Frame } from "../../src/frame.ts";
import type { YuvPicture } from "../../src/kernels/yuv_picture.ts";
import { ffmpegBytes } from "../_media.ts";
import {
  decodeFormat,
  directWanted,
  encodeFormat,
  fourcc,
  libcSyscalls,
  pixFormatFor,
  V4L2_FORMAT_SIZE,
  V4l2DirectError,
  V4l2DirectSink,
  type V4l2Syscalls,
  VIDIOC_G_FMT,
  VIDIOC_S_FMT,
} from "../../src/io/v4l2_direct.ts";

const TALK = new URL("../../samples/talk.mp4", import.meta.url).pathname;

Deno.test("the ioctl numbers are videodev2.h's on x86_64: VIDIOC_G_FMT 0xc0d05604, VIDIOC_S_FMT 0xc0d05605", () => {
  assert.equal(VIDIOC_S_FMT, 0xc0d05605);
  assert.equal(VIDIOC_G_FMT, 0xc0d05604);
  assert.equal(fourcc("YUYV"), 0x56595559);
  assert.equal(fourcc("YU12"), 0x32315559);
});

Deno.test("struct v4l2_format for a 1280x720 YUYV output: 208 bytes, fmt.pix at offset 8, little-endian", () => {
  const struct = new Uint8Array(V4L2_FORMAT_SIZE).fill(0xee);
  encodeFormat(struct, pixFormatFor("yuyv422", 1280, 720));
  const u32 = (n: number) => [n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24];
  // Offsets from gcc's offsetof on linux/videodev2.h (x86_64): type 0, then the union at 8
  // (aligned for struct v4l2_window's pointers): width 8, height 12, pixelformat 16,
  // field 20, bytesperline 24, sizeimage 28, colorspace 32, priv 36, flags 40,
  // ycbcr_enc 44, quantization 48, xfer_func 52.
  const expected = new Uint8Array(V4L2_FORMAT_SIZE).fill(0xee);
  expected.set(u32(2), 0); // V4L2_BUF_TYPE_VIDEO_OUTPUT
  expected.set(u32(1280), 8);
  expected.set(u32(720), 12);
  expected.set([0x59, 0x55, 0x59, 0x56], 16); // "YUYV"
  expected.set(u32(1), 20); // V4L2_FIELD_NONE
  expected.set(u32(2560), 24);
  expected.set(u32(1843200), 28);
  expected.set(u32(1), 32); // V4L2_COLORSPACE_SMPTE170M
  expected.set(u32(1), 44); // V4L2_YCBCR_ENC_601
  expected.set(u32(2), 48); // V4L2_QUANTIZATION_LIM_RANGE
  assert.deepEqual(struct, expected); // 4 bytes (the padding) and priv, flags, xfer_func untouched
  assert.deepEqual(decodeFormat(struct), {
    width: 1280,
    height: 720,
    pixelformat: "YUYV",
    bytesperline: 2560,
    sizeimage: 1843200,
  });
  const i420 = pixFormatFor("yuv420p", 640, 360);
  assert.deepEqual(i420, {
    width: 640,
    height: 360,
    pixelformat: "YU12",
    bytesperline: 640,
    sizeimage: 345600,
  });
  assert.throws(() => encodeFormat(new Uint8Array(204), i420), /208 bytes, got 204/);
});

interface Call {
  call: string;
  request?: number;
  arg?: number[];
}

/** Syscalls that record what is asked and answer like a v4l2loopback device. */
function recordingDevice(
  options: { refuseSFmt?: number; adjustWidth?: number; shortWrite?: boolean } = {},
) {
  const calls: Call[] = [];
  const written: Uint8Array[] = [];
  const sys: V4l2Syscalls = {
    open: (path) => {
      calls.push({ call: `open ${path}` });
      return 7;
    },
    ioctl: (fd, request, arg) => {
      assert.equal(fd, 7);
      calls.push({ call: "ioctl", request, arg: [...arg] });
      const view = new DataView(arg.buffer, arg.byteOffset, arg.length);
      if (request === VIDIOC_G_FMT) {
        // What a fresh device says: 640x480 YUYV, a private field and a transfer function.
        view.setUint32(8, 640, true);
        view.setUint32(12, 480, true);
        view.setUint32(16, fourcc("YUYV"), true);
        view.setUint32(36, 0xfeedface, true);
        view.setUint32(52, 5, true);
        return 0;
      }
      if (options.refuseSFmt) return -options.refuseSFmt;
      if (options.adjustWidth) view.setUint32(8, options.adjustWidth, true);
      return 0;
    },
    write: (fd, bytes) => {
      assert.equal(fd, 7);
      calls.push({ call: `write ${bytes.length}` });
      written.push(bytes.slice());
      return Promise.resolve(options.shortWrite ? bytes.length - 1 : bytes.length);
    },
    close: (fd) => void calls.push({ call: `close ${fd}` }),
  };
  return { sys, calls, written };
}

function gradient(width: number, height: number): Frame {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    data.set([(i * 3) & 255, (i >> 4) & 255, (i * 7) & 255], i * 3);
  }
  return { data, width, height, channels: 3 };
}

Deno.test("the direct sink makes ffmpeg's calls: open, G_FMT, S_FMT with the format filled in, a write per frame, close", async () => {
  const { sys, calls } = recordingDevice();
  const sink = V4l2DirectSink.open({
    device: "/dev/video10",
    width: 320,
    height: 180,
    format: "yuyv422",
    syscalls: sys,
  });
  await sink.write(gradient(320, 180));
  await sink.write(gradient(320, 180));
  await sink.finish();
  sink.close(); // a second close is no call
  assert.deepEqual(calls.map((c) => c.call), [
    "open /dev/video10",
    "ioctl",
    "ioctl",
    "write 115200",
    "write 115200",
    "close 7",
  ]);
  assert.equal(calls[1].request, VIDIOC_G_FMT);
  // G_FMT is asked for the output type, and nothing else.
  const asked = new Uint8Array(V4L2_FORMAT_SIZE);
  asked[0] = 2;
  assert.deepEqual(calls[1].arg, [...asked]);
  assert.equal(calls[2].request, VIDIOC_S_FMT);
  // S_FMT: what G_FMT answered, with our format over it; priv and xfer_func kept.
  const sent = Uint8Array.from(calls[2].arg!);
  assert.deepEqual(decodeFormat(sent), pixFormatFor("yuyv422", 320, 180));
  const view = new DataView(sent.buffer);
  assert.equal(view.getUint32(36, true), 0xfeedface);
  assert.equal(view.getUint32(52, true), 5);
  assert.equal(view.getUint32(20, true), 1);
  assert.equal(sink.frames, 2);
});

Deno.test("a device that refuses the format, or adjusts it, is a V4l2DirectError ffmpeg may still try, and its fd is closed", () => {
  const refusing = recordingDevice({ refuseSFmt: 22 });
  assert.throws(
    () =>
      V4l2DirectSink.open({
        device: "/dev/video10",
        width: 320,
        height: 180,
        format: "yuyv422",
        syscalls: refusing.sys,
      }),
    (e) =>
      e instanceof V4l2DirectError && !e.final &&
      e.message ===
        "VIDIOC_S_FMT on /dev/video10: invalid argument (the device does not take this format)",
  );
  assert.equal(refusing.calls.at(-1)!.call, "close 7");
  const adjusting = recordingDevice({ adjustWidth: 336 });
  assert.throws(
    () =>
      V4l2DirectSink.open({
        device: "/dev/video10",
        width: 320,
        height: 180,
        format: "yuv420p",
        syscalls: adjusting.sys,
      }),
    /took 336x180 YU12 \(86400 bytes\) for 320x180 YU12/,
  );
  assert.equal(adjusting.calls.at(-1)!.call, "close 7");
  assert.throws(
    () =>
      V4l2DirectSink.open({
        device: "/dev/video10",
        width: 320,
        height: 180,
        format: "rgb24",
        syscalls: recordingDevice().sys,
      }),
    V4l2DirectError,
  );
});

Deno.test("a write the device takes only in part is an OutputError that says how to use ffmpeg instead", async () => {
  const { sys } = recordingDevice({ shortWrite: true });
  const sink = V4l2DirectSink.open({
    device: "/dev/video10",
    width: 64,
    height: 36,
    format: "yuyv422",
    syscalls: sys,
  });
  await assert.rejects(
    sink.write(gradient(64, 36)),
    (e) =>
      e instanceof OutputError &&
      /took 4607 of a frame's 4608 bytes; run with SEGCAM_V4L2=ffmpeg/.test(e.message),
  );
  sink.close();
});

Deno.test("libc through FFI: a missing device and a node that is not a camera are final V4l2DirectErrors (ffmpeg would fail too)", () => {
  const sys = libcSyscalls();
  assert.ok(sys, "glibc's libc.so.6 loads");
  assert.throws(
    () =>
      V4l2DirectSink.open({ device: "/dev/video-none", width: 64, height: 36, format: "yuyv422" }),
    (e) =>
      e instanceof V4l2DirectError && e.final &&
      e.message === "open /dev/video-none: no such device",
  );
  // /dev/null opens (FFI's open is not held to Deno's /dev rule), but has no VIDIOC_G_FMT.
  assert.throws(
    () => V4l2DirectSink.open({ device: "/dev/null", width: 64, height: 36, format: "yuyv422" }),
    (e) =>
      e instanceof V4l2DirectError && e.final &&
      e.message === "VIDIOC_G_FMT on /dev/null: not a video device",
  );
});

Deno.test("SEGCAM_V4L2=ffmpeg turns the direct path off; anything else leaves it on", () => {
  assert.equal(directWanted(() => "ffmpeg"), false);
  assert.equal(directWanted(() => "FFmpeg"), false);
  assert.equal(directWanted(() => undefined), true);
  assert.equal(directWanted(() => "direct"), true);
});

async function ffmpegRaw(frame: Frame, pixFmt: string): Promise<Uint8Array> {
  const child = new Deno.Command("ffmpeg", {
    args: [
      ...["-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24"],
      ...["-s", `${frame.width}x${frame.height}`, "-i", "pipe:0"],
      ...["-f", "rawvideo", "-pix_fmt", pixFmt, "-"],
    ],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(frame.data);
  await writer.close();
  const { code, stdout } = await child.output();
  assert.equal(code, 0);
  return stdout;
}

Deno.test("the bytes written for a real frame are what ffmpeg writes with -f rawvideo -pix_fmt yuyv422, within one level", async () => {
  const { stdout } = await new Deno.Command("ffmpeg", {
    args: [
      "-v",
      "error",
      "-ss",
      "2",
      "-i",
      TALK,
      "-frames:v",
      "1",
      "-f",
      "rawvideo",
      "-pix_fmt",
      "rgb24",
      "-",
    ],
  }).output();
  const frame: Frame = { data: stdout, width: 640, height: 360, channels: 3 };
  for (const pixFmt of ["yuyv422", "yuv420p"] as const) {
    const { sys, written } = recordingDevice();
    const sink = V4l2DirectSink.open({
      device: "/dev/video10",
      width: 640,
      height: 360,
      format: pixFmt,
      syscalls: sys,
    });
    await sink.write(frame);
    await sink.finish();
    const expected = await ffmpegRaw(frame, pixFmt);
    assert.equal(written[0].length, expected.length);
    // yuyv422: every byte. yuv420p: luma; ffmpeg filters 4:2:0 chroma with a bicubic
    // 2:1 where segcam takes the 2x2 mean (tests/kernels/yuv.test.ts), so chroma is
    // held to its mean difference.
    const exact = pixFmt === "yuyv422" ? expected.length : 640 * 360;
    let max = 0, chroma = 0;
    for (let i = 0; i < exact; i++) max = Math.max(max, Math.abs(written[0][i] - expected[i]));
    for (let i = exact; i < expected.length; i++) chroma += Math.abs(written[0][i] - expected[i]);
    assert.ok(max <= 1, `${pixFmt}: max difference ${max}`);
    if (exact < expected.length) {
      assert.ok(chroma / (expected.length - exact) < 1, `${pixFmt} chroma mean ${chroma}`);
    }
  }
});

Deno.test("a planar camera picture goes to the device packed from its planes: what ffmpeg writes from the same yuvj422p, within one level", async () => {
  const { stdout: planes } = await new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-ss", "2", "-i", TALK, "-frames:v", "1"]
      .concat(["-f", "rawvideo", "-pix_fmt", "yuvj422p", "-"]),
  }).output();
  const picture: YuvPicture = {
    data: planes,
    width: 640,
    height: 360,
    layout: "422",
    fullRange: true,
  };
  const { sys, written } = recordingDevice();
  const sink = V4l2DirectSink.open({
    device: "/dev/video10",
    width: 640,
    height: 360,
    format: "yuyv422",
    syscalls: sys,
  });
  assert.equal(sink.planar, true, "the engine may hand it planar pictures");
  await sink.write(picture);
  await sink.finish();
  const converted = await ffmpegBytes(
    ["-f", "rawvideo", "-pix_fmt", "yuvj422p", "-s", "640x360", "-i", "-"]
      .concat(["-f", "rawvideo", "-pix_fmt", "yuyv422"]),
    planes,
  );
  assert.equal(written[0].length, converted.length);
  let max = 0;
  for (let i = 0; i < converted.length; i++) {
    max = Math.max(max, Math.abs(written[0][i] - converted[i]));
  }
  // ffmpeg truncates its full → limited range map where segcam rounds.
  assert.ok(max <= 1, `max difference ${max}`);
});
