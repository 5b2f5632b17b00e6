/**
 * `segcam config`: where the config file is, and the live settings in force with where
 * each came from; `--init` writes a commented template there.
 */
import { applyConfig, formatValue, settingsInForce } from "../config/apply_config.ts";
import type { ConfigTarget } from "../config/apply_config.ts";
import { configPath, denoEnv, readConfigFile } from "../config/config_file.ts";
import { configTemplate } from "../config/template.ts";
import { OutputError } from "../errors.ts";
import { makeFolderFor, writeFileAtomically } from "../io/atomic_file.ts";
import { CONFIG_FOLDER_FIX } from "../service/unit.ts";

export interface ConfigCommandOptions {
  init: boolean;
}

export async function runConfig(options: ConfigCommandOptions, target: ConfigTarget) {
  const path = configPath(denoEnv);
  if (options.init) {
    await makeFolderFor(path, CONFIG_FOLDER_FIX);
    // Without force the final step is link(2): an existing config is never replaced.
    await writeFileAtomically(path, new TextEncoder().encode(configTemplate(target)))
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
  const config = await readConfigFile(path);
  applyConfig(config, target, denoEnv);
  console.log(`config file: ${path} (${config.exists ? "exists" : "not found; defaults apply"})`);
  console.log("settings for segcam live:");
  const settings = settingsInForce(target);
  const width = Math.max(...settings.map((s) => s.key.length));
  const valueWidth = Math.max(...settings.map((s) => formatValue(s.value).length));
  for (const { key, value, source } of settings) {
    console.log(`  ${key.padEnd(width)}  ${formatValue(value).padEnd(valueWidth)}  ${source}`);
  }
}
