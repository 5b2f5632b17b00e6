/** `desaturate`: the background loses its colour (`settings.saturation`, 0 = gray). */
import { compositeOverGray } from "../kernels/colour.ts";
import type { Effect } from "./effect.ts";

export function createDesaturateEffect(): Effect {
  return {
    name: "desaturate",
    outputChannels: 3,
    apply: (input, settings, out) =>
      compositeOverGray(input.frame, input.alpha, settings.saturation, out),
  };
}
