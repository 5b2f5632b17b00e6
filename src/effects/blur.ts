/**
 * `blur`: the background is blurred (halo-free, see src/kernels/blur.ts); the person stays
 * sharp. `blurShape` lens swaps the Gaussian for a lens disc (src/kernels/lens_blur.ts).
 */
import { BlurScratch } from "../kernels/blur.ts";
import { defaultKernels, type Kernels } from "../kernels/kernel_set.ts";
import { LensScratch } from "../kernels/lens_blur.ts";
import type { Effect } from "./effect.ts";

export interface BlurEffect extends Effect {
  /** The effect's buffers, exposed so tests can check they are reused across frames. */
  readonly scratch: BlurScratch;
  /** The lens shape's buffers (allocated on its first frame). */
  readonly lensScratch: LensScratch;
}

export function createBlurEffect(kernels: Kernels = defaultKernels()): BlurEffect {
  const scratch = new BlurScratch();
  const lensScratch = new LensScratch();
  return {
    name: "blur",
    outputChannels: 3,
    scratch,
    lensScratch,
    apply(input, settings, out) {
      if (!(settings.blur >= 0 && Number.isFinite(settings.blur))) {
        throw new RangeError(`blur strength: expected a number >= 0, got ${settings.blur}`);
      }
      // Both shapes take the strength as a fraction of the height: sigma, or the radius.
      const size = settings.blur * input.frame.height;
      if (settings.blurShape === "lens") {
        kernels.lensBlurBackground(input.frame, input.alpha, size, out, lensScratch);
      } else {
        kernels.blurBackground(input.frame, input.alpha, size, out, scratch);
      }
    },
    // The Gaussian runs on the planes as well (src/kernels/blur_planes.ts); the lens
    // shape's highlights are an RGB matter.
    rendersPlanar: (settings) => settings.blurShape !== "lens",
    applyPlanar(src, alpha, settings, out) {
      if (!(settings.blur >= 0 && Number.isFinite(settings.blur))) {
        throw new RangeError(`blur strength: expected a number >= 0, got ${settings.blur}`);
      }
      kernels.blurPlanesBackground(src, alpha, settings.blur * src.height, out, scratch);
      return out;
    },
  };
}
