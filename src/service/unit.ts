/**
 * The systemd user unit that keeps `segcam live` running from login, as text. Pure: the
 * paths come in, the file's text goes out, so its test compares it line for line.
 */
import { type Env, userConfigHome } from "../config/config_file.ts";

export const UNIT_NAME = "segcam.service";

/** The fix for a config folder that cannot be made (config --init, service install). */
export const CONFIG_FOLDER_FIX =
  "make it a writable folder, or set XDG_CONFIG_HOME to one (e.g. export XDG_CONFIG_HOME=$HOME/.config)";

/** systemd reads user units from $XDG_CONFIG_HOME/systemd/user (systemd.unit(5)). */
export function unitPath(env: Env): string {
  return `${userConfigHome(env)}/systemd/user/${UNIT_NAME}`;
}

export interface UnitSettings {
  /** The installed segcam command (deno install -g's launcher). */
  segcam: string;
  /** PATH for the service: the launcher needs deno, and segcam needs ffmpeg. */
  path: string;
  /** The config file the service reads at every start. */
  configFile: string;
}

/**
 * systemd splits ExecStart into words at spaces, so a path with spaces is quoted; and
 * it expands specifiers (%h, %u) everywhere and variables ($X) in ExecStart, so `%`
 * is written `%%` and `$` `$$` (systemd.unit(5) "Specifiers", systemd.service(5)).
 */
function quoteWord(word: string, options: { command?: boolean } = {}): string {
  const escaped = word.replaceAll("%", "%%");
  const literal = options.command ? escaped.replaceAll("$", "$$$$") : escaped;
  return /[\s"\\]/.test(literal)
    ? `"${literal.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`
    : literal;
}

export function serviceUnit(settings: UnitSettings): string {
  return [
    "# Written by `segcam service install`; `segcam service uninstall` removes it.",
    `# The settings (camera, output, effect, …) are read from ${settings.configFile}`,
    "# at every start, and again on systemctl --user reload segcam or an edit of the file",
    "# (settings and backgrounds; the camera, output and model need a restart).",
    "[Unit]",
    "Description=segcam: webcam, background effect, virtual camera",
    "",
    "[Service]",
    `ExecStart=${quoteWord(settings.segcam, { command: true })} live --no-tui`,
    // Without a terminal segcam live takes SIGHUP as "reload the settings" (src/cli/live.ts).
    "ExecReload=/bin/kill -HUP $MAINPID",
    // A camera unplugged or a device busy at login ends the run with an error; try again
    // every 5 s rather than systemd's 100 ms default, which would hit its start limit.
    "Restart=on-failure",
    "RestartSec=5",
    `Environment=${quoteWord(`PATH=${settings.path}`)}`,
    "Environment=NO_COLOR=1",
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ].join("\n");
}
