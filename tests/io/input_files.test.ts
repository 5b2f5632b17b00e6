import assert from "node:assert/strict";
import { relative } from "node:path";
import { UsageError } from "../../src/errors.ts";
import { expandInputs, outputPathFor, samePath } from "../../src/io/input_files.ts";

/**
 * A temporary folder with:
 *   a.jpg b.png c.txt img2.png img10.png UPPER.JPG .hidden.png [x].png
 *   sub/d.png sub/e.jpeg sub/notes.md   empty/   texts/one.txt texts/two.txt
 * (contents do not matter: expandInputs looks at names only).
 */
async function withTree(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "segcam-inputs-" });
  try {
    for (const folder of ["sub", "empty", "texts"]) await Deno.mkdir(`${dir}/${folder}`);
    const names = [
      "a.jpg",
      "b.png",
      "c.txt",
      "img2.png",
      "img10.png",
      "UPPER.JPG",
      ".hidden.png",
      "[x].png",
      "sub/d.png",
      "sub/e.jpeg",
      "sub/notes.md",
      "texts/one.txt",
      "texts/two.txt",
    ];
    for (const name of names) await Deno.writeTextFile(`${dir}/${name}`, name);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("expandInputs() lists a folder's images in natural order, skipping hidden and non-images", async () => {
  await withTree(async (dir) => {
    const { files, problems } = await expandInputs([dir]);
    assert.deepEqual(problems, []);
    // Natural order: img2 before img10; case does not split UPPER.JPG from the rest.
    assert.deepEqual(files.map((f) => f.slice(dir.length + 1)), [
      "[x].png",
      "a.jpg",
      "b.png",
      "img2.png",
      "img10.png",
      "UPPER.JPG",
    ]);
  });
});

Deno.test("expandInputs() keeps input order across files, folders and globs, without duplicates", async () => {
  await withTree(async (dir) => {
    const { files, problems } = await expandInputs([
      `${dir}/c.txt`, // named explicitly: taken whatever its extension
      `${dir}/sub`,
      `${dir}/a.jpg`,
      `${dir}/sub/d.png`, // already listed through sub/
      `${dir}/**/*.jpeg`,
      `${dir}/./a.jpg`, // the same file spelled differently
      `${dir}/img*.png`,
    ]);
    assert.deepEqual(problems, []);
    assert.deepEqual(files, [
      `${dir}/c.txt`,
      `${dir}/sub/d.png`,
      `${dir}/sub/e.jpeg`,
      `${dir}/a.jpg`,
      `${dir}/img2.png`,
      `${dir}/img10.png`,
    ]);
  });
});

Deno.test("expandInputs() reports missing paths and empty matches as problems, not errors", async () => {
  await withTree(async (dir) => {
    const { files, problems } = await expandInputs([
      `${dir}/missing.jpg`,
      `${dir}/b.png`,
      `${dir}/*.gif`,
      `${dir}/empty`,
      `${dir}/texts/*`,
      `${dir}/c.txt/inside.png`,
    ]);
    assert.deepEqual(files, [`${dir}/b.png`]);
    assert.deepEqual(problems, [
      { input: `${dir}/missing.jpg`, reason: "no such file or folder" },
      { input: `${dir}/*.gif`, reason: "no files match this pattern" },
      { input: `${dir}/empty`, reason: "the folder has no .png, .jpg or .jpeg files" },
      {
        input: `${dir}/texts/*`,
        reason: "it matches 2 files but none ends in .png, .jpg or .jpeg",
      },
      { input: `${dir}/c.txt/inside.png`, reason: "no such file or folder" },
    ]);
  });
});

Deno.test("expandInputs() keeps the user's spelling of a glob's folder", async () => {
  await withTree(async (dir) => {
    const rel = relative(Deno.cwd(), dir); // e.g. ../../tmp/segcam-inputs-xyz
    const { files } = await expandInputs([`${rel}/sub/*.png`, `${rel}/sub/{d,e}.*`]);
    assert.deepEqual(files, [`${rel}/sub/d.png`, `${rel}/sub/e.jpeg`]);
  });
});

Deno.test("expandInputs() takes a file whose name looks like a glob as that file", async () => {
  await withTree(async (dir) => {
    const { files, problems } = await expandInputs([`${dir}/[x].png`]);
    assert.deepEqual(problems, []);
    assert.deepEqual(files, [`${dir}/[x].png`]);
  });
});

Deno.test("expandInputs() follows links to images in a folder and skips dangling ones", async () => {
  await withTree(async (dir) => {
    await Deno.mkdir(`${dir}/links`);
    await Deno.symlink(`${dir}/a.jpg`, `${dir}/links/alias.jpg`);
    await Deno.symlink(`${dir}/gone.jpg`, `${dir}/links/dangling.jpg`);
    const { files, problems } = await expandInputs([`${dir}/links/`]);
    assert.deepEqual(problems, []);
    assert.deepEqual(files, [`${dir}/links/alias.jpg`]);
  });
});

Deno.test("outputPathFor() names outputs beside the input by default", () => {
  const naming = { effect: "blur", format: "png" } as const;
  assert.equal(outputPathFor("shots/holiday.jpg", naming), "shots/holiday.blur.png");
  assert.equal(outputPathFor("holiday.jpeg", { ...naming, format: "jpg" }), "holiday.blur.jpg");
  assert.equal(outputPathFor("/a/b.c/photo.png", naming), "/a/b.c/photo.blur.png");
  assert.equal(outputPathFor("noext", naming), "noext.blur.png");
});

Deno.test("outputPathFor() puts outputs into a folder given with a slash or that exists", async () => {
  const naming = { effect: "replace", format: "jpg" } as const;
  assert.equal(
    outputPathFor("in/x.png", { ...naming, output: "out/", inputCount: 3 }),
    "out/x.replace.jpg",
  );
  assert.equal(outputPathFor("x.png", { ...naming, output: "/" }), "/x.replace.jpg");
  const dir = await Deno.makeTempDir({ prefix: "segcam-out-" });
  try {
    assert.equal(
      outputPathFor("in/x.png", { ...naming, output: dir, inputCount: 2 }),
      `${dir}/x.replace.jpg`,
    );
  } finally {
    await Deno.remove(dir);
  }
});

Deno.test("outputPathFor() uses a file --output for one input and refuses it for several", () => {
  const naming = { effect: "blur", format: "png", output: "result.png" } as const;
  assert.equal(outputPathFor("x.jpg", naming), "result.png");
  assert.throws(
    () => outputPathFor("x.jpg", { ...naming, inputCount: 4 }),
    (e: Error) =>
      e instanceof UsageError &&
      e.message ===
        "--output result.png names one file, but there are 4 inputs; give a folder instead (e.g. --output result.png_out/)",
  );
});

Deno.test("outputPathFor() never returns the input itself, however it is spelled", async () => {
  const naming = { effect: "blur", format: "png" } as const;
  assert.throws(
    () => outputPathFor("shots/a.png", { ...naming, output: "./shots/a.png" }),
    (e: Error) =>
      e instanceof UsageError &&
      e.message ===
        "The output ./shots/a.png would replace the input image; choose another --output",
  );
  const dir = await Deno.makeTempDir({ prefix: "segcam-out-" });
  try {
    await Deno.writeTextFile(`${dir}/a.png`, "x");
    await Deno.symlink(`${dir}/a.png`, `${dir}/link.png`);
    assert.throws(
      () => outputPathFor(`${dir}/a.png`, { ...naming, output: `${dir}/link.png` }),
      UsageError,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("samePath() sees one file behind different spellings and links", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/p.png`, "x");
    await Deno.symlink(`${dir}/p.png`, `${dir}/link.png`);
    assert.equal(samePath(`${dir}/p.png`, `${dir}/./sub/../p.png`), true);
    assert.equal(samePath(`${dir}/link.png`, `${dir}/p.png`), true);
    assert.equal(samePath(`${dir}/q.png`, `${dir}/p.png`), false, "a file yet to be written");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
