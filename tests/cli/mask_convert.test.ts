import assert from "node:assert/strict";
import { Image } from "imagescript";
import { mediapipePackageFolder } from "../../scripts/build_models.ts";
import { isOneLineError, listDir, PHOTO, segcam, withTempDir } from "./_run.ts";

Deno.test("segcam mask writes a full-size grayscale mask and the raw model map", async () => {
  await withTempDir(async (dir) => {
    const r = await segcam(["mask", PHOTO, "-o", `${dir}/m.png`, "--raw", `${dir}/m.f32`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /512x512 mask/);
    const mask = await Image.decode(await Deno.readFile(`${dir}/m.png`));
    assert.deepEqual([mask.width, mask.height], [512, 512]);
    const at = (x: number, y: number) => mask.bitmap[4 * (y * 512 + x)];
    assert.equal(at(256, 300), 255, "the astronaut's body is person");
    assert.equal(at(500, 10), 0, "the top right corner is background");
    const raw = await Deno.readFile(`${dir}/m.f32`);
    assert.equal(raw.length, 256 * 256 * 4, "general model map, float32");
    const map = new Float32Array(raw.buffer);
    assert.ok(map[150 * 256 + 128] > 0.9 && map[5 * 256 + 250] < 0.1);
    assert.deepEqual(listDir(dir), ["m.f32", "m.png"]);
  });
});

Deno.test("segcam mask: bad inputs give one line, a non-zero exit and no output file", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/notes.png`, "not an image");
    await Deno.writeTextFile(`${dir}/exists.png`, "keep me");
    const cases: [string[], RegExp, number][] = [
      [
        ["mask", `${dir}/missing.jpg`, "-o", `${dir}/a.png`],
        /Cannot read .*missing\.jpg: no such file/,
        1,
      ],
      [["mask", dir, "-o", `${dir}/a.png`], /it is a folder/, 1],
      [["mask", `${dir}/notes.png`, "-o", `${dir}/a.png`], /not a PNG or JPEG/, 1],
      [["mask", PHOTO, "-o", `${dir}/nofolder/a.png`], /folder .* does not exist/, 1],
      [["mask", PHOTO, "-o", `${dir}/exists.png`], /exists; pass --force/, 1],
      [["mask", PHOTO, "-o", `${dir}/a.jpg`], /does not end in \.png/, 2],
      [["--backend", "gpu", "mask", PHOTO, "-o", `${dir}/a.png`], /argument 'gpu' is invalid/, 2],
      [["mask", PHOTO, "-o", `${dir}/a.png`, "--model", "huge"], /argument 'huge' is invalid/, 2],
      [
        ["mask", PHOTO, "-o", `${dir}/a.png`, "--threads", "-1"],
        /--threads takes a whole number from 0 to 1024, got "-1"/,
        2,
      ],
    ];
    for (const [args, message, code] of cases) {
      const r = await segcam(args);
      assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
      // commander's own messages add a "(run segcam --help for usage)" line.
      if (!/invalid|whole number/.test(r.stderr)) {
        assert.ok(isOneLineError(r.stderr), `one line for ${args.join(" ")}: ${r.stderr}`);
      }
    }
    assert.deepEqual(listDir(dir), ["exists.png", "notes.png"]);
    assert.equal(await Deno.readTextFile(`${dir}/exists.png`), "keep me");
  });
});

Deno.test("segcam --debug adds the stack trace to an error", async () => {
  // Into a fresh folder: a /tmp/x.png left by anything else would be refused first.
  await withTempDir(async (dir) => {
    const r = await segcam(["--debug", "mask", "/nonexistent.png", "-o", `${dir}/x.png`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /segcam: Cannot read \/nonexistent\.png/);
    assert.match(r.stderr, /at .*\.ts:\d+/);
  });
});

Deno.test("segcam convert writes an ONNX model and refuses non-TFLite input", async () => {
  await withTempDir(async (dir) => {
    const tflite = `${mediapipePackageFolder()}/selfie_segmentation_landscape.tflite`;
    const ok = await segcam(["convert", tflite, "-o", `${dir}/l.onnx`]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /input \[1,3,144,256\] → output \[1,1,144,256\]/);
    const committed = await Deno.readFile(
      new URL("../../models/selfie_landscape.onnx", import.meta.url),
    );
    assert.deepEqual(await Deno.readFile(`${dir}/l.onnx`), committed);

    const bad = await segcam(["convert", PHOTO, "-o", `${dir}/x.onnx`]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /is not a TFLite model .*; pass a \.tflite file/);
    assert.ok(isOneLineError(bad.stderr));
    const truncated = `${dir}/t.tflite`;
    await Deno.writeFile(truncated, (await Deno.readFile(tflite)).subarray(0, 4000));
    const cut = await segcam(["convert", truncated, "-o", `${dir}/x.onnx`]);
    assert.equal(cut.code, 1);
    assert.match(cut.stderr, /is not a TFLite model/);
    assert.deepEqual(listDir(dir), ["l.onnx", "t.tflite"]);
  });
});
