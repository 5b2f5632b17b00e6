/**
 * One frame through segmenter → mask refinement → effect, with every buffer owned here
 * and reused while the frame size stays the same. The image, video and live commands
 * all process frames through this class, so a still image and a webcam frame get
 * exactly the same treatment.
 */
import { createEffect } from "../effects/registry.ts";
import type { Effect, EffectName, EffectSettings } from "../effects/effect.ts";
import type { Frame } from "../frame.ts";
import { type YuvPicture, yuvPictureBytes } from "../kernels/yuv_picture.ts";
import { defaultKernels, type KernelSet } from "../kernels/kernel_set.ts";
import type { MaskOptions } from "../kernels/mask.ts";
import type { Segmenter } from "../model/segmenter.ts";
import {
  defaultMaskStageSettings,
  MaskStage,
  type MaskStageSettings,
  type MaskStageStats,
  type SecondLook,
} from "./mask_stage.ts";
import {
  type AutoframeSettings,
  type AutoframeStage,
  createAutoframe,
  type Framed,
} from "./autoframe.ts";

/** The mask's settings: refinement (threshold, invert, feather) and its memory across frames. */
export interface MaskSettings extends MaskOptions {
  /** Temporal smoothing 0..1 (0 off); frames of one stream only, never still images. */
  smoothing?: number;
  /** A second inference on a crop around a small person: auto, on or off. */
  secondLook?: SecondLook;
}

export interface ProcessSettings {
  effect: EffectName;
  effectSettings: EffectSettings;
  mask: MaskSettings;
  /** Show the refined mask as a gray picture instead of the effect (live key m). */
  showMask?: boolean;
  /** Auto-framing (autoframe.ts): a crop that follows the people; absent: never. */
  autoframe?: AutoframeSettings;
}

export class FrameProcessor {
  readonly #segmenter: Segmenter;
  readonly #kernels: KernelSet;
  readonly #stage: MaskStage;
  /** Reused: written from the caller's settings before each frame. */
  readonly #stageSettings: MaskStageSettings;
  /** Auto-framing, created the first time it is asked for (it owns a frame's buffers). */
  #autoframe?: AutoframeStage;
  /**
   * SEGCAM_PLANAR=0 converts every frame to RGB as before frames stayed planar (to
   * compare the two: bench/live.ts), as a way around a fault of the planar path.
   */
  readonly #planarWanted = Deno.env.get("SEGCAM_PLANAR") !== "0";
  /** renderPlanar's picture (planarOutput), in the kernels' memory. */
  #planarOut?: YuvPicture;
  /** One instance per effect name, created on first use: each owns its scratch. */
  readonly #effects = new Map<EffectName, Effect>();

  /**
   * @param kernels wasm SIMD by default (src/kernels/kernel_set.ts)
   * @param mode `stream` for the frames of one video or camera (memory across frames),
   *   `still` for unrelated pictures (each on its own, with a closer second look)
   */
  constructor(
    segmenter: Segmenter,
    kernels: KernelSet = defaultKernels(),
    mode: "stream" | "still" = "still",
  ) {
    this.#segmenter = segmenter;
    this.#kernels = kernels;
    this.#stage = new MaskStage(segmenter, { kernels });
    this.#stageSettings = { ...defaultMaskStageSettings, mode };
  }

  get kernels(): KernelSet {
    return this.#kernels;
  }

  /** Forgets the stream's memory: the next frame starts afresh (a new input). */
  reset(): void {
    this.#stage.reset();
    this.#autoframe?.reset();
  }

  /**
   * After the mask, before the effect: the picture and mask auto-framing shows at time
   * `at` (ms, the frame's timestamp) at the output's size, or the inputs themselves when
   * it never was on or is back at the whole frame of the output's size. Reused by the
   * next call.
   */
  autoframe(
    frame: Frame,
    alpha: Uint8Array,
    at: number,
    settings?: AutoframeSettings,
    outWidth = frame.width,
    outHeight = frame.height,
  ): Framed {
    const resize = outWidth !== frame.width || outHeight !== frame.height;
    if (settings === undefined && this.#autoframe === undefined && !resize) {
      return { frame, alpha };
    }
    this.#autoframe ??= createAutoframe({}, this.#kernels);
    return this.#autoframe.apply(
      frame,
      alpha,
      at,
      settings ?? { on: false, zoom: 1 },
      outWidth,
      outHeight,
    );
  }

  /** The zoom auto-framing shows now (1: the whole frame). */
  get autoframeZoom(): number {
    return this.#autoframe?.zoom ?? 1;
  }

  get segmenter(): Segmenter {
    return this.#segmenter;
  }

  /**
   * The refined alpha of `frame` (width*height, reused by the next call): segmentation,
   * memory across frames (stream mode), the second look and the edges (mask_stage.ts).
   */
  mask(frame: Frame, settings: MaskSettings, yuv?: YuvPicture): Promise<Uint8Array> {
    const stage = this.#stageSettings;
    stage.threshold = settings.threshold;
    stage.invert = settings.invert;
    stage.feather = settings.feather;
    stage.smoothing = settings.smoothing ?? defaultMaskStageSettings.smoothing;
    stage.secondLook = settings.secondLook ?? defaultMaskStageSettings.secondLook;
    return this.#stage.mask(frame, stage, yuv);
  }

  /**
   * Whether mask() reads a frame's YUV planes when given them (then `frame` need not
   * hold the picture): with kernels that read them, for the layouts they read.
   */
  get masksFromYuv(): boolean {
    return this.#stage.readsYuv;
  }

  /** Inferences run, masks reused, crops taken (for the bench and the panel). */
  get maskStats(): MaskStageStats {
    return this.#stage.stats;
  }

  /** Applies the chosen effect (or the mask view) into `out`, which the caller owns. */
  render(
    frame: Frame,
    alpha: Uint8Array,
    settings: ProcessSettings,
    out: Frame,
    background?: Frame,
  ): void {
    if (settings.showMask) {
      writeGray(alpha, out);
      return;
    }
    this.effect(settings.effect).apply({ frame, alpha, background }, settings.effectSettings, out);
  }

  /**
   * The picture renderPlanar draws `src` into with these settings (reused, the size and
   * layout of `src`), or undefined when they need RGB: the mask view, auto-framing (on,
   * or still easing back to the whole frame), an effect or shape without a planar form.
   */
  planarOutput(src: YuvPicture, settings: ProcessSettings): YuvPicture | undefined {
    if (
      !this.#planarWanted || settings.showMask || settings.autoframe?.on || this.autoframeZoom !== 1
    ) return undefined;
    if (!this.effect(settings.effect).rendersPlanar?.(settings.effectSettings)) return undefined;
    const { width, height, layout, fullRange } = src;
    let out = this.#planarOut;
    if (out?.width !== width || out.height !== height || out.layout !== layout) {
      out = this.#planarOut = {
        data: this.#kernels.plane(yuvPictureBytes(layout, width, height)),
        width,
        height,
        layout,
        fullRange,
      };
    }
    out.fullRange = fullRange;
    return out;
  }

  /**
   * The effect drawn on the planes of `src` into `out` (from planarOutput); returns the
   * picture to write (`src` itself for an effect that leaves the frame as it is).
   */
  renderPlanar(
    src: YuvPicture,
    alpha: Uint8Array,
    settings: ProcessSettings,
    out: YuvPicture,
  ): YuvPicture {
    return this.effect(settings.effect).applyPlanar!(src, alpha, settings.effectSettings, out);
  }

  effect(name: EffectName): Effect {
    let effect = this.#effects.get(name);
    if (effect === undefined) {
      effect = createEffect(name, this.#kernels);
      this.#effects.set(name, effect);
    }
    return effect;
  }
}

/** Writes a one-channel plane as an opaque gray picture into `out` (RGB or RGBA). */
function writeGray(plane: Uint8Array, out: Frame): void {
  const { data, channels } = out;
  for (let i = 0, o = 0; i < plane.length; i++, o += channels) {
    const v = plane[i];
    data[o] = v;
    data[o + 1] = v;
    data[o + 2] = v;
    if (channels === 4) data[o + 3] = 255;
  }
}
