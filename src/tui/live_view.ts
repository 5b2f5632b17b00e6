/**
 * What the user sees of a live run: the status panel redrawn 10 times a second in a
 * terminal (keys read from it), or, without one (--no-tui, the service's journal), a
 * plain status line when something the user set or was told changes, and one a minute
 * to show it is alive (none with -q). It reads
 * the run's counters and controls through getters and never touches the frames, so the
 * hot loop does not wait for it; its clock, CPU meter and terminal are injected.
 */
import type { Frame } from "../frame.ts";
import type { StageTimings } from "../pipeline/timings.ts";
import type { CpuMeter } from "./cpu_meter.ts";
import { parseKeys } from "./keys.ts";
import {
  describeSettings,
  describeView,
  expireMessage,
  type LiveControls,
} from "../control/live_state.ts";
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
  /** The panel's terminal; without one, status lines go to `printLine`. */
  terminal?: Terminal;
  /**
   * Without a terminal: "on-change" prints a status line when the settings or the
   * message change and once a minute; "none" (-q) prints none. Default "on-change".
   */
  statusLines?: "panel" | "on-change" | "none";
  color: boolean;
  printLine: (line: string) => void;
  now: () => number;
  /** Unchanging facts: input, output, size, inference, transparentAs. */
  describe: Pick<PanelState, "input" | "output" | "size" | "inference" | "transparentAs">;
  counters: LiveCounters;
  timings: StageTimings;
  controls: () => LiveControls;
  /** Called with the command line of every key (src/tui/keys.ts); the caller runs it. */
  onKey: (command: string) => void;
  /** The second look's state for the settings line, e.g. "second look auto (…)". */
  secondLook?: () => string;
  /** Auto-framing's line for the settings, while it is on. */
  autoframe?: () => string | undefined;
  /** The last frame delivered, for the preview. */
  lastFrame: () => Frame | undefined;
  /**
   * CPU of segcam and its children (`meter` over `pids`, sampled once a second: a read
   * of /proc per process, or a `cat` started without FFI), and of segcam alone (`self`:
   * its user + system µs so far).
   */
  cpu?: { meter: CpuMeter; pids: () => number[]; self?: () => number };
}

/** Without a terminal, a line at least this often even when nothing changes. */
const ALIVE_LINE_MS = 60_000;

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
  #lastSelf?: { micros: number; at: number };
  #printed = { key: "", at: -Infinity };

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
          for (const command of parseKeys(bytes)) this.#o.onKey(command);
          this.tick();
        }
      })().catch(() => {}); // stdin closed under us: the run goes on without keys
    }
    this.#timer = setInterval(() => this.tick(), REDRAW_MS);
  }

  /**
   * Updates the numbers and redraws, or prints the status line when due (the timer
   * calls it; tests call it directly). `draw` false only updates (for `status`).
   */
  tick(draw = true): PanelState {
    const o = this.#o;
    const now = o.now();
    const state = this.#state;
    const seconds = (now - this.#last.at) / 1000;
    if (seconds * 1000 >= RATE_WINDOW_MS) {
      state.fpsIn = (o.counters.received - this.#last.received) / seconds;
      state.fpsOut = (o.counters.written - this.#last.written) / seconds;
      this.#last = { received: o.counters.received, written: o.counters.written, at: now };
    }
    if (o.cpu && draw && this.#ticks % 10 === 0 && !this.#sampling) {
      if (o.cpu.self) {
        const micros = o.cpu.self();
        if (this.#lastSelf && now > this.#lastSelf.at) {
          state.cpuSelfPercent = (micros - this.#lastSelf.micros) / 10 / (now - this.#lastSelf.at);
        }
        this.#lastSelf = { micros, at: now };
      }
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
    state.secondLook = o.secondLook?.();
    state.autoframe = o.autoframe?.();
    if (!draw) return state;
    if (o.terminal) {
      o.terminal.draw(renderPanel(state, o.terminal.size(), o.color));
    } else if ((o.statusLines ?? "on-change") === "on-change" && this.#ticks > 0) {
      // What the user set or was told, not the figures: those change every second.
      const key = [
        describeView(state.controls, state.transparentAs),
        ...describeSettings(state.controls),
        state.controls.message,
        state.message,
      ].join("|");
      // The first figures come a second in: the first line waits for them.
      const due = key !== this.#printed.key || now - this.#printed.at >= ALIVE_LINE_MS;
      if (this.#ticks >= 10 && due) {
        o.printLine(formatStatusLine(state));
        this.#printed = { key, at: now };
      }
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
