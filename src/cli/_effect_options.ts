/**
 * The effect options shared by `image`, `video` and `live`, declared once so that the
 * three commands read and document them alike.
 */
import { type CommandUnknownOpts, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { createEffectSettings, defaultEffectSettings } from "../effects/effect.ts";
import type { EffectName } from "../effects/effect.ts";
import { parseColor } from "../effects/parse_color.ts";
import { EFFECT_NAMES } from "../effects/registry.ts";
import type { ProcessSettings } from "../pipeline/frame_processor.ts";
import { defaultMaskStageSettings } from "../pipeline/mask_stage.ts";
import { SegcamError, UsageError } from "../errors.ts";

function fraction(label: string, max = 1) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > max) {
      throw new InvalidArgumentError(`${label} takes a number from 0 to ${max}, got "${value}".`);
    }
    return n;
  };
}

function colour(value: string): [number, number, number] {
  try {
    return parseColor(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof SegcamError ? error.message : String(error));
  }
}

/** Mask smoothing over time for video and live: 0 off .. 1 steadiest (see mask_stage.ts). */
export const DEFAULT_SMOOTHING = defaultMaskStageSettings.smoothing;

export const SECOND_LOOK_CHOICES = ["auto", "on", "off"] as const;
export type SecondLook = typeof SECOND_LOOK_CHOICES[number];

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
  command
    .addOption(
      new Option("-e, --effect <name>", "what to do with the background")
        .choices(EFFECT_NAMES).default(defaults.effect),
    )
    .addOption(
      defaults.repeatableBackground
        ? new Option(
          "-b, --background <file>",
          "replace: a background image or video; repeat it, and key r cycles through them",
        ).argParser((value: string, previous: string[]) => [...previous, value]).default([])
        : new Option("-b, --background <file>", "replace: the new background (image or video)"),
    )
    .addOption(
      new Option("--color <colour>", "remove: background colour, a name or #rrggbb")
        .argParser(colour).default(
          [...defaultEffectSettings.color] as [number, number, number],
          "white",
        ),
    )
    .addOption(
      new Option("--blur <sigma>", "blur: strength as a fraction of the frame height")
        .argParser(fraction("--blur", 0.5)).default(defaultEffectSettings.blur),
    )
    .addOption(
      new Option("--saturation <s>", "desaturate: 0 gray .. 1 unchanged")
        .argParser(fraction("--saturation")).default(defaultEffectSettings.saturation),
    )
    .addOption(
      new Option(
        "--threshold <t>",
        "hard mask: person where probability > t (0..1); default soft edge",
      )
        .argParser(fraction("--threshold")),
    )
    .addOption(new Option("--invert", "keep the background, remove the person").default(false))
    .addOption(
      new Option("--feather <f>", "soft edge width as a fraction of the frame height (0: off)")
        .argParser(fraction("--feather", 0.1)).default(defaults.feather),
    )
    .addOption(
      new Option(
        "--second-look <when>",
        "a second, closer look at the person for finer edges (auto: when it helps)",
      ).choices(SECOND_LOOK_CHOICES).default("auto" as SecondLook),
    );
  if (defaults.smoothing !== undefined) {
    command.addOption(
      new Option(
        "--smoothing <s>",
        "a steadier mask over time, less flicker at the edges: 0 (off) .. 1 (steadiest)",
      ).argParser(fraction("--smoothing")).default(defaults.smoothing),
    );
  }
}

export interface EffectCliOptions {
  effect: EffectName;
  background?: string;
  color: [number, number, number];
  blur: number;
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
