/**
 * Starting and ending ffmpeg: finds the binary, keeps the tail of its stderr for error
 * messages, and makes sure no child outlives segcam: every child is registered and
 * stopAllChildren() ends them on any way out, and on Linux each is started through
 * util-linux's `setpriv --pdeathsig SIGKILL`, so the kernel kills it when segcam dies
 * without a way out (SIGKILL, a crash): an SRT listener or UDP decoder left under PID 1
 * would hold its port until reboot. Where setpriv is missing, a watchdog shell holding
 * a pipe from segcam kills the registered children when that pipe reaches end of file.
 */
import { enlargeChildPipes } from "./pipe_size.ts";
import { DependencyError, InputError, OutputError, type SegcamError } from "../errors.ts";

const INSTALL_HINT = "install it (Debian/Ubuntu: sudo apt install ffmpeg; Fedora: sudo dnf " +
  "install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg)";

export function ffmpegPath(tool: "ffmpeg" | "ffprobe" = "ffmpeg"): string {
  return Deno.env.get(tool === "ffmpeg" ? "SEGCAM_FFMPEG" : "SEGCAM_FFPROBE") ?? tool;
}

/** `name` as a path to an executable file: as given when it has a slash, else on PATH. */
export function findExecutable(
  name: string,
  path = Deno.env.get("PATH") ?? "",
): string | undefined {
  const candidates = name.includes("/")
    ? [name]
    : path.split(":").filter(Boolean).map((dir) => `${dir}/${name}`);
  for (const candidate of candidates) {
    try {
      const info = Deno.statSync(candidate);
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) return candidate;
    } catch { /* not here */ }
  }
  return undefined;
}

let setprivPath: string | undefined | null = null;

/**
 * The program and argv that start `binary` so that it dies with segcam: on Linux with
 * setpriv, `setpriv --pdeathsig SIGKILL -- binary args…` (setpriv execs the binary, so
 * the pid, exit status and stdio are ffmpeg's own; `--` keeps ffmpeg's options from
 * being read as setpriv's). PR_SET_PDEATHSIG fires when the thread that forked exits:
 * Deno spawns from the main thread, which lives as long as segcam.
 */
export function deathBoundCommand(
  binary: string,
  args: string[],
  setpriv: string | null = findSetpriv() ?? null,
): { program: string; args: string[] } {
  if (setpriv === null) return { program: binary, args };
  return { program: setpriv, args: ["--pdeathsig", "SIGKILL", "--", binary, ...args] };
}

function findSetpriv(): string | undefined {
  if (setprivPath === null) {
    const found = Deno.build.os === "linux" ? findExecutable("setpriv") : undefined;
    // --pdeathsig is util-linux 2.33 (2018): an older setpriv would refuse it and no
    // ffmpeg would start. One try with a no-op says (a few ms, once per run).
    setprivPath =
      found !== undefined && works(found, ["--pdeathsig", "SIGKILL", "--", "/bin/sh", "-c", ":"])
        ? found
        : undefined;
  }
  return setprivPath;
}

function works(program: string, args: string[]): boolean {
  try {
    return new Deno.Command(program, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

/**
 * The fallback without setpriv (macOS, a minimal Linux): one shell that reads `+pid` and
 * `-pid` lines from a pipe only segcam holds. When segcam dies, however it dies, the
 * kernel closes the pipe; the shell reads end of file and SIGKILLs the children still
 * listed (each leads its own process group, so the group goes). Pure sh builtins: it
 * must work with any PATH.
 */
class Watchdog {
  static readonly SCRIPT = 'pids=" "; while read -r op; do case "$op" in ' +
    '+*) pids="$pids${op#+} " ;; ' +
    '-*) keep=" "; for p in $pids; do [ "$p" = "${op#-}" ] || keep="$keep$p "; done; ' +
    'pids="$keep" ;; esac; done; for p in $pids; do kill -KILL "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null; done';
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #encoder = new TextEncoder();

  constructor() {
    const child = new Deno.Command("/bin/sh", {
      args: ["-c", Watchdog.SCRIPT],
      stdin: "piped",
      stdout: "null",
      stderr: "null",
      // Not in segcam's process group: Ctrl-C must not end the guard before the guarded.
      detached: true,
    }).spawn();
    child.unref(); // it ends when segcam does, never the other way round
    this.#writer = child.stdin.getWriter();
  }

  add(pid: number): void {
    this.#writer.write(this.#encoder.encode(`+${pid}\n`)).catch(() => {});
  }

  remove(pid: number): void {
    this.#writer.write(this.#encoder.encode(`-${pid}\n`)).catch(() => {});
  }
}

let watchdogInstance: Watchdog | undefined;
const watchdog = {
  add(pid: number) {
    if (Deno.build.os === "windows" || findSetpriv() !== undefined) return;
    (watchdogInstance ??= new Watchdog()).add(pid);
  },
  remove(pid: number) {
    watchdogInstance?.remove(pid);
  },
};

const live = new Set<FfmpegProcess>();

/** Process ids of the ffmpeg children still running (for the CPU meter). */
export function childPids(): number[] {
  return [...live].map((p) => p.child.pid);
}

/** Ends every ffmpeg child still running (called on exit, errors and signals). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}

export interface SpawnOptions {
  stdin?: "piped" | "null";
  stdout?: "piped" | "null";
}

const STDERR_LINES = 20;

export class FfmpegProcess {
  readonly child: Deno.ChildProcess;
  readonly #stderr: string[] = [];
  readonly #stderrDone: Promise<void>;
  #status?: Deno.CommandStatus;
  readonly status: Promise<Deno.CommandStatus>;
  readonly #stdinPiped: boolean;

  constructor(readonly tool: "ffmpeg" | "ffprobe", readonly args: string[], options: SpawnOptions) {
    const binary = findExecutable(ffmpegPath(tool));
    if (binary === undefined) {
      throw new DependencyError(`${tool} was not found on PATH; ${INSTALL_HINT}`);
    }
    const command = deathBoundCommand(binary, args);
    try {
      this.child = new Deno.Command(command.program, {
        args: command.args,
        stdin: options.stdin ?? "null",
        stdout: options.stdout ?? "null",
        stderr: "piped",
        // Its own session: Ctrl-C in the terminal (SIGINT to the whole foreground group)
        // and a closing terminal (SIGHUP) reach segcam only, which then ends its children
        // in the right order — an encoder told to finish keeps the recording whole,
        // instead of every ffmpeg dying on its own and the output failing.
        detached: Deno.build.os !== "windows",
      }).spawn();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new DependencyError(`${tool} was not found on PATH; ${INSTALL_HINT}`, {
          cause: error,
        });
      }
      throw error;
    }
    this.#stdinPiped = options.stdin === "piped";
    // Frames cross these pipes: a frame's worth at a time, not 64 KiB (pipe_size.ts).
    const framePipes = [
      ...(options.stdin === "piped" ? [0] : []),
      ...(options.stdout === "piped" ? [1] : []),
    ];
    if (tool === "ffmpeg" && framePipes.length > 0) enlargeChildPipes(this.child.pid, framePipes);
    live.add(this);
    watchdog.add(this.child.pid);
    this.#stderrDone = this.#collectStderr();
    this.status = this.child.status.then((status) => {
      this.#status = status;
      live.delete(this);
      watchdog.remove(this.child.pid);
      return status;
    });
  }

  async #collectStderr(): Promise<void> {
    const decoder = new TextDecoder();
    let pending = "";
    try {
      for await (const chunk of this.child.stderr) {
        pending += decoder.decode(chunk, { stream: true });
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) if (line.trim()) this.#push(line.trim());
      }
    } catch {
      // stderr closed abruptly with the process: what we have is all there is.
    }
    if (pending.trim()) this.#push(pending.trim());
  }

  #lines = 0;
  /**
   * Lines written to stderr so far (all of them, not only the tail kept). Our decoders
   * run at -loglevel error, so this counts the errors a damaged file caused.
   */
  get stderrLineCount(): number {
    return this.#lines;
  }

  #push(line: string): void {
    this.#lines++;
    this.#stderr.push(line);
    if (this.#stderr.length > STDERR_LINES) this.#stderr.shift();
  }

  /** The last lines ffmpeg wrote to stderr (after it ended, all of them up to 20). */
  async stderrTail(): Promise<string[]> {
    await this.#stderrDone;
    return [...this.#stderr];
  }

  get exited(): boolean {
    return this.#status !== undefined;
  }

  /**
   * Ends the process: closes stdin (an encoder finishes its file), then SIGTERM after
   * 2 s, SIGKILL after 4 s. `urgent`: the process is stuck (an output nobody receives, a
   * stream with no sender) and segcam was asked to stop, which it must within a second:
   * SIGTERM at once (ffmpeg still closes its output tidily on it), SIGKILL after 1 s.
   * With `discard` the output is not wanted (an interrupted conversion): SIGKILL at once.
   */
  async stop(options: { discard?: boolean; urgent?: boolean } = {}): Promise<void> {
    if (this.#status) return;
    if (options.discard) {
      try {
        this.child.kill("SIGKILL");
      } catch { /* gone meanwhile */ }
      await this.status;
      return;
    }
    const graceful = this.#stdinPiped && !options.urgent;
    if (graceful) {
      // Closing stdin lets an encoder finish its file; a locked or closed one is fine.
      await this.child.stdin.close().catch(() => {});
    }
    const timer = (ms: number, signal: Deno.Signal) =>
      setTimeout(() => {
        try {
          if (!this.#status) this.child.kill(signal);
        } catch { /* gone meanwhile */ }
      }, ms);
    const term = timer(graceful ? 2000 : 0, "SIGTERM");
    // A decoder has nothing to finish: 1 s after SIGTERM is plenty.
    const kill = timer(graceful ? 4000 : 1000, "SIGKILL");
    await this.status;
    clearTimeout(term);
    clearTimeout(kill);
  }
}

/**
 * Turns ffmpeg's last words into one sentence: what failed, the path, and the fix.
 * `role` says whose failure it is ("input" or "output") for the generic case; `tool` is
 * what ran (ffprobe for a probe).
 */
export function explainFfmpegFailure(
  lines: string[],
  role: "input" | "output" | "background",
  path: string,
  tool: "ffmpeg" | "ffprobe" = "ffmpeg",
): SegcamError {
  const text = lines.join("\n");
  const last = lines.at(-1) ?? "";
  const Err = role === "output" ? OutputError : InputError;
  if (/No space left on device/i.test(text)) {
    return new OutputError(`Cannot write ${path}: the disk is full; free some space and run again`);
  }
  if (/No such file or directory/i.test(text)) {
    return new Err(`Cannot open ${path}: no such file or device`);
  }
  if (/Permission denied/i.test(text)) {
    return new Err(`Cannot open ${path}: permission denied`);
  }
  if (/Device or resource busy/i.test(text)) {
    return new Err(`Cannot open ${path}: the device is busy (another program is using it)`);
  }
  if (
    /Invalid data found|moov atom not found|could not find codec|Invalid argument|End of file/i
      .test(text)
  ) {
    return new Err(
      `Cannot read ${path}: it is not a video ffmpeg can decode, or it is damaged (${last})`,
    );
  }
  if (/Unknown encoder|Encoder not found/i.test(text)) {
    return new DependencyError(
      `This ffmpeg cannot encode ${path} (${last}); install a full ffmpeg build`,
    );
  }
  if (lines.length === 0) {
    // Not one line on stderr: not ffmpeg failing on the file, but the program itself
    // (a wrapper script, a broken build, SEGCAM_FFMPEG pointing at something else).
    const program = ffmpegPath(tool);
    const variable = tool === "ffmpeg" ? "SEGCAM_FFMPEG" : "SEGCAM_FFPROBE";
    return new DependencyError(
      `${program} ended without a word while working on the ${role} ${path}; check that ` +
        `\`${program} -version\` runs, or point ${variable} at a working ${tool}`,
    );
  }
  const generic = new Err(`ffmpeg failed on the ${role} ${path}: ${last}`);
  unexplained.add(generic);
  return generic;
}

const unexplained = new WeakSet<Error>();

/** The error explainFfmpegFailure gave says only "ffmpeg failed": the caller may say more. */
export function isUnexplained(error: Error): boolean {
  return unexplained.has(error);
}
