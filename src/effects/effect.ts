/**
 * What every effect implements. An effect turns the source frame and the refined mask
 * (255 = keep the pixel, see src/kernels/mask.ts) into the output frame; the registry
 * (registry.ts) creates them by name.
 */
import type { Frame } from "../frame.ts";
import type { YuvPicture } from "../kernels/yuv_picture.ts";

export type EffectName = "none" | "remove" | "replace" | "blur" | "desaturate" | "transparent";

/**
 * blur: the kernel's shape. gaussian: a smooth bell (src/kernels/blur.ts); lens: a disc
 * with a flat core and blooming highlights, as a camera lens blurs (src/kernels/lens_blur.ts).
 */
export const BLUR_SHAPES = ["gaussian", "lens"] as const;
export type BlurShape = typeof BLUR_SHAPES[number];

/**
 * Settings the effects read on every frame. Mutable on purpose: the live UI changes
 * them between frames (+/- keys, see `adjustStrength` in registry.ts).
 */
export interface EffectSettings {
  /** remove: the background colour, RGB 0..255. */
  color: [number, number, number];
  /**
   * blur: the Gaussian sigma as a fraction of the frame height, so the blur looks the
   * same at any resolution (0.03 = 21.6 px at 720p, 32.4 px at 1080p).
   */
  blur: number;
  /**
   * blur: gaussian, or lens; with lens, `blur` is the disc's radius as a fraction of the
   * frame height (0.03 = a disc 43 px across at 720p).
   */
  blurShape: BlurShape;
  /** desaturate: 0 = grayscale .. 1 = unchanged. */
  saturation: number;
}

/**
 * Defaults: a white background (document-scan look), a strong bokeh-like blur
 * (sigma 3% of the height: faces in the background are unrecognisable, as with the
 * "strong" blur of video-call apps) and a fully gray background.
 */
export const defaultEffectSettings: Readonly<EffectSettings> = Object.freeze({
  color: [255, 255, 255] as [number, number, number],
  blur: 0.03,
  blurShape: "gaussian" as BlurShape,
  saturation: 0,
});

/** A fresh mutable copy of the defaults, for one pipeline. */
export function createEffectSettings(overrides: Partial<EffectSettings> = {}): EffectSettings {
  return {
    color: [...(overrides.color ?? defaultEffectSettings.color)],
    blur: overrides.blur ?? defaultEffectSettings.blur,
    blurShape: overrides.blurShape ?? defaultEffectSettings.blurShape,
    saturation: overrides.saturation ?? defaultEffectSettings.saturation,
  };
}

export interface EffectInput {
  /** The source frame, RGB or RGBA. */
  frame: Frame;
  /** width*height refined mask: 255 keeps the source pixel, 0 shows the new background. */
  alpha: Uint8Array;
  /** replace: the new background, the frame's size (see src/kernels/scale_cover.ts). */
  background?: Frame;
}

export interface Effect {
  readonly name: EffectName;
  /** Channels of the frame `apply` writes: 4 (RGBA) for transparent, 3 otherwise. */
  readonly outputChannels: 3 | 4;
  /**
   * Writes the result into `out` (caller-owned, the frame's size). Opaque effects also
   * accept an RGBA `out` (alpha 255). Allocation-free once warmed up: scratch buffers
   * are sized on the first frame and reused while the size stays the same.
   */
  apply(input: EffectInput, settings: EffectSettings, out: Frame): void;
  /**
   * Whether applyPlanar can draw these settings on planar YUV (absent: never). What it
   * cannot (a lens blur, a replaced background, alpha) goes through RGB instead.
   */
  rendersPlanar?(settings: EffectSettings): boolean;
  /**
   * The effect on a planar YUV picture (the frame as the decoder gave it) into `out`, of
   * the same size and layout; returns the picture to show: `out`, or `src` itself when
   * the effect leaves the frame as it is.
   */
  applyPlanar?(
    src: YuvPicture,
    alpha: Uint8Array,
    settings: EffectSettings,
    out: YuvPicture,
  ): YuvPicture;
}
