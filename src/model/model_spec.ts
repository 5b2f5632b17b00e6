/**
 * How to feed a segmentation model and how to read its answer: the few facts in which
 * models differ (STYLE.md habit 2: one fixed inference sequence, small hooks).
 *
 * Read from the model where it can be (input size, layout, output channels, output
 * size); otherwise from a sidecar description beside the model file (`model.tflite.json`
 * or `model.json`), then from defaults for the shapes segcam knows. A model whose answer
 * cannot be read from any of them is refused with one line naming the sidecar key.
 */
import { InputError } from "../errors.ts";

/** NCHW: planar (all red, then green, then blue); NHWC: interleaved RGB. */
export type Layout = "NCHW" | "NHWC";

/** What the person's channel holds. */
export type OutputKind =
  /** already a probability in [0, 1] (MediaPipe and ML Kit selfie models) */
  | "probability"
  /** a logit: segcam applies the sigmoid (BodyPix) */
  | "sigmoid"
  /**
   * one logit per class: the person's probability is the softmax over the channels at
   * `personIndex`; a background/person pair (Meet, person = 1) or a class map (DeepLab
   * on PASCAL VOC, 21 classes, person = 15)
   */
  | "softmax";

export const OUTPUT_KINDS = ["probability", "sigmoid", "softmax"] as const satisfies OutputKind[];

export interface ModelSpec {
  layout: Layout;
  inputWidth: number;
  inputHeight: number;
  /** The pixel range the model was trained on: [0, 1] is byte/255, [-1, 1] is byte/127.5 - 1. */
  inputRange: readonly [0, 1] | readonly [-1, 1];
  /** Output channels (1 for a probability or logit map). */
  channels: number;
  outputWidth: number;
  outputHeight: number;
  /** Undefined: decided from the model's own answer on a gray picture (see decideOutputKind). */
  output?: OutputKind;
  /** The person's channel. */
  personIndex: number;
  /** A known model recognised by its shapes ("DeepLab v3 (PASCAL VOC)"), for messages. */
  family?: string;
  /** Where each fact came from: "input range [-1, 1] (DeepLab v3 default)", for --debug and `segcam models`. */
  notes: string[];
}

/** The sidecar description's keys (JSON), as the README documents them. */
export interface Sidecar {
  /** [0, 1] or [-1, 1]. */
  input_range?: [number, number];
  output?: OutputKind;
  person_index?: number;
  layout?: Layout;
  /** [height, width], only for a model whose input size is not fixed. */
  input_size?: [number, number];
}

const SIDECAR_KEYS = ["input_range", "output", "person_index", "layout", "input_size"] as const;

/** The sidecar files looked for beside `modelPath`, first found wins. */
export function sidecarPaths(modelPath: string): string[] {
  const stem = modelPath.replace(/\.[^./]*$/, "");
  return stem === modelPath ? [`${modelPath}.json`] : [`${modelPath}.json`, `${stem}.json`];
}

/**
 * Reads and checks the sidecar beside `modelPath`; undefined when there is none. A bad
 * key or value is an InputError naming the file, the key, the value and what it takes.
 */
export async function readSidecar(
  modelPath: string,
): Promise<{ path: string; sidecar: Sidecar } | undefined> {
  for (const path of sidecarPaths(modelPath)) {
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw new InputError(
        `Cannot read the model description ${path}: ${
          error instanceof Error ? error.message : error
        }; fix its permissions or remove it`,
        { cause: error },
      );
    }
    return { path, sidecar: parseSidecar(text, path) };
  }
  return undefined;
}

/** Checks a sidecar's JSON text; `path` names it in messages. */
export function parseSidecar(text: string, path: string): Sidecar {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InputError(
      `The model description ${path} is not JSON (${
        (error as Error).message
      }); write it like {"output": "softmax", "person_index": 1}`,
    );
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new InputError(
      `The model description ${path} is not a JSON object; write it like {"output": "softmax", "person_index": 1}`,
    );
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  const bad = (key: string, value: unknown, takes: string) =>
    new InputError(
      `The model description ${path}: "${key}" takes ${takes}, got ${
        JSON.stringify(value)
      }; fix it in ${path}`,
    );
  const sidecar: Sidecar = {};
  for (const [key, value] of entries) {
    switch (key) {
      case "input_range": {
        const ok = Array.isArray(value) && value.length === 2 &&
          (value[0] === 0 || value[0] === -1) && value[1] === 1;
        if (!ok) throw bad(key, value, "[0, 1] or [-1, 1]");
        sidecar.input_range = value as [number, number];
        break;
      }
      case "output":
        if (!OUTPUT_KINDS.includes(value as OutputKind)) {
          throw bad(key, value, `one of ${OUTPUT_KINDS.map((k) => `"${k}"`).join(", ")}`);
        }
        sidecar.output = value as OutputKind;
        break;
      case "person_index":
        if (!Number.isInteger(value) || (value as number) < 0) {
          throw bad(key, value, "a channel number from 0");
        }
        sidecar.person_index = value as number;
        break;
      case "layout":
        if (value !== "NCHW" && value !== "NHWC") throw bad(key, value, '"NCHW" or "NHWC"');
        sidecar.layout = value;
        break;
      case "input_size": {
        const ok = Array.isArray(value) && value.length === 2 &&
          value.every((n) => Number.isInteger(n) && n >= 8 && n <= 4096);
        if (!ok) throw bad(key, value, "[height, width], each from 8 to 4096");
        sidecar.input_size = value as [number, number];
        break;
      }
      default:
        throw new InputError(
          `The model description ${path}: unknown key "${key}"; known keys: ${
            SIDECAR_KEYS.join(", ")
          }`,
        );
    }
  }
  return sidecar;
}

/** A dimension as ONNX states it: a number, or undefined where it is symbolic (dynamic). */
export type Dim = number | undefined;

/**
 * Known models, recognised by their shapes, with what their files do not say. Sources:
 * the models' cards and backscrub's preprocessing (libbackscrub.cc), checked by
 * measurement on ../shared/data/portraits (README's model table).
 */
const KNOWN: readonly {
  family: string;
  input: [number, number];
  channels: number;
  output: [number, number];
  inputRange: readonly [0, 1] | readonly [-1, 1];
  kind?: OutputKind;
}[] = [
  // DeepLab v3 MobileNet: MobileNet preprocessing, pixels in [-1, 1].
  {
    family: "DeepLab v3 (PASCAL VOC)",
    input: [257, 257],
    channels: 21,
    output: [257, 257],
    inputRange: [-1, 1],
  },
  // BodyPix MobileNet stride 8: tfjs-models' body-pix feeds MobileNet x/127.5 - 1; its
  // segmentation head gives logits. Measured on 5 portraits (mask IoU): [-1, 1] 0.861,
  // [0, 1] 0.853.
  {
    family: "BodyPix",
    input: [257, 257],
    channels: 1,
    output: [33, 33],
    inputRange: [-1, 1],
    kind: "sigmoid",
  },
];

/**
 * The spec of a model from its input and output shapes (as ONNX states them) and the
 * sidecar. Throws InputError with the one missing fact and the sidecar key that says it.
 */
export function specFromShapes(
  inputShape: readonly Dim[],
  outputShape: readonly Dim[],
  sidecar: Sidecar,
  names: { model: string; sidecar: string },
): ModelSpec {
  const notes: string[] = [];
  const refuse = (what: string, fix: string) =>
    new InputError(`Cannot use the model ${names.model}: ${what}; ${fix} in ${names.sidecar}`);
  const shown = (shape: readonly Dim[]) => `[${shape.map((d) => d ?? "?").join(", ")}]`;

  if (inputShape.length !== 4) {
    throw new InputError(
      `Cannot use the model ${names.model}: its input ${
        shown(inputShape)
      } is not one picture (rank 4, NCHW or NHWC); segcam runs image segmentation models`,
    );
  }
  let layout: Layout;
  if (sidecar.layout) {
    layout = sidecar.layout;
    notes.push(`layout ${layout} (${names.sidecar})`);
  } else if (inputShape[1] === 3) layout = "NCHW";
  else if (inputShape[3] === 3) layout = "NHWC";
  else {
    throw refuse(
      `its input ${shown(inputShape)} has no dimension of 3 colours first or last`,
      'say "layout": "NCHW" or "NHWC"',
    );
  }
  let [inputHeight, inputWidth] = layout === "NCHW"
    ? [inputShape[2], inputShape[3]]
    : [inputShape[1], inputShape[2]];
  if (sidecar.input_size) {
    [inputHeight, inputWidth] = sidecar.input_size;
    notes.push(`input size ${inputHeight}x${inputWidth} (${names.sidecar})`);
  }
  if (!(inputHeight! > 0 && inputWidth! > 0)) {
    throw refuse(
      `its input ${shown(inputShape)} has no fixed size`,
      'say "input_size": [height, width]',
    );
  }

  let channelDim: Dim, outputHeight: Dim, outputWidth: Dim;
  if (outputShape.length === 4) {
    [channelDim, outputHeight, outputWidth] = layout === "NCHW"
      ? [outputShape[1], outputShape[2], outputShape[3]]
      : [outputShape[3], outputShape[1], outputShape[2]];
  } else if (outputShape.length === 3) {
    [channelDim, outputHeight, outputWidth] = [1, outputShape[1], outputShape[2]];
  } else {
    throw new InputError(
      `Cannot use the model ${names.model}: its output ${
        shown(outputShape)
      } is not a map (rank 3 or 4); segcam runs image segmentation models`,
    );
  }
  // A dynamic output size follows the input's (a fully convolutional model).
  outputHeight ??= inputHeight;
  outputWidth ??= inputWidth;
  if (!(channelDim! > 0)) {
    throw refuse(`its output ${shown(outputShape)} has no fixed channel count`, 'say "layout"');
  }
  const channels = channelDim!;

  const known = KNOWN.find((k) =>
    k.input[0] === inputHeight && k.input[1] === inputWidth && k.channels === channels &&
    k.output[0] === outputHeight && k.output[1] === outputWidth
  );
  const family = known?.family;

  let inputRange: readonly [0, 1] | readonly [-1, 1];
  if (sidecar.input_range) {
    inputRange = sidecar.input_range[0] === -1 ? [-1, 1] : [0, 1];
    notes.push(`input range [${inputRange}] (${names.sidecar})`);
  } else if (known) {
    inputRange = known.inputRange;
    notes.push(`input range [${inputRange.join(", ")}] (${known.family} default)`);
  } else {
    // MediaPipe's convention (the selfie models, Meet, ML Kit), and what segcam convert writes.
    inputRange = [0, 1];
    notes.push("input range [0, 1] (default)");
  }

  // Several channels default to logits (Meet, DeepLab). Were they probabilities already,
  // the softmax keeps their order and their 0.5 crossing, only softer. One channel is
  // told from the model's answer (decideOutputKind).
  const output: OutputKind | undefined = sidecar.output ?? known?.kind ??
    (channels > 1 ? "softmax" : undefined);
  let personIndex = sidecar.person_index;
  if (personIndex === undefined) {
    if (channels === 1) personIndex = 0;
    else if (channels === 2) personIndex = 1; // background, person: Meet's order
    else if (channels === 21) personIndex = 15; // PASCAL VOC's "person"
    else {
      throw refuse(
        `its output has ${channels} channels and segcam cannot tell which is the person`,
        'say "person_index": <channel>',
      );
    }
    if (channels > 1) notes.push(`person index ${personIndex} (default for ${channels} channels)`);
  } else notes.push(`person index ${personIndex} (${names.sidecar})`);
  if (personIndex >= channels) {
    throw refuse(
      `"person_index" is ${personIndex} but its output has ${channels} channel${
        channels === 1 ? "" : "s"
      }`,
      `say a "person_index" from 0 to ${channels - 1}`,
    );
  }
  if (output === "softmax" && channels === 1) {
    throw refuse(
      'its output has 1 channel, and "output": "softmax" needs one per class',
      'say "output": "probability" or "sigmoid"',
    );
  }
  if (output === "sigmoid" && channels > 1) {
    throw refuse(
      `its output has ${channels} channels, and "output": "sigmoid" reads one`,
      'say "output": "softmax" or "probability"',
    );
  }
  if (sidecar.output) notes.push(`output ${output} (${names.sidecar})`);
  else if (known?.kind) notes.push(`output ${output} (${known.family} default)`);
  else if (output) notes.push(`output ${output} (default for ${channels} channels)`);

  return {
    layout,
    inputWidth: inputWidth!,
    inputHeight: inputHeight!,
    inputRange,
    channels,
    outputWidth: outputWidth!,
    outputHeight: outputHeight!,
    output,
    personIndex,
    family,
    notes,
  };
}

/**
 * The output kind of a one-channel model that did not say, from its answer on a
 * mid-gray picture: values outside [0, 1] are logits (sigmoid); values all inside are
 * probabilities already. A logit map that stays inside [0, 1] on a featureless picture
 * would need the model to be unsure of every pixel: measured, BodyPix's logits on gray
 * are -13 to -5 (sure it is background), ML Kit's probabilities 0. The sidecar's
 * "output" overrides it.
 */
export function decideOutputKind(raw: Float32Array, channels: number): OutputKind {
  let outside = false;
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    if (!(v >= -1e-4 && v <= 1 + 1e-4)) {
      outside = true;
      break;
    }
  }
  if (!outside) return "probability";
  return channels === 1 ? "sigmoid" : "softmax";
}
