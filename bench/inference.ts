/**
 * Inference cost per backend × model: session load, first run, then median and p10 of
 * RUNS runs after WARMUP on the sample photo (preprocessing included: it is part of
 * every frame's cost). benchPeerInference: the same for the peer tools' models
 * (../shared/data/models) run as --model FILE.
 */
import { readImage } from "../src/io/image_file.ts";
import { PERMISSIONS } from "../tests/cli/_run.ts";
import { chooseModel, createSegmenter } from "../src/model/segmenter.ts";
import { createFrame, type Frame } from "../src/frame.ts";
import { scaleCover } from "../src/kernels/scale_cover.ts";
import { median, quantile } from "./_stats.ts";
import { libcProcStats } from "../src/tui/cpu_meter.ts";

const WARMUP = 20;
const RUNS = 200;

export interface InferenceRow {
  backend: string;
  model: string;
  loadMs: number;
  firstRunMs: number;
  medianMs: number;
  p10Ms: number;
  /** Page faults (minor) per run: fresh memory touched each frame. */
  faultsPerRun?: number;
}

/** This process's minor page faults so far (/proc/self/stat field 10), where readable. */
async function minorFaults(): Promise<number | undefined> {
  const stat = (await libcProcStats()?.([Deno.pid]))?.[0];
  if (stat === undefined) return undefined;
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[7]);
}

export async function benchInference(threads = 0): Promise<InferenceRow[]> {
  const frame = await readImage(
    new URL("../tests/fixtures/astronaut.png", import.meta.url).pathname,
  );
  const rows: InferenceRow[] = [];
  // "native binding": the same library through onnxruntime-node's binding (nativeVia),
  // which hands each output back as a fresh buffer: the C API's "before", in the same run.
  for (const backend of ["native", "native binding", "wasm"] as const) {
    for (const model of ["general", "landscape"] as const) {
      rows.push(await measure(frame, backend, threads, model, model));
    }
  }
  return rows;
}

/** One backend x model: load, first run, median and p10 of RUNS runs after WARMUP. */
async function measure(
  frame: Frame,
  backend: "native" | "native binding" | "wasm",
  threads: number,
  model: string,
  label: string,
): Promise<InferenceRow & { input: string }> {
  const t0 = performance.now();
  const binding = backend === "native binding";
  const segmenter = await createSegmenter({
    backend: binding ? "native" : backend,
    threads,
    model,
    ...(binding ? { nativeVia: "binding" as const } : {}),
  });
  const t1 = performance.now();
  await segmenter.segment(frame);
  const t2 = performance.now();
  for (let i = 0; i < WARMUP; i++) await segmenter.segment(frame);
  const samples: number[] = [];
  const faultsBefore = await minorFaults();
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await segmenter.segment(frame);
    samples.push(performance.now() - start);
  }
  const faultsAfter = await minorFaults();
  await segmenter.dispose();
  return {
    backend,
    model: label,
    // Height x width, as the model cards and --model's help name them.
    input: `${segmenter.model.inputHeight}x${segmenter.model.inputWidth}`,
    loadMs: t1 - t0,
    firstRunMs: t2 - t1,
    medianMs: median(samples),
    p10Ms: quantile(samples, 0.1),
    faultsPerRun: faultsBefore === undefined || faultsAfter === undefined
      ? undefined
      : (faultsAfter - faultsBefore) / RUNS,
  };
}

/** The peer tools' TFLite models (issue 18), when ../shared is beside the checkout. */
export const PEER_MODEL_DIR = new URL("../../shared/data/models", import.meta.url).pathname;

export interface PeerInference {
  rows: (InferenceRow & { input: string })[];
  /** Why there are no rows (the folder is absent). */
  skipped?: string;
}

/**
 * The same measurement for each peer model run as `--model FILE`, native and wasm. The
 * TFLite files are converted on first use into the user's model cache, as the CLI does,
 * so a first-ever run's "load" includes the conversion; later runs read the cache.
 */
export async function benchPeerInference(
  threads = 0,
  dir = PEER_MODEL_DIR,
): Promise<PeerInference> {
  let files: string[];
  try {
    files = [...Deno.readDirSync(dir)]
      .filter((e) => e.isFile && /\.(tflite|onnx)$/i.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { rows: [], skipped: `no peer models: ${dir} is absent` };
    }
    throw error;
  }
  const frame = await readImage(
    new URL("../tests/fixtures/astronaut.png", import.meta.url).pathname,
  );
  const rows: PeerInference["rows"] = [];
  for (const backend of ["native", "wasm"] as const) {
    for (const name of files) {
      const label = name.replace(/\.(tflite|onnx)$/i, "");
      rows.push(await measure(frame, backend, threads, `${dir}/${name}`, label));
    }
  }
  return { rows };
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
