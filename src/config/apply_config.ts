/**
 * Merges the settings file's `[live]` table into the parsed command line: defaults <
 * file < command line. Each value is checked by the settings table's own parser
 * (src/settings.ts), the one the command line uses, and a mistake names the file and
 * the key, never a flag nobody typed.
 */
import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { UsageError } from "../errors.ts";
import {
  attributeName,
  CONFIG_KEYS,
  findSetting,
  formatSettingValue,
  parseSettingText,
  type Setting,
  SettingValueError,
} from "../settings.ts";
import {
  CONFIG_SECTION,
  type ConfigFile,
  configPath,
  type Env,
  readConfigFile,
} from "./config_file.ts";

/** Keys of `[live]`, named as the long options (src/settings.ts's CONFIG_KEYS). */
export const LIVE_KEYS = CONFIG_KEYS;

/** Not files: a URL, raw frames on stdout, the generated demo, a device. */
function isPathLike(value: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(value) && value !== "-" && value !== "demo";
}

/** Where mistakes go: thrown at the first (segcam live), or each collected (segcam config). */
export type Report = (error: UsageError) => void;

const throwIt: Report = (error) => {
  throw error;
};

/** Keys whose values are paths: `~/` is the home folder, relative paths start at the file's folder. */
const PATH_KEYS = new Set(["input", "output", "background", "model"]);

export interface ConfigTarget {
  /** The program: holds the global options. */
  program: CommandUnknownOpts;
  /** The `live` command. */
  live: CommandUnknownOpts;
}

export interface SettingInForce {
  key: string;
  value: unknown;
  /** "default", "config", "cli", or "unset" when nothing gave it a value. */
  source: string;
}

/** A value the file set, with where it was written, for checks that come later. */
export interface AppliedValue {
  key: string;
  value: unknown;
  /** `config.toml: [live] key = value`, the start of any message about it. */
  where: string;
}

function holderOf(target: ConfigTarget, s: Setting): CommandUnknownOpts {
  return s.global ? target.program : target.live;
}

function fromCommandLine(target: ConfigTarget, s: Setting): boolean {
  return holderOf(target, s).getOptionValueSource(attributeName(s.name)) === "cli";
}

/**
 * Applies the file's settings where the command line did not set the option, and
 * returns what it applied. A setting of a group (`camera`, `input`: the source) given on
 * the command line replaces the file's whole group: `-i demo` with `camera` in the file
 * reads the demo.
 */
export function applyConfig(
  config: ConfigFile,
  target: ConfigTarget,
  env: Env,
  report: Report = throwIt,
): AppliedValue[] {
  const folder = config.path.slice(0, config.path.lastIndexOf("/")) || "/";
  // Every key first: a misspelt key is reported even when the command line overrides it.
  const entries = Object.entries(config.live).filter(([key]) => {
    if (CONFIG_KEYS.includes(key)) return true;
    const hint = key.includes("_") && CONFIG_KEYS.includes(key.replaceAll("_", "-"))
      ? `write it "${key.replaceAll("_", "-")}", as on the command line`
      : `known keys: ${CONFIG_KEYS.join(", ")}`;
    report(new UsageError(`${config.path}: unknown key "${key}" in [${CONFIG_SECTION}]; ${hint}`));
    return false;
  });
  const sources = entries.filter(([key]) => findSetting(key)!.group === "source");
  if (sources.length > 1) {
    report(
      new UsageError(
        `${config.path}: [${CONFIG_SECTION}] ${
          sources.map(([k]) => k).join(" and ")
        } both name a source; keep one of them`,
      ),
    );
  }
  const groupsOnCommandLine = new Set(
    CONFIG_KEYS.map((k) => findSetting(k)!).filter((s) => s.group && fromCommandLine(target, s))
      .map((s) => s.group),
  );
  const applied: AppliedValue[] = [];
  for (const [key, raw] of entries) {
    const s = findSetting(key)!;
    const where = `${config.path}: [${CONFIG_SECTION}] ${key} = ${show(raw)}`;
    // Checked even when overridden: `segcam config` promises a file that works on its own.
    let value: unknown;
    try {
      value = convert(s, raw, where, (path) => resolvePath(key, path, folder, env));
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      report(error);
      continue;
    }
    if (fromCommandLine(target, s) || (s.group && groupsOnCommandLine.has(s.group))) continue;
    holderOf(target, s).setOptionValueWithSource(attributeName(key), value, "config");
    applied.push({ key, value, where });
  }
  return applied;
}

function convert(
  s: Setting,
  raw: unknown,
  where: string,
  resolve: (path: string) => string,
): unknown {
  if (s.kind === "flag") {
    if (typeof raw !== "boolean") {
      throw new UsageError(`${where}: write true or false (without quotes)`);
    }
    return raw;
  }
  // Only background is a list (live's -b repeats, key r cycles through them).
  const list = s.name === "background";
  const items = list && Array.isArray(raw) ? raw : [raw];
  const values: unknown[] = [];
  for (const item of items) {
    if (typeof item !== "string" && typeof item !== "number") {
      const wanted = list ? "a quoted string or a list of them" : "a quoted string or a number";
      throw new UsageError(`${where}: write ${wanted}`);
    }
    const text = PATH_KEYS.has(s.name) ? resolve(String(item)) : String(item);
    try {
      values.push(parseSettingText(s, text));
    } catch (error) {
      if (!(error instanceof SettingValueError)) throw error;
      throw new UsageError(`${where}: ${s.name} takes ${error.reason}; fix it or delete the line`);
    }
  }
  return list ? values : values[0];
}

function resolvePath(key: string, path: string, folder: string, env: Env): string {
  if (!isPathLike(path) || (key === "output" && path.startsWith("/dev/"))) return path;
  // model: a name (auto, general, landscape) is not a path; a file is.
  if (key === "model" && findSetting(key)!.choices!.includes(path)) return path;
  const home = env("HOME");
  if (path.startsWith("~/") && home) return `${home}/${path.slice(2)}`;
  return path.startsWith("/") ? path : `${folder}/${path}`;
}

function show(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/**
 * Checks that every file the applied settings name exists (backgrounds, a file input):
 * found now, with the key that named it, not after the camera and the model are open.
 */
export async function checkConfigFiles(
  applied: readonly AppliedValue[],
  report: Report = throwIt,
  onMissingBackground?: (path: string, problem: UsageError) => void,
): Promise<void> {
  const check = (path: string, kind: "file" | "folder", where: string) =>
    expect(path, kind, where).then(() => true, (error) => {
      if (!(error instanceof UsageError)) throw error;
      report(error);
      return false;
    });
  for (const { key, value, where } of applied) {
    const s = findSetting(key)!;
    if (key === "output" && typeof value === "string") {
      if (!isPathLike(value) || value.startsWith("/dev/")) continue;
      // A recording: written later, so its folder is what must exist now.
      await check(value.slice(0, value.lastIndexOf("/")) || "/", "folder", where);
      continue;
    }
    const isFile = s.kind === "file" || (key === "input" && typeof value === "string") ||
      (s.kind === "model" && !s.choices!.includes(value as string));
    if (!isFile) continue;
    for (const path of Array.isArray(value) ? value : [value]) {
      if (typeof path !== "string" || !isPathLike(path)) continue;
      if (key === "background" && onMissingBackground) {
        await expect(path, "file", where).catch((error) => {
          if (!(error instanceof UsageError)) throw error;
          onMissingBackground(path, error);
        });
        continue;
      }
      await check(path, "file", where);
    }
  }
}

async function expect(path: string, kind: "file" | "folder", where: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    // Not there, or not allowed to look: say which (an unreadable path is not a missing one).
    const reason = error instanceof Deno.errors.NotFound
      ? `${path} does not exist`
      : `cannot look at ${path} (${error instanceof Error ? error.message : error})`;
    throw new UsageError(`${where}: ${reason}; fix the path or delete the line`);
  }
  if (kind === "file" ? !info.isFile : !info.isDirectory) {
    throw new UsageError(`${where}: ${path} is not a ${kind}; fix the path or delete the line`);
  }
}

/**
 * Reads the user's settings file, applies it under the command line and checks the files
 * it names: what `segcam live` and `segcam config` do before anything else.
 */
export async function loadConfig(
  target: ConfigTarget,
  env: Env,
  report: Report = throwIt,
  options: { warn?: (message: string) => void } = {},
): Promise<ConfigFile> {
  const config = await readConfigFile(configPath(env));
  const applied = applyConfig(config, target, env, report);
  const { warn } = options;
  // `segcam config` reports a background that is gone as a mistake; a running camera
  // (the service at login, most of all) starts without it and says so, rather than not
  // at all because a picture was moved.
  const onMissingBackground = warn &&
    ((path: string, problem: UsageError) => {
      const kept = (target.live.getOptionValue("background") as string[] | undefined ?? [])
        .filter((b) => b !== path);
      target.live.setOptionValueWithSource("background", kept, "config");
      warn(problem.message.replace(/; fix the path or delete the line$/, "; skipped it"));
    });
  await checkConfigFiles(applied, report, onMissingBackground);
  checkTogether(applied, target, report, warn);
  return config;
}

/**
 * Settings that are wrong only together, when the file made them so: said here, with the
 * key, rather than later as a flag (`--effect replace needs …`) nobody typed.
 */
function checkTogether(
  applied: readonly AppliedValue[],
  target: ConfigTarget,
  report: Report,
  warn?: (message: string) => void,
): void {
  const effect = applied.find((a) => a.key === "effect");
  const backgrounds = target.live.getOptionValue("background") as string[] | undefined;
  if (effect?.value === "replace" && (backgrounds ?? []).length === 0) {
    if (warn && applied.some((a) => a.key === "background")) {
      // Every background the file named is gone (said above): blur stands in.
      target.live.setOptionValueWithSource("effect", "blur", "config");
      warn(`${effect.where}: no background to show; using blur instead`);
      return;
    }
    report(
      new UsageError(
        `${effect.where}: replace needs a background; add background = "<image or video file>" under [${CONFIG_SECTION}], or give -b <file>`,
      ),
    );
  }
}

/** Every setting `[live]` can hold, its value now and where that value came from. */
export function settingsInForce(target: ConfigTarget): SettingInForce[] {
  return CONFIG_KEYS.map((key) => {
    const s = findSetting(key)!;
    const command = holderOf(target, s);
    const name = attributeName(key);
    const value = command.getOptionValue(name);
    return { key, value, source: command.getOptionValueSource(name) ?? "unset" };
  });
}

/** A value as a person reads it: colours as #rrggbb, lists comma-separated. */
export const formatValue = formatSettingValue;
