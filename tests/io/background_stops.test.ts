import assert from "node:assert/strict";
import { TEST_ENV } from "../_test_env.ts";

Deno.test("a live background video whose decoder dies is told once, and its last picture stays", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A stand-in ffmpeg: one 4x2 picture of value 7, then ffmpeg's own kind of failure.
    const fake = `${dir}/ffmpeg`;
    await Deno.writeTextFile(
      fake,
      "#!/bin/sh\nprintf '\\007%.0s' $(seq 24)\n" +
        "echo 'waves.mp4: Invalid data found when processing input' >&2\nexit 1\n",
    );
    await Deno.chmod(fake, 0o755);
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("./_background_stops.ts", import.meta.url).pathname, "waves.mp4"],
      env: { ...TEST_ENV, SEGCAM_FFMPEG: fake },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(stderr);
    assert.equal(code, 0, err);
    const { said, pixels } = JSON.parse(new TextDecoder().decode(stdout));
    assert.equal(said.length, 1, said.join("\n"));
    assert.match(said[0], /waves\.mp4/);
    assert.match(said[0], /the background stays on its last picture$/);
    assert.ok(!said[0].includes("\n"), said[0]);
    assert.deepEqual(pixels, new Array(24).fill(7));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
