/** `replace`: the background becomes another image or video frame. */
import { defaultKernels, type Kernels } from "../kernels/kernel_set.ts";
import type { Effect } from "./effect.ts";

export function createReplaceEffect(kernels: Kernels = defaultKernels()): Effect {
  return {
    name: "replace",
    outputChannels: 3,
    apply(input, _settings, out) {
      if (input.background === undefined) {
        // The caller's wiring is at fault, not the user: the CLI requires --background.
        throw new Error("replace effect: no background frame was given with the input");
      }
      kernels.compositeOverFrame(input.frame, input.alpha, input.background, out);
    },
  };
}
