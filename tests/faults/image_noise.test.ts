/**
 * Each problem once: a single bad image is one line; a batch into a folder that cannot
 * be written stops at the first image with one line instead of failing 30 times.
 */
import assert from "node:assert/strict";
import { listDir, PHOTO, segcam, withTempDir } from "../cli/_run.ts";

/** Lines on stderr other than the backend's "inference on …" line. */
function lines(stderr: string): string[] {
  return stderr.trim().split("\n").filter((l) => l !== "" && !l.startsWith("segcam: inference on"));
}

Deno.test("segcam image: a single bad image is reported once, in one line", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/broken.png`, "garbage");
    const r = await segcam(["image", `${dir}/broken.png`]);
    assert.equal(r.code, 1);
    assert.deepEqual(lines(r.stderr), [
      `segcam: Cannot read ${dir}/broken.png: it is not a PNG or JPEG image (the formats segcam reads)`,
    ]);
    assert.deepEqual(listDir(dir), ["broken.png"]);
  });
});

/**
 * A folder nobody may write: chmod 555 for a normal user; root ignores modes, so for
 * root the immutable attribute (chattr +i). Undefined when neither works here.
 */
async function readOnlyFolder(folder: string): Promise<(() => Promise<void>) | undefined> {
  await Deno.mkdir(folder);
  await Deno.chmod(folder, 0o555);
  const writable = async () => {
    try {
      await Deno.writeTextFile(`${folder}/.probe`, "");
      await Deno.remove(`${folder}/.probe`);
      return true;
    } catch {
      return false;
    }
  };
  const chattr = (flag: string) =>
    new Deno.Command("chattr", { args: [flag, folder], stderr: "null" }).output().catch(() => {});
  if (await writable()) await chattr("+i");
  if (await writable()) return undefined;
  return async () => {
    await chattr("-i");
    await Deno.chmod(folder, 0o755);
  };
}

Deno.test("segcam image: 30 images into a read-only folder stop at the first, in one line", async () => {
  await withTempDir(async (dir) => {
    const folder = `${dir}/locked`;
    const unlock = await readOnlyFolder(folder);
    if (unlock === undefined) return; // no way to make a read-only folder here
    await Deno.mkdir(`${dir}/in`);
    for (let i = 0; i < 30; i++) await Deno.copyFile(PHOTO, `${dir}/in/p${i}.png`);
    const r = await segcam(["image", `${dir}/in`, "-o", folder, "-e", "remove"]);
    await unlock();
    assert.equal(r.code, 1, r.stderr);
    const got = lines(r.stderr);
    assert.equal(got.length, 1, r.stderr);
    assert.match(
      got[0],
      new RegExp(
        `^segcam: Cannot write ${folder}/p\\d+\\.remove\\.png: permission denied; stopped after 0 of 30 images, as every other image would fail the same way$`,
      ),
    );
    assert.deepEqual(listDir(`${dir}/locked`), []);
  });
});

Deno.test("segcam image: in a batch each bad file is one line, then the summary", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/in`);
    await Deno.copyFile(PHOTO, `${dir}/in/a.png`);
    await Deno.writeTextFile(`${dir}/in/b.png`, "garbage");
    await Deno.writeFile(`${dir}/in/c.png`, (await Deno.readFile(PHOTO)).subarray(0, 5000));
    const r = await segcam(["image", `${dir}/in`, "-o", `${dir}/out/`, "-e", "remove"]);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(lines(r.stderr), [
      `segcam: Cannot read ${dir}/in/b.png: it is not a PNG or JPEG image (the formats segcam reads)`,
      `segcam: The image ${dir}/in/c.png is damaged or truncated (it ends before the image data does, after 5000 bytes); export or download it again`,
      "1 done, 0 skipped, 2 failed",
      "segcam: 2 of 3 inputs failed (see above)",
    ]);
    assert.deepEqual(listDir(`${dir}/out`), ["a.remove.png"]);
  });
});
