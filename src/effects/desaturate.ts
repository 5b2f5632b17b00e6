/** `desaturate`: the background loses its colour (`settings.saturation`, 0 = gray). */
import { defaultKernels, type Kernels } from "../kernels/kernel_set.ts";
import type { Effect } from "./effect.ts";

export function createDesaturateEffect(kernels: Kernels = defaultKernels()): Effect {
  return {
    name: "desaturate",
    outputChannels: 3,
    apply: (input, settings, out) =>
      kernels.compositeOverGray(input.frame, input.alpha, settings.saturation, out),
    // On planes only the chroma moves toward gray (src/kernels/desaturate_planes.ts).
    rendersPlanar: () => true,
    applyPlanar(src, alpha, settings, out) {
      kernels.desaturatePlanes(src, alpha, settings.saturation, out);
      return out;
    },
  };
}
