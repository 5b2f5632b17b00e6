/**
 * The terminal while the live panel runs: raw keys, hidden cursor, the alternate screen
 * (so the user's scrollback is intact afterwards), and a restore that runs on every way
 * out — quit, error, signals, uncaught exceptions — and is safe to call twice.
 */
export interface TerminalIo {
  stdin: { setRaw(raw: boolean): void; read(buffer: Uint8Array): Promise<number | null> };
  write(text: string): void;
  size(): { columns: number; rows: number };
}

const ENTER = "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J";
const LEAVE = "\x1b[0m\x1b[?25h\x1b[?1049l";

export class Terminal {
  #active = false;
  readonly #io: TerminalIo;
  readonly #buffer = new Uint8Array(64);
  #onGone?: () => void;

  constructor(io: TerminalIo) {
    this.#io = io;
  }

  /**
   * Calls `callback` once when the terminal goes away under the panel (a closed window,
   * a killed tmux pane): a write fails (EIO) or the keyboard reads end of file, which a
   * terminal in raw mode only does on hang-up. The SIGHUP that should come with it does
   * not always reach segcam (`sh -c` in the pane gets it, not its child), so this is
   * the hang-up that cannot be missed.
   */
  whenGone(callback: () => void): void {
    this.#onGone = callback;
  }

  #gone(): void {
    this.#active = false;
    const callback = this.#onGone;
    this.#onGone = undefined;
    callback?.();
  }

  start(): void {
    this.#io.stdin.setRaw(true);
    this.#io.write(ENTER);
    this.#active = true;
  }

  /** Reads the next keystrokes (null at end of input, or when the terminal is gone). */
  async readKeys(): Promise<Uint8Array | null> {
    let n: number | null;
    try {
      n = await this.#io.stdin.read(this.#buffer);
    } catch {
      n = null;
    }
    if (n === null) {
      if (this.#active) this.#gone();
      return null;
    }
    return this.#buffer.subarray(0, n);
  }

  size(): { columns: number; rows: number } {
    return this.#io.size();
  }

  /** Redraws in place: home, each line cleared to its end, the rest of the screen cleared. */
  draw(lines: string[]): void {
    if (!this.#active) return;
    try {
      this.#io.write(`\x1b[H${lines.map((l) => `${l}\x1b[K`).join("\r\n")}\x1b[J`);
    } catch {
      // The terminal is gone (closed window, killed tmux pane: EIO): nothing to draw on.
      this.#gone();
    }
  }

  /** Leaves the panel; when the terminal is gone (EIO) there is nothing to restore. */
  restore(): void {
    if (!this.#active) return;
    this.#active = false;
    try {
      this.#io.write(LEAVE);
    } catch { /* the terminal is gone */ }
    try {
      this.#io.stdin.setRaw(false);
    } catch { /* stdin already gone */ }
  }
}

/** The real terminal of this process. */
export function processTerminalIo(): TerminalIo {
  const encoder = new TextEncoder();
  return {
    stdin: {
      setRaw: (raw) => Deno.stdin.setRaw(raw),
      read: (buffer) => Deno.stdin.read(buffer),
    },
    write: (text) => {
      const bytes = encoder.encode(text);
      let written = 0;
      while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
    },
    size: () => {
      try {
        return Deno.consoleSize();
      } catch {
        return { columns: 80, rows: 24 };
      }
    },
  };
}

/**
 * Restores the terminal on the ways out the live loop's `finally` never sees: an
 * uncaught exception or unhandled rejection (restored before Deno prints it, so the
 * message lands on the normal screen) and a closed window (SIGHUP, which also stops
 * the run through `onHangup`). Returns the function that removes the handlers.
 */
export function restoreOnCrash(
  terminal: Pick<Terminal, "restore">,
  onHangup: () => void,
  events: EventTarget = globalThis,
): () => void {
  const restore = () => terminal.restore();
  const hangup = () => {
    terminal.restore();
    onHangup();
  };
  const names = ["error", "unhandledrejection", "unload"] as const;
  for (const name of names) events.addEventListener(name, restore);
  const sighup = Deno.build.os !== "windows";
  if (sighup) Deno.addSignalListener("SIGHUP", hangup);
  return () => {
    for (const name of names) events.removeEventListener(name, restore);
    if (sighup) Deno.removeSignalListener("SIGHUP", hangup);
  };
}
