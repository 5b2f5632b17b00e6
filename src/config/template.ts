/**
 * The commented template `segcam config --init` writes. It is generated from the
 * settings table (src/settings.ts), so it never drifts from the options; every line is
 * commented out, so a fresh file changes nothing until the user edits it.
 */
import { CONFIG_KEYS, findSetting, formatSettingValue, type Setting } from "../settings.ts";
import { CONFIG_SECTION } from "./config_file.ts";

function toml(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(toml).join(", ")}]`;
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function exampleValue(s: Setting): unknown {
  if (s.example !== undefined) return s.example;
  // Colours are RGB triples; write them as the name or #rrggbb a person would.
  if (s.kind === "colour") return s.defaultDescription ?? formatSettingValue(s.default);
  return s.default;
}

export function configTemplate(): string {
  const lines = [
    "# segcam settings for `segcam live` and `segcam service`. Options given on the",
    "# command line override them (--no-mirror overrides mirror = true). Uncomment a line",
    "# and change its value; run `segcam config` to check the file and see the settings in",
    "# force and where each one comes from.",
    "# Paths: ~/ is your home folder; relative paths start at this file's folder.",
    "",
    `[${CONFIG_SECTION}]`,
  ];
  for (const key of CONFIG_KEYS) {
    const s = findSetting(key)!;
    const choices = s.choices ? ` (${s.choices.join(", ")})` : "";
    const range = s.kind === "number" ? ` (${s.min} to ${s.max})` : "";
    lines.push(`# ${s.help}${choices}${range}`);
    lines.push(`# ${key} = ${toml(exampleValue(s))}`);
  }
  return lines.join("\n") + "\n";
}
