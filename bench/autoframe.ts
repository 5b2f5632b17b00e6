/**
 * Auto-framing's cost per frame (src/pipeline/autoframe.ts), at 720p, at 1080p and from a
 * 1080p camera to a 720p output: what it adds to a frame's path. Three rows per size and
 * kernel set (the TypeScript reference, wasm SIMD with its buffers in the arena), the
 * median of RUNS frames after warm-up:
 *
 *   follow   the mask's box and the crop's motion only (update(); a crop at rest at the
 *            whole frame also costs just this: the picture is passed on untouched);
 *   crop     the picture and the mask resampled from the crop (the two kernels);
 *   total    apply(): both, on a person framed at 1.6x, the crop moving every frame.
 *
 *     deno run -A bench/autoframe.ts
 */
import { createFrame } from "../src/frame.ts";
import { createCropScratch } from "../src/kernels/crop.ts";
import { createWasmKernels, tsKernels } from "../src/kernels/wasm/wasm_kernels.ts";
import { type AutoframeKernels, createAutoframe } from "../src/pipeline/autoframe.ts";
import { median, printTable } from "./_stats.ts";

export interface AutoframeRow {
  part: "follow" | "crop" | "total";
  /** The kernels the crop ran on: the TypeScript reference or wasm SIMD (buffers in its arena). */
  kernels: "ts" | "wasm";
  width: number;
  height: number;
  /** The output's size: the frame's, or smaller (a camera asked for more pixels). */
  outWidth: number;
  outHeight: number;
  medianMs: number;
}

/** Frame and output sizes. */
const SIZES = [[1280, 720, 1280, 720], [1920, 1080, 1920, 1080], [1920, 1080, 1280, 720]] as const;
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
  const wasm = createWasmKernels();
  const sets: [AutoframeRow["kernels"], AutoframeKernels][] = [
    ["ts", {
      ...tsKernels,
      frame: createFrame,
      plane: (n: number) => new Uint8Array(n),
    }],
    ["wasm", wasm],
  ];
  for (const [width, height, outWidth, outHeight] of SIZES) {
    for (const [name, kernels] of sets) {
      wasm.reset();
      const plain = scene(width, height);
      // In the kernels' own memory, as the frame loop allocates them.
      const frame = kernels.frame(width, height, 3);
      frame.data.set(plain.frame.data);
      const mask = kernels.plane(width * height);
      mask.set(plain.mask);
      const on = { on: true, zoom: 2 };
      const follow: number[] = [], crop: number[] = [], total: number[] = [];
      const stage = createAutoframe({}, kernels);
      const out = kernels.frame(outWidth, outHeight, 3);
      const outMask = kernels.plane(outWidth * outHeight);
      const scratch = createCropScratch(outWidth, outHeight);
      const aspect = outWidth / outHeight;
      for (let i = 0; i < WARMUP + RUNS; i++) {
        let t = performance.now();
        stage.update(mask, width, height, i * 1000 / 30, on, aspect);
        const f = performance.now() - t;
        // A crop of 1/1.6 of the frame that slides a little every frame.
        const rect = { x: (i % 50) * 0.37, y: 10, width: width / 1.6, height: height / 1.6 };
        t = performance.now();
        kernels.cropResize(frame, rect, out, scratch);
        kernels.cropResizePlane(mask, width, height, rect, outMask, outWidth, outHeight, scratch);
        const c = performance.now() - t;
        if (i >= WARMUP) {
          follow.push(f);
          crop.push(c);
        }
      }
      const framing = createAutoframe({}, kernels);
      for (let i = 0; i < WARMUP + RUNS; i++) {
        const t = performance.now();
        framing.apply(frame, mask, i * 1000 / 30, on, outWidth, outHeight);
        if (i >= WARMUP) total.push(performance.now() - t);
      }
      for (
        const [part, samples] of [["follow", follow], ["crop", crop], ["total", total]] as const
      ) {
        rows.push({
          part,
          kernels: name,
          width,
          height,
          outWidth,
          outHeight,
          medianMs: median(samples),
        });
      }
    }
  }
  return rows;
}

export function printAutoframe(rows: AutoframeRow[]): void {
  printTable(rows.map((r) => ({
    part: r.part,
    kernels: r.kernels,
    size: `${r.width}x${r.height}` +
      (r.outWidth === r.width && r.outHeight === r.height ? "" : `→${r.outWidth}x${r.outHeight}`),
    "median ms": Number(r.medianMs.toFixed(3)),
  })));
}

if (import.meta.main) printAutoframe(benchAutoframe());
