/**
 * How segcam talks on stderr: errors that reach the command line become one line and an
 * exit code; info lines (what segcam chose for you) go away with --quiet.
 */
import { CommanderError } from "commander";
import { SegcamError } from "../errors.ts";

/** Exit code for a bug in segcam itself (sysexits EX_SOFTWARE). */
const INTERNAL_ERROR_EXIT = 70;

/** Exit code for a wrong command line, whoever noticed it (commander or segcam). */
export const USAGE_EXIT = 2;

let quiet = false;

/**
 * Text made safe for a terminal: names and texts taken from files (a PNG chunk type, a
 * file name from a folder, ffmpeg's last line) may hold ESC, NUL or other control
 * bytes that would recolour or garble the terminal. Each C0/C1 control character and
 * DEL is shown as \xNN instead; everything else, non-ASCII letters included, is kept.
 */
export function printable(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex
    /[\x00-\x1f\x7f-\x9f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/** Set once by main.ts from --quiet, before any command runs. */
export function setQuiet(value: boolean): void {
  quiet = value;
}

/** An info line ("segcam: inference on native …"): printed unless --quiet. */
export function info(line: string): void {
  if (!quiet) console.error(printable(line));
}

/** A warning: printed even with --quiet, since the user did not get what they asked for. */
export function warn(message: string): void {
  console.error(`segcam: warning: ${printable(message)}`);
}

export function reportError(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) {
    // commander printed its message already; --help and --version end with 0. Its own
    // errors (unknown option, bad choice, missing value) exit 1 by default, but every
    // command-line mistake is 2 in segcam, as with UsageError.
    return error.exitCode === 0 ? 0 : USAGE_EXIT;
  }
  if (error instanceof SegcamError) {
    console.error(`segcam: ${printable(error.message)}`);
    if (debug) console.error(error.stack ?? "", error.cause ?? "");
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  console.error(
    `segcam: internal error: ${
      printable(message)
    } (run again with --debug for the stack trace, and please report it)`,
  );
  if (debug && error instanceof Error) console.error(error.stack);
  return INTERNAL_ERROR_EXIT;
}
