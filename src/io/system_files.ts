/**
 * Reads the system's own files (/sys, /dev) in a way that works under segcam's own
 * permission flags. Deno refuses every look under /sys, /proc and /dev (all but a few
 * nodes such as /dev/null) unless the program runs with --allow-all (`NotCapable:
 * Requires all access to "/sys/…"`, or to "/dev/video2"), whatever --allow-read says, so
 * Deno's file API sees nothing there on a real machine.
 * find(1) and grep(1) (findutils and grep, on every Linux system) read it for us, as the
 * CPU meter and the consumer watch already do for /proc. The same code reads a tree
 * built under a temporary folder in the tests, so the tests and a user's machine take
 * one path.
 *
 * "The folder is not there" (no video device has ever been registered) and "could not
 * look" (find missing, permission refused) are different answers: the first is an
 * empty result, the second a SystemReadError that says what failed.
 */
import { SegcamError } from "../errors.ts";

/** One entry of a class folder, e.g. video10, with what its device folder holds. */
export interface SysfsEntry {
  /** Its name in the class folder: `video10`. */
  name: string;
  /** Where the class entry links to, as written in the link (`../../devices/virtual/…`); empty when it is not a link. */
  target: string;
  /** Names of what the device folder holds: attribute files, links (`device`), folders. */
  children: ReadonlySet<string>;
  /** The first line of each asked attribute the folder holds (empty for an empty file). */
  attributes: ReadonlyMap<string, string>;
}

/** segcam could not look at a system folder (not: the folder is empty or absent). */
export class SystemReadError extends SegcamError {}

/** Paths Deno will not look at without --allow-all (see above). */
const WALLED = /^\/(dev|sys|proc)(\/|$)/;

/**
 * The path `path` resolves to (links followed: /dev/v4l/by-id/… → /dev/video0), or
 * undefined when nothing is there. Synchronous: it runs once, before any frame.
 */
export function realSystemPath(path: string): string | undefined {
  if (!WALLED.test(path)) {
    try {
      return Deno.realPathSync(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      // A link of the user's that leads into /dev meets the same wall: ask readlink.
      if (!(error instanceof Deno.errors.NotCapable)) throw error;
    }
  }
  let output: Deno.CommandOutput;
  try {
    // readlink -e: the canonical path, exit 1 when the path or a link on it is missing.
    output = new Deno.Command("readlink", { args: ["-e", "--", path], stdin: "null" })
      .outputSync();
  } catch (error) {
    throw new SystemReadError(
      `Cannot look at ${path}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  if (!output.success) return undefined;
  return new TextDecoder().decode(output.stdout).replace(/\n$/, "");
}

interface Output {
  code: number;
  stdout: Uint8Array;
  stderr: string;
}

async function run(command: string, args: string[]): Promise<Output> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(command, { args, stdin: "null" }).output();
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound
      ? `${command} is not installed (Debian/Ubuntu: sudo apt install ${
        command === "find" ? "findutils" : command
      })`
      : error instanceof Error
      ? error.message
      : String(error);
    throw new SystemReadError(`Cannot read the system's device list: ${why}`, { cause: error });
  }
  return {
    code: output.code,
    stdout: output.stdout,
    stderr: new TextDecoder().decode(output.stderr).trim(),
  };
}

/** Splits find's or grep's NUL-separated output into fields. */
function fields(bytes: Uint8Array): string[] {
  const text = new TextDecoder().decode(bytes);
  const parts = text.split("\0");
  if (parts.at(-1) === "") parts.pop();
  return parts;
}

/**
 * Every entry of `classDir` whose name matches `pattern`, with its children and the first
 * line of each of `attributes` it holds. Undefined when `classDir` does not exist.
 * Throws SystemReadError when it exists but cannot be read.
 */
export async function readSysfsClass(
  classDir: string,
  pattern: RegExp,
  attributes: readonly string[],
): Promise<SysfsEntry[] | undefined> {
  const dir = classDir.replace(/\/+$/, "");
  // The class folder's own entries and where each links to (class entries are links
  // into /sys/devices; %l is empty for anything else).
  const listing = await run("find", [
    `${dir}/`,
    "-mindepth",
    "1",
    "-maxdepth",
    "1",
    "-printf",
    "%f\\0%l\\0",
  ]);
  if (listing.code !== 0) {
    if (/no such file or directory/i.test(listing.stderr) && listing.stdout.length === 0) {
      return undefined;
    }
    throw new SystemReadError(
      `Cannot read ${dir}: ${
        listing.stderr.replace(/^find: /, "") || `find exited with ${listing.code}`
      }`,
    );
  }
  const entries = new Map<string, { target: string; children: Set<string> }>();
  const listed = fields(listing.stdout);
  for (let i = 0; i + 1 < listed.length; i += 2) {
    if (pattern.test(listed[i])) {
      entries.set(listed[i], { target: listed[i + 1], children: new Set() });
    }
  }
  if (entries.size === 0) return [];

  // What each device folder holds, following the class links (-L). A device folder that
  // cannot be read keeps no children: find goes on with the others.
  const inside = await run("find", [
    "-L",
    `${dir}/`,
    "-mindepth",
    "2",
    "-maxdepth",
    "2",
    "-printf",
    "%P\\0",
  ]);
  for (const path of fields(inside.stdout)) {
    const slash = path.indexOf("/");
    entries.get(path.slice(0, slash))?.children.add(path.slice(slash + 1));
  }

  // The first line of each attribute present, as `path\0line\n` (grep -Z), all in one call.
  const files = [...entries].flatMap(([name, entry]) =>
    attributes.filter((a) => entry.children.has(a)).map((a) => `${dir}/${name}/${a}`)
  );
  const values = new Map<string, string>();
  if (files.length > 0) {
    const read = await run("grep", ["-a", "-s", "-Z", "-H", "-m", "1", "-e", "", "--", ...files]);
    const text = new TextDecoder().decode(read.stdout);
    for (const line of text.split("\n")) {
      const nul = line.indexOf("\0");
      if (nul > 0) values.set(line.slice(0, nul), line.slice(nul + 1).trim());
    }
  }

  return [...entries].map(([name, entry]) => {
    const found = new Map<string, string>();
    for (const attribute of attributes) {
      if (entry.children.has(attribute)) {
        found.set(attribute, values.get(`${dir}/${name}/${attribute}`) ?? "");
      }
    }
    return { name, target: entry.target, children: entry.children, attributes: found };
  });
}
