/**
 * `segcam config`: where the settings file is, a check of every value in it and of every
 * file it names, and the live settings in force with where each came from; `--init`
 * writes a commented template there.
 */
import { formatValue, loadConfig, settingsInForce } from "../config/apply_config.ts";
import type { ConfigTarget } from "../config/apply_config.ts";
import { configPath, denoEnv } from "../config/config_file.ts";
import { configTemplate } from "../config/template.ts";
import { OutputError, type UsageError } from "../errors.ts";
import { writeFileAtomically } from "../io/atomic_file.ts";

export interface ConfigCommandOptions {
  init: boolean;
}

export async function runConfig(options: ConfigCommandOptions, target: ConfigTarget) {
  const path = configPath(denoEnv);
  if (options.init) {
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    // Without force the final step is link(2): an existing config is never replaced.
    await writeFileAtomically(path, new TextEncoder().encode(configTemplate()))
      .catch((error) => {
        if (error instanceof OutputError && error.message.startsWith("Not overwriting")) {
          throw new OutputError(
            `Not writing a template over ${path}: it exists; edit it, or move it away and run segcam config --init again`,
          );
        }
        throw error;
      });
    console.log(`Wrote a commented template to ${path}`);
    return;
  }
  // Every value checked and every named file found; each mistake one line naming the
  // key, all of them at once (so one run shows everything to fix), exit 2.
  const problems: UsageError[] = [];
  const config = await loadConfig(target, denoEnv, (error) => problems.push(error));
  if (problems.length > 0) {
    for (const problem of problems.slice(0, -1)) console.error(`segcam: ${problem.message}`);
    throw problems.at(-1);
  }
  console.log(`config file: ${path} (${config.exists ? "exists" : "not found; defaults apply"})`);
  console.log("settings for segcam live:");
  const settings = settingsInForce(target);
  const width = Math.max(...settings.map((s) => s.key.length));
  const valueWidth = Math.max(...settings.map((s) => formatValue(s.value).length));
  for (const { key, value, source } of settings) {
    console.log(`  ${key.padEnd(width)}  ${formatValue(value).padEnd(valueWidth)}  ${source}`);
  }
}
