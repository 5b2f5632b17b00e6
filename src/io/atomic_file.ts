/**
 * Outputs are never half-written and never silently replaced: every file segcam
 * writes goes to a temporary file beside the target (same folder, so the final step
 * is atomic on the same file system) and is moved onto the target only once it is
 * complete. Without `force` that last step is link(2), which fails when the target
 * exists, so a file another run wrote meanwhile is never replaced (rename(2) would
 * replace it silently); with `force` it is rename(2).
 */
import { resolve } from "node:path";
import { describeFsError, InterruptedError, OutputError, UsageError } from "../errors.ts";
import { NULL_OUTPUT } from "./ffmpeg_args.ts";

export interface OutputPolicy {
  /** Replace an existing file at the target path. Default: refuse. */
  force?: boolean;
  /**
   * Stops the write: the temporary file is removed, the target left as it was, and
   * InterruptedError thrown (Ctrl-C, SIGTERM).
   */
  signal?: AbortSignal;
  /**
   * The files this run reads (its input, model, backgrounds), named as the user gave
   * them: the target must be none of them, whatever the spelling, link or --force.
   */
  reads?: readonly { path: string; role: string }[];
}

/**
 * Whether `a` and `b` are one file: the same device and inode when both exist (so
 * through symbolic and hard links, `./x` and `x`), else the same absolute path.
 */
export async function sameFile(a: string, b: string): Promise<boolean> {
  if (resolve(a) === resolve(b)) return true;
  try {
    const [x, y] = await Promise.all([Deno.stat(a), Deno.stat(b)]);
    return x.dev === y.dev && x.ino !== null && x.ino === y.ino;
  } catch {
    return false; // one does not exist (yet): it cannot be the other
  }
}

/**
 * `-` means stdout wherever segcam accepts it (`live -o -`); a command that writes
 * files only refuses it rather than write a file named "-".
 */
export function refuseStdout(target: string, command: string): void {
  if (target !== "-") return;
  throw new UsageError(
    `segcam ${command} cannot write to stdout (-); give a file name (to pipe, write a file and cat it)`,
  );
}

/**
 * Refuses `-o -` when stdout is a terminal: megabytes of raw pixels would be printed
 * on it (control bytes included), which is never what was meant.
 */
export function refuseTerminalStdout(
  isTerminal: () => boolean = () => Deno.stdout.isTerminal(),
): void {
  if (!isTerminal()) return;
  throw new UsageError(
    "-o - writes raw frames to stdout, which is a terminal here; pipe it into a program (segcam live -o - | ffplay -f rawvideo …) or give a file",
  );
}

/**
 * Refuses a target that is one of the files the run reads: writing it would destroy
 * the input while it is being read. UsageError (exit 2) naming both spellings.
 */
export async function refuseInputAsOutput(
  target: string,
  reads: readonly { path: string; role: string }[],
): Promise<void> {
  if (target === NULL_OUTPUT) return;
  for (const { path, role } of reads) {
    if (!(await sameFile(target, path))) continue;
    const through = resolve(target) === resolve(path) ? "" : ` (${path}, through a link)`;
    throw new UsageError(
      `The output ${target} is the ${role}${through}; segcam never writes over what it reads: choose another output name`,
    );
  }
}

/** Splits a path into its folder (or ".") and its base name. */
function splitPath(path: string): { dir: string; base: string } {
  const slash = path.lastIndexOf("/");
  if (slash < 0) return { dir: ".", base: path };
  return { dir: slash === 0 ? "/" : path.slice(0, slash), base: path.slice(slash + 1) };
}

/** A file name's most bytes on Linux file systems (NAME_MAX). */
const NAME_MAX = 255;
/** What a temporary name adds to the stem: ".", ".segcam-tmp-", a pid, "-", 6 letters. */
const TEMPORARY_EXTRA = 1 + 12 + 7 + 1 + 6;

/**
 * The stem and extension a temporary name is built from: the target's, with the stem
 * cut (on a character boundary) so that the temporary name stays within NAME_MAX bytes:
 * a legal 250-byte target name must not fail with "File name too long" at the end.
 */
function temporaryParts(base: string): { stem: string; ext: string } {
  const dot = base.lastIndexOf(".");
  let stem = dot > 0 ? base.slice(0, dot) : base;
  const ext = dot > 0 ? base.slice(dot) : "";
  const bytes = (text: string) => new TextEncoder().encode(text).length;
  const room = NAME_MAX - TEMPORARY_EXTRA - bytes(ext);
  while (bytes(stem) > room) stem = [...stem].slice(0, -1).join("");
  return { stem, ext };
}

/**
 * A temporary path beside `target` that keeps its extension (ffmpeg picks the
 * container by extension): `dir/.name.segcam-tmp-<pid>-<n>.ext`.
 */
export function temporaryPathFor(target: string): string {
  const { dir, base } = splitPath(target);
  const { stem, ext } = temporaryParts(base);
  const unique = `${Deno.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const prefix = target.includes("/") ? (dir === "/" ? "/" : `${dir}/`) : "";
  return `${prefix}.${stem}.segcam-tmp-${unique}${ext}`;
}

/**
 * Removes the temporary files that runs killed outright (SIGKILL, a power cut) left
 * beside `target`: nothing else would ever clean them up, and a hidden playable file
 * is a surprise to find. Only ours for this target, and only those whose process (the
 * pid in the name) is gone; one that is running is left alone. Best effort: a file
 * that cannot be removed is left as it was.
 */
export async function removeStaleTemporaries(target: string): Promise<string[]> {
  const { dir, base } = splitPath(target);
  const { stem, ext } = temporaryParts(base);
  const removed: string[] = [];
  const prefix = `.${stem}.segcam-tmp-`;
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch {
    return removed; // checkOutputPath has said why the folder cannot be used
  }
  for (const entry of entries) {
    if (!entry.isFile || !entry.name.startsWith(prefix) || !entry.name.endsWith(ext)) continue;
    const match = /^(\d+)-[a-z0-9]+$/.exec(
      entry.name.slice(prefix.length, entry.name.length - ext.length),
    );
    if (!match || Number(match[1]) === Deno.pid || await isRunning(Number(match[1]))) continue;
    const path = dir === "." ? entry.name : `${dir === "/" ? "" : dir}/${entry.name}`;
    try {
      await Deno.remove(path);
      removed.push(path);
    } catch { /* another run removed it, or it is not ours to remove */ }
  }
  return removed;
}

/**
 * Whether a process with this id exists (ps: Deno reads /proc only with --allow-all).
 * Anything but a clean "no such process" (a ps without -p, as busybox's) keeps the file.
 */
async function isRunning(pid: number): Promise<boolean> {
  try {
    const { code, stdout, stderr } = await new Deno.Command("ps", {
      args: ["-p", String(pid), "-o", "pid="],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const gone = code === 1 && stdout.length === 0 && stderr.length === 0;
    return !gone;
  } catch {
    return true; // cannot tell: keep the file
  }
}

/**
 * Creates the folder that will hold `file` (and its parents), as `mkdir -p`. The
 * folders are the user's environment (XDG_CONFIG_HOME a file, a read-only HOME), not a
 * bug: OutputError (exit 1) naming the folder and `fix`, never an internal error.
 */
export async function makeFolderFor(file: string, fix: string): Promise<void> {
  const { dir } = splitPath(file);
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (error) {
    const inTheWay = error instanceof Deno.errors.NotADirectory ||
      error instanceof Deno.errors.AlreadyExists ||
      /not a directory|file exists/i.test(String(error));
    const why = inTheWay
      ? "a file stands where a folder is needed on that path"
      : describeFsError(error, dir, "create").replace(/^Cannot create [^:]*: /, "");
    throw new OutputError(`Cannot create the folder ${dir}: ${why}; ${fix}`, { cause: error });
  }
}

/**
 * Checks up front that `target` can be written: its folder exists and is a folder,
 * and the target is not a folder and does not exist (unless `force`).
 * Throws OutputError with the fix otherwise.
 */
export async function checkOutputPath(target: string, policy: OutputPolicy = {}): Promise<void> {
  if (target === NULL_OUTPUT) return; // always writable, never "existing"
  await refuseInputAsOutput(target, policy.reads ?? []);
  const { dir, base } = splitPath(target);
  const length = new TextEncoder().encode(base).length;
  if (length > NAME_MAX) {
    throw new OutputError(
      `Cannot write ${target}: its name is ${length} bytes, more than the ${NAME_MAX} a file system allows; choose a shorter name`,
    );
  }
  let dirInfo: Deno.FileInfo;
  try {
    dirInfo = await Deno.stat(dir);
  } catch (error) {
    // Deno refuses every path under /dev but a few devices (/dev/null) without
    // --allow-all, whatever --allow-write says (denoland/deno#30979).
    if (error instanceof Deno.errors.NotCapable) {
      throw new OutputError(
        `Cannot write ${target}: Deno lets segcam touch nothing under /dev but /dev/null without --allow-all; write it elsewhere (e.g. /tmp), or run deno run -A main.ts`,
      );
    }
    if (error instanceof Deno.errors.NotFound) {
      throw new OutputError(
        `Cannot write ${target}: the folder ${dir} does not exist; create it first (mkdir -p ${dir})`,
      );
    }
    throw new OutputError(describeFsError(error, dir, "open folder"), { cause: error });
  }
  if (!dirInfo.isDirectory) {
    throw new OutputError(`Cannot write ${target}: ${dir} is a file, not a folder`);
  }
  let info: Deno.FileInfo | undefined;
  try {
    info = await Deno.stat(target);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new OutputError(describeFsError(error, target, "write"), { cause: error });
    }
  }
  if (info?.isDirectory) {
    throw new OutputError(`Cannot write ${target}: it is a folder; give a file name`);
  }
  // A link to nothing: stat says "missing", but the name is taken, and the final
  // link(2) would fail with "appeared while segcam was writing it" after all the work.
  if (info === undefined && !policy.force) {
    const link = await Deno.readLink(target).catch(() => undefined);
    if (link !== undefined) {
      throw new OutputError(
        `Not overwriting ${target}: it is a link to ${link}, which does not exist; pass --force to replace the link or choose another name`,
      );
    }
  }
  if (info && !policy.force) throw existsError(target);
  // The result is written beside the target and renamed: a folder segcam cannot write
  // to is found now, not after minutes of work (the mode bits alone would not say:
  // root, ACLs, a read-only mount).
  let probe: string | undefined;
  try {
    probe = await Deno.makeTempFile({ dir, prefix: ".segcam-probe-" });
  } catch (error) {
    throw new OutputError(describeFsError(error, target, "write"), { cause: error });
  } finally {
    if (probe !== undefined) await Deno.remove(probe).catch(() => {});
  }
}

function existsError(target: string, meanwhile = false): OutputError {
  const when = meanwhile
    ? "the file appeared while segcam was writing it (another run?)"
    : "the file exists";
  return new OutputError(
    `Not overwriting ${target}: ${when}; pass --force to replace it or choose another name`,
  );
}

/**
 * Moves the complete `temporary` onto `target`. Without `force`, link + unlink: the
 * link fails with AlreadyExists when the target appeared after checkOutputPath.
 * File systems without hard links (FAT, some network mounts) fall back to a check
 * and a rename, which leaves a window of microseconds instead of the whole run.
 */
async function commit(temporary: string, target: string, force: boolean): Promise<void> {
  if (force) return await Deno.rename(temporary, target);
  try {
    await Deno.link(temporary, target);
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) throw existsError(target, true);
    if (!linkUnsupported(error)) throw error;
    if (await Deno.lstat(target).then(() => true, () => false)) {
      throw existsError(target, true);
    }
    return await Deno.rename(temporary, target);
  }
  await Deno.remove(temporary);
}

function linkUnsupported(error: unknown): boolean {
  return error instanceof Deno.errors.NotSupported ||
    (error instanceof Error &&
      /operation not (supported|permitted)|os error (1|95)\)/i.test(error.message));
}

/**
 * Runs `produce` with a temporary path beside `target`, then renames the result over
 * `target`. On any failure (including interruption) the temporary file is removed and
 * `target` is left as it was.
 */
export async function writeAtomically<T>(
  target: string,
  produce: (temporaryPath: string) => Promise<T>,
  policy: OutputPolicy = {},
): Promise<T> {
  if (policy.signal?.aborted) throw new InterruptedError();
  // Output thrown away (-o /dev/null): written directly. A rename over the device would
  // fail across file systems, or as root replace the device node itself.
  if (target === NULL_OUTPUT) return await produce(target);
  await checkOutputPath(target, policy);
  await removeStaleTemporaries(target);
  const temporary = temporaryPathFor(target);
  let result: T;
  try {
    result = await produce(temporary);
    // The last chance to stop: after the commit the result is complete and stays.
    if (policy.signal?.aborted) throw new InterruptedError();
    await commit(temporary, target, policy.force ?? false);
  } catch (error) {
    await Deno.remove(temporary, { recursive: true }).catch(() => {});
    if (policy.signal?.aborted && !(error instanceof InterruptedError)) {
      throw new InterruptedError();
    }
    if (error instanceof Error && !(error instanceof OutputError) && isFsError(error)) {
      throw new OutputError(describeFsError(error, target, "write"), { cause: error });
    }
    throw error;
  }
  return result;
}

/** Writes `data` to `target` through a temporary file (see writeAtomically). */
export function writeFileAtomically(
  target: string,
  data: Uint8Array,
  policy: OutputPolicy = {},
): Promise<void> {
  return writeAtomically(
    target,
    (temporary) => Deno.writeFile(temporary, data, { signal: policy.signal }),
    policy,
  );
}

function isFsError(error: Error): boolean {
  return error instanceof Deno.errors.NotFound || error instanceof Deno.errors.PermissionDenied ||
    error instanceof Deno.errors.AlreadyExists || error instanceof Deno.errors.IsADirectory ||
    /no space left|read-only file system|os error/i.test(error.message);
}
