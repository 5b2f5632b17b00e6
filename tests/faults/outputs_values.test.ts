/**
 * Outputs and values checked before any work, and a failed command leaves none of its
 * outputs (issue 14, defects 8, 9, 19 and 20).
 */
import assert from "node:assert/strict";
import { MAIN, PERMISSIONS, PHOTO } from "../cli/_run.ts";
import { canMountTmpfs, names, oneLine, run, withDir } from "./_isolated.ts";

Deno.test("segcam image -o out.bmp, out.txt or out (no extension) is refused with the formats it writes", async () => {
  await withDir(async (dir) => {
    for (const out of ["out.bmp", "out.txt", "out"]) {
      const r = await run(["image", PHOTO, "-o", `${dir}/${out}`]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        oneLine(r),
        /Cannot tell the image format of .*; end it in \.png, \.jpg or \.jpeg/,
      );
    }
    assert.deepEqual(names(dir), []);
  });
});

Deno.test("segcam live -o out.png, .gif or .txt is refused before the model loads, naming the file the user gave", async () => {
  await withDir(async (dir) => {
    for (const out of ["out.png", "out.gif", "out.txt"]) {
      const r = await run([
        "live",
        "-i",
        "demo",
        "-o",
        `${dir}/${out}`,
        "--no-tui",
        "--frames",
        "3",
      ]);
      assert.equal(r.code, 2, r.stderr);
      const line = oneLine(r);
      assert.match(
        line,
        new RegExp(`Cannot tell the video format of ${dir}/${out}; end it in \\.mp4`),
      );
      assert.doesNotMatch(line, /segcam-tmp|inference/);
    }
    assert.deepEqual(names(dir), []);
  });
});

Deno.test("segcam refuses --fps 1e12, --quality 1000 and fps = 1e308 in the config, before any work", async () => {
  await withDir(async (dir) => {
    const fps = await run(["live", "-i", "demo", "--fps", "1e12", "-o", `${dir}/o.mp4`]);
    assert.equal(fps.code, 2, fps.stderr);
    assert.match(oneLine(fps), /--fps takes a whole number from 1 to 240, got "1e12"/);
    const quality = await run(["image", PHOTO, "--quality", "1000", "-o", `${dir}/o.jpg`]);
    assert.equal(quality.code, 2, quality.stderr);
    assert.match(oneLine(quality), /--quality takes a whole number from 1 to 100, got "1000"/);
    assert.doesNotMatch(quality.stderr, /inference on/);
    await Deno.mkdir(`${dir}/xdg/segcam`, { recursive: true });
    await Deno.writeTextFile(`${dir}/xdg/segcam/config.toml`, "[live]\nfps = 1e308\n");
    const config = await run(["live", "-i", "demo", "-o", `${dir}/o.mp4`, "--no-tui"], {
      env: { XDG_CONFIG_HOME: `${dir}/xdg` },
    });
    assert.equal(config.code, 2, config.stderr);
    assert.match(oneLine(config), /fps/);
    assert.deepEqual(names(dir), ["xdg"]);
  });
});

Deno.test("'-' is stdout or refused: image, mask, video and convert refuse -o - and write no file named -", async () => {
  await withDir(async (dir) => {
    const cases = [
      ["image", PHOTO, "-o", "-"],
      ["mask", PHOTO, "-o", "-"],
      ["video", PHOTO, "-o", "-"],
      ["convert", PHOTO, "-o", "-"],
    ];
    for (const args of cases) {
      const r = await run(args, { cwd: dir });
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(oneLine(r), /cannot write to stdout \(-\); give a file name/);
    }
    assert.deepEqual(names(dir), []);
  });
});

Deno.test("'-' as an input is refused by image, mask, video and convert, not read from stdin", async () => {
  await withDir(async (dir) => {
    const cases = [
      ["image", "-", "-o", "o.png"],
      ["mask", "-", "-o", "m.png"],
      ["video", "-", "-o", "v.mp4"],
      ["video", PHOTO, "-o", "v.mp4", "--effect", "replace", "-b", "-"],
      ["convert", "-", "-o", "m.onnx"],
    ];
    for (const args of cases) {
      const r = await run(args, { cwd: dir, stdin: "piped" });
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(oneLine(r), /cannot read stdin \(-\); give a file/);
    }
    assert.deepEqual(names(dir), []);
  });
});

Deno.test("segcam image --format jpg -o x.png is refused as a contradiction", async () => {
  await withDir(async (dir) => {
    const r = await run(["image", PHOTO, "--format", "jpg", "-o", `${dir}/x.png`]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(oneLine(r), /--format jpg contradicts the output .*x\.png/);
    assert.deepEqual(names(dir), []);
  });
});

Deno.test({
  name: "segcam mask -o m.png --raw m.f32 on a full disk fails in one line and leaves neither file",
  ignore: !(await canMountTmpfs()), // needs root and mount namespaces (unshare -m)
  fn: async () => {
    await withDir(async (dir) => {
      const disk = `${dir}/disk`;
      await Deno.mkdir(disk);
      // The mask PNG (a few KiB) fits in 64 KiB; the 147 or 256 KiB float map does not.
      const r = await run(["mask", PHOTO, "-o", `${disk}/m.png`, "--raw", `${disk}/m.f32`], {
        fullDisk: { dir: disk, kib: 64, listing: `${dir}/listing` },
      });
      assert.equal(r.code, 1, r.stderr);
      assert.match(oneLine(r), /disk is full/);
      assert.equal(await Deno.readTextFile(`${dir}/listing`), "");
    });
  },
});

Deno.test("a legal 249-byte output name is written (its temporary name is cut to fit), a 264-byte one refused up front", async () => {
  await withDir(async (dir) => {
    const long = `${"a".repeat(245)}.png`;
    const ok = await run(["mask", PHOTO, "-o", `${dir}/${long}`]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(names(dir), [long]);
    const tooLong = `${"b".repeat(260)}.png`;
    const r = await run(["mask", PHOTO, "-o", `${dir}/${tooLong}`]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      oneLine(r),
      /its name is 264 bytes, more than the 255 a file system allows; choose a shorter name$/,
    );
    assert.doesNotMatch(r.stderr, /inference on/);
    assert.deepEqual(names(dir), [long]);
  });
});

const hasScript = await new Deno.Command("script", { args: ["--version"], stdout: "null" })
  .output().then((o) => o.success, () => false);

Deno.test({
  name:
    "segcam live -o - on a terminal is refused in one line instead of printing raw frames on it",
  ignore: !hasScript, // script(1) from util-linux gives the run a terminal
}, async () => {
  await withDir(async (dir) => {
    const segcam = [Deno.execPath(), "run", ...PERMISSIONS, MAIN].join(" ");
    const out = await new Deno.Command("script", {
      args: ["-qc", `${segcam} live -i demo -o - --frames 2 --no-tui`, "/dev/null"],
      env: { NO_COLOR: "1", XDG_CONFIG_HOME: dir },
      stdin: "null",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.ok(out.stdout.length < 2000, `${out.stdout.length} bytes reached the terminal`);
    assert.match(text, /segcam: -o - writes raw frames to stdout, which is a terminal here/);
    assert.doesNotMatch(text, /inference on/);
  });
});

Deno.test("an output folder segcam cannot write to is refused before the model loads (mask, image, video)", async () => {
  if (!(await canMountTmpfs())) {
    console.log("skipped: mounting a read-only tmpfs is refused here");
    return;
  }
  await withDir(async (dir) => {
    const ro = `${dir}/ro`;
    await Deno.mkdir(ro);
    const cases = [
      ["mask", PHOTO, "-o", `${ro}/m.png`],
      ["image", PHOTO, "-o", `${ro}/i.png`],
      [
        "video",
        `${new URL("../../samples/talk.mp4", import.meta.url).pathname}`,
        "-o",
        `${ro}/v.mp4`,
      ],
    ];
    for (const args of cases) {
      // Mode bits would not stop root: a read-only mount stops everyone.
      const r = await run(args, {
        fullDisk: { dir: ro, kib: 64, before: `mount -o remount,ro "${ro}" || exit 98` },
      });
      assert.equal(r.code, 1, `${args[0]}: ${r.stderr}`);
      assert.match(
        oneLine(r),
        new RegExp(`Cannot write ${ro}/\\w\\.\\w+: the file system is read-only`),
      );
      assert.doesNotMatch(r.stderr, /inference on/, `${args[0]} checked before the model loaded`);
    }
  });
});
