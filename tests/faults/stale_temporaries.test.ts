/**
 * A run cleans up the temporary files that killed runs left beside its output (issue
 * 14, defect 18): the pid in their name says whose they are; a running process's
 * file, another output's file and the user's own files are left alone.
 */
import assert from "node:assert/strict";
import { ffmpeg } from "../_media.ts";
import { names, run, withDir } from "./_isolated.ts";

Deno.test("segcam video removes the stale temporary file of a killed run beside its output, and only that", async () => {
  await withDir(async (dir) => {
    await ffmpeg([
      ...["-f", "lavfi", "-i", "testsrc2=s=160x120:r=25:d=0.4"],
      ...["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", `${dir}/in.mp4`],
    ]);
    // pid_max is at most 4194304 (2^22): this process cannot exist.
    const dead = ".out.segcam-tmp-4194305-abc123.mp4";
    const alive = `.out.segcam-tmp-${Deno.pid}-def456.mp4`;
    const other = ".other.segcam-tmp-4194305-abc123.mp4";
    for (const name of [dead, alive, other, ".out.mine.mp4"]) {
      await Deno.writeTextFile(`${dir}/${name}`, "half a video");
    }
    const r = await run(["video", `${dir}/in.mp4`, "-o", `${dir}/out.mp4`, "--effect", "none"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(names(dir), [alive, ".out.mine.mp4", other, "in.mp4", "out.mp4"].sort());
  });
});
