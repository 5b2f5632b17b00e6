/** `blur`: the background is blurred (halo-free, see src/kernels/blur.ts); the person stays sharp. */
import { BlurScratch } from "../kernels/blur.ts";
import { defaultKernels, type Kernels } from "../kernels/kernel_set.ts";
import type { Effect } from "./effect.ts";

export interface BlurEffect extends Effect {
  /** The effect's buffers, exposed so tests can check they are reused across frames. */
  readonly scratch: BlurScratch;
}

export function createBlurEffect(kernels: Kernels = defaultKernels()): BlurEffect {
  const scratch = new BlurScratch();
  return {
    name: "blur",
    outputChannels: 3,
    scratch,
    apply(input, settings, out) {
      if (!(settings.blur >= 0 && Number.isFinite(settings.blur))) {
        throw new RangeError(`blur strength: expected a number >= 0, got ${settings.blur}`);
      }
      const sigma = settings.blur * input.frame.height;
      kernels.blurBackground(input.frame, input.alpha, sigma, out, scratch);
    },
  };
}
