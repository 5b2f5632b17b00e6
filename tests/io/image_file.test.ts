import assert from "node:assert/strict";
import { blackBitmapPng } from "../_png.ts";
import { Image } from "imagescript";
import { InputError, OutputError, UsageError } from "../../src/errors.ts";
import type { Frame } from "../../src/frame.ts";
import {
  encodeGrayPng,
  encodeImage,
  imageFormatOf,
  jpegOrientation,
  MAX_IMAGE_PIXELS,
  readImage,
  writeImage,
} from "../../src/io/image_file.ts";

const FIXTURES = new URL("../fixtures/", import.meta.url).pathname;
const IS_ROOT = Deno.uid() === 0;

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "segcam-image-" });
  try {
    await fn(dir);
  } finally {
    await Deno.chmod(dir, 0o755).catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
}

/** Decodes an image file with ffmpeg (an independent decoder) to raw pixels. */
async function ffmpegDecode(path: string, pixFmt: "rgba" | "gray"): Promise<Uint8Array> {
  const { code, stdout, stderr } = await new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", pixFmt, "-"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return stdout;
}

async function ffprobePixFmt(path: string): Promise<string> {
  const { stdout } = await new Deno.Command("ffprobe", {
    args: ["-v", "error", "-show_entries", "stream=pix_fmt", "-of", "csv=p=0", path],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(stdout).trim();
}

// --- EXIF orientation -------------------------------------------------------------------

/** 16-pixel blocks, big enough that JPEG chroma subsampling cannot blur their centres. */
const BLOCK = 16;
const COLORS: Record<string, [number, number, number]> = {
  R: [255, 0, 0],
  G: [0, 255, 0],
  B: [0, 0, 255],
  Y: [255, 255, 0],
  M: [255, 0, 255],
  C: [0, 255, 255],
};
/** The stored (unrotated) picture: 3 blocks wide, 2 tall. */
const STORED = ["RGB", "YMC"];
/**
 * What a viewer shows for each EXIF orientation, written out by hand from the EXIF 2.3
 * description of tag 0x0112 ("the 0th row is the visual top/right/…").
 */
const DISPLAYED: Record<number, string[]> = {
  1: ["RGB", "YMC"],
  2: ["BGR", "CMY"], // mirrored left-right
  3: ["CMY", "BGR"], // rotated 180°
  4: ["YMC", "RGB"], // mirrored top-bottom
  5: ["RY", "GM", "BC"], // transposed
  6: ["YR", "MG", "CB"], // rotated 90° clockwise
  7: ["CB", "MG", "YR"], // transverse
  8: ["BC", "GM", "RY"], // rotated 90° counter-clockwise
};

function blockFrame(layout: string[]): Frame {
  const width = layout[0].length * BLOCK;
  const height = layout.length * BLOCK;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set(COLORS[layout[Math.floor(y / BLOCK)][Math.floor(x / BLOCK)]], (y * width + x) * 3);
    }
  }
  return { data, width, height, channels: 3 };
}

/** Asserts each block centre of `frame` is within JPEG tolerance of the colour in `layout`. */
function assertBlocks(frame: Frame, layout: string[], what: string): void {
  assert.equal(frame.width, layout[0].length * BLOCK, `${what}: width`);
  assert.equal(frame.height, layout.length * BLOCK, `${what}: height`);
  for (let row = 0; row < layout.length; row++) {
    for (let col = 0; col < layout[row].length; col++) {
      const x = col * BLOCK + BLOCK / 2;
      const y = row * BLOCK + BLOCK / 2;
      const at = (y * frame.width + x) * frame.channels;
      const seen = [...frame.data.subarray(at, at + 3)];
      const want = COLORS[layout[row][col]];
      const close = seen.every((v, i) => Math.abs(v - want[i]) <= 40);
      assert.ok(close, `${what}: block (${col},${row}) should be ${layout[row][col]}, got ${seen}`);
    }
  }
}

/** An APP1 Exif segment whose IFD0 holds Make (stored out of line) then Orientation. */
function exifSegment(orientation: number, littleEndian: boolean): Uint8Array {
  const tiff = new Uint8Array(8 + 2 + 2 * 12 + 4 + 8);
  const v = new DataView(tiff.buffer);
  tiff.set(littleEndian ? [0x49, 0x49] : [0x4d, 0x4d]);
  v.setUint16(2, 42, littleEndian);
  v.setUint32(4, 8, littleEndian); // IFD0 right after the header
  v.setUint16(8, 2, littleEndian); // two entries
  // 0x010F Make, ASCII, 8 bytes at offset 38 (beyond 4 bytes, so stored by offset)
  v.setUint16(10, 0x010f, littleEndian);
  v.setUint16(12, 2, littleEndian);
  v.setUint32(14, 8, littleEndian);
  v.setUint32(18, 38, littleEndian);
  // 0x0112 Orientation, SHORT, count 1, value in the first 2 bytes of the value field
  v.setUint16(22, 0x0112, littleEndian);
  v.setUint16(24, 3, littleEndian);
  v.setUint32(26, 1, littleEndian);
  v.setUint16(30, orientation, littleEndian);
  v.setUint32(34, 0, littleEndian); // no IFD1
  tiff.set(new TextEncoder().encode("segcam\0\0"), 38);
  const payload = new Uint8Array(6 + tiff.length);
  payload.set(new TextEncoder().encode("Exif\0\0"));
  payload.set(tiff, 6);
  const segment = new Uint8Array(4 + payload.length);
  segment.set([0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]);
  segment.set(payload, 4);
  return segment;
}

/** Inserts `segment` right after the JPEG's SOI marker. */
function withSegment(jpeg: Uint8Array, segment: Uint8Array): Uint8Array {
  const out = new Uint8Array(jpeg.length + segment.length);
  out.set(jpeg.subarray(0, 2));
  out.set(segment, 2);
  out.set(jpeg.subarray(2), 2 + segment.length);
  return out;
}

Deno.test("readImage() applies each of the 8 EXIF orientations of a JPEG", async () => {
  const plain = await encodeImage(blockFrame(STORED), "jpeg", { quality: 95 });
  await withTempDir(async (dir) => {
    for (const littleEndian of [false, true]) {
      for (let orientation = 1; orientation <= 8; orientation++) {
        const path = `${dir}/o${orientation}.jpg`;
        await Deno.writeFile(path, withSegment(plain, exifSegment(orientation, littleEndian)));
        const frame = await readImage(path);
        assert.equal(frame.channels, 4);
        const order = littleEndian ? "II" : "MM";
        assertBlocks(frame, DISPLAYED[orientation], `orientation ${orientation} (${order})`);
      }
    }
  });
});

Deno.test("readImage() rotates a JPEG whose EXIF was written by exiftool (Rotate 90 CW)", async () => {
  // tests/fixtures/exif_orientation_6.jpg: the STORED 48x32 layout, then
  // `exiftool -n -Orientation=6`, which writes a big-endian IFD0 with 5 entries.
  const bytes = await Deno.readFile(`${FIXTURES}exif_orientation_6.jpg`);
  assert.equal(jpegOrientation(bytes), 6);
  assertBlocks(await readImage(`${FIXTURES}exif_orientation_6.jpg`), DISPLAYED[6], "exiftool 6");
});

Deno.test("jpegOrientation() is 1 without EXIF, after an XMP APP1, and for a bad value", async () => {
  const plain = await encodeImage(blockFrame(STORED), "jpeg");
  assert.equal(jpegOrientation(plain), 1);
  const xmp = new TextEncoder().encode("http://ns.adobe.com/xap/1.0/\0<x/>");
  const xmpSegment = new Uint8Array([0xff, 0xe1, 0, xmp.length + 2, ...xmp]);
  const both = withSegment(withSegment(plain, exifSegment(8, true)), xmpSegment);
  assert.equal(jpegOrientation(both), 8);
  assert.equal(jpegOrientation(withSegment(plain, exifSegment(9, false))), 1);
  assert.equal(jpegOrientation(withSegment(plain, exifSegment(0, true))), 1);
});

Deno.test("readImage() ignores an orientation-like tag in a PNG (EXIF rotation is JPEG only)", async () => {
  await withTempDir(async (dir) => {
    const frame = blockFrame(STORED);
    await Deno.writeFile(`${dir}/p.png`, await encodeImage(frame, "png"));
    assertBlocks(await readImage(`${dir}/p.png`), STORED, "png");
  });
});

// --- decoding real files ----------------------------------------------------------------

Deno.test("readImage() decodes the bundled PNG to the same RGBA bytes as ffmpeg", async () => {
  const path = `${FIXTURES}astronaut.png`;
  const frame = await readImage(path);
  assert.equal(frame.width, 512);
  assert.equal(frame.height, 512);
  assert.equal(frame.channels, 4);
  assert.equal(frame.data.length, 512 * 512 * 4);
  assert.deepEqual(frame.data, await ffmpegDecode(path, "rgba"));
});

// --- encoding ---------------------------------------------------------------------------

/** A small RGBA frame with every kind of value, including partial transparency. */
function rgbaSample(width = 5, height = 3): Frame {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + 11) % 256;
  return { data, width, height, channels: 4 };
}

Deno.test("encodeImage() PNG round-trips RGBA exactly (imagescript and ffmpeg agree)", async () => {
  const frame = rgbaSample();
  const png = await encodeImage(frame, "png");
  assert.equal(png[25], 6, "colour type 6 (RGBA)");
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/x.png`, png);
    assert.deepEqual((await readImage(`${dir}/x.png`)).data, frame.data);
    assert.deepEqual(await ffmpegDecode(`${dir}/x.png`, "rgba"), frame.data);
  });
});

Deno.test("encodeImage() writes an RGB frame as an RGB PNG that reads back opaque", async () => {
  const rgb = new Uint8Array([10, 20, 30, 40, 50, 60, 70, 80, 90, 250, 251, 252]);
  const png = await encodeImage({ data: rgb, width: 2, height: 2, channels: 3 }, "png");
  assert.equal(png[25], 2, "colour type 2 (RGB)");
  const decoded = await Image.decode(png);
  assert.deepEqual(
    [...decoded.bitmap],
    [10, 20, 30, 255, 40, 50, 60, 255, 70, 80, 90, 255, 250, 251, 252, 255],
  );
});

Deno.test("encodeImage() JPEG keeps a smooth image close, drops alpha and honours quality", async () => {
  const width = 64;
  const height = 48;
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set([x * 4, y * 5, 128, 77], (y * width + x) * 4); // alpha 77 must vanish
    }
  }
  const frame: Frame = { data, width, height, channels: 4 };
  const good = await encodeImage(frame, "jpeg", { quality: 95 });
  const poor = await encodeImage(frame, "jpeg", { quality: 20 });
  assert.deepEqual([...good.subarray(0, 3)], [0xff, 0xd8, 0xff]);
  assert.ok(poor.length < good.length, `q20 ${poor.length} B should be < q95 ${good.length} B`);
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/g.jpg`, good);
    const back = await readImage(`${dir}/g.jpg`);
    let error = 0;
    for (let i = 0; i < data.length; i += 4) {
      assert.equal(back.data[i + 3], 255);
      for (let c = 0; c < 3; c++) error += Math.abs(back.data[i + c] - data[i + c]);
    }
    const mean = error / (width * height * 3);
    assert.ok(mean < 2, `mean absolute error ${mean.toFixed(2)} should be < 2 at quality 95`);
  });
  await assert.rejects(
    encodeImage(frame, "jpeg", { quality: 0 }),
    (e: Error) => e instanceof UsageError && /1 to 100, got 0/.test(e.message),
  );
});

Deno.test("encodeGrayPng() writes an 8-bit grayscale PNG that decoders read back exactly", async () => {
  const width = 7;
  const height = 5;
  const gray = new Uint8Array(width * height);
  for (let i = 0; i < gray.length; i++) gray[i] = Math.round((i * 255) / (gray.length - 1));
  const png = encodeGrayPng(gray, width, height);
  assert.equal(png[24], 8, "bit depth 8");
  assert.equal(png[25], 0, "colour type 0 (grayscale)");
  const decoded = await Image.decode(png);
  for (let i = 0; i < gray.length; i++) {
    assert.deepEqual([...decoded.bitmap.subarray(i * 4, i * 4 + 4)], [
      gray[i],
      gray[i],
      gray[i],
      255,
    ]);
  }
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/m.png`, png);
    assert.equal(await ffprobePixFmt(`${dir}/m.png`), "gray");
    assert.deepEqual(await ffmpegDecode(`${dir}/m.png`, "gray"), gray);
  });
  assert.throws(() => encodeGrayPng(gray, 8, 5), /expected 40 bytes for 8x5, got 35/);
});

// --- read errors ------------------------------------------------------------------------

async function assertInputError(path: string, message: RegExp): Promise<void> {
  await assert.rejects(readImage(path), (e: Error) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${e.name}: ${e.message}`);
    assert.match(e.message, message);
    return true;
  });
}

Deno.test("readImage() names a missing file and a folder", async () => {
  await withTempDir(async (dir) => {
    await assertInputError(`${dir}/nope.jpg`, /^Cannot read .*\/nope\.jpg: no such file$/);
    await assertInputError(dir, /^Cannot read .*: it is a folder, not a file$/);
  });
});

Deno.test({
  name: "readImage() reports a file it may not read",
  // root reads any file whatever its mode, so the failure cannot be provoked as root.
  ignore: IS_ROOT,
  fn: async () => {
    await withTempDir(async (dir) => {
      await Deno.writeFile(`${dir}/secret.png`, await encodeImage(rgbaSample(), "png"));
      await Deno.chmod(`${dir}/secret.png`, 0o000);
      await assertInputError(`${dir}/secret.png`, /^Cannot read .*secret\.png: permission denied$/);
    });
  },
});

Deno.test("readImage() rejects files that are not PNG or JPEG, naming the supported formats", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/notes.png`, "hello, not a picture\n");
    await assertInputError(
      `${dir}/notes.png`,
      /notes\.png: it is not a PNG or JPEG image \(the formats segcam reads\)$/,
    );
    await Deno.writeFile(`${dir}/empty.jpg`, new Uint8Array(0));
    await assertInputError(`${dir}/empty.jpg`, /empty\.jpg: the file is empty; .*PNG and JPEG/);
    await Deno.writeFile(`${dir}/anim.gif`, new TextEncoder().encode("GIF89a\x01\0\x01\0\0\0\0;"));
    await assertInputError(
      `${dir}/anim.gif`,
      /anim\.gif: it is a GIF image, but segcam reads only PNG and JPEG; convert it to PNG or JPEG first$/,
    );
    const tiff = new Uint8Array([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 0, 0]);
    await Deno.writeFile(`${dir}/scan.tif`, tiff);
    await assertInputError(`${dir}/scan.tif`, /it is a TIFF image, but segcam reads only PNG/);
  });
});

Deno.test("readImage() calls a cut-short PNG or JPEG truncated and a garbled one damaged", async () => {
  await withTempDir(async (dir) => {
    const png = await Deno.readFile(`${FIXTURES}astronaut.png`);
    await Deno.writeFile(`${dir}/half.png`, png.subarray(0, png.length >> 1));
    await assertInputError(
      `${dir}/half.png`,
      new RegExp(
        `^The image .*half\\.png is damaged or truncated \\(it ends before the image data ` +
          `does, after ${png.length >> 1} bytes\\); export or download it again$`,
      ),
    );
    const jpeg = await encodeImage(blockFrame(STORED), "jpeg");
    const cut = jpeg.length - 200;
    await Deno.writeFile(`${dir}/cut.jpg`, jpeg.subarray(0, cut));
    await assertInputError(
      `${dir}/cut.jpg`,
      new RegExp(`cut\\.jpg is damaged or truncated \\(it ends before .* after ${cut} bytes\\)`),
    );
    // Same length, but part of the compressed pixels is overwritten: the PNG decoder
    // would not notice; the chunk's CRC does.
    const garbled = png.slice();
    const idat = indexOfAscii(garbled, "IDAT");
    garbled.fill(0, idat + 100, idat + 200);
    await Deno.writeFile(`${dir}/garbled.png`, garbled);
    await assertInputError(
      `${dir}/garbled.png`,
      /^The image .*garbled\.png is damaged or truncated \(its IDAT chunk fails its checksum\); /,
    );
    // A complete JPEG whose Huffman table (DHT segment, marker FFC4) is garbage.
    const badTable = jpeg.slice();
    const dht = badTable.findIndex((b, i) => b === 0xff && badTable[i + 1] === 0xc4);
    badTable.fill(0xff, dht + 5, dht + 25);
    await Deno.writeFile(`${dir}/table.jpg`, badTable);
    await assertInputError(
      `${dir}/table.jpg`,
      /table\.jpg is damaged or truncated \(the JPEG data cannot be decoded\)/,
    );
  });
});

function indexOfAscii(bytes: Uint8Array, text: string): number {
  const codes = [...text].map((c) => c.charCodeAt(0));
  return bytes.findIndex((_, i) => codes.every((c, k) => bytes[i + k] === c));
}

// --- writing ----------------------------------------------------------------------------

Deno.test("imageFormatOf() maps extensions case-insensitively", () => {
  assert.equal(imageFormatOf("a/b.PNG"), "png");
  assert.equal(imageFormatOf("b.jpg"), "jpeg");
  assert.equal(imageFormatOf("b.JPEG"), "jpeg");
  assert.equal(imageFormatOf("b.webp"), undefined);
  assert.equal(imageFormatOf("png"), undefined);
});

Deno.test("writeImage() picks the format from the extension and refuses others", async () => {
  await withTempDir(async (dir) => {
    const frame = rgbaSample(16, 8);
    await writeImage(`${dir}/a.png`, frame);
    await writeImage(`${dir}/b.JPG`, frame);
    assert.equal(await ffprobePixFmt(`${dir}/a.png`), "rgba");
    assert.deepEqual([...(await Deno.readFile(`${dir}/b.JPG`)).subarray(0, 2)], [0xff, 0xd8]);
    await assert.rejects(
      writeImage(`${dir}/c.webp`, frame),
      (e: Error) =>
        e instanceof UsageError &&
        e.message === `Cannot write ${dir}/c.webp: segcam writes .png, .jpg and .jpeg images; ` +
            `end the file name with one of them`,
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["a.png", "b.JPG"]);
  });
});

Deno.test("writeImage() keeps an existing file unless forced", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/keep.png`, "precious");
    await assert.rejects(
      writeImage(`${dir}/keep.png`, rgbaSample()),
      (e: Error) => e instanceof OutputError && /exists; pass --force/.test(e.message),
    );
    assert.equal(await Deno.readTextFile(`${dir}/keep.png`), "precious");
    await writeImage(`${dir}/keep.png`, rgbaSample(), { force: true });
    assert.deepEqual((await readImage(`${dir}/keep.png`)).data, rgbaSample().data);
  });
});

Deno.test("writeImage() into a folder that is a file fails and leaves nothing behind", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/file`, "x");
    await assert.rejects(
      writeImage(`${dir}/file/out.png`, rgbaSample()),
      (e: Error) => e instanceof OutputError && /is a file, not a folder/.test(e.message),
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["file"]);
  });
});

Deno.test({
  name: "writeImage() into a read-only folder fails and leaves no temporary file",
  ignore: IS_ROOT, // root writes into any folder whatever its mode; see the next test
  fn: async () => {
    await withTempDir(async (dir) => {
      await Deno.mkdir(`${dir}/ro`);
      await Deno.chmod(`${dir}/ro`, 0o555);
      await assert.rejects(
        writeImage(`${dir}/ro/out.png`, rgbaSample()),
        (e: Error) => e instanceof OutputError && /permission denied/.test(e.message),
      );
      assert.deepEqual([...Deno.readDirSync(`${dir}/ro`)], []);
    });
  },
});

Deno.test("writeImage() failing in mid-write (file size limit) removes its temporary file", async () => {
  // A write that fails after the temporary file exists, even as root: a child process
  // limited to 4 KiB files (ulimit -f; SIGXFSZ ignored so write() returns EFBIG).
  await withTempDir(async (dir) => {
    const script = `${dir}/write.ts`;
    await Deno.writeTextFile(
      script,
      `import { writeImage } from ${
        JSON.stringify(import.meta.resolve("../../src/io/image_file.ts"))
      };
const data = new Uint8Array(128 * 128 * 4);
let seed = 2463534242; // xorshift32 noise: incompressible, so the PNG is ~64 KiB
for (let i = 0; i < data.length; i++) {
  seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
  data[i] = seed >>> 24;
}
try {
  await writeImage(Deno.args[0], { data, width: 128, height: 128, channels: 4 });
} catch (error) {
  console.error(error.name + ": " + error.message);
  Deno.exit(1);
}`,
    );
    await Deno.mkdir(`${dir}/out`);
    const config = new URL("../../deno.json", import.meta.url).pathname;
    const { code, stderr } = await new Deno.Command("bash", {
      args: [
        "-c",
        `trap '' XFSZ; ulimit -f 4; exec "${Deno.execPath()}" run --quiet --config "${config}" ` +
        `--allow-read --allow-write --allow-env --allow-sys --allow-ffi "${script}" "${dir}/out/big.png"`,
      ],
      stderr: "piped",
    }).output();
    const message = new TextDecoder().decode(stderr);
    assert.equal(code, 1, message);
    assert.match(message, /^OutputError: Cannot write .*big\.png: /);
    assert.deepEqual([...Deno.readDirSync(`${dir}/out`)], []);
  });
});

Deno.test("readImage() refuses a valid 20000x20000 PNG up front, naming its size and the limit", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/huge.png`, blackBitmapPng(20000, 20000));
    await assert.rejects(readImage(`${dir}/huge.png`), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(
        error.message,
        `The image ${dir}/huge.png is 20000x20000 (400 megapixels), more than segcam's limit of 120 megapixels; scale it down first (e.g. ffmpeg -i ${dir}/huge.png -vf scale=iw/2:-1 smaller.png)`,
      );
      return true;
    });
    assert.ok(MAX_IMAGE_PIXELS === 120_000_000);
    // Just under the limit in one dimension is still read (a 1-pixel-high strip).
    await Deno.writeFile(`${dir}/strip.png`, blackBitmapPng(30000, 1));
    const strip = await readImage(`${dir}/strip.png`);
    assert.deepEqual([strip.width, strip.height, strip.data[0], strip.data[3]], [30000, 1, 0, 255]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readImage() refuses a JPEG whose frame header says 30000x30000", async () => {
  const bytes = await Deno.readFile(`${FIXTURES}exif_orientation_6.jpg`);
  let sof = -1;
  for (let i = 2; i + 1 < bytes.length; i++) {
    if (bytes[i] === 0xff && (bytes[i + 1] === 0xc0 || bytes[i + 1] === 0xc2)) {
      sof = i;
      break;
    }
  }
  assert.ok(sof > 0, "the fixture has a SOF0/SOF2 segment");
  const view = new DataView(bytes.buffer);
  view.setUint16(sof + 5, 30000); // height
  view.setUint16(sof + 7, 30000); // width
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/huge.jpg`, bytes);
    await assert.rejects(
      readImage(`${dir}/huge.jpg`),
      new RegExp(`^InputError: The image ${dir}/huge\\.jpg is 30000x30000 \\(900 megapixels\\)`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readImage() does not call an image damaged when its decoder's module fails to load", async () => {
  await withTempDir(async (dir) => {
    // Run from outside the project (no import map): `import("imagescript")` fails there,
    // as it would with a broken npm cache. The failure must be told as what it is.
    const script = `${dir}/read.ts`;
    await Deno.writeTextFile(
      script,
      `import { readImage } from ${
        JSON.stringify(new URL("../../src/io/image_file.ts", import.meta.url).href)
      };
try { await readImage(${JSON.stringify(`${FIXTURES}astronaut.png`)}); console.log("decoded"); }
catch (e) { console.log(e.constructor.name + ": " + e.message); }`,
    );
    const { stdout } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-env", "--no-config", script],
      cwd: dir,
    }).output();
    const said = new TextDecoder().decode(stdout);
    assert.doesNotMatch(said, /damaged or truncated/, said);
    assert.match(said, /imagescript/, said);
  });
});
