/**
 * Per-kernel cost per frame, TypeScript reference vs wasm SIMD (src/kernels/wasm), at
 * 720p and 1080p: the median of RUNS timed calls after warm-up, wasm buffers in its arena
 * (the no-copy path the frame loop uses), the two timed alternately. The scene is a noise-textured frame with a
 * soft-edged elliptical person over about a third of it, as in bench/effects.ts.
 *
 *     deno run -A bench/kernels.ts [--only=REGEX]
 */
import { defaultEffectSettings } from "../src/effects/effect.ts";
import { createFrame, type Frame } from "../src/frame.ts";
import { BlurScratch } from "../src/kernels/blur.ts";
import { LensScratch } from "../src/kernels/lens_blur.ts";
import { createGuidedScratch } from "../src/kernels/guided_filter.ts";
import { defaultMaskOptions, maskTable, STILL_IMAGE_FEATHER } from "../src/kernels/mask.ts";
import { bilinearTable } from "../src/kernels/resize.ts";
import { yuv420pSize, yuv422pSize, yuyv422Size } from "../src/kernels/yuv.ts";
import { createWasmKernels, type Kernels, tsKernels } from "../src/kernels/wasm/wasm_kernels.ts";
import type { YuvPicture } from "../src/kernels/yuv_picture.ts";
import { MOTION_GATE } from "../src/pipeline/mask_stage.ts";
import { median, printTable } from "./_stats.ts";

export interface KernelRow {
  kernel: string;
  width: number;
  height: number;
  /** Median ms per call of the TypeScript kernel. */
  tsMs: number;
  /** Median ms per call of the wasm kernel, buffers in its arena. */
  wasmMs: number;
}

const SIZES = [[1280, 720], [1920, 1080]] as const;
const WARMUP = 20;
const RUNS = 120;
/** The model inputs: general 256x256, landscape 144x256 (height x width; the live path's). */
const MODEL = { width: 256, height: 144 };
/** MaskStage's working size for a frame (¼ of it, at least the model's) and its radius. */
function working(width: number, height: number) {
  const w = Math.max(MODEL.width, Math.round(width / 4));
  const h = Math.max(MODEL.height, Math.round(height / 4));
  return { w, h, radius: Math.max(1, Math.round(8 / 720 * h)) };
}
/** MaskStage's guided filter eps on a stream. */
const GUIDE_EPS = 3e-2;
/** MaskStage's default smoothing. */
const SMOOTHING = 0.85;

/** Buffers of one size, allocated by `alloc` (plain typed arrays, or the wasm arena). */
interface Buffers {
  frame: Frame;
  background: Frame;
  out: Frame;
  rgba: Frame;
  prob: Uint8Array;
  alpha: Uint8Array;
  mask: Uint8Array;
  yuv: Uint8Array;
  /** A yuvj422p picture (an MJPEG decoder's own output). */
  yuv422: Uint8Array;
  /** A yuyv422 picture (the virtual camera's format). */
  yuyv: Uint8Array;
  map: Float32Array;
  planar: Float32Array;
  /** MaskStage's working-size maps: luma, smoothed probability, guided coefficients. */
  luma: Float32Array;
  state: Float32Array;
  a: Float32Array;
  b: Float32Array;
  /** The last frame's luma (the frame 8 cells to the side), the change between, scratch. */
  previous: Float32Array;
  change: Float32Array;
  dilated: Float32Array;
  scratch: Float32Array;
  /** The running average smoothTemporal updates (apart from `state`, the guided input). */
  smooth: Float32Array;
  /** The blur on planes' output (yuvj422p), and yuv422 converted to RGB for the RGB route. */
  yuv422Out: Uint8Array;
  rgb422: Frame;
}

type Alloc = {
  frame(width: number, height: number, channels: 3 | 4): Frame;
  plane(length: number): Uint8Array;
  floats(length: number): Float32Array;
};

const plainAlloc: Alloc = {
  frame: createFrame,
  plane: (n) => new Uint8Array(n),
  floats: (n) => new Float32Array(n),
};

function buffers(alloc: Alloc, width: number, height: number): Buffers {
  const b: Buffers = {
    frame: alloc.frame(width, height, 3),
    background: alloc.frame(width, height, 3),
    out: alloc.frame(width, height, 3),
    rgba: alloc.frame(width, height, 4),
    prob: alloc.plane(width * height),
    alpha: alloc.plane(width * height),
    mask: alloc.plane(width * height),
    yuv: alloc.plane(yuv420pSize(width, height)),
    yuv422: alloc.plane(yuv422pSize(width, height)),
    yuyv: alloc.plane(yuyv422Size(width, height)),
    map: alloc.floats(MODEL.width * MODEL.height),
    planar: alloc.floats(3 * MODEL.width * MODEL.height),
    ...workingMaps(alloc, width, height),
    yuv422Out: alloc.plane(yuv422pSize(width, height)),
    rgb422: alloc.frame(width, height, 3),
  };
  fillScene(b, width, height);
  return b;
}

function workingMaps(alloc: Alloc, width: number, height: number) {
  const { w, h } = working(width, height);
  return {
    luma: alloc.floats(w * h),
    state: alloc.floats(w * h),
    a: alloc.floats(w * h),
    b: alloc.floats(w * h),
    previous: alloc.floats(w * h),
    change: alloc.floats(w * h),
    dilated: alloc.floats(w * h),
    scratch: alloc.floats(w * h),
    smooth: alloc.floats(w * h),
  };
}

/** The calls to time, each a closure over one set of buffers. */
function cases(k: Kernels, b: Buffers, width: number, height: number): [string, () => void][] {
  const scratch = new BlurScratch(), lens = new LensScratch();
  const sigma = defaultEffectSettings.blur * height;
  const toModel = [bilinearTable(width, MODEL.width), bilinearTable(height, MODEL.height)] as const;
  const toFrame = [bilinearTable(MODEL.width, width), bilinearTable(MODEL.height, height)] as const;
  const feathered = { ...defaultMaskOptions, feather: STILL_IMAGE_FEATHER };
  // MaskStage on a stream: the refiner's table, or applyGuided writing through it.
  const streamed = { ...defaultMaskOptions, ramp: "stream" as const };
  const table = new Uint8Array(256);
  maskTable(streamed, table);
  const { w, h, radius } = working(width, height);
  const down = [bilinearTable(width, w), bilinearTable(height, h)] as const;
  const up = [bilinearTable(w, width), bilinearTable(h, height)] as const;
  const guided = createGuidedScratch(w, h);
  const rowA = new Float32Array(w), rowB = new Float32Array(w);
  const whole = { x: 0, y: 0, width, height };
  // A crop around the person, as MaskStage's second look takes it.
  const crop = {
    x: Math.round(width * 0.2),
    y: Math.round(height * 0.1),
    width: Math.round(width * 0.6),
    height: Math.round(height * 0.9),
  };
  const model = [b.map, MODEL.width, MODEL.height] as const;
  const planes: YuvPicture = { data: b.yuv422, width, height, layout: "422", fullRange: true };
  const planesOut: YuvPicture = { ...planes, data: b.yuv422Out };
  const planesScratch = new BlurScratch();
  const yuvj = { data: b.yuv422, width, height, layout: "422", fullRange: true } as const;
  const camera = { data: b.yuv422, width, height, layout: "422" as const, fullRange: true };
  const file = { data: b.yuv, width, height, layout: "420" as const, fullRange: false };
  const lumaPlane = b.yuv422.subarray(0, width * height);
  return [
    ["blurBackground", () => k.blurBackground(b.frame, b.alpha, sigma, b.out, scratch)],
    // The lens blur at the same setting (radius = 3 % of the height), and at the radius
    // whose disc has the Gaussian's spread (variance R²/4 = sigma²: R = 2·sigma).
    ["lensBlurBackground", () => k.lensBlurBackground(b.frame, b.alpha, sigma, b.out, lens)],
    ["lensBlurBackground 2x", () => k.lensBlurBackground(b.frame, b.alpha, 2 * sigma, b.out, lens)],
    ["compositeOverGray", () => k.compositeOverGray(b.frame, b.alpha, 0, b.out)],
    ["compositeOverColor", () => k.compositeOverColor(b.frame, b.alpha, [255, 255, 255], b.out)],
    ["compositeOverFrame", () => k.compositeOverFrame(b.frame, b.alpha, b.background, b.out)],
    ["attachAlpha", () => k.attachAlpha(b.frame, b.alpha, b.rgba)],
    ["resizeMapToBytes", () => k.resizeMapToBytes(b.map, toFrame[0], toFrame[1], b.prob)],
    ["refineMask", () => k.refineMask(b.prob, width, height, b.mask, defaultMaskOptions)],
    ["refineMask+feather", () => k.refineMask(b.prob, width, height, b.mask, feathered)],
    ["refineMask stream", () => k.refineMask(b.prob, width, height, b.mask, streamed)],
    [
      "resizeToPlanar",
      () => k.resizeToPlanar(b.frame.data, width, height, 3, ...toModel, b.planar),
    ],
    ["rgbToYuv420p", () => k.rgbToYuv420p(b.frame, b.yuv)],
    ["yuv420pToRgb", () => k.yuv420pToRgb(b.yuv, b.out)],
    ["yuvj422pToRgb", () => k.yuvj422pToRgb(b.yuv422, b.out)],
    ["lumaDownscale", () => k.lumaDownscale(b.frame.data, width, height, 3, ...down, b.luma)],
    [
      "guidedCoefficients",
      () => k.guidedCoefficients(b.luma, b.state, w, h, radius, GUIDE_EPS, guided, b.a, b.b),
    ],
    [
      "applyGuided",
      () => k.applyGuided(b.a, b.b, ...up, b.frame.data, 3, rowA, rowB, b.prob),
    ],
    // The two above in one pass, as MaskStage does without feather (same bytes).
    [
      "applyGuided+stream ramp",
      () => k.applyGuided(b.a, b.b, ...up, b.frame.data, 3, rowA, rowB, b.mask, table),
    ],
    ["blurredChange", () => k.blurredChange(b.luma, b.previous, w, h, b.scratch, b.change)],
    // dilate3 works in place: each call starts again from the same change map (the copy,
    // a few µs, is in both timings).
    ["dilate3", () => {
      b.dilated.set(b.change);
      k.dilate3(b.dilated, w, h, b.scratch);
    }],
    [
      "smoothTemporal",
      () => k.smoothTemporal(b.b, b.dilated, w, h, SMOOTHING, MOTION_GATE, b.smooth),
    ],
    ["pasteRegion whole", () => k.pasteRegion(...model, whole, width, height, b.scratch, w, h)],
    ["pasteRegion crop", () => k.pasteRegion(...model, crop, width, height, b.scratch, w, h, true)],
    // The live sink's conversion for a v4l2loopback camera (and `-o - --pix-fmt yuyv422`).
    ["rgbToYuyv422", () => k.rgbToYuyv422(b.frame, b.yuyv)],
    // Issue 16: the blur on an MJPEG camera's yuvj422p planes, against the RGB route it
    // replaces (the conversion, then blurBackground on the RGB frame) in the same run.
    [
      "blurPlanesBackground 422",
      () => k.blurPlanesBackground(planes, b.alpha, sigma, planesOut, planesScratch),
    ],
    // The desaturate effect on the same planes, against compositeOverGray's row above.
    ["desaturatePlanes 422", () => k.desaturatePlanes(planes, b.alpha, 0, planesOut)],
    ["yuvj422pToRgb+blurBackground", () => {
      k.yuvj422pToRgb(b.yuv422, b.rgb422);
      k.blurBackground(b.rgb422, b.alpha, sigma, b.out, scratch);
    }],
    // The YUV path's outputs (issue 16), from the camera's yuvj422p picture without RGB:
    // against yuvj422pToRgb + rgbToYuyv422 above, the route they replace.
    ["yuvToYuyv422 yuvj422p", () => k.yuvToYuyv422(yuvj, b.yuyv)],
    ["yuvToYuv420p yuvj422p", () => k.yuvToYuv420p(yuvj, b.yuv)],
    ["mirrorYuvInPlace yuvj422p", () => k.mirrorYuvInPlace(yuvj)],
    // The mask path from a frame kept in planar YUV (issue 16): the model's input from a
    // camera's yuvj422p and a file's yuv420p against the RGB route it replaces (convert
    // the whole frame, then resize), and the luma kernels on the Y plane (1 channel)
    // against the RGB rows above.
    ["resizeYuvToPlanar yuvj422p", () => k.resizeYuvToPlanar(camera, ...toModel, b.planar)],
    ["resizeYuvToPlanar yuv420p", () => k.resizeYuvToPlanar(file, ...toModel, b.planar)],
    ["yuvj422pToRgb+resizeToPlanar", () => {
      k.yuvj422pToRgb(b.yuv422, b.out);
      k.resizeToPlanar(b.out.data, width, height, 3, ...toModel, b.planar);
    }],
    ["lumaDownscale 1ch (Y)", () => k.lumaDownscale(lumaPlane, width, height, 1, ...down, b.luma)],
    [
      "applyGuided 1ch (Y)",
      () => k.applyGuided(b.a, b.b, ...up, lumaPlane, 1, rowA, rowB, b.prob),
    ],
    [
      "applyGuided 1ch+stream ramp",
      () => k.applyGuided(b.a, b.b, ...up, lumaPlane, 1, rowA, rowB, b.mask, table),
    ],
  ];
}

/**
 * Medians of `a` and `b`, timed alternately (a, b, a, b, …) so that both see the same
 * load on a shared machine.
 */
async function timePair(a: () => void, b: () => void): Promise<[number, number]> {
  const as: number[] = [], bs: number[] = [];
  for (let run = -WARMUP; run < RUNS; run++) {
    const t0 = performance.now();
    a();
    const t1 = performance.now();
    b();
    const t2 = performance.now();
    if (run >= 0) {
      as.push(t1 - t0);
      bs.push(t2 - t1);
    }
    // Yield now and then so a caller's UI (or Ctrl-C) is not starved.
    if (run % 40 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return [median(as), median(bs)];
}

/** `only`: the rows whose kernel name it matches (all by default). */
export async function benchKernels(only?: RegExp): Promise<KernelRow[]> {
  const rows: KernelRow[] = [];
  const wasm = createWasmKernels();
  for (const [width, height] of SIZES) {
    wasm.reset();
    const ts = cases(tsKernels, buffers(plainAlloc, width, height), width, height);
    const wa = cases(wasm, buffers(wasm, width, height), width, height);
    for (let i = 0; i < ts.length; i++) {
      if (only !== undefined && !only.test(ts[i][0])) continue;
      const [tsMs, wasmMs] = await timePair(ts[i][1], wa[i][1]);
      rows.push({ kernel: ts[i][0], width, height, tsMs, wasmMs });
    }
  }
  return rows;
}

/** Noise texture, a second picture, and an elliptical person with a soft edge. */
function fillScene(b: Buffers, width: number, height: number): void {
  let seed = 12345;
  for (let i = 0; i < b.frame.data.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    b.frame.data[i] = (i % 251) ^ (seed >>> 24);
    b.background.data[i] = (i * 7) & 255;
  }
  const cx = width / 2, cy = height * 0.7, rx = width * 0.25, ry = height * 0.55;
  const edge = 0.01 * height / Math.min(rx, ry);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = Math.hypot((x - cx) / rx, (y - cy) / ry);
      b.prob[y * width + x] = Math.round(
        255 * Math.min(1, Math.max(0, (1 + edge - d) / (2 * edge))),
      );
    }
  }
  tsKernels.refineMask(b.prob, width, height, b.alpha, defaultMaskOptions);
  for (let y = 0; y < MODEL.height; y++) {
    for (let x = 0; x < MODEL.width; x++) {
      const d = Math.hypot((x - MODEL.width / 2) / (MODEL.width / 4), (y - 100) / 80);
      b.map[y * MODEL.width + x] = Math.min(1, Math.max(0, 1.5 - d));
    }
  }
  tsKernels.rgbToYuv420p(b.frame, b.yuv);
  // Luma, then chroma rows as the 4:2:0 picture's repeated: a picture, for the timing.
  const n = width * height, c420 = (b.yuv.length - n) / 2, cw = (width + 1) >> 1;
  b.yuv422.set(b.yuv.subarray(0, n));
  for (let y = 0; y < height; y++) {
    for (const plane of [0, 1]) {
      const from = n + plane * c420 + (y >> 1) * cw;
      b.yuv422.set(b.yuv.subarray(from, from + cw), n + plane * cw * height + y * cw);
    }
  }
  // The working maps as MaskStage has them before the guided filter: the frame's luma,
  // the same person at working size, and the coefficients fitted to them.
  const { w, h, radius } = working(width, height);
  tsKernels.lumaDownscale(
    b.frame.data,
    width,
    height,
    3,
    bilinearTable(width, w),
    bilinearTable(height, h),
    b.luma,
  );
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = Math.hypot((x - w / 2) / (w / 4), (y - h * 0.7) / (h * 0.55));
      b.state[y * w + x] = Math.min(1, Math.max(0, (1.05 - d) * 10));
    }
  }
  tsKernels.guidedCoefficients(
    b.luma,
    b.state,
    w,
    h,
    radius,
    GUIDE_EPS,
    createGuidedScratch(w, h),
    b.a,
    b.b,
  );
  // The last frame: the same luma 8 cells to the left, the change since, and the state.
  for (let i = 0; i < w * h; i++) b.previous[i] = b.luma[i % w < w - 8 ? i + 8 : i];
  tsKernels.blurredChange(b.luma, b.previous, w, h, b.scratch, b.change);
  b.dilated.set(b.change);
  tsKernels.dilate3(b.dilated, w, h, b.scratch);
  b.smooth.set(b.state);
}

if (import.meta.main) {
  // `--only=REGEX`: time only the matching rows (e.g. --only='Guided|luma').
  const only = Deno.args.find((a) => a.startsWith("--only="))?.slice("--only=".length);
  const rows = await benchKernels(only === undefined ? undefined : new RegExp(only));
  printTable(rows.map((r) => ({
    kernel: r.kernel,
    size: `${r.width}x${r.height}`,
    "ts ms": r.tsMs.toFixed(2),
    "wasm ms": r.wasmMs.toFixed(2),
    speedup: `${(r.tsMs / r.wasmMs).toFixed(1)}x`,
  })));
}
