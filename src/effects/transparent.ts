/** `transparent`: RGBA output whose alpha is the mask (for PNG, WebM/VP9, ProRes 4444). */
import { defaultKernels, type Kernels } from "../kernels/kernel_set.ts";
import type { Effect } from "./effect.ts";

export function createTransparentEffect(kernels: Kernels = defaultKernels()): Effect {
  return {
    name: "transparent",
    outputChannels: 4,
    apply: (input, _settings, out) => kernels.attachAlpha(input.frame, input.alpha, out),
  };
}
