/**
 * `transparent`: the mask becomes the picture's alpha (for PNG, WebM/VP9, ProRes 4444).
 * On RGB frames it writes RGBA; on planar YUV it hands out the decoder's planes as they
 * are with the mask as their alpha plane, so an alpha encoder gets yuva420p straight from
 * the decoder's yuv420p: no conversion to RGBA on segcam's side, none back on ffmpeg's.
 */
import { defaultKernels, type Kernels } from "../kernels/kernel_set.ts";
import type { YuvPicture } from "../kernels/yuv_picture.ts";
import type { Effect } from "./effect.ts";

export function createTransparentEffect(kernels: Kernels = defaultKernels()): Effect {
  // The picture handed out: `src`'s planes with the alpha; one object, rewritten per frame.
  const view: YuvPicture = {
    data: new Uint8Array(0),
    width: 0,
    height: 0,
    layout: "420",
    fullRange: false,
  };
  return {
    name: "transparent",
    outputChannels: 4,
    apply: (input, _settings, out) => kernels.attachAlpha(input.frame, input.alpha, out),
    rendersPlanar: () => true,
    applyPlanar(src, alpha) {
      view.data = src.data;
      view.width = src.width;
      view.height = src.height;
      view.layout = src.layout;
      view.fullRange = src.fullRange;
      view.alpha = alpha;
      return view;
    },
  };
}
