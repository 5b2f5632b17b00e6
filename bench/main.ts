/**
 * `deno task bench [--json]`: every benchmark, printed as tables (or one JSON object).
 * Speed targets live here, never in tests: the machines are shared and noisy, so
 * report medians, and compare ratios measured in the same run.
 */
import { benchEffects } from "./effects.ts";
import { benchFirstMask, benchInference, benchSegmentation } from "./inference.ts";
import { benchVideo } from "./video.ts";
import { benchLive } from "./live.ts";
import { printTable } from "./_stats.ts";

const json = Deno.args.includes("--json");
const fixed = (n: number) => Number(n.toFixed(2));

const inference = await benchInference();
const firstMaskMs = await benchFirstMask();
const effects = await benchEffects();
const segmentationMs: Record<string, number> = {};
for (const [w, h] of [[1280, 720], [1920, 1080]]) {
  segmentationMs[`${w}x${h}`] = await benchSegmentation(w, h);
}
const video = await benchVideo();
const live = [await benchLive("native"), await benchLive("wasm")];

if (json) {
  console.log(
    JSON.stringify({ inference, firstMaskMs, effects, segmentationMs, video, live }, null, 2),
  );
} else {
  console.log(`\nInference (${navigator.hardwareConcurrency} cores), ms\n`);
  printTable(inference.map((r) => ({
    backend: r.backend,
    model: r.model,
    "load": fixed(r.loadMs),
    "first run": fixed(r.firstRunMs),
    "median": fixed(r.medianMs),
    "p10": fixed(r.p10Ms),
  })));
  console.log(`\nProcess start to first mask (segcam mask, median of 5): ${fixed(firstMaskMs)} ms`);
  console.log("\nEffects per frame, ms (median)\n");
  printTable(effects.map((r) => ({
    effect: r.effect,
    size: `${r.width}x${r.height}`,
    mask: fixed(r.maskMs),
    effect_ms: fixed(r.effectMs),
    total: fixed(r.totalMs),
    "with segmentation": fixed(r.totalMs + segmentationMs[`${r.width}x${r.height}`]),
  })));
  console.log(
    `\nSegmentation per frame (resize, inference, full-size mask), ms: ` +
      Object.entries(segmentationMs).map(([size, ms]) => `${size} ${fixed(ms)}`).join(", "),
  );
  console.log(
    `segcam video, 1280x720 blur with audio: ${video.frames} frames at ${fixed(video.fps)} fps`,
  );
  console.log("\nLive: demo source 1280x720@30 real time, blur, into a file\n");
  printTable(live.map((r) => ({
    backend: r.backend,
    seconds: fixed(r.seconds),
    "output fps": fixed(r.fps),
    "latency median ms": r.latencyMedianMs,
    "latency p95 ms": r.latencyP95Ms,
    "CPU cores (whole tree)": fixed(r.cores),
  })));
}
Deno.exit(0); // onnxruntime-web's worker threads would keep the process alive
