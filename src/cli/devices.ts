/** `segcam devices`: the cameras and virtual cameras segcam can use. */
import { listVideoDevices, LOOPBACK_SETUP } from "../io/devices.ts";
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
  const devices = listVideoDevices();
  const cameras = devices.filter((d) => !d.loopback);
  const outputs = devices.filter((d) => d.loopback);
  console.log("Cameras:");
  if (cameras.length === 0) {
    console.log("  none found (try --input demo to see segcam without one)");
  }
  for (const camera of cameras) {
    console.log(`  ${camera.path}  ${camera.name}`);
    const modes = await listModes(camera.path);
    for (const mode of modes) console.log(`      ${mode}`);
  }
  console.log("Virtual cameras (v4l2loopback):");
  if (outputs.length === 0) console.log(`  none; create one with: ${LOOPBACK_SETUP}`);
  for (const output of outputs) console.log(`  ${output.path}  ${output.name}`);
}

/** The formats and sizes a camera offers, as ffmpeg lists them. */
async function listModes(device: string): Promise<string[]> {
  const process = new FfmpegProcess(
    "ffmpeg",
    ["-hide_banner", "-f", "v4l2", "-list_formats", "all", "-i", device],
    {},
  );
  await process.status;
  return (await process.stderrTail())
    .filter((line) => /(Raw|Compressed)\s*:/.test(line))
    .map((line) => line.replace(/^\[[^\]]*\]\s*/, ""));
}
