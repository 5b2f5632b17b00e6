/**
 * The command-line face of the settings table (src/settings.ts): each option is built
 * from its row, so its name, help, default, range and `--no-` form are the table's.
 * The effect options are shared by `image`, `video` and `live`, which read and document
 * them alike.
 */
import { type CommandUnknownOpts, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { createEffectSettings } from "../effects/effect.ts";
import type { BlurShape, EffectName } from "../effects/effect.ts";
import type { ProcessSettings } from "../pipeline/frame_processor.ts";
import { UsageError } from "../errors.ts";
import {
  EFFECT_SETTINGS,
  formatSettingValue,
  parseSettingText,
  type Setting,
  setting,
  type SettingName,
  SettingValueError,
} from "../settings.ts";

/** Mask smoothing over time for video and live: 0 off .. 1 steadiest (see mask_stage.ts). */
export const DEFAULT_SMOOTHING = setting("smoothing").default as number;

export type SecondLook = "auto" | "on" | "off";

/** How one command differs from the table's row: its own default, or a repeatable option. */
export interface OptionOverride {
  default?: unknown;
  help?: string;
  /** Each use adds one value (live's -b: key r cycles through them). */
  repeatable?: boolean;
}

function flags(s: Setting, negated = false): string {
  const long = `--${negated ? "no-" : ""}${s.name}`;
  const arg = s.kind === "flag" ? "" : ` ${s.arg ?? "<value>"}`;
  return `${s.short && !negated ? `-${s.short}, ` : ""}${long}${arg}`;
}

/**
 * The commander options of one setting: one, or for a flag two (`--mirror` and
 * `--no-mirror`), of which --help shows the one that changes the default; the other is
 * there to override the settings file.
 */
export function optionsFor(s: Setting, override: OptionOverride = {}): Option[] {
  const help = override.help ?? s.help;
  const value = Object.hasOwn(override, "default") ? override.default : s.default;
  if (s.kind === "flag") {
    const positive = new Option(flags(s), help).default(value as boolean);
    const negative = new Option(
      flags(s, true),
      s.negatedHelp ?? `not --${s.name} (overrides the settings file)`,
    );
    if (value === true) positive.hideHelp();
    else negative.hideHelp();
    return [positive, negative];
  }
  const option = new Option(flags(s), help);
  if (s.choices && s.kind === "choice") option.choices(s.choices);
  const label = `--${s.name}`;
  const parse = (text: string) => {
    try {
      return parseSettingText(s, text);
    } catch (error) {
      if (!(error instanceof SettingValueError)) throw error;
      throw new InvalidArgumentError(`${label} takes ${error.reason}, got "${text}".`);
    }
  };
  if (override.repeatable) {
    option.argParser((text: string, previous: unknown[]) => [...previous, parse(text)]);
  } else if (s.kind !== "choice" && s.kind !== "text" && s.kind !== "file") {
    option.argParser(parse);
  }
  if (override.repeatable) option.default(value ?? []);
  else if (value !== undefined) {
    option.default(
      Array.isArray(value) ? [...value] : value,
      s.defaultDescription ?? (Array.isArray(value) ? formatSettingValue(value) : undefined),
    );
  }
  return [option];
}

/** Declares the settings `names` on `command`, with per-command overrides. */
export function addSettingOptions(
  command: CommandUnknownOpts,
  names: readonly SettingName[],
  overrides: Partial<Record<SettingName, OptionOverride>> = {},
): void {
  for (const name of names) {
    for (const option of optionsFor(setting(name), overrides[name])) command.addOption(option);
  }
}

/**
 * Adds --effect, --background, --color, --blur, --saturation, --threshold, --invert,
 * --feather and --second-look; --smoothing too when `smoothing` is set (frames in time).
 */
export function addEffectOptions(
  command: CommandUnknownOpts,
  defaults: {
    effect: EffectName;
    feather: number;
    repeatableBackground?: boolean;
    smoothing?: number;
  },
): void {
  addSettingOptions(command, EFFECT_SETTINGS, {
    effect: { default: defaults.effect },
    feather: { default: defaults.feather },
    background: defaults.repeatableBackground
      ? {
        repeatable: true,
        help: "replace: a background image or video; repeat it, and key r cycles through them",
      }
      : undefined,
  });
  if (defaults.smoothing !== undefined) {
    addSettingOptions(command, ["smoothing"], { smoothing: { default: defaults.smoothing } });
  }
}

/**
 * A warning for each effect option given on the command line that `effect` does not
 * read (`-b beach.jpg -e blur`), naming the effect that would; undefined-free list.
 */
export function unusedOptionWarnings(
  effect: EffectName,
  givenOnCommandLine: (name: SettingName) => boolean,
): string[] {
  const warnings: string[] = [];
  for (const name of EFFECT_SETTINGS) {
    const usedBy = (setting(name).usedBy ?? []) as readonly EffectName[];
    if (usedBy.length === 0 || usedBy.includes(effect) || !givenOnCommandLine(name)) continue;
    warnings.push(
      `--${name} is unused with --effect ${effect}: only --effect ${usedBy.join(" or ")} reads it`,
    );
  }
  return warnings;
}

export interface EffectCliOptions {
  effect: EffectName;
  background?: string;
  color: [number, number, number];
  blur: number;
  /** Absent where a caller predates the option: the default shape. */
  blurShape?: BlurShape;
  saturation: number;
  threshold?: number;
  invert: boolean;
  feather: number;
  secondLook: SecondLook;
  /** Only on commands that process frames in time (video, live). */
  smoothing?: number;
}

/** The processing settings the options describe; checks that replace has a background. */
export function processSettingsFrom(options: EffectCliOptions): ProcessSettings {
  if (options.effect === "replace" && options.background === undefined) {
    throw new UsageError(
      "--effect replace needs a background: add --background <image or video file>",
    );
  }
  return {
    effect: options.effect,
    effectSettings: createEffectSettings({
      color: options.color,
      blur: options.blur,
      blurShape: options.blurShape,
      saturation: options.saturation,
    }),
    mask: {
      threshold: options.threshold,
      invert: options.invert,
      feather: options.feather,
      smoothing: options.smoothing,
      secondLook: options.secondLook,
    },
  };
}
