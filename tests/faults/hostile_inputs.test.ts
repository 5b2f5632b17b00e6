/**
 * Inputs that are not what their names say (issue 14, defects 11, 13 and 14): devices,
 * FIFOs, huge sparse files, folders and files whose bytes would drive the terminal.
 * Each is refused at once in one true line, and nothing from a file reaches the
 * terminal raw.
 */
import assert from "node:assert/strict";
import { encodePng } from "../../src/io/png.ts";
import { PHOTO } from "../cli/_run.ts";
import { names, oneLine, run, withDir } from "./_isolated.ts";

/** Runs and also measures how long it took, in ms. */
async function timed(args: string[]) {
  const started = performance.now();
  const r = await run(args, { timeoutMs: 20_000 });
  return { ...r, ms: performance.now() - started };
}

Deno.test("segcam mask /dev/zero and a FIFO are refused at once as not regular files", async () => {
  await withDir(async (dir) => {
    const { code } = await new Deno.Command("mkfifo", { args: [`${dir}/pipe.png`] }).output();
    assert.equal(code, 0);
    for (const input of ["/dev/zero", `${dir}/pipe.png`]) {
      const r = await timed(["mask", input, "-o", `${dir}/m.png`]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(
        oneLine(r),
        `segcam: Cannot read ${input}: it is not a regular file (a device, FIFO or socket); give a PNG or JPEG file`,
      );
      assert.ok(r.ms < 10_000, `refused in ${r.ms} ms`);
    }
    assert.deepEqual(names(dir), ["pipe.png"]);
  });
});

Deno.test("segcam image refuses a 3 GB sparse .jpg and a non-image by their size and first bytes, not after reading them", async () => {
  await withDir(async (dir) => {
    const big = await Deno.open(`${dir}/big.jpg`, { write: true, create: true });
    await big.write(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]));
    await big.truncate(3 * 2 ** 30);
    big.close();
    const r = await timed(["image", `${dir}/big.jpg`, "-o", `${dir}/o.png`]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(oneLine(r), /big\.jpg: it is 3\.0 GiB, more than the 1 GiB/);
    assert.ok(r.ms < 10_000, `refused in ${r.ms} ms`);
    await Deno.writeTextFile(`${dir}/notes.png`, "just some text\n");
    const text = await timed(["mask", `${dir}/notes.png`, "-o", `${dir}/m.png`]);
    assert.equal(text.code, 1, text.stderr);
    assert.match(oneLine(text), /notes\.png: it is not a PNG or JPEG image/);
    assert.deepEqual(names(dir), ["big.jpg", "notes.png"]);
  });
});

Deno.test("a PNG chunk named with ESC and NUL bytes is printed escaped: no control byte reaches the terminal", async () => {
  await withDir(async (dir) => {
    const png = encodePng(new Uint8Array(16 * 16 * 3), 16, 16, 2);
    // The chunk after IHDR (8 signature + 25 IHDR bytes) gets the type ESC [ NUL m.
    png.set([0x1b, 0x5b, 0x00, 0x6d], 8 + 25 + 4);
    await Deno.writeFile(`${dir}/red.png`, png);
    const r = await run(["mask", `${dir}/red.png`, "-o", `${dir}/m.png`]);
    assert.equal(r.code, 1, r.stderr);
    const controls = [...r.stderr + r.stdout].filter((c) => c < " " && c !== "\n");
    assert.deepEqual(controls, [], "no control bytes");
    assert.match(oneLine(r), /\\x1b\[\\x00m/);
  });
});

Deno.test("segcam live -i <folder> and -i /dev/zero say what they are, not 'no such file'", async () => {
  await withDir(async (dir) => {
    const folder = await run([
      "live",
      "-i",
      dir,
      "-o",
      `${dir}/o.mp4`,
      "--no-tui",
      "--frames",
      "3",
    ]);
    assert.equal(folder.code, 1, folder.stderr);
    assert.match(oneLine(folder), /Cannot open .*: it is a folder; give a video file/);
    const zero = await run([
      "live",
      "-i",
      "/dev/zero",
      "-o",
      `${dir}/o.mp4`,
      "--no-tui",
      "--frames",
      "3",
    ]);
    assert.equal(zero.code, 1, zero.stderr);
    assert.match(oneLine(zero), /Cannot open \/dev\/zero: it is not a regular file/);
    assert.deepEqual(names(dir), []);
  });
});

Deno.test("segcam convert /dev/zero, a FIFO or a 1 GB sparse file is refused at once, before reading", async () => {
  await withDir(async (dir) => {
    await new Deno.Command("mkfifo", { args: [`${dir}/m.tflite`] }).output();
    const sparse = await Deno.open(`${dir}/big.tflite`, { write: true, create: true });
    await sparse.truncate(2 ** 30);
    sparse.close();
    const cases: [string, RegExp][] = [
      ["/dev/zero", /\/dev\/zero: it is not a regular file/],
      [`${dir}/m.tflite`, /m\.tflite: it is not a regular file/],
      [
        `${dir}/big.tflite`,
        /big\.tflite: it is 1024 MiB, and the segmentation models segcam converts are a few MB/,
      ],
    ];
    for (const [input, expected] of cases) {
      const r = await timed(["convert", input, "-o", `${dir}/m.onnx`]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(oneLine(r), expected);
      assert.ok(r.ms < 10_000, `refused in ${r.ms} ms`);
    }
    assert.deepEqual(names(dir), ["big.tflite", "m.tflite"]);
  });
});

Deno.test("segcam video on a FIFO or a folder says what it is at once, not after a 20 s probe", async () => {
  await withDir(async (dir) => {
    await new Deno.Command("mkfifo", { args: [`${dir}/in.mp4`] }).output();
    await Deno.mkdir(`${dir}/clips.mp4`);
    const cases: [string, RegExp][] = [
      [
        `${dir}/in.mp4`,
        /in\.mp4: it is not a regular file \(a device, FIFO or socket\); give a video file/,
      ],
      [`${dir}/clips.mp4`, /clips\.mp4: it is a folder; give a video file/],
    ];
    for (const [input, expected] of cases) {
      const r = await timed(["video", input, "-o", `${dir}/out.mp4`]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(oneLine(r), expected);
      assert.ok(r.ms < 10_000, `refused in ${r.ms} ms`);
    }
    assert.deepEqual(names(dir), ["clips.mp4", "in.mp4"]);
  });
});

Deno.test("an output that is a link to nothing is refused before any work, not called 'appeared meanwhile'", async () => {
  await withDir(async (dir) => {
    await Deno.symlink(`${dir}/nowhere.png`, `${dir}/m.png`);
    const r = await run(["mask", PHOTO, "-o", `${dir}/m.png`]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      oneLine(r),
      `segcam: Not overwriting ${dir}/m.png: it is a link to ${dir}/nowhere.png, which does not exist; pass --force to replace the link or choose another name`,
    );
    assert.doesNotMatch(r.stderr, /inference on/);
  });
});
