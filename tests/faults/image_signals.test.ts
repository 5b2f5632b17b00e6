/**
 * Ctrl-C, SIGTERM and SIGHUP in the middle of `segcam image`: the run ends with exit
 * 128 + the signal's number and one line saying how many images were written; every file left is a complete
 * result, and no temporary file is.
 */
import assert from "node:assert/strict";
import { Image } from "imagescript";
import { listDir, spawnSegcam, withTempDir } from "../cli/_run.ts";

const IMAGES = 16;

/** `count` 1200x900 test pictures: big enough that the batch is busy for seconds. */
async function pictures(dir: string, count: number): Promise<void> {
  await Deno.mkdir(dir);
  const { code, stderr } = await new Deno.Command("ffmpeg", {
    args: [
      ...["-hide_banner", "-loglevel", "error", "-f", "lavfi"],
      ...["-i", "testsrc2=s=1200x900:r=25", "-frames:v", String(count), `${dir}/p%02d.png`],
    ],
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
}

async function waitFor(test: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !test(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(test(), "the batch never got going");
}

for (const [signal, exit] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]] as const) {
  Deno.test(`segcam image: ${signal} mid-batch exits ${exit}, keeps complete results and no temporary file`, async () => {
    await withTempDir(async (dir) => {
      await pictures(`${dir}/in`, IMAGES);
      const child = spawnSegcam(["image", `${dir}/in`, "-o", `${dir}/out/`, "-e", "remove"]);
      // Once the first result is in, the others are being computed or written.
      await waitFor(() => {
        try {
          return listDir(`${dir}/out`).some((name) => name.endsWith(".remove.png"));
        } catch {
          return false;
        }
      });
      child.kill(signal);
      const { code, stderr } = await child.output();
      const text = new TextDecoder().decode(stderr).trim();
      assert.equal(code, exit, text);
      const last = text.split("\n").at(-1)!;
      const match = last.match(
        new RegExp(
          `^segcam: Stopped by .*${signal}.*; (\\d+) of ${IMAGES} images were written, complete, and no partial file was left\\.$`,
        ),
      );
      assert.ok(match, text);
      const left = listDir(`${dir}/out`);
      assert.deepEqual(left.filter((name) => name.includes("segcam-tmp")), []);
      assert.equal(left.length, Number(match[1]), `${left.join(", ")} vs ${last}`);
      assert.ok(left.length < IMAGES, "stopped before the end");
      for (const name of left) {
        const image = await Image.decode(await Deno.readFile(`${dir}/out/${name}`));
        assert.deepEqual([image.width, image.height], [1200, 900], name);
      }
      // stderr held only the inference line and the interruption line (and, off a
      // terminal, the progress line the bar prints every few seconds on a slow machine).
      const lines = text.split("\n").filter((line) =>
        !/^Removing backgrounds: \d+\/\d+ /.test(line)
      );
      assert.ok(lines.length <= 2, text);
    });
  });
}
