/**
 * Per-effect cost per frame at 720p and 1080p: mask refinement and the effect, each the
 * median of RUNS timed runs after warm-up. The frame is noise-textured and the person
 * a soft-edged ellipse covering about a third of the frame, like a webcam head and
 * shoulders; the blur's cost depends on that share (person pixels are a plain copy).
 *
 *     deno run bench/effects.ts
 */
import { createEffect, EFFECT_NAMES } from "../src/effects/registry.ts";
import { createEffectSettings } from "../src/effects/effect.ts";
import { createFrame, type Frame } from "../src/frame.ts";
import { defaultMaskOptions, MaskRefiner, STILL_IMAGE_FEATHER } from "../src/kernels/mask.ts";

export interface Row {
  effect: string;
  width: number;
  height: number;
  /** Median ms of refineMask with the default options (soft ramp). */
  maskMs: number;
  /** Median ms of refineMask with the still-image feather (ramp + edge blur). */
  featherMs: number;
  /** Median ms of the effect alone. */
  effectMs: number;
  /** maskMs + effectMs. */
  totalMs: number;
}

const SIZES = [[1280, 720], [1920, 1080]] as const;
const WARMUP = 15;
const RUNS = 120;

export async function benchEffects(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [width, height] of SIZES) {
    const { frame, prob, background } = syntheticScene(width, height);
    const refiner = new MaskRefiner();
    const settings = createEffectSettings();
    const feathered = { ...defaultMaskOptions, feather: STILL_IMAGE_FEATHER };
    const featherTimes = new Float64Array(RUNS);
    for (let run = -WARMUP; run < RUNS; run++) {
      const t0 = performance.now();
      refiner.refine(prob, width, height, feathered);
      if (run >= 0) featherTimes[run] = performance.now() - t0;
    }
    const featherMs = median(featherTimes);
    for (const name of EFFECT_NAMES) {
      const effect = createEffect(name);
      const out = createFrame(width, height, effect.outputChannels);
      const maskTimes = new Float64Array(RUNS), effectTimes = new Float64Array(RUNS);
      for (let run = -WARMUP; run < RUNS; run++) {
        const t0 = performance.now();
        const alpha = refiner.refine(prob, width, height, defaultMaskOptions);
        const t1 = performance.now();
        effect.apply({ frame, alpha, background }, settings, out);
        const t2 = performance.now();
        if (run >= 0) {
          maskTimes[run] = t1 - t0;
          effectTimes[run] = t2 - t1;
        }
        // Yield now and then so a caller's UI (or Ctrl-C) is not starved.
        if (run % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
      }
      const maskMs = median(maskTimes), effectMs = median(effectTimes);
      rows.push({
        effect: name,
        width,
        height,
        maskMs,
        featherMs,
        effectMs,
        totalMs: maskMs + effectMs,
      });
    }
  }
  return rows;
}

function median(values: Float64Array): number {
  const sorted = values.slice().sort();
  return sorted[sorted.length >> 1];
}

/** Deterministic textured frame, a second frame as background, and an elliptical person. */
function syntheticScene(width: number, height: number) {
  const frame = createFrame(width, height, 3);
  const background = createFrame(width, height, 3);
  let seed = 12345;
  for (let i = 0; i < frame.data.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    frame.data[i] = (i % 251) ^ (seed >>> 24);
    background.data[i] = (i * 7) & 255;
  }
  const prob = new Uint8Array(width * height);
  const cx = width / 2, cy = height * 0.7, rx = width * 0.25, ry = height * 0.55;
  // A soft edge about 1% of the height wide, like an upscaled model map.
  const edge = 0.01 * height / Math.min(rx, ry);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = Math.hypot((x - cx) / rx, (y - cy) / ry);
      prob[y * width + x] = Math.round(255 * Math.min(1, Math.max(0, (1 + edge - d) / (2 * edge))));
    }
  }
  return { frame, prob, background } satisfies {
    frame: Frame;
    prob: Uint8Array;
    background: Frame;
  };
}

function printTable(rows: Row[]): void {
  const cell = (ms: number, width: number) => ms.toFixed(2).padStart(width);
  console.log("effect        size        mask ms  effect ms  total ms  (mask with feather ms)");
  for (const r of rows) {
    const size = `${r.width}x${r.height}`.padEnd(10);
    console.log(
      `${r.effect.padEnd(12)}  ${size}  ${cell(r.maskMs, 7)}  ${cell(r.effectMs, 9)}  ` +
        `${cell(r.totalMs, 8)}  (${r.featherMs.toFixed(2)})`,
    );
  }
}

if (import.meta.main) {
  printTable(await benchEffects());
}
