import assert from "node:assert/strict";
import { mkvReadableFrames } from "../../src/io/mkv_index.ts";
import { ffmpeg, ffprobePackets } from "../_media.ts";
import { withDir } from "../faults/_isolated.ts";

const PICTURE = ["-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=1"];
const TONE = ["-f", "lavfi", "-i", "sine=f=440:d=1"];

Deno.test("mkvReadableFrames() counts what ffprobe counts in the Matroska and WebM files ffmpeg writes", async () => {
  await withDir(async (dir) => {
    const files: Record<string, string[]> = {
      "h264.mkv": [...PICTURE, ...TONE, "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"],
      "vp9.webm": [...PICTURE, ...TONE, "-c:v", "libvpx-vp9", "-deadline", "realtime"],
      // Transparency: VP9 keeps the alpha in BlockGroups' additions, as segcam writes it.
      "alpha.webm": [
        ...PICTURE,
        ...["-vf", "format=yuva420p", "-c:v", "libvpx-vp9", "-deadline", "realtime"],
      ],
    };
    for (const [name, args] of Object.entries(files)) {
      await ffmpeg([...args, `${dir}/${name}`]);
      assert.equal(await ffprobePackets(`${dir}/${name}`), 25, name);
      assert.equal(await mkvReadableFrames(`${dir}/${name}`), 25, name);
    }
  });
});

Deno.test("mkvReadableFrames() counts only the whole blocks a cut file still holds, as ffprobe", async () => {
  await withDir(async (dir) => {
    await ffmpeg([...PICTURE, "-c:v", "libx264", "-preset", "ultrafast", `${dir}/whole.mkv`]);
    const bytes = await Deno.readFile(`${dir}/whole.mkv`);
    let previous = 25;
    for (const keep of [0.999, 0.9, 0.6, 0.3, 0.1]) {
      const cut = `${dir}/cut.mkv`;
      await Deno.writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * keep)));
      const counted = await mkvReadableFrames(cut);
      assert.equal(counted, await ffprobePackets(cut), `keep ${keep}`);
      assert.ok(counted! < 25 && counted! <= previous, `keep ${keep}: ${counted}`);
      previous = counted!;
    }
  });
});

Deno.test("mkvReadableFrames() leaves to ffprobe what is not a Matroska file it can read", async () => {
  await withDir(async (dir) => {
    await ffmpeg([...PICTURE, "-c:v", "libx264", "-preset", "ultrafast", `${dir}/clip.mp4`]);
    await Deno.writeFile(`${dir}/empty.mkv`, new Uint8Array(0));
    await Deno.writeFile(`${dir}/noise.mkv`, crypto.getRandomValues(new Uint8Array(4096)));
    for (const name of ["clip.mp4", "empty.mkv", "noise.mkv", "missing.mkv"]) {
      assert.equal(await mkvReadableFrames(`${dir}/${name}`), undefined, name);
    }
  });
});

/** An EBML element: its id's bytes, an 8-byte size (or unknown), then its data. */
function element(id: number[], data: Uint8Array, unknownSize = false): Uint8Array {
  const size = new Uint8Array(8);
  if (unknownSize) size.set([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  else {
    size[0] = 0x01;
    new DataView(size.buffer).setUint32(4, data.length);
  }
  return new Uint8Array([...id, ...size, ...data]);
}

const join = (...parts: Uint8Array[]) => new Uint8Array(parts.flatMap((part) => [...part]));

/** A block's data: track number (1-byte vint), timecode, flags, then the frame. */
const block = (track: number, flags = 0x80) => new Uint8Array([0x80 | track, 0, 0, flags, 1, 2, 3]);

function matroska(...clusters: Uint8Array[]): Uint8Array {
  const header = element(
    [0x1a, 0x45, 0xdf, 0xa3],
    element([0x42, 0x82], new TextEncoder().encode("matroska")),
  );
  // Track 2 is the video (TrackType 1), track 1 sound (2): found by type, not by place.
  const entry = (number: number, type: number) =>
    element(
      [0xae],
      join(element([0xd7], Uint8Array.of(number)), element([0x83], Uint8Array.of(type))),
    );
  const tracks = element([0x16, 0x54, 0xae, 0x6b], join(entry(1, 2), entry(2, 1)));
  return join(header, element([0x18, 0x53, 0x80, 0x67], join(tracks, ...clusters)));
}

const cluster = (...blocks: Uint8Array[]) => element([0x1f, 0x43, 0xb6, 0x75], join(...blocks));
const simple = (track: number, flags?: number) => element([0xa3], block(track, flags));
const group = (track: number) =>
  element([0xa0], join(element([0xa1], block(track)), element([0x9b], Uint8Array.of(1))));

Deno.test("mkvReadableFrames() counts the video track's simple blocks and block groups, not the sound's", async () => {
  await withDir(async (dir) => {
    const write = async (bytes: Uint8Array) => {
      await Deno.writeFile(`${dir}/made.mkv`, bytes);
      return await mkvReadableFrames(`${dir}/made.mkv`);
    };
    assert.equal(
      await write(matroska(cluster(simple(2), simple(1), group(2)), cluster(simple(2)))),
      3,
    );
    // A cluster the muxer never closed (size unknown) ends the count with the frames before.
    const open = element([0x1f, 0x43, 0xb6, 0x75], join(simple(2), simple(2)), true);
    assert.equal(await write(matroska(cluster(simple(2)), open)), 1);
    // Laced video (several frames a block) is not counted here: ffprobe counts it.
    assert.equal(await write(matroska(cluster(simple(2, 0x82)))), undefined);
    // Bytes that are no element in the middle of a cluster: not the muxer's shape.
    assert.equal(
      await write(matroska(cluster(simple(2), new Uint8Array(20), simple(2)))),
      undefined,
    );
    // A sound block may be laced; it is not the video's.
    assert.equal(await write(matroska(cluster(simple(1, 0x82), simple(2)))), 1);
  });
});
