/**
 * segcam's config file: where it lives and what it holds. The file is TOML (what a Deno
 * or Rust user expects of a hand-edited settings file; comments allowed), parsed by
 * smol-toml. Checking the values against the options is apply_config.ts's job.
 */
import { parse, TomlError } from "smol-toml";
import { describeFsError, InputError, UsageError } from "../errors.ts";

/** Reads an environment variable; injected so tests never touch the real HOME. */
export type Env = (name: string) => string | undefined;

export const denoEnv: Env = (name) => Deno.env.get(name);

/** The one table segcam reads: `[live]`, the settings of `segcam live` and the service. */
export const CONFIG_SECTION = "live";

export interface ConfigFile {
  path: string;
  exists: boolean;
  /** The `[live]` table: key → TOML value (empty when the file does not exist). */
  live: Record<string, unknown>;
}

/** The user's config folder: $XDG_CONFIG_HOME, else ~/.config (the XDG base directory spec). */
export function userConfigHome(env: Env = denoEnv): string {
  const xdg = env("XDG_CONFIG_HOME");
  // The spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  if (xdg && xdg.startsWith("/")) return xdg;
  const home = env("HOME");
  if (!home) {
    throw new UsageError(
      "Cannot find the config folder: neither XDG_CONFIG_HOME nor HOME is set; set HOME",
    );
  }
  return `${home}/.config`;
}

/** `$XDG_CONFIG_HOME/segcam/config.toml`, else `~/.config/segcam/config.toml`. */
export function configPath(env: Env = denoEnv): string {
  return `${userConfigHome(env)}/segcam/config.toml`;
}

/** Reads and parses the config file; a missing file is an empty config, not an error. */
export async function readConfigFile(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    // A FIFO or a device would block the read forever (or never end): only a regular file.
    const info = await Deno.stat(path);
    if (!info.isFile) {
      throw new InputError(
        `Cannot read the config file ${path}: it is not a regular file (a ${
          info.isDirectory ? "folder" : "FIFO or device"
        }); replace it with a file, or remove it`,
      );
    }
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof InputError) throw error;
    if (error instanceof Deno.errors.NotFound) return { path, exists: false, live: {} };
    throw new InputError(describeFsError(error, path, "read the config file"), { cause: error });
  }
  return { path, exists: true, live: parseConfig(text, path) };
}

/** Parses config text; every mistake is one UsageError line naming the file and the fix. */
export function parseConfig(text: string, path: string): Record<string, unknown> {
  let document: Record<string, unknown>;
  try {
    document = parse(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // smol-toml's message is the reason, a blank line and a code excerpt; keep the reason.
    const reason = error.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
    throw new UsageError(
      `${path}: not valid TOML at line ${error.line}, column ${error.column}: ${reason}; ` +
        `fix that line (segcam config --init writes a commented example elsewhere)`,
      { cause: error },
    );
  }
  for (const [key, value] of Object.entries(document)) {
    if (key === CONFIG_SECTION) continue;
    const isTable = typeof value === "object" && value !== null && !Array.isArray(value);
    throw new UsageError(
      isTable
        ? `${path}: unknown section [${key}]; segcam reads only [${CONFIG_SECTION}]: rename or remove it`
        : `${path}: key "${key}" is outside a section; put it under [${CONFIG_SECTION}]`,
    );
  }
  const live = document[CONFIG_SECTION];
  if (live === undefined) return {};
  if (typeof live !== "object" || live === null || Array.isArray(live)) {
    throw new UsageError(
      `${path}: "${CONFIG_SECTION}" must be a section ([${CONFIG_SECTION}]), not a value`,
    );
  }
  return live as Record<string, unknown>;
}
