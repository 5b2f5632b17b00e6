/**
 * A segcam run watched from outside, for the hostile cases of tests/faults/live_*:
 * stderr collected as it comes (to wait for a phase of the run), the ffmpeg children
 * listed by pid while they run (to check afterwards that none survived), and the time
 * from a signal to the exit. Every run gets an empty XDG_CONFIG_HOME of its own, so no
 * user's config changes what is tested.
 */
import { MAIN, PERMISSIONS } from "../cli/_run.ts";

export interface Ended {
  code: number;
  stderr: string;
  /** The last line on stderr: the one that says what happened. */
  last: string;
  /** Milliseconds from `since` (the signal, usually) to the exit. */
  ms: number;
}

export class LiveRun {
  readonly child: Deno.ChildProcess;
  readonly config: string;
  #stderr = "";
  readonly #done: Promise<void>;
  /** Every child pid seen while the run went on. */
  readonly children = new Set<number>();

  constructor(
    args: string[],
    options: { env?: Record<string, string>; stdout?: "null" | "piped" } = {},
  ) {
    this.config = Deno.makeTempDirSync({ prefix: "segcam-config-" });
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...PERMISSIONS, MAIN, ...args],
      stdin: "null",
      stdout: options.stdout ?? "null",
      stderr: "piped",
      env: { NO_COLOR: "1", XDG_CONFIG_HOME: this.config, ...options.env },
    }).spawn();
    this.child = child;
    this.#done = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stderr) {
        this.#stderr += decoder.decode(chunk, { stream: true });
      }
    })();
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** Waits (up to 60 s: a loaded machine) until stderr matches, and lists the children. */
  async waitFor(pattern: RegExp): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!pattern.test(this.#stderr)) {
      if (Date.now() > deadline) throw new Error(`${pattern} never came:\n${this.#stderr}`);
      await new Promise((r) => setTimeout(r, 100));
      await this.listChildren();
    }
    await this.listChildren();
  }

  /** The children now running, with their command lines (and remembers their pids). */
  async listChildren(): Promise<{ pid: number; args: string }[]> {
    const found = (await processes()).filter((p) => p.ppid === this.child.pid);
    for (const p of found) this.children.add(p.pid);
    return found;
  }

  /** Sends `signal` and waits for the exit. */
  async stop(signal: Deno.Signal): Promise<Ended> {
    await this.listChildren();
    const since = performance.now();
    this.child.kill(signal);
    return await this.ended(since);
  }

  async ended(since = performance.now()): Promise<Ended> {
    // A run that hangs fails its test instead of hanging the suite.
    const hung = setTimeout(() => {
      try {
        this.child.kill("SIGKILL");
      } catch { /* ended meanwhile */ }
    }, 90_000);
    const status = await this.child.status;
    clearTimeout(hung);
    const ms = performance.now() - since;
    await this.#done;
    Deno.removeSync(this.config, { recursive: true });
    const lines = this.#stderr.trim().split("\n");
    return { code: status.code, stderr: this.#stderr, last: lines.at(-1) ?? "", ms };
  }

  /** Children seen during the run that are still alive (ps, not /proc: see _media.ts). */
  async survivors(): Promise<string[]> {
    const alive = await processes();
    return alive.filter((p) => this.children.has(p.pid)).map((p) => `${p.pid} ${p.args}`);
  }
}

async function processes(): Promise<{ pid: number; ppid: number; args: string }[]> {
  const { stdout } = await new Deno.Command("ps", { args: ["-eo", "pid=,ppid=,args="] }).output();
  return new TextDecoder().decode(stdout).split("\n").filter((l) => l.trim()).map((line) => {
    const [pid, ppid, ...args] = line.trim().split(/\s+/);
    return { pid: Number(pid), ppid: Number(ppid), args: args.join(" ") };
  });
}

/** The live status line that comes once a second while frames flow (--no-tui). */
export const FLOWING = /segcam: \S+.*fps out, .* [1-9]\d* frames/;
/** The model is loaded: the next thing is the first frame. */
export const LOADED = /segcam: inference on /;

/** A stack trace's frame ("at foo (file.ts:1:2)"): never on a user's screen. */
export const STACK = /\bat .*:\d+:\d+/;

/**
 * A port for a stream nobody else uses: random in 20000–39999 (the tests run without
 * network permission, so they cannot ask the system for a free one).
 */
export function freePort(): number {
  return 20000 + Math.floor(Math.random() * 20000);
}
