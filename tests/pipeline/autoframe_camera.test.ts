import assert from "node:assert/strict";
import { parseCameraFormats } from "../../src/io/devices.ts";
import { autoframeCameraMode } from "../../src/io/live_endpoints.ts";

// As ffmpeg 5.1 prints `-f v4l2 -list_formats all` for a typical laptop camera.
const laptop = parseCameraFormats([
  "[video4linux2,v4l2 @ 0x1] Compressed:       mjpeg :          Motion-JPEG : 640x480 1280x720 1920x1080 2560x1440 3840x2160",
  "[video4linux2,v4l2 @ 0x1] Raw       :     yuyv422 :           YUYV 4:2:2 : 640x480 1280x720",
]);

Deno.test("autoframeCameraMode() asks for the largest MJPEG mode of the output's shape up to zoom x its size", () => {
  const want = { width: 1280, height: 720 };
  assert.deepEqual(autoframeCameraMode(laptop, want, 2), {
    inputFormat: "mjpeg",
    width: 2560,
    height: 1440,
  });
  assert.deepEqual(autoframeCameraMode(laptop, want, 1.5), {
    inputFormat: "mjpeg",
    width: 1920,
    height: 1080,
  });
  // Nothing larger than the output within the zoom, or only other shapes: no change.
  assert.equal(autoframeCameraMode(laptop, want, 1.2), undefined);
  assert.equal(autoframeCameraMode(laptop, { width: 640, height: 640 }, 2), undefined);
  const small = parseCameraFormats([
    "[video4linux2,v4l2 @ 0x1] Raw       :     yuyv422 :           YUYV 4:2:2 : 640x480 1280x720",
  ]);
  assert.equal(autoframeCameraMode(small, want, 2), undefined);
});
