/**
 * An input is never an output (issue 14, defect 1): in every command, whatever the
 * spelling, through symbolic and hard links, and with --force. Each refusal comes
 * before any work, in one line with exit 2, and the input is left byte for byte.
 */
import assert from "node:assert/strict";
import { PHOTO } from "../cli/_run.ts";
import { ffmpeg } from "../_media.ts";
import { names, oneLine, run, withDir } from "./_isolated.ts";

async function clip(path: string): Promise<void> {
  await ffmpeg([
    ...["-f", "lavfi", "-i", "testsrc2=s=160x120:r=25:d=1"],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path],
  ]);
}

async function assertRefused(args: string[], file: string, before: Uint8Array): Promise<void> {
  const r = await run(args);
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    oneLine(r),
    /^segcam: (The output .* is the (input|background|input model)|--output .* would replace the input image)/,
  );
  assert.deepEqual(await Deno.readFile(file), before, `${file} is left as it was`);
}

Deno.test("segcam live -i in.mp4 -o in.mp4 --force is refused, also through a symlink and a hard link", async () => {
  await withDir(async (dir) => {
    await clip(`${dir}/in.mp4`);
    await Deno.symlink(`${dir}/in.mp4`, `${dir}/soft.mp4`);
    await Deno.link(`${dir}/in.mp4`, `${dir}/hard.mp4`);
    const before = await Deno.readFile(`${dir}/in.mp4`);
    for (const out of ["in.mp4", "soft.mp4", "hard.mp4"]) {
      await assertRefused(
        [
          "live",
          "-i",
          `${dir}/in.mp4`,
          "-o",
          `${dir}/${out}`,
          "--force",
          "--no-tui",
          "--frames",
          "5",
        ],
        `${dir}/in.mp4`,
        before,
      );
    }
    assert.deepEqual(names(dir), ["hard.mp4", "in.mp4", "soft.mp4"]);
  });
});

Deno.test("segcam video and mask refuse an output that is a hard link to the input", async () => {
  await withDir(async (dir) => {
    await clip(`${dir}/in.mp4`);
    await Deno.link(`${dir}/in.mp4`, `${dir}/hard.mp4`);
    const video = await Deno.readFile(`${dir}/in.mp4`);
    await assertRefused(
      ["video", `${dir}/in.mp4`, "-o", `${dir}/hard.mp4`, "--force"],
      `${dir}/in.mp4`,
      video,
    );
    await Deno.copyFile(PHOTO, `${dir}/p.png`);
    await Deno.link(`${dir}/p.png`, `${dir}/p2.png`);
    const photo = await Deno.readFile(`${dir}/p.png`);
    await assertRefused(
      ["mask", `${dir}/p.png`, "-o", `${dir}/p2.png`, "--force"],
      `${dir}/p.png`,
      photo,
    );
  });
});

Deno.test("segcam convert m.tflite -o m.tflite --force leaves the model alone", async () => {
  await withDir(async (dir) => {
    const model = new TextEncoder().encode("not really a model, but precious");
    await Deno.writeFile(`${dir}/m.tflite`, model);
    await assertRefused(
      ["convert", `${dir}/m.tflite`, "-o", `${dir}/m.tflite`, "--force"],
      `${dir}/m.tflite`,
      model,
    );
    await Deno.symlink(`${dir}/m.tflite`, `${dir}/m.onnx`);
    await assertRefused(
      ["convert", `${dir}/m.tflite`, "-o", `${dir}/m.onnx`, "--force"],
      `${dir}/m.tflite`,
      model,
    );
  });
});

Deno.test("segcam image and video refuse a --background that is the output", async () => {
  await withDir(async (dir) => {
    await Deno.copyFile(PHOTO, `${dir}/p.png`);
    await Deno.copyFile(PHOTO, `${dir}/bg.png`);
    const bg = await Deno.readFile(`${dir}/bg.png`);
    const replace = ["--effect", "replace", "-b", `${dir}/bg.png`, "--force"];
    await assertRefused(
      ["image", `${dir}/p.png`, "-o", `${dir}/bg.png`, ...replace],
      `${dir}/bg.png`,
      bg,
    );
    await clip(`${dir}/in.mp4`);
    await clip(`${dir}/bg.mp4`);
    const bgVideo = await Deno.readFile(`${dir}/bg.mp4`);
    await assertRefused(
      [
        "video",
        `${dir}/in.mp4`,
        "-o",
        `${dir}/bg.mp4`,
        "--effect",
        "replace",
        "-b",
        `${dir}/bg.mp4`,
        "--force",
      ],
      `${dir}/bg.mp4`,
      bgVideo,
    );
  });
});

Deno.test("segcam mask refuses --raw and --output naming one file in two spellings", async () => {
  await withDir(async (dir) => {
    const r = await run(["mask", PHOTO, "-o", `${dir}/m.png`, "--raw", `${dir}/./m.png`]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(oneLine(r), /--raw and --output both name/);
    assert.deepEqual(names(dir), []);
  });
});
