/**
 * The live pipeline under real-time load: the demo source at 1280x720@30 with blur into
 * a file for DURATION seconds. Output fps and latency (read → written, whole run) come
 * from segcam's own summary line; CPU of the whole process tree (deno and its ffmpeg
 * children) from bash's accumulated child times (cutime + cstime in /proc, 100 Hz).
 */
import { PERMISSIONS } from "../tests/cli/_run.ts";

export interface LiveRow {
  seconds: number;
  frames: number;
  fps: number;
  latencyMedianMs: number;
  latencyP95Ms: number;
  cores: number;
  backend: string;
}

export async function benchLive(backend: "native" | "wasm", seconds = 20): Promise<LiveRow> {
  const dir = await Deno.makeTempDir({ prefix: "segcam-bench-live-" });
  try {
    const command = [
      Deno.execPath(),
      "run",
      ...PERMISSIONS,
      new URL("../main.ts", import.meta.url).pathname,
      "--backend",
      backend,
      "live",
      "-i",
      "demo",
      "--size",
      "1280x720",
      "--fps",
      "30",
      "-e",
      "blur",
      "-o",
      `${dir}/live.mkv`,
      "--duration",
      String(seconds),
      "--no-tui",
    ].map((a) => `'${a}'`).join(" ");
    const script = `start=$(date +%s.%N); ${command} 2>${dir}/err; ` +
      `end=$(date +%s.%N); read -a s < /proc/$$/stat; echo "$start $end \${s[15]} \${s[16]}"`;
    const { stdout } = await new Deno.Command("bash", { args: ["-c", script] }).output();
    const [start, end, cutime, cstime] = new TextDecoder().decode(stdout).trim().split(" ").map(
      Number,
    );
    const summary = (await Deno.readTextFile(`${dir}/err`)).split("\n").find((l) =>
      /frames in .* latency median/.test(l)
    );
    const m = summary?.match(
      /(\d+) frames in ([\d.]+) s \(([\d.]+) fps\).*latency median (\d+) ms, p95 (\d+) ms/,
    );
    if (!m) {
      throw new Error(`segcam live gave no summary: ${await Deno.readTextFile(`${dir}/err`)}`);
    }
    return {
      backend,
      seconds: Number(m[2]),
      frames: Number(m[1]),
      fps: Number(m[3]),
      latencyMedianMs: Number(m[4]),
      latencyP95Ms: Number(m[5]),
      cores: (cutime + cstime) / 100 / (end - start),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) console.log(await benchLive("native", Number(Deno.args[0] ?? 20)));
