/**
 * A planar YuvPicture packed for the outputs (yuv_pack.ts): the TypeScript reference
 * against ffmpeg's own conversions of the same real frame, the wasm twin against the
 * reference byte for byte, the mirror against ffmpeg's hflip and against the RGB route.
 */
import assert from "node:assert/strict";
import { ffmpegBytes as ffmpeg } from "../_media.ts";
import type { Frame } from "../../src/frame.ts";
import { mirrorInPlace } from "../../src/kernels/mirror.ts";
import { yuv420pSize, yuvj422pToRgb, yuyv422Size } from "../../src/kernels/yuv.ts";
import {
  limitedChroma,
  limitedLuma,
  mirrorYuvInPlace,
  yuvToYuv420p,
  yuvToYuyv422,
} from "../../src/kernels/yuv_pack.ts";
import {
  type ChromaLayout,
  chromaWidth,
  planesOf,
  type YuvPicture,
  yuvPictureBytes,
} from "../../src/kernels/yuv_picture.ts";
import { agree, maxDiff, wasm } from "./_agree.ts";

const SHARED_VIDEOS = new URL("../../../shared/data/videos/", import.meta.url).pathname;
const TALK = new URL("../../samples/talk.mp4", import.meta.url).pathname;

/** A real clip: the first of ../shared/data/videos, else the bundled samples/talk.mp4. */
function clip(): string {
  try {
    for (
      const entry of [...Deno.readDirSync(SHARED_VIDEOS)].sort((a, b) => a.name < b.name ? -1 : 1)
    ) {
      if (entry.name.endsWith(".mp4")) return SHARED_VIDEOS + entry.name;
    }
  } catch {
    // ../shared is absent (a plain checkout): the bundled clip is a real frame too.
  }
  return TALK;
}
const CLIP = clip();

/** CLIP's width and height. */
const NATIVE: Promise<[number, number]> = new Deno.Command("ffprobe", {
  args: ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height"]
    .concat(["-of", "csv=p=0", CLIP]),
}).output().then(({ stdout }) => {
  const [w, h] = new TextDecoder().decode(stdout).trim().split(",").map(Number);
  return [w, h];
});

const FORMATS = {
  "yuvj422p": { layout: "422", fullRange: true },
  "yuv420p": { layout: "420", fullRange: false },
  "yuv422p": { layout: "422", fullRange: false },
  "yuvj420p": { layout: "420", fullRange: true },
} as const satisfies Record<string, { layout: ChromaLayout; fullRange: boolean }>;
type Format = keyof typeof FORMATS;

/** One frame of CLIP, decoded by ffmpeg to `format`, cropped to width x height when given. */
async function picture(format: Format, width = 0, height = 0): Promise<YuvPicture> {
  const native = await NATIVE;
  const w = width || native[0], h = height || native[1];
  const data = await ffmpeg([
    "-ss",
    "1",
    "-i",
    CLIP,
    "-frames:v",
    "1",
    "-vf",
    // Cropped as 4:4:4: a crop of a 4:2:0 picture rounds odd sizes down.
    `format=yuv444p,crop=${w}:${h}:${Math.floor((native[0] - w) / 3)}:${
      Math.floor((native[1] - h) / 3)
    }`,
    "-f",
    "rawvideo",
    "-pix_fmt",
    format,
  ]);
  const pic = { data, width: w, height: h, ...FORMATS[format] };
  assert.equal(data.length, yuvPictureBytes(pic.layout, w, h));
  return pic;
}

/** What ffmpeg writes for `pic` (given as `format`) with `-f rawvideo -pix_fmt <to>`. */
function ffmpegConvert(
  pic: YuvPicture,
  format: Format,
  to: string,
  vf?: string,
  swsFlags?: string,
) {
  return ffmpeg([
    "-f",
    "rawvideo",
    "-pix_fmt",
    format,
    "-s",
    `${pic.width}x${pic.height}`,
    "-i",
    "pipe:0",
    ...(vf ? ["-vf", vf] : []),
    ...(swsFlags ? ["-sws_flags", swsFlags] : []),
    "-f",
    "rawvideo",
    "-pix_fmt",
    to,
  ], pic.data);
}

/** How many bytes differ, and by how much at most. */
function compare(got: Uint8Array, expected: Uint8Array) {
  let differ = 0;
  for (let i = 0; i < got.length; i++) if (got[i] !== expected[i]) differ++;
  return { max: maxDiff(got, expected), differ };
}

const copy = (pic: YuvPicture): YuvPicture => ({ ...pic, data: pic.data.slice() });

// ---- against ffmpeg ------------------------------------------------------------------

// The bound of each case is what was measured on desk_960x540.mp4 (960x540) and on
// samples/talk.mp4 (the fallback), the scaler flags the ones under which ffmpeg computes
// what these kernels compute.
for (
  const [from, to, flags, bound] of [
    // yuvj422p → yuyv422: ffmpeg's range map to a packed format truncates where this one
    // rounds: max 1, on about half the bytes, ours always the higher (its yuv420p output
    // below rounds: luma exact there).
    ["yuvj422p", "yuyv422", undefined, 1],
    // yuv420p → yuyv422: ffmpeg's unscaled converter (fast_bilinear) repeats each chroma
    // row for two rows, as these kernels and segcam's yuv420pToRgb do: byte-exact. Its
    // default (bicubic) instead interpolates 4:2:0 chroma between rows: up to 11 levels
    // apart on this frame (luma exact), a choice of upsampling, not an error.
    ["yuv420p", "yuyv422", "fast_bilinear", 0],
    // yuvj422p → yuv420p: ffmpeg's area scaler takes the mean of the two rows: luma exact,
    // chroma off by 1 on 1333 of 777600 bytes (desk; 740 on talk). Its default bicubic
    // filters over more rows than two: max 2 (12898 bytes; talk max 1).
    ["yuvj422p", "yuv420p", "area", 1],
    ["yuvj422p", "yuv420p", undefined, 2],
    ["yuv420p", "yuv420p", undefined, 0],
  ] as const
) {
  const kernel = to === "yuyv422" ? "yuvToYuyv422" : "yuvToYuv420p";
  Deno.test(`${kernel} from ${from} writes what ffmpeg writes (${flags ?? "default"} scaler), every byte within ${bound}, on a real frame`, async () => {
    const pic = await picture(from);
    const got = new Uint8Array(
      to === "yuyv422" ? yuyv422Size(pic.width, pic.height) : yuv420pSize(pic.width, pic.height),
    );
    if (to === "yuyv422") yuvToYuyv422(pic, got);
    else yuvToYuv420p(pic, got);
    const expected = await ffmpegConvert(pic, from, to, undefined, flags);
    const { max, differ } = compare(got, expected);
    console.log(`${from} → ${to} ${pic.width}x${pic.height}: max ${max}, ${differ} bytes differ`);
    assert.ok(max <= bound, `max difference ${max} > ${bound} (${differ} bytes differ)`);
    // Not a flat picture that any map would match.
    assert.ok(new Set(got).size > 100);
  });
}

Deno.test("mirrorYuvInPlace gives ffmpeg's hflip byte for byte at an even width (4:2:2 and 4:2:0, odd height)", async () => {
  for (const format of ["yuvj422p", "yuv420p"] as const) {
    const pic = await picture(format, 638, 359);
    const expected = await ffmpegConvert(pic, format, format, "hflip");
    const got = copy(pic);
    mirrorYuvInPlace(got);
    assert.deepEqual(got.data, expected);
    assert.ok(maxDiff(got.data, pic.data) > 50, "the picture did change");
  }
});

// ---- the reference's own behaviour ------------------------------------------------------

Deno.test("a full-range source is mapped to limited range: Y 0/255 → 16/235, chroma 0/128/255 → 16/128/240", () => {
  assert.deepEqual([0, 255, 128].map(limitedLuma), [16, 235, 126]);
  assert.deepEqual([0, 128, 255].map(limitedChroma), [16, 128, 240]);
  for (let v = 0; v < 256; v++) {
    assert.equal(limitedLuma(v), Math.round(16 + v * 219 / 255));
    assert.equal(limitedChroma(v), Math.round(128 + (v - 128) * 224 / 255));
  }
  // 2x2, 4:2:2 full range: Y, then U and V, one sample a row.
  const pic: YuvPicture = {
    data: Uint8Array.from([0, 255, 128, 64, 0, 255, 128, 200]),
    width: 2,
    height: 2,
    layout: "422",
    fullRange: true,
  };
  const yuyv = new Uint8Array(8);
  yuvToYuyv422(pic, yuyv);
  assert.deepEqual([...yuyv], [16, 16, 235, 128, 126, 240, 71, 191]);
  const i420 = new Uint8Array(6);
  yuvToYuv420p(pic, i420);
  // Chroma: U mean(0, 255) = 128 → 128, V mean(128, 200) = 164 → 160.
  assert.deepEqual([...i420], [16, 235, 126, 71, 128, 160]);
});

Deno.test("a limited source is copied as is; 4:2:0 chroma rows serve two rows of yuyv422", () => {
  // 2x3 yuv420p: chroma rows 0 (rows 0, 1) and 1 (row 2).
  const pic: YuvPicture = {
    data: Uint8Array.from([1, 2, 3, 4, 5, 6, 10, 11, 20, 21]),
    width: 2,
    height: 3,
    layout: "420",
    fullRange: false,
  };
  const yuyv = new Uint8Array(12);
  yuvToYuyv422(pic, yuyv);
  assert.deepEqual([...yuyv], [1, 10, 2, 20, 3, 10, 4, 20, 5, 11, 6, 21]);
  const i420 = new Uint8Array(10);
  yuvToYuv420p(pic, i420);
  assert.deepEqual(i420, pic.data);
});

Deno.test("yuvToYuv420p from 4:2:2 averages rows 2y and 2y+1, rounding up, the last of an odd height alone", () => {
  // 1x3 yuv422p: U rows 10, 13, 99; V rows 200, 201, 7.
  const pic: YuvPicture = {
    data: Uint8Array.from([50, 60, 70, 10, 13, 99, 200, 201, 7]),
    width: 1,
    height: 3,
    layout: "422",
    fullRange: false,
  };
  const out = new Uint8Array(yuv420pSize(1, 3));
  yuvToYuv420p(pic, out);
  assert.deepEqual([...out], [50, 60, 70, 12, 99, 201, 7]);
});

Deno.test("mirrorYuvInPlace twice gives the picture back at even widths, and the luma at odd ones", async () => {
  for (
    const [format, w, h] of [["yuvj422p", 0, 0], ["yuv420p", 630, 11], [
      "yuv420p",
      635,
      13,
    ]] as const
  ) {
    const pic = await picture(format, w, h);
    const twice = copy(pic);
    mirrorYuvInPlace(twice);
    mirrorYuvInPlace(twice);
    if (pic.width % 2 === 0) assert.deepEqual(twice.data, pic.data);
    else assert.deepEqual(planesOf(twice).y, planesOf(pic).y);
  }
});

Deno.test("mirrorYuvInPlace at an odd width shifts chroma with the pixels: the RGB route's chroma, closer than a plain reversal", async () => {
  // testsrc2: sharp colour edges, where a one-pixel chroma shift shows (a camera frame's
  // chroma is too soft to tell the two apart beyond the RGB route's own clamping).
  const width = 645, height = 40, cw = chromaWidth(width);
  const pic: YuvPicture = {
    data: await ffmpeg(
      [
        "-f",
        "lavfi",
        "-i",
        `testsrc2=size=${width + 1}x${height},format=yuv444p,crop=${width}:${height}:0:0`,
        "-frames:v",
        "1",
      ]
        .concat(["-f", "rawvideo", "-pix_fmt", "yuvj422p"]),
    ),
    width,
    height,
    layout: "422",
    fullRange: true,
  };
  // The RGB route: to RGB, flip, then each pair's chroma (full range, JPEG's matrix) from
  // the mean of its pixels', as rgbToYuyv422 takes it.
  const rgb: Frame = { data: new Uint8Array(width * height * 3), width, height, channels: 3 };
  yuvj422pToRgb(pic.data, rgb);
  mirrorInPlace(rgb);
  const route = new Float64Array(2 * cw * height);
  for (let y = 0; y < height; y++) {
    for (let cx = 0; cx < cw; cx++) {
      let r = 0, g = 0, b = 0, n = 0;
      for (let x = 2 * cx; x < Math.min(2 * cx + 2, width); x++, n++) {
        const p = (y * width + x) * 3;
        r += rgb.data[p];
        g += rgb.data[p + 1];
        b += rgb.data[p + 2];
      }
      r /= n, g /= n, b /= n;
      route[y * cw + cx] = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
      route[cw * height + y * cw + cx] = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
    }
  }
  const chromaError = (p: YuvPicture) => {
    const c = p.data.subarray(width * height);
    let sum = 0, max = 0;
    for (let i = 0; i < c.length; i++) {
      const e = Math.abs(c[i] - route[i]);
      sum += e;
      max = Math.max(max, e);
    }
    return { mean: sum / c.length, max };
  };
  const ours = copy(pic);
  mirrorYuvInPlace(ours);
  const reversed = copy(pic); // ffmpeg's hflip: each plane reversed on its own
  reversed.data.set(await ffmpegConvert(pic, "yuvj422p", "yuvj422p", "hflip"));
  const a = chromaError(ours), b = chromaError(reversed);
  console.log(
    `odd-width chroma vs the RGB route: ours mean ${a.mean.toFixed(2)} max ${
      a.max.toFixed(1)
    }, plain reversal mean ${b.mean.toFixed(2)} max ${b.max.toFixed(1)}`,
  );
  assert.ok(a.mean < b.mean / 2, `ours ${a.mean} vs reversal ${b.mean}`);
  // Measured: ours mean 0.53, max 32.4 (where the RGB route clamps testsrc2's saturated
  // colours); plain reversal mean 1.78, max 100.7.
  assert.ok(a.max < b.max / 2, `max ${a.max} vs reversal ${b.max}`);
  assert.deepEqual(planesOf(ours).y, planesOf(reversed).y);
});

Deno.test("yuv_pack refuses sizes that do not fit, naming the argument and the value seen", () => {
  const pic = (width: number, height: number, layout: ChromaLayout, bytes?: number) => ({
    data: new Uint8Array(bytes ?? yuvPictureBytes(layout, width, height)),
    width,
    height,
    layout,
    fullRange: true,
  });
  assert.throws(
    () => yuvToYuyv422(pic(3, 2, "422"), new Uint8Array(12)),
    /yuyv422 output: yuyv422 needs an even width, got 3/,
  );
  assert.throws(
    () => yuvToYuyv422(pic(4, 2, "422"), new Uint8Array(15)),
    /yuyv422 output: expected 16 bytes.*got 15/,
  );
  assert.throws(
    () => yuvToYuyv422(pic(4, 2, "422", 15), new Uint8Array(16)),
    /source picture: expected 16 bytes of 4:2:2 YUV for 4x2, got 15/,
  );
  assert.throws(
    () => yuvToYuv420p(pic(3, 3, "420"), new Uint8Array(14)),
    /yuv420p output: expected 17 bytes of yuv420p for 3x3, got 14/,
  );
  assert.throws(
    () => yuvToYuv420p(pic(3, 3, "422", 17), new Uint8Array(17)),
    /source picture: expected 21 bytes of 4:2:2 YUV for 3x3, got 17/,
  );
  assert.throws(
    () => yuvToYuv420p(pic(0, 3, "420", 0), new Uint8Array(0)),
    /source picture: expected a positive integer size, got 0x3/,
  );
  assert.throws(
    () => mirrorYuvInPlace(pic(4, 4, "420", 23)),
    /picture: expected 24 bytes of 4:2:0 YUV for 4x4, got 23/,
  );
  assert.throws(
    () => mirrorYuvInPlace({ ...pic(4, 4, "420"), layout: "444" as ChromaLayout }),
    /picture: expected chroma layout "420" or "422", got "444"/,
  );
});

// ---- wasm twin --------------------------------------------------------------------------

Deno.test("wasm yuvToYuyv422, yuvToYuv420p and mirrorYuvInPlace agree with the reference byte for byte (real frames, both layouts and ranges, SIMD tails)", async () => {
  for (const format of ["yuvj422p", "yuv420p", "yuv422p", "yuvj420p"] as const) {
    // Whole frame; widths that leave SIMD tails (even for yuyv422); odd sizes for the rest.
    for (const [w, h] of [[0, 0], [630, 11], [70, 3], [2, 1]] as const) {
      const pic = await picture(format, w, h);
      const label = `${format} ${pic.width}x${pic.height}`;
      agree(`yuvToYuyv422 ${label}`, 0, (k, arena) => {
        const src = arena ? { ...pic, data: arena.plane(pic.data.length) } : pic;
        if (arena) src.data.set(pic.data);
        const out = arena
          ? arena.plane(yuyv422Size(pic.width, pic.height))
          : new Uint8Array(yuyv422Size(pic.width, pic.height));
        k.yuvToYuyv422(src, out);
        return out.slice();
      });
    }
    for (const [w, h] of [[0, 0], [635, 13], [37, 5], [1, 1], [33, 2]] as const) {
      const pic = await picture(format, w, h);
      const label = `${format} ${pic.width}x${pic.height}`;
      agree(`yuvToYuv420p ${label}`, 0, (k, arena) => {
        const src = arena ? { ...pic, data: arena.plane(pic.data.length) } : pic;
        if (arena) src.data.set(pic.data);
        const size = yuv420pSize(pic.width, pic.height);
        const out = arena ? arena.plane(size) : new Uint8Array(size);
        k.yuvToYuv420p(src, out);
        return out.slice();
      });
      agree(`mirrorYuvInPlace ${label}`, 0, (k, arena) => {
        const target = arena ? { ...pic, data: arena.plane(pic.data.length) } : copy(pic);
        target.data.set(pic.data);
        k.mirrorYuvInPlace(target);
        return target.data.slice();
      });
    }
  }
});

Deno.test("wasm yuvToYuyv422 maps every full-range byte to limitedLuma and limitedChroma, in SIMD steps and tails", () => {
  // 4:2:2, 8 rows: Y rows 0..3 and U, V rows 0..7 run through all of 0..255 (V backwards),
  // so every value passes the SIMD path (32 pixels a step) as Y, as U and as V; at width
  // 66 each row's last pixel pair takes the scalar tail as well.
  for (const width of [64, 66]) {
    const height = 8, cw = width >> 1, luma = width * height;
    const data = new Uint8Array(yuvPictureBytes("422", width, height));
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) data[y * width + x] = (y * 64 + x) & 255;
      for (let x = 0; x < cw; x++) {
        data[luma + y * cw + x] = (y * 32 + x) & 255;
        data[luma + cw * height + y * cw + x] = 255 - ((y * 32 + x) & 255);
      }
    }
    const pic: YuvPicture = { data, width, height, layout: "422", fullRange: true };
    const out = new Uint8Array(yuyv422Size(width, height));
    wasm.yuvToYuyv422(pic, out);
    const seen = [new Set<number>(), new Set<number>(), new Set<number>()];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x += 2) {
        const o = (y * width + x) * 2, c = luma + y * cw + (x >> 1);
        const y0 = data[y * width + x], y1 = data[y * width + x + 1];
        const u = data[c], v = data[c + cw * height];
        assert.deepEqual(
          [out[o], out[o + 1], out[o + 2], out[o + 3]],
          [limitedLuma(y0), limitedChroma(u), limitedLuma(y1), limitedChroma(v)],
          `${width}x${height} pixel ${x},${y}: Y ${y0} ${y1} U ${u} V ${v}`,
        );
        seen[0].add(y0).add(y1);
        seen[1].add(u);
        seen[2].add(v);
      }
    }
    assert.deepEqual(seen.map((s) => s.size), [256, 256, 256]);
  }
});
