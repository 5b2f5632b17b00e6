/**
 * `systemctl --user …`, with the two ways it goes wrong (not installed; no user session
 * or a unit that fails) turned into one line each.
 */
import { DependencyError, SegcamError } from "../errors.ts";

export interface SystemctlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `systemctl --user <args>`; throws DependencyError (exit 3) when there is no systemctl. */
export async function systemctl(args: string[]): Promise<SystemctlResult> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("systemctl", {
      args: ["--user", ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new DependencyError(
        "systemctl not found: segcam service needs systemd (most Linux desktops); " +
          "without it, start segcam live from your session's autostart instead",
        { cause: error },
      );
    }
    throw error;
  }
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/** Runs systemctl and fails with one line (systemctl's own first line and a fix) unless it succeeds. */
export async function systemctlOrFail(args: string[]): Promise<SystemctlResult> {
  const result = await systemctl(args);
  if (result.code === 0) return result;
  const said = result.stderr.trim().split("\n")[0] || `exit code ${result.code}`;
  const fix = /bus|XDG_RUNTIME_DIR|No medium/i.test(said)
    ? "run it from your desktop session, where systemd --user runs"
    : "see journalctl --user -u segcam for details";
  throw new SegcamError(`systemctl --user ${args.join(" ")} failed: ${said}; ${fix}`);
}
