/**
 * The kernels segcam runs: the wasm SIMD twins (src/kernels/wasm/, 2–6x faster) by
 * default, the TypeScript reference with SEGCAM_KERNELS=ts (for comparing, or where
 * WebAssembly SIMD is missing). One set per process (and per image worker): the wasm
 * instance owns a memory arena that the frame loop allocates its buffers in, so the
 * kernels run on them in place instead of copying frames in and out.
 *
 * A call whose buffers do not fit the arena's staging room (a 100-megapixel photo)
 * runs the TypeScript kernel instead: slower, never wrong, never an error.
 */
import { createFrame, type Frame } from "../frame.ts";
import { createWasmKernels, type Kernels, tsKernels } from "./wasm/wasm_kernels.ts";

export type { Kernels };

export interface KernelSet extends Kernels {
  readonly name: "wasm" | "ts";
  /** A frame the kernels work on in place (in wasm memory for the wasm set). */
  frame(width: number, height: number, channels: 3 | 4): Frame;
  /** A byte plane (a mask) the kernels work on in place. */
  plane(length: number): Uint8Array;
  /** A float map (the mask path's working maps) the kernels work on in place. */
  floats(length: number): Float32Array;
}

const tsSet: KernelSet = {
  ...tsKernels,
  name: "ts",
  frame: createFrame,
  plane: (length) => new Uint8Array(length),
  floats: (length) => new Float32Array(length),
};

let active: KernelSet | undefined;

/** The process's kernel set, created on first use. */
export function defaultKernels(): KernelSet {
  active ??= Deno.env.get("SEGCAM_KERNELS") === "ts" ? tsSet : wasmSet() ?? tsSet;
  return active;
}

/** The TypeScript reference set (tests compare against it). */
export function referenceKernels(): KernelSet {
  return tsSet;
}

function wasmSet(): KernelSet | undefined {
  let wasm: ReturnType<typeof createWasmKernels>;
  try {
    wasm = createWasmKernels();
  } catch {
    return undefined; // no WebAssembly SIMD here: the reference does the work
  }
  const set = { name: "wasm" } as KernelSet;
  for (const name of Object.keys(tsKernels) as (keyof Kernels)[]) {
    const fast = wasm[name] as (...args: unknown[]) => void;
    const slow = tsKernels[name] as (...args: unknown[]) => void;
    (set as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      try {
        return fast(...args);
      } catch (error) {
        if (error instanceof RangeError && error.message.startsWith("wasm arena:")) {
          return slow(...args);
        }
        throw error;
      }
    };
  }
  // Frames of the loop come from the arena while it has room, then from the JS heap
  // (still correct: the kernels copy those in and out).
  set.frame = (width, height, channels) => {
    try {
      return wasm.frame(width, height, channels);
    } catch {
      return createFrame(width, height, channels);
    }
  };
  set.plane = (length) => {
    try {
      return wasm.plane(length);
    } catch {
      return new Uint8Array(length);
    }
  };
  set.floats = (length) => {
    try {
      return wasm.floats(length);
    } catch {
      return new Float32Array(length);
    }
  };
  return set;
}
