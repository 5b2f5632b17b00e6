/** `remove`: the background becomes a solid colour (`settings.color`). */
import { defaultKernels, type Kernels } from "../kernels/kernel_set.ts";
import type { Effect } from "./effect.ts";

export function createRemoveEffect(kernels: Kernels = defaultKernels()): Effect {
  return {
    name: "remove",
    outputChannels: 3,
    apply: (input, settings, out) =>
      kernels.compositeOverColor(input.frame, input.alpha, settings.color, out),
  };
}
