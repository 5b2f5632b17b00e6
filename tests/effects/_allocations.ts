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
  const global = globalThis as unknown as Record<string, unknown>;
  const originals = NAMES.map((name) => global[name]);
  let count = 0;
  NAMES.forEach((name, i) => {
    const Base = originals[i] as new (...args: unknown[]) => object;
    global[name] = class extends Base {
      constructor(...args: unknown[]) {
        super(...args);
        count++;
      }
    };
  });
  try {
    fn();
  } finally {
    NAMES.forEach((name, i) => (global[name] = originals[i]));
  }
  return count;
}
