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

  constructor(io: TerminalIo) {
    this.#io = io;
  }

  start(): void {
    this.#io.stdin.setRaw(true);
    this.#io.write(ENTER);
    this.#active = true;
  }

  /** Reads the next keystrokes (null at end of input). */
  async readKeys(): Promise<Uint8Array | null> {
    const n = await this.#io.stdin.read(this.#buffer);
    return n === null ? null : this.#buffer.subarray(0, n);
  }

  size(): { columns: number; rows: number } {
    return this.#io.size();
  }

  /** Redraws in place: home, each line cleared to its end, the rest of the screen cleared. */
  draw(lines: string[]): void {
    if (!this.#active) return;
    this.#io.write(`\x1b[H${lines.map((l) => `${l}\x1b[K`).join("\r\n")}\x1b[J`);
  }

  restore(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#io.write(LEAVE);
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
