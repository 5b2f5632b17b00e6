/** A valid but huge PNG is refused up front with the limit named, not called undecodable. */
import assert from "node:assert/strict";
import { blackBitmapPng } from "../_png.ts";
import { isOneLineError, listDir, segcam, withTempDir } from "../cli/_run.ts";

Deno.test("segcam image and mask: a 20000x20000 PNG is one line naming the 120 MP limit", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/huge.png`, blackBitmapPng(20000, 20000));
    const expected =
      `segcam: The image ${dir}/huge.png is 20000x20000 (400 megapixels), more than segcam's limit of 120 megapixels; scale it down first (e.g. ffmpeg -i ${dir}/huge.png -vf scale=iw/2:-1 smaller.png)`;
    for (
      const args of [["image", `${dir}/huge.png`], [
        "mask",
        `${dir}/huge.png`,
        "-o",
        `${dir}/m.png`,
      ]]
    ) {
      const r = await segcam(args);
      assert.equal(r.code, 1, r.stderr);
      assert.ok(isOneLineError(r.stderr), r.stderr);
      assert.equal(r.stderr.trim(), expected);
      assert.deepEqual(listDir(dir), ["huge.png"]);
    }
  });
});
