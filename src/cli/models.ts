/**
 * `segcam models`: the built-in models and the TFLite models converted for --model FILE
 * (cached in model_cache.ts's folder), each with its size, its input and output shapes
 * as its ONNX file declares them, and where it came from.
 */
import { describeFsError, InputError } from "../errors.ts";
import { listCachedConversions, modelCacheDir } from "../model/model_cache.ts";
import { MODEL_NAMES, modelInfo } from "../model/models.ts";
import { onnxShapes } from "../model/onnx_shapes.ts";

export interface ModelsCommandOptions {
  /** Where conversions are cached (default: modelCacheDir()). */
  cacheDir?: string;
  /** Built-in models' folder (default: models/ of this checkout). */
  modelDir?: string;
}

const kib = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;
const shape = (dims: readonly (number | undefined)[]) =>
  `[${dims.map((d) => d ?? "?").join(", ")}]`;

/** The listing's lines (printed by runModels; returned for the tests). */
export async function modelsListing(options: ModelsCommandOptions = {}): Promise<string[]> {
  const lines = ["Built-in models (--model general, landscape; auto picks by aspect ratio):"];
  for (const name of MODEL_NAMES) {
    const model = modelInfo(name, options.modelDir);
    try {
      const bytes = await Deno.readFile(model.path);
      const { input, output } = onnxShapes(bytes);
      lines.push(
        `  ${name.padEnd(10)} ${kib(bytes.length).padStart(8)}  input ${shape(input.shape)} → ${
          shape(output.shape)
        }  ${model.path} (MediaPipe selfie segmentation, Apache-2.0; models/README.md)`,
      );
    } catch (error) {
      lines.push(
        `  ${name.padEnd(10)} ${
          describeFsError(error, model.path, "read")
        }; run \`deno task models\` to rebuild it`,
      );
    }
  }
  const dir = options.cacheDir ?? modelCacheDir();
  let cached;
  try {
    cached = await listCachedConversions(dir);
  } catch (error) {
    // "Could not look" is not "there are none" (STYLE.md).
    throw new InputError(
      `${
        describeFsError(error, dir!, "list the model cache")
      }; fix its permissions or set XDG_CACHE_HOME`,
      { cause: error },
    );
  }
  lines.push(
    "",
    `Converted TFLite models (--model FILE.tflite), cached in ${
      dir ?? "no folder (set XDG_CACHE_HOME or HOME)"
    }:`,
  );
  if (cached.length === 0) {
    lines.push("  none yet: a .tflite given to --model is converted on first use and cached here");
  }
  for (const { entry, onnxPath, bytes } of cached) {
    const there = await Deno.stat(entry.source).then((s) => s.isFile, () => false);
    lines.push(
      `  ${entry.source}${there ? "" : " (no longer there)"}`,
      `      sha256 ${entry.sha256}, converted ${
        entry.converted.slice(0, 10)
      } by segcam ${entry.segcam}`,
      `      ${bytes === undefined ? "ONNX file missing" : kib(bytes).padStart(8)}  input ${
        shape(entry.input)
      } → ${shape(entry.output)}  ${onnxPath}`,
    );
  }
  lines.push(
    "",
    "An .onnx file given to --model is used as it is, not cached. Describe a model segcam",
    "cannot read fully in a sidecar JSON beside it (README: Bring your own model).",
  );
  return lines;
}

export async function runModels(options: ModelsCommandOptions = {}): Promise<void> {
  for (const line of await modelsListing(options)) console.log(line);
}
