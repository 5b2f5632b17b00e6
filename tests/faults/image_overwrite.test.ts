/**
 * Results never replace one another: two inputs with the same name into one folder are
 * refused before any work, and of two runs writing the same file at once, the second
 * does not silently replace the first.
 */
import assert from "node:assert/strict";
import { Image } from "imagescript";
import { isOneLineError, listDir, PHOTO, segcam, withTempDir } from "../cli/_run.ts";

Deno.test("segcam image: x/a.png and y/a.png into one folder are refused, naming the clash", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/x`);
    await Deno.mkdir(`${dir}/y`);
    await Deno.copyFile(PHOTO, `${dir}/x/a.png`);
    await Deno.copyFile(PHOTO, `${dir}/y/a.png`);
    const r = await segcam([
      "image",
      `${dir}/x/a.png`,
      `${dir}/y/a.png`,
      "-o",
      `${dir}/out/`,
      "--force",
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr.trim(),
      `segcam: ${dir}/x/a.png and ${dir}/y/a.png would both be written to ${dir}/out/a.blur.png; process them into different folders (one --output each) or rename one of them`,
    );
    assert.deepEqual(listDir(`${dir}/out`), []);
  });
});

Deno.test("segcam image: of two runs writing one file at once, the second does not replace the first", async () => {
  await withTempDir(async (dir) => {
    const target = `${dir}/result.png`;
    const run = (colour: string) =>
      segcam(["image", PHOTO, "-o", target, "-e", "remove", "--color", colour]);
    const [red, blue] = await Promise.all([run("#ff0000"), run("#0000ff")]);
    const codes = [red.code, blue.code].sort();
    assert.deepEqual(codes, [0, 1], `${red.stderr}\n${blue.stderr}`);
    const [winner, loser] = red.code === 0 ? [[255, 0, 0], blue] : [[0, 0, 255], red];
    assert.ok(isOneLineError(loser.stderr), loser.stderr);
    assert.match(
      loser.stderr,
      new RegExp(
        `^segcam: Not overwriting ${target}: the file (exists|appeared while segcam was writing it \\(another run\\?\\)); pass --force`,
        "m",
      ),
    );
    // The file is the winner's, whole: its top-right corner (background) has its colour.
    const image = await Image.decode(await Deno.readFile(target));
    assert.deepEqual([...image.bitmap.subarray(4 * 500, 4 * 500 + 3)], winner);
    assert.deepEqual(listDir(dir), ["result.png"]);
  });
});
