/**
 * `--model FILE`: a user's segmentation model. A TFLite file is converted by segcam's
 * own converter on first use and cached (model_cache.ts); an ONNX file is used as it
 * is. Either way its shapes are read from the ONNX graph and completed by the sidecar
 * description or known defaults (model_spec.ts).
 */
import { TfliteFormatError, UnsupportedOperatorError } from "../convert/convert.ts";
import { describeFsError, InputError } from "../errors.ts";
import { cachedConversion, modelCacheDir } from "./model_cache.ts";
import { type ModelSpec, readSidecar, sidecarPaths, specFromShapes } from "./model_spec.ts";
import type { ModelInfo } from "./models.ts";
import { OnnxFormatError, onnxShapes } from "./onnx_shapes.ts";

/** Far above any segmentation model segcam's peers run (DeepLab: 2.7 MiB). */
const MAX_MODEL_BYTES = 256 * 2 ** 20;

export interface ModelFileOptions {
  /** Info lines: converted or taken from the cache. */
  log?: (line: string) => void;
  /** Where conversions are cached (default: modelCacheDir()). */
  cacheDir?: string;
}

/** A TFLite FlatBuffer carries the file identifier "TFL3" at bytes 4..8. */
function isTflite(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && new TextDecoder().decode(bytes.subarray(4, 8)) === "TFL3";
}

/** The model in `path` and its ONNX bytes, ready for the backend. */
export async function openModelFile(
  path: string,
  options: ModelFileOptions = {},
): Promise<{ model: ModelInfo; bytes: Uint8Array }> {
  const source = await readModelFile(path);
  let onnx = source;
  let onnxPath = path;
  let origin: ModelInfo["origin"];
  const absolute = await Deno.realPath(path).catch(() => path);
  if (isTflite(source)) {
    let cached;
    try {
      cached = await cachedConversion(
        source,
        absolute,
        options.cacheDir ?? modelCacheDir(),
      );
    } catch (error) {
      if (error instanceof UnsupportedOperatorError) {
        throw new InputError(
          `Cannot convert the model ${path}: ${error.message}; segcam's converter does not take this model yet (try converting it to ONNX elsewhere and pass the .onnx)`,
          { cause: error },
        );
      }
      const why = error instanceof TfliteFormatError ? error.message : String(error);
      throw new InputError(
        `The model ${path} is a damaged TFLite file (${why}); download it again`,
        { cause: error },
      );
    }
    if (cached.warning) options.log?.(`segcam: model ${path}: ${cached.warning}`);
    else {
      options.log?.(
        cached.hit
          ? `segcam: model ${path}: using its conversion cached in ${cached.onnxPath}`
          : `segcam: model ${path}: converted to ONNX, cached in ${cached.onnxPath}`,
      );
    }
    onnx = cached.onnx;
    onnxPath = cached.onnxPath ?? path;
    origin = { source: absolute, sha256: cached.entry.sha256, cached: cached.onnxPath };
  } else if (/\.tflite$/i.test(path)) {
    throw new InputError(
      `The model ${path} is not a TFLite file (no "TFL3" identifier); download it again, or pass a .onnx file`,
    );
  } else {
    origin = { source: absolute };
  }

  let shapes;
  try {
    shapes = onnxShapes(onnx);
  } catch (error) {
    if (!(error instanceof OnnxFormatError)) throw error;
    throw new InputError(
      `The model ${path} is neither a TFLite nor an ONNX model (${error.message}); pass a .tflite or .onnx segmentation model`,
      { cause: error },
    );
  }
  for (const [role, tensor] of [["input", shapes.input], ["output", shapes.output]] as const) {
    if (tensor.type !== "float32") {
      throw new InputError(
        `Cannot use the model ${path}: its ${role} is ${tensor.type}, and segcam feeds and reads float32; export it with a float32 ${role}`,
      );
    }
  }
  const found = await readSidecar(path);
  const spec: ModelSpec = specFromShapes(
    shapes.input.shape,
    shapes.output.shape,
    found?.sidecar ?? {},
    {
      model: path,
      sidecar: found?.path ?? sidecarPaths(path)[0],
    },
  );
  if (found) spec.notes.push(`described by ${found.path}`);
  const model: ModelInfo = {
    name: path,
    inputWidth: spec.inputWidth,
    inputHeight: spec.inputHeight,
    path: onnxPath,
    spec,
    ...tensorShapes(spec, shapes.output.shape.length),
    origin,
  };
  return { model, bytes: onnx };
}

/** The tensors' shapes, with any dynamic dimension the file left open filled from the spec. */
function tensorShapes(spec: ModelSpec, outputRank: number) {
  const { inputHeight: h, inputWidth: w, outputHeight: oh, outputWidth: ow, channels } = spec;
  const nchw = spec.layout === "NCHW";
  return {
    inputShape: nchw ? [1, 3, h, w] : [1, h, w, 3],
    outputShape: outputRank === 3
      ? [1, oh, ow]
      : nchw
      ? [1, channels, oh, ow]
      : [1, oh, ow, channels],
  };
}

async function readModelFile(path: string): Promise<Uint8Array> {
  try {
    // Looked at before it is read: /dev/zero would be read forever, a FIFO waited on.
    const info = await Deno.stat(path);
    if (!info.isFile) {
      throw new InputError(
        `Cannot read the model ${path}: it is ${
          info.isDirectory ? "a folder" : "not a regular file"
        }; pass a .tflite or .onnx file, or --model auto`,
      );
    }
    if (info.size > MAX_MODEL_BYTES) {
      throw new InputError(
        `Cannot use the model ${path}: it is ${(info.size / 2 ** 20).toFixed(0)} MiB, ` +
          `far beyond a segmentation model (at most ${
            MAX_MODEL_BYTES / 2 ** 20
          } MiB); pass a .tflite or .onnx segmentation model`,
      );
    }
    return await Deno.readFile(path);
  } catch (error) {
    if (error instanceof InputError) throw error;
    const message = describeFsError(error, path, "read the model");
    throw new InputError(
      error instanceof Deno.errors.NotFound
        ? `${message}; give a .tflite or .onnx file, or --model auto, general or landscape`
        : message,
      { cause: error },
    );
  }
}
