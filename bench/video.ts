/** `segcam video` throughput on a generated 1280x720 clip: frames per second, end to end. */
import { makeClip } from "../tests/_media.ts";
import { PERMISSIONS } from "../tests/cli/_run.ts";

export async function benchVideo(seconds = 4): Promise<{ frames: number; fps: number }> {
  const dir = await Deno.makeTempDir({ prefix: "segcam-bench-" });
  try {
    await makeClip(`${dir}/in.mp4`, { width: 1280, height: 720, fps: 30, seconds, audio: true });
    const start = performance.now();
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...PERMISSIONS,
        new URL("../main.ts", import.meta.url).pathname,
        "video",
        `${dir}/in.mp4`,
        "-o",
        `${dir}/out.mp4`,
        "-e",
        "blur",
      ],
      stdout: "null",
    }).output();
    if (code !== 0) throw new Error(`segcam video failed: ${new TextDecoder().decode(stderr)}`);
    const frames = seconds * 30;
    return { frames, fps: frames / ((performance.now() - start) / 1000) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
