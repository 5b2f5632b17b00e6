/**
 * Counts typed arrays constructed while `fn` runs, by swapping the global constructors
 * for counting subclasses. Kernels look the constructors up at call time, so any
 * `new Float32Array(...)` in a hot path shows up here.
 */
const NAMES = [
  "Uint8Array",
  "Uint8ClampedArray",
  "Int8Array",
  "Uint16Array",
  "Int16Array",
  "Uint32Array",
  "Int32Array",
  "Float32Array",
  "Float64Array",
] as const;

export function countTypedArrayAllocations(fn: () => void): number {
  let count = 0;
  const restore = countInto(() => count++);
  try {
    fn();
  } finally {
    restore();
  }
  return count;
}

/** The same for an async `fn` (the frame engine): nothing else may run meanwhile. */
export async function countTypedArrayAllocationsAsync(fn: () => Promise<void>): Promise<number> {
  let count = 0;
  const restore = countInto(() => count++);
  try {
    await fn();
  } finally {
    restore();
  }
  return count;
}

function countInto(onNew: () => void): () => void {
  const global = globalThis as unknown as Record<string, unknown>;
  const originals = NAMES.map((name) => global[name]);
  NAMES.forEach((name, i) => {
    const Base = originals[i] as new (...args: unknown[]) => object;
    global[name] = class extends Base {
      constructor(...args: unknown[]) {
        super(...args);
        onNew();
      }
      // Arrays made before the swap are still Uint8Arrays to code that checks.
      static override [Symbol.hasInstance](value: unknown): boolean {
        return value instanceof Base;
      }
    };
  });
  return () => NAMES.forEach((name, i) => (global[name] = originals[i]));
}
