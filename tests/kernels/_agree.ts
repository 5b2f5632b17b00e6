/**
 * Holding a wasm kernel to its TypeScript reference, shared by the kernel tests: one
 * wasm instance, and a run of the same call with the reference, with wasm on arguments
 * in ordinary memory (copied in and out) and with wasm on arguments in its arena.
 */
import assert from "node:assert/strict";
import type { Frame } from "../../src/frame.ts";
import {
  createWasmKernels,
  type Kernels,
  tsKernels,
  type WasmKernels,
} from "../../src/kernels/wasm/wasm_kernels.ts";

export const wasm: WasmKernels = createWasmKernels();

/** The largest absolute difference between two arrays of the same length. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Copies a frame into the arena. */
export function inArena(k: WasmKernels, frame: Frame): Frame {
  const out = k.frame(frame.width, frame.height, frame.channels);
  out.data.set(frame.data);
  return out;
}

/** Copies a byte plane into the arena. */
export function planeIn(k: WasmKernels, bytes: Uint8Array): Uint8Array {
  const out = k.plane(bytes.length);
  out.set(bytes);
  return out;
}

/**
 * Runs `run` with the reference kernels and with wasm, twice: arguments in ordinary
 * memory (copied in and out) and in the arena (in place); outputs within `tolerance`.
 */
export function agree(
  label: string,
  tolerance: number,
  run: (k: Kernels, arena?: WasmKernels) => ArrayLike<number>,
): void {
  const expected = run(tsKernels);
  for (const arena of [undefined, wasm]) {
    arena?.reset();
    const got = run(wasm, arena);
    const diff = maxDiff(got, expected);
    assert.ok(
      diff <= tolerance,
      `${label} (${arena ? "arena" : "copied"}): max difference ${diff} > ${tolerance}`,
    );
  }
}
