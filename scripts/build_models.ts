/**
 * `deno task models`: regenerates models/*.onnx from the .tflite files of the npm
 * package @mediapipe/selfie_segmentation with segcam's own converter. The output is
 * deterministic: running it again gives byte-identical files (tests/convert checks).
 */
import { fileURLToPath } from "node:url";
import { convertTflite } from "../src/convert/convert.ts";
import { CHECKSUM_FILE, checksumText } from "../src/model/models.ts";
import { npmPackageFolder } from "./_npm_package.ts";

/** Which .tflite of the package becomes which model file. */
export const MODEL_SOURCES = [
  { tflite: "selfie_segmentation.tflite", onnx: "selfie_general.onnx" },
  { tflite: "selfie_segmentation_landscape.tflite", onnx: "selfie_landscape.onnx" },
] as const;

/** The installed package's folder, through Deno's npm resolution. */
export function mediapipePackageFolder(): string {
  return npmPackageFolder("@mediapipe/selfie_segmentation", "0.1.1675465747");
}

export async function buildModel(tflite: string): Promise<Uint8Array> {
  return convertTflite(await Deno.readFile(`${mediapipePackageFolder()}/${tflite}`)).onnx;
}

if (import.meta.main) {
  const modelsDir = fileURLToPath(new URL("../models/", import.meta.url));
  const built: { name: string; bytes: Uint8Array }[] = [];
  for (const { tflite, onnx } of MODEL_SOURCES) {
    const bytes = await buildModel(tflite);
    await Deno.writeFile(`${modelsDir}${onnx}`, bytes);
    built.push({ name: onnx, bytes });
  }
  // segcam checks each model against this file when it loads it (src/model/models.ts).
  const sums = await checksumText(built);
  await Deno.writeTextFile(`${modelsDir}${CHECKSUM_FILE}`, sums);
  for (const { name, bytes } of built) {
    const hex = sums.split("\n").find((line) => line.endsWith(`  ${name}`))!.slice(0, 64);
    console.log(`models/${name}  ${bytes.length} bytes  sha256 ${hex}`);
  }
  console.log(`models/${CHECKSUM_FILE}  written`);
}
