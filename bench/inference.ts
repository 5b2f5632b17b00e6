/**
 * Inference cost per backend × model: session load, first run, then median and p10 of
 * RUNS runs after WARMUP on the sample photo (preprocessing included: it is part of
 * every frame's cost).
 */
import { readImage } from "../src/io/image_file.ts";
import { PERMISSIONS } from "../tests/cli/_run.ts";
import { chooseModel, createSegmenter } from "../src/model/segmenter.ts";
import { createFrame } from "../src/frame.ts";
import { scaleCover } from "../src/kernels/scale_cover.ts";
import { median, quantile } from "./_stats.ts";

const WARMUP = 20;
const RUNS = 200;

export interface InferenceRow {
  backend: string;
  model: string;
  loadMs: number;
  firstRunMs: number;
  medianMs: number;
  p10Ms: number;
}

export async function benchInference(threads = 0): Promise<InferenceRow[]> {
  const frame = await readImage(
    new URL("../tests/fixtures/astronaut.png", import.meta.url).pathname,
  );
  const rows: InferenceRow[] = [];
  for (const backend of ["native", "wasm"] as const) {
    for (const model of ["general", "landscape"] as const) {
      const t0 = performance.now();
      const segmenter = await createSegmenter({ backend, threads, model });
      const t1 = performance.now();
      await segmenter.segment(frame);
      const t2 = performance.now();
      for (let i = 0; i < WARMUP; i++) await segmenter.segment(frame);
      const samples: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const start = performance.now();
        await segmenter.segment(frame);
        samples.push(performance.now() - start);
      }
      await segmenter.dispose();
      rows.push({
        backend,
        model,
        loadMs: t1 - t0,
        firstRunMs: t2 - t1,
        medianMs: median(samples),
        p10Ms: quantile(samples, 0.1),
      });
    }
  }
  return rows;
}

/** Process start to first mask: `segcam mask` on the sample photo, wall clock. */
export async function benchFirstMask(runs = 5): Promise<number> {
  const dir = await Deno.makeTempDir();
  const samples: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const { code } = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          ...PERMISSIONS,
          new URL("../main.ts", import.meta.url).pathname,
          "mask",
          new URL("../tests/fixtures/astronaut.png", import.meta.url).pathname,
          "-o",
          `${dir}/m.png`,
          "--force",
        ],
        stdout: "null",
        stderr: "null",
      }).output();
      if (code !== 0) throw new Error("segcam mask failed");
      samples.push(performance.now() - start);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return median(samples);
}

/**
 * Per-frame segmentation at a video size (model chosen as --model auto would): resize
 * into the model, inference, and the full-size mask. Median ms over RUNS frames.
 */
export async function benchSegmentation(width: number, height: number): Promise<number> {
  const photo = await readImage(
    new URL("../tests/fixtures/astronaut.png", import.meta.url).pathname,
  );
  const frame = createFrame(width, height, 3);
  scaleCover(photo, frame);
  const segmenter = await createSegmenter({
    backend: "auto",
    threads: 0,
    model: chooseModel("auto", width, height),
  });
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < WARMUP; i++) await segmenter.segment(frame);
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await segmenter.segment(frame);
    segmenter.maskInto(mask, width, height);
    samples.push(performance.now() - start);
  }
  await segmenter.dispose();
  return median(samples);
}
