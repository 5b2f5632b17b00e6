/**
 * The model catalogue: the two MediaPipe selfie models as converted into models/, and
 * what every model (built in or the user's, model_file.ts) is described by.
 */
import { fileURLToPath } from "node:url";
import { InputError } from "../errors.ts";
import type { ModelSpec } from "./model_spec.ts";
import type { ModelChoice } from "../options.ts";

export type ModelName = "general" | "landscape";

export const MODEL_NAMES = ["general", "landscape"] as const satisfies ModelName[];

export interface ModelInfo {
  /** "general", "landscape", or the user's file as given to --model. */
  name: string;
  inputWidth: number;
  inputHeight: number;
  /** Path of the .onnx file (for a converted TFLite model: its cached conversion). */
  path: string;
  /** How to feed it and read its answer. */
  spec: ModelSpec;
  /** The tensors' shapes, as the backend creates them. */
  inputShape: number[];
  outputShape: number[];
  /** A user's file: where it is, and for a TFLite model its SHA-256 and cached conversion. */
  origin?: { source: string; sha256?: string; cached?: string };
}

/** The built-in models' spec: NCHW, pixels in [0, 1], one channel of probability (models/README.md). */
function builtInSpec(inputWidth: number, inputHeight: number): ModelSpec {
  return {
    layout: "NCHW",
    inputWidth,
    inputHeight,
    inputRange: [0, 1],
    channels: 1,
    outputWidth: inputWidth,
    outputHeight: inputHeight,
    output: "probability",
    personIndex: 0,
    family: "MediaPipe selfie segmentation",
    notes: [],
  };
}

export function isModelName(choice: string): choice is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(choice);
}

const FILES: Record<ModelName, { file: string; inputWidth: number; inputHeight: number }> = {
  general: { file: "selfie_general.onnx", inputWidth: 256, inputHeight: 256 },
  landscape: { file: "selfie_landscape.onnx", inputWidth: 256, inputHeight: 144 },
};

export const DEFAULT_MODEL_DIR = fileURLToPath(new URL("../../models/", import.meta.url));

export function modelInfo(name: ModelName, modelDir = DEFAULT_MODEL_DIR): ModelInfo {
  const { file, inputWidth, inputHeight } = FILES[name];
  return {
    name,
    inputWidth,
    inputHeight,
    path: `${modelDir.replace(/\/?$/, "/")}${file}`,
    spec: builtInSpec(inputWidth, inputHeight),
    inputShape: [1, 3, inputHeight, inputWidth],
    outputShape: [1, 1, inputHeight, inputWidth],
  };
}

/**
 * The checksum file beside the models, in `sha256sum` format ("<hex>  <file>"):
 * written by `deno task models` with the files it builds, so `sha256sum -c` reads it too.
 */
export const CHECKSUM_FILE = "SHA256SUMS";

/** The checksum file's text for these files: one "<hex>  <name>" line each, sorted. */
export async function checksumText(files: { name: string; bytes: Uint8Array }[]): Promise<string> {
  const lines = await Promise.all(
    files.map(async ({ name, bytes }) => `${await sha256(bytes)}  ${name}`),
  );
  return lines.sort((a, b) => a.slice(66).localeCompare(b.slice(66))).map((l) => `${l}\n`).join("");
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes.slice());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Checks a model's bytes against the checksum file beside it. Damaged weights load and
 * run, and give a mask of nothing with exit 0 (8 bytes overwritten did exactly that),
 * so a model is used only when it is the file `deno task models` wrote. Throws
 * InputError naming the file and the fix.
 */
export async function verifyModel(model: ModelInfo, bytes: Uint8Array): Promise<void> {
  const slash = model.path.lastIndexOf("/");
  const [dir, file] = [model.path.slice(0, slash), model.path.slice(slash + 1)];
  const fix = "run `deno task models` to rebuild it";
  let sums: string;
  try {
    sums = await Deno.readTextFile(`${dir}/${CHECKSUM_FILE}`);
  } catch {
    throw new InputError(
      `Cannot trust the ${model.name} model ${model.path}: ${dir}/${CHECKSUM_FILE} is missing, so it may be damaged; ${fix}`,
    );
  }
  const expected = sums.split("\n").map((line) => /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim()))
    .find((m) => m?.[2] === file)?.[1];
  if (expected === undefined) {
    throw new InputError(
      `Cannot trust the ${model.name} model ${model.path}: ${dir}/${CHECKSUM_FILE} has no line for it, so it may be damaged; ${fix}`,
    );
  }
  if (await sha256(bytes) !== expected) {
    throw new InputError(
      `The ${model.name} model ${model.path} is damaged (its sha256 is not the one in ${CHECKSUM_FILE}); ${fix}`,
    );
  }
}

/**
 * Frames at least this much wider than tall go to the landscape model with --model auto.
 * Measured on ../shared/data/portraits (4:3 crops, aspect 1.33): mean IoU landscape
 * 0.948 vs general 0.937, so 4:3 already favours landscape; the general model is for
 * square and portrait pictures. 1.2 sits between square (1.0) and 4:3.
 */
export const LANDSCAPE_MIN_ASPECT = 1.2;

/**
 * The model for a frame of width x height: `auto` picks a selfie model by aspect
 * ratio; a name or a file (--model FILE) is taken as it is.
 */
export function chooseModel(choice: "auto" | ModelName, width: number, height: number): ModelName;
export function chooseModel(choice: ModelChoice, width: number, height: number): string;
export function chooseModel(choice: ModelChoice, width: number, height: number): string {
  if (choice !== "auto") return choice;
  return width / height >= LANDSCAPE_MIN_ASPECT ? "landscape" : "general";
}
