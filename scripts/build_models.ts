/**
 * `deno task models`: regenerates models/*.onnx from the .tflite files of the npm
 * package @mediapipe/selfie_segmentation with segcam's own converter. The output is
 * deterministic: running it again gives byte-identical files (tests/convert checks).
 */
import { fileURLToPath } from "node:url";
import { convertTflite } from "../src/convert/convert.ts";
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
  for (const { tflite, onnx } of MODEL_SOURCES) {
    const bytes = await buildModel(tflite);
    await Deno.writeFile(`${modelsDir}${onnx}`, bytes);
    const digest = await crypto.subtle.digest("SHA-256", bytes.slice());
    const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
    console.log(`models/${onnx}  ${bytes.length} bytes  sha256 ${hex}`);
  }
}
