/**
 * Per-stage timing of the frame loop over a sliding window, without allocation: each
 * stage keeps a fixed ring of the last samples, and medians are taken on demand by the
 * status panel (10 Hz), not per frame.
 */
export const STAGES = ["wait", "segment", "effect", "write", "latency"] as const;
export type Stage = typeof STAGES[number];

const WINDOW = 64;

export class StageTimings {
  readonly #samples = new Map<Stage, Float64Array>();
  readonly #counts = new Map<Stage, number>();
  readonly #sorted = new Float64Array(WINDOW);

  constructor() {
    for (const stage of STAGES) {
      this.#samples.set(stage, new Float64Array(WINDOW));
      this.#counts.set(stage, 0);
    }
  }

  record(stage: Stage, ms: number): void {
    const count = this.#counts.get(stage)!;
    this.#samples.get(stage)![count % WINDOW] = ms;
    this.#counts.set(stage, count + 1);
  }

  /** Median of the last samples of `stage`, or NaN when there are none. */
  median(stage: Stage): number {
    return this.quantile(stage, 0.5);
  }

  quantile(stage: Stage, q: number): number {
    const n = Math.min(this.#counts.get(stage)!, WINDOW);
    if (n === 0) return NaN;
    const sorted = this.#sorted.subarray(0, n);
    sorted.set(this.#samples.get(stage)!.subarray(0, n));
    sorted.sort();
    return sorted[Math.min(n - 1, Math.floor(q * n))];
  }
}
