/**
 * `segcam image <inputs…>`: apply an effect to still images (files, folders, globs).
 * One bad file does not stop the batch; the summary says what was done, skipped and
 * failed, and the exit code is non-zero when anything failed.
 */
import { describeFsError, InputError, OutputError, SegcamError, UsageError } from "../errors.ts";
import type { Frame } from "../frame.ts";
import { createFrame } from "../frame.ts";
import { imageFormatOf, readImage, writeImage } from "../io/image_file.ts";
import { EFFECT_NAMES } from "../effects/registry.ts";
import { expandInputs, outputPathFor } from "../io/input_files.ts";
import { scaleCover } from "../kernels/scale_cover.ts";
import { chooseModel, createSegmenter, type ModelName } from "../model/segmenter.ts";
import { FrameProcessor } from "../pipeline/frame_processor.ts";
import type { GlobalOptions } from "../options.ts";
import { ProgressBar } from "../tui/progress_bar.ts";
import { type EffectCliOptions, processSettingsFrom } from "./_effect_options.ts";

export interface ImageCommandOptions extends GlobalOptions, EffectCliOptions {
  /** A folder (or, for one input, a file); default: beside each input. */
  output?: string;
  /** Output format when --output is a folder or absent; default: the input's. */
  format?: "png" | "jpg";
  /** JPEG quality 1..100. */
  quality: number;
  force: boolean;
}

const OWN_OUTPUT = new RegExp(`\\.(${EFFECT_NAMES.join("|")})\\.(png|jpe?g)$`, "i");

/** The result of one image, for the summary. */
type Outcome = { kind: "done"; input: string; reason?: undefined } | {
  kind: "skipped" | "failed";
  input: string;
  reason: string;
};

export async function runImage(inputs: string[], options: ImageCommandOptions): Promise<void> {
  const settings = processSettingsFrom(options);
  const transparent = settings.effect === "transparent";
  if (transparent && (options.format === "jpg" || isJpegPath(options.output))) {
    throw new UsageError(
      "--effect transparent writes an alpha channel, which JPEG cannot hold; write PNG (--format png or an .png output)",
    );
  }
  const background = settings.effect === "replace"
    ? await readBackground(options.background!)
    : undefined;

  const expanded = await expandInputs(inputs);
  const problems = expanded.problems;
  // segcam's own results (photo.blur.jpg) are not inputs: a second run over the same
  // folder would otherwise process them again.
  const files = expanded.files.filter((file) => !OWN_OUTPUT.test(file));
  if (files.length === 0) {
    const why = problems.map((p) => `${p.input}: ${p.reason}`).join("; ");
    throw new InputError(
      `No images to process (${why || "no inputs"}); give PNG or JPEG files, folders or globs`,
    );
  }
  // "-o out/" says "a folder": make it, as the user evidently expects it to exist.
  if (options.output?.endsWith("/")) {
    try {
      await Deno.mkdir(options.output, { recursive: true });
    } catch (error) {
      throw new OutputError(describeFsError(error, options.output, "create folder"), {
        cause: error,
      });
    }
  }
  // Check the naming (e.g. one output file for many inputs) before any work.
  const naming = (input: string) =>
    outputPathFor(input, {
      output: options.output,
      effect: settings.effect,
      format: transparent
        ? "png"
        : options.format ?? (imageFormatOf(input) === "jpeg" ? "jpg" : "png"),
      inputCount: files.length,
    });
  files.forEach(naming);

  const outcomes: Outcome[] = problems.map((p) => ({ kind: "failed", ...p }));
  const bar = files.length > 1
    ? ProgressBar.forStderr({ label: verb(settings.effect), total: files.length, unit: "images" })
    : undefined;
  const say = (line: string) => bar ? bar.log(line) : console.error(line);
  for (const p of problems) say(`segcam: ${p.input}: ${p.reason}`);

  // One segmenter per model: with --model auto, portrait and landscape photos differ.
  const processors = new Map<ModelName, FrameProcessor>();
  const scaledBackground = { frame: undefined as Frame | undefined };
  try {
    for (const [index, input] of files.entries()) {
      const output = naming(input);
      try {
        if (!options.force && await exists(output)) {
          outcomes.push({ kind: "skipped", input, reason: `${output} exists (use --force)` });
          continue;
        }
        const frame = await readImage(input);
        const model = chooseModel(options.model, frame.width, frame.height);
        let processor = processors.get(model);
        if (processor === undefined) {
          processor = new FrameProcessor(
            await createSegmenter({ ...options, model, log: (line) => say(line) }),
          );
          processors.set(model, processor);
        }
        const alpha = await processor.mask(frame, settings.mask);
        const out = createFrame(
          frame.width,
          frame.height,
          processor.effect(settings.effect).outputChannels,
        );
        processor.render(frame, alpha, settings, out, sized(background, frame, scaledBackground));
        await writeImage(output, out, { force: options.force, quality: options.quality });
        outcomes.push({ kind: "done", input });
        if (!bar) console.log(`Wrote ${output}`);
      } catch (error) {
        if (!(error instanceof SegcamError) || error.exitCode !== 1) throw error;
        outcomes.push({ kind: "failed", input, reason: error.message });
        say(`segcam: ${error.message}`);
      }
      bar?.update(index + 1);
    }
  } finally {
    for (const processor of processors.values()) await processor.segmenter.dispose();
  }

  const done = outcomes.filter((o) => o.kind === "done").length;
  const skipped = outcomes.filter((o) => o.kind === "skipped");
  const failed = outcomes.filter((o) => o.kind === "failed");
  const summary = `${done} done, ${skipped.length} skipped, ${failed.length} failed`;
  if (bar) await bar.finish(summary);
  else if (files.length + problems.length > 1 || done === 0) console.error(summary);
  for (const s of skipped) console.error(`  skipped ${s.input}: ${s.reason}`);
  for (const f of failed) console.error(`  failed ${f.input}: ${f.reason}`);
  if (failed.length > 0) {
    throw new SegcamError(
      `${failed.length} of ${files.length + problems.length} inputs failed (see above)`,
    );
  }
}

async function readBackground(path: string): Promise<Frame> {
  if (imageFormatOf(path) === undefined) {
    throw new UsageError(
      `The background ${path} is not a PNG or JPEG image; still images take an image background (videos: use segcam video)`,
    );
  }
  return await readImage(path);
}

/** The background scaled to cover `frame`, recomputed only when the size changes. */
function sized(
  background: Frame | undefined,
  frame: Frame,
  cache: { frame: Frame | undefined },
): Frame | undefined {
  if (background === undefined) return undefined;
  if (cache.frame?.width !== frame.width || cache.frame?.height !== frame.height) {
    cache.frame = createFrame(frame.width, frame.height, 3);
    scaleCover(background, cache.frame);
  }
  return cache.frame;
}

function isJpegPath(path: string | undefined): boolean {
  return path !== undefined && imageFormatOf(path) === "jpeg";
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

function verb(effect: string): string {
  return {
    none: "Copying",
    remove: "Removing backgrounds",
    replace: "Replacing backgrounds",
    blur: "Blurring",
    desaturate: "Desaturating",
    transparent: "Cutting out",
  }[effect] ?? "Processing";
}
