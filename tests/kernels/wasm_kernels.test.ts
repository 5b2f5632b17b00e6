import assert from "node:assert/strict";
import { createFrame, type Frame } from "../../src/frame.ts";
import { BlurScratch } from "../../src/kernels/blur.ts";
import { createGuidedScratch } from "../../src/kernels/guided_filter.ts";
import { type BilinearTable, bilinearTable, resizeMapToBytes } from "../../src/kernels/resize.ts";
import { refineMask } from "../../src/kernels/mask.ts";
import { yuv420pSize } from "../../src/kernels/yuv.ts";
import {
  createWasmKernels,
  type Kernels,
  tsKernels,
  type WasmKernels,
} from "../../src/kernels/wasm/wasm_kernels.ts";
import { agree, inArena, maxDiff, planeIn, wasm } from "./_agree.ts";
import { createSegmenter } from "../../src/model/segmenter.ts";
import { countTypedArrayAllocations } from "../effects/_allocations.ts";
import { astronaut, ellipseMask } from "../effects/_scene.ts";

const WASM = new URL("../../src/kernels/wasm/kernels.wasm", import.meta.url);
const BUILD = new URL("../../scripts/build_wasm.ts", import.meta.url).pathname;

Deno.test("deno task wasm rebuilds kernels.wasm byte for byte", async () => {
  const out = await Deno.makeTempFile({ suffix: ".wasm" });
  try {
    // A child process with --no-lock: the compiler is a build-only package, kept out of
    // deno.lock and out of this test process.
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-lock",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        BUILD,
        "--out",
        out,
      ],
      stdout: "null",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    const fresh = await Deno.readFile(out), committed = await Deno.readFile(WASM);
    assert.ok(
      fresh.length === committed.length && fresh.every((b, i) => b === committed[i]),
      `kernels.wasm differs from a fresh build (${fresh.length} vs ${committed.length} bytes)`,
    );
  } finally {
    await Deno.remove(out);
  }
});

Deno.test("kernels.wasm is built with SIMD: its code holds v128 loads and stores", async () => {
  const bytes = await Deno.readFile(WASM);
  // The SIMD opcode prefix 0xfd followed by v128.load (0x00) and store (0x0b) sub-opcodes
  // appears in the code section; a scalar build would have neither.
  let simd = 0;
  for (let i = 0; i + 1 < bytes.length; i++) {
    if (bytes[i] === 0xfd && (bytes[i + 1] === 0x00 || bytes[i + 1] === 0x0b)) simd++;
  }
  assert.ok(simd > 20, `expected v128 loads and stores in kernels.wasm, found ${simd}`);
});

// ---- scenes: real frames and masks ------------------------------------------------------------

interface Scene {
  name: string;
  frame: Frame;
  /** A second picture of the same size, for compositeOverFrame. */
  background: Frame;
  /** Person probability (0..255) at frame size and the alpha refined from it. */
  prob: Uint8Array;
  alpha: Uint8Array;
}

async function ffmpegFrame(filter: string, width: number, height: number): Promise<Frame> {
  const { code, stdout, stderr } = await new Deno.Command("ffmpeg", {
    args: [
      "-v",
      "error",
      "-f",
      "lavfi",
      "-i",
      filter,
      "-vf",
      `scale=${width}:${height}`,
      "-frames:v",
      "1",
      "-f",
      "rawvideo",
      "-pix_fmt",
      "rgb24",
      "-",
    ],
  }).output();
  if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
  return { data: stdout, width, height, channels: 3 };
}

/** The astronaut's model map, from the real segmenter (native onnxruntime). */
let astronautMap: { map: Float32Array; width: number; height: number } | undefined;

async function scenes(): Promise<Scene[]> {
  const photo = await astronaut();
  const segmenter = await createSegmenter({ backend: "native", threads: 1, model: "general" });
  const photoProb = new Uint8Array(photo.width * photo.height);
  try {
    const map = await segmenter.segment(photo);
    astronautMap = { map: map.slice(), width: 256, height: 256 };
    segmenter.maskInto(photoProb, photo.width, photo.height);
  } finally {
    await segmenter.dispose();
  }
  const out: Scene[] = [sceneOf("astronaut 512x512 (real mask)", photo, photoProb)];
  for (const [w, h] of [[1280, 720], [641, 361]]) {
    const frame = await ffmpegFrame("testsrc2=size=1280x720", w, h);
    const background = await ffmpegFrame("testsrc=size=1280x720", w, h);
    // The astronaut's real mask stretched to this size, and an ellipse with a soft rim.
    const prob = new Uint8Array(w * h);
    const m = astronautMap!;
    resizeMapToBytes(m.map, bilinearTable(m.width, w), bilinearTable(m.height, h), prob);
    out.push(sceneOf(`testsrc2 ${w}x${h} (astronaut mask)`, frame, prob, background));
    out.push(sceneOf(`testsrc2 ${w}x${h} (ellipse)`, frame, ellipseMask(w, h, 9), background));
  }
  return out;
}

function sceneOf(name: string, frame: Frame, prob: Uint8Array, background?: Frame): Scene {
  const alpha = new Uint8Array(prob.length);
  refineMask(prob, frame.width, frame.height, alpha, { invert: false });
  background ??= mirrored(frame);
  return { name, frame, background, prob, alpha };
}

function mirrored(frame: Frame): Frame {
  const out = createFrame(frame.width, frame.height, frame.channels);
  out.data.set(frame.data.toReversed());
  return out;
}

function withChannels(frame: Frame, channels: 3 | 4): Frame {
  if (frame.channels === channels) return frame;
  const out = createFrame(frame.width, frame.height, channels);
  const n = frame.width * frame.height;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) out.data[i * channels + c] = frame.data[i * frame.channels + c];
    if (channels === 4) out.data[i * 4 + 3] = (i * 7) & 255; // alpha the kernels ignore
  }
  return out;
}

const all = await scenes();

Deno.test("wasm blurBackground() is within one level of the reference on real frames", () => {
  for (const s of all) {
    for (const sigma of [0, 2, 7, 18, 40]) {
      for (const [sc, dc] of [[3, 3], [3, 4], [4, 3], [4, 4]] as const) {
        const frame = withChannels(s.frame, sc);
        agree(`blur σ=${sigma} ${sc}→${dc} on ${s.name}`, 1, (k, arena) => {
          const f = arena ? inArena(arena, frame) : frame;
          const alpha = arena ? planeIn(arena, s.alpha) : s.alpha;
          const out = arena
            ? arena.frame(f.width, f.height, dc)
            : createFrame(f.width, f.height, dc);
          k.blurBackground(f, alpha, sigma, out, new BlurScratch());
          return out.data;
        });
      }
    }
  }
});

Deno.test("wasm blurBackground() works in place (out is the frame)", () => {
  const s = all[1];
  agree("blur in place", 1, (k, arena) => {
    const f = arena ? inArena(arena, s.frame) : { ...s.frame, data: s.frame.data.slice() };
    k.blurBackground(f, s.alpha, 9, f, new BlurScratch());
    return f.data;
  });
});

Deno.test("wasm compositeOverGray() equals the reference byte for byte on real frames", () => {
  for (const s of all) {
    for (const saturation of [0, 0.35, 1]) {
      for (const [sc, dc] of [[3, 3], [3, 4], [4, 3]] as const) {
        const frame = withChannels(s.frame, sc);
        agree(`gray ${saturation} ${sc}→${dc} on ${s.name}`, 0, (k, arena) => {
          const f = arena ? inArena(arena, frame) : frame;
          const out = arena
            ? arena.frame(f.width, f.height, dc)
            : createFrame(f.width, f.height, dc);
          k.compositeOverGray(f, s.alpha, saturation, out);
          return out.data;
        });
      }
    }
  }
});

Deno.test("wasm compositeOverColor(), compositeOverFrame() and attachAlpha() equal the reference", () => {
  for (const s of all) {
    for (const [sc, dc] of [[3, 3], [3, 4], [4, 3], [4, 4]] as const) {
      const frame = withChannels(s.frame, sc), bg = withChannels(s.background, sc === 3 ? 4 : 3);
      agree(`colour ${sc}→${dc} on ${s.name}`, 0, (k, arena) => {
        const f = arena ? inArena(arena, frame) : frame;
        const out = arena ? arena.frame(f.width, f.height, dc) : createFrame(f.width, f.height, dc);
        k.compositeOverColor(f, s.alpha, [0, 177, 64], out);
        return out.data;
      });
      for (const b of [s.background, bg]) {
        agree(`frame ${sc}+${b.channels}→${dc} on ${s.name}`, 0, (k, arena) => {
          const f = arena ? inArena(arena, frame) : frame;
          const back = arena ? inArena(arena, b) : b;
          const out = arena
            ? arena.frame(f.width, f.height, dc)
            : createFrame(f.width, f.height, dc);
          k.compositeOverFrame(f, s.alpha, back, out);
          return out.data;
        });
      }
    }
    for (const sc of [3, 4] as const) {
      const frame = withChannels(s.frame, sc);
      agree(`attachAlpha ${sc} on ${s.name}`, 0, (k, arena) => {
        const f = arena ? inArena(arena, frame) : frame;
        const out = arena ? arena.frame(f.width, f.height, 4) : createFrame(f.width, f.height, 4);
        k.attachAlpha(f, s.alpha, out);
        return out.data;
      });
    }
  }
});

Deno.test("wasm refineMask() matches the reference: soft, stream ramp, threshold, invert, feather", () => {
  const options: Parameters<typeof refineMask>[4][] = [
    { invert: false },
    { invert: true },
    { invert: false, ramp: "stream" },
    { invert: true, ramp: "stream", feather: 0.01 },
    { invert: false, ramp: "still" },
    { invert: false, threshold: 0.5 },
    { invert: true, threshold: 0.2 },
    { invert: false, feather: 0.002 },
    { invert: true, feather: 0.01 },
    { invert: false, feather: 0.05 },
  ];
  for (const s of all) {
    for (const o of options) {
      agree(`refineMask ${JSON.stringify(o)} on ${s.name}`, 0, (k, arena) => {
        const { width, height } = s.frame;
        const prob = arena ? planeIn(arena, s.prob) : s.prob;
        const out = arena ? arena.plane(width * height) : new Uint8Array(width * height);
        k.refineMask(prob, width, height, out, o);
        return out;
      });
    }
  }
  assert.throws(
    () =>
      wasm.refineMask(new Uint8Array(4), 2, 2, new Uint8Array(4), { invert: false, threshold: 2 }),
    /mask threshold: expected a number from 0 to 1, got 2/,
  );
});

Deno.test("wasm resizeMapToBytes() and resizeToPlanar() match the reference", () => {
  const m = astronautMap!;
  for (const s of all) {
    const { width, height } = s.frame;
    const xs = bilinearTable(m.width, width), ys = bilinearTable(m.height, height);
    agree(`resizeMapToBytes 256x256→${width}x${height}`, 1, (k, arena) => {
      const map = arena ? arena.floats(m.map.length) : m.map;
      if (arena) map.set(m.map);
      const out = arena ? arena.plane(width * height) : new Uint8Array(width * height);
      k.resizeMapToBytes(map, xs, ys, out);
      return out;
    });
    for (const [mw, mh] of [[256, 256], [256, 144]]) {
      for (const channels of [3, 4] as const) {
        const frame = withChannels(s.frame, channels);
        const fx = bilinearTable(width, mw), fy = bilinearTable(height, mh);
        agree(`resizeToPlanar ${channels}ch ${width}x${height}→${mw}x${mh}`, 1e-5, (k, arena) => {
          const src = arena ? planeIn(arena, frame.data) : frame.data;
          const out = arena ? arena.floats(3 * mw * mh) : new Float32Array(3 * mw * mh);
          k.resizeToPlanar(src, width, height, channels, fx, fy, out);
          return out;
        });
      }
    }
  }
});

Deno.test("wasm yuv420p ↔ RGB matches the reference", () => {
  for (const s of all) {
    const { width, height } = s.frame;
    const yuv = new Uint8Array(yuv420pSize(width, height));
    tsKernels.rgbToYuv420p(s.frame, yuv);
    for (const channels of [3, 4] as const) {
      const frame = withChannels(s.frame, channels);
      agree(`rgbToYuv420p ${channels}ch on ${s.name}`, 1, (k, arena) => {
        const f = arena ? inArena(arena, frame) : frame;
        const out = arena ? arena.plane(yuv.length) : new Uint8Array(yuv.length);
        k.rgbToYuv420p(f, out);
        return out;
      });
      agree(`yuv420pToRgb ${channels}ch on ${s.name}`, 1, (k, arena) => {
        const src = arena ? planeIn(arena, yuv) : yuv;
        const out = arena
          ? arena.frame(width, height, channels)
          : createFrame(width, height, channels);
        k.yuv420pToRgb(src, out);
        return out.data;
      });
    }
  }
});

Deno.test("wasm kernels on arena buffers allocate no typed array per frame", () => {
  const s = all[1];
  const { width, height } = s.frame;
  const frame = inArena(wasm, s.frame), alpha = planeIn(wasm, s.alpha);
  const prob = planeIn(wasm, s.prob), mask = wasm.plane(width * height);
  const out = wasm.frame(width, height, 3), yuv = wasm.plane(yuv420pSize(width, height));
  const xs = bilinearTable(256, width), ys = bilinearTable(256, height);
  const map = wasm.floats(256 * 256), planar = wasm.floats(3 * 256 * 144);
  const fx = bilinearTable(width, 256), fy = bilinearTable(height, 144);
  const scratch = new BlurScratch(), options = { invert: false, feather: 0.002 };
  const gw = 320, gh = 180, guided = createGuidedScratch(gw, gh);
  const luma = wasm.floats(gw * gh), state = wasm.floats(gw * gh);
  const ga = wasm.floats(gw * gh), gb = wasm.floats(gw * gh);
  const rowA = new Float32Array(gw), rowB = new Float32Array(gw);
  const down = [bilinearTable(width, gw), bilinearTable(height, gh)] as const;
  const up = [bilinearTable(gw, width), bilinearTable(gh, height)] as const;
  const change = wasm.floats(gw * gh), changeScratch = wasm.floats(gw * gh);
  const crop = { x: 100, y: 50, width: 300, height: 250 };
  const frameLoop = () => {
    wasm.blurredChange(luma, ga, gw, gh, changeScratch, change);
    wasm.dilate3(change, gw, gh, changeScratch);
    wasm.pasteRegion(map, 256, 256, crop, width, height, state, gw, gh);
    wasm.smoothTemporal(gb, change, gw, gh, 0.85, GATE, state);
    wasm.lumaDownscale(frame.data, width, height, 3, ...down, luma);
    wasm.guidedCoefficients(luma, state, gw, gh, 2, 3e-2, guided, ga, gb);
    wasm.applyGuided(ga, gb, ...up, frame.data, 3, rowA, rowB, prob);
    wasm.resizeToPlanar(frame.data, width, height, 3, fx, fy, planar);
    wasm.resizeMapToBytes(map, xs, ys, prob);
    wasm.refineMask(prob, width, height, mask, options);
    wasm.blurBackground(frame, alpha, 12, out, scratch);
    wasm.compositeOverGray(frame, alpha, 0.2, out);
    wasm.compositeOverColor(frame, alpha, [1, 2, 3], out);
    wasm.compositeOverFrame(frame, alpha, out, out);
    wasm.rgbToYuv420p(out, yuv);
    wasm.yuv420pToRgb(yuv, out);
  };
  frameLoop(); // the first call sizes the staging buffers
  const free = wasm.free;
  assert.equal(countTypedArrayAllocations(frameLoop), 0);
  assert.equal(wasm.free, free);
});

Deno.test("the wasm arena refuses what does not fit, saying how much is left", () => {
  const small = createWasmKernels({ arenaBytes: 1 << 20 });
  assert.ok(small.frame(320, 240, 4).data.length === 320 * 240 * 4);
  assert.throws(
    () => small.frame(1920, 1080, 3),
    /wasm arena: expected room for 6220800 bytes, got \d+ left; create the kernels with a larger arenaBytes/,
  );
});

Deno.test("wasm kernels check sizes up front like the reference", () => {
  const frame = createFrame(4, 2, 3), out = createFrame(4, 2, 3);
  assert.throws(
    () => wasm.compositeOverGray(frame, new Uint8Array(7), 0.5, out),
    /mask: expected 8 bytes for 4x2, got 7/,
  );
  assert.throws(
    () => wasm.blurBackground(frame, new Uint8Array(8), -1, out, new BlurScratch()),
    /blur sigma: expected a finite number >= 0, got -1/,
  );
  assert.throws(
    () => wasm.yuv420pToRgb(new Uint8Array(5), out),
    /yuv420p input: expected 12 bytes of yuv420p for 4x2, got 5/,
  );
  const two = new Float32Array(2), table = bilinearTable(1, 4), rows = bilinearTable(2, 2);
  assert.throws(
    () => wasm.applyGuided(two, two, table, rows, frame.data, 3, two, two, new Uint8Array(8)),
    /applyGuided a: expected 2 values for 1x2, got 2|applyGuided rowA: expected 1 values for 1x1, got 2/,
  );
  assert.throws(
    () => wasm.lumaDownscale(frame.data, 4, 2, 3, table, rows, new Float32Array(8)),
    /lumaDownscale: expected tables from 4x2, got 1x2/,
  );
  const planes = new Float32Array(8);
  assert.throws(
    () =>
      wasm.guidedCoefficients(
        planes,
        planes,
        4,
        2,
        0,
        1e-2,
        createGuidedScratch(4, 2),
        planes,
        planes,
      ),
    /guided filter radius: expected an integer >= 1, got 0/,
  );
});

Deno.test("wasm kernels match the reference on tiny and odd sizes (SIMD tails only)", () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  for (const [width, height] of [[1, 1], [2, 3], [3, 2], [5, 3], [17, 5], [33, 2]]) {
    const n = width * height;
    const frame = createFrame(width, height, 3);
    frame.data.forEach((_, i) => frame.data[i] = random());
    // Runs of 0 and 255 with a few partial values, as in a real mask.
    const alpha = Uint8Array.from({ length: n }, (_, i) => {
      const r = random();
      return r < 20 ? r * 12 : (i >> 3) % 2 === 0 ? 0 : 255;
    });
    const label = `${width}x${height}`;
    agree(`blur ${label}`, 1, (k) => {
      const out = createFrame(width, height, 3);
      k.blurBackground(frame, alpha, 4, out, new BlurScratch());
      return out.data;
    });
    agree(`gray ${label}`, 0, (k) => {
      const out = createFrame(width, height, 4);
      k.compositeOverGray(frame, alpha, 0.5, out);
      return out.data;
    });
    agree(`colour ${label}`, 0, (k) => {
      const out = createFrame(width, height, 3);
      k.compositeOverColor(frame, alpha, [9, 99, 199], out);
      return out.data;
    });
    agree(`feather ${label}`, 0, (k) => {
      const out = new Uint8Array(n);
      k.refineMask(alpha, width, height, out, { invert: false, feather: 0.5 });
      return out;
    });
    const xs = bilinearTable(3, width), ys = bilinearTable(2, height);
    agree(`resizeMapToBytes ${label}`, 1, (k) => {
      const out = new Uint8Array(n);
      k.resizeMapToBytes(Float32Array.of(0, 0.5, 1, 0.25, 0.75, 1), xs, ys, out);
      return out;
    });
    agree(`yuv ${label}`, 1, (k) => {
      const yuv = new Uint8Array(yuv420pSize(width, height));
      k.rgbToYuv420p(frame, yuv);
      const out = createFrame(width, height, 3);
      k.yuv420pToRgb(yuv, out);
      return [...yuv, ...out.data];
    });
  }
});

// ---- the mask path: luma, guided filter --------------------------------------------------------

/**
 * tests/fixtures/astronaut.png scaled by ffmpeg to `width` x `height` (any aspect), after
 * the filters `before` (ending in a comma) if any.
 */
async function astronautAt(width: number, height: number, before = ""): Promise<Frame> {
  const fixture = new URL("../fixtures/astronaut.png", import.meta.url).pathname;
  const { code, stdout, stderr } = await new Deno.Command("ffmpeg", {
    args: [
      "-v",
      "error",
      "-i",
      fixture,
      "-vf",
      `${before}scale=${width}:${height}`,
      "-frames:v",
      "1",
      "-f",
      "rawvideo",
      "-pix_fmt",
      "rgb24",
      "-",
    ],
  }).output();
  if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
  return { data: stdout, width, height, channels: 3 };
}

/** The model map (0..1) bilinearly resampled to w x h: MaskStage's probability there. */
function mapAt(w: number, h: number): Float32Array {
  const m = astronautMap!, xs = bilinearTable(m.width, w), ys = bilinearTable(m.height, h);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const at = (yy: number, xx: number) => m.map[yy * m.width + xx];
      const top = at(ys.i0[y], xs.i0[x]) +
        (at(ys.i0[y], xs.i1[x]) - at(ys.i0[y], xs.i0[x])) * xs.w1[x];
      const bottom = at(ys.i1[y], xs.i0[x]) +
        (at(ys.i1[y], xs.i1[x]) - at(ys.i1[y], xs.i0[x])) * xs.w1[x];
      out[y * w + x] = top + (bottom - top) * ys.w1[y];
    }
  }
  return out;
}

function floatsIn(k: WasmKernels, values: Float32Array): Float32Array {
  const out = k.floats(values.length);
  out.set(values);
  return out;
}

/** One frame of MaskStage's guided path: working size ¼ of the frame (at least 256x144). */
interface GuidedCase {
  name: string;
  frame: Frame;
  w: number;
  h: number;
  radius: number;
  down: [BilinearTable, BilinearTable];
  up: [BilinearTable, BilinearTable];
  /** The reference's luma of the frame, and the model's map, at the working size. */
  luma: Float32Array;
  p: Float32Array;
}

async function guidedCases(): Promise<GuidedCase[]> {
  const out: GuidedCase[] = [];
  for (const [fw, fh] of [[1280, 720], [641, 361]]) {
    const frame = await astronautAt(fw, fh);
    const w = Math.min(fw, Math.max(256, Math.round(fw / 4)));
    const h = Math.min(fh, Math.max(144, Math.round(fh / 4)));
    const down: [BilinearTable, BilinearTable] = [bilinearTable(fw, w), bilinearTable(fh, h)];
    const luma = new Float32Array(w * h);
    tsKernels.lumaDownscale(frame.data, fw, fh, 3, ...down, luma);
    out.push({
      name: `astronaut ${fw}x${fh} (working ${w}x${h})`,
      frame,
      w,
      h,
      radius: Math.max(1, Math.round(8 / 720 * h)),
      down,
      up: [bilinearTable(w, fw), bilinearTable(h, fh)],
      luma,
      p: mapAt(w, h),
    });
  }
  return out;
}

const guided = await guidedCases();
/** Floats within 1e-4 of the reference: luma, b in 0..1 and a of order 1 (1e-4 relative). */
const FLOAT_TOLERANCE = 1e-4;

Deno.test("wasm lumaDownscale() matches the reference on the photo at 720p and 641x361", () => {
  for (const c of guided) {
    for (const channels of [3, 4] as const) {
      const frame = withChannels(c.frame, channels);
      agree(`lumaDownscale ${channels}ch ${c.name}`, FLOAT_TOLERANCE, (k, arena) => {
        const data = arena ? planeIn(arena, frame.data) : frame.data;
        const out = arena ? arena.floats(c.w * c.h) : new Float32Array(c.w * c.h);
        k.lumaDownscale(data, frame.width, frame.height, channels, ...c.down, out);
        return out;
      });
    }
  }
});

Deno.test("wasm guidedCoefficients() matches the reference on the photo's luma and real mask", () => {
  for (const c of guided) {
    for (const eps of [1e-2, 3e-2]) {
      for (const radius of [c.radius, 1, 7]) {
        const label = `guidedCoefficients r=${radius} eps=${eps} ${c.name}`;
        for (const plane of ["a", "b"] as const) {
          agree(`${label} ${plane}`, FLOAT_TOLERANCE, (k, arena) => {
            const n = c.w * c.h;
            const guide = arena ? floatsIn(arena, c.luma) : c.luma;
            const p = arena ? floatsIn(arena, c.p) : c.p;
            const a = arena ? arena.floats(n) : new Float32Array(n);
            const b = arena ? arena.floats(n) : new Float32Array(n);
            const scratch = createGuidedScratch(c.w, c.h);
            k.guidedCoefficients(guide, p, c.w, c.h, radius, eps, scratch, a, b);
            return plane === "a" ? a : b;
          });
        }
      }
    }
  }
});

Deno.test("wasm applyGuided() is within one level of the reference on the photo at 720p and 641x361", () => {
  for (const c of guided) {
    const n = c.w * c.h, a = new Float32Array(n), b = new Float32Array(n);
    tsKernels.guidedCoefficients(
      c.luma,
      c.p,
      c.w,
      c.h,
      c.radius,
      3e-2,
      createGuidedScratch(c.w, c.h),
      a,
      b,
    );
    // Some of the frame must take the picture's edges (A far from 0) and some not.
    assert.ok(a.some((v) => Math.abs(v) > 0.1) && a.some((v) => Math.abs(v) < 1e-3));
    for (const channels of [3, 4] as const) {
      const frame = withChannels(c.frame, channels);
      const { width, height } = frame;
      agree(`applyGuided ${channels}ch ${c.name}`, 1, (k, arena) => {
        const data = arena ? planeIn(arena, frame.data) : frame.data;
        const pa = arena ? floatsIn(arena, a) : a, pb = arena ? floatsIn(arena, b) : b;
        const out = arena ? arena.plane(width * height) : new Uint8Array(width * height);
        const rowA = new Float32Array(c.w), rowB = new Float32Array(c.w);
        k.applyGuided(pa, pb, ...c.up, data, channels, rowA, rowB, out);
        return out;
      });
    }
  }
});

Deno.test("wasm mask-path kernels match the reference on tiny and odd sizes", () => {
  let seed = 11;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (const [width, height, w, h] of [[1, 1, 1, 1], [5, 3, 2, 2], [17, 5, 4, 2], [33, 7, 9, 3]]) {
    const frame = createFrame(width, height, 3);
    frame.data.forEach((_, i) => frame.data[i] = Math.floor(random() * 256));
    const label = `${width}x${height} ↔ ${w}x${h}`;
    const down = [bilinearTable(width, w), bilinearTable(height, h)] as const;
    agree(`lumaDownscale ${label}`, FLOAT_TOLERANCE, (k) => {
      const out = new Float32Array(w * h);
      k.lumaDownscale(frame.data, width, height, 3, ...down, out);
      return out;
    });
    // A table whose second pixels are not the next ones (the wasm kernel's scalar path).
    const scattered: BilinearTable = {
      size: 5,
      from: width,
      i0: Int32Array.from({ length: 5 }, (_, i) => (i * 7) % width),
      i1: Int32Array.from({ length: 5 }, (_, i) => (i * 3 + 2) % width),
      w1: Float32Array.from({ length: 5 }, random),
    };
    agree(`lumaDownscale scattered ${label}`, FLOAT_TOLERANCE, (k) => {
      const out = new Float32Array(5 * h);
      k.lumaDownscale(frame.data, width, height, 3, scattered, down[1], out);
      return out;
    });
    const guide = Float32Array.from({ length: w * h }, random);
    const p = Float32Array.from({ length: w * h }, (_, i) => (i % w) < w / 2 ? 0 : 1);
    for (const plane of [0, 1]) {
      agree(`guidedCoefficients ${label} ${plane ? "b" : "a"}`, FLOAT_TOLERANCE, (k) => {
        const a = new Float32Array(w * h), b = new Float32Array(w * h);
        k.guidedCoefficients(guide, p, w, h, 2, 1e-3, createGuidedScratch(w, h), a, b);
        return plane ? b : a;
      });
    }
    const a = Float32Array.from({ length: w * h }, (_, i) => i % 2 ? 0 : random() * 2 - 1);
    const b = Float32Array.from({ length: w * h }, () => random() * 1.4 - 0.2);
    agree(`applyGuided ${label}`, 1, (k) => {
      const out = new Uint8Array(width * height);
      const rowA = new Float32Array(w), rowB = new Float32Array(w);
      k.applyGuided(
        a,
        b,
        bilinearTable(w, width),
        bilinearTable(h, height),
        frame.data,
        3,
        rowA,
        rowB,
        out,
      );
      return out;
    });
  }
});

// ---- the mask path: change, dilation, smoothing, pasting a crop ---------------------------------

/** MaskStage's GATE and default smoothing. */
const GATE = { noise: 0.03, motion: 0.08, wobble: 0.5 }, SMOOTHING = 0.85;

/** Two frames of a moving person as MaskStage's working maps, at w x h. */
interface MotionCase {
  name: string;
  w: number;
  h: number;
  /** Luma of this frame and of the previous one (the photo 12 pixels to the left). */
  luma: Float32Array;
  previous: Float32Array;
  /** The model's map at w x h, and the smoothed state the last frame left. */
  p: Float32Array;
  state: Float32Array;
}

async function motionCases(): Promise<MotionCase[]> {
  const out: MotionCase[] = [];
  // 320x180 is MaskStage's working size for 720p; 161x91 an odd size (no SIMD multiple).
  for (const [fw, fh, w, h] of [[1280, 720, 320, 180], [641, 361, 161, 91]]) {
    const now = await astronautAt(fw, fh);
    const before = await astronautAt(fw, fh, `crop=iw-12:ih:12:0,pad=iw+12:ih:0:0,`);
    const down = [bilinearTable(fw, w), bilinearTable(fh, h)] as const;
    const luma = new Float32Array(w * h), previous = new Float32Array(w * h);
    tsKernels.lumaDownscale(now.data, fw, fh, 3, ...down, luma);
    tsKernels.lumaDownscale(before.data, fw, fh, 3, ...down, previous);
    const p = mapAt(w, h);
    // The last state: the same map three cells to the right (the person before it moved).
    const state = Float32Array.from(p, (_, i) => p[i % w < 3 ? i : i - 3]);
    out.push({
      name: `astronaut ${fw}x${fh} moved (working ${w}x${h})`,
      w,
      h,
      luma,
      previous,
      p,
      state,
    });
  }
  return out;
}

const motion = await motionCases();
/** Floats within 1e-5 of the reference (maps in 0..1). */
const MAP_TOLERANCE = 1e-5;
/** blurredChange, dilate3 and pasteRegion do the reference's f64 arithmetic: no difference. */
const EXACT = 0;

/** Like agree(), for kernels that also return a value: it and the map must be the reference's. */
function agreeReturning(
  label: string,
  run: (k: Kernels, arena?: WasmKernels) => [number, ArrayLike<number>],
): void {
  const [expected, values] = run(tsKernels);
  for (const arena of [undefined, wasm]) {
    arena?.reset();
    const [got, out] = run(wasm, arena);
    const where = `${label} (${arena ? "arena" : "copied"})`;
    assert.equal(got, expected, `${where}: returned ${got}, expected ${expected}`);
    const diff = maxDiff(out, values);
    assert.ok(diff <= EXACT, `${where}: max difference ${diff} > ${EXACT}`);
  }
}

Deno.test("wasm blurredChange() returns the reference's largest change and map on a moving photo", () => {
  for (const c of motion) {
    const n = c.w * c.h;
    for (
      const [label, a, b] of [["moved", c.luma, c.previous], ["still", c.luma, c.luma]] as const
    ) {
      agreeReturning(`blurredChange ${label} ${c.name}`, (k, arena) => {
        const pa = arena ? floatsIn(arena, a) : a, pb = arena ? floatsIn(arena, b) : b;
        const scratch = arena ? arena.floats(n) : new Float32Array(n);
        const out = arena ? arena.floats(n) : new Float32Array(n);
        return [k.blurredChange(pa, pb, c.w, c.h, scratch, out), out];
      });
    }
    // The photo moved: something changed, beyond MaskStage's still threshold.
    const out = new Float32Array(n);
    assert.ok(
      tsKernels.blurredChange(c.luma, c.previous, c.w, c.h, new Float32Array(n), out) > 0.05,
    );
  }
});

Deno.test("wasm dilate3() returns the reference's largest value and map on a real change map", () => {
  for (const c of motion) {
    const n = c.w * c.h, change = new Float32Array(n);
    tsKernels.blurredChange(c.luma, c.previous, c.w, c.h, new Float32Array(n), change);
    agreeReturning(`dilate3 ${c.name}`, (k, arena) => {
      const map = arena ? floatsIn(arena, change) : change.slice();
      const scratch = arena ? arena.floats(n) : new Float32Array(n);
      return [k.dilate3(map, c.w, c.h, scratch), map];
    });
  }
});

Deno.test("wasm smoothTemporal() matches the reference on a real mask, state and change", () => {
  for (const c of motion) {
    const n = c.w * c.h, change = new Float32Array(n), scratch = new Float32Array(n);
    tsKernels.blurredChange(c.luma, c.previous, c.w, c.h, scratch, change);
    tsKernels.dilate3(change, c.w, c.h, scratch);
    for (const strength of [SMOOTHING, 0, 1]) {
      agree(`smoothTemporal ${strength} ${c.name}`, MAP_TOLERANCE, (k, arena) => {
        const p = arena ? floatsIn(arena, c.p) : c.p;
        const moved = arena ? floatsIn(arena, change) : change;
        const state = arena ? floatsIn(arena, c.state) : c.state.slice();
        k.smoothTemporal(p, moved, c.w, c.h, strength, GATE, state);
        return state;
      });
    }
  }
});

Deno.test("wasm pasteRegion() matches the reference: the whole frame and crops, pasted and averaged", () => {
  const m = astronautMap!;
  const maps = [
    { map: m.map, mw: m.width, mh: m.height },
    { map: mapAt(256, 144), mw: 256, mh: 144 },
  ];
  for (const c of motion) {
    const [fw, fh] = c.w === 320 ? [1280, 720] : [641, 361];
    const regions = [
      { x: 0, y: 0, width: fw, height: fh },
      { x: 151, y: 37, width: 317, height: fh - 37 },
      { x: fw - 99, y: 0, width: 99, height: 201 },
    ];
    for (const { map, mw, mh } of maps) {
      for (const region of regions) {
        for (const average of [false, true]) {
          const label = `pasteRegion ${mw}x${mh} at ${JSON.stringify(region)} ` +
            `${average ? "averaged" : "pasted"} into ${c.name}`;
          agree(label, EXACT, (k, arena) => {
            const src = arena ? floatsIn(arena, map) : map;
            const dst = arena ? floatsIn(arena, c.state) : c.state.slice();
            k.pasteRegion(src, mw, mh, region, fw, fh, dst, c.w, c.h, average);
            return dst;
          });
        }
      }
    }
  }
  assert.throws(
    () =>
      wasm.pasteRegion(
        m.map,
        256,
        256,
        { x: 10, y: 0, width: 640, height: 360 },
        640,
        360,
        new Float32Array(4),
        2,
        2,
      ),
    /pasteRegion region: expected inside 640x360, got 640x360 at 10,0/,
  );
});

Deno.test("wasm change, dilation, smoothing and paste match the reference on tiny sizes", () => {
  let seed = 5;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (const [w, h] of [[1, 1], [1, 4], [4, 1], [2, 3], [5, 2], [6, 3], [9, 5]]) {
    const n = w * h, label = `${w}x${h}`;
    const a = Float32Array.from({ length: n }, random);
    const b = Float32Array.from({ length: n }, random);
    agreeReturning(`blurredChange ${label}`, (k) => {
      const out = new Float32Array(n);
      return [k.blurredChange(a, b, w, h, new Float32Array(n), out), out];
    });
    agreeReturning(`dilate3 ${label}`, (k) => {
      const map = a.slice();
      return [k.dilate3(map, w, h, new Float32Array(n)), map];
    });
    agree(`smoothTemporal ${label}`, MAP_TOLERANCE, (k) => {
      const state = b.slice();
      k.smoothTemporal(a, Float32Array.from(b, (v) => v * 0.3), w, h, 0.7, GATE, state);
      return state;
    });
    agree(`pasteRegion ${label}`, EXACT, (k) => {
      const dst = b.slice();
      k.pasteRegion(a, w, h, { x: 3, y: 1, width: 7, height: 5 }, 11, 7, dst, w, h, true);
      return dst;
    });
  }
});
