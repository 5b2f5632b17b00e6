/**
 * `deno task bench [--json] [--quick]`: every benchmark, printed as tables (or one JSON
 * object with every figure, for scripts that compare runs). Speed targets live here,
 * never in tests: the machines are shared and noisy, so report medians, and compare
 * ratios measured in the same run. `--quick` skips the long live runs.
 */
import { benchEffects } from "./effects.ts";
import {
  benchFirstMask,
  benchInference,
  benchPeerInference,
  benchSegmentation,
} from "./inference.ts";
import { benchImages } from "./images.ts";
import { benchInMemory } from "./in_memory.ts";
import { benchKernels } from "./kernels.ts";
import {
  benchLive,
  type LiveRow,
  MAIN_JOB,
  MAIN_JOB_ORT_BINDING,
  MAIN_JOB_RGB_FRAMES,
  MAIN_JOB_RGB_PIPES,
  MAIN_JOB_VIA_FFMPEG,
} from "./live.ts";
import { benchMaskStage } from "./mask_stage.ts";
import { benchOrtThreads } from "./ort_threads.ts";
import { benchStages } from "./stages.ts";
import { benchVideo } from "./video.ts";
import { benchAutoframe, printAutoframe } from "./autoframe.ts";
import { printTable } from "./_stats.ts";

const json = Deno.args.includes("--json");
const quick = Deno.args.includes("--quick");
const fixed = (n: number) => Number(n.toFixed(2));
const say = (text: string) => json || console.error(text);

// First: once onnxruntime-web is loaded in this process, it swaps in Node's
// worker_threads for Worker, and the image pool's Deno workers would not start.
say("bench: segcam image on a folder…");
const images = await benchImages({ limit: quick ? 40 : undefined });
say("bench: frames in memory, segcam and the seed's pipeline…");
const inMemory = await benchInMemory();
say("bench: inference threads and spinning…");
const ortThreads = await benchOrtThreads();
say("bench: inference per backend and model…");
const inference = await benchInference();
say("bench: inference of the peer tools' models (--model FILE)…");
const peerInference = await benchPeerInference();
const firstMaskMs = await benchFirstMask();
say("bench: stages of a frame…");
const stages = await benchStages();
say("bench: kernels, TypeScript and wasm…");
const kernels = await benchKernels();
say("bench: auto-framing…");
const autoframe = benchAutoframe();
say("bench: the mask path's parts…");
const maskStage = await benchMaskStage();
say("bench: effects…");
const effects = await benchEffects();
const segmentationMs: Record<string, number> = {};
for (const [w, h] of [[1280, 720], [1920, 1080]]) {
  segmentationMs[`${w}x${h}`] = await benchSegmentation(w, h);
}
say("bench: segcam video…");
const video = await benchVideo();
const live: LiveRow[] = [];
if (!quick) {
  say("bench: live runs (15 s each)…");
  live.push(await benchLive("native"));
  live.push(await benchLive("wasm"));
  live.push(await benchLive("native", { width: 1920, height: 1080 }));
  // The main job's shape, and the same through the ffmpeg conversion it replaces.
  live.push(await benchLive("native", MAIN_JOB));
  live.push(await benchLive("native", MAIN_JOB_VIA_FFMPEG));
  // Before issue 16's yuv420p input, in the same run.
  live.push(await benchLive("native", MAIN_JOB_RGB_PIPES));
  // Before frames stayed planar (YUV pipes, RGB inside), in the same run.
  live.push(await benchLive("native", MAIN_JOB_RGB_FRAMES));
  // Before inference went through onnxruntime's C API, in the same run.
  live.push(await benchLive("native", MAIN_JOB_ORT_BINDING));
  // A paced H.264 file out in yuv420p (what encoders and streams take): planar end to end.
  live.push(await benchLive("native", { pixFmt: "yuv420p" }));
  live.push(await benchLive("wasm", { pixFmt: "yuv420p" }));
  live.push(await benchLive("native", { width: 1920, height: 1080, pixFmt: "yuv420p" }));
}

if (json) {
  console.log(JSON.stringify(
    {
      cores: navigator.hardwareConcurrency,
      inMemory,
      ortThreads,
      inference,
      peerInference,
      firstMaskMs,
      stages,
      kernels,
      maskStage,
      autoframe,
      effects,
      segmentationMs,
      video,
      images,
      live,
    },
    null,
    2,
  ));
} else {
  console.log(
    "\nFrames in memory, blur: segcam (stream mask path + blur) vs the seed's pipeline\n",
  );
  printTable(inMemory.map((r) => ({
    size: r.size,
    backend: r.backend,
    frames: r.frames,
    "ms/frame": fixed(r.msPerFrame),
    fps: fixed(r.fps),
    "seed ms/frame": r.seedMsPerFrame ?? "–",
    "x seed": r.seedMsPerFrame ? `${fixed(r.seedMsPerFrame / r.msPerFrame)}x` : "–",
  })));
  console.log(`\nInference threads (landscape model), ${navigator.hardwareConcurrency} cores\n`);
  printTable(ortThreads.map((r) => ({
    backend: r.backend,
    threads: r.threads,
    spinning: r.spinning ? "on" : "off",
    "median ms": fixed(r.medianMs),
    "cores at 30 fps": fixed(r.coresAt30fps),
  })));
  console.log(`\nInference per backend and model, ms\n`);
  printTable(inference.map((r) => ({
    backend: r.backend,
    model: r.model,
    "load": fixed(r.loadMs),
    "first run": fixed(r.firstRunMs),
    "median": fixed(r.medianMs),
    "p10": fixed(r.p10Ms),
    "page faults/run": r.faultsPerRun === undefined ? "–" : fixed(r.faultsPerRun),
  })));
  if (peerInference.skipped) console.log(`\nPeer models: skipped, ${peerInference.skipped}`);
  else {
    // Against the landscape model on the same backend, in this run: the ratio holds on a
    // loaded machine where the milliseconds do not.
    const landscape = (backend: string) =>
      inference.find((r) => r.backend === backend && r.model === "landscape")!.medianMs;
    console.log(`\nInference of the peer tools' models (--model FILE), ms\n`);
    printTable(peerInference.rows.map((r) => ({
      backend: r.backend,
      model: r.model,
      input: r.input,
      "load": fixed(r.loadMs),
      "first run": fixed(r.firstRunMs),
      "median": fixed(r.medianMs),
      "p10": fixed(r.p10Ms),
      "x landscape": `${fixed(r.medianMs / landscape(r.backend))}x`,
    })));
  }
  console.log(`\nProcess start to first mask (segcam mask, median of 5): ${fixed(firstMaskMs)} ms`);
  console.log(
    "\nWhere a frame's time goes, ms per frame (ffmpeg: CPU of a process doing only that)\n",
  );
  const stageNames = Object.keys(stages[0]?.stages ?? {});
  printTable(stageNames.map((name) => ({
    stage: name,
    ...Object.fromEntries(stages.map((r) => [r.size, fixed(r.stages[name])])),
  })));
  console.log("\nKernels, ms per frame: TypeScript reference vs wasm SIMD\n");
  printTable(kernels.map((r) => ({
    kernel: r.kernel,
    size: `${r.width}x${r.height}`,
    ts: fixed(r.tsMs),
    wasm: fixed(r.wasmMs),
    speedup: `${fixed(r.tsMs / r.wasmMs)}x`,
  })));
  console.log(
    "\nAuto-framing per frame, ms: follow (box + motion), crop (resample picture + mask), total\n",
  );
  printAutoframe(autoframe);
  console.log("\nThe mask path per 1280x720 frame (real clip, native), each part off in turn\n");
  printTable(maskStage.map((r) => ({
    variant: r.variant,
    "median ms": fixed(r.medianMs),
    "mean ms": fixed(r.meanMs),
    "inferences/frame": fixed(r.inferencesPerFrame),
  })));
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
    `segcam video, 1280x720 blur with audio (medians of ${video.rounds} rounds): ${video.frames} frames at ${
      fixed(video.fps)
    } fps ` +
      `(${fixed(video.processedFps)} processed); ffmpeg alone, same clip and encoder settings: ` +
      `${fixed(video.ffmpegFps)} fps, and split in two ffmpegs whose yuv420p frames Deno ` +
      `relays untouched (segcam's plumbing, none of its work) ${
        fixed(video.pipedFfmpegFps)
      } fps, ratio ${fixed(video.pipedRatio)}; ` +
      `segcam's ratio ${fixed(video.ratio)} (${
        fixed(video.processedRatio)
      } processed); with rgb24 pipes ${fixed(video.rgbPipesFps)} fps, ratio ${
        fixed(video.rgbPipesRatio)
      }; on ${video.longFrames} frames ratio ${fixed(video.longRatio)}, steady state (the frames ` +
      `the long clip adds, start-up excluded) ${fixed(video.steadyRatio)}`,
  );
  for (const a of video.alpha) {
    console.log(
      `segcam video -e transparent to ${a.output}, 1280x720 real clip: ${fixed(a.fps)} fps ` +
        `(${fixed(a.processedFps)} processed), ${fixed(a.bytes / 1e6)} MB for ${a.frames} frames`,
    );
  }
  if (images) {
    console.log(`\nsegcam image on ${images.images} portraits (${images.folder})\n`);
    printTable(images.runs.map((r) => ({
      jobs: r.jobs,
      seconds: fixed(r.seconds),
      "images/s": fixed(r.imagesPerSecond),
      "cores busy": fixed(r.coresBusy),
    })));
  }
  if (live.length > 0) {
    console.log("\nLive: a real clip paced at 30 fps, blur, raw frames out (-o -)\n");
    printTable(live.map((r) => ({
      backend: r.backend,
      size: r.size,
      input: r.input,
      output: r.output,
      "output fps": fixed(r.fps),
      dropped: r.dropped,
      "latency median ms": r.latencyMedianMs,
      "latency p95 ms": r.latencyP95Ms,
      "segcam cores": fixed(r.segcamCores),
      "whole tree cores": fixed(r.treeCores),
    })));
  }
}
Deno.exit(0); // onnxruntime-web's worker threads would keep the process alive
