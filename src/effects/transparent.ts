/** `transparent`: RGBA output whose alpha is the mask (for PNG, WebM/VP9, ProRes 4444). */
import { attachAlpha } from "../kernels/composite.ts";
import type { Effect } from "./effect.ts";

export function createTransparentEffect(): Effect {
  return {
    name: "transparent",
    outputChannels: 4,
    apply: (input, _settings, out) => attachAlpha(input.frame, input.alpha, out),
  };
}
