/** `none`: the source frame unchanged (the mask is ignored). */
import { copyPixels } from "../kernels/composite.ts";
import type { Kernels } from "../kernels/kernel_set.ts";
import type { Effect } from "./effect.ts";

export function createNoneEffect(_kernels?: Kernels): Effect {
  return {
    name: "none",
    outputChannels: 3,
    apply: (input, _settings, out) => copyPixels(input.frame, out),
    // Planar frames go out as they came in, without even a copy.
    rendersPlanar: () => true,
    applyPlanar: (src) => src,
  };
}
