import assert from "node:assert/strict";
import { liveInputArgs, liveOutputArgs, parseLiveOutput } from "../../src/io/live_args.ts";
import { chooseCameraMode, parseCameraFormats } from "../../src/io/devices.ts";

const format = { width: 1280, height: 720, fps: 30 };
const tail = [
  "-map",
  "0:v:0",
  "-vf",
  "scale=1280:720:force_original_aspect_ratio=increase,crop=1280:720",
  "-f",
  "rawvideo",
  "-pix_fmt",
  "rgb24",
  "-",
];
const quiet = ["-hide_banner", "-nostdin", "-loglevel", "error"];

Deno.test("liveInputArgs() opens a Linux camera as MJPEG at the asked size and rate", () => {
  assert.deepEqual(
    liveInputArgs({ kind: "camera", platform: "linux", device: "/dev/video0" }, format),
    [
      ...quiet,
      "-f",
      "v4l2",
      "-input_format",
      "mjpeg",
      "-video_size",
      "1280x720",
      "-framerate",
      "30",
      "-i",
      "/dev/video0",
      ...tail,
    ],
  );
});

Deno.test("liveInputArgs() opens cameras on macOS (avfoundation) and Windows (dshow)", () => {
  assert.deepEqual(
    liveInputArgs({ kind: "camera", platform: "darwin", device: "0" }, format),
    [
      ...quiet,
      "-f",
      "avfoundation",
      "-framerate",
      "30",
      "-video_size",
      "1280x720",
      "-i",
      "0:none",
      ...tail,
    ],
  );
  assert.deepEqual(
    liveInputArgs({ kind: "camera", platform: "windows", device: "Integrated Camera" }, format),
    [
      ...quiet,
      "-f",
      "dshow",
      "-video_size",
      "1280x720",
      "-framerate",
      "30",
      "-i",
      "video=Integrated Camera",
      ...tail,
    ],
  );
});

Deno.test("liveInputArgs() paces a file in real time and loops it on request", () => {
  const args = liveInputArgs({ kind: "file", path: "clip.mp4", loop: true }, format);
  assert.deepEqual(args.slice(4, 9), ["-re", "-stream_loop", "-1", "-i", "clip.mp4"]);
  assert.equal(
    args[args.indexOf("-vf") + 1],
    "fps=30,scale=1280:720:force_original_aspect_ratio=increase,crop=1280:720",
  );
});

Deno.test("parseLiveOutput() tells devices, streams, stdout and files apart", () => {
  assert.deepEqual(parseLiveOutput("/dev/video10"), {
    kind: "v4l2",
    device: "/dev/video10",
    pixFmt: "yuyv422",
  });
  assert.deepEqual(parseLiveOutput("/dev/video10", "rgb24"), {
    kind: "v4l2",
    device: "/dev/video10",
    pixFmt: "rgb24",
  });
  assert.deepEqual(parseLiveOutput("udp://127.0.0.1:1234"), {
    kind: "stream",
    url: "udp://127.0.0.1:1234",
  });
  assert.deepEqual(parseLiveOutput("-"), { kind: "stdout", pixFmt: "rgb24" });
  assert.deepEqual(parseLiveOutput("out.mp4"), { kind: "file", path: "out.mp4" });
});

Deno.test("liveOutputArgs() writes yuyv422 to a v4l2loopback device, and H.264 to streams", () => {
  const input = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "1280x720", "-r", "30", "-i", "-"];
  assert.deepEqual(
    liveOutputArgs({ kind: "v4l2", device: "/dev/video10", pixFmt: "yuyv422" }, format, "rgb24"),
    [...quiet, ...input, "-f", "v4l2", "-pix_fmt", "yuyv422", "/dev/video10"],
  );
  const srt = liveOutputArgs({ kind: "stream", url: "srt://127.0.0.1:9000" }, format, "rgb24");
  // A listener by default, so OBS (a caller) can connect whenever it starts.
  assert.deepEqual(srt.slice(-3), ["-f", "mpegts", "srt://127.0.0.1:9000?mode=listener"]);
  const caller = liveOutputArgs(
    { kind: "stream", url: "srt://10.0.0.2:9000?mode=caller&latency=200" },
    format,
    "rgb24",
  );
  assert.equal(caller.at(-1), "srt://10.0.0.2:9000?mode=caller&latency=200");
  const rtmp = liveOutputArgs({ kind: "stream", url: "rtmp://host/live/key" }, format, "rgb24");
  assert.deepEqual(rtmp.slice(-3), ["-f", "flv", "rtmp://host/live/key"]);
  assert.ok(rtmp.includes("zerolatency"));
});

Deno.test("chooseCameraMode() prefers MJPEG at the asked size, else the nearest size with a warning", () => {
  // As ffmpeg 5.1 prints `-f v4l2 -list_formats all` for a typical laptop camera.
  const formats = parseCameraFormats([
    "[video4linux2,v4l2 @ 0x55d0c1a0] Compressed:       mjpeg :          Motion-JPEG : 640x480 1280x720 1920x1080",
    "[video4linux2,v4l2 @ 0x55d0c1a0] Raw       :     yuyv422 :           YUYV 4:2:2 : 640x480 1280x720",
  ]);
  assert.deepEqual(formats.map((f) => [f.name, f.compressed, f.sizes.length]), [
    ["mjpeg", true, 3],
    ["yuyv422", false, 2],
  ]);
  assert.deepEqual(chooseCameraMode(formats, { width: 1280, height: 720 }), {
    inputFormat: "mjpeg",
    width: 1280,
    height: 720,
  });
  const near = chooseCameraMode(formats, { width: 1600, height: 900 })!;
  assert.deepEqual([near.inputFormat, near.width, near.height], ["mjpeg", 1920, 1080]);
  assert.match(near.warning!, /no 1600x900 mode; using 1920x1080 \(mjpeg\)/);
  const rawOnly = parseCameraFormats([
    "[video4linux2,v4l2 @ 0x1] Raw       :     yuyv422 :           YUYV 4:2:2 : 640x480 320x240",
  ]);
  assert.deepEqual(chooseCameraMode(rawOnly, { width: 640, height: 480 }), {
    inputFormat: "yuyv422",
    width: 640,
    height: 480,
  });
  assert.equal(chooseCameraMode([], { width: 640, height: 480 }), undefined);
  const args = liveInputArgs({
    kind: "camera",
    platform: "linux",
    device: "/dev/video0",
    mode: { inputFormat: "yuyv422", width: 640, height: 480 },
  }, format);
  assert.deepEqual(args.slice(4, 14), [
    "-f",
    "v4l2",
    "-input_format",
    "yuyv422",
    "-video_size",
    "640x480",
    "-framerate",
    "30",
    "-i",
    "/dev/video0",
  ]);
});
