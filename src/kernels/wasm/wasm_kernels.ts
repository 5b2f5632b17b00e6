/**
 * The per-pixel kernels in WebAssembly with SIMD (kernels.as, built by
 * scripts/build_wasm.ts into the committed kernels.wasm), behind the same signatures as
 * the TypeScript kernels, which stay the reference: switch implementation with one
 * object ({@link tsKernels} or {@link createWasmKernels}).
 *
 * The arena: frames and planes allocated with `frame()`, `plane()` and `floats()` live
 * inside wasm memory, and a kernel whose arguments all live there runs in place, with no
 * copy. Any other argument is copied into a staging buffer (and an output copied back),
 * so every call is correct either way; the frame loop should allocate its buffers here.
 *
 * Memory is reserved once, up front (`arenaBytes`, 256 MiB by default: untouched pages
 * cost no RAM), and never grows: growing would detach every view handed out. Arena
 * allocations come from the bottom, staging buffers from the top; when they meet, the
 * allocation fails with a message that says how much was asked and what is left.
 */
import { assertFrame, type Frame } from "../../frame.ts";
import { assertFrameSize, assertPlane } from "../_check.ts";
import { blurBackground, blurFactor, boxRadii } from "../blur.ts";
import {
  discRows,
  lensBlurBackground,
  lensFactor,
  lensLowRadius,
  lensMinWeight,
  LOW_RADIUS,
  PAD,
} from "../lens_blur.ts";
import { compositeOverGray } from "../colour.ts";
import {
  attachAlpha,
  checkComposite,
  compositeOverColor,
  compositeOverFrame,
} from "../composite.ts";
import {
  applyGuided,
  checkApplyGuided,
  checkGuidedCoefficients,
  guidedCoefficients,
  type GuidedScratch,
} from "../guided_filter.ts";
import { defaultMaskOptions, refineMask } from "../mask.ts";
import type { Region } from "../../model/segmenter.ts";
import {
  type BilinearTable,
  checkResizeYuvToPlanar,
  resizeMapToBytes,
  resizeToPlanar,
  resizeYuvToPlanar,
} from "../resize.ts";
import { chromaHeight, chromaWidth, type YuvPicture } from "../yuv_picture.ts";
import { checkPasteRegion, pasteRegion } from "../region.ts";
import {
  checkCrop,
  checkCropResize,
  type CropRect,
  cropResize,
  cropResizePlane,
  type CropScratch,
  cropTables,
} from "../crop.ts";
import {
  blurredChange,
  checkBlurredChange,
  checkDilate3,
  checkLumaDownscale,
  checkSmoothTemporal,
  dilate3,
  lumaDownscale,
  type MotionGate,
  smoothTemporal,
} from "../temporal_smoothing.ts";
import {
  assertYuv420p,
  assertYuyv422,
  RGB_TO_YUV,
  rgbToYuv420p,
  rgbToYuyv422,
  yuv420pToRgb,
  yuv422pSize,
  YUV_TO_RGB,
  yuvj422pToRgb,
  YUVJ_TO_RGB,
} from "../yuv.ts";
import { blurPlanesBackground, checkBlurPlanes } from "../blur_planes.ts";
import { checkDesaturatePlanes, desaturatePlanes } from "../desaturate_planes.ts";
import {
  checkMirrorYuv,
  checkYuvToYuv420p,
  checkYuvToYuyv422,
  mirrorYuvInPlace,
  yuvToYuv420p,
  yuvToYuyv422,
} from "../yuv_pack.ts";

/** Every kernel that has a wasm twin, by its TypeScript signature. */
export interface Kernels {
  blurBackground: typeof blurBackground;
  compositeOverGray: typeof compositeOverGray;
  compositeOverColor: typeof compositeOverColor;
  compositeOverFrame: typeof compositeOverFrame;
  attachAlpha: typeof attachAlpha;
  resizeMapToBytes: typeof resizeMapToBytes;
  resizeToPlanar: typeof resizeToPlanar;
  refineMask: typeof refineMask;
  yuv420pToRgb: typeof yuv420pToRgb;
  yuvj422pToRgb: typeof yuvj422pToRgb;
  rgbToYuv420p: typeof rgbToYuv420p;
  lumaDownscale: typeof lumaDownscale;
  guidedCoefficients: typeof guidedCoefficients;
  applyGuided: typeof applyGuided;
  blurredChange: typeof blurredChange;
  dilate3: typeof dilate3;
  pasteRegion: typeof pasteRegion;
  smoothTemporal: typeof smoothTemporal;
  lensBlurBackground: typeof lensBlurBackground;
  rgbToYuyv422: typeof rgbToYuyv422;
  cropResize: typeof cropResize;
  cropResizePlane: typeof cropResizePlane;
  blurPlanesBackground: typeof blurPlanesBackground;
  yuvToYuyv422: typeof yuvToYuyv422;
  yuvToYuv420p: typeof yuvToYuv420p;
  mirrorYuvInPlace: typeof mirrorYuvInPlace;
  desaturatePlanes: typeof desaturatePlanes;
  resizeYuvToPlanar: typeof resizeYuvToPlanar;
}

/** The TypeScript kernels: the reference, and the fallback where wasm is not wanted. */
export const tsKernels: Kernels = {
  blurBackground,
  compositeOverGray,
  compositeOverColor,
  compositeOverFrame,
  attachAlpha,
  resizeMapToBytes,
  resizeToPlanar,
  refineMask,
  yuv420pToRgb,
  yuvj422pToRgb,
  rgbToYuv420p,
  lumaDownscale,
  guidedCoefficients,
  applyGuided,
  blurredChange,
  dilate3,
  pasteRegion,
  smoothTemporal,
  lensBlurBackground,
  rgbToYuyv422,
  cropResize,
  cropResizePlane,
  blurPlanesBackground,
  yuvToYuyv422,
  yuvToYuv420p,
  mirrorYuvInPlace,
  desaturatePlanes,
  resizeYuvToPlanar,
};

export interface WasmKernels extends Kernels {
  /** A frame whose pixels live in wasm memory (zero in a fresh arena, stale after reset()). */
  frame(width: number, height: number, channels: 3 | 4): Frame;
  /** A byte plane in wasm memory (a mask, a probability map, a yuv420p picture). */
  plane(length: number): Uint8Array;
  /** A float32 array in wasm memory (the model's input or output). */
  floats(length: number): Float32Array;
  /** Bytes still free for arena and staging allocations. */
  readonly free: number;
  /**
   * Forgets every frame, plane and float array handed out, so that their memory is
   * reused by the next allocations (when the frame size changes, or between tests).
   */
  reset(): void;
}

export interface WasmKernelOptions {
  /** Bytes of wasm memory reserved for frames and staging buffers. Default 256 MiB. */
  arenaBytes?: number;
}

/** The exports of kernels.wasm (pointers are byte offsets into the imported memory). */
interface Exports {
  heapBase(): number;
  blurBackground(...args: number[]): void;
  compositeOverGray(...args: number[]): void;
  compositeOverColor(...args: number[]): void;
  compositeOverFrame(...args: number[]): void;
  attachAlpha(...args: number[]): void;
  resizeMapToBytes(...args: number[]): void;
  resizeToPlanar(...args: number[]): void;
  applyTable(src: number, table: number, out: number, n: number): void;
  featherMask(...args: number[]): void;
  yuvPlanarToRgb(...args: number[]): void;
  rgbToYuv420p(...args: number[]): void;
  lumaDownscale(...args: number[]): void;
  guidedCoefficients(...args: number[]): void;
  applyGuided(...args: number[]): void;
  blurredChange(...args: number[]): number;
  dilate3(...args: number[]): number;
  smoothTemporal(...args: number[]): void;
  pasteRegion(...args: number[]): void;
  lensBlurBackground(...args: number[]): void;
  rgbToYuyv422(...args: number[]): void;
  cropResize(
    src: number,
    rowBytes: number,
    channels: number,
    x0: number,
    x1: number,
    wx: number,
    y0: number,
    y1: number,
    wy: number,
    out: number,
    width: number,
    height: number,
    work: number,
  ): void;
  blurPlanesBackground(...args: number[]): void;
  yuvToYuyv422(
    src: number,
    width: number,
    height: number,
    rowShift: number,
    full: number,
    dst: number,
  ): void;
  yuvToYuv420p(
    src: number,
    width: number,
    height: number,
    rowShift: number,
    full: number,
    dst: number,
  ): void;
  mirrorYuvInPlace(data: number, width: number, height: number, chromaHeight: number): void;
  desaturatePlanes(...args: number[]): void;
  resizeYuvToPlanar(...args: number[]): void;
}

const PAGE = 65536;
const ALIGN = 16;
/** SIMD loads of the last pixels read up to 16 bytes past a buffer; the top stays clear. */
const SLACK = 64;

let compiled: WebAssembly.Module | undefined;

/** Compiles kernels.wasm once per process and instantiates it with a fresh memory. */
export function createWasmKernels(options: WasmKernelOptions = {}): WasmKernels {
  const arenaBytes = options.arenaBytes ?? 256 * 1024 * 1024;
  compiled ??= new WebAssembly.Module(
    Deno.readFileSync(new URL("./kernels.wasm", import.meta.url)),
  );
  const pages = Math.ceil((arenaBytes + SLACK) / PAGE) + 1;
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const instance = new WebAssembly.Instance(compiled, { env: { memory } });
  return new WasmKernelSet(instance.exports as unknown as Exports, memory);
}

/** A staging buffer: reused while big enough, replaced (from the top) when not. */
interface Slot {
  ptr: number;
  size: number;
}

class WasmKernelSet implements WasmKernels {
  readonly #x: Exports;
  readonly #buffer: ArrayBuffer;
  readonly #bytes: Uint8Array;
  readonly #i32: Int32Array;
  readonly #f32: Float32Array;
  /** Arena allocations grow up from #base to #bottom, staging slots down to #top. */
  readonly #base: number;
  #bottom: number;
  #top: number;
  readonly #slots = new Map<string, Slot>();
  readonly #radii = new Int32Array(3);
  readonly #ramp = Uint8Array.from({ length: 256 }, (_, v) => v);
  readonly #lut = new Uint8Array(256);
  /** The options the table was made for (NaN: none yet); refilled only when they change. */
  readonly #lutOptions = {
    threshold: NaN as number | undefined,
    invert: false,
    feather: 0,
    ramp: "still" as "still" | "stream" | undefined,
  };

  constructor(exports: Exports, memory: WebAssembly.Memory) {
    this.#x = exports;
    this.#buffer = memory.buffer as ArrayBuffer;
    this.#bytes = new Uint8Array(this.#buffer);
    this.#i32 = new Int32Array(this.#buffer);
    this.#f32 = new Float32Array(this.#buffer);
    this.#base = this.#bottom = exports.heapBase();
    this.#top = memory.buffer.byteLength - SLACK;
  }

  reset(): void {
    this.#bottom = this.#base;
  }

  get free(): number {
    return this.#top - this.#bottom;
  }

  frame(width: number, height: number, channels: 3 | 4): Frame {
    const data = this.plane(width * height * channels);
    return { data, width, height, channels };
  }

  plane(length: number): Uint8Array {
    return new Uint8Array(this.#buffer, this.#allocBottom(length), length);
  }

  floats(length: number): Float32Array {
    return new Float32Array(this.#buffer, this.#allocBottom(length * 4), length);
  }

  #allocBottom(bytes: number): number {
    this.#ensure(bytes);
    const ptr = this.#bottom;
    this.#bottom += align(bytes);
    return ptr;
  }

  #ensure(bytes: number): void {
    if (!(Number.isInteger(bytes) && bytes >= 0)) {
      throw new RangeError(`wasm arena: expected a byte count >= 0, got ${bytes}`);
    }
    if (align(bytes) > this.free) {
      throw new RangeError(
        `wasm arena: expected room for ${bytes} bytes, got ${this.free} left; ` +
          `create the kernels with a larger arenaBytes`,
      );
    }
  }

  /** A staging buffer of at least `bytes` for the role `name`. */
  #slot(name: string, bytes: number): number {
    let slot = this.#slots.get(name);
    if (slot === undefined || slot.size < bytes) {
      this.#ensure(bytes);
      this.#top -= align(bytes);
      slot = { ptr: this.#top, size: align(bytes) };
      this.#slots.set(name, slot);
    }
    return slot.ptr;
  }

  /** Where `view` lives in wasm memory: itself when in the arena, else a staging copy. */
  #in(view: Uint8Array | Float32Array | Int32Array, name: string, copy = true): number {
    if (view.buffer === this.#buffer) return view.byteOffset;
    const ptr = this.#slot(name, view.byteLength);
    if (copy) {
      if (view instanceof Uint8Array) this.#bytes.set(view, ptr);
      else if (view instanceof Float32Array) this.#f32.set(view, ptr >> 2);
      else this.#i32.set(view, ptr >> 2);
    }
    return ptr;
  }

  /** Copies a staged output back to its owner (no-op for arena views). */
  #out(view: Uint8Array | Float32Array, ptr: number): void {
    if (view.buffer === this.#buffer) return;
    new Uint8Array(view.buffer, view.byteOffset, view.byteLength).set(
      this.#bytes.subarray(ptr, ptr + view.byteLength),
    );
  }

  /** The output's pointer: the input's when they share data (in-place calls). */
  #target(out: Uint8Array, same: Uint8Array, samePtr: number, name: string): number {
    return out === same ? samePtr : this.#in(out, name, false);
  }

  /** i0, i1, w1 of a table, staged: tables are small and may be refilled in place. */
  readonly #xsAt: [number, number, number] = [0, 0, 0];
  readonly #ysAt: [number, number, number] = [0, 0, 0];
  #table(table: BilinearTable, name: "xs" | "ys"): [number, number, number] {
    const n = table.size * 4;
    const ptr = this.#slot(name, 3 * n);
    this.#i32.set(table.i0, ptr >> 2);
    this.#i32.set(table.i1, (ptr + n) >> 2);
    this.#f32.set(table.w1, (ptr + 2 * n) >> 2);
    const at = name === "xs" ? this.#xsAt : this.#ysAt;
    at[0] = ptr;
    at[1] = ptr + n;
    at[2] = ptr + 2 * n;
    return at;
  }

  blurBackground = (
    frame: Frame,
    alpha: Uint8Array,
    sigma: number,
    out: Frame,
    _scratch: unknown,
  ): void => {
    checkComposite(frame, alpha, out);
    if (!(sigma >= 0 && Number.isFinite(sigma))) {
      throw new RangeError(`blur sigma: expected a finite number >= 0, got ${sigma}`);
    }
    const { width, height } = frame;
    const blur = this.#blurStage(sigma, width, height);
    const src = this.#in(frame.data, "src"), a = this.#in(alpha, "alpha");
    const dst = this.#target(out.data, frame.data, src, "dst");
    this.#x.blurBackground(
      src,
      frame.channels,
      a,
      dst,
      out.channels,
      width,
      height,
      ...blur,
    );
    this.#out(out.data, dst);
  };

  compositeOverGray = (frame: Frame, alpha: Uint8Array, saturation: number, out: Frame) => {
    checkComposite(frame, alpha, out);
    if (!(saturation >= 0 && saturation <= 1)) {
      throw new RangeError(`saturation: expected a number from 0 to 1, got ${saturation}`);
    }
    const src = this.#in(frame.data, "src"), a = this.#in(alpha, "alpha");
    const dst = this.#target(out.data, frame.data, src, "dst");
    this.#x.compositeOverGray(
      src,
      frame.channels,
      a,
      dst,
      out.channels,
      alpha.length,
      Math.round(saturation * 256),
    );
    this.#out(out.data, dst);
  };

  compositeOverColor = (
    frame: Frame,
    alpha: Uint8Array,
    color: readonly [number, number, number],
    out: Frame,
  ) => {
    checkComposite(frame, alpha, out);
    const [r, g, b] = color;
    if (!isByte(r) || !isByte(g) || !isByte(b)) {
      throw new RangeError(`colour: expected integers 0..255, got [${color.join(", ")}]`);
    }
    const src = this.#in(frame.data, "src"), a = this.#in(alpha, "alpha");
    const dst = this.#target(out.data, frame.data, src, "dst");
    this.#x.compositeOverColor(src, frame.channels, a, dst, out.channels, alpha.length, r, g, b);
    this.#out(out.data, dst);
  };

  compositeOverFrame = (frame: Frame, alpha: Uint8Array, background: Frame, out: Frame) => {
    checkComposite(frame, alpha, out);
    assertFrameSize(background, frame.width, frame.height, "background");
    const src = this.#in(frame.data, "src"), a = this.#in(alpha, "alpha");
    const bg = background.data === frame.data ? src : this.#in(background.data, "bg");
    const dst = out.data === background.data ? bg : this.#target(out.data, frame.data, src, "dst");
    this.#x.compositeOverFrame(
      src,
      frame.channels,
      a,
      bg,
      background.channels,
      dst,
      out.channels,
      alpha.length,
    );
    this.#out(out.data, dst);
  };

  attachAlpha = (frame: Frame, alpha: Uint8Array, out: Frame) => {
    checkComposite(frame, alpha, out);
    if (out.channels !== 4) {
      throw new RangeError(
        `output: expected 4 channels (RGBA) for a transparent background, got ${out.channels}`,
      );
    }
    const src = this.#in(frame.data, "src"), a = this.#in(alpha, "alpha");
    const dst = this.#target(out.data, frame.data, src, "dst");
    this.#x.attachAlpha(src, frame.channels, a, dst, alpha.length);
    this.#out(out.data, dst);
  };

  resizeMapToBytes = (
    map: Float32Array,
    xs: BilinearTable,
    ys: BilinearTable,
    out: Uint8Array,
  ) => {
    const srcWidth = xs.from, width = xs.size, height = ys.size;
    if (map.length !== srcWidth * ys.from) {
      throw new RangeError(
        `resizeMapToBytes: expected ${srcWidth * ys.from} map values, got ${map.length}`,
      );
    }
    if (out.length !== width * height) {
      throw new RangeError(
        `resizeMapToBytes: expected ${width * height} output bytes, got ${out.length}`,
      );
    }
    const [xi0, xi1, xw] = this.#table(xs, "xs"), [yi0, yi1, yw] = this.#table(ys, "ys");
    const m = this.#in(map, "map"), dst = this.#in(out, "mask", false);
    const rows = this.#slot("rows", width * ys.from * 4);
    this.#x.resizeMapToBytes(
      m,
      srcWidth,
      ys.from,
      xi0,
      xi1,
      xw,
      yi0,
      yi1,
      yw,
      dst,
      width,
      height,
      rows,
    );
    this.#out(out, dst);
  };

  resizeToPlanar = (
    src: Uint8Array,
    srcWidth: number,
    srcHeight: number,
    channels: 3 | 4,
    xs: BilinearTable,
    ys: BilinearTable,
    out: Float32Array,
  ) => {
    if (xs.from !== srcWidth || ys.from !== srcHeight) {
      // The reference's own checks give the exact message.
      resizeToPlanar(src, srcWidth, srcHeight, channels, xs, ys, out);
      return;
    }
    const plane = xs.size * ys.size;
    if (src.length !== srcWidth * srcHeight * channels) {
      throw new RangeError(
        `resizeToPlanar: expected ${
          srcWidth * srcHeight * channels
        } source bytes, got ${src.length}`,
      );
    }
    if (out.length !== 3 * plane) {
      throw new RangeError(
        `resizeToPlanar: expected ${3 * plane} output floats, got ${out.length}`,
      );
    }
    const [xi0, xi1, xw] = this.#table(xs, "xs"), [yi0, yi1, yw] = this.#table(ys, "ys");
    const s = this.#in(src, "src"), dst = this.#in(out, "planar", false);
    const row = this.#slot("row", srcWidth * channels * 4);
    this.#x.resizeToPlanar(
      s,
      srcWidth,
      channels,
      xi0,
      xi1,
      xw,
      yi0,
      yi1,
      yw,
      dst,
      xs.size,
      ys.size,
      row,
    );
    this.#out(out, dst);
  };

  refineMask = (
    prob: Uint8Array,
    width: number,
    height: number,
    out: Uint8Array,
    options: Parameters<typeof refineMask>[4],
  ) => {
    assertPlane(prob, width, height, "probability map");
    assertPlane(out, width, height, "mask output");
    const feather = options.feather ?? defaultMaskOptions.feather;
    if (!(feather >= 0)) {
      throw new RangeError(`mask feather: expected a number >= 0, got ${feather}`);
    }
    // The reference on the 256 possible inputs is the table (and checks the threshold):
    // ramp and threshold are defined in one place, mask.ts.
    const made = this.#lutOptions;
    if (
      !Object.is(made.threshold, options.threshold) || made.invert !== options.invert ||
      made.ramp !== options.ramp
    ) {
      made.threshold = options.threshold;
      made.invert = options.invert;
      made.ramp = options.ramp;
      try {
        refineMask(this.#ramp, 256, 1, this.#lut, made);
      } catch (error) {
        made.threshold = NaN; // a rejected threshold must be rejected again next time
        throw error;
      }
    }
    const table = this.#in(this.#lut, "lut");
    const p = this.#in(prob, "prob"), dst = this.#target(out, prob, p, "mask");
    this.#x.applyTable(p, table, dst, prob.length);
    const radius = options.threshold === undefined ? Math.round(feather * height) : 0;
    if (radius >= 1) {
      const plane = this.#slot("feather.plane", width * height);
      const columns = this.#slot("feather.columns", width * 4);
      this.#x.featherMask(dst, width, height, radius, plane, columns);
    }
    this.#out(out, dst);
  };

  yuv420pToRgb = (yuv: Uint8Array, out: Frame) => {
    assertFrame(out, "output");
    assertYuv420p(yuv, out.width, out.height, "yuv420p input");
    this.#planarToRgb(yuv, out, 1, 16, YUV_TO_RGB);
  };

  yuvj422pToRgb = (yuv: Uint8Array, out: Frame) => {
    assertFrame(out, "output");
    if (yuv.length !== yuv422pSize(out.width, out.height)) {
      tsKernels.yuvj422pToRgb(yuv, out); // throws the reference's message
    }
    this.#planarToRgb(yuv, out, 0, 0, YUVJ_TO_RGB);
  };

  #planarToRgb(
    yuv: Uint8Array,
    out: Frame,
    rowShift: 0 | 1,
    yOffset: number,
    k: typeof YUV_TO_RGB | typeof YUVJ_TO_RGB,
  ) {
    const src = this.#in(yuv, "yuv"), dst = this.#in(out.data, "dst", false);
    this.#x.yuvPlanarToRgb(
      src,
      out.width,
      out.height,
      dst,
      out.channels,
      rowShift,
      yOffset,
      k.yScale,
      k.vToR,
      k.uToG,
      k.vToG,
      k.uToB,
    );
    this.#out(out.data, dst);
  }

  rgbToYuyv422 = (frame: Frame, out: Uint8Array) => {
    assertFrame(frame, "frame");
    assertYuyv422(out, frame.width, frame.height, "yuyv422 output");
    this.#fromRgb(this.#x.rgbToYuyv422, frame, out, "yuyv");
  };

  rgbToYuv420p = (frame: Frame, out: Uint8Array) => {
    assertFrame(frame, "frame");
    assertYuv420p(out, frame.width, frame.height, "yuv420p output");
    this.#fromRgb(this.#x.rgbToYuv420p, frame, out, "yuv");
  };

  /** RGB(A) → one of the YUV layouts, with the BT.601 limited-range coefficients. */
  #fromRgb(
    convert: Exports["rgbToYuv420p"],
    frame: Frame,
    out: Uint8Array,
    slot: string,
  ): void {
    const src = this.#in(frame.data, "src"), dst = this.#in(out, slot, false);
    const k = RGB_TO_YUV;
    convert(
      src,
      frame.width,
      frame.height,
      frame.channels,
      dst,
      k.yOf,
      k.kr,
      k.kg,
      k.kb,
      k.cb,
      k.cr,
    );
    this.#out(out, dst);
  }

  lumaDownscale = (
    data: Uint8Array,
    width: number,
    height: number,
    channels: 1 | 3 | 4,
    xs: BilinearTable,
    ys: BilinearTable,
    out: Float32Array,
  ) => {
    checkLumaDownscale(data, width, height, channels, xs, ys, out);
    const [xi0, xi1, xw] = this.#table(xs, "xs"), [yi0, yi1, yw] = this.#table(ys, "ys");
    const src = this.#in(data, "src"), dst = this.#in(out, "luma", false);
    this.#x.lumaDownscale(
      src,
      width,
      channels,
      xi0,
      xi1,
      xw,
      yi0,
      yi1,
      yw,
      dst,
      xs.size,
      ys.size,
      adjacent(xs) ? 1 : 0,
    );
    this.#out(out, dst);
  };

  guidedCoefficients = (
    guide: Float32Array,
    p: Float32Array,
    width: number,
    height: number,
    radius: number,
    eps: number,
    scratch: GuidedScratch,
    a: Float32Array,
    b: Float32Array,
  ) => {
    checkGuidedCoefficients(guide, p, width, height, radius, eps, scratch, a, b);
    // The scratch's planes stay unused: the wasm fit streams rows through a few of its own
    // (sizes in kernels.as guidedCoefficients; `ring` rows of sums are in flight).
    const ring = Math.min(2 * radius + 3, height);
    const cellsBytes = 6 * (width + 2 * radius + 2) * 16 + (ring + 1) * align(width * 8) + 16;
    const cells = this.#slot("guided.cells", cellsBytes);
    const temp = this.#slot("guided.temp", ring * width * 16);
    const columns = this.#slot("guided.columns", width * 16);
    const g = this.#in(guide, "guided.guide"), q = this.#in(p, "guided.p");
    const pa = this.#in(a, "guided.a", false), pb = this.#in(b, "guided.b", false);
    this.#x.guidedCoefficients(g, q, width, height, radius, eps, pa, pb, cells, temp, columns);
    this.#out(a, pa);
    this.#out(b, pb);
  };

  /** applyGuided's [low, high] (see constantRuns), refilled by each call. */
  readonly #limits = new Float64Array(2);

  applyGuided = (
    a: Float32Array,
    b: Float32Array,
    xs: BilinearTable,
    ys: BilinearTable,
    data: Uint8Array,
    channels: 1 | 3 | 4,
    rowA: Float32Array,
    rowB: Float32Array,
    out: Uint8Array,
    table?: Uint8Array,
  ) => {
    const lowWidth = xs.from, lowHeight = ys.from, width = xs.size, height = ys.size;
    checkApplyGuided(a, b, xs, ys, data, channels, rowA, rowB, out, table);
    // rowA and rowB stay unused: the wasm kernel widens the rows of a and b it needs.
    const [xi0, xi1, xw] = this.#table(xs, "xs"), [yi0, yi1, yw] = this.#table(ys, "ys");
    const pa = this.#in(a, "guided.a"), pb = this.#in(b, "guided.b");
    const src = this.#in(data, "src"), dst = this.#in(out, "mask", false);
    const blocks = (width + 15) >> 4;
    const rows = this.#slot("guided.rows", 2 * (align(width * 4) + 16) * lowHeight);
    const state = this.#slot("guided.state", lowHeight * blocks);
    const bounds = this.#slot("guided.bounds", lowHeight * blocks * 8);
    const cols = this.#slot("guided.cols", blocks * 12);
    const runs = this.#slot("guided.runs", (blocks + 1) * 12);
    const line = this.#slot("guided.line", (lowWidth + 8) * 16);
    const spans = this.#slot("guided.spans", (width + 1) * 4);
    const groups = this.#slot("guided.groups", ((width + 3) >> 2) * 36);
    const lut = table === undefined ? 0 : this.#in(table, "guided.table");
    const limits = constantRuns(table, this.#limits);
    this.#x.applyGuided(
      pa,
      pb,
      lowWidth,
      lowHeight,
      xi0,
      xi1,
      xw,
      yi0,
      yi1,
      yw,
      src,
      channels,
      dst,
      width,
      height,
      rows,
      state,
      bounds,
      cols,
      runs,
      line,
      spans,
      groups,
      lut,
      limits[0],
      limits[1],
    );
    this.#out(out, dst);
  };

  blurredChange = (
    a: Float32Array,
    b: Float32Array,
    width: number,
    height: number,
    scratch: Float32Array,
    out: Float32Array,
  ): number => {
    checkBlurredChange(a, b, width, height, scratch, out);
    const pa = this.#in(a, "change.a"), pb = this.#in(b, "change.b");
    const s = this.#in(scratch, "change.scratch", false), dst = this.#in(out, "change", false);
    const largest = this.#x.blurredChange(pa, pb, width, height, s, dst);
    this.#out(out, dst);
    return largest;
  };

  dilate3 = (map: Float32Array, width: number, height: number, scratch: Float32Array): number => {
    checkDilate3(map, width, height, scratch);
    const m = this.#in(map, "change"), s = this.#in(scratch, "change.scratch", false);
    const largest = this.#x.dilate3(m, width, height, s);
    this.#out(map, m);
    return largest;
  };

  smoothTemporal = (
    probability: Float32Array,
    change: Float32Array,
    width: number,
    height: number,
    strength: number,
    gate: MotionGate,
    state: Float32Array,
  ): void => {
    checkSmoothTemporal(probability, change, width, height, strength, gate, state);
    const p = this.#in(probability, "smooth.p"), c = this.#in(change, "change");
    const s = this.#in(state, "smooth.state");
    // The reference's f32 constants (an f32 argument takes the f64 rounded the same way).
    const perChange = 1 / (gate.motion - gate.noise), perWobble = 2 / gate.wobble;
    this.#x.smoothTemporal(p, c, width * height, strength, gate.motion, perChange, perWobble, s);
    this.#out(state, s);
  };

  pasteRegion = (
    src: Float32Array,
    srcWidth: number,
    srcHeight: number,
    region: Region,
    frameWidth: number,
    frameHeight: number,
    dst: Float32Array,
    dstWidth: number,
    dstHeight: number,
    average = false,
  ): void => {
    checkPasteRegion(
      src,
      srcWidth,
      srcHeight,
      region,
      frameWidth,
      frameHeight,
      dst,
      dstWidth,
      dstHeight,
    );
    const { x, y, width, height } = region;
    // The cells whose centres fall in the region, with the reference's arithmetic.
    const sx = frameWidth / dstWidth, sy = frameHeight / dstHeight;
    const i0 = Math.max(0, Math.ceil(x / sx - 0.5));
    const i1 = Math.min(dstWidth, Math.ceil((x + width) / sx - 0.5));
    const j0 = Math.max(0, Math.ceil(y / sy - 0.5));
    const j1 = Math.min(dstHeight, Math.ceil((y + height) / sy - 0.5));
    const s = this.#in(src, "paste.src"), d = this.#in(dst, "paste.dst");
    const work = this.#slot("paste.work", dstWidth * 32);
    this.#x.pasteRegion(
      s,
      srcWidth,
      srcHeight,
      x,
      y,
      sx,
      sy,
      srcWidth / width,
      srcHeight / height,
      i0,
      i1,
      j0,
      j1,
      d,
      dstWidth,
      average ? 1 : 0,
      work,
    );
    this.#out(dst, d);
  };

  // ---- lens_blur.ts (appended) ----

  readonly #whole = new Int32Array(4 * LOW_RADIUS + 3);
  readonly #near = new Float32Array(4 * LOW_RADIUS + 3);
  readonly #far = new Float32Array(4 * LOW_RADIUS + 3);

  lensBlurBackground = (
    frame: Frame,
    alpha: Uint8Array,
    radius: number,
    out: Frame,
    _scratch: unknown,
  ): void => {
    checkComposite(frame, alpha, out);
    if (!(radius >= 0 && Number.isFinite(radius))) {
      throw new RangeError(`lens blur radius: expected a finite number >= 0, got ${radius}`);
    }
    const { width, height } = frame;
    const f = lensFactor(radius), lw = Math.ceil(width / f), lh = Math.ceil(height / f);
    const lowRadius = lensLowRadius(radius, f);
    const rows = discRows(lowRadius, this.#whole, this.#near, this.#far);
    const n = 2 * rows + 1, table = this.#slot("lens.rows", n * 12);
    for (let i = 0, at = table >> 2; i < n; i++, at++) {
      this.#i32[at] = this.#whole[i];
      this.#f32[at + n] = this.#near[i];
      this.#f32[at + 2 * n] = this.#far[i];
    }
    // Shares blurBackground's staging slots: the two never run at once.
    const low = this.#slot("blur.low", lw * lh * 16);
    const prefix = this.#slot("lens.prefix", lh * (lw + 2 * PAD + 1) * 16);
    const upper = this.#slot("blur.upper", width * 16);
    const lower = this.#slot("blur.lower", width * 16);
    const cols = this.#slot("blur.cols", width * 12);
    const src = this.#in(frame.data, "src"), a = this.#in(alpha, "alpha");
    const dst = this.#target(out.data, frame.data, src, "dst");
    this.#x.lensBlurBackground(
      src,
      frame.channels,
      a,
      dst,
      out.channels,
      width,
      height,
      f,
      lw,
      lh,
      rows,
      table,
      table + n * 4,
      table + n * 8,
      lensMinWeight(lowRadius),
      low,
      prefix,
      upper,
      lower,
      cols,
      cols + width * 4,
      cols + width * 8,
    );
    this.#out(out.data, dst);
  };
  cropResize = (src: Frame, crop: CropRect, out: Frame, scratch: CropScratch): void => {
    checkCropResize(src, crop, out, scratch);
    this.#crop(src.data, src.width, src.height, src.channels, crop, out.data, scratch);
  };

  cropResizePlane = (
    src: Uint8Array,
    srcWidth: number,
    srcHeight: number,
    crop: CropRect,
    out: Uint8Array,
    outWidth: number,
    outHeight: number,
    scratch: CropScratch,
  ): void => {
    assertPlane(src, srcWidth, srcHeight, "cropResizePlane source");
    assertPlane(out, outWidth, outHeight, "cropResizePlane output");
    checkCrop(crop, srcWidth, srcHeight, outWidth, outHeight, scratch);
    this.#crop(src, srcWidth, srcHeight, 1, crop, out, scratch);
  };

  #crop(
    src: Uint8Array,
    srcWidth: number,
    srcHeight: number,
    channels: number,
    crop: CropRect,
    out: Uint8Array,
    scratch: CropScratch,
  ): void {
    cropTables(crop, srcWidth, srcHeight, channels, scratch);
    const s = this.#in(src, "crop.src"), d = this.#in(out, "crop.out", false);
    const { x0, x1, wx, y0, y1, wy, width, height } = scratch;
    // Two rows of i16 in whole groups of 8 values (16 bytes each) and the groups' tables:
    // 164 bytes per group in all (kernels.as, cropGroups).
    const groups = Math.ceil((width * channels) / 8);
    this.#x.cropResize(
      s,
      srcWidth * channels,
      channels,
      this.#in(x0, "crop.x0"),
      this.#in(x1, "crop.x1"),
      this.#in(wx, "crop.wx"),
      this.#in(y0, "crop.y0"),
      this.#in(y1, "crop.y1"),
      this.#in(wy, "crop.wy"),
      d,
      width,
      height,
      this.#slot("crop.rows", 164 * groups),
    );
    this.#out(out, d);
  }

  blurPlanesBackground = (
    src: YuvPicture,
    alpha: Uint8Array,
    sigma: number,
    out: YuvPicture,
    _scratch: unknown,
  ): void => {
    checkBlurPlanes(src, alpha, sigma, out);
    out.fullRange = src.fullRange;
    const { width, height } = src;
    const blur = this.#blurStage(sigma, width, height);
    const [s, su, sv, a, d, du, dv] = this.#planes(src, alpha, out);
    this.#x.blurPlanesBackground(
      s,
      su,
      sv,
      a,
      d,
      du,
      dv,
      width,
      height,
      src.layout === "420" ? 1 : 0,
      ...blur,
    );
    this.#out(out.data, d);
  };

  /** Reused by #blurStage. */
  readonly #blurArgs = new Array<number>(14).fill(0);

  /**
   * The blur's factor, low-resolution size, box radii and staging slots for a frame of
   * this size, as the last 14 arguments of the wasm blurBackground and
   * blurPlanesBackground (reused: pass it before the next call). The two share the
   * slots: they never run at once.
   */
  #blurStage(sigma: number, width: number, height: number): readonly number[] {
    const f = blurFactor(sigma), lw = Math.ceil(width / f), lh = Math.ceil(height / f);
    boxRadii(sigma, f, this.#radii);
    const cells = lw * lh * 16;
    const b = this.#blurArgs;
    b[0] = f;
    b[1] = lw;
    b[2] = lh;
    b[3] = this.#radii[0];
    b[4] = this.#radii[1];
    b[5] = this.#radii[2];
    b[6] = this.#slot("blur.low", cells);
    b[7] = this.#slot("blur.tmp", cells);
    b[8] = this.#slot("blur.sums", lw * 32);
    b[9] = this.#slot("blur.upper", width * 16);
    b[10] = this.#slot("blur.lower", width * 16);
    const cols = this.#slot("blur.cols", width * 12);
    b[11] = cols;
    b[12] = cols + width * 4;
    b[13] = cols + width * 8;
    return b;
  }

  /** Reused by #planes. */
  readonly #planePointers = [0, 0, 0, 0, 0, 0, 0];

  /**
   * A planar effect's buffers staged in the arena: where src's Y, U and V planes, the
   * mask, and out's Y, U and V planes are (reused: read it before the next call).
   */
  #planes(src: YuvPicture, alpha: Uint8Array, out: YuvPicture): readonly number[] {
    const { width, height } = src;
    const s = this.#in(src.data, "src"), a = this.#in(alpha, "alpha");
    const d = this.#in(out.data, "dst", false);
    const luma = width * height, chroma = chromaWidth(width) * chromaHeight(src.layout, height);
    const p = this.#planePointers;
    p[0] = s;
    p[1] = s + luma;
    p[2] = s + luma + chroma;
    p[3] = a;
    p[4] = d;
    p[5] = d + luma;
    p[6] = d + luma + chroma;
    return p;
  }

  yuvToYuyv422 = (src: YuvPicture, out: Uint8Array) => {
    checkYuvToYuyv422(src, out);
    const s = this.#in(src.data, "yuv"), dst = this.#in(out, "yuyv", false);
    const { width, height, layout, fullRange } = src;
    this.#x.yuvToYuyv422(s, width, height, layout === "420" ? 1 : 0, fullRange ? 1 : 0, dst);
    this.#out(out, dst);
  };

  yuvToYuv420p = (src: YuvPicture, out: Uint8Array) => {
    checkYuvToYuv420p(src, out);
    const s = this.#in(src.data, "yuv"), dst = this.#in(out, "yuv420p", false);
    const { width, height, layout, fullRange } = src;
    this.#x.yuvToYuv420p(s, width, height, layout === "420" ? 1 : 0, fullRange ? 1 : 0, dst);
    this.#out(out, dst);
  };

  mirrorYuvInPlace = (picture: YuvPicture) => {
    checkMirrorYuv(picture);
    const { data, width, height, layout } = picture;
    const p = this.#in(data, "yuv");
    this.#x.mirrorYuvInPlace(p, width, height, chromaHeight(layout, height));
    this.#out(data, p);
  };

  desaturatePlanes = (
    src: YuvPicture,
    alpha: Uint8Array,
    saturation: number,
    out: YuvPicture,
  ): void => {
    checkDesaturatePlanes(src, alpha, saturation, out);
    out.fullRange = src.fullRange;
    const { width, height } = src;
    const [s, su, sv, a, d, du, dv] = this.#planes(src, alpha, out);
    this.#x.desaturatePlanes(
      s,
      su,
      sv,
      a,
      d,
      du,
      dv,
      width,
      height,
      src.layout === "420" ? 1 : 0,
      Math.round(saturation * 256),
    );
    this.#out(out.data, d);
  };
  resizeYuvToPlanar = (
    src: YuvPicture,
    xs: BilinearTable,
    ys: BilinearTable,
    out: Float32Array,
  ) => {
    checkResizeYuvToPlanar(src, xs, ys, out);
    const [xi0, xi1, xw] = this.#table(xs, "xs"), [yi0, yi1, yw] = this.#table(ys, "ys");
    const { width, height, layout, fullRange } = src;
    const s = this.#in(src.data, "yuv"), dst = this.#in(out, "planar", false);
    const cw = chromaWidth(width),
      u = s + width * height,
      v = u + cw * chromaHeight(layout, height);
    const k = fullRange ? YUVJ_TO_RGB : YUV_TO_RGB;
    this.#x.resizeYuvToPlanar(
      s,
      width,
      u,
      v,
      cw,
      layout === "420" ? 1 : 0,
      fullRange ? 0 : 16,
      k.yScale,
      k.vToR,
      k.uToG,
      k.vToG,
      k.uToB,
      xi0,
      xi1,
      xw,
      yi0,
      yi1,
      yw,
      dst,
      xs.size,
      ys.size,
      adjacent(xs) ? 1 : 0,
    );
    this.#out(out, dst);
  };
}

function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}

function isByte(c: number): boolean {
  return Number.isInteger(c) && c >= 0 && c <= 255;
}

/** The size check of guided_filter.ts and temporal_smoothing.ts, with their messages. */

const adjacentTables = new WeakMap<BilinearTable, boolean>();

/**
 * Whether each sample's second pixel is the one after its first, or weighs nothing
 * (true of every bilinearTable): then the wasm lumaDownscale reads both in one load.
 */
function adjacent(table: BilinearTable): boolean {
  let known = adjacentTables.get(table);
  if (known === undefined) {
    known = true;
    for (let i = 0; i < table.size && known; i++) {
      known = table.i1[i] === table.i0[i] + 1 || table.w1[i] === 0;
    }
    adjacentTables.set(table, known);
  }
  return known;
}

/**
 * How far a guided value q (0..1, before ×255 and rounding) may go and still come out as
 * table[0] (q < low) or table[255] (q >= high): the ends of the table's runs of those
 * bytes, less a margin of 1/16 level for the float rounding of A·I + B (|A| stays under
 * 10 for any eps the stage uses, |a| ≤ σ/(σ² + eps)/2 ≤ 1/(4√eps), and f32 rounding
 * moves 10·I + B by under 1e-3 level). No table: the runs of 0 and 255 alone.
 */
function constantRuns(table: Uint8Array | undefined, limits: Float64Array): Float64Array {
  let zeros = 0, fulls = 255;
  if (table !== undefined) {
    while (zeros < 255 && table[zeros + 1] === table[0]) zeros++;
    while (fulls > 0 && table[fulls - 1] === table[255]) fulls--;
  }
  limits[0] = (zeros + 0.5 - MARGIN) / 255;
  limits[1] = (fulls - 0.5 + MARGIN) / 255;
  return limits;
}

const MARGIN = 1 / 16;
