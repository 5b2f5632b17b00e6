/**
 * `deno task eval [--data DIR] [--min-iou X]`: mask quality of the image path on a folder
 * with images/ and masks/ (same stem; mask > 127 = person). For each model, every image
 * goes through what `segcam image --effect transparent` does, and the output's alpha
 * (> 127) is compared with the hand-made mask: mean and p10 IoU. With --min-iou, exits 1
 * when the default model choice (auto) scores a lower mean.
 */
import { parseArgs } from "node:util";
import { createFrame } from "../src/frame.ts";
import { readImage } from "../src/io/image_file.ts";
import { STILL_IMAGE_FEATHER } from "../src/kernels/mask.ts";
import { chooseModel, createSegmenter, type ModelName } from "../src/model/segmenter.ts";
import { createEffectSettings } from "../src/effects/effect.ts";
import { FrameProcessor, type ProcessSettings } from "../src/pipeline/frame_processor.ts";
import { ProgressBar } from "../src/tui/progress_bar.ts";
import { printTable, quantile } from "../bench/_stats.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    data: { type: "string", default: "../shared/data/portraits" },
    "min-iou": { type: "string" },
  },
});
const data = values.data!;
const stems = [...Deno.readDirSync(`${data}/images`)]
  .filter((e) => /\.(jpe?g|png)$/i.test(e.name))
  .map((e) => e.name)
  .sort();
if (stems.length === 0) {
  console.error(`segcam eval: no images in ${data}/images`);
  Deno.exit(1);
}

const settings: ProcessSettings = {
  effect: "transparent",
  effectSettings: createEffectSettings(),
  mask: { invert: false, feather: STILL_IMAGE_FEATHER },
};
const choices = ["general", "landscape", "auto"] as const;
const scores: Record<string, number[]> = { general: [], landscape: [], auto: [] };
const processors = new Map<ModelName, FrameProcessor>();
for (const model of ["general", "landscape"] as const) {
  processors.set(
    model,
    new FrameProcessor(await createSegmenter({ backend: "auto", threads: 0, model })),
  );
}

const bar = ProgressBar.forStderr({ label: "Evaluating", total: stems.length, unit: "images" });
for (const [index, name] of stems.entries()) {
  const frame = await readImage(`${data}/images/${name}`);
  const truth = await readImage(`${data}/masks/${name.replace(/\.[^.]+$/, ".png")}`);
  if (truth.width !== frame.width || truth.height !== frame.height) {
    throw new Error(
      `${name}: mask is ${truth.width}x${truth.height}, image ${frame.width}x${frame.height}`,
    );
  }
  const out = createFrame(frame.width, frame.height, 4);
  const iou: Partial<Record<ModelName, number>> = {};
  for (const [model, processor] of processors) {
    const alpha = await processor.mask(frame, settings.mask);
    processor.render(frame, alpha, settings, out);
    let intersection = 0, union = 0;
    for (let i = 0; i < frame.width * frame.height; i++) {
      const a = out.data[4 * i + 3] > 127, b = truth.data[4 * i] > 127;
      if (a && b) intersection++;
      if (a || b) union++;
    }
    iou[model] = union === 0 ? 1 : intersection / union;
    scores[model].push(iou[model]);
  }
  scores.auto.push(iou[chooseModel("auto", frame.width, frame.height)]!);
  bar.update(index + 1);
}
await bar.finish(`Evaluated ${stems.length} images from ${data}`);

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
printTable(choices.map((model) => ({
  model,
  images: scores[model].length,
  "mean IoU": mean(scores[model]).toFixed(4),
  "p10 IoU": quantile(scores[model], 0.1).toFixed(4),
})));
for (const processor of processors.values()) await processor.segmenter.dispose();

const minimum = values["min-iou"] === undefined ? undefined : Number(values["min-iou"]);
if (minimum !== undefined && mean(scores.auto) < minimum) {
  console.error(`segcam eval: mean IoU ${mean(scores.auto).toFixed(4)} is below ${minimum}`);
  Deno.exit(1);
}
Deno.exit(0);
