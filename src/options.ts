/** Options every command accepts, merged once in `main.ts`. */
export interface GlobalOptions {
  /** Print stack traces for errors. */
  debug: boolean;
  /** Inference backend: `native` (onnxruntime-node), `wasm` (onnxruntime-web) or `auto`. */
  backend: BackendChoice;
  /** Inference threads; 0 lets the backend choose. */
  threads: number;
  /** Model: `general` (256x256), `landscape` (144x256) or `auto` (by frame aspect ratio). */
  model: ModelChoice;
}

export const BACKEND_CHOICES = ["auto", "wasm", "native"] as const;
export type BackendChoice = typeof BACKEND_CHOICES[number];

export const MODEL_CHOICES = ["auto", "general", "landscape"] as const;
export type ModelChoice = typeof MODEL_CHOICES[number];

export const defaultGlobalOptions = {
  debug: false,
  backend: "auto",
  threads: 0,
  model: "auto",
} satisfies GlobalOptions;
