/**
 * A one-line progress bar for long work (a batch of images, the frames of a video):
 *
 *   Blurring ██████░░░░░░░░░░░░░░ 12/40 30% · 2.0 images/s · 0:06 elapsed · ETA 0:14
 *
 * It draws on the stream or sink it is given and reads time from the clock it is given
 * (after denoland/std's cli/unstable_progress_bar.ts), so tests can assert exact bytes.
 * In a terminal it redraws in place (`\r` + erase line) at most 10 times a second; in a
 * log file or pipe it prints a plain line every few seconds instead, so a CI log of a
 * 10-minute video gets ~120 lines and not 18,000.
 */
import picocolors from "picocolors";

/** Anything with a write(text) method, e.g. a test's array of chunks. */
export interface TextSink {
  write(text: string): unknown;
}

export interface ProgressBarOptions {
  /** Words before the bar: "Blurring", "Encoding clip.mp4". */
  label: string;
  /** Number of items when known; without it there is no bar, percentage or ETA. */
  total?: number;
  /** Plural noun counted, for the rate: "images" → "2.0 images/s". */
  unit?: string;
  /** Replaces "<unit>/s" in the rate, e.g. "fps". */
  rateUnit?: string;
  /** Whether the sink is a terminal (redraw in place) or a file/pipe (plain lines). */
  isTerminal?: boolean;
  /** Terminal width: the line is kept shorter so that it never wraps. */
  columns?: number;
  /** Colour the bar; default: in a terminal unless NO_COLOR is set or TERM=dumb. */
  color?: boolean;
  /** Milliseconds from any fixed origin; default performance.now. */
  now?: () => number;
  /** Minimum time between two redraws in a terminal. */
  redrawIntervalMs?: number;
  /** Minimum time between two plain lines when not a terminal. */
  plainIntervalMs?: number;
}

export const defaults = {
  unit: "items",
  isTerminal: false,
  columns: 80,
  redrawIntervalMs: 100, // 10 Hz: smooth to the eye, negligible next to a frame's work
  plainIntervalMs: 5000,
} satisfies Partial<ProgressBarOptions>;

/** The widest the bar gets; a full-width bar is harder to read, not easier. */
const MAX_BAR_WIDTH = 30;
/** Below this a bar says too little to be worth the room. */
const MIN_BAR_WIDTH = 10;
/**
 * The rate is measured over the last ~5 s (10 samples at least 0.5 s apart), so that
 * it follows the current speed (after a slow first frame, or when the machine gets
 * busy) rather than the average since the start.
 */
const RATE_SAMPLES = 10;
const RATE_SAMPLE_MS = 500;

const CLEAR_LINE = "\r\x1b[2K";

export class ProgressBar {
  readonly #label: string;
  #total: number | undefined;
  readonly #unit: string;
  readonly #rateUnit: string;
  readonly #isTerminal: boolean;
  readonly #columns: number;
  readonly #colors: ReturnType<typeof picocolors.createColors>;
  readonly #now: () => number;
  readonly #redrawMs: number;
  readonly #plainMs: number;

  readonly #write: (text: string) => void;
  readonly #flush: () => Promise<void>;

  readonly #start: number;
  #done = 0;
  #lastDraw = -Infinity;
  #lastPlain: number;
  #drawn = false;
  #finished = false;
  /** Ring of (time, done) samples for the rate; [0] is the start. */
  readonly #sampleTimes = new Float64Array(RATE_SAMPLES);
  readonly #sampleDone = new Float64Array(RATE_SAMPLES);
  #samples = 1;
  #newest = 0;

  constructor(sink: WritableStream<Uint8Array> | TextSink, options: ProgressBarOptions) {
    const o = { ...defaults, ...options };
    this.#label = o.label;
    this.#total = o.total;
    this.#unit = o.unit;
    this.#rateUnit = o.rateUnit ?? `${o.unit}/s`;
    this.#isTerminal = o.isTerminal;
    this.#columns = o.columns;
    this.#colors = picocolors.createColors(o.color ?? (o.isTerminal && colorAllowed()));
    this.#now = o.now ?? (() => performance.now());
    this.#redrawMs = o.redrawIntervalMs;
    this.#plainMs = o.plainIntervalMs;
    this.#start = this.#now();
    this.#lastPlain = this.#start;
    this.#sampleTimes[0] = this.#start;

    // A progress bar must never fail the work it reports on: once the sink breaks
    // (stderr closed, EPIPE), it goes quiet.
    let broken = false;
    let pending: Promise<unknown> = Promise.resolve();
    const onError = () => {
      broken = true;
    };
    if (sink instanceof WritableStream) {
      const writer = sink.getWriter();
      const encoder = new TextEncoder();
      this.#write = (text) => {
        if (!broken) pending = writer.write(encoder.encode(text)).catch(onError);
      };
      this.#flush = async () => {
        await pending;
        writer.releaseLock();
      };
    } else {
      this.#write = (text) => {
        if (broken) return;
        try {
          const result = sink.write(text);
          if (result instanceof Promise) pending = result.catch(onError);
        } catch {
          onError();
        }
      };
      this.#flush = async () => {
        await pending;
      };
    }
  }

  /** Sets the number of items done (and the total, if it became known); may redraw. */
  update(done: number, total?: number): void {
    if (this.#finished) return;
    this.#done = done;
    if (total !== undefined) this.#total = total;
    const now = this.#now();
    this.#sample(now);
    if (this.#isTerminal) {
      if (now - this.#lastDraw < this.#redrawMs) return;
      this.#lastDraw = now;
      this.#drawn = true;
      this.#write(CLEAR_LINE + this.#terminalLine(now));
    } else if (now - this.#lastPlain >= this.#plainMs) {
      this.#lastPlain = now;
      this.#write(this.#plainLine(now, true) + "\n");
    }
  }

  /** Adds `count` items done. */
  increment(count = 1): void {
    this.update(this.#done + count);
  }

  /** Prints a line of its own (a warning, a skipped file) without garbling the bar. */
  log(line: string): void {
    if (this.#finished || !this.#isTerminal) {
      this.#write(line + "\n");
      return;
    }
    const now = this.#now();
    const redraw = this.#drawn ? CLEAR_LINE + this.#terminalLine(now) : "";
    this.#write(CLEAR_LINE + line + "\n" + redraw);
  }

  /**
   * Replaces the bar with `summary` (default: a status line with the average rate) and
   * waits until everything is written. Later calls do nothing.
   */
  async finish(summary?: string): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    const line = summary ?? this.#plainLine(this.#now(), false);
    this.#write((this.#drawn ? CLEAR_LINE : "") + line + "\n");
    await this.#flush();
  }

  /**
   * Ends the bar without a line of its own: on a terminal the bar is erased, elsewhere
   * nothing is written. For a run that ends with an error, which is then the only line.
   */
  async clear(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#drawn) this.#write(CLEAR_LINE);
    await this.#flush();
  }

  /** A bar on this process's stderr, sized to the terminal when it is one. */
  static forStderr(options: ProgressBarOptions): ProgressBar {
    const isTerminal = Deno.stderr.isTerminal();
    let columns: number = defaults.columns;
    try {
      if (isTerminal) columns = Deno.consoleSize().columns;
    } catch {
      // Not a console after all (e.g. a pseudo-terminal without a size): keep 80.
    }
    return new ProgressBar(Deno.stderr.writable, { isTerminal, columns, ...options });
  }

  #sample(now: number): void {
    if (now - this.#sampleTimes[this.#newest] < RATE_SAMPLE_MS) return;
    this.#newest = (this.#newest + 1) % RATE_SAMPLES;
    this.#sampleTimes[this.#newest] = now;
    this.#sampleDone[this.#newest] = this.#done;
    if (this.#samples < RATE_SAMPLES) this.#samples++;
  }

  /** Items per second over the sample window (up to now), or undefined before any time passed. */
  #rate(now: number): number | undefined {
    const oldest = this.#samples < RATE_SAMPLES ? 0 : (this.#newest + 1) % RATE_SAMPLES;
    const seconds = (now - this.#sampleTimes[oldest]) / 1000;
    return seconds > 0 ? (this.#done - this.#sampleDone[oldest]) / seconds : undefined;
  }

  /** Whole percent done, never 100 before the last item; undefined without a total. */
  #percent(): number | undefined {
    const total = this.#total;
    if (total === undefined || total <= 0) return undefined;
    return Math.floor((Math.min(this.#done, total) * 100) / total);
  }

  /** "12/40 30%" (or "12/40 (30%)" with `parens`), or "12 images" without a total. */
  #count(parens = false): string {
    const percent = this.#percent();
    if (percent === undefined) return `${this.#done} ${this.#unit}`;
    return `${this.#done}/${this.#total} ${parens ? `(${percent}%)` : `${percent}%`}`;
  }

  #terminalLine(now: number): string {
    const c = this.#colors;
    const rate = this.#rate(now);
    const parts = [this.#count()];
    if (rate !== undefined) parts.push(`${formatRate(rate)} ${this.#rateUnit}`);
    parts.push(`${formatDuration(now - this.#start)} elapsed`);
    const eta = this.#eta(rate);
    if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`);
    const text = parts.join(" · ");

    const room = this.#columns - 1 - this.#label.length - 1 - text.length - 1;
    const total = this.#total;
    if (total === undefined || this.#percent() === undefined || room < MIN_BAR_WIDTH) {
      const line = `${this.#label} ${text}`;
      if (line.length < this.#columns) return `${c.bold(this.#label)} ${text}`;
      return line.slice(0, Math.max(0, this.#columns - 1)); // never wrap: \r could not undo it
    }
    const width = Math.min(MAX_BAR_WIDTH, room);
    const filled = Math.floor((Math.min(this.#done, total) / total) * width);
    // Only non-empty runs are coloured: an empty one would still cost two escape codes.
    const done = filled > 0 ? c.green("█".repeat(filled)) : "";
    const left = filled < width ? c.dim("░".repeat(width - filled)) : "";
    const bar = done + left;
    return `${c.bold(this.#label)} ${bar} ${text}`;
  }

  /** "Blurring: 12/40 (30%), 2.0 images/s, 0:06 elapsed, ETA 0:14" — for logs and the end. */
  #plainLine(now: number, running: boolean): string {
    const parts = [this.#count(true)];
    const elapsed = now - this.#start;
    // At the end the average since the start is the figure worth keeping.
    const rate = running
      ? this.#rate(now)
      : elapsed > 0
      ? this.#done / (elapsed / 1000)
      : undefined;
    if (rate !== undefined) parts.push(`${formatRate(rate)} ${this.#rateUnit}`);
    parts.push(`${formatDuration(elapsed)} elapsed`);
    const eta = running ? this.#eta(rate) : undefined;
    if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`);
    return `${this.#label}: ${parts.join(", ")}`;
  }

  #eta(rate: number | undefined): number | undefined {
    const total = this.#total;
    if (total === undefined || total <= 0 || rate === undefined || rate <= 0) return undefined;
    return (Math.max(0, total - this.#done) / rate) * 1000;
  }
}

/** "2.0" under 100 a second, "240" above: one decimal is noise at high rates. */
function formatRate(perSecond: number): string {
  return perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}

/** m:ss, or h:mm:ss from an hour on. */
function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** https://no-color.org: any non-empty NO_COLOR turns colour off; so does TERM=dumb. */
function colorAllowed(): boolean {
  try {
    return !Deno.env.get("NO_COLOR") && Deno.env.get("TERM") !== "dumb";
  } catch {
    return false; // no permission to read the environment: stay plain
  }
}
