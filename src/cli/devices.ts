/** `segcam devices`: the cameras and virtual cameras segcam can use. */
import { listVideoDevices, LOOPBACK_SETUP, probeCameraFormats } from "../io/devices.ts";
import { FfmpegProcess } from "../io/ffmpeg_process.ts";

export async function runDevices(): Promise<void> {
  if (Deno.build.os !== "linux") {
    // avfoundation / dshow list their devices on stderr.
    const args = Deno.build.os === "darwin"
      ? ["-hide_banner", "-f", "avfoundation", "-list_devices", "true", "-i", ""]
      : ["-hide_banner", "-list_devices", "true", "-f", "dshow", "-i", "dummy"];
    const process = new FfmpegProcess("ffmpeg", args, {});
    await process.status;
    console.log((await process.stderrTail()).join("\n"));
    return;
  }
  const devices = await listVideoDevices();
  const cameras = devices.filter((d) => !d.loopback);
  const outputs = devices.filter((d) => d.loopback);
  console.log("Cameras:");
  if (cameras.length === 0) {
    console.log("  none found (try --input demo to see segcam without one)");
  }
  for (const camera of cameras) {
    const label = camera.name || "(no label)";
    if ((camera.index ?? 0) > 0) {
      // A UVC camera's second node carries metadata, not pictures: list it, say so.
      console.log(`  ${camera.path}  ${label}  (metadata node ${camera.index}: no picture)`);
      continue;
    }
    console.log(`  ${camera.path}  ${label}`);
    for (const format of await probeCameraFormats(camera.path)) {
      const sizes = format.sizes.map((s) => `${s.width}x${s.height}`).join(" ");
      console.log(`      ${format.name.padEnd(8)} ${sizes}`);
    }
  }
  console.log("Virtual cameras (v4l2loopback):");
  if (outputs.length === 0) console.log(`  none; create one with: ${LOOPBACK_SETUP}`);
  for (const output of outputs) console.log(`  ${output.path}  ${output.name || "(no label)"}`);
}
