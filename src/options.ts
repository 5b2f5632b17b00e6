/** Options every command accepts, merged once in `main.ts`. */
export interface GlobalOptions {
  /** Print stack traces for errors. */
  debug: boolean;
  /** Print only results, warnings and errors: no info lines such as "inference on …". */
  quiet: boolean;
  /** Inference backend: `native` (onnxruntime-node), `wasm` (onnxruntime-web) or `auto`. */
  backend: BackendChoice;
  /** Inference threads; 0 lets the backend choose; never more than the machine's cores. */
  threads: number;
  /**
   * Model: `general` (256x256), `landscape` (144x256), `auto` (by frame aspect ratio), or
   * a .tflite or .onnx file (src/model/model_file.ts).
   */
  model: ModelChoice;
}

export const BACKEND_CHOICES = ["auto", "wasm", "native"] as const;
export type BackendChoice = typeof BACKEND_CHOICES[number];

export const MODEL_CHOICES = ["auto", "general", "landscape"] as const;
/** One of MODEL_CHOICES, or the path of a model file (so: any text; see parseSettingText). */
export type ModelChoice = string;

export const defaultGlobalOptions = {
  debug: false,
  quiet: false,
  backend: "auto",
  threads: 0,
  model: "auto",
} satisfies GlobalOptions;

/**
 * The thread count actually used for `--threads n` on a machine with `cores` cores, and a
 * note when it differs. More inference threads than cores never helps: the extra threads
 * only wait for a core and steal time from each other (measured on 2 cores, native,
 * general model: 3.8 ms per frame with --threads 2, 71 ms with --threads 1000).
 * We cap rather than refuse because the same config file or service unit may move to a
 * machine with fewer cores, and it should still run there.
 */
export function capThreads(
  threads: number,
  cores: number,
  /** Where the number came from, as the note names it: the flag, or the file's key. */
  given = `--threads ${threads}`,
): { threads: number; note?: string } {
  const limit = Math.max(1, cores);
  if (threads <= limit) return { threads };
  return {
    threads: limit,
    note: `${given} is more than this machine's ${limit} cores; using ${limit}`,
  };
}
