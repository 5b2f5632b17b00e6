/**
 * One frame through segmenter → mask refinement → effect, with every buffer owned here
 * and reused while the frame size stays the same. The image, video and live commands
 * all process frames through this class, so a still image and a webcam frame get
 * exactly the same treatment.
 */
import { createEffect } from "../effects/registry.ts";
import type { Effect, EffectName, EffectSettings } from "../effects/effect.ts";
import type { Frame } from "../frame.ts";
import { defaultKernels, type KernelSet } from "../kernels/kernel_set.ts";
import { type MaskOptions, MaskRefiner } from "../kernels/mask.ts";
import type { Segmenter } from "../model/segmenter.ts";

/** The mask's settings: refinement (threshold, invert, feather) and its memory across frames. */
export interface MaskSettings extends MaskOptions {
  /** Temporal smoothing 0..1 (0 off); frames of one stream only, never still images. */
  smoothing?: number;
  /** A second inference on a crop around a small person: auto, on or off. */
  secondLook?: "auto" | "on" | "off";
}

export interface ProcessSettings {
  effect: EffectName;
  effectSettings: EffectSettings;
  mask: MaskSettings;
  /** Show the refined mask as a gray picture instead of the effect (live key m). */
  showMask?: boolean;
}

export class FrameProcessor {
  readonly #segmenter: Segmenter;
  readonly #kernels: KernelSet;
  readonly #refiner: MaskRefiner;
  /** One instance per effect name, created on first use: each owns its scratch. */
  readonly #effects = new Map<EffectName, Effect>();
  #probability: Uint8Array = new Uint8Array(0);

  /** `kernels`: wasm SIMD by default; its arena holds the mask planes (no copies). */
  constructor(segmenter: Segmenter, kernels: KernelSet = defaultKernels()) {
    this.#segmenter = segmenter;
    this.#kernels = kernels;
    this.#refiner = new MaskRefiner(kernels.refineMask, kernels.plane);
  }

  get kernels(): KernelSet {
    return this.#kernels;
  }

  get segmenter(): Segmenter {
    return this.#segmenter;
  }

  /** Segments `frame` and returns its refined alpha (width*height, reused by the next call). */
  async mask(frame: Frame, options: MaskOptions): Promise<Uint8Array> {
    const size = frame.width * frame.height;
    if (this.#probability.length !== size) this.#probability = this.#kernels.plane(size);
    await this.#segmenter.segment(frame);
    this.#segmenter.maskInto(this.#probability, frame.width, frame.height);
    return this.#refiner.refine(this.#probability, frame.width, frame.height, options);
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
