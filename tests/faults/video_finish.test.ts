/**
 * `segcam video` keeps every frame of a constant-rate file, and never calls a file
 * written that a full disk left without its index (issue 14: the regression and
 * defect 2).
 */
import assert from "node:assert/strict";
import { ffmpeg } from "../_media.ts";
import { measure } from "./_media.ts";
import { canMountTmpfs, names, oneLine, run, withDir } from "./_isolated.ts";

Deno.test("segcam video keeps all 367 frames, the size and the 29.97 rate of a constant-rate mp4 that starts at 25 ms", async () => {
  await withDir(async (dir) => {
    // The start off the rate's grid is what made the fps filter round the last frame away.
    await ffmpeg([
      ...["-f", "lavfi", "-i", "testsrc2=s=160x120:r=30000/1001", "-frames:v", "367"],
      ...["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
      ...["-output_ts_offset", "0.025", `${dir}/c.mp4`],
    ]);
    const r = await run(["video", `${dir}/c.mp4`, "-o", `${dir}/out.mp4`, "--effect", "none"]);
    assert.equal(r.code, 0, r.stderr);
    const out = await measure(`${dir}/out.mp4`);
    assert.equal(out.frames, 367);
    assert.deepEqual([out.width, out.height], [160, 120]);
    const { stdout } = await new Deno.Command("ffprobe", {
      args: [
        "-v",
        "error",
        "-show_entries",
        "stream=r_frame_rate",
        "-of",
        "csv=p=0",
        `${dir}/out.mp4`,
      ],
    }).output();
    assert.equal(new TextDecoder().decode(stdout).trim(), "30000/1001");
  });
});

const mountable = await canMountTmpfs();

Deno.test({
  name:
    "segcam video on a disk that fills while ffmpeg finishes the file fails in one line and leaves nothing",
  ignore: !mountable, // needs root and mount namespaces (unshare -m)
  fn: async () => {
    await withDir(async (dir) => {
      await ffmpeg([
        ...["-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=3", "-f", "lavfi", "-i", "sine=d=3"],
        ...["-pix_fmt", "yuv420p", "-c:a", "aac", `${dir}/in.mp4`],
      ]);
      const args = ["video", `${dir}/in.mp4`, "--effect", "none"];
      const ok = await run([...args, "-o", `${dir}/full.mp4`]);
      assert.equal(ok.code, 0, ok.stderr);
      const size = (await Deno.stat(`${dir}/full.mp4`)).size;
      // The picture fits, the index at the end does not: one page short of the whole.
      const disk = `${dir}/disk`;
      await Deno.mkdir(disk);
      const free = Math.ceil(size / 4096) * 4096 - 4096;
      const r = await run([...args, "-o", `${disk}/out.mp4`], {
        fullDisk: {
          dir: disk,
          kib: 1024,
          before: `head -c ${1024 * 1024 - free} /dev/zero > "${disk}/filler"`,
          listing: `${dir}/listing`,
        },
      });
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        oneLine(r),
        /^segcam: Cannot (write|finish) .*out\.mp4: .*(disk is full|disk may be full)/,
      );
      assert.doesNotMatch(r.stdout, /Wrote/);
      // Only the filler: no output, no temporary file.
      assert.equal(await Deno.readTextFile(`${dir}/listing`), "filler\n");
      assert.deepEqual(names(disk), []); // the tmpfs went with its namespace
    });
  },
});

Deno.test({
  name:
    "segcam live into a file on a disk that fills fails in one line and keeps no partial recording",
  ignore: !mountable, // needs root and mount namespaces (unshare -m)
  fn: async () => {
    await withDir(async (dir) => {
      const disk = `${dir}/disk`;
      await Deno.mkdir(disk);
      // 20 frames of the demo are about 110 KB; 40 KB are free.
      const r = await run(
        ["live", "-i", "demo", "-o", `${disk}/rec.mkv`, "--frames", "20", "--no-tui"],
        {
          fullDisk: {
            dir: disk,
            kib: 512,
            before: `head -c ${472 * 1024} /dev/zero > "${disk}/filler"`,
            listing: `${dir}/listing`,
          },
        },
      );
      assert.equal(r.code, 1, r.stderr);
      const lines = r.stderr.split("\n").filter((l) => /disk (is|may be) full/.test(l));
      assert.equal(lines.length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /\bat .*:\d+:\d+/);
      assert.equal(await Deno.readTextFile(`${dir}/listing`), "filler\n");
    });
  },
});
