/** The model catalogue: the two MediaPipe selfie models as converted into models/. */
import { fileURLToPath } from "node:url";

export type ModelName = "general" | "landscape";

export interface ModelInfo {
  name: ModelName;
  inputWidth: number;
  inputHeight: number;
  /** Path of the .onnx file. */
  path: string;
}

const FILES: Record<ModelName, { file: string; inputWidth: number; inputHeight: number }> = {
  general: { file: "selfie_general.onnx", inputWidth: 256, inputHeight: 256 },
  landscape: { file: "selfie_landscape.onnx", inputWidth: 256, inputHeight: 144 },
};

export const DEFAULT_MODEL_DIR = fileURLToPath(new URL("../../models/", import.meta.url));

export function modelInfo(name: ModelName, modelDir = DEFAULT_MODEL_DIR): ModelInfo {
  const { file, inputWidth, inputHeight } = FILES[name];
  return { name, inputWidth, inputHeight, path: `${modelDir.replace(/\/?$/, "/")}${file}` };
}

/**
 * Frames at least this much wider than tall go to the landscape model with --model auto.
 * Measured on ../shared/data/portraits (4:3 crops, aspect 1.33): mean IoU landscape
 * 0.948 vs general 0.937, so 4:3 already favours landscape; the general model is for
 * square and portrait pictures. 1.2 sits between square (1.0) and 4:3.
 */
export const LANDSCAPE_MIN_ASPECT = 1.2;

export function chooseModel(choice: "auto" | ModelName, width: number, height: number): ModelName {
  if (choice !== "auto") return choice;
  return width / height >= LANDSCAPE_MIN_ASPECT ? "landscape" : "general";
}
