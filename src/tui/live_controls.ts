/**
 * What the live keys control, and the keys as a pure function from (controls, key) to
 * controls: no I/O, no clock read (the caller passes `now`), never mutates its input.
 * The panel draws these controls; the frame engine reads them.
 */
import type { EffectName, EffectSettings } from "../effects/effect.ts";
import { adjustStrength, describeStrength } from "../effects/registry.ts";
import type { KeyAction } from "./keys.ts";

export interface LiveControls {
  /**
   * The effect the user chose. "transparent" stays "transparent" even where the output
   * has no alpha channel: the engine delivers it as a key colour, the panel says so.
   */
  effect: EffectName;
  /** "mask" shows the refined mask as a gray picture instead of the effect (key m). */
  view: "effect" | "mask";
  /** blur, saturation, colour; +/- change the current effect's strength. */
  effectSettings: EffectSettings;
  /** Hard mask at this probability (keys [ ]), or undefined for the soft edge (key s). */
  threshold?: number;
  /** Temporal smoothing of the mask, 0 = off (key o toggles). */
  smoothing: number;
  /** The value key o turns smoothing back on with: the last non-zero one. */
  lastSmoothing: number;
  /** Flip the picture left to right, as a mirror does (key f). */
  mirror: boolean;
  /** Which of the `backgroundCount` backgrounds replace shows (key r cycles). */
  backgroundIndex: number;
  backgroundCount: number;
  /** Show the output picture under the panel (key p). */
  preview: boolean;
  /** What the last key could not do, or did out of sight; "" for none. */
  message: string;
  /** The `now` after which `message` is stale (see {@link expireMessage}). */
  messageUntil: number;
  quit: boolean;
}

/** How long a key's message stays up unless another key replaces it first. */
export const MESSAGE_MS = 4000;
/** Threshold keys move by this, within THRESHOLD_RANGE: 19 steps, fine enough to see. */
export const THRESHOLD_STEP = 0.05;
export const THRESHOLD_RANGE = [0.05, 0.95] as const;
/** Where the first [ or ] starts from: the middle of the model's probability. */
const THRESHOLD_START = 0.5;
/** What key o turns smoothing on with when none was ever set. */
export const DEFAULT_SMOOTHING = 0.5;

/** Controls as the command line or config file sets them; everything else starts off. */
export function createLiveControls(
  start: Pick<LiveControls, "effect" | "effectSettings"> & Partial<LiveControls>,
): LiveControls {
  const smoothing = start.smoothing ?? 0;
  return {
    view: "effect",
    mirror: false,
    backgroundIndex: 0,
    backgroundCount: 0,
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

/**
 * The controls after one key. `now` (ms, any clock) stamps the expiry of the message
 * the key leaves. Every key clears the previous message.
 */
export function applyKey(controls: LiveControls, action: KeyAction, now: number): LiveControls {
  const next: LiveControls = {
    ...controls,
    effectSettings: cloneEffectSettings(controls.effectSettings),
    message: "",
    messageUntil: 0,
  };
  const say = (message: string) => {
    next.message = message;
    next.messageUntil = now + MESSAGE_MS;
    return next;
  };
  switch (action) {
    case "quit":
      next.quit = true;
      return next;
    case "blur":
    case "desaturate":
    case "transparent":
    case "remove":
    case "none":
      // An effect key means "show me this effect": it also leaves the mask view, so the
      // header never names an effect the picture does not show.
      next.effect = action;
      next.view = "effect";
      return next;
    case "replace":
      if (controls.backgroundCount === 0) {
        return say("no background to replace with: start with --background FILE (repeatable)");
      }
      if (controls.effect === "replace" && controls.view === "effect") {
        next.backgroundIndex = (controls.backgroundIndex + 1) % controls.backgroundCount;
        if (controls.backgroundCount === 1) say("only one background: add more with --background");
      }
      next.effect = "replace";
      next.view = "effect";
      return next;
    case "mask":
      next.view = controls.view === "mask" ? "effect" : "mask";
      return next;
    case "stronger":
    case "weaker": {
      const direction = action === "stronger" ? 1 : -1;
      if (adjustStrength(next.effect, next.effectSettings, direction)) return next;
      if (next.effect === "blur" || next.effect === "desaturate") {
        return say(
          `${describeStrength(next.effect, next.effectSettings)} is the ${
            direction === 1 ? "strongest" : "weakest"
          } it goes`,
        );
      }
      return say(`${next.effect} has no strength to change; + and - work with blur and desaturate`);
    }
    case "threshold-up":
    case "threshold-down": {
      const [min, max] = THRESHOLD_RANGE;
      const up = action === "threshold-up";
      const current = controls.threshold ?? THRESHOLD_START;
      if (controls.threshold !== undefined && (up ? current >= max : current <= min)) {
        return say(`threshold ${current.toFixed(2)} is the ${up ? "highest" : "lowest"} it goes`);
      }
      // Rounded to hundredths so steps land on 0.05, 0.10, … and print exactly.
      const moved = Math.round((current + (up ? THRESHOLD_STEP : -THRESHOLD_STEP)) * 100) / 100;
      next.threshold = Math.min(max, Math.max(min, moved));
      return next;
    }
    case "soft-edge":
      if (controls.threshold === undefined) return say("the edge is already soft");
      next.threshold = undefined;
      return next;
    case "smoothing":
      if (controls.smoothing > 0) {
        next.lastSmoothing = controls.smoothing;
        next.smoothing = 0;
      } else {
        next.smoothing = controls.lastSmoothing > 0 ? controls.lastSmoothing : DEFAULT_SMOOTHING;
      }
      return next;
    case "mirror":
      next.mirror = !controls.mirror;
      return next;
    case "preview":
      next.preview = !controls.preview;
      return next;
  }
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

/** What the picture shows: the effect, or the mask view and the effect it hides. */
export function describeView(controls: LiveControls, transparentAs?: string): string {
  const effect = describeEffect(controls, transparentAs);
  return controls.view === "mask" ? `mask view, hiding ${effect} (m shows it)` : effect;
}
