/**
 * The effects by name: the one place a new effect is registered (one file + one line).
 */
import { createBlurEffect } from "./blur.ts";
import { createDesaturateEffect } from "./desaturate.ts";
import type { Effect, EffectName, EffectSettings } from "./effect.ts";
import { defaultKernels, type Kernels } from "../kernels/kernel_set.ts";
import { createNoneEffect } from "./none.ts";
import { createRemoveEffect } from "./remove.ts";
import { createReplaceEffect } from "./replace.ts";
import { createTransparentEffect } from "./transparent.ts";

const FACTORIES: Record<EffectName, (kernels: Kernels) => Effect> = {
  none: createNoneEffect,
  remove: createRemoveEffect,
  replace: createReplaceEffect,
  blur: createBlurEffect,
  desaturate: createDesaturateEffect,
  transparent: createTransparentEffect,
};

export const EFFECT_NAMES: readonly EffectName[] = Object.freeze(
  Object.keys(FACTORIES) as EffectName[],
);

export function isEffectName(name: string): name is EffectName {
  return Object.hasOwn(FACTORIES, name);
}

/**
 * A new effect instance; it owns its scratch buffers, so use one per pipeline. It runs
 * on `kernels` (wasm SIMD by default, see src/kernels/kernel_set.ts).
 */
export function createEffect(name: EffectName, kernels: Kernels = defaultKernels()): Effect {
  if (!isEffectName(name)) {
    throw new RangeError(`unknown effect "${name}": expected one of ${EFFECT_NAMES.join(", ")}`);
  }
  return FACTORIES[name](kernels);
}

/** Blur sigma range (fraction of frame height): 0.5% is barely soft, 15% is a wash. */
export const BLUR_RANGE = [0.005, 0.15] as const;
/** Each key press multiplies the blur by this: perceived strength is roughly logarithmic. */
const BLUR_STEP = 1.25;
const SATURATION_STEP = 0.1;

/**
 * What the live UI's +/- keys do: `direction` 1 makes the effect stronger (more blur,
 * less colour), -1 weaker. Returns false when the effect has no strength to adjust
 * (none, remove, replace, transparent) or it is already at its limit.
 */
export function adjustStrength(
  name: EffectName,
  settings: EffectSettings,
  direction: 1 | -1,
): boolean {
  if (name === "blur") {
    const [min, max] = BLUR_RANGE;
    const next = Math.min(max, Math.max(min, settings.blur * BLUR_STEP ** direction));
    const changed = next !== settings.blur;
    settings.blur = next;
    return changed;
  }
  if (name === "desaturate") {
    // Rounded to tenths so repeated presses land on 0 and 1 exactly.
    const next = Math.min(
      1,
      Math.max(0, Math.round((settings.saturation - direction * SATURATION_STEP) * 10) / 10),
    );
    const changed = next !== settings.saturation;
    settings.saturation = next;
    return changed;
  }
  return false;
}

/** A short label of the adjustable strength for the status panel, e.g. "blur 3.0%". */
export function describeStrength(name: EffectName, settings: EffectSettings): string {
  if (name === "blur" && settings.blurShape === "lens") {
    return `lens blur ${(settings.blur * 100).toFixed(1)}% of height`;
  }
  if (name === "blur") return `blur ${(settings.blur * 100).toFixed(1)}% of height`;
  if (name === "desaturate") return `saturation ${Math.round(settings.saturation * 100)}%`;
  if (name === "remove") {
    const hex = settings.color.map((c) => c.toString(16).padStart(2, "0")).join("");
    return `colour #${hex}`;
  }
  return name;
}
