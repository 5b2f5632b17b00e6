/**
 * From what the user controls (options, keys, the control socket: src/control/) to what
 * the engine applies to each frame. Kept apart from both so that the commands stay a
 * pure function of the controls and the engine knows nothing of keys or sockets.
 */
import type { LiveControls } from "../control/live_state.ts";
import type { FrameSettings } from "./engine.ts";
import { defaultAutoframeSettings } from "./autoframe.ts";

export interface OutputTraits {
  /** The output keeps an alpha channel (webm/mov files): transparent stays transparent. */
  alpha: boolean;
  /** Elsewhere transparent becomes this key colour (for OBS's chroma key). */
  keyColor: [number, number, number];
  /** Edge softening of the mask (fraction of the height); not a key. */
  feather: number;
  invert: boolean;
  /** The second look at a small person (not a key). */
  secondLook?: "auto" | "on" | "off";
  /** Auto-framing's most zoom (--autoframe-zoom; not a key). */
  autoframeZoom?: number;
}

/** Writes the settings that `controls` describe into `into` (reused: keys are rare, frames are not). */
export function applyControls(
  controls: LiveControls,
  traits: OutputTraits,
  into: FrameSettings,
): FrameSettings {
  const transparentAsKey = controls.effect === "transparent" && !traits.alpha;
  into.effect = transparentAsKey ? "remove" : controls.effect;
  into.effectSettings = {
    ...controls.effectSettings,
    color: transparentAsKey ? [...traits.keyColor] : [...controls.effectSettings.color],
  };
  into.mask = {
    threshold: controls.threshold,
    invert: traits.invert,
    feather: traits.feather,
    smoothing: controls.smoothing,
    secondLook: traits.secondLook,
  };
  // The mask view is for the user at the terminal (its preview), not for the call: it
  // reaches the output only when asked for (`set mask-out yes`, for debugging in OBS).
  into.showMask = controls.view === "mask" && controls.maskOut;
  into.mirror = controls.mirror;
  into.autoframe = {
    on: controls.autoframe,
    zoom: traits.autoframeZoom ?? defaultAutoframeSettings.zoom,
  };
  return into;
}
