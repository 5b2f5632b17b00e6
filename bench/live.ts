/**
 * The live pipeline under real-time load, as the targets state it: a real clip
 * (../shared/data's webcam-like video, else the sample photo) paced at 30 fps by
 * `segcam live -i`, blur, raw frames out on stdout (`-o -`, into /dev/null), for
 * `seconds`. Output fps, latency (read → written) and segcam's own CPU come from its
 * summary line; the whole tree's CPU (segcam and its ffmpeg children) from
 * measureTree. Optionally into an H.264 file instead (`-o live.mkv`).
 */
import { PERMISSIONS } from "../tests/cli/_run.ts";
import { measureTree } from "./_ffmpeg_cpu.ts";
import { makeRealClip } from "./stages.ts";

export interface LiveRow {
  backend: string;
  size: string;
  output: string;
  seconds: number;
  frames: number;
  fps: number;
  dropped: number;
  latencyMedianMs: number;
  latencyP95Ms: number;
  /** CPU cores used by the segcam process alone. */
  segcamCores: number;
  /** CPU cores used by segcam and its ffmpeg children together. */
  treeCores: number;
}

export async function benchLive(
  backend: "native" | "wasm",
  options: { width?: number; height?: number; seconds?: number; output?: "raw" | "file" } = {},
): Promise<LiveRow> {
  const { width = 1280, height = 720, seconds = 15, output = "raw" } = options;
  const dir = await Deno.makeTempDir({ prefix: "segcam-bench-live-" });
  try {
    const clip = await makeRealClip(dir, width, height);
    const run = await measureTree([
      Deno.execPath(),
      "run",
      ...PERMISSIONS,
      new URL("../main.ts", import.meta.url).pathname,
      "--backend",
      backend,
      "live",
      "-i",
      clip,
      "--loop",
      "--size",
      `${width}x${height}`,
      "--fps",
      "30",
      "-e",
      "blur",
      "-o",
      output === "raw" ? "-" : `${dir}/live.mkv`,
      "--duration",
      String(seconds),
      "--no-tui",
    ]);
    const m = run.stderr.match(
      /(\d+) frames in ([\d.]+) s \(([\d.]+) fps\), (\d+) dropped, latency median (\d+) ms, p95 (\d+) ms, segcam CPU ([\d.]+) cores/,
    );
    if (!m) throw new Error(`segcam live gave no summary: ${run.stderr}`);
    return {
      backend,
      size: `${width}x${height}`,
      output: output === "raw" ? "raw frames (-o -)" : "H.264 file",
      seconds: Number(m[2]),
      frames: Number(m[1]),
      fps: Number(m[3]),
      dropped: Number(m[4]),
      latencyMedianMs: Number(m[5]),
      latencyP95Ms: Number(m[6]),
      segcamCores: Number(m[7]),
      treeCores: run.cpuSeconds / run.wallSeconds,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  console.log(await benchLive("native", { seconds: Number(Deno.args[0] ?? 15) }));
  Deno.exit(0);
}
