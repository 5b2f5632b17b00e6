/** A valid but huge PNG is refused up front with the limit named, not called undecodable. */
import assert from "node:assert/strict";
import { crc32, deflateSync } from "node:zlib";
import { isOneLineError, listDir, segcam, withTempDir } from "../cli/_run.ts";

/** A valid black 1-bit grayscale PNG: 20000x20000 is 50 MB of zeros, 50 KB deflated. */
function blackBitmapPng(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(data, 8);
    view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr[8] = 1; // bit depth 1, colour type 0 (gray)
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", new Uint8Array(deflateSync(new Uint8Array((1 + width / 8) * height)))),
    chunk("IEND", new Uint8Array(0)),
  ];
  const png = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (png.set(p, at), at + p.length), 0);
  return png;
}

Deno.test("segcam image and mask: a 20000x20000 PNG is one line naming the 120 MP limit", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/huge.png`, blackBitmapPng(20000, 20000));
    const expected =
      `segcam: The image ${dir}/huge.png is 20000x20000 (400 megapixels), more than segcam's limit of 120 megapixels; scale it down first (e.g. ffmpeg -i ${dir}/huge.png -vf scale=iw/2:-1 smaller.png)`;
    for (
      const args of [["image", `${dir}/huge.png`], [
        "mask",
        `${dir}/huge.png`,
        "-o",
        `${dir}/m.png`,
      ]]
    ) {
      const r = await segcam(args);
      assert.equal(r.code, 1, r.stderr);
      assert.ok(isOneLineError(r.stderr), r.stderr);
      assert.equal(r.stderr.trim(), expected);
      assert.deepEqual(listDir(dir), ["huge.png"]);
    }
  });
});
