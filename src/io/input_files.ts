/**
 * Turns the inputs of `segcam image <inputs…>` into a list of image files, and names
 * the output written for each. An input is a file, a folder (its PNG and JPEG files) or
 * a glob the shell did not expand (quoted, or matching nothing in the shell's eyes).
 * A bad input is reported and skipped, so one typo does not cancel a batch of 500.
 */
import { basename, dirname, resolve } from "node:path";
import { UsageError } from "../errors.ts";

export interface InputProblem {
  /** The input as the user typed it. */
  input: string;
  /** Why it gave no files; reads after "<input>: ", e.g. "no such file or folder". */
  reason: string;
}

export interface ExpandedInputs {
  /** Image files in the order given; a folder's or glob's files in natural name order. */
  files: string[];
  problems: InputProblem[];
}

export interface OutputNaming {
  /** --output: a folder (existing, or ending in "/") or, for a single input, a file. */
  output?: string;
  /** Effect name put into derived names: photo.jpg → photo.blur.png. */
  effect: string;
  /** Extension of derived names. */
  format: "png" | "jpg";
  /** How many inputs the batch has; a file --output needs exactly one. Default 1. */
  inputCount?: number;
}

/**
 * `-` as an input would mean stdin, which segcam's file commands do not read (ffprobe
 * would consume a pipe the decoder then finds empty, or wait on a terminal). One
 * meaning everywhere: refused, in one line.
 */
export function refuseStdin(input: string | undefined, command: string): void {
  if (input !== "-") return;
  throw new UsageError(
    `segcam ${command} cannot read stdin (-); give a file (save the stream to one first)`,
  );
}

/** Extensions taken from folders and globs (files named explicitly are taken as given). */
const IMAGE_EXTENSION = /\.(png|jpe?g)$/i;
/** Characters that make an argument a glob pattern (when no file has that exact name). */
const GLOB_CHARS = /[*?[\]{}]/;
/** "img2" before "img10", the order a file manager shows; fixed locale for repeatability. */
const byName = new Intl.Collator("en", { numeric: true }).compare;

/**
 * Expands files, folders (non-recursive; hidden files skipped) and glob patterns
 * (`*.jpg`, `photos/**\/*.png`) into image files, without duplicates, keeping the order
 * of the inputs. Missing paths and globs matching nothing become `problems`.
 */
export async function expandInputs(patterns: string[]): Promise<ExpandedInputs> {
  const files: string[] = [];
  const problems: InputProblem[] = [];
  const seen = new Set<string>();
  const add = (path: string) => {
    const key = resolve(path);
    if (seen.has(key)) return;
    seen.add(key);
    files.push(path);
  };

  for (const input of patterns) {
    let info: Deno.FileInfo | undefined;
    try {
      info = await Deno.stat(input);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory)) {
        problems.push({ input, reason: fsReason(error) });
        continue;
      }
    }
    if (info?.isDirectory) {
      const found = await listFolder(input);
      if (typeof found === "string") problems.push({ input, reason: found });
      else found.forEach(add);
    } else if (info || await lossyFileExists(input)) {
      add(input);
    } else if (GLOB_CHARS.test(input)) {
      const found = await expandGlob(input);
      if (typeof found === "string") problems.push({ input, reason: found });
      else found.forEach(add);
    } else {
      problems.push({ input, reason: "no such file or folder" });
    }
  }
  return { files, problems };
}

/**
 * Deno hands out file names as strings, so a name that is not valid UTF-8 (a Latin-1
 * "caf\xe9.jpg" from an old camera or archive) arrives with U+FFFD where its odd bytes
 * were, and no Deno call can open it by that spelling. The shell can: each U+FFFD
 * becomes a wildcard, the rest is matched literally, and the file is used when exactly
 * one name matches. Returns undefined for names without U+FFFD.
 */
export function lossyNamePattern(path: string): string | undefined {
  if (!path.includes("\uFFFD")) return undefined;
  // Quote everything but the wildcards (single quotes: nothing inside is special).
  return path.split(/\uFFFD+/).map((part) => `'${part.replaceAll("'", `'\\''`)}'`).join("*");
}

/**
 * Runs `script` with "$1" set to the one regular file whose name matches `path`'s
 * lossy spelling (see lossyNamePattern); exit 3 from the shell when none or several do.
 */
export function shellOnLossyName(
  path: string,
  script: string,
  stdout: "piped" | "null" = "null",
): Deno.Command | undefined {
  const pattern = lossyNamePattern(path);
  if (pattern === undefined) return undefined;
  return new Deno.Command("sh", {
    args: ["-c", `set -- ${pattern}; [ $# -eq 1 ] && [ -f "$1" ] || exit 3; ${script}`],
    env: { LC_ALL: "C" },
    stdin: "null",
    stdout,
    stderr: "null",
  });
}

/**
 * A spelling of `path` that every program can open: for a name that is not UTF-8 (see
 * lossyNamePattern) a symbolic link with a plain name, made by the shell so that the
 * odd bytes never pass through a string, in a private temporary folder that `dispose`
 * removes. For any other path, the path itself.
 */
export async function openableSpelling(
  path: string,
): Promise<{ path: string; dispose: () => Promise<void> }> {
  const same = { path, dispose: () => Promise.resolve() };
  if (!path.includes("\uFFFD") || await Deno.lstat(path).then(() => true, () => false)) {
    return same;
  }
  const dot = path.lastIndexOf(".");
  const ext = dot > path.lastIndexOf("/") ? path.slice(dot).replace(/[^A-Za-z0-9.]/g, "") : "";
  const dir = await Deno.makeTempDir({ prefix: "segcam-name-" });
  const alias = `${dir}/input${ext}`;
  // The link's target is the absolute path: the shell's own, byte for byte.
  const command = shellOnLossyName(
    path,
    `case "$1" in /*) t="$1";; *) t="$PWD/$1";; esac; exec ln -s -- "$t" '${alias}'`,
  );
  const made = await command?.output().then((o) => o.success, () => false);
  if (!made) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    return same;
  }
  return { path: alias, dispose: () => Deno.remove(dir, { recursive: true }).catch(() => {}) };
}

/** Whether `path`'s lossy spelling names exactly one regular file (shellOnLossyName). */
async function lossyFileExists(path: string): Promise<boolean> {
  const command = shellOnLossyName(path, "exit 0");
  if (command === undefined) return false;
  try {
    return (await command.output()).code === 0;
  } catch {
    return false;
  }
}

/** The folder's image files, sorted, or the reason there are none. */
async function listFolder(folder: string): Promise<string[] | string> {
  const prefix = folder.endsWith("/") ? folder : `${folder}/`;
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(folder)) {
      // Hidden files include macOS "._x.jpg" resource forks (not images) and our own
      // half-written temporary files.
      if (entry.name.startsWith(".") || !IMAGE_EXTENSION.test(entry.name)) continue;
      if (
        entry.isFile || (entry.isSymlink && await isFile(prefix + entry.name)) ||
        (entry.name.includes("\uFFFD") && await lossyFileExists(prefix + entry.name))
      ) {
        names.push(entry.name);
      }
    }
  } catch (error) {
    return fsReason(error);
  }
  if (names.length === 0) return "the folder has no .png, .jpg or .jpeg files";
  return names.sort(byName).map((name) => prefix + name);
}

/**
 * Files matching a glob, spelled with the user's own leading folder ("../shots/*.jpg"
 * gives "../shots/a.jpg", not a path rewritten relative to the working folder).
 */
async function expandGlob(pattern: string): Promise<string[] | string> {
  const parts = pattern.split("/");
  const firstGlob = parts.findIndex((part) => GLOB_CHARS.test(part) || part.includes("\\"));
  const baseParts = parts.slice(0, firstGlob);
  const base = baseParts.length === 0 ? "." : baseParts.join("/") || "/";
  const rest = parts.slice(firstGlob).join("/");
  // Loaded here, on the first pattern: a command that never expands one does not pay
  // for importing tinyglobby and the Node fs layer under it. Outside the try: a module
  // that fails to load is no reason about the user's files.
  const { glob } = await import("tinyglobby");
  let matches: string[];
  try {
    matches = await glob(rest, { cwd: base, onlyFiles: true, expandDirectories: false });
  } catch (error) {
    return fsReason(error);
  }
  if (matches.length === 0) return "no files match this pattern";
  const images = matches.filter((path) => IMAGE_EXTENSION.test(path));
  if (images.length === 0) {
    return `it matches ${matches.length} file${matches.length === 1 ? "" : "s"} ` +
      `but none ends in .png, .jpg or .jpeg`;
  }
  const prefix = base === "." && !pattern.startsWith("./") ? "" : base === "/" ? "/" : `${base}/`;
  return images.sort(byName).map((path) => prefix + path);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false; // a dangling link is no image
  }
}

function fsReason(error: unknown): string {
  if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
    return "no such file or folder";
  }
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  return error instanceof Error ? error.message : String(error);
}

/**
 * Where the result for `input` goes: into the --output folder as
 * `<folder>/<stem>.<effect>.<ext>`, to the --output file (single input only), or beside
 * the input as `<stem>.<effect>.<ext>`. Throws UsageError rather than name the input.
 */
export function outputPathFor(input: string, naming: OutputNaming): string {
  const { output, effect, format, inputCount = 1 } = naming;
  const stem = basename(input).replace(/\.[^.]*$/, "") || basename(input);
  const name = `${stem}.${effect}.${format}`;
  let path: string;
  if (output === undefined) {
    path = input.includes("/") ? `${dirname(input)}/${name}` : name;
  } else if (output.endsWith("/") || isFolder(output)) {
    const folder = output.replace(/\/+$/, "");
    path = `${folder}/${name}`;
  } else if (inputCount > 1) {
    throw new UsageError(
      `--output ${output} names one file, but there are ${inputCount} inputs; give a folder instead (e.g. --output ${output}_out/)`,
    );
  } else {
    path = output;
  }
  if (samePath(path, input)) {
    throw new UsageError(
      `The output ${path} would replace the input image; choose another --output`,
    );
  }
  return path;
}

function isFolder(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/**
 * Same file: same absolute path, or (both existing) the same device and inode, so
 * through symbolic and hard links alike (atomic_file.ts's sameFile, synchronously).
 */
export function samePath(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const [x, y] = [Deno.statSync(a), Deno.statSync(b)];
    return x.dev === y.dev && x.ino !== null && x.ino === y.ino;
  } catch {
    return false; // the output does not exist yet, so it cannot be the input
  }
}
