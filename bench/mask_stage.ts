/**
 * What each part of the mask path costs per 1280x720 frame (issue: steady masks within
 * the speed budget): MaskStage with its defaults, and with each part turned off in
 * turn, on 90 real frames played twice (the first pass warms up). Reports the median
 * and mean ms per frame and how many inferences ran (reuse on still scenes, crops).
 */
import { FrameReader } from "../src/io/frame_reader.ts";
import { createSegmenter } from "../src/model/segmenter.ts";
import {
  defaultMaskStageSettings,
  MaskStage,
  type MaskStageSettings,
  type MaskStageStats,
} from "../src/pipeline/mask_stage.ts";
import { median } from "./_stats.ts";
import { makeRealClip } from "./stages.ts";

export interface MaskStageRow {
  variant: string;
  medianMs: number;
  meanMs: number;
  inferencesPerFrame: number;
  stats: MaskStageStats;
}

const W = 1280, H = 720, N = 90;

export async function benchMaskStage(): Promise<MaskStageRow[]> {
  const dir = await Deno.makeTempDir({ prefix: "segcam-bench-mask-" });
  const frames: Uint8Array[] = [];
  try {
    const clip = await makeRealClip(dir, W, H);
    const decoder = new Deno.Command("ffmpeg", {
      args: [
        "-v",
        "error",
        "-i",
        clip,
        "-frames:v",
        String(N),
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-",
      ],
      stdout: "piped",
    }).spawn();
    const reader = new FrameReader(decoder.stdout);
    for (let i = 0; i < N; i++) {
      const data = new Uint8Array(W * H * 3);
      if (!await reader.read(data)) break;
      frames.push(data);
    }
    await decoder.status;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const segmenter = await createSegmenter({ backend: "native", threads: 0, model: "landscape" });
  const variants: [string, Partial<MaskStageSettings>, number?][] = [
    ["defaults (stream)", {}],
    ["edges off", { edges: false }],
    ["smoothing off", { smoothing: 0 }],
    ["reuse off", {}, 0],
    ["second look off", { secondLook: "off" }],
    ["all off (model, upscale, ramp)", { edges: false, smoothing: 0, secondLook: "off" }, 0],
  ];
  const rows: MaskStageRow[] = [];
  for (const [variant, over, maxSkips] of variants) {
    const stage = new MaskStage(segmenter, { maxSkips });
    const settings = { ...defaultMaskStageSettings, ...over } as MaskStageSettings;
    const times: number[] = [];
    for (let pass = 0; pass < 2; pass++) {
      if (pass === 1) stage.reset();
      for (const data of frames) {
        const t = performance.now();
        await stage.mask({ data, width: W, height: H, channels: 3 }, settings);
        if (pass === 1) times.push(performance.now() - t);
      }
    }
    rows.push({
      variant,
      medianMs: median(times),
      meanMs: times.reduce((a, b) => a + b, 0) / times.length,
      inferencesPerFrame: stage.stats.inferences / stage.stats.frames,
      stats: { ...stage.stats },
    });
  }
  await segmenter.dispose();
  return rows;
}

if (import.meta.main) {
  console.table((await benchMaskStage()).map((r) => ({
    variant: r.variant,
    "median ms": r.medianMs.toFixed(2),
    "mean ms": r.meanMs.toFixed(2),
    "inferences/frame": r.inferencesPerFrame.toFixed(2),
  })));
  Deno.exit(0);
}
