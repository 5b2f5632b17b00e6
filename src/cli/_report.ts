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

/** Set once by main.ts from --quiet, before any command runs. */
export function setQuiet(value: boolean): void {
  quiet = value;
}

/** An info line ("segcam: inference on native …"): printed unless --quiet. */
export function info(line: string): void {
  if (!quiet) console.error(line);
}

/** A warning: printed even with --quiet, since the user did not get what they asked for. */
export function warn(message: string): void {
  console.error(`segcam: warning: ${message}`);
}

export function reportError(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) {
    // commander printed its message already; --help and --version end with 0. Its own
    // errors (unknown option, bad choice, missing value) exit 1 by default, but every
    // command-line mistake is 2 in segcam, as with UsageError.
    return error.exitCode === 0 ? 0 : USAGE_EXIT;
  }
  if (error instanceof SegcamError) {
    console.error(`segcam: ${error.message}`);
    if (debug) console.error(error.stack ?? "", error.cause ?? "");
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  console.error(
    `segcam: internal error: ${message} (run again with --debug for the stack trace, and please report it)`,
  );
  if (debug && error instanceof Error) console.error(error.stack);
  return INTERNAL_ERROR_EXIT;
}
