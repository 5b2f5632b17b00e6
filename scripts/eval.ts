/**
 * `deno task eval`: mask quality against hand-made or exact masks, segcam's mask path
 * (MaskStage) beside the model alone.
 *
 * Portraits (default; --data DIR with images/ and masks/, same stem, mask > 127 =
 * person): every image through the still-image path; mean and p10 IoU and mean boundary
 * IoU (Cheng et al., CVPR 2021: IoU of the bands within 2 % of the diagonal inside each
 * mask's edge) per model. --min-iou X exits 1 when segcam with --model auto scores less.
 *
 * Video (--video DIR, e.g. ../shared/data/motion with <clip>/<clip>.mp4 and
 * <clip>/masks/NNNN.png): per clip, flicker, dtSSD and IoU as defined in that folder's
 * README, for segcam (stream mode, defaults) and for the raw model (alpha = p, bilinear,
 * no smoothing), and the inferences segcam ran per frame. Exits 1 when a clip's IoU is
 * more than --max-iou-drop below the raw model's, or the `still` clip's flicker is more
 * than --max-still-flicker-ratio of the raw model's, or real footage's flicker more than
 * --max-real-flicker-ratio of it, or a clip's dtSSD more than --max-dtssd-ratio of it.
 *
 * Real footage goes beside the clips (--real FILE,..., default
 * ../shared/data/videos/desk_960x540.mp4 when it exists; --real none for none): clips of
 * real people without masks, where only flicker can be measured, against the raw
 * model's, with their ratio. Camera-like clips with exact masks come from
 * scripts/make_camera_clips.ts (eval them with --video on its output folder).
 * --frames N reads only the first N frames of each clip (for quick runs while tuning).
 *
 * --models LIST (comma-separated built-in names or .tflite/.onnx files, as --model takes
 * them, e.g. general,landscape,../shared/data/models/segm_full_v679.tflite) measures each
 * of those models instead of general, landscape and auto: portraits raw and through the
 * still mask stage per model; video through the stream mask stage per model, against the
 * raw landscape model as always (a "model" column is added). A TFLite file is converted
 * on first use into the user's model cache (XDG_CACHE_HOME/segcam/models), as
 * `segcam --model FILE` does, so later runs and the CLI reuse it. --min-iou checks
 * --model auto and so needs the default list.
 *
 * --json prints the figures as one JSON object instead of tables. --smoothing,
 * --second-look, --edges on|off and --max-skips override segcam's defaults, to measure
 * what each part buys.
 */
import { parseArgs } from "node:util";
import type { Frame } from "../src/frame.ts";
import { readImage } from "../src/io/image_file.ts";
import { decodeArgs } from "../src/io/ffmpeg_args.ts";
import { FrameReader } from "../src/io/frame_reader.ts";
import { STILL_IMAGE_FEATHER } from "../src/kernels/mask.ts";
import { chooseModel, createSegmenter, type Segmenter } from "../src/model/segmenter.ts";
import { isModelName } from "../src/model/models.ts";
import {
  defaultMaskStageSettings,
  MaskStage,
  type MaskStageSettings,
  type SecondLook,
} from "../src/pipeline/mask_stage.ts";
import { ProgressBar } from "../src/tui/progress_bar.ts";
import { printTable, quantile } from "../bench/_stats.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    data: { type: "string", default: "../shared/data/portraits" },
    "min-iou": { type: "string" },
    video: { type: "string" },
    "max-iou-drop": { type: "string" },
    "max-still-flicker-ratio": { type: "string" },
    "max-real-flicker-ratio": { type: "string" },
    "max-dtssd-ratio": { type: "string" },
    json: { type: "boolean", default: false },
    smoothing: { type: "string" },
    "second-look": { type: "string" },
    edges: { type: "string" },
    "max-skips": { type: "string" },
    clips: { type: "string" },
    real: { type: "string" },
    frames: { type: "string" },
    models: { type: "string" },
  },
});

const tuned: Partial<MaskStageSettings> = {};
if (values.smoothing !== undefined) tuned.smoothing = Number(values.smoothing);
if (values["second-look"] !== undefined) tuned.secondLook = values["second-look"] as SecondLook;
if (values.edges !== undefined) tuned.edges = values.edges !== "off";
const maxSkips = values["max-skips"] === undefined ? undefined : Number(values["max-skips"]);
const frameLimit = values.frames === undefined ? Infinity : Number(values.frames);
const DESK = "../shared/data/videos/desk_960x540.mp4";
/** --models: what to measure instead of the default general, landscape (and auto). */
const modelList = values.models?.split(",").map((m) => m.trim()).filter((m) => m !== "");
if (modelList !== undefined && modelList.length === 0) {
  fail(`--models "${values.models}" names no model; give names or files separated by commas`);
}
if (modelList !== undefined && values["min-iou"] !== undefined) {
  fail("--min-iou checks --model auto; run it without --models");
}

/** A row's name for a model: the built-in name, or a file's name without its folder and extension. */
function modelLabel(model: string): string {
  return isModelName(model) ? model : model.replace(/^.*\//, "").replace(/\.(tflite|onnx)$/i, "");
}

/** A segmenter for a built-in name or a file, with a user-actionable line when it cannot open. */
async function openSegmenter(model: string): Promise<Segmenter> {
  try {
    return await createSegmenter({ backend: "auto", threads: 0, model });
  } catch (error) {
    fail(`--models: cannot open ${model}: ${error instanceof Error ? error.message : error}`);
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const log = (line: string) => {
  if (!values.json) console.log(line);
};

function fail(message: string): never {
  console.error(`segcam eval: ${message}`);
  Deno.exit(1);
}

/** IoU of alpha > 127 against truth > 127 (both one byte per pixel). */
function iou(alpha: Uint8Array, truth: Uint8Array): number {
  let intersection = 0, union = 0;
  for (let i = 0; i < alpha.length; i++) {
    const a = alpha[i] > 127, b = truth[i] > 127;
    if (a && b) intersection++;
    if (a || b) union++;
  }
  return union === 0 ? 1 : intersection / union;
}

/**
 * Boundary IoU (Cheng, Girshick, Dollár, Berg, Kirillov, CVPR 2021): the IoU of each
 * mask's inner band of width d = 2 % of the image diagonal. The band is the mask minus
 * its erosion by a (2d+1)² square (a Chebyshev distance, close enough to the paper's
 * Euclidean one for comparing two methods on the same images).
 */
function boundaryIoU(alpha: Uint8Array, truth: Uint8Array, width: number, height: number): number {
  const d = Math.max(1, Math.round(0.02 * Math.hypot(width, height)));
  const a = band(alpha, width, height, d), g = band(truth, width, height, d);
  let intersection = 0, union = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && g[i]) intersection++;
    if (a[i] || g[i]) union++;
  }
  return union === 0 ? 1 : intersection / union;
}

function band(mask: Uint8Array, width: number, height: number, d: number): Uint8Array {
  // Erosion by a square = erosion by a row, then by a column; a pixel outside the image
  // counts as background, as in the paper's padding. A window is all person when the
  // count of person pixels in it (prefix sums) is its full width 2d+1.
  const inside = Uint8Array.from(mask, (v) => (v > 127 ? 1 : 0));
  const rows = new Uint8Array(inside.length), eroded = new Uint8Array(inside.length);
  const erode1d = (src: Uint8Array, dst: Uint8Array, start: number, step: number, n: number) => {
    const prefix = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + src[start + i * step];
    for (let i = 0; i < n; i++) {
      const lo = i - d, hi = i + d;
      const full = lo >= 0 && hi < n && prefix[hi + 1] - prefix[lo] === 2 * d + 1;
      dst[start + i * step] = full ? 1 : 0;
    }
  };
  for (let y = 0; y < height; y++) erode1d(inside, rows, y * width, 1, width);
  for (let x = 0; x < width; x++) erode1d(rows, eroded, x, width, height);
  for (let i = 0; i < inside.length; i++) inside[i] = inside[i] && !eroded[i] ? 1 : 0;
  return inside;
}

/** The first channel of a decoded mask image, one byte per pixel. */
function plane(image: Frame): Uint8Array {
  const out = new Uint8Array(image.width * image.height);
  for (let i = 0; i < out.length; i++) out[i] = image.data[i * image.channels];
  return out;
}

async function evaluatePortraits(data: string): Promise<void> {
  const stems = [...Deno.readDirSync(`${data}/images`)]
    .filter((e) => /\.(jpe?g|png)$/i.test(e.name))
    .map((e) => e.name)
    .sort();
  if (stems.length === 0) fail(`no images in ${data}/images`);

  const settings: MaskStageSettings = {
    ...defaultMaskStageSettings,
    feather: STILL_IMAGE_FEATHER,
    ...tuned,
    mode: "still",
  };
  type Row = { iou: number[]; boundary: number[]; inferences: number };
  const empty = (): Row => ({ iou: [], boundary: [], inferences: 0 });
  const scores: Record<string, Row> = {};
  // Keyed by the row label: a built-in name, or a file's name (--models).
  const segmenters = new Map<string, Segmenter>();
  const stages = new Map<string, MaskStage>();
  for (const model of modelList ?? ["general", "landscape"]) {
    const label = modelLabel(model);
    if (segmenters.has(label)) fail(`--models: ${label} is named twice`);
    const segmenter = await openSegmenter(model);
    segmenters.set(label, segmenter);
    stages.set(label, new MaskStage(segmenter));
    for (const who of ["raw", "segcam"]) scores[`${who} ${label}`] = empty();
  }
  if (modelList === undefined) {
    scores["raw auto"] = empty();
    scores["segcam auto"] = empty();
  }

  const bar = values.json
    ? undefined
    : ProgressBar.forStderr({ label: "Evaluating", total: stems.length, unit: "images" });
  for (const [index, name] of stems.entries()) {
    const frame = await readImage(`${data}/images/${name}`);
    const truth = plane(await readImage(`${data}/masks/${name.replace(/\.[^.]+$/, ".png")}`));
    const { width, height } = frame;
    if (truth.length !== width * height) fail(`${name}: mask and image differ in size`);
    // --models measures each model as it is: no auto rows.
    const auto = modelList === undefined ? chooseModel("auto", width, height) : undefined;
    const raw = new Uint8Array(width * height);
    for (const [model, segmenter] of segmenters) {
      await segmenter.segment(frame);
      segmenter.maskInto(raw, width, height);
      const alpha = await stages.get(model)!.mask(frame, settings);
      for (const [who, mask] of [["raw", raw], ["segcam", alpha]] as const) {
        const i = iou(mask, truth), b = boundaryIoU(mask, truth, width, height);
        for (const key of [`${who} ${model}`, ...(model === auto ? [`${who} auto`] : [])]) {
          scores[key].iou.push(i);
          scores[key].boundary.push(b);
        }
      }
    }
    bar?.update(index + 1);
  }
  await bar?.finish(`Evaluated ${stems.length} images from ${data}`);
  for (const [model, stage] of stages) {
    scores[`segcam ${model}`].inferences = stage.stats.inferences / stage.stats.frames;
  }
  for (const segmenter of segmenters.values()) await segmenter.dispose();

  const rows = Object.entries(scores).map(([name, row]) => ({
    mask: name,
    images: row.iou.length,
    "mean IoU": Number(mean(row.iou).toFixed(4)),
    "p10 IoU": Number(quantile(row.iou, 0.1).toFixed(4)),
    "boundary IoU": Number(mean(row.boundary).toFixed(4)),
  }));
  if (values.json) console.log(JSON.stringify({ portraits: rows }, null, 2));
  else printTable(rows);

  const minimum = values["min-iou"] === undefined ? undefined : Number(values["min-iou"]);
  if (minimum === undefined) return;
  const auto = mean(scores["segcam auto"].iou);
  if (auto < minimum) {
    fail(`mean IoU ${auto.toFixed(4)} is below ${minimum}`);
  }
}

interface ClipScore {
  clip: string;
  frames: number;
  flicker: number;
  dtSSD: number;
  iou: number;
}

/** Accumulates the motion metrics of one mask sequence against the truth. */
class MotionScore {
  #previous: Float32Array;
  #previousTruth: Float32Array;
  #flicker = 0;
  #dt = 0;
  #pairs = 0;
  #ious: number[] = [];
  #frames = 0;

  constructor(readonly size: number) {
    this.#previous = new Float32Array(size);
    this.#previousTruth = new Float32Array(size);
  }

  /** Without truth (real footage) only flicker counts; dtSSD and IoU come out NaN. */
  add(alpha: Uint8Array, truth?: Uint8Array): void {
    const first = this.#frames++ === 0;
    let flicker = 0, dt = 0;
    for (let i = 0; i < this.size; i++) {
      const a = alpha[i] / 255, g = truth === undefined ? a : truth[i] / 255;
      const da = a - this.#previous[i], dg = g - this.#previousTruth[i];
      flicker += da * da;
      dt += (da - dg) * (da - dg);
      this.#previous[i] = a;
      this.#previousTruth[i] = g;
    }
    if (!first) {
      this.#flicker += flicker / this.size;
      this.#dt += dt / this.size;
      this.#pairs++;
    }
    if (truth !== undefined) this.#ious.push(iou(alpha, truth));
  }

  result(clip: string): ClipScore {
    return {
      clip,
      frames: this.#frames,
      flicker: Number((100 * Math.sqrt(this.#flicker / this.#pairs)).toFixed(2)),
      dtSSD: this.#ious.length === 0
        ? NaN
        : Number((100 * Math.sqrt(this.#dt / this.#pairs)).toFixed(2)),
      iou: this.#ious.length === 0 ? NaN : Number(mean(this.#ious).toFixed(4)),
    };
  }
}

async function probeSize(path: string): Promise<{ width: number; height: number }> {
  const { stdout, code } = await new Deno.Command("ffprobe", {
    args: [
      "-v",
      "error",
      "-select_streams",
      "v:0",
      "-show_entries",
      "stream=width,height",
      "-of",
      "csv=p=0",
      path,
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  const [width, height] = new TextDecoder().decode(stdout).trim().split(",").map(Number);
  if (code !== 0 || !(width > 0 && height > 0)) fail(`cannot read the size of ${path}`);
  return { width, height };
}

/** A clip to measure: masks/NNNN.png beside it, or none (real footage: flicker only). */
interface Clip {
  name: string;
  path: string;
  masks?: string;
}

function videoClips(dir: string): Clip[] {
  const wanted = values.clips?.split(",");
  const clips: Clip[] = [...Deno.readDirSync(dir)]
    .filter((e) => e.isDirectory && (wanted === undefined || wanted.includes(e.name)))
    .map((e) => e.name)
    .sort()
    .map((name) => ({ name, path: `${dir}/${name}/${name}.mp4`, masks: `${dir}/${name}/masks` }));
  const exists = (path: string) => {
    try {
      return Deno.statSync(path).isFile;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
  };
  const real = values.real === undefined
    ? (exists(DESK) ? [DESK] : [])
    : values.real === "none"
    ? []
    : values.real.split(",");
  for (const path of real) {
    if (!exists(path)) fail(`--real: no video at ${path}`);
    // desk_960x540.mp4 → desk
    const name = path.replace(/^.*\//, "").replace(/\.[^.]+$/, "").replace(/_\d+x\d+$/, "");
    if (wanted === undefined || wanted.includes(name)) clips.push({ name, path });
  }
  if (clips.length === 0) fail(`no clips in ${dir}`);
  return clips;
}

async function evaluateVideo(dir: string): Promise<void> {
  const clips = videoClips(dir);
  const settings: MaskStageSettings = { ...defaultMaskStageSettings, ...tuned, mode: "stream" };
  // Keyed by what createSegmenter was given: a built-in name or a file (--models).
  const segmenters = new Map<string, Segmenter>();
  const open = async (model: string) => {
    if (!segmenters.has(model)) segmenters.set(model, await openSegmenter(model));
    return segmenters.get(model)!;
  };
  type SegcamScore = ClipScore & { inferencesPerFrame: number; model?: string };
  const results: { segcam: SegcamScore; raw: ClipScore }[] = [];

  for (const clip of clips) {
    const { width, height } = await probeSize(clip.path);
    // The raw model is the landscape model (the data README's reference); segcam takes
    // what --model auto picks for the frame, which is landscape for these 16:9 clips,
    // or each of --models in turn on the same decoded frames.
    const models = modelList ?? [chooseModel("auto", width, height)];
    const rawSegmenter = await open("landscape");
    const runs: { model: string; stage: MaskStage; score: MotionScore }[] = [];
    for (const model of models) {
      runs.push({
        model,
        stage: new MaskStage(await open(model), { maxSkips }),
        score: new MotionScore(width * height),
      });
    }
    const frame: Frame = { data: new Uint8Array(width * height * 3), width, height, channels: 3 };
    const raw = new Uint8Array(width * height);
    const rawScore = new MotionScore(width * height);
    const ffmpeg = new Deno.Command("ffmpeg", {
      args: decodeArgs(clip.path, { pixFmt: "rgb24" }),
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = new FrameReader(ffmpeg.stdout);
    for (let index = 0; index < frameLimit && await reader.read(frame.data); index++) {
      const truth = clip.masks === undefined
        ? undefined
        : plane(await readImage(`${clip.masks}/${String(index).padStart(4, "0")}.png`));
      await rawSegmenter.segment(frame);
      rawSegmenter.maskInto(raw, width, height);
      rawScore.add(raw, truth);
      for (const { stage, score } of runs) score.add(await stage.mask(frame, settings), truth);
    }
    // Stopped early by --frames: ffmpeg would wait on a full pipe forever.
    await reader.cancel();
    await ffmpeg.status;
    const rawResult = rawScore.result(clip.name);
    for (const { model, stage, score } of runs) {
      const segcam: SegcamScore = {
        ...(modelList === undefined ? {} : { model: modelLabel(model) }),
        ...score.result(clip.name),
        inferencesPerFrame: Number((stage.stats.inferences / stage.stats.frames).toFixed(2)),
      };
      results.push({ segcam, raw: rawResult });
    }
    log(`${clip.name}: done`);
  }
  for (const segmenter of segmenters.values()) await segmenter.dispose();

  const figure = (x: number, digits: number) => Number.isNaN(x) ? "-" : x.toFixed(digits);
  if (values.json) console.log(JSON.stringify({ motion: results }, null, 2));
  else {
    printTable(results.map(({ segcam, raw }) => ({
      ...(segcam.model === undefined ? {} : { model: segcam.model }),
      clip: segcam.clip,
      frames: segcam.frames,
      "segcam flicker": segcam.flicker.toFixed(2),
      "raw flicker": raw.flicker.toFixed(2),
      "flicker ratio": (segcam.flicker / raw.flicker).toFixed(2),
      "dtSSD": figure(segcam.dtSSD, 2),
      "raw dtSSD": figure(raw.dtSSD, 2),
      "IoU": figure(segcam.iou, 4),
      "raw IoU": figure(raw.iou, 4),
      "inferences/frame": segcam.inferencesPerFrame.toFixed(2),
    })));
  }

  const problems: string[] = [];
  const drop = values["max-iou-drop"] === undefined ? undefined : Number(values["max-iou-drop"]);
  const ratio = values["max-still-flicker-ratio"] === undefined
    ? undefined
    : Number(values["max-still-flicker-ratio"]);
  const realRatio = values["max-real-flicker-ratio"] === undefined
    ? undefined
    : Number(values["max-real-flicker-ratio"]);
  const dtRatio = values["max-dtssd-ratio"] === undefined
    ? undefined
    : Number(values["max-dtssd-ratio"]);
  for (const { segcam, raw } of results) {
    const who = segcam.model === undefined ? segcam.clip : `${segcam.clip} (${segcam.model})`;
    if (drop !== undefined && segcam.iou < raw.iou - drop) {
      problems.push(
        `${who}: IoU ${segcam.iou} is more than ${drop} below the raw model's ${raw.iou}`,
      );
    }
    // Real footage has no truth (IoU NaN): only its flicker against the raw model's.
    const limit = segcam.clip === "still"
      ? ratio
      : Number.isNaN(segcam.iou)
      ? realRatio
      : undefined;
    if (limit !== undefined && segcam.flicker > limit * raw.flicker) {
      problems.push(
        `${who}: flicker ${segcam.flicker} is above ${limit} of the raw model's ${raw.flicker}`,
      );
    }
    if (dtRatio !== undefined && segcam.dtSSD > dtRatio * raw.dtSSD) {
      problems.push(
        `${who}: dtSSD ${segcam.dtSSD} is above ${dtRatio} of the raw model's ${raw.dtSSD}`,
      );
    }
  }
  if (problems.length > 0) fail(problems.join("; "));
}

if (values.video !== undefined) await evaluateVideo(values.video);
else await evaluatePortraits(values.data!);
Deno.exit(0);
