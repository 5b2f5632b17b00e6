/**
 * What the user sees of a live run: the status panel redrawn 10 times a second in a
 * terminal (keys read from it), or one plain status line a second on stderr. It reads
 * the run's counters and controls through getters and never touches the frames, so the
 * hot loop does not wait for it; its clock, CPU meter and terminal are injected.
 */
import type { Frame } from "../frame.ts";
import type { StageTimings } from "../pipeline/timings.ts";
import type { CpuMeter } from "./cpu_meter.ts";
import { type KeyAction, parseKeys } from "./keys.ts";
import { expireMessage, type LiveControls } from "./live_controls.ts";
import { formatStatusLine, type PanelState, renderPanel } from "./panel.ts";
import type { Terminal } from "./terminal.ts";

export interface LiveCounters {
  /** Frames read from the source (camera, file, stream), dropped ones included. */
  readonly received: number;
  /** Frames skipped because processing was still busy. */
  readonly dropped: number;
  /** Frames delivered to the output. */
  readonly written: number;
}

export interface LiveViewOptions {
  /** The panel's terminal; without one, a status line a second goes to `printLine`. */
  terminal?: Terminal;
  color: boolean;
  printLine: (line: string) => void;
  now: () => number;
  /** Unchanging facts: input, output, size, inference, transparentAs. */
  describe: Pick<PanelState, "input" | "output" | "size" | "inference" | "transparentAs">;
  counters: LiveCounters;
  timings: StageTimings;
  controls: () => LiveControls;
  /** Called for every key; the caller applies it (see live_controls.ts). */
  onKey: (action: KeyAction) => void;
  /** The last frame delivered, for the preview. */
  lastFrame: () => Frame | undefined;
  /** CPU of segcam and its children; sampled once a second (it starts a process). */
  cpu?: { meter: CpuMeter; pids: () => number[] };
}

const REDRAW_MS = 100;
/** fps over a window this long: short enough to follow changes, long enough to be steady. */
const RATE_WINDOW_MS = 1000;

export class LiveView {
  readonly #o: LiveViewOptions;
  readonly #state: PanelState;
  #timer?: ReturnType<typeof setInterval>;
  #ticks = 0;
  #sampling = false;
  #last: { received: number; written: number; at: number };
  #keysDone?: Promise<void>;
  #stopped = false;

  constructor(options: LiveViewOptions) {
    this.#o = options;
    this.#state = {
      ...options.describe,
      controls: options.controls(),
      fpsIn: 0,
      fpsOut: 0,
      stages: { wait: NaN, segment: NaN, effect: NaN, write: NaN },
      latencyMs: NaN,
      frames: 0,
      dropped: 0,
      message: "",
    };
    this.#last = { received: 0, written: 0, at: options.now() };
  }

  /** A message from the run (a reconnecting camera, a waiting receiver); "" clears it. */
  set message(text: string) {
    this.#state.message = text;
  }

  start(): void {
    const terminal = this.#o.terminal;
    if (terminal) {
      terminal.start();
      this.#keysDone = (async () => {
        while (!this.#stopped) {
          const bytes = await terminal.readKeys();
          if (bytes === null) return;
          for (const action of parseKeys(bytes)) this.#o.onKey(action);
          this.tick();
        }
      })().catch(() => {}); // stdin closed under us: the run goes on without keys
    }
    this.#timer = setInterval(() => this.tick(), REDRAW_MS);
  }

  /** Updates the numbers and redraws (the timer calls it; tests call it directly). */
  tick(): PanelState {
    const o = this.#o;
    const now = o.now();
    const state = this.#state;
    const seconds = (now - this.#last.at) / 1000;
    if (seconds * 1000 >= RATE_WINDOW_MS) {
      state.fpsIn = (o.counters.received - this.#last.received) / seconds;
      state.fpsOut = (o.counters.written - this.#last.written) / seconds;
      this.#last = { received: o.counters.received, written: o.counters.written, at: now };
    }
    if (o.cpu && this.#ticks % 10 === 0 && !this.#sampling) {
      this.#sampling = true;
      o.cpu.meter.sample(o.cpu.pids())
        .then((percent) => state.cpuPercent = percent)
        .finally(() => this.#sampling = false);
    }
    state.controls = expireMessage(o.controls(), now);
    state.stages = {
      wait: o.timings.median("wait"),
      segment: o.timings.median("segment"),
      effect: o.timings.median("effect"),
      write: o.timings.median("write"),
    };
    state.latencyMs = o.timings.median("latency");
    state.frames = o.counters.written;
    state.dropped = o.counters.dropped;
    state.preview = state.controls.preview ? o.lastFrame() : undefined;
    if (o.terminal) {
      o.terminal.draw(renderPanel(state, o.terminal.size(), o.color));
    } else if (this.#ticks % 10 === 0 && this.#ticks > 0) {
      o.printLine(formatStatusLine(state));
    }
    this.#ticks++;
    return state;
  }

  /** Stops redrawing and gives the terminal back; safe to call twice. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#o.terminal?.restore();
  }
}
