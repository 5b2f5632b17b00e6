/**
 * Starting and ending ffmpeg: finds the binary, keeps the tail of its stderr for error
 * messages, and makes sure no child outlives segcam (every child is registered and
 * stopAllChildren() ends them on any way out).
 */
import { DependencyError, InputError, OutputError, type SegcamError } from "../errors.ts";

const INSTALL_HINT = "install it (Debian/Ubuntu: sudo apt install ffmpeg; Fedora: sudo dnf " +
  "install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg)";

export function ffmpegPath(tool: "ffmpeg" | "ffprobe" = "ffmpeg"): string {
  return Deno.env.get(tool === "ffmpeg" ? "SEGCAM_FFMPEG" : "SEGCAM_FFPROBE") ?? tool;
}

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
    try {
      this.child = new Deno.Command(ffmpegPath(tool), {
        args,
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
    live.add(this);
    this.#stderrDone = this.#collectStderr();
    this.status = this.child.status.then((status) => {
      this.#status = status;
      live.delete(this);
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
   * 2 s, SIGKILL after 4 s. With `discard` the output is not wanted (an interrupted
   * conversion): SIGKILL at once, so that a signal ends segcam within a second.
   */
  async stop(options: { discard?: boolean } = {}): Promise<void> {
    if (this.#status) return;
    if (options.discard) {
      try {
        this.child.kill("SIGKILL");
      } catch { /* gone meanwhile */ }
      await this.status;
      return;
    }
    if (this.#stdinPiped) {
      // Closing stdin lets an encoder finish its file; a locked or closed one is fine.
      await this.child.stdin.close().catch(() => {});
    }
    const timer = (ms: number, signal: Deno.Signal) =>
      setTimeout(() => {
        try {
          if (!this.#status) this.child.kill(signal);
        } catch { /* gone meanwhile */ }
      }, ms);
    const term = timer(this.#stdinPiped ? 2000 : 0, "SIGTERM");
    const kill = timer(4000, "SIGKILL");
    await this.status;
    clearTimeout(term);
    clearTimeout(kill);
  }
}

/**
 * Turns ffmpeg's last words into one sentence: what failed, the path, and the fix.
 * `role` says whose failure it is ("input" or "output") for the generic case.
 */
export function explainFfmpegFailure(
  lines: string[],
  role: "input" | "output" | "background",
  path: string,
): SegcamError {
  const text = lines.join("\n");
  const last = lines.at(-1) ?? "no message";
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
  return new Err(`ffmpeg failed on the ${role} ${path}: ${last}`);
}
