/**
 * The whole mask path of one stream: frame → person probability at a working size
 * (about the model's) → memory across frames → a second look at a small person →
 * edges guided by the frame → the refined alpha at the frame's size.
 *
 * Per frame (stream mode), with every buffer below allocated once per frame size:
 *   luma      the frame's luma at the working size (lumaDownscale)
 *   change    how much each place changed since the last inference (blurredChange vs
 *             refLuma) → below SKIP_CHANGE everywhere: reuse the last mask, no inference;
 *             else dilated (dilate3) to gate the smoothing
 *   prob      the model's map, whole frame and/or crop, resampled to the working size
 *   state     prob averaged with the past unless both the picture and the model moved
 *             (smoothTemporal, gated by MOTION_GATE)
 *   a, b      guided filter coefficients (guidedCoefficients) → probBytes at frame size
 *   refiner   smoothstep / threshold / invert / feather (MaskRefiner) → the alpha
 *   table     without feather, the refiner's table (maskTable) applied by applyGuided as it
 *             writes: the alpha straight into the refiner's output, one full-size pass
 *             instead of two, and the blocks the ramp makes 0 or 255 filled whole
 */
import type { Frame } from "../frame.ts";
import type { YuvPicture } from "../kernels/yuv_picture.ts";
import { createGuidedScratch } from "../kernels/guided_filter.ts";
import {
  defaultMaskOptions,
  featherRadius,
  type MaskOptions,
  MaskRefiner,
  maskTable,
} from "../kernels/mask.ts";
import { BOTTOM, boxAbove, LEFT, RIGHT, TOP, touchesSides } from "../kernels/region.ts";
import { type BilinearTable, bilinearTable } from "../kernels/resize.ts";
import type { MotionGate } from "../kernels/temporal_smoothing.ts";
import { defaultKernels, type KernelSet } from "../kernels/kernel_set.ts";
import type { Region, Segmenter } from "../model/segmenter.ts";

export type SecondLook = "auto" | "on" | "off";

export interface MaskStageSettings extends MaskOptions {
  /**
   * 0..1: how much of the previous mask a still place keeps each frame (0 = off).
   * Default 0.85: about 12 frames of memory where nothing moves, none where it does.
   * Ignored in still mode.
   */
  smoothing: number;
  /**
   * A second inference on a crop around the person: `auto` when the person's box covers
   * less than {@link SECOND_LOOK_MAX_AREA} of the frame, `on` whenever the box is smaller
   * than the frame, `off` never. Default auto.
   */
  secondLook: SecondLook;
  /** `stream` (video, live: memory across frames) or `still` (each frame on its own). */
  mode: "stream" | "still";
  /** Edges guided by the frame's luma (guided filter). Default true. */
  edges: boolean;
}

export const defaultMaskStageSettings = {
  ...defaultMaskOptions,
  smoothing: 0.85,
  secondLook: "auto",
  mode: "stream",
  edges: true,
} as const satisfies MaskStageSettings;

export interface MaskStageOptions {
  /** The pixel kernels (wasm SIMD by default; src/kernels/kernel_set.ts). */
  kernels?: KernelSet;
  /**
   * Most frames in a row that may reuse the last mask (stream mode): even a scene that
   * looks still is segmented again at least every maxSkips + 1 frames. Default 4
   * (6 inferences per second at 30 fps when nothing moves); 0 turns reuse off.
   */
  maxSkips?: number;
  /**
   * Apply the refiner's table as the guided filter writes the alpha when there is no
   * feather (default true). false keeps the two passes (probability bytes, then
   * MaskRefiner): the reference the fused path is held to, byte for byte, in
   * tests/pipeline/mask_stage.test.ts.
   */
  fuseRamp?: boolean;
}

/** Counters for the bench and the panel, since the last reset(). */
export interface MaskStageStats {
  frames: number;
  /** Model runs (a frame with a crop and a fallback counts 2). */
  inferences: number;
  /** Frames that reused the last mask. */
  skipped: number;
  /** Frames whose mask came from a crop around the person. */
  cropped: number;
}

/** The second look pays when the person is small: above this fraction of the frame the crop is barely a zoom. */
export const SECOND_LOOK_MAX_AREA = 0.6;
/** Margin around the person's box, per side, as a fraction of the box (the prototype's 15 %). */
const CROP_MARGIN = 0.15;
/**
 * A crop also runs the whole frame every this many inferences, to find a second person
 * entering elsewhere (the crop alone would never see them): 0.5 s at 30 fps, for
 * 1/15 of an inference per frame.
 */
const FULL_FRAME_EVERY = 15;
/**
 * Luma change (0..1, after the 3x3 blur of blurredChange) under which a frame counts as
 * unchanged and reuses the mask. Sensor noise on the motion clips blurs to ~0.01; a
 * person's edge moving one working cell changes it by the edge's contrast (0.1-0.5).
 */
const SKIP_CHANGE = 0.03;
/**
 * The memory's gate (smoothTemporal): picture change (blurred, dilated, exposure shift
 * removed) up to `noise` is noise, from `motion` on the place moved; the model's answer
 * may stray `wobble` from the memory before a moving place lets it go. Camera footage
 * (scripts/make_camera_clips.ts: MJPEG then H.264 at 400 kbps) puts 99.9 % of still
 * cells' blurred change under 0.03, and a person's edge moving one working cell changes
 * it by 0.1-0.5. A wobble of 0.4 rather than 0.5: on the camera-like `stride` a moving
 * edge whose probability changed by 0.25-0.4 kept part of its memory and trailed the
 * person (IoU 0.0068 below the raw model's; 0.0032 with 0.4), for 0.02 more of desk's
 * flicker ratio (0.67 → 0.69).
 */
export const MOTION_GATE = { noise: 0.03, motion: 0.08, wobble: 0.4 } as const satisfies MotionGate;
/** Guided filter radius in frame pixels per frame height: 8 px at 720p (the prototype's). */
const GUIDE_RADIUS = 8 / 720;
/**
 * Guided filter eps (luma², so 1e-2 ≈ a local contrast of 0.1): below that contrast the
 * mask keeps the model's edge. The full-size luma the coefficients are applied to
 * carries sensor noise, passed on with gain a ≤ σ_Ip / (σ_I² + eps), and in a stream that
 * noise changes every frame: flicker. So a stream asks for 3x the contrast a photo
 * does. Measured: on ../shared/data/motion `sway` dtSSD 4.74 → 4.57 (1e-2 → 3e-2); on
 * the portraits boundary IoU 0.759 → 0.755, so photos keep 1e-2.
 */
const GUIDE_EPS = { still: 1e-2, stream: 3e-2 } as const;

export class MaskStage {
  readonly #segmenter: Segmenter;
  readonly #maxSkips: number;
  readonly #fuseRamp: boolean;
  readonly #refiner: MaskRefiner;
  readonly #kernels: KernelSet;
  readonly #box = new Int32Array(4);
  readonly stats: MaskStageStats = { frames: 0, inferences: 0, skipped: 0, cropped: 0 };

  #frameWidth = 0;
  #frameHeight = 0;
  #model = "";
  #width = 0;
  #height = 0;
  #down!: { xs: BilinearTable; ys: BilinearTable };
  #up!: { xs: BilinearTable; ys: BilinearTable };
  #luma: Float32Array = new Float32Array(0);
  #refLuma: Float32Array = new Float32Array(0);
  #change: Float32Array = new Float32Array(0);
  #scratch: Float32Array = new Float32Array(0);
  #prob: Float32Array = new Float32Array(0);
  #state: Float32Array = new Float32Array(0);
  #a: Float32Array = new Float32Array(0);
  #b: Float32Array = new Float32Array(0);
  #rowA = new Float32Array(0);
  #rowB = new Float32Array(0);
  #guided = createGuidedScratch(0, 0);
  #probBytes: Uint8Array = new Uint8Array(0);
  #table: Uint8Array = new Uint8Array(256);
  /**
   * Whether the last mask was written through #table straight into the refiner's output
   * (then #probBytes is stale), and the options the table was made from.
   */
  #fused = false;
  readonly #fusedWith: MaskOptions = { invert: false };
  #hasState = false;
  #skipsInRow = 0;
  #sinceFull = 0;
  #lastEdges = true;

  constructor(segmenter: Segmenter, options: MaskStageOptions = {}) {
    this.#segmenter = segmenter;
    this.#maxSkips = options.maxSkips ?? 4;
    this.#fuseRamp = options.fuseRamp ?? true;
    this.#kernels = options.kernels ?? defaultKernels();
    this.#refiner = new MaskRefiner(this.#kernels.refineMask, this.#kernels.plane);
  }

  /** Forgets the stream: the next frame is treated as the first (new input, size or model). */
  reset(): void {
    this.#hasState = false;
    this.#skipsInRow = 0;
    this.#sinceFull = 0;
    this.stats.frames =
      this.stats.inferences =
      this.stats.skipped =
      this.stats.cropped =
        0;
  }

  /**
   * The Y plane of each picture buffer seen (a source reuses a few), so the frame loop
   * creates no view per frame.
   */
  readonly #lumaPlanes = new WeakMap<Uint8Array, Uint8Array>();

  #lumaPlane(data: Uint8Array, length: number): Uint8Array {
    let plane = this.#lumaPlanes.get(data);
    if (plane?.length !== length) {
      plane = data.subarray(0, length);
      this.#lumaPlanes.set(data, plane);
    }
    return plane;
  }

  /** Whether mask() reads a frame's YUV planes when given them (the segmenter's say). */
  get readsYuv(): boolean {
    return this.#segmenter.readsYuv === true;
  }

  /**
   * The refined alpha of `frame` (width*height, 255 = keep), reused by the next call.
   * Given `yuv` (the same picture as the decoder gave it, and readsYuv), the planes are
   * read instead and `frame` is not: the model's input is resampled from them, the luma
   * is the Y plane.
   */
  async mask(frame: Frame, settings: MaskStageSettings, yuv?: YuvPicture): Promise<Uint8Array> {
    const picture = yuv ?? frame;
    const { width: fw, height: fh } = picture;
    const model = this.#segmenter.model;
    if (fw !== this.#frameWidth || fh !== this.#frameHeight || model.name !== this.#model) {
      this.#allocate(fw, fh, model.inputWidth, model.inputHeight);
      this.#model = model.name;
      this.reset();
    }
    if (!(settings.smoothing >= 0 && settings.smoothing <= 1)) {
      throw new RangeError(
        `mask smoothing: expected a number from 0 to 1, got ${settings.smoothing}`,
      );
    }
    this.stats.frames++;
    const stream = settings.mode === "stream";
    const w = this.#width, h = this.#height;
    // The guide: the frame's luma, or the Y plane itself (one byte a pixel).
    const guide = yuv ? this.#lumaPlane(yuv.data, fw * fh) : frame.data;
    const channels = yuv ? 1 : frame.channels;
    this.#kernels.lumaDownscale(guide, fw, fh, channels, this.#down.xs, this.#down.ys, this.#luma);
    if (yuv && !yuv.fullRange) toFullRange(this.#luma);

    if (stream && this.#hasState) {
      const largest = this.#kernels.blurredChange(
        this.#luma,
        this.#refLuma,
        w,
        h,
        this.#scratch,
        this.#change,
      );
      if (
        largest < SKIP_CHANGE && this.#skipsInRow < this.#maxSkips &&
        settings.edges === this.#lastEdges && this.#reusable(settings, fh)
      ) {
        this.#skipsInRow++;
        this.stats.skipped++;
        return this.#fused ? this.#refiner.output(fw, fh) : this.#refine(fw, fh, settings);
      }
    }
    this.#skipsInRow = 0;
    // The dilation, paid only when the frame is segmented again.
    if (stream && this.#hasState) this.#kernels.dilate3(this.#change, w, h, this.#scratch);

    await this.#infer(picture, settings, stream);

    if (stream && this.#hasState && settings.smoothing > 0) {
      this.#kernels.smoothTemporal(
        this.#prob,
        this.#change,
        w,
        h,
        settings.smoothing,
        MOTION_GATE,
        this.#state,
      );
    } else {
      this.#state.set(this.#prob);
    }
    // The reference is the frame of the last inference, not the last frame: a slow drift
    // adds up until it is worth a new inference.
    [this.#refLuma, this.#luma] = [this.#luma, this.#refLuma];
    this.#hasState = stream;

    this.#lastEdges = settings.edges;
    this.#fused = settings.edges && this.#fusable(settings, fh);
    if (settings.edges) {
      const radius = Math.max(1, Math.round(GUIDE_RADIUS * h));
      this.#kernels.guidedCoefficients(
        this.#refLuma,
        this.#state,
        w,
        h,
        radius,
        GUIDE_EPS[settings.mode],
        this.#guided,
        this.#a,
        this.#b,
      );
      // Fused: the alpha written straight through the refiner's table (no feather).
      let out = this.#probBytes, table: Uint8Array | undefined;
      if (this.#fused) {
        const options = this.#optionsOf(settings), used = this.#fusedWith;
        maskTable(options, this.#table);
        used.threshold = options.threshold;
        used.invert = options.invert;
        used.ramp = options.ramp;
        out = this.#refiner.output(fw, fh);
        table = this.#table;
      }
      // A limited-range Y plane: q = a·L + b with L = (Y − 16)·255/219 is a·k·Y +
      // (b − 16·a·k): the coefficients take the range (they are refitted every frame).
      if (yuv && !yuv.fullRange) limitedGuide(this.#a, this.#b);
      this.#kernels.applyGuided(
        this.#a,
        this.#b,
        this.#up.xs,
        this.#up.ys,
        guide,
        channels,
        this.#rowA,
        this.#rowB,
        out,
        table,
      );
      if (table !== undefined) return out;
    } else {
      this.#kernels.resizeMapToBytes(this.#state, this.#up.xs, this.#up.ys, this.#probBytes);
    }
    return this.#refine(fw, fh, settings);
  }

  /** The refiner's options, refilled each frame (the frame loop allocates nothing). */
  readonly #refineOptions: MaskOptions = { invert: false };

  /** #probBytes → the alpha, with the ramp of the mode (a stream's is wider: STREAM_RAMP). */
  #refine(fw: number, fh: number, settings: MaskStageSettings): Uint8Array {
    return this.#refiner.refine(this.#probBytes, fw, fh, this.#optionsOf(settings));
  }

  #optionsOf(settings: MaskStageSettings): MaskOptions {
    const options = this.#refineOptions;
    options.threshold = settings.threshold;
    options.invert = settings.invert;
    options.feather = settings.feather;
    options.ramp = settings.mode;
    return options;
  }

  /**
   * Whether the refiner's table can be applied by applyGuided: no feather (it blurs the
   * alpha after the table). A bad feather goes the refiner's way, which rejects it.
   */
  #fusable(settings: MaskStageSettings, fh: number): boolean {
    const feather = settings.feather ?? defaultMaskOptions.feather;
    return this.#fuseRamp && feather >= 0 && featherRadius(settings, fh) < 1;
  }

  /**
   * Whether the last mask can serve this frame. #probBytes can be refined again with any
   * options; a fused alpha only with the options it was made with (a threshold, invert or
   * feather turned on since then asks for a new inference, as `edges` does).
   */
  #reusable(settings: MaskStageSettings, fh: number): boolean {
    if (!this.#fused) return true;
    const used = this.#fusedWith;
    return this.#fusable(settings, fh) && Object.is(settings.threshold, used.threshold) &&
      settings.invert === used.invert && settings.mode === used.ramp;
  }

  /** Fills #prob (working size) from one or two inferences. */
  async #infer(
    frame: Frame | YuvPicture,
    settings: MaskStageSettings,
    stream: boolean,
  ): Promise<void> {
    const { inputWidth: mw, inputHeight: mh } = this.#segmenter.model;
    const fw = frame.width, fh = frame.height, w = this.#width, h = this.#height;
    const whole: Region = { x: 0, y: 0, width: fw, height: fh };
    const full = async () => {
      const map = await this.#segmenter.segment(frame);
      this.stats.inferences++;
      this.#kernels.pasteRegion(map, mw, mh, whole, fw, fh, this.#prob, w, h);
      this.#sinceFull = 0;
    };

    const sides = (region: Region) =>
      (region.x > 0 ? LEFT : 0) | (region.y > 0 ? TOP : 0) |
      (region.x + region.width < fw ? RIGHT : 0) | (region.y + region.height < fh ? BOTTOM : 0);

    if (!stream || !this.#hasState) {
      // A still image, or the first frame of a stream: the whole frame first, then the
      // crop its mask calls for, so that a stream starts from the crop's answer rather
      // than drifting to it through the smoothing.
      await full();
      const region = this.#cropFor(this.#prob, settings.secondLook, fw, fh);
      if (region === undefined) return;
      const map = await this.#segmenter.segment(frame, region);
      this.stats.inferences++;
      if (stream && touchesSides(map, mw, mh, 0.5, sides(region)) !== 0) return;
      this.stats.cropped++;
      // Still images: the crop's view and the whole frame's averaged inside the crop;
      // two looks at the same edge disagree where the model is unsure, and the mean of
      // two unsure answers is closer to the truth than either.
      this.#kernels.pasteRegion(map, mw, mh, region, fw, fh, this.#prob, w, h, !stream);
      return;
    }

    const region = this.#cropFor(this.#state, settings.secondLook, fw, fh);
    if (region === undefined) return await full();
    const refresh = ++this.#sinceFull >= FULL_FRAME_EVERY;
    const map = await this.#segmenter.segment(frame, region);
    this.stats.inferences++;
    if (touchesSides(map, mw, mh, 0.5, sides(region)) !== 0) return await full(); // cut by the crop
    // Nobody left in the crop: the person stepped out of it; look for them at once
    // rather than at the next whole-frame look, up to half a second away.
    if (boxAbove(map, mw, mh, 0.5, this.#box) === 0) return await full();
    this.stats.cropped++;
    if (refresh) {
      // The crop's map is overwritten by the whole frame's run: keep it first.
      this.#keep.set(map);
      await full();
      this.#kernels.pasteRegion(this.#keep, mw, mh, region, fw, fh, this.#prob, w, h);
    } else {
      // Outside the crop the model did not look: the memory stays as the last whole-frame
      // look left it. (Zeros there used to fade out what that look found, and fade in
      // over a second a person it found beside the crop; things beside the crop blinked
      // at every whole-frame look.)
      this.#prob.set(this.#state);
      this.#kernels.pasteRegion(map, mw, mh, region, fw, fh, this.#prob, w, h);
    }
  }

  #keep = new Float32Array(0);

  /** The crop around the person in `map` (working size), or undefined when it would not pay. */
  #cropFor(
    map: Float32Array,
    secondLook: SecondLook,
    fw: number,
    fh: number,
  ): Region | undefined {
    if (secondLook === "off") return undefined;
    const w = this.#width, h = this.#height, box = this.#box;
    if (boxAbove(map, w, h, 0.5, box) === 0) return undefined;
    const area = ((box[2] - box[0]) * (box[3] - box[1])) / (w * h);
    if (area >= (secondLook === "auto" ? SECOND_LOOK_MAX_AREA : 1)) return undefined;
    const sx = fw / w, sy = fh / h;
    const bw = (box[2] - box[0]) * sx, bh = (box[3] - box[1]) * sy;
    const x0 = Math.max(0, Math.floor(box[0] * sx - CROP_MARGIN * bw));
    const y0 = Math.max(0, Math.floor(box[1] * sy - CROP_MARGIN * bh));
    const x1 = Math.min(fw, Math.ceil(box[2] * sx + CROP_MARGIN * bw));
    const y1 = Math.min(fh, Math.ceil(box[3] * sy + CROP_MARGIN * bh));
    if ((x1 - x0) * (y1 - y0) >= fw * fh) return undefined; // the crop is the frame
    const region = this.#region;
    region.x = x0;
    region.y = y0;
    region.width = x1 - x0;
    region.height = y1 - y0;
    return region;
  }

  /** The crop of the frame being processed (reused: segment() reads it at once). */
  readonly #region: Region = { x: 0, y: 0, width: 0, height: 0 };

  #allocate(fw: number, fh: number, mw: number, mh: number): void {
    // The working size: the model's, or ¼ of the frame when that is larger (the guided
    // filter's fitting resolution), never more than the frame.
    const w = Math.min(fw, Math.max(mw, Math.round(fw / 4)));
    const h = Math.min(fh, Math.max(mh, Math.round(fh / 4)));
    // In the kernels' arena: the wasm kernels then read and write them in place.
    const plane = () => this.#kernels.floats(w * h);
    this.#frameWidth = fw;
    this.#frameHeight = fh;
    this.#width = w;
    this.#height = h;
    this.#down = { xs: bilinearTable(fw, w), ys: bilinearTable(fh, h) };
    this.#up = { xs: bilinearTable(w, fw), ys: bilinearTable(h, fh) };
    this.#luma = plane();
    this.#refLuma = plane();
    this.#change = plane();
    this.#scratch = plane();
    this.#prob = plane();
    this.#state = plane();
    this.#a = plane();
    this.#b = plane();
    this.#rowA = new Float32Array(w);
    this.#rowB = new Float32Array(w);
    this.#guided = createGuidedScratch(w, h);
    this.#keep = new Float32Array(mw * mh);
    this.#probBytes = this.#kernels.plane(fw * fh);
    this.#table = this.#kernels.plane(256);
    this.#fused = false;
  }
}

/** Limited-range luma levels per full-range level: Y 16..235 spans 0..255. */
const LIMITED_SCALE = 255 / 219;

/** Luma from a limited-range Y plane, in place: (Y − 16)·255/219, as RGB's luma would be. */
function toFullRange(luma: Float32Array): void {
  for (let i = 0; i < luma.length; i++) luma[i] = (luma[i] - 16) * LIMITED_SCALE;
}

/** Guided coefficients a, b fitted on full-range luma, rewritten to apply to limited Y. */
function limitedGuide(a: Float32Array, b: Float32Array): void {
  for (let i = 0; i < a.length; i++) {
    const ak = a[i] * LIMITED_SCALE;
    a[i] = ak;
    b[i] -= 16 * ak;
  }
}
