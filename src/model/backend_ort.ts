/**
 * One inference backend over an onnxruntime module. onnxruntime-node (native) and
 * onnxruntime-web (WebAssembly) share onnxruntime-common's API, so both backends are
 * this one class with a different module behind it.
 *
 * Per frame it allocates nothing of its own: the input tensor wraps the segmenter's
 * input buffer (rewritten in place each frame) and the output is either written by
 * onnxruntime into a preallocated tensor (native) or copied from the result into the
 * segmenter's buffer (wasm returns a fresh tensor per run; that allocation is
 * onnxruntime-web's and cannot be avoided from outside).
 */
import type * as OrtWeb from "onnxruntime-web";
import type { ModelInfo } from "./models.ts";

/** What both onnxruntime packages export (from onnxruntime-common). */
export type Ort = Pick<typeof OrtWeb, "InferenceSession" | "Tensor" | "env">;

export interface InferenceBackend {
  readonly name: "native" | "wasm";
  /** e.g. "onnxruntime-node 1.30.0, 2 threads". */
  readonly description: string;
  readonly threads: number;
  /** Runs the model on the input buffer, writing its output tensor into the output buffer. */
  run(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Inference threads when the user does not say (--threads 0), for both backends: one.
 * Measured (bench/ort_threads.ts, landscape model, 2 cores, quiet machine): native
 * 1 thread 1.55 ms and 0.07 cores at 30 runs a second, 2 threads 1.89 ms / 0.08 cores
 * without spinning and 1.39 ms / 0.97 cores with it (onnxruntime's old default); wasm
 * 1 thread 7.1 ms / 0.25 cores, 2 threads 4.6 ms / 0.80 cores (its pool spins either
 * way). A second thread buys a millisecond or two per frame and costs the core that
 * ffmpeg and the effects need.
 */
export const DEFAULT_THREADS = 1;

/** "2 threads", or "1 thread (default)" for --threads 0: how a backend's description ends. */
export function threadsText(threads: number): string {
  const n = threads > 0 ? threads : DEFAULT_THREADS;
  return `${n} thread${n === 1 ? "" : "s"}${threads > 0 ? "" : " (default)"}`;
}

export async function createOrtBackend(
  ort: Ort,
  name: "native" | "wasm",
  model: ModelInfo,
  modelBytes: Uint8Array,
  input: Float32Array,
  output: Float32Array,
  threads: number,
  options: { spinning?: boolean } = {},
): Promise<InferenceBackend> {
  const session = await ort.InferenceSession.create(modelBytes, {
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    ...(name === "native" ? { intraOpNumThreads: threads > 0 ? threads : DEFAULT_THREADS } : {}),
    // onnxruntime's pool threads spin-wait for work after each run; at 30 frames a
    // second that idles a core at 100 % between frames. Off unless measured to pay
    // (bench/ort_threads.ts); the cost is a few microseconds to wake the threads.
    extra: { session: { intra_op: { allow_spinning: options.spinning ? "1" : "0" } } },
  });
  const [inputName] = session.inputNames;
  const [outputName] = session.outputNames;
  const feeds = { [inputName]: new ort.Tensor("float32", input, model.inputShape) };
  const fetches = { [outputName]: new ort.Tensor("float32", output, model.outputShape) };
  const preallocated = name === "native";
  const version = ort.env.versions?.[name === "native" ? "node" : "web"] ?? "";
  return {
    name,
    threads,
    description: `onnxruntime-${name === "native" ? "node" : "web"} ${version}, ${
      threadsText(threads)
    }`.replace(/ {2,}/g, " "),
    async run() {
      if (preallocated) {
        await session.run(feeds, fetches);
        return;
      }
      const result = await session.run(feeds);
      output.set(result[outputName].data as Float32Array);
    },
    async dispose() {
      await session.release();
    },
  };
}
