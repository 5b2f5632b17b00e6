/**
 * `segcam video` throughput on a generated 1280x720 clip, end to end, next to ffmpeg's
 * own transcode of the same clip with segcam's encoder settings in the same run (the
 * limit: decode and encode with nothing between), so the distance is a ratio. Plus the
 * alpha outputs (`-e transparent` to .webm and .mov) on a real clip: fps and bytes.
 */
import { makeClip } from "../tests/_media.ts";
import { PERMISSIONS } from "../tests/cli/_run.ts";
import { planEncode } from "../src/io/ffmpeg_args.ts";
import { makeRealClip } from "./stages.ts";
import { median } from "./_stats.ts";

export interface AlphaRow {
  output: string;
  frames: number;
  /** End to end, process start to exit (model load included). */
  fps: number;
  /** As segcam reports it: frames over the time spent on them (model load excluded). */
  processedFps: number;
  bytes: number;
}

export interface VideoBench {
  frames: number;
  /** segcam video, end to end. */
  fps: number;
  /** segcam video as it reports it (model load excluded). */
  processedFps: number;
  /** ffmpeg alone: the same clip decoded and encoded with segcam's settings. */
  ffmpegFps: number;
  /**
   * Two ffmpegs with this process relaying yuv420p frames from one's stdout to the
   * other's stdin, untouched: one decoding the clip, one encoding with the same settings
   * and the clip's audio. segcam video's shape with none of segcam's work: the limit its
   * plumbing allows here (two ffmpeg start-ups, every frame through two pipes).
   */
  pipedFfmpegFps: number;
  /** ffmpeg's piped pair against its own transcode: what the process shape costs alone. */
  pipedRatio: number;
  /** fps / ffmpegFps (the target: ≥ 0.65). */
  ratio: number;
  processedRatio: number;
  /** segcam video with rgb24 pipes both ways (SEGCAM_YUV_PIPES=0), in the same run. */
  rgbPipesFps: number;
  rgbPipesRatio: number;
  /** The same on a clip 4x as long: start-up weighs less. */
  longFrames: number;
  longRatio: number;
  /**
   * The steady state: the frames the long clip adds over the short one, at the time it
   * adds, segcam against ffmpeg (start-up, the same in both runs, cancels out).
   */
  steadyRatio: number;
  /** Rounds the figures above are medians of. */
  rounds: number;
  alpha: AlphaRow[];
}

async function segcamVideo(
  input: string,
  output: string,
  effect: string,
  env: Record<string, string> = {},
): Promise<{ seconds: number; processedFps: number }> {
  const start = performance.now();
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    env,
    args: [
      "run",
      ...PERMISSIONS,
      new URL("../main.ts", import.meta.url).pathname,
      "video",
      input,
      "-o",
      output,
      "-e",
      effect,
      "--force", // the rounds write the same file again
    ],
  }).output();
  const seconds = (performance.now() - start) / 1000;
  // "Wrote …: N frames, … (F fps processed)" is on stdout, failures on stderr.
  const text = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  if (code !== 0) throw new Error(`segcam video failed: ${text}`);
  const processed = text.match(/\(([\d.]+) fps processed\)/);
  return { seconds, processedFps: processed ? Number(processed[1]) : NaN };
}

/** segcam's encoder plan for `output` at 30 fps, with `input`'s audio. */
function encoderPlan(
  input: string,
  output: string,
  width: number,
  height: number,
  pixFmtIn: "rgb24" | "yuv420p",
) {
  return planEncode(output, { width, height, fps: "30", pixFmtIn, audioFrom: input });
}

/**
 * ffmpeg transcoding `input` to `output` with the encoder arguments segcam gives its
 * own encoder for that file (planEncode), audio included: seconds taken.
 */
async function ffmpegTranscode(input: string, output: string, width: number, height: number) {
  const plan = encoderPlan(input, output, width, height, "rgb24");
  // Everything from the codec on (codecs, audio filters, flags, target); the inputs
  // and maps are the file's own here.
  const settings = plan.args.slice(plan.args.indexOf("-c:v"));
  const start = performance.now();
  const { code, stderr } = await new Deno.Command("ffmpeg", {
    args: [
      ...["-hide_banner", "-nostdin", "-loglevel", "error", "-i", input],
      ...["-map", "0:V:0", "-map", "0:a?"],
      ...settings,
    ],
  }).output();
  if (code !== 0) throw new Error(`ffmpeg failed: ${new TextDecoder().decode(stderr)}`);
  return (performance.now() - start) / 1000;
}

/**
 * The same transcode split in two ffmpegs, their frames relayed by this process as
 * segcam video relays them (decoder → pipe → Deno → pipe → encoder with the input's
 * audio), with nothing done to them: seconds.
 */
async function ffmpegPiped(input: string, output: string, width: number, height: number) {
  const plan = encoderPlan(input, output, width, height, "yuv420p");
  const quiet = ["-hide_banner", "-nostdin", "-loglevel", "error"];
  const start = performance.now();
  const decoder = new Deno.Command("ffmpeg", {
    args: [...quiet, "-i", input, "-map", "0:V:0", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const encoder = new Deno.Command("ffmpeg", {
    args: plan.args,
    stdin: "piped",
    stderr: "piped",
  }).spawn();
  // A side that fails breaks the relay; its own words are told below, not the relay's.
  await decoder.stdout.pipeTo(encoder.stdin).catch(() => {});
  const [decoded, encoded] = await Promise.all([decoder.output(), encoder.output()]);
  if (!decoded.success || !encoded.success) {
    const text = new TextDecoder().decode(encoded.success ? decoded.stderr : encoded.stderr);
    throw new Error(`piped ffmpeg failed: ${text}`);
  }
  return (performance.now() - start) / 1000;
}

/**
 * Rounds of the short and of the long clip: ffmpeg's transcode, the piped pair and
 * segcam take turns within a round, so that the machine's moods (one run of ffmpeg moves
 * by a fifth here) fall on all three alike; figures are medians over the rounds, ratios
 * the median of each round's own ratio.
 */
const ROUNDS = 3;

export async function benchVideo(seconds = 4, rounds = ROUNDS): Promise<VideoBench> {
  const dir = await Deno.makeTempDir({ prefix: "segcam-bench-" });
  try {
    await makeClip(`${dir}/in.mp4`, { width: 1280, height: 720, fps: 30, seconds, audio: true });
    const frames = seconds * 30;
    const longFrames = 4 * frames;
    await makeClip(`${dir}/long.mp4`, {
      width: 1280,
      height: 720,
      fps: 30,
      seconds: 4 * seconds,
      audio: true,
    });
    const ffmpegRuns: number[] = [], pipedRuns: number[] = [], segcamRuns: number[] = [];
    const processedRuns: number[] = [], longRuns: number[] = [], ffmpegLongRuns: number[] = [];
    const ratios = { e2e: [] as number[], processed: [] as number[], piped: [] as number[] };
    const longRatios = { whole: [] as number[], steady: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      const ff = await ffmpegTranscode(`${dir}/in.mp4`, `${dir}/ff.mp4`, 1280, 720);
      const piped = await ffmpegPiped(`${dir}/in.mp4`, `${dir}/piped.mp4`, 1280, 720);
      const run = await segcamVideo(`${dir}/in.mp4`, `${dir}/out.mp4`, "blur");
      const ffLong = await ffmpegTranscode(`${dir}/long.mp4`, `${dir}/ff-long.mp4`, 1280, 720);
      const long = await segcamVideo(`${dir}/long.mp4`, `${dir}/long-out.mp4`, "blur");
      ffmpegRuns.push(ff);
      pipedRuns.push(piped);
      segcamRuns.push(run.seconds);
      processedRuns.push(run.processedFps);
      ffmpegLongRuns.push(ffLong);
      longRuns.push(long.seconds);
      ratios.e2e.push(ff / run.seconds);
      ratios.processed.push(run.processedFps / (frames / ff));
      ratios.piped.push(ff / piped);
      longRatios.whole.push(ffLong / long.seconds);
      longRatios.steady.push((ffLong - ff) / (long.seconds - run.seconds));
    }
    const ffmpegSeconds = median(ffmpegRuns);
    const rgb = await segcamVideo(`${dir}/in.mp4`, `${dir}/rgb.mp4`, "blur", {
      SEGCAM_YUV_PIPES: "0",
    });
    const alpha: AlphaRow[] = [];
    // 3 s of the real desk clip at 720p30 (alpha costs depend on the picture).
    const real = await makeRealClip(dir, 1280, 720);
    for (const ext of ["webm", "mov"]) {
      const out = `${dir}/alpha.${ext}`;
      const a = await segcamVideo(real, out, "transparent");
      alpha.push({
        output: `.${ext}`,
        frames: 90,
        fps: 90 / a.seconds,
        processedFps: a.processedFps,
        bytes: (await Deno.stat(out)).size,
      });
    }
    return {
      frames,
      fps: frames / median(segcamRuns),
      processedFps: median(processedRuns),
      ffmpegFps: frames / ffmpegSeconds,
      pipedFfmpegFps: frames / median(pipedRuns),
      pipedRatio: median(ratios.piped),
      ratio: median(ratios.e2e),
      processedRatio: median(ratios.processed),
      rgbPipesFps: frames / rgb.seconds,
      rgbPipesRatio: ffmpegSeconds / rgb.seconds,
      longFrames,
      longRatio: median(longRatios.whole),
      steadyRatio: median(longRatios.steady),
      rounds,
      alpha,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  console.log(await benchVideo());
  Deno.exit(0);
}
