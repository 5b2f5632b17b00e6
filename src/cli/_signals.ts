/**
 * Ctrl-C, SIGTERM and SIGHUP (a closed terminal, `tmux kill-session`) as an AbortSignal:
 * instead of dying mid-write (and leaving a temporary file and ffmpeg children behind),
 * the running command notices, finishes or discards its output as its rule says, and
 * exits with 128 + the signal's number (130, 143, 129), so the exit code says what
 * happened.
 */
import { InterruptedError } from "../errors.ts";

const EXIT_CODES: Partial<Record<Deno.Signal, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

export interface Interrupt {
  signal: AbortSignal;
  /** The signal received, once one was. */
  readonly received: Deno.Signal | undefined;
  /** The error to end the command with, naming the signal; `detail` says what was kept. */
  error(detail?: string): InterruptedError;
  /** Acts as if `signal` arrived (a terminal found gone is a hang-up: SIGHUP). */
  raise(signal: Deno.Signal): void;
  dispose(): void;
}

/**
 * @param options.hangup false leaves SIGHUP to the caller: `segcam live` without a
 *   terminal has none to lose, and takes SIGHUP as "reload" (systemctl reload).
 */
export function interruptSignal(options: { hangup?: boolean } = {}): Interrupt {
  const controller = new AbortController();
  let received: Deno.Signal | undefined;
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT"]
    : options.hangup === false
    ? ["SIGINT", "SIGTERM"]
    : ["SIGINT", "SIGTERM", "SIGHUP"];
  const raise = (s: Deno.Signal) => {
    received ??= s;
    controller.abort(s);
  };
  const listeners = signals.map((s) => {
    const listener = () => raise(s);
    Deno.addSignalListener(s, listener);
    return [s, listener] as const;
  });
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    error(detail?: string) {
      const name = received ?? "SIGINT";
      return new InterruptedError(
        `Stopped by ${name === "SIGINT" ? "Ctrl-C (SIGINT)" : name}${detail ? `; ${detail}` : ""}.`,
        EXIT_CODES[name] ?? 130,
      );
    },
    raise,
    dispose() {
      for (const [s, listener] of listeners) Deno.removeSignalListener(s, listener);
    },
  };
}
