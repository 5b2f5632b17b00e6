/** `segcam convert <in.tflite> -o <out.onnx>`: our TFLite → ONNX converter. */
import { convertTflite, TfliteFormatError, UnsupportedOperatorError } from "../convert/convert.ts";
import { describeFsError, InputError } from "../errors.ts";
import { checkOutputPath, refuseStdout, writeFileAtomically } from "../io/atomic_file.ts";

export interface ConvertCommandOptions {
  output: string;
  force: boolean;
}

export async function runConvert(input: string, options: ConvertCommandOptions): Promise<void> {
  refuseStdout(options.output, "convert");
  const policy = { ...options, reads: [{ path: input, role: "input model" }] };
  await checkOutputPath(options.output, policy);
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(input);
  } catch (error) {
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
        `Cannot convert ${input}: ${error.message}; segcam converts the MediaPipe selfie segmentation models`,
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
