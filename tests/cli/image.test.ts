/**
 * segcam image end to end on the real photo. The reference mask comes from
 * `segcam mask` with --threshold-like cut-offs: pixels the model is sure about
 * (≥ 250 person, ≤ 5 background) are where the effects' promises are checked.
 */
import assert from "node:assert/strict";
import { Image } from "imagescript";
import { parsedOptions } from "./_options.ts";
import { type ImageCommandOptions, runImage } from "../../src/cli/image.ts";
import { isOneLineError, listDir, PHOTO, segcam, withTempDir } from "./_run.ts";

/** What main.ts passes to runImage for `segcam image <any> -o output -e effect`. */
function imageOptions(output: string, effect = "blur"): Promise<ImageCommandOptions> {
  return parsedOptions<ImageCommandOptions>(["image", "any", "-o", output, "-e", effect]);
}

async function decode(path: string) {
  return await Image.decode(await Deno.readFile(path));
}

async function referenceMask(dir: string): Promise<Uint8Array> {
  const r = await segcam(["mask", PHOTO, "-o", `${dir}/ref-mask.png`]);
  assert.equal(r.code, 0, r.stderr);
  const image = await decode(`${dir}/ref-mask.png`);
  await Deno.remove(`${dir}/ref-mask.png`);
  return Uint8Array.from(image.bitmap.filter((_, i) => i % 4 === 0));
}

Deno.test("segcam image: every effect keeps the person and changes the background as promised", async () => {
  await withTempDir(async (dir) => {
    const mask = await referenceMask(dir);
    const original = await decode(PHOTO);
    const px = (img: Image, i: number) => [...img.bitmap.subarray(4 * i, 4 * i + 4)];
    // Away from the edge (7x7 neighbourhood sure), where the feathered alpha is 0 or 255.
    const sure = (test: (v: number) => boolean) =>
      [...mask.keys()].filter((i) => {
        const x = i % 512, y = Math.floor(i / 512);
        for (let dy = -3; dy <= 3; dy++) {
          for (let dx = -3; dx <= 3; dx++) {
            const xx = Math.min(511, Math.max(0, x + dx)), yy = Math.min(511, Math.max(0, y + dy));
            if (!test(mask[yy * 512 + xx])) return false;
          }
        }
        return true;
      });
    const person = sure((v) => v >= 250);
    const background = sure((v) => v <= 5);
    assert.ok(person.length > 50_000 && background.length > 50_000);

    await Deno.writeFile(`${dir}/bg.png`, await new Image(64, 64).fill(0x2040a0ff).encode());
    const r = await segcam([
      "image",
      PHOTO,
      "-o",
      `${dir}/out/`,
      "--effect",
      "transparent",
    ]);
    assert.equal(r.code, 0, r.stderr);
    for (const effect of ["remove", "desaturate", "blur", "replace"]) {
      const args = ["image", PHOTO, "-o", `${dir}/out/`, "--effect", effect, "--format", "png"];
      if (effect === "replace") args.push("--background", `${dir}/bg.png`);
      if (effect === "remove") args.push("--color", "#ff00ff");
      const run = await segcam(args);
      assert.equal(run.code, 0, `${effect}: ${run.stderr}`);
    }
    assert.deepEqual(listDir(`${dir}/out`), [
      "astronaut.blur.png",
      "astronaut.desaturate.png",
      "astronaut.remove.png",
      "astronaut.replace.png",
      "astronaut.transparent.png",
    ]);
    const out = async (effect: string) => await decode(`${dir}/out/astronaut.${effect}.png`);

    for (const effect of ["remove", "desaturate", "blur", "replace", "transparent"]) {
      const img = await out(effect);
      for (const i of person) {
        assert.deepEqual(
          px(img, i).slice(0, 3),
          px(original, i).slice(0, 3),
          `${effect} person px ${i}`,
        );
      }
    }
    const transparent = await out("transparent");
    for (const i of background) assert.equal(transparent.bitmap[4 * i + 3], 0, "alpha 0 behind");
    for (const i of person) {
      assert.equal(transparent.bitmap[4 * i + 3], 255, "alpha 255 on the person");
    }
    const removed = await out("remove");
    for (const i of background) assert.deepEqual(px(removed, i), [255, 0, 255, 255]);
    const replaced = await out("replace");
    for (const i of background) assert.deepEqual(px(replaced, i), [0x20, 0x40, 0xa0, 255]);
    const gray = await out("desaturate");
    for (const i of background) {
      const [r, g, b] = px(gray, i);
      assert.ok(r === g && g === b, `desaturated background is gray at ${i}: ${r},${g},${b}`);
    }
    // Blur: the background's high-frequency energy (mean |horizontal difference|) drops.
    const blurred = await out("blur");
    const energy = (img: Image) => {
      let sum = 0, n = 0;
      for (const i of background) {
        if (i % 512 === 511 || mask[i + 1] > 5) continue;
        sum += Math.abs(img.bitmap[4 * i] - img.bitmap[4 * i + 4]);
        n++;
      }
      return sum / n;
    };
    assert.ok(energy(blurred) < energy(original) / 2, `${energy(blurred)} vs ${energy(original)}`);
  });
});

Deno.test("segcam image: a batch goes on past a bad file, skips existing outputs, and fails at the end", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/in`);
    await Deno.copyFile(PHOTO, `${dir}/in/a.png`);
    await Deno.writeTextFile(`${dir}/in/broken.png`, "garbage");
    await Deno.copyFile(PHOTO, `${dir}/in/c.png`);
    await Deno.mkdir(`${dir}/out`);
    await Deno.writeTextFile(`${dir}/out/c.desaturate.png`, "old result");
    const r = await segcam([
      "image",
      `${dir}/in`,
      `${dir}/missing.png`,
      "-o",
      `${dir}/out`,
      "-e",
      "desaturate",
    ]);
    assert.equal(r.code, 1, r.stderr);
    // Each problem once (in the order the workers met them), then the summary.
    const lines = r.stderr.trim().split("\n").filter((l) => !l.startsWith("segcam: inference"));
    assert.deepEqual(
      [lines[0], ...lines.slice(1, 3).sort(), ...lines.slice(3)],
      [
        `segcam: ${dir}/missing.png: no such file or folder`,
        `segcam: Cannot read ${dir}/in/broken.png: it is not a PNG or JPEG image (the formats segcam reads)`,
        `segcam: skipped ${dir}/in/c.png: ${dir}/out/c.desaturate.png exists (use --force)`,
        "1 done, 1 skipped, 2 failed",
        "segcam: 2 of 4 inputs failed (see above)",
      ],
    );
    assert.deepEqual(listDir(`${dir}/out`), ["a.desaturate.png", "c.desaturate.png"]);
    assert.equal(await Deno.readTextFile(`${dir}/out/c.desaturate.png`), "old result");
    assert.deepEqual(listDir(`${dir}/in`), ["a.png", "broken.png", "c.png"], "inputs untouched");
  });
});

Deno.test("segcam image: wrong option values are one clear line", async () => {
  await withTempDir(async (dir) => {
    const cases: [string[], RegExp][] = [
      [["image", PHOTO, "-o", `${dir}/x.jpg`, "-e", "transparent"], /JPEG cannot hold/],
      [["image", PHOTO, "-o", `${dir}/`, "-e", "replace"], /needs a background/],
      [
        ["image", PHOTO, "-o", `${dir}/`, "--color", "nocolour"],
        /--color takes a colour name \(white, lime, …\) or #rrggbb, got "nocolour"/,
      ],
      [
        [
          "image",
          PHOTO,
          PHOTO.replace("astronaut.png", "exif_orientation_6.jpg"),
          "-o",
          `${dir}/one.png`,
        ],
        /names one file, but there are 2 inputs/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await segcam(args);
      assert.notEqual(r.code, 0, args.join(" "));
      assert.match(r.stderr, message, args.join(" "));
    }
    assert.ok(isOneLineError((await segcam(cases[1][0])).stderr));
    assert.deepEqual(listDir(dir), []);
  });
});

Deno.test("segcam image: pixels the input PNG hides stay hidden in every result", async () => {
  await withTempDir(async (dir) => {
    // The photo with its left half fully transparent (its colours are still stored).
    const input = await decode(PHOTO);
    for (let y = 0; y < 512; y++) {
      for (let x = 0; x < 256; x++) input.bitmap[4 * (y * 512 + x) + 3] = 0;
    }
    await Deno.writeFile(`${dir}/cut.png`, await input.encode());
    const run = async (effect: string, extra: string[] = []) => {
      const r = await segcam([
        "image",
        `${dir}/cut.png`,
        "-o",
        `${dir}/out/`,
        "-e",
        effect,
        ...extra,
      ]);
      assert.equal(r.code, 0, r.stderr);
    };
    await run("transparent");
    await run("remove", ["--color", "#00ff00"]);
    await run("blur");
    await run("blur", ["--format", "jpg"]);
    const left = (img: Image, test: (px: number[]) => boolean, what: string) => {
      for (let y = 0; y < 512; y += 7) {
        for (let x = 0; x < 256; x += 7) {
          const px = [...img.bitmap.subarray(4 * (y * 512 + x), 4 * (y * 512 + x) + 4)];
          assert.ok(test(px), `${what} at ${x},${y}: ${px}`);
        }
      }
    };
    const transparent = await decode(`${dir}/out/cut.transparent.png`);
    left(transparent, (px) => px[3] === 0, "transparent: hidden");
    const right = [...transparent.bitmap.filter((_, i) => i % 4 === 3 && (i >> 2) % 512 >= 256)];
    assert.ok(right.filter((a) => a === 255).length > 20_000, "the visible person stays opaque");
    left(await decode(`${dir}/out/cut.remove.png`), (px) => `${px}` === "0,255,0,255", "remove");
    const blurred = await decode(`${dir}/out/cut.blur.png`);
    left(blurred, (px) => px[3] === 0, "blur PNG keeps the input's alpha");
    assert.equal(blurred.bitmap[4 * (300 * 512 + 400) + 3], 255, "visible pixels stay opaque");
    left(
      await decode(`${dir}/out/cut.blur.jpg`),
      (px) => px.slice(0, 3).every((v) => v >= 250),
      "blur JPEG is flattened onto white",
    );
  });
});

Deno.test("segcam image: --jobs 2 gives the same pixels as --jobs 1, and the same summary", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/in`);
    const photo = await decode(PHOTO);
    await Deno.copyFile(PHOTO, `${dir}/in/a.png`);
    await Deno.writeFile(`${dir}/in/b.png`, await photo.clone().rotate(90).encode());
    await Deno.writeFile(`${dir}/in/c.png`, await photo.clone().resize(400, 256).encode());
    await Deno.copyFile(
      PHOTO.replace("astronaut.png", "exif_orientation_6.jpg"),
      `${dir}/in/d.jpg`,
    );
    // In-process, so that the test does not depend on how main.ts spells --jobs.
    for (const jobs of [1, 2]) {
      await runImage([`${dir}/in`], { ...(await imageOptions(`${dir}/j${jobs}/`)), jobs });
    }
    const names = listDir(`${dir}/j1`);
    assert.deepEqual(names, ["a.blur.png", "b.blur.png", "c.blur.png", "d.blur.jpg"]);
    assert.deepEqual(listDir(`${dir}/j2`), names);
    for (const name of names) {
      const [one, two] = [await decode(`${dir}/j1/${name}`), await decode(`${dir}/j2/${name}`)];
      assert.deepEqual([two.width, two.height], [one.width, one.height], name);
      assert.ok(one.bitmap.every((v, i) => v === two.bitmap[i]), `${name}: pixels differ`);
    }
  });
});
