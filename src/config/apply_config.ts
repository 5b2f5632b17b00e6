/**
 * Merges the config file's `[live]` table into the parsed command line: defaults <
 * config < command line. Each value goes through the very option commander would have
 * parsed it with (same parser, same choices, same message), so a setting is spelled,
 * checked and defaulted in one place: main.ts's option list.
 */
import {
  type CommandUnknownOpts,
  InvalidArgumentError,
  type Option,
} from "@commander-js/extra-typings";
import { UsageError } from "../errors.ts";
import { CONFIG_SECTION, type ConfigFile, type Env } from "./config_file.ts";

/** Keys of `[live]` that set an option of `segcam live`, named as its long flag. */
export const LIVE_KEYS = [
  "camera",
  "input",
  "loop",
  "size",
  "fps",
  "output",
  "pix-fmt",
  "effect",
  "background",
  "color",
  "blur",
  "saturation",
  "threshold",
  "invert",
  "feather",
  "smoothing",
  "second-look",
  "mirror",
  "key-color",
] as const;

/** Keys of `[live]` that set a global option (declared on the program). */
export const GLOBAL_KEYS = ["backend", "model", "threads", "quiet"] as const;

/** Values that name files: `~/` is the home folder, relative paths start at the config's folder. */
const PATH_KEYS = new Set(["input", "output", "background"]);

/** Not files: a URL, raw frames on stdout, the generated demo. */
function isPathLike(value: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(value) && value !== "-" && value !== "demo";
}

export interface ConfigTarget {
  /** The program: holds the global options. */
  program: CommandUnknownOpts;
  /** The `live` command. */
  live: CommandUnknownOpts;
}

export interface Setting {
  key: string;
  value: unknown;
  /** "default", "config", "cli", "env", or "unset" when nothing gave it a value. */
  source: string;
}

function findOption(command: CommandUnknownOpts, key: string): Option | undefined {
  return (command.options as readonly Option[]).find((o) => o.long === `--${key}`);
}

function holderOf(target: ConfigTarget, key: string): CommandUnknownOpts {
  return (GLOBAL_KEYS as readonly string[]).includes(key) ? target.program : target.live;
}

/** Applies the config's settings where the command line did not set the option. */
export function applyConfig(config: ConfigFile, target: ConfigTarget, env: Env): void {
  const known = [...LIVE_KEYS, ...GLOBAL_KEYS] as readonly string[];
  const folder = config.path.slice(0, config.path.lastIndexOf("/")) || "/";
  for (const [key, raw] of Object.entries(config.live)) {
    const where = `${config.path}: [${CONFIG_SECTION}] ${key}`;
    if (!known.includes(key)) {
      const hint = key.includes("_") && known.includes(key.replaceAll("_", "-"))
        ? `write it "${key.replaceAll("_", "-")}", as on the command line`
        : `known keys: ${known.join(", ")}`;
      throw new UsageError(`${config.path}: unknown key "${key}" in [${CONFIG_SECTION}]; ${hint}`);
    }
    const command = holderOf(target, key);
    const option = findOption(command, key);
    if (!option) throw new Error(`config key ${key} has no option --${key}`);
    const name = option.attributeName();
    if (command.getOptionValueSource(name) === "cli") continue;
    const value = convert(option, key, raw, where, (path) => resolvePath(key, path, folder, env));
    command.setOptionValueWithSource(name, value, "config");
  }
}

function convert(
  option: Option,
  key: string,
  raw: unknown,
  where: string,
  resolve: (path: string) => string,
): unknown {
  if (option.isBoolean()) {
    if (typeof raw !== "boolean") {
      throw new UsageError(`${where} = ${show(raw)}: write true or false (without quotes)`);
    }
    return raw;
  }
  // Only --background repeats (each -b adds one, key r cycles through them).
  const repeatable = key === "background";
  const items = repeatable && Array.isArray(raw) ? raw : [raw];
  let value: unknown = repeatable ? [] : undefined;
  for (const item of items) {
    if (typeof item !== "string" && typeof item !== "number") {
      const wanted = repeatable
        ? "a quoted string or a list of them"
        : "a quoted string or a number";
      throw new UsageError(`${where} = ${show(raw)}: write ${wanted}`);
    }
    const text = PATH_KEYS.has(key) ? resolve(String(item)) : String(item);
    try {
      value = option.parseArg ? option.parseArg(text, value) : text;
    } catch (error) {
      if (!(error instanceof InvalidArgumentError)) throw error;
      throw new UsageError(`${where} = ${show(item)}: ${error.message} Fix it or delete the line.`);
    }
  }
  return value;
}

function resolvePath(key: string, path: string, folder: string, env: Env): string {
  if (!isPathLike(path) || (key === "output" && path.startsWith("/dev/"))) return path;
  const home = env("HOME");
  if (path.startsWith("~/") && home) return `${home}/${path.slice(2)}`;
  return path.startsWith("/") ? path : `${folder}/${path}`;
}

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** Every setting `[live]` can hold, its value now and where that value came from. */
export function settingsInForce(target: ConfigTarget): Setting[] {
  return [...LIVE_KEYS, ...GLOBAL_KEYS].map((key) => {
    const command = holderOf(target, key);
    const option = findOption(command, key);
    const name = option?.attributeName() ?? key;
    const value = command.getOptionValue(name);
    return { key, value, source: command.getOptionValueSource(name) ?? "unset" };
  });
}

/** A value as a person reads it: colours as #rrggbb, lists comma-separated. */
export function formatValue(value: unknown): string {
  if (value === undefined) return "-";
  if (
    Array.isArray(value) && value.length === 3 && value.every((n) => typeof n === "number")
  ) {
    return `#${value.map((n) => n.toString(16).padStart(2, "0")).join("")}`;
  }
  if (Array.isArray(value)) return value.length === 0 ? "-" : value.join(", ");
  return String(value);
}
