/**
 * How every ffmpeg is started so that it dies with segcam (the end-to-end cases, with
 * SIGKILL, are in live_hang.test.ts).
 */
import assert from "node:assert/strict";
import { deathBoundCommand, findExecutable } from "../../src/io/ffmpeg_process.ts";

Deno.test("deathBoundCommand() hands ffmpeg's argv to setpriv untouched, after --", () => {
  // Options that setpriv also knows (-h, -V, --) must reach ffmpeg, not setpriv.
  const args = ["-hide_banner", "-i", "-", "-h", "-V", "--", "out file.mkv", ""];
  assert.deepEqual(deathBoundCommand("/usr/bin/ffmpeg", args, "/usr/bin/setpriv"), {
    program: "/usr/bin/setpriv",
    args: ["--pdeathsig", "SIGKILL", "--", "/usr/bin/ffmpeg", ...args],
  });
  assert.deepEqual(deathBoundCommand("/usr/bin/ffmpeg", args, null), {
    program: "/usr/bin/ffmpeg",
    args,
  });
});

Deno.test("setpriv passes ffmpeg's exit status and argv through exactly", async () => {
  const setpriv = findExecutable("setpriv");
  if (setpriv === undefined) return; // not Linux, or no util-linux: the watchdog is used
  const sh = "/bin/sh";
  const { program, args } = deathBoundCommand(
    sh,
    ["-c", 'printf "%s|" "$@"; exit 7', "sh", "-i", "--", "a b", ""],
    setpriv,
  );
  const out = await new Deno.Command(program, { args, stdout: "piped" }).output();
  assert.equal(out.code, 7);
  assert.equal(new TextDecoder().decode(out.stdout), "-i|--|a b||");
});
