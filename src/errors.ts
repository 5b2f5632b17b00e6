/**
 * The errors a user can act on. Every failure that reaches the command line is one of
 * these: `main.ts` prints its message as one line on stderr (the stack only with
 * `--debug`) and exits with its code. The message says what is wrong, the value seen
 * and how to fix it.
 */
export class SegcamError extends Error {
  /** Process exit code for this failure. */
  readonly exitCode: number;

  constructor(message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A wrong option or argument: the command line itself is at fault. Exit code 2. */
export class UsageError extends SegcamError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, exitCode: 2 });
  }
}

/** An input (image, video, model, camera) is missing, unreadable or corrupt. */
export class InputError extends SegcamError {}

/** An output cannot be written: missing or read-only folder, existing file, full disk. */
export class OutputError extends SegcamError {}

/** A program segcam needs (ffmpeg) is missing or failed. Exit code 3. */
export class DependencyError extends SegcamError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, exitCode: 3 });
  }
}

/**
 * The run was stopped by a signal. Exit code 128 + the signal's number: 130 for Ctrl-C
 * (the default), 143 for SIGTERM, 129 for SIGHUP (see src/cli/_signals.ts).
 */
export class InterruptedError extends SegcamError {
  constructor(message = "Interrupted.", exitCode = 130) {
    super(message, { exitCode });
  }
}

/** Describes a file-system error from Deno in a sentence, with the path. */
export function describeFsError(error: unknown, path: string, action: string): string {
  if (error instanceof Deno.errors.NotFound) return `Cannot ${action} ${path}: no such file`;
  if (error instanceof Deno.errors.PermissionDenied) {
    return `Cannot ${action} ${path}: permission denied`;
  }
  if (error instanceof Deno.errors.IsADirectory) {
    return `Cannot ${action} ${path}: it is a folder, not a file`;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/no space left/i.test(message)) return `Cannot ${action} ${path}: the disk is full`;
  if (/read-only file system/i.test(message)) {
    return `Cannot ${action} ${path}: the file system is read-only`;
  }
  return `Cannot ${action} ${path}: ${message}`;
}
