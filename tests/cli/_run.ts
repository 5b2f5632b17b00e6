/**
 * Runs segcam's main.ts as a user would, returning exit code and output. Every run gets
 * TEST_ENV: an empty XDG_CONFIG_HOME, never the settings of the user running the suite;
 * a test that wants a settings file passes its own XDG_CONFIG_HOME in `env`.
 */
import { TEST_ENV } from "../_test_env.ts";

export { TEST_ENV };
export const MAIN = new URL("../../main.ts", import.meta.url).pathname;
export const PHOTO = new URL("../fixtures/astronaut.png", import.meta.url).pathname;
/** The permissions `deno task segcam` grants (deno.json), for running main.ts directly. */
export const PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-env",
  "--allow-sys",
  "--allow-ffi",
  // The control socket: Deno asks net permission for Unix sockets, and a socket's path
  // (named after the output, under $XDG_RUNTIME_DIR) cannot be listed in advance.
  "--allow-net",
];

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function segcam(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...PERMISSIONS,
      MAIN,
      ...args,
    ],
    env: { ...TEST_ENV, ...env },
    stdin: "null",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

export async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "segcam-cli-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Names in `dir`, sorted: for checking that no temporary file was left behind. */
export function listDir(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

/** A one-line error on stderr without a stack trace (commander's usage hint aside). */
export function isOneLineError(stderr: string): boolean {
  const lines = stderr.trim().split("\n").filter((l) =>
    !l.startsWith("segcam: inference on") && l !== "(run segcam --help for usage)"
  );
  return lines.length === 1 && lines[0].startsWith("segcam: ") && !/\bat .*:\d+:\d+/.test(stderr);
}

/** Starts segcam in the background (stdout as asked, stderr piped) for signal and pipe tests. */
export function spawnSegcam(
  args: string[],
  stdout: "null" | "piped" = "null",
  env: Record<string, string> = {},
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, MAIN, ...args],
    stdout,
    stderr: "piped",
    env: { ...TEST_ENV, ...env },
  }).spawn();
}

/** Waits (up to 30 s) until segcam's temporary output appears in `dir`: its encoder runs. */
export async function waitForTemporaryOutput(dir: string): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  const started = () => listDir(dir).some((n) => n.includes("segcam-tmp"));
  while (!started() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return started();
}
