/**
 * Auto-framing's cost per frame (src/pipeline/autoframe.ts), at 720p and 1080p: what it
 * adds to a frame's path. Three rows per size, the median of RUNS frames after warm-up:
 *
 *   follow   the mask's box and the crop's motion only (update(); a crop at rest at the
 *            whole frame also costs just this: the picture is passed on untouched);
 *   crop     the picture and the mask resampled from the crop (the two kernels);
 *   total    apply(): both, on a person framed at 1.6x, the crop moving every frame.
 *
 *     deno run -A bench/autoframe.ts
 */
import { createFrame } from "../src/frame.ts";
import { createCropScratch, cropResize, cropResizePlane } from "../src/kernels/crop.ts";
import { createAutoframe } from "../src/pipeline/autoframe.ts";
import { median, printTable } from "./_stats.ts";

export interface AutoframeRow {
  part: "follow" | "crop" | "total";
  width: number;
  height: number;
  medianMs: number;
}

const SIZES = [[1280, 720], [1920, 1080]] as const;
const WARMUP = 20;
const RUNS = 120;

/** A noise-textured frame with a person-shaped mask (an ellipse cut by the bottom). */
function scene(width: number, height: number) {
  const frame = createFrame(width, height, 3);
  let seed = 1;
  for (let i = 0; i < frame.data.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    frame.data[i] = seed >>> 24;
  }
  const mask = new Uint8Array(width * height);
  const cx = width * 0.35, cy = height * 0.75, rx = width * 0.14, ry = height * 0.6;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
      mask[y * width + x] = d < 1 ? 255 : 0;
    }
  }
  return { frame, mask };
}

export function benchAutoframe(): AutoframeRow[] {
  const rows: AutoframeRow[] = [];
  for (const [width, height] of SIZES) {
    const { frame, mask } = scene(width, height);
    const on = { on: true, zoom: 2 };
    const follow: number[] = [], crop: number[] = [], total: number[] = [];
    const stage = createAutoframe();
    const out = createFrame(width, height, 3);
    const outMask = new Uint8Array(width * height);
    const scratch = createCropScratch(width, height);
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const at = i * 1000 / 30;
      let t = performance.now();
      stage.update(mask, width, height, at, on);
      const f = performance.now() - t;
      // A crop of 1/1.6 of the frame that slides a little every frame.
      const w = width / 1.6, h = height / 1.6;
      const rect = { x: (i % 50) * 0.37, y: 10, width: w, height: h };
      t = performance.now();
      cropResize(frame, rect, out, scratch);
      cropResizePlane(mask, width, height, rect, outMask, width, height, scratch);
      const c = performance.now() - t;
      if (i >= WARMUP) {
        follow.push(f);
        crop.push(c);
      }
    }
    const framing = createAutoframe();
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const t = performance.now();
      framing.apply(frame, mask, i * 1000 / 30, on);
      if (i >= WARMUP) total.push(performance.now() - t);
    }
    rows.push({ part: "follow", width, height, medianMs: median(follow) });
    rows.push({ part: "crop", width, height, medianMs: median(crop) });
    rows.push({ part: "total", width, height, medianMs: median(total) });
  }
  return rows;
}

export function printAutoframe(rows: AutoframeRow[]): void {
  printTable(rows.map((r) => ({
    part: r.part,
    size: `${r.width}x${r.height}`,
    "median ms": Number(r.medianMs.toFixed(3)),
  })));
}

if (import.meta.main) printAutoframe(benchAutoframe());
