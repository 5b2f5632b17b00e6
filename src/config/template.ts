/**
 * The commented template `segcam config --init` writes. It is generated from the live
 * command's own options (help text and defaults), so it never drifts from them; every
 * line is commented out, so a fresh file changes nothing until the user edits it.
 */
import type { Option } from "@commander-js/extra-typings";
import { type ConfigTarget, GLOBAL_KEYS, LIVE_KEYS } from "./apply_config.ts";
import { CONFIG_SECTION } from "./config_file.ts";

/** What to show for options without a default: a typical value. */
const EXAMPLES: Record<string, unknown> = {
  camera: "/dev/video0",
  size: "1280x720",
  fps: 30,
  input: "~/Videos/talk.mp4",
  output: "/dev/video10",
  background: ["~/Pictures/office.jpg", "~/Videos/beach.mp4"],
  threshold: 0.5,
};

function toml(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(toml).join(", ")}]`;
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function exampleValue(key: string, option: Option): unknown {
  if (key in EXAMPLES) return EXAMPLES[key];
  // Colours default to an RGB triple described by name ("white"); write the name.
  if (Array.isArray(option.defaultValue) && option.defaultValueDescription) {
    return option.defaultValueDescription.replace(/^"|"$/g, "");
  }
  return option.defaultValue ?? false;
}

export function configTemplate(target: ConfigTarget): string {
  const lines = [
    "# segcam settings for `segcam live` and `segcam service`. Options given on the",
    "# command line override them. Uncomment a line and change its value; run",
    "# `segcam config` to see the settings in force and where each one comes from.",
    "# Paths: ~/ is your home folder; relative paths start at this file's folder.",
    "",
    `[${CONFIG_SECTION}]`,
  ];
  for (const key of [...LIVE_KEYS, ...GLOBAL_KEYS]) {
    const holder = (GLOBAL_KEYS as readonly string[]).includes(key) ? target.program : target.live;
    const option = (holder.options as readonly Option[]).find((o) => o.long === `--${key}`);
    if (!option) continue;
    const choices = option.argChoices ? ` (${option.argChoices.join(", ")})` : "";
    lines.push(`# ${option.description}${choices}`);
    lines.push(`# ${key} = ${toml(exampleValue(key, option))}`);
  }
  return lines.join("\n") + "\n";
}
