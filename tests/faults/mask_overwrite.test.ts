/** `segcam mask` never writes over the image it reads, even with --force. */
import assert from "node:assert/strict";
import { listDir, PHOTO, segcam, withTempDir } from "../cli/_run.ts";

Deno.test("segcam mask p.png -o p.png --force refuses to replace its input", async () => {
  await withTempDir(async (dir) => {
    await Deno.copyFile(PHOTO, `${dir}/p.png`);
    const before = await Deno.readFile(`${dir}/p.png`);
    for (
      const [option, message] of [
        [["-o", `${dir}/p.png`], `--output ${dir}/p.png would replace the input image`],
        [["-o", `${dir}/./p.png`], `--output ${dir}/./p.png would replace the input image`],
        [["-o", `${dir}/m.png`, "--raw", `${dir}/p.png`], `--raw ${dir}/p.png would replace`],
      ]
    ) {
      const r = await segcam(["mask", `${dir}/p.png`, ...option, "--force"]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.ok(r.stderr.startsWith(`segcam: ${message}`), r.stderr);
    }
    assert.deepEqual(await Deno.readFile(`${dir}/p.png`), before);
    assert.deepEqual(listDir(dir), ["p.png"]);
  });
});
