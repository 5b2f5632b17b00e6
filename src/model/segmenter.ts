/**
 * The segmenter: one fixed sequence for every model and backend —
 * resize the frame to the model input → prepare (model_hooks.ts: range, layout) → run
 * → finish (the person's probability at input size) → hand back the probability map —
 * with every buffer allocated once per model (input, output) or once per frame size
 * (resampling tables), never per frame.
 */
import { DependencyError, InputError } from "../errors.ts";
import type { Frame } from "../frame.ts";
import { isYuvPicture, type YuvPicture } from "../kernels/yuv_picture.ts";
import { defaultKernels } from "../kernels/kernel_set.ts";
import { broadcastGates } from "./broadcast_gates.ts";
import { resizesAsMatMuls } from "./resize_matmul.ts";
import { type BilinearTable, bilinearTable, resizeMapToBytes } from "../kernels/resize.ts";
import type { BackendChoice } from "../options.ts";
import {
  createOrtBackend,
  DEFAULT_THREADS,
  type InferenceBackend,
  type Ort,
} from "./backend_ort.ts";
import { createCapiBackend } from "./backend_ort_capi.ts";
import {
  chooseModel,
  isModelName,
  type ModelInfo,
  modelInfo,
  type ModelName,
  verifyModel,
} from "./models.ts";
import { type ModelBuffers, modelBuffers } from "./model_hooks.ts";
import { decideOutputKind } from "./model_spec.ts";

export { chooseModel, type ModelInfo, type ModelName };

/** A rectangle of a frame in whole pixels (x, y: top-left corner). */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Segmenter {
  readonly backend: "wasm" | "native";
  readonly model: ModelInfo;
  /** Threads requested (0: the backend's default). */
  readonly threads: number;
  /** e.g. "native (onnxruntime-node 1.30.0, 1 thread (default)), model general 256x256". */
  readonly description: string;
  /**
   * Runs the model on `frame` (RGB or RGBA, any size); resolves to the model-size
   * probability map (inputHeight·inputWidth, row-major), owned by the segmenter and
   * overwritten by the next call. With `region` (inside the frame) only that rectangle
   * is stretched to the model input, so the map covers the region, not the frame: a
   * second, closer look at a small person.
   */
  segment(frame: Frame | YuvPicture, region?: Region): Promise<Float32Array>;
  /** segment() takes planar YUV pictures too (resampled and converted from the planes). */
  readonly readsYuv?: boolean;
  /**
   * Bilinearly resizes the last probability map to width x height into `out` (0..255).
   * After a call with a region the map is the region's, stretched over the whole output.
   */
  maskInto(out: Uint8Array, width: number, height: number): void;
  dispose(): Promise<void>;
}

export interface SegmenterOptions {
  backend: BackendChoice;
  threads: number;
  /** A built-in model's name, or a .tflite or .onnx file (model_file.ts). */
  model: ModelName | string;
  modelDir?: string;
  /** Where TFLite conversions are cached (default: model_cache.ts's modelCacheDir()). */
  cacheDir?: string;
  /** Where to say which backend was chosen and why. */
  log?: (line: string) => void;
  /**
   * How the native backend reaches onnxruntime: its C API, or onnxruntime-node's binding.
   * Default: the C API unless SEGCAM_ORT_CAPI=0.
   */
  nativeVia?: "capi" | "binding";
}

export async function createSegmenter(options: SegmenterOptions): Promise<Segmenter> {
  const { model, bytes: modelBytes } = isModelName(options.model)
    ? await readBuiltIn(modelInfo(options.model, options.modelDir))
    // Loaded only for a model file: its converter and ONNX reader (flatbuffers,
    // onnx-proto) are start-up the built-in models never need.
    : await (await import("./model_file.ts")).openModelFile(options.model, {
      log: options.log,
      cacheDir: options.cacheDir,
    });
  const buffers = modelBuffers(model.spec);
  const backend = await openBackend(options, model, modelBytes, buffers.feed, buffers.raw);
  let how = "";
  if (model.spec.output === undefined) {
    // Logits or probabilities: the model's own answer on a mid-gray picture says.
    buffers.planar.fill(0.5);
    buffers.prepare();
    await backend.run();
    buffers.output = decideOutputKind(buffers.raw, model.spec.channels);
    how =
      `, output ${buffers.output} (from its answer on a gray picture; "output" in a sidecar overrides it)`;
  } else if (model.origin) how = `, output ${buffers.output}`;
  // Height x width, as MediaPipe's model card and --model's help name them ("144x256").
  const description = `${backend.name} (${backend.description}), model ${model.name} ` +
    `${model.inputHeight}x${model.inputWidth}` +
    (model.origin ? `, input [${model.spec.inputRange.join(", ")}]${how}` : "");
  options.log?.(`segcam: inference on ${description}`);
  // What was assumed and from where, so that a wrong guess shows which sidecar key fixes it.
  if (model.origin && model.spec.notes.length > 0) {
    options.log?.(`segcam: model ${model.name}: ${model.spec.notes.join("; ")}`);
  }
  return new PipelineSegmenter(backend, model, buffers, options.threads, description);
}

class PipelineSegmenter implements Segmenter {
  #xs?: BilinearTable;
  #ys?: BilinearTable;
  #maskXs?: BilinearTable;
  #maskYs?: BilinearTable;
  /** Tables of the last region, refilled in place: a tracked crop changes every frame. */
  #regionXs?: MutableTable;
  #regionYs?: MutableTable;
  /**
   * The model input's resampling: the process's kernels (wasm SIMD: 0.05 ms from a 720p
   * frame, where the TypeScript reference took 0.5 ms of every frame's CPU).
   */
  readonly #resizeToPlanar = defaultKernels().resizeToPlanar;
  /** The same from a planar YUV picture: only the taps read are converted. */
  readonly #resizeYuvToPlanar = defaultKernels().resizeYuvToPlanar;
  readonly readsYuv = true;

  constructor(
    readonly inference: InferenceBackend,
    readonly model: ModelInfo,
    readonly buffers: ModelBuffers,
    readonly threads: number,
    readonly description: string,
  ) {}

  get backend(): "wasm" | "native" {
    return this.inference.name;
  }

  async segment(frame: Frame | YuvPicture, region?: Region): Promise<Float32Array> {
    const { inputWidth, inputHeight } = this.model;
    let xs: BilinearTable, ys: BilinearTable;
    if (region === undefined) {
      if (this.#xs?.from !== frame.width) this.#xs = bilinearTable(frame.width, inputWidth);
      if (this.#ys?.from !== frame.height) this.#ys = bilinearTable(frame.height, inputHeight);
      xs = this.#xs;
      ys = this.#ys;
    } else {
      checkRegion(region, frame.width, frame.height);
      this.#regionXs ??= mutableTable(inputWidth);
      this.#regionYs ??= mutableTable(inputHeight);
      xs = fillRegionTable(this.#regionXs, region.x, region.width, frame.width);
      ys = fillRegionTable(this.#regionYs, region.y, region.height, frame.height);
    }
    const buffers = this.buffers;
    if (isYuvPicture(frame)) this.#resizeYuvToPlanar(frame, xs, ys, buffers.planar);
    else {
      this.#resizeToPlanar(
        frame.data,
        frame.width,
        frame.height,
        frame.channels,
        xs,
        ys,
        buffers.planar,
      );
    }
    buffers.prepare();
    await this.inference.run();
    buffers.finish();
    return buffers.map;
  }

  maskInto(out: Uint8Array, width: number, height: number): void {
    if (this.#maskXs?.size !== width) this.#maskXs = bilinearTable(this.model.inputWidth, width);
    if (this.#maskYs?.size !== height) {
      this.#maskYs = bilinearTable(this.model.inputHeight, height);
    }
    resizeMapToBytes(this.buffers.map, this.#maskXs, this.#maskYs, out);
  }

  dispose(): Promise<void> {
    return this.inference.dispose();
  }
}

type MutableTable = {
  size: number;
  from: number;
  i0: Int32Array;
  i1: Int32Array;
  w1: Float32Array;
};

function mutableTable(size: number): MutableTable {
  return {
    size,
    from: 0,
    i0: new Int32Array(size),
    i1: new Int32Array(size),
    w1: new Float32Array(size),
  };
}

/**
 * The bilinear table of {@link bilinearTable} for `length` source pixels starting at
 * `offset`, expressed in the whole axis (`from` = its length) so that resizeToPlanar
 * reads the region straight out of the frame, without a copy.
 */
function fillRegionTable(
  table: MutableTable,
  offset: number,
  length: number,
  from: number,
): BilinearTable {
  const scale = length / table.size;
  for (let i = 0; i < table.size; i++) {
    const x = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), length - 1);
    const x0 = Math.floor(x);
    table.i0[i] = offset + x0;
    table.i1[i] = offset + Math.min(x0 + 1, length - 1);
    table.w1[i] = x - x0;
  }
  table.from = from;
  return table;
}

function checkRegion(region: Region, width: number, height: number): void {
  const { x, y, width: w, height: h } = region;
  if (
    !Number.isInteger(x) || !Number.isInteger(y) || !Number.isInteger(w) ||
    !Number.isInteger(h) || x < 0 || y < 0 || w < 1 || h < 1 || x + w > width || y + h > height
  ) {
    throw new RangeError(
      `segment region: expected whole pixels inside ${width}x${height}, got ${w}x${h} at ${x},${y}`,
    );
  }
}

async function readBuiltIn(model: ModelInfo): Promise<{ model: ModelInfo; bytes: Uint8Array }> {
  try {
    const bytes = await Deno.readFile(model.path);
    if (bytes.length < 1024) throw new Error(`only ${bytes.length} bytes`);
    await verifyModel(model, bytes);
    return { model, bytes };
  } catch (error) {
    if (error instanceof InputError) throw error;
    const why = error instanceof Deno.errors.NotFound
      ? "the file is missing"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new InputError(
      `Cannot load the ${model.name} model ${model.path}: ${why}; run \`deno task models\` to rebuild it`,
      { cause: error },
    );
  }
}

/** Opens the backend asked for; `auto` tries native first and falls back to wasm. */
async function openBackend(
  options: SegmenterOptions,
  model: ModelInfo,
  modelBytes: Uint8Array,
  input: Float32Array,
  output: Float32Array,
): Promise<InferenceBackend> {
  const open = async (name: "native" | "wasm") => {
    if (name === "native" && (options.nativeVia ?? defaultNativeVia()) === "capi") {
      // onnxruntime's C API on onnxruntime-node's own library (backend_ort_capi.ts): the
      // same numbers without the binding's per-frame output copy. Where it does not load
      // (no --allow-ffi, not Linux) the binding below runs; a damaged model fails there
      // again with the same message.
      try {
        return createCapiBackend(model, modelBytes, input, output, options.threads);
      } catch {
        // fall through to onnxruntime-node
      }
    }
    // Imported lazily: each runtime costs ~100 ms to load and the other is not needed.
    const ort = name === "native"
      ? await import("onnxruntime-node")
      : await importWasmRuntime(options.threads);
    return await createOrtBackend(
      ort as unknown as Ort,
      name,
      model,
      // Spread gates pay in the native provider's blocked layout only (broadcast_gates.ts);
      // small upsamplings run faster as matrix products on wasm (resize_matmul.ts).
      name === "wasm" ? await resizesAsMatMuls(await broadcastGates(modelBytes)) : modelBytes,
      input,
      output,
      options.threads,
    );
  };
  const attempt = async (name: "native" | "wasm") => {
    try {
      return await open(name);
    } catch (error) {
      if (isModelError(error)) {
        const what = model.origin
          ? `the model ${model.name}`
          : `the ${model.name} model ${model.path}`;
        const fix = model.origin
          ? model.origin.cached
            ? `delete ${model.origin.cached} to convert it again`
            : "check that it is a complete ONNX segmentation model"
          : "run `deno task models` to rebuild it";
        throw new InputError(
          `Cannot load ${what}: it is damaged (${(error as Error).message.split("\n")[0]}); ${fix}`,
          { cause: error },
        );
      }
      throw error;
    }
  };
  if (options.backend === "wasm") return await attempt("wasm");
  try {
    return await attempt("native");
  } catch (error) {
    if (error instanceof InputError) throw error;
    const why = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    if (options.backend === "native") {
      throw new DependencyError(
        `The native backend (onnxruntime-node) does not load here (${why}); use --backend wasm`,
        { cause: error },
      );
    }
    options.log?.(`segcam: native backend unavailable (${why}); using wasm`);
    return await attempt("wasm");
  }
}

/**
 * The native backend goes through onnxruntime's C API unless SEGCAM_ORT_CAPI=0 (the
 * onnxruntime-node binding: the "before" of the benchmark, and a way round a problem).
 */
function defaultNativeVia(): "capi" | "binding" {
  try {
    return Deno.env.get("SEGCAM_ORT_CAPI") === "0" ? "binding" : "capi";
  } catch {
    return "capi"; // no --allow-env: the default
  }
}

let wasmThreads: number | undefined;

async function importWasmRuntime(threads: number) {
  const ort = await import("onnxruntime-web");
  // numThreads must be set before the first session; later sessions share the pool.
  if (wasmThreads === undefined) {
    wasmThreads = threads > 0 ? threads : DEFAULT_THREADS; // see DEFAULT_THREADS
    ort.env.wasm.numThreads = wasmThreads;
  }
  return ort;
}

function isModelError(error: unknown): boolean {
  return error instanceof Error &&
    /protobuf|parse|model|invalid|load/i.test(error.message) &&
    !/cannot find module|dlopen|\.node|shared object/i.test(error.message);
}
