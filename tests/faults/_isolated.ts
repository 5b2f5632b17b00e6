/**
 * Runs segcam as a user would, but never with the user's own settings: every run gets
 * an empty XDG_CONFIG_HOME of its own, so a config file on the machine running the
 * tests cannot change what they see. (HOME is kept: Deno's module cache lives there.) A run can be put on a small
 * tmpfs (a full disk) inside its own mount namespace, so nothing leaks to the host.
 */
import { MAIN, PERMISSIONS } from "../cli/_run.ts";

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  /** Mount a tmpfs of this many KiB on this folder first (inside `unshare -m`). */
  fullDisk?: {
    dir: string;
    kib: number;
    /** Shell lines run on the mounted disk first (fill it). */
    before?: string;
    /** A host file that receives the disk's listing (`ls -A`) once segcam has ended. */
    listing?: string;
  };
  /** Kill it after this many ms (default 90 s) and report code -1. */
  timeoutMs?: number;
  stdin?: "null" | "piped";
  /** Working folder of the run. */
  cwd?: string;
}

let configRoot: string | undefined;

/** An empty config folder shared by the runs of one test file. */
function emptyConfigHome(): string {
  configRoot ??= Deno.makeTempDirSync({ prefix: "segcam-xdg-" });
  return configRoot;
}

export async function run(args: string[], options: RunOptions = {}): Promise<Result> {
  const deno = [Deno.execPath(), "run", ...PERMISSIONS, MAIN, ...args];
  let command: string, argv: string[];
  if (options.fullDisk) {
    const { dir, kib, before = "", listing = "/dev/null" } = options.fullDisk;
    // "$@" keeps every argument as it is, whatever bytes it holds.
    const script = `mount -t tmpfs -o size=${kib}k tmpfs "${dir}" || exit 99\n${before}\n` +
      `"$@"; rc=$?; ls -A "${dir}" > "${listing}"; exit $rc`;
    [command, argv] = ["unshare", ["-m", "sh", "-c", script, "sh", ...deno]];
  } else {
    [command, argv] = [deno[0], deno.slice(1)];
  }
  const home = emptyConfigHome();
  const child = new Deno.Command(command, {
    args: argv,
    env: { NO_COLOR: "1", XDG_CONFIG_HOME: home, ...options.env },
    stdin: options.stdin ?? "null",
    cwd: options.cwd,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 90_000);
  const out = await child.output();
  clearTimeout(timer);
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/** Can this machine mount a tmpfs in a private namespace (root, no container veto)? */
export async function canMountTmpfs(): Promise<boolean> {
  const dir = await Deno.makeTempDir();
  try {
    const { code } = await new Deno.Command("unshare", {
      args: ["-m", "sh", "-c", `mount -t tmpfs -o size=64k tmpfs "${dir}"`],
      stdout: "null",
      stderr: "null",
    }).output();
    return code === 0;
  } catch {
    return false;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The lines of stderr that are messages (not the backend's, the notes or the progress bar's). */
export function errorLines(stderr: string): string[] {
  return stderr.split("\n").map((l) => l.trim()).filter((l) =>
    l !== "" && !l.startsWith("segcam: inference on") && !/^\d+ frames in /.test(l) &&
    !l.startsWith("segcam: note:") && !l.startsWith("(run segcam --help") &&
    // The progress bar's periodic line when stderr is not a terminal (a slow run).
    !/^\S.*: \d+\/\d+ \(\d+%\)/.test(l)
  );
}

/** Exactly one line, starting "segcam: ", without a stack trace. */
export function oneLine(r: Result): string {
  const lines = errorLines(r.stderr);
  if (lines.length !== 1 || !lines[0].startsWith("segcam: ") || /\bat .*:\d+:\d+/.test(r.stderr)) {
    throw new Error(`expected one error line, got:\n${r.stderr}`);
  }
  return lines[0];
}

export async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "segcam-fault-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

export function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}
