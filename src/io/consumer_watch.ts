/**
 * On-demand processing: is any other program (a browser, Zoom, OBS) reading the virtual
 * camera? Linux-Fake-Background-Webcam answers with inotify on the device; we do too.
 *
 * - Who has the device open comes from /proc/<pid>/fd: each entry is a symlink to the
 *   open file. Our own process and our ffmpeg children (the writer) are left out. Other
 *   users' processes cannot be read and are not counted.
 * - When to look again comes from inotify (open and close of the device), through libc
 *   with Deno's FFI: Deno.watchFs reports no open or close events (checked with Deno
 *   2.9: opening and reading a watched file gives no event). A /proc scan reads a
 *   link per open file of every process (a desktop has tens of thousands) and starts
 *   find(1), so scanning only after an event keeps an idle segcam at no CPU. Without
 *   inotify (no glibc, no --allow-ffi) it falls back to a scan on every tick.
 * - `onDemandStep` decides active or idle, with a grace period after the last
 *   consumer leaves so that a browser reopening the camera (Meet does, when switching
 *   resolution) does not stop and restart the pipeline.
 */

import { realSystemPath } from "./system_files.ts";

/** Other processes that have the device open, and a hint of when to look again. */
export interface ConsumerWatcher {
  /** Process ids of the other processes that have the device open now. */
  consumers(): Promise<number[]>;
  /** True when the device may have been opened or closed since the last call. */
  maybeChanged(): boolean;
  close(): void;
}

export interface ProcWatcherOptions {
  /** Our own helpers that hold the device (the ffmpeg writer); our own pid is always left out. */
  exclude?: () => Iterable<number>;
  /** For tests: a folder laid out like /proc. */
  procRoot?: string;
  /** Use inotify when it is available (default true). */
  inotify?: boolean;
}

/**
 * Pids under `procRoot` with a file descriptor pointing at `device`, minus `excluded`.
 * Deno refuses to read /proc without --allow-all, so find(1) (findutils, in every
 * distribution's base) reads it for us: a few milliseconds for a whole desktop.
 */
export async function scanConsumers(
  device: string,
  excluded: Set<number>,
  procRoot = "/proc",
): Promise<number[]> {
  const output = await new Deno.Command("sh", {
    // Other users' processes give "permission denied" (find then exits 1): not ours to see.
    args: [
      "-c",
      'find "$1"/[0-9]*/fd -mindepth 1 -maxdepth 1 -lname "$2" 2>/dev/null; true',
      "sh",
      procRoot,
      device,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output();
  const pids = new Set<number>();
  for (const line of new TextDecoder().decode(output.stdout).split("\n")) {
    const pid = Number(line.slice(procRoot.length + 1).split("/")[0]);
    if (line !== "" && Number.isInteger(pid) && !excluded.has(pid)) pids.add(pid);
  }
  return [...pids];
}

/** Watches `device` (e.g. /dev/video10) through /proc, scanning again after inotify events. */
export function watchDeviceConsumers(
  device: string,
  options: ProcWatcherOptions = {},
): ConsumerWatcher {
  // /proc shows the real path; a by-id or by-path symlink would never match.
  const realDevice = realSystemPath(device) ?? device;
  const events = options.inotify === false ? undefined : openInotify(realDevice);
  return {
    consumers: () =>
      scanConsumers(
        realDevice,
        new Set([Deno.pid, ...(options.exclude?.() ?? [])]),
        options.procRoot,
      ),
    maybeChanged: () => events?.drain() ?? true,
    close: () => events?.close(),
  };
}

// inotify(7) constants (linux/inotify.h).
const IN_OPEN = 0x20;
const IN_CLOSE_WRITE = 0x08;
const IN_CLOSE_NOWRITE = 0x10;
const IN_NONBLOCK = 0x800;
const IN_CLOEXEC = 0x80000;

const LIBC_SYMBOLS = {
  inotify_init1: { parameters: ["i32"], result: "i32" },
  inotify_add_watch: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

/** Open/close events of one file; undefined when inotify cannot be used here. */
function openInotify(path: string): { drain(): boolean; close(): void } | undefined {
  let libc: Deno.DynamicLibrary<typeof LIBC_SYMBOLS>;
  try {
    libc = Deno.dlopen("libc.so.6", LIBC_SYMBOLS);
  } catch {
    return undefined;
  }
  const fd = libc.symbols.inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  const watch = fd < 0 ? -1 : libc.symbols.inotify_add_watch(
    fd,
    new TextEncoder().encode(`${path}\0`),
    IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE,
  );
  if (watch < 0) {
    if (fd >= 0) libc.symbols.close(fd);
    libc.close();
    return undefined;
  }
  // Events are 16 bytes (no name for a watched file); 4 KiB holds 256 of them.
  const buffer = new Uint8Array(4096);
  return {
    drain() {
      let any = false;
      // Non-blocking: -1 (EAGAIN) as soon as the queue is empty.
      while (libc.symbols.read(fd, buffer, BigInt(buffer.length)) > 0) any = true;
      return any;
    },
    close() {
      libc.symbols.close(fd);
      libc.close();
    },
  };
}

export type OnDemandMode = "active" | "idle";

export interface OnDemandState {
  mode: OnDemandMode;
  /** When a consumer was last seen (ms, the caller's clock). */
  lastSeenMs: number;
}

export const IDLE: OnDemandState = { mode: "idle", lastSeenMs: -Infinity };

/**
 * Active while anyone reads the device and for `graceMs` after the last one leaves;
 * idle otherwise. Pure: the caller supplies the count and the time.
 */
export function onDemandStep(
  state: OnDemandState,
  consumers: number,
  nowMs: number,
  graceMs: number,
): OnDemandState {
  if (consumers > 0) return { mode: "active", lastSeenMs: nowMs };
  if (state.mode === "active" && nowMs - state.lastSeenMs < graceMs) return state;
  return { mode: "idle", lastSeenMs: state.lastSeenMs };
}

export interface OnDemandOptions {
  /** How long to keep running after the last consumer closed the device. */
  graceMs?: number;
  /** The clock, in ms. */
  now?: () => number;
  /** Called on every change of mode. */
  onChange?: (mode: OnDemandMode, consumers: number[]) => void;
}

/**
 * Drives onDemandStep from a watcher. Call tick() every 250 ms (startOnDemand does):
 * a consumer that opens the device is seen within one tick, well inside the second the
 * live loop has to start again.
 */
export class OnDemandSwitch {
  #state: OnDemandState = IDLE;
  #consumers: number[] = [];
  #first = true;
  readonly #graceMs: number;
  readonly #now: () => number;

  constructor(readonly watcher: ConsumerWatcher, readonly options: OnDemandOptions = {}) {
    this.#graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    this.#now = options.now ?? (() => performance.now());
  }

  get mode(): OnDemandMode {
    return this.#state.mode;
  }

  get consumers(): readonly number[] {
    return this.#consumers;
  }

  async tick(): Promise<OnDemandMode> {
    // Scan on the first tick (whoever had the device open before we started watching),
    // and after an open/close event (on every tick without inotify).
    if (this.watcher.maybeChanged() || this.#first) {
      this.#consumers = await this.watcher.consumers();
    }
    this.#first = false;
    const before = this.#state.mode;
    this.#state = onDemandStep(this.#state, this.#consumers.length, this.#now(), this.#graceMs);
    if (this.#state.mode !== before) this.options.onChange?.(this.#state.mode, this.#consumers);
    return this.#state.mode;
  }
}

/**
 * Long enough for a browser to close and reopen the camera (a resolution change, a
 * page reload: under a second), short enough that the webcam light goes off soon after
 * the call ends.
 */
export const DEFAULT_GRACE_MS = 3000;

/** How often to look: a quarter second keeps the start-up delay well under a second. */
export const TICK_MS = 250;

/** Ticks `onDemand` every TICK_MS until the returned stop() is called. */
export function startOnDemand(onDemand: OnDemandSwitch): { stop(): void } {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const loop = async () => {
    await onDemand.tick();
    // setTimeout after each tick, not setInterval: a slow scan never piles up.
    if (!stopped) timer = setTimeout(loop, TICK_MS);
  };
  loop();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      onDemand.watcher.close();
    },
  };
}
