/** Turns any error that reaches the command line into one line on stderr and an exit code. */
import { CommanderError } from "commander";
import { SegcamError } from "../errors.ts";

/** Exit code for a bug in segcam itself (sysexits EX_SOFTWARE). */
const INTERNAL_ERROR_EXIT = 70;

export function reportError(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) return error.exitCode; // commander printed it already
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
