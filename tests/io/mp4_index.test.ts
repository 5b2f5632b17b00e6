import assert from "node:assert/strict";
import { mp4ReadableFrames } from "../../src/io/mp4_index.ts";
import { ffmpeg, ffprobePackets } from "../_media.ts";
import { withDir } from "../faults/_isolated.ts";

/** 25 frames of 64x48 with a tone, so video and audio chunks interleave in the file. */
function clipArgs(out: string, ...extra: string[]): string[] {
  return [
    ...["-f", "lavfi", "-i", "testsrc2=s=64x48:r=25:d=1"],
    ...["-f", "lavfi", "-i", "sine=f=440:d=1"],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"],
    ...extra,
    out,
  ];
}

/**
 * A picture alone (the file's last bytes are its last frame's), large enough that the
 * index at the front is a small part of the file.
 */
function videoArgs(out: string, ...extra: string[]): string[] {
  return [
    ...["-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=1"],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
    ...extra,
    out,
  ];
}

Deno.test("mp4ReadableFrames() counts what ffprobe counts in the MP4 and MOV files ffmpeg writes", async () => {
  await withDir(async (dir) => {
    const files = {
      "faststart.mp4": ["-movflags", "+faststart"],
      "index-last.mp4": [],
      "faststart.mov": ["-movflags", "+faststart"],
    };
    for (const [name, extra] of Object.entries(files)) {
      await ffmpeg(clipArgs(`${dir}/${name}`, ...extra));
      assert.equal(await ffprobePackets(`${dir}/${name}`), 25, name);
      assert.equal(await mp4ReadableFrames(`${dir}/${name}`), 25, name);
    }
  });
});

Deno.test("mp4ReadableFrames() counts only the frames whose bytes a cut file still holds", async () => {
  await withDir(async (dir) => {
    await ffmpeg(videoArgs(`${dir}/whole.mp4`, "-movflags", "+faststart"));
    const bytes = await Deno.readFile(`${dir}/whole.mp4`);
    let previous = -1;
    // From the whole file down to its index alone, as a full disk leaves it.
    for (const keep of [1, 0.999, 0.9, 0.7, 0.5, 0.3, 0.1]) {
      const cut = `${dir}/cut.mp4`;
      await Deno.writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * keep)));
      const indexed = await mp4ReadableFrames(cut), probed = await ffprobePackets(cut);
      assert.notEqual(indexed, undefined, `keep ${keep}`);
      // ffprobe also counts a last frame it reads only in part; the index never does.
      assert.ok(
        indexed! <= probed && indexed! >= probed - 1,
        `keep ${keep}: ${indexed} / ${probed}`,
      );
      if (keep < 1) assert.ok(indexed! < 25, `keep ${keep}: a cut file is not whole`);
      if (previous >= 0) assert.ok(indexed! <= previous, "fewer bytes never hold more frames");
      previous = indexed!;
    }
    assert.ok(previous < 10, `a tenth of the file holds ${previous} frames`);
  });
});

Deno.test("mp4ReadableFrames() leaves to ffprobe what is not a plain, whole MP4", async () => {
  await withDir(async (dir) => {
    await ffmpeg(clipArgs(`${dir}/index-last.mp4`));
    await ffmpeg(clipArgs(`${dir}/fragments.mp4`, "-movflags", "frag_keyframe+empty_moov"));
    await ffmpeg(clipArgs(`${dir}/clip.mkv`));
    // The index at the end, cut off: the moov is gone, so there is nothing to read.
    const bytes = await Deno.readFile(`${dir}/index-last.mp4`);
    await Deno.writeFile(`${dir}/no-index.mp4`, bytes.subarray(0, bytes.length - 500));
    await Deno.writeFile(`${dir}/empty.mp4`, new Uint8Array(0));
    await Deno.writeFile(`${dir}/noise.mp4`, crypto.getRandomValues(new Uint8Array(4096)));
    for (const name of ["fragments.mp4", "clip.mkv", "no-index.mp4", "empty.mp4", "noise.mp4"]) {
      assert.equal(await mp4ReadableFrames(`${dir}/${name}`), undefined, name);
    }
    assert.equal(await mp4ReadableFrames(`${dir}/missing.mp4`), undefined);
    // What ffprobe then says of them: the fragments and the Matroska file are whole.
    assert.equal(await ffprobePackets(`${dir}/fragments.mp4`), 25);
    assert.equal(await ffprobePackets(`${dir}/no-index.mp4`), 0);
  });
});

/** An ISO box: 32-bit size, type, contents. */
function box(type: string, ...parts: Uint8Array[]): Uint8Array {
  const length = 8 + parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(length);
  new DataView(out.buffer).setUint32(0, length);
  out.set(new TextEncoder().encode(type), 4);
  let at = 8;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Big-endian words: 32-bit numbers, or 64-bit where given as bigint. */
function words(...values: (number | bigint)[]): Uint8Array {
  const out = new Uint8Array(
    values.reduce<number>((n, v) => n + (typeof v === "bigint" ? 8 : 4), 0),
  );
  const view = new DataView(out.buffer);
  let at = 0;
  for (const value of values) {
    if (typeof value === "bigint") {
      view.setBigUint64(at, value);
      at += 8;
    } else {
      view.setUint32(at, value);
      at += 4;
    }
  }
  return out;
}

Deno.test("mp4ReadableFrames() reads 64-bit chunk offsets, a shared sample size and runs of chunks", async () => {
  await withDir(async (dir) => {
    // Three chunks of the video track: 2 samples, then 2, then 1 (stsc's runs), each
    // sample 100 bytes (stsz's one size); co64 offsets after the index, in the file.
    const trak = (handler: string, table: Uint8Array[]) =>
      box(
        "trak",
        box(
          "mdia",
          box("hdlr", words(0, 0), new TextEncoder().encode(handler), words(0, 0, 0)),
          box("minf", box("stbl", ...table)),
        ),
      );
    const build = (offsets: bigint[]) => {
      const video = trak("vide", [
        box("stsz", words(0, 100, 5)),
        box("stsc", words(0, 2, 1, 2, 1, 3, 1, 1)),
        box("co64", words(0, offsets.length), words(...offsets)),
      ]);
      // A sound track first: the video track is found by its handler, not its place.
      const sound = trak("soun", [
        box("stsz", words(0, 0, 1, 10)),
        box("stsc", words(0, 1, 1, 1, 1)),
        box("stco", words(0, 1, 0)),
      ]);
      return [box("ftyp", new TextEncoder().encode("isom"), words(0)), box("moov", sound, video)];
    };
    const head = build([0n, 0n, 0n]).reduce((n, part) => n + part.length, 0);
    const start = BigInt(head + 8); // after the mdat's own header
    const [ftyp, moov] = build([start, start + 200n, start + 400n]);
    const mdat = box("mdat", new Uint8Array(500));
    const file = new Uint8Array([...ftyp, ...moov, ...mdat]);
    await Deno.writeFile(`${dir}/made.mp4`, file);
    assert.equal(await mp4ReadableFrames(`${dir}/made.mp4`), 5);
    // Cut inside the third chunk's only sample, then inside the second chunk's second.
    await Deno.writeFile(`${dir}/made.mp4`, file.subarray(0, file.length - 1));
    assert.equal(await mp4ReadableFrames(`${dir}/made.mp4`), 4);
    await Deno.writeFile(`${dir}/made.mp4`, file.subarray(0, file.length - 150));
    assert.equal(await mp4ReadableFrames(`${dir}/made.mp4`), 3);
  });
});
