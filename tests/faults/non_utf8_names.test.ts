/**
 * File names that are not UTF-8 (issue 14, defect 15): "caf\xe9.png" as an old camera
 * or a Latin-1 archive writes it. Given as a file, in a folder or through a glob, the
 * image is read and processed, not reported missing. The name is made by the shell
 * and handed to segcam by the shell, byte for byte, as a user's terminal would.
 */
import assert from "node:assert/strict";
import { MAIN, PERMISSIONS, PHOTO } from "../cli/_run.ts";
import { ffmpeg } from "../_media.ts";
import { withDir } from "./_isolated.ts";

/** Runs a shell line in `dir` with a `segcam` function and $NAME set to caf\xe9.png. */
async function shell(dir: string, line: string) {
  const segcam = [Deno.execPath(), "run", ...PERMISSIONS, MAIN].map((w) => `'${w}'`).join(" ");
  const out = await new Deno.Command("sh", {
    args: ["-c", `NAME=$(printf 'caf\\351.png'); segcam() { ${segcam} "$@"; }; ${line}`],
    cwd: dir,
    env: { NO_COLOR: "1", XDG_CONFIG_HOME: dir },
    stdin: "null",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test("a non-UTF-8 file name works as a single file, in a folder and through a glob", async () => {
  await withDir(async (dir) => {
    const copy = await shell(dir, `mkdir in && cp '${PHOTO}' "in/$NAME"`);
    assert.equal(copy.code, 0, copy.stderr);
    const mask = await shell(dir, `segcam mask "in/$NAME" -o m.png`);
    assert.equal(mask.code, 0, mask.stderr);
    assert.match(mask.stdout, /^Wrote m\.png: 512x512 mask/);
    const folder = await shell(dir, `segcam image in -o folder/ --effect none`);
    assert.equal(folder.code, 0, folder.stderr);
    const glob = await shell(dir, `segcam image 'in/*.png' -o glob/ --effect none`);
    assert.equal(glob.code, 0, glob.stderr);
    // The results are named from the name as Deno spells it (U+FFFD for the odd byte).
    for (const folder of ["folder", "glob"]) {
      assert.deepEqual([...Deno.readDirSync(`${dir}/${folder}`)].map((e) => e.name), [
        "caf\uFFFD.none.png",
      ]);
    }
  });
});

Deno.test("segcam video reads a non-UTF-8 file name, and names it in its messages as given", async () => {
  await withDir(async (dir) => {
    await ffmpeg([
      ...["-f", "lavfi", "-i", "testsrc2=s=160x120:r=25:d=0.4"],
      ...["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", `${dir}/clip.mp4`],
    ]);
    const made = await shell(dir, `V=$(printf 'caf\\351.mp4'); mv clip.mp4 "$V"`);
    assert.equal(made.code, 0, made.stderr);
    const r = await shell(dir, `segcam video "$(printf 'caf\\351.mp4')" -o out.mp4 --effect none`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Wrote out\.mp4: 10 frames/);
    const bg = await shell(
      dir,
      `segcam video "$(printf 'caf\\351.mp4')" -o bg.mp4 -e replace -b "$(printf 'caf\\351.mp4')"`,
    );
    assert.equal(bg.code, 0, bg.stderr);
    assert.match(bg.stdout, /^Wrote bg\.mp4: 10 frames/);
    // A second run fails in one line, as for any name.
    const again = await shell(dir, `segcam video "$(printf 'caf\\351.mp4')" -o out.mp4`);
    assert.equal(again.code, 1, again.stderr);
    assert.match(again.stderr, /Not overwriting .*out\.mp4/);
  });
});
