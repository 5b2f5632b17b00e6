/** `remove`: the background becomes a solid colour (`settings.color`). */
import { compositeOverColor } from "../kernels/composite.ts";
import type { Effect } from "./effect.ts";

export function createRemoveEffect(): Effect {
  return {
    name: "remove",
    outputChannels: 3,
    apply: (input, settings, out) =>
      compositeOverColor(input.frame, input.alpha, settings.color, out),
  };
}
