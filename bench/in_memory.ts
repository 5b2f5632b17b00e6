/**
 * Frames in memory, as the first target states it: a real clip decoded into
 * memory at 1280x720 and 1920x1080, then only segcam's per-frame work timed (the mask
 * path of a stream, then the blur), per backend; and, in the same run on the same clip,
 * the seed tutorial's pipeline (../shared/peers/seed_pipeline.py: OpenCV DNN on the same
 * model, NumPy composite), so the ratio is measured, not remembered. The peer needs
 * Debian's python3-opencv; without it its column is empty. Each backend runs twice:
 * on RGB frames, and on the decoder's yuv420p kept planar (the mask read from the
 * planes, the blur run on them), the form a frame keeps on its way to a YUV output.
 */
import { createEffectSettings } from "../src/effects/effect.ts";
import { FrameReader } from "../src/io/frame_reader.ts";
import { defaultKernels } from "../src/kernels/kernel_set.ts";
import { type YuvPicture, yuvPictureBytes } from "../src/kernels/yuv_picture.ts";
import { chooseModel, createSegmenter } from "../src/model/segmenter.ts";
import { FrameProcessor, type ProcessSettings } from "../src/pipeline/frame_processor.ts";
import { median } from "./_stats.ts";
import { makeRealClip } from "./stages.ts";

export interface InMemoryRow {
  size: string;
  backend: string;
  /**
   * How the frames are held: rgb24 (the RGB path), or yuv420p as the decoder gives them,
   * kept planar through the mask and the blur (the path a frame takes to a YUV output).
   */
  frames: "rgb24" | "yuv420p";
  msPerFrame: number;
  fps: number;
  /**
   * The seed's pipeline on the same clip and size, ms per frame, the median of its three
   * runs around segcam's (undefined without OpenCV).
   */
  seedMsPerFrame?: number;
}

const FRAMES = 120;
const SEED = new URL("../../shared/peers/seed_pipeline.py", import.meta.url).pathname;

export async function benchInMemory(): Promise<InMemoryRow[]> {
  const rows: InMemoryRow[] = [];
  const dir = await Deno.makeTempDir({ prefix: "segcam-bench-memory-" });
  try {
    for (const [width, height] of [[1280, 720], [1920, 1080]] as const) {
      const clip = await makeRealClip(dir, width, height);
      const kernels = defaultKernels();
      // The clip in the JS heap, as RGB and as the decoder's yuv420p; each frame is
      // copied into the one arena buffer the loop works on, as the pipe reader does
      // (outside the timing, like the seed's decode).
      const frames = await decode(clip, "rgb24", width * height * 3);
      const yuvFrames = await decode(clip, "yuv420p", yuvPictureBytes("420", width, height));
      // The seed is timed before, between and after segcam's backends, and its median is
      // the ratio's base: on this shared machine one run of it moves by a third (31 to
      // 44 ms a 720p frame in one afternoon) while segcam's own figure holds.
      const seedRuns = [await seed(clip, width, height)];
      const rowsBefore = rows.length;
      for (const backend of ["native", "wasm"] as const) {
        const segmenter = await createSegmenter({
          backend,
          threads: 0,
          model: chooseModel("auto", width, height),
        });
        const processor = new FrameProcessor(segmenter, kernels, "stream");
        const settings: ProcessSettings = {
          effect: "blur",
          effectSettings: createEffectSettings(),
          mask: { invert: false, feather: 0 },
        };
        const out = kernels.frame(width, height, 3);
        const current = kernels.frame(width, height, 3);
        const times: number[] = [];
        for (let pass = 0; pass < 2; pass++) {
          processor.reset();
          for (const frame of frames) {
            current.data.set(frame);
            const t = performance.now();
            const alpha = await processor.mask(current, settings.mask);
            processor.render(current, alpha, settings, out);
            if (pass === 1) times.push(performance.now() - t);
          }
        }
        const ms = median(times);
        rows.push({
          size: `${width}x${height}`,
          backend,
          frames: "rgb24",
          msPerFrame: ms,
          fps: 1000 / ms,
        });
        // The same frames kept planar: the mask from the planes, the blur on them.
        const picture: YuvPicture = {
          data: kernels.plane(yuvPictureBytes("420", width, height)),
          width,
          height,
          layout: "420",
          fullRange: false,
        };
        const planarTimes: number[] = [];
        for (let pass = 0; pass < 2; pass++) {
          processor.reset();
          for (const data of yuvFrames) {
            picture.data.set(data);
            const t = performance.now();
            const out = processor.planarOutput(picture, settings)!;
            const alpha = await processor.mask(current, settings.mask, picture);
            processor.renderPlanar(picture, alpha, settings, out);
            if (pass === 1) planarTimes.push(performance.now() - t);
          }
        }
        await segmenter.dispose();
        const planarMs = median(planarTimes);
        rows.push({
          size: `${width}x${height}`,
          backend,
          frames: "yuv420p",
          msPerFrame: planarMs,
          fps: 1000 / planarMs,
        });
        seedRuns.push(await seed(clip, width, height));
      }
      const timed = seedRuns.filter((ms): ms is number => ms !== undefined);
      const seedMs = timed.length > 0 ? median(timed) : undefined;
      for (const row of rows.slice(rowsBefore)) row.seedMsPerFrame = seedMs;
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return rows;
}

/** Up to FRAMES frames of `clip` decoded to `pixFmt`, `bytes` each, in the JS heap. */
async function decode(clip: string, pixFmt: string, bytes: number): Promise<Uint8Array[]> {
  const decoder = new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-i", clip, "-f", "rawvideo", "-pix_fmt", pixFmt, "-"],
    stdout: "piped",
  }).spawn();
  const reader = new FrameReader(decoder.stdout);
  const frames: Uint8Array[] = [];
  for (let i = 0; i < FRAMES; i++) {
    const frame = new Uint8Array(bytes);
    if (!await reader.read(frame)) break;
    frames.push(frame);
  }
  await reader.cancel();
  await decoder.status;
  return frames;
}

async function seed(clip: string, width: number, height: number): Promise<number | undefined> {
  try {
    const model = new URL(
      `../models/selfie_${chooseModel("auto", width, height)}.onnx`,
      import.meta.url,
    ).pathname;
    const { success, stdout } = await new Deno.Command("/usr/bin/python3", {
      args: [SEED, clip, model, "blur", String(FRAMES), `${width}x${height}`],
      stderr: "null",
    }).output();
    const m = /ms_per_frame=([\d.]+)/.exec(new TextDecoder().decode(stdout));
    return success && m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

if (import.meta.main) {
  console.table(await benchInMemory());
  Deno.exit(0);
}
