import assert from "node:assert/strict";
import { ffmpegBytes as ffmpeg } from "../_media.ts";
import { createFrame, type Frame } from "../../src/frame.ts";
import {
  rgbToYuv420p,
  yuv420pSize,
  yuv420pToRgb,
  yuv422pSize,
  yuvj422pToRgb,
} from "../../src/kernels/yuv.ts";
import { createWasmKernels } from "../../src/kernels/wasm/wasm_kernels.ts";

const raw = (format: string, width: number, height: number) => [
  "-f",
  "rawvideo",
  "-pix_fmt",
  format,
  "-s",
  `${width}x${height}`,
  "-i",
  "pipe:0",
];
const out = (format: string) => ["-f", "rawvideo", "-pix_fmt", format];

async function lavfiRgb(source: string, width: number, height: number): Promise<Frame> {
  const data = await ffmpeg([
    "-f",
    "lavfi",
    "-i",
    `${source}=size=${width}x${height}`,
    "-frames:v",
    "1",
    ...out("rgb24"),
  ]);
  return { data, width, height, channels: 3 };
}

// Both directions are compared with ffmpeg's own default conversion (swscale: BT.601,
// limited range). Where colour changes, ffmpeg filters chroma (a bicubic 2:1 down, an
// interpolating 1:2 up) and we take a 2x2 mean / the nearest sample, so chroma is compared
// where the colour is flat around the sample: that checks the colour matrix and range,
// which is what a wrong constant would break. Luma has no filtering and is compared
// everywhere.

// The TypeScript references and their wasm twins (16-bit fixed point) are held to the same
// bound.
const wasm = createWasmKernels();
const twins = [
  ["", { rgbToYuv420p, yuv420pToRgb }],
  ["wasm ", wasm],
] as const;

for (
  const [[kind, k], [source, width, height]] of twins.flatMap((t) =>
    ([["testsrc", 640, 360], ["testsrc2", 1280, 720]] as const).map((s) => [t, s] as const)
  )
) {
  Deno.test(`${kind}rgbToYuv420p() agrees with ffmpeg within 2 levels on ${source} ${width}x${height}`, async () => {
    const frame = await lavfiRgb(source, width, height);
    const expected = await ffmpeg([...raw("rgb24", width, height), ...out("yuv420p")], frame.data);
    const got = new Uint8Array(yuv420pSize(width, height));
    k.rgbToYuv420p(frame, got);
    assert.equal(expected.length, got.length);
    let luma = 0;
    for (let i = 0; i < width * height; i++) luma = Math.max(luma, Math.abs(got[i] - expected[i]));
    assert.ok(luma <= 2, `luma: max difference ${luma}`);

    const cw = width / 2, ch = height / 2;
    let chroma = 0, compared = 0;
    for (let cy = 0; cy < ch; cy++) {
      for (let cx = 0; cx < cw; cx++) {
        if (!flatRgb(frame, 2 * cx - 4, 2 * cy - 4, 10)) continue;
        compared++;
        for (const base of [width * height, width * height + cw * ch]) {
          const i = base + cy * cw + cx;
          chroma = Math.max(chroma, Math.abs(got[i] - expected[i]));
        }
      }
    }
    assert.ok(compared > cw * ch / 2, `only ${compared} of ${cw * ch} chroma samples compared`);
    assert.ok(chroma <= 2, `chroma: max difference ${chroma}`);
  });

  Deno.test(`${kind}yuv420pToRgb() agrees with ffmpeg within 2 levels on ${source} ${width}x${height}`, async () => {
    const frame = await lavfiRgb(source, width, height);
    const yuv = await ffmpeg([...raw("rgb24", width, height), ...out("yuv420p")], frame.data);
    const expected = await ffmpeg([...raw("yuv420p", width, height), ...out("rgb24")], yuv);
    const got = createFrame(width, height, 3);
    k.yuv420pToRgb(yuv, got);
    const cw = width / 2, ch = height / 2;
    let max = 0, compared = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (!flatChroma(yuv, width, height, x >> 1, y >> 1)) continue;
        compared++;
        for (let c = 0; c < 3; c++) {
          const i = (y * width + x) * 3 + c;
          max = Math.max(max, Math.abs(got.data[i] - expected[i]));
        }
      }
    }
    assert.ok(compared > width * height / 2, `only ${compared} of ${cw * ch * 4} pixels compared`);
    assert.ok(max <= 2, `max difference ${max}`);
  });
}

/** Whether the RGB frame is one colour over size×size pixels from (x0, y0), edges clamped. */
function flatRgb(frame: Frame, x0: number, y0: number, size: number): boolean {
  const { width, height, data } = frame;
  const at = (x: number, y: number) =>
    (Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))) * 3;
  const first = at(x0, y0);
  for (let y = y0; y < y0 + size; y++) {
    for (let x = x0; x < x0 + size; x++) {
      const p = at(x, y);
      if (
        data[p] !== data[first] || data[p + 1] !== data[first + 1] ||
        data[p + 2] !== data[first + 2]
      ) return false;
    }
  }
  return true;
}

/** Whether both chroma planes are constant over the 3x3 samples around (cx, cy). */
function flatChroma(yuv: Uint8Array, width: number, height: number, cx: number, cy: number) {
  const cw = width >> 1, ch = height >> 1;
  for (const base of [width * height, width * height + cw * ch]) {
    const centre = yuv[base + cy * cw + cx];
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const y = Math.min(ch - 1, Math.max(0, cy + dy)),
          x = Math.min(cw - 1, Math.max(0, cx + dx));
        if (yuv[base + y * cw + x] !== centre) return false;
      }
    }
  }
  return true;
}

Deno.test("rgbToYuv420p() gives the textbook BT.601 limited-range values", () => {
  // Black, white, red, green, blue: Y, U, V from BT.601 (Y 16..235, chroma 16..240).
  const cases: [number[], number[]][] = [
    [[0, 0, 0], [16, 128, 128]],
    [[255, 255, 255], [235, 128, 128]],
    [[255, 0, 0], [81, 90, 240]],
    [[0, 255, 0], [145, 54, 34]],
    [[0, 0, 255], [41, 240, 110]],
  ];
  for (const [rgb, yuv] of cases) {
    const frame = createFrame(2, 2, 3);
    for (let i = 0; i < 4; i++) frame.data.set(rgb, i * 3);
    const got = new Uint8Array(6);
    rgbToYuv420p(frame, got);
    assert.deepEqual([got[0], got[4], got[5]], yuv, `rgb ${rgb}`);
    assert.deepEqual([...got.subarray(0, 4)], [yuv[0], yuv[0], yuv[0], yuv[0]]);
    const back = createFrame(2, 2, 4);
    yuv420pToRgb(got, back);
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(back.data[c] - rgb[c]) <= 1, `${rgb} back`);
    assert.equal(back.data[3], 255);
  }
});

Deno.test("yuv420p of an odd size rounds the chroma planes up and averages partial blocks", () => {
  assert.equal(yuv420pSize(3, 3), 9 + 2 * 4);
  const frame = createFrame(3, 3, 3);
  // Column 2 (the partial block on the right) red, the rest black.
  for (let y = 0; y < 3; y++) frame.data.set([255, 0, 0], (y * 3 + 2) * 3);
  const yuv = new Uint8Array(17);
  rgbToYuv420p(frame, yuv);
  const u = yuv.subarray(9, 13), v = yuv.subarray(13, 17);
  assert.deepEqual([...u], [128, 90, 128, 90]);
  assert.deepEqual([...v], [128, 240, 128, 240]);
});

Deno.test("yuv kernels check sizes up front", () => {
  assert.throws(
    () => yuv420pToRgb(new Uint8Array(10), createFrame(4, 2, 3)),
    /yuv420p input: expected 12 bytes of yuv420p for 4x2, got 10/,
  );
  assert.throws(
    () => rgbToYuv420p(createFrame(4, 2, 3), new Uint8Array(13)),
    /yuv420p output: expected 12 bytes of yuv420p for 4x2, got 13/,
  );
});

Deno.test("wasm yuv conversions agree with the references within one level at sizes with tails", () => {
  // 16 pixels a step in wasm: widths that are not a multiple of 16 and odd heights take
  // the per-pixel tails, which must meet the vector part without a seam.
  for (
    const [width, height, channels] of [[37, 23, 3], [1283, 721, 4], [48, 2, 3], [1, 1, 3]] as const
  ) {
    const frame = createFrame(width, height, channels);
    for (let i = 0; i < frame.data.length; i++) frame.data[i] = (i * 7919 + (i >> 7) * 31) & 255;
    const yuvRef = new Uint8Array(yuv420pSize(width, height)), yuvWasm = yuvRef.slice();
    rgbToYuv420p(frame, yuvRef);
    wasm.rgbToYuv420p(frame, yuvWasm);
    let max = 0;
    for (let i = 0; i < yuvRef.length; i++) max = Math.max(max, Math.abs(yuvRef[i] - yuvWasm[i]));
    assert.ok(max <= 1, `rgbToYuv420p ${width}x${height}x${channels}: max difference ${max}`);
    const ref = createFrame(width, height, channels), got = createFrame(width, height, channels);
    yuv420pToRgb(yuvRef, ref);
    wasm.yuv420pToRgb(yuvRef, got);
    max = 0;
    for (let i = 0; i < ref.data.length; i++) {
      max = Math.max(max, Math.abs(ref.data[i] - got.data[i]));
    }
    assert.ok(max <= 1, `yuv420pToRgb ${width}x${height}x${channels}: max difference ${max}`);
    if (channels === 4) assert.ok(got.data.every((v, i) => i % 4 !== 3 || v === 255), "alpha 255");
  }
});

for (const [kind, convert] of [["", yuvj422pToRgb], ["wasm ", wasm.yuvj422pToRgb]] as const) {
  Deno.test(`${kind}yuvj422pToRgb() agrees with ffmpeg within 2 levels on testsrc2 1280x720`, async () => {
    // Full range 4:2:2, as an MJPEG decoder gives it; chroma is compared where it is flat
    // across the pair (ffmpeg interpolates, we take the sample), luma everywhere.
    const [width, height] = [1280, 720];
    const frame = await lavfiRgb("testsrc2", width, height);
    const yuv = await ffmpeg([...raw("rgb24", width, height), ...out("yuvj422p")], frame.data);
    assert.equal(yuv.length, yuv422pSize(width, height));
    const expected = await ffmpeg([...raw("yuvj422p", width, height), ...out("rgb24")], yuv);
    const got = createFrame(width, height, 3);
    convert(yuv, got);
    const cw = width / 2, uBase = width * height, vBase = uBase + cw * height;
    let max = 0, compared = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 2; x < width - 2; x++) {
        const c = y * cw + (x >> 1);
        const flat = [-1, 1].every((d) =>
          yuv[uBase + c + d] === yuv[uBase + c] && yuv[vBase + c + d] === yuv[vBase + c]
        );
        if (!flat) continue;
        compared++;
        for (let k = 0; k < 3; k++) {
          const i = (y * width + x) * 3 + k;
          max = Math.max(max, Math.abs(got.data[i] - expected[i]));
        }
      }
    }
    assert.ok(compared > width * height / 2, `only ${compared} pixels compared`);
    assert.ok(max <= 2, `max difference ${max}`);
  });
}

Deno.test("wasm yuvj422pToRgb agrees with the reference within one level at sizes with tails", () => {
  for (const [width, height, channels] of [[37, 23, 3], [1283, 721, 4], [1, 1, 3]] as const) {
    const yuv = new Uint8Array(yuv422pSize(width, height));
    for (let i = 0; i < yuv.length; i++) yuv[i] = (i * 7919 + (i >> 7) * 31) & 255;
    const ref = createFrame(width, height, channels), got = createFrame(width, height, channels);
    yuvj422pToRgb(yuv, ref);
    wasm.yuvj422pToRgb(yuv, got);
    let max = 0, differ = 0;
    for (let i = 0; i < ref.data.length; i++) {
      max = Math.max(max, Math.abs(ref.data[i] - got.data[i]));
      if (ref.data[i] !== got.data[i]) differ++;
    }
    assert.ok(max <= 1, `${width}x${height}x${channels}: max difference ${max}`);
    // Full range adds chroma terms rounded to integers (Q13 weights, exact to 0.01 level) to
    // the integer luma, so it rounds as the reference does all but at near-exact halves.
    assert.ok(differ <= ref.data.length / 1000, `${width}x${height}x${channels}: ${differ} differ`);
  }
  assert.throws(() => wasm.yuvj422pToRgb(new Uint8Array(5), createFrame(4, 2, 3)), RangeError);
});
