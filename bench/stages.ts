/**
 * Where a frame's CPU goes, stage by stage, at 1280x720 and 1920x1080 on real frames
 * (the webcam-like clip of ../shared/data when present, else the sample photo):
 *
 *   ffmpeg decode + conversion to rgb24 (and to yuv420p, what a YUV pipeline would take)
 *   → pipe read → resize to the model → inference → mask upscale → refinement → effect
 *   → pipe write → encode (libx264, as segcam video) or conversion to yuyv422 (v4l2)
 *
 * ffmpeg stages are CPU ms per frame of a child process doing only that; our stages are
 * median wall ms on this process (single-threaded but for inference).
 */
import { createEffectSettings } from "../src/effects/effect.ts";
import { createEffect } from "../src/effects/registry.ts";
import { cpuUsage } from "node:process";
import type { Frame } from "../src/frame.ts";
import { FrameReader } from "../src/io/frame_reader.ts";
import { readImage } from "../src/io/image_file.ts";
import { defaultMaskOptions, MaskRefiner } from "../src/kernels/mask.ts";
import { bilinearTable } from "../src/kernels/resize.ts";
import { defaultKernels } from "../src/kernels/kernel_set.ts";
import { scaleCover } from "../src/kernels/scale_cover.ts";
import { chooseModel, createSegmenter } from "../src/model/segmenter.ts";
import { measureTree } from "./_ffmpeg_cpu.ts";
import { median } from "./_stats.ts";

export const DESK_VIDEO = new URL("../../shared/data/videos/desk_960x540.mp4", import.meta.url)
  .pathname;
const PHOTO = new URL("../tests/fixtures/astronaut.png", import.meta.url).pathname;
const FRAMES = 90;
const RUNS = 100;
const X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"];

export interface StageRow {
  size: string;
  /** ms per frame, by stage. */
  stages: Record<string, number>;
  /** Sum of the stages a live frame goes through (camera-like decode → v4l2 conversion). */
  liveTotalMs: number;
}

/** A 1280x720 (or other) clip of real footage, 3 s at 30 fps, in `dir`. */
export async function makeRealClip(dir: string, width: number, height: number): Promise<string> {
  const path = `${dir}/real_${width}x${height}.mp4`;
  const source = await Deno.stat(DESK_VIDEO).then(() => ["-i", DESK_VIDEO], () => [
    "-loop",
    "1",
    "-framerate",
    "30",
    "-i",
    PHOTO,
  ]);
  const { success, stderr } = await new Deno.Command("ffmpeg", {
    args: [
      "-v",
      "error",
      "-y",
      ...source,
      "-t",
      "3",
      "-vf",
      `scale=${width}:${height}:force_original_aspect_ratio=increase,crop=${width}:${height},fps=30`,
      "-c:v",
      "libx264",
      "-preset",
      "veryfast",
      "-pix_fmt",
      "yuv420p",
      path,
    ],
  }).output();
  if (!success) throw new Error(new TextDecoder().decode(stderr));
  return path;
}

/** CPU ms of this process (all its threads) since `since`. */
function cpuMs(since: ReturnType<typeof cpuUsage>): number {
  const used = cpuUsage(since);
  return (used.user + used.system) / 1000;
}

async function ffmpegMsPerFrame(args: string[]): Promise<number> {
  const run = await measureTree(["ffmpeg", "-v", "error", "-nostdin", "-y", ...args]);
  return run.cpuSeconds * 1000 / FRAMES;
}

function time(fn: () => void): number {
  const samples: number[] = [];
  for (let i = 0; i < 10; i++) fn();
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  return median(samples);
}

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 10; i++) await fn();
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return median(samples);
}

export async function benchStages(): Promise<StageRow[]> {
  const dir = await Deno.makeTempDir({ prefix: "segcam-bench-stages-" });
  const rows: StageRow[] = [];
  try {
    for (const [width, height] of [[1280, 720], [1920, 1080]] as const) {
      const clip = await makeRealClip(dir, width, height);
      const raw = `${dir}/frames_${width}.rgb`;
      const rawInput = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", `${width}x${height}`];
      const stages: Record<string, number> = {};
      const decodeTo = (pixFmt: string, out: string) =>
        ffmpegMsPerFrame([
          "-i",
          clip,
          "-frames:v",
          String(FRAMES),
          "-f",
          "rawvideo",
          "-pix_fmt",
          pixFmt,
          out,
        ]);
      stages["ffmpeg decode → rgb24"] = await decodeTo("rgb24", raw);
      stages["ffmpeg decode → yuv420p"] = await decodeTo("yuv420p", "/dev/null");

      // Pipe read: FRAMES frames through `cat`, into one reused frame.
      // The kernels segcam runs (wasm SIMD), on buffers in their arena, as the engine does.
      const kernels = defaultKernels();
      const frame = kernels.frame(width, height, 3);
      {
        const cat = new Deno.Command("cat", { args: [raw], stdout: "piped" }).spawn();
        const reader = new FrameReader(cat.stdout);
        const t = performance.now(), cpu = cpuUsage();
        let n = 0;
        while (await reader.read(frame.data)) n++;
        stages["pipe read"] = (performance.now() - t) / n;
        // Wall time includes waiting for `cat`; this is what segcam itself spends.
        stages["pipe read, segcam CPU"] = cpuMs(cpu) / n;
        await cat.status;
      }
      // A real frame to work on: the middle of the clip (or the photo).
      const photo = await Deno.stat(DESK_VIDEO).then(() => undefined, () => readImage(PHOTO));
      if (photo) scaleCover(photo as Frame, frame);

      const model = chooseModel("auto", width, height);
      const segmenter = await createSegmenter({ backend: "native", threads: 1, model });
      const { inputWidth, inputHeight } = segmenter.model;
      const input = new Float32Array(3 * inputWidth * inputHeight);
      const xs = bilinearTable(width, inputWidth), ys = bilinearTable(height, inputHeight);
      stages["resize to model"] = time(() =>
        kernels.resizeToPlanar(frame.data, width, height, 3, xs, ys, input)
      );
      const segment = await timeAsync(() => segmenter.segment(frame));
      stages["inference (native, 1 thread)"] = Math.max(0, segment - stages["resize to model"]);
      const prob = kernels.plane(width * height);
      const mxs = bilinearTable(inputWidth, width), mys = bilinearTable(inputHeight, height);
      const map = await segmenter.segment(frame);
      stages["mask upscale"] = time(() => kernels.resizeMapToBytes(map, mxs, mys, prob));
      const refiner = new MaskRefiner(kernels.refineMask, kernels.plane);
      stages["refinement"] = time(() => refiner.refine(prob, width, height, defaultMaskOptions));
      const alpha = refiner.refine(prob, width, height, defaultMaskOptions).slice();
      await segmenter.dispose();
      const settings = createEffectSettings();
      const out = kernels.frame(width, height, 3);
      for (const name of ["blur", "desaturate", "remove"] as const) {
        const effect = createEffect(name);
        stages[`effect ${name}`] = time(() => effect.apply({ frame, alpha }, settings, out));
      }

      // Pipe write: FRAMES frames into `cat > /dev/null`.
      {
        const cat = new Deno.Command("cat", { stdin: "piped", stdout: "null" }).spawn();
        const writer = cat.stdin.getWriter();
        const t = performance.now(), cpu = cpuUsage();
        for (let i = 0; i < FRAMES; i++) await writer.write(out.data);
        stages["pipe write"] = (performance.now() - t) / FRAMES;
        stages["pipe write, segcam CPU"] = cpuMs(cpu) / FRAMES;
        await writer.close();
        await cat.status;
      }
      // The video encoder segcam video uses for .mp4 (src/io/ffmpeg_args.ts).
      stages["ffmpeg encode (libx264)"] = await ffmpegMsPerFrame([
        ...rawInput,
        "-r",
        "30",
        "-i",
        raw,
        ...X264,
        "-f",
        "null",
        "-",
      ]);
      stages["ffmpeg rgb24 → yuyv422 (v4l2)"] = await ffmpegMsPerFrame([
        ...rawInput,
        "-i",
        raw,
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuyv422",
        "/dev/null",
      ]);
      const live = [
        "ffmpeg decode → rgb24",
        "pipe read",
        "resize to model",
        "inference (native, 1 thread)",
        "mask upscale",
        "refinement",
        "effect blur",
        "pipe write",
        "ffmpeg rgb24 → yuyv422 (v4l2)",
      ];
      rows.push({
        size: `${width}x${height}`,
        stages,
        liveTotalMs: live.reduce((sum, s) => sum + stages[s], 0),
      });
      await Deno.remove(raw);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return rows;
}

if (import.meta.main) {
  for (const row of await benchStages()) {
    console.log(`\n${row.size}`);
    for (const [stage, ms] of Object.entries(row.stages)) {
      console.log(`  ${stage.padEnd(34)} ${ms.toFixed(2)} ms`);
    }
    console.log(`  ${"live frame, all stages".padEnd(34)} ${row.liveTotalMs.toFixed(2)} ms`);
  }
  Deno.exit(0);
}
