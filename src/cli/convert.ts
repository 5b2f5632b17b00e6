/** `segcam convert <in.tflite> -o <out.onnx>`: our TFLite → ONNX converter. */
import { convertTflite, TfliteFormatError, UnsupportedOperatorError } from "../convert/convert.ts";
import { describeFsError, InputError } from "../errors.ts";
import { refuseStdin } from "../io/input_files.ts";
import { checkOutputPath, refuseStdout, writeFileAtomically } from "../io/atomic_file.ts";

/**
 * Far above every model segcam converts (0.25 to 2.8 MB: the selfie models and the
 * peers' in ../shared/data/models): a file this large is not a segmentation model.
 */
const MAX_MODEL_BYTES = 256 * 2 ** 20;

export interface ConvertCommandOptions {
  output: string;
  force: boolean;
}

export async function runConvert(input: string, options: ConvertCommandOptions): Promise<void> {
  refuseStdout(options.output, "convert");
  refuseStdin(input, "convert");
  const policy = { ...options, reads: [{ path: input, role: "input model" }] };
  await checkOutputPath(options.output, policy);
  let bytes: Uint8Array;
  try {
    // Looked at before it is read: /dev/zero would be read forever, a FIFO waited on.
    const info = await Deno.stat(input);
    if (!info.isFile) {
      throw new InputError(
        `Cannot read ${input}: it is ${
          info.isDirectory ? "a folder" : "not a regular file (a device, FIFO or socket)"
        }; pass a .tflite file`,
      );
    }
    if (info.size > MAX_MODEL_BYTES) {
      throw new InputError(
        `Cannot convert ${input}: it is ${(info.size / 2 ** 20).toFixed(0)} MiB, and the ` +
          `segmentation models segcam converts are a few MB; pass a .tflite segmentation model`,
      );
    }
    bytes = await Deno.readFile(input);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(describeFsError(error, input, "read"), { cause: error });
  }
  let conversion;
  try {
    conversion = convertTflite(bytes);
  } catch (error) {
    if (error instanceof TfliteFormatError) {
      throw new InputError(
        `${input} is not a TFLite model (${error.message}); pass a .tflite file`,
        { cause: error },
      );
    }
    if (error instanceof UnsupportedOperatorError) {
      throw new InputError(
        `Cannot convert ${input}: ${error.message}; segcam converts the MediaPipe selfie ` +
          `models and those of Google Meet, ML Kit, DeepLab v3 and BodyPix (README: segcam convert)`,
        { cause: error },
      );
    }
    throw error;
  }
  await writeFileAtomically(options.output, conversion.onnx, policy);
  const count = Object.values(conversion.operators).reduce((a, b) => a + b, 0);
  console.log(
    `Wrote ${options.output}: ${
      (conversion.onnx.length / 1024).toFixed(0)
    } KiB, ${count} TFLite operators, ` +
      `input [${conversion.inputShape}] → output [${conversion.outputShape}]`,
  );
}
