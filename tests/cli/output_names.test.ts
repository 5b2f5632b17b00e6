/**
 * Without -o, mask and video name their result beside the input as image does
 * (photo.mask.png, talk.blur.mp4), and never overwrite it; an effect option the effect
 * does not read is named in a warning.
 */
import assert from "node:assert/strict";
import { makeClip } from "../_media.ts";
import { defaultVideoOutput } from "../../src/cli/video.ts";
import { listDir, PHOTO, segcam, withTempDir } from "./_run.ts";

Deno.test("defaultVideoOutput(): <stem>.<effect>.<ext> beside the input, a container that can hold it", () => {
  assert.deepStrictEqual(defaultVideoOutput("talk.mp4", "blur"), "talk.blur.mp4");
  assert.deepStrictEqual(defaultVideoOutput("/v/a.b/talk.MKV", "remove"), "/v/a.b/talk.remove.mkv");
  assert.deepStrictEqual(defaultVideoOutput("clip.avi", "replace"), "clip.replace.mp4");
  assert.deepStrictEqual(defaultVideoOutput("dir.x/clip", "none"), "dir.x/clip.none.mp4");
  // Transparency needs .webm or .mov: an .mp4 input gets a .webm result, a .mov keeps .mov.
  assert.deepStrictEqual(defaultVideoOutput("talk.mp4", "transparent"), "talk.transparent.webm");
  assert.deepStrictEqual(defaultVideoOutput("talk.mov", "transparent"), "talk.transparent.mov");
});

Deno.test("segcam mask without -o writes <stem>.mask.png beside the image, and never over it", async () => {
  await withTempDir(async (dir) => {
    await Deno.copyFile(PHOTO, `${dir}/photo.png`);
    const first = await segcam(["mask", `${dir}/photo.png`, "-q"]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`^Wrote ${dir}/photo\\.mask\\.png: \\d+x\\d+ mask`));
    assert.deepStrictEqual(listDir(dir), ["photo.mask.png", "photo.png"]);
    const written = await Deno.readFile(`${dir}/photo.mask.png`);
    await Deno.writeTextFile(`${dir}/photo.mask.png`, "mine");
    const again = await segcam(["mask", `${dir}/photo.png`, "-q"]);
    assert.equal(again.code, 1);
    assert.equal(
      again.stderr,
      `segcam: Not overwriting ${dir}/photo.mask.png: the file exists; pass --force to replace it or choose another name\n`,
    );
    assert.equal(await Deno.readTextFile(`${dir}/photo.mask.png`), "mine");
    const forced = await segcam(["mask", `${dir}/photo.png`, "-q", "--force"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepStrictEqual(await Deno.readFile(`${dir}/photo.mask.png`), written);
  });
});

Deno.test("segcam video without -o writes <stem>.<effect>.<ext> beside the input, and never over it", async () => {
  await withTempDir(async (dir) => {
    await makeClip(`${dir}/talk.mp4`, { width: 160, height: 120, seconds: 0.4, audio: false });
    const first = await segcam(["video", `${dir}/talk.mp4`, "-q"]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`^Wrote ${dir}/talk\\.blur\\.mp4: 10 frames`));
    assert.ok((await Deno.stat(`${dir}/talk.blur.mp4`)).size > 0);
    const again = await segcam(["video", `${dir}/talk.mp4`, "-q"]);
    assert.equal(again.code, 1);
    assert.equal(
      again.stderr,
      `segcam: Not overwriting ${dir}/talk.blur.mp4: the file exists; pass --force to replace it or choose another name\n`,
    );
    const alpha = await segcam(["video", `${dir}/talk.mp4`, "-q", "-e", "transparent"]);
    assert.equal(alpha.code, 0, alpha.stderr);
    assert.deepStrictEqual(listDir(dir), ["talk.blur.mp4", "talk.mp4", "talk.transparent.webm"]);
  });
});

Deno.test("-b with an effect that does not read it: one warning naming the effect that would", async () => {
  await withTempDir(async (dir) => {
    const r = await segcam(["image", PHOTO, "-o", `${dir}/`, "-e", "blur", "-b", PHOTO, "-q"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stderr,
      "segcam: warning: --background is unused with --effect blur: only --effect replace reads it\n",
    );
    assert.deepStrictEqual(listDir(dir), ["astronaut.blur.png"]);
    // With the effect that reads it: nothing to say.
    const used = await segcam([
      "image",
      PHOTO,
      "-o",
      `${dir}/`,
      "-e",
      "replace",
      "-b",
      PHOTO,
      "-q",
    ]);
    assert.equal(used.code, 0, used.stderr);
    assert.equal(used.stderr, "");
  });
});
