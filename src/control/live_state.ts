/**
 * What a running `segcam live` lets its user change, as one plain value: the panel
 * draws it, the engine reads it (through src/pipeline/frame_settings.ts), and the two
 * front-ends (keys, the control socket) change it only through `apply()` in
 * commands.ts. Pure: no I/O, no clock read.
 */
import type { EffectName, EffectSettings } from "../effects/effect.ts";
import { describeStrength } from "../effects/registry.ts";

export interface LiveControls {
  /**
   * The effect the user chose. "transparent" stays "transparent" even where the output
   * has no alpha channel: the engine delivers it as a key colour, the panel says so.
   */
  effect: EffectName;
  /**
   * "mask" shows the refined mask as a gray picture in the terminal preview (key m);
   * the output keeps the effect unless `maskOut` is set.
   */
  view: "effect" | "mask";
  /** Send the mask view to the output too (for debugging in OBS; never by default). */
  maskOut: boolean;
  /** blur, saturation, colour; `add strength ±1` changes the current effect's. */
  effectSettings: EffectSettings;
  /** Hard mask at this probability, or undefined for the soft edge. */
  threshold?: number;
  /** Temporal smoothing of the mask, 0 = off. */
  smoothing: number;
  /** The value `cycle smoothing` turns smoothing back on with: the last non-zero one. */
  lastSmoothing: number;
  /** Flip the picture left to right, as a mirror does. */
  mirror: boolean;
  /** Auto-framing: the output follows the people (key a). */
  autoframe: boolean;
  /** Which of the `backgroundCount` backgrounds replace shows (0-based). */
  backgroundIndex: number;
  backgroundCount: number;
  /** The camera (or input) is stopped by the user; the output keeps the last frame. */
  paused: boolean;
  /** Show the output picture under the panel. */
  preview: boolean;
  /** What the last command could not do, or did out of sight; "" for none. */
  message: string;
  /** The `now` after which `message` is stale (see {@link expireMessage}). */
  messageUntil: number;
  quit: boolean;
}

/** How long a command's message stays up unless another command replaces it first. */
export const MESSAGE_MS = 4000;
/** What `cycle smoothing` turns smoothing on with when none was ever set. */
export const DEFAULT_SMOOTHING = 0.5;

/** Controls as the command line or config file sets them; everything else starts off. */
export function createLiveControls(
  start: Pick<LiveControls, "effect" | "effectSettings"> & Partial<LiveControls>,
): LiveControls {
  const smoothing = start.smoothing ?? 0;
  return {
    view: "effect",
    maskOut: false,
    mirror: false,
    autoframe: false,
    backgroundIndex: 0,
    backgroundCount: 0,
    paused: false,
    preview: false,
    message: "",
    messageUntil: 0,
    quit: false,
    ...start,
    effectSettings: cloneEffectSettings(start.effectSettings),
    smoothing,
    lastSmoothing: start.lastSmoothing ?? (smoothing > 0 ? smoothing : DEFAULT_SMOOTHING),
  };
}

/** A copy whose effect settings can be changed without touching the original's. */
export function copyControls(controls: LiveControls): LiveControls {
  return { ...controls, effectSettings: cloneEffectSettings(controls.effectSettings) };
}

/** The same controls, or a copy without the message once `now` is past its expiry. */
export function expireMessage(controls: LiveControls, now: number): LiveControls {
  if (controls.message === "" || now < controls.messageUntil) return controls;
  return { ...controls, message: "", messageUntil: 0 };
}

/**
 * The chosen effect and its strength, named once: "blur 3.0% of height",
 * "desaturate, saturation 0%", "replace, background 2 of 3", "transparent as key colour
 * #00ff00" (`transparentAs` says how an output without alpha gets it), "none".
 */
export function describeEffect(controls: LiveControls, transparentAs?: string): string {
  const { effect, effectSettings } = controls;
  switch (effect) {
    case "blur":
      return describeStrength(effect, effectSettings);
    case "desaturate":
    case "remove":
      return `${effect}, ${describeStrength(effect, effectSettings)}`;
    case "replace":
      return controls.backgroundCount === 0
        ? "replace (no background given)"
        : `replace, background ${controls.backgroundIndex + 1} of ${controls.backgroundCount}`;
    case "transparent":
      return transparentAs ? `transparent as ${transparentAs}` : "transparent";
    case "none":
      return "none";
  }
}

/** The edge, smoothing and mirror settings: ["soft edge", "smoothing off", "mirror off"]. */
export function describeSettings(controls: LiveControls): string[] {
  return [
    controls.threshold === undefined ? "soft edge" : `threshold ${controls.threshold.toFixed(2)}`,
    controls.smoothing > 0 ? `smoothing ${controls.smoothing.toFixed(2)}` : "smoothing off",
    `mirror ${controls.mirror ? "on" : "off"}`,
  ];
}

function cloneEffectSettings(settings: EffectSettings): EffectSettings {
  return { ...settings, color: [...settings.color] };
}

/** What the picture shows: the effect, or the mask view and where it goes. */
export function describeView(controls: LiveControls, transparentAs?: string): string {
  const effect = describeEffect(controls, transparentAs);
  const paused = controls.paused ? "paused, " : "";
  if (controls.view !== "mask") return paused + effect;
  return controls.maskOut
    ? `${paused}mask view, in the preview and the output (${effect} hidden)`
    : `${paused}${effect}; mask view in the preview only (m leaves it)`;
}
