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

  /** The most recent sample of `stage` (NaN before the first). */
  latest(stage: Stage): number {
    const count = this.#counts.get(stage)!;
    return count === 0 ? NaN : this.#samples.get(stage)![(count - 1) % WINDOW];
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

/** A whole-run latency histogram in 1 ms bins (0–999 ms, the last bin holds the rest). */
export class LatencyHistogram {
  readonly #bins = new Uint32Array(1000);
  #count = 0;

  record(ms: number): void {
    this.#bins[Math.min(999, Math.max(0, Math.floor(ms)))]++;
    this.#count++;
  }

  /** The q-quantile in ms (bin upper edge), or NaN when empty. */
  quantile(q: number): number {
    if (this.#count === 0) return NaN;
    const target = q * this.#count;
    let seen = 0;
    for (let i = 0; i < this.#bins.length; i++) {
      seen += this.#bins[i];
      if (seen >= target) return i + 1;
    }
    return this.#bins.length;
  }
}
