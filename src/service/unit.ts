/**
 * The systemd user unit that keeps `segcam live` running from login, as text. Pure: the
 * paths come in, the file's text goes out, so its test compares it line for line.
 */
import { type Env, userConfigHome } from "../config/config_file.ts";

export const UNIT_NAME = "segcam.service";

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

/** systemd splits ExecStart into words at spaces; a path with spaces must be quoted. */
function quoteWord(word: string): string {
  return /[\s"\\]/.test(word) ? `"${word.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"` : word;
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
    `ExecStart=${quoteWord(settings.segcam)} live --no-tui`,
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
