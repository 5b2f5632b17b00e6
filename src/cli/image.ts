/**
 * `segcam image <inputs…>`: apply an effect to still images (files, folders, globs),
 * on every core (image_pool.ts). One bad file does not stop the batch and is reported
 * once; an output error that would repeat for every file (a read-only folder, a full
 * disk) stops it at the first. Ctrl-C, SIGTERM and SIGHUP stop it within moments:
 * finished results stay (they are complete), nothing half-written is left.
 */
import {
  describeFsError,
  InputError,
  InterruptedError,
  OutputError,
  SegcamError,
  UsageError,
} from "../errors.ts";
import {
  checkOutputPath,
  refuseInputAsOutput,
  refuseStdout,
  writeFileAtomically,
} from "../io/atomic_file.ts";
import { imageFormatOf } from "../io/image_file.ts";
import { EFFECT_NAMES } from "../effects/registry.ts";
import { resolve } from "node:path";
import { expandInputs, outputPathFor, refuseStdin } from "../io/input_files.ts";
import { SegmenterError } from "../pipeline/image_job.ts";
import { ImagePool } from "../pipeline/image_pool.ts";
import type { GlobalOptions } from "../options.ts";
import { ProgressBar } from "../tui/progress_bar.ts";
import { type EffectCliOptions, processSettingsFrom } from "./_effect_options.ts";
import { printable } from "./_report.ts";
import { interruptSignal } from "./_signals.ts";
import { readBackgroundImage } from "../io/background.ts";
import { isModelName } from "../model/models.ts";

export interface ImageCommandOptions extends GlobalOptions, EffectCliOptions {
  /** A folder (or, for one input, a file); default: beside each input. */
  output?: string;
  /** Output format when --output is a folder or absent; default: the input's. */
  format?: "png" | "jpg";
  /** JPEG quality 1..100. */
  quality: number;
  force: boolean;
  /** Images processed at once, one worker each; default and maximum: the core count. */
  jobs?: number;
}

const OWN_OUTPUT = new RegExp(`\\.(${EFFECT_NAMES.join("|")})\\.(png|jpe?g)$`, "i");

export async function runImage(inputs: string[], options: ImageCommandOptions): Promise<void> {
  const settings = processSettingsFrom(options);
  if (options.output !== undefined) checkImageOutput(options.output, options.format);
  for (const input of inputs) refuseStdin(input, "image");
  refuseStdin(options.background, "image --background");
  const transparent = settings.effect === "transparent";
  if (transparent && (options.format === "jpg" || isJpegPath(options.output))) {
    throw new UsageError(
      "--effect transparent writes an alpha channel, which JPEG cannot hold; write PNG (--format png or an .png output)",
    );
  }
  const cores = navigator.hardwareConcurrency || 1;
  const jobs = options.jobs ?? cores;
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw new UsageError(`--jobs must be a whole number ≥ 1, got ${jobs}`);
  }
  const background = settings.effect === "replace"
    ? (await readBackgroundImage(options.background!)).source
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
  // All naming is checked before any work: one output file for many inputs, and two
  // inputs whose results would land on the same file.
  const outputs = files.map((input) =>
    outputPathFor(input, {
      output: options.output,
      effect: settings.effect,
      format: transparent
        ? "png"
        : options.format ?? (imageFormatOf(input) === "jpeg" ? "jpg" : "png"),
      inputCount: files.length,
    })
  );
  refuseClashes(files, outputs);
  if (options.background !== undefined) {
    for (const output of outputs) {
      await refuseInputAsOutput(output, [{ path: options.background, role: "background" }]);
    }
  }

  const total = files.length + problems.length;
  const single = total === 1;
  // One image: its output problems (an existing file, a missing folder) are the answer,
  // reported before the model loads.
  if (single) await checkOutputPath(outputs[0], options);

  // A model file is read, described and (TFLite) converted once here, before the
  // workers: each would otherwise convert it at the same time, and its mistakes are
  // one line before any image, not one per worker.
  if (options.model !== "auto" && !isModelName(options.model)) {
    const { openModelFile } = await import("../model/model_file.ts");
    await openModelFile(options.model, { log: (line) => options.quiet || console.error(line) });
  }

  const interrupt = interruptSignal();
  const workers = Math.min(jobs, cores, files.length);
  const bar = single
    ? undefined
    : ProgressBar.forStderr({ label: verb(settings.effect), total, unit: "images" });
  const say = (text: string) => {
    const line = printable(text);
    bar ? bar.log(line) : console.error(line);
  };
  const pool = new ImagePool({
    jobs: workers,
    config: {
      backend: options.backend,
      // Several workers each running the backend's default (all cores) would fight
      // over the cores: give each its share unless --threads says otherwise.
      threads: options.threads || (workers > 1 ? Math.max(1, Math.floor(cores / workers)) : 0),
      model: options.model,
      settings,
      background,
      quality: options.quality,
    },
    log: (line) => options.quiet || say(line),
  });
  const onInterrupt = () => void pool.stop(new InterruptedError());
  interrupt.signal.addEventListener("abort", onInterrupt);

  let done = 0, finished = problems.length, skipped = 0, failed = problems.length;
  let fatal: SegcamError | undefined;
  for (const p of problems) say(`segcam: ${p.input}: ${p.reason}`);
  bar?.update(finished);
  let next = 0;
  // One lane per worker: each takes the next file, waits for its bytes, writes them.
  const lane = async () => {
    while (next < files.length && fatal === undefined && !interrupt.signal.aborted) {
      const index = next++;
      const [input, output] = [files[index], outputs[index]];
      try {
        if (!single && !options.force && await exists(output)) {
          skipped++;
          say(`segcam: skipped ${input}: ${output} exists (use --force)`);
        } else {
          const format = imageFormatOf(output)!;
          const bytes = await pool.process({ input, format });
          await writeFileAtomically(output, bytes, {
            force: options.force,
            signal: interrupt.signal,
          });
          done++;
          if (single) console.log(`Wrote ${printable(output)}`);
        }
      } catch (error) {
        if (interrupt.signal.aborted || error instanceof InterruptedError) return;
        if (!(error instanceof SegcamError) || error.exitCode !== 1 || single) {
          void pool.stop(error instanceof Error ? error : new Error(String(error)));
          throw error;
        }
        if (repeatsForEveryFile(error)) {
          fatal ??= error;
          void pool.stop(error);
          return;
        }
        failed++;
        say(`segcam: ${error.message}`);
      }
      bar?.update(++finished);
    }
  };
  // allSettled, not all: a lane that fails must not end the run while another lane
  // is still writing (its temporary file would be left behind).
  const lanes = await Promise.allSettled(Array.from({ length: workers }, lane));
  await pool.stop();
  interrupt.signal.removeEventListener("abort", onInterrupt);
  interrupt.dispose();
  const crashed = lanes.find((l) => l.status === "rejected");
  if (crashed && !interrupt.signal.aborted) throw crashed.reason;

  const summary = `${done} done, ${skipped} skipped, ${failed} failed`;
  // Interrupted or stopped: the bar goes away and the one line that ends the run says
  // what was done.
  if (interrupt.signal.aborted) {
    await bar?.clear();
    throw interrupt.error(
      single
        ? "nothing was written"
        : `${done} of ${total} images were written, complete, and no partial file was left`,
    );
  }
  if (fatal !== undefined) {
    await bar?.clear();
    throw new SegcamError(
      `${fatal.message}; stopped after ${done} of ${total} images, as every other image ` +
        `would fail the same way`,
      { cause: fatal, exitCode: fatal.exitCode },
    );
  }
  if (bar) await bar.finish(summary);
  if (failed > 0) {
    throw new SegcamError(`${failed} of ${total} inputs failed (see above)`);
  }
}

/**
 * Refuses two inputs whose results would be the same file (x/a.jpg, y/a.jpg → out/).
 * Renaming one (a-1.blur.jpg) would hide which result came from which input, and
 * change with the order of the arguments; a clear refusal lets the user choose.
 * macOS and Windows file systems ignore case, so there A.jpg and a.jpg clash too.
 */
function refuseClashes(files: string[], outputs: string[]): void {
  const ignoreCase = Deno.build.os === "darwin" || Deno.build.os === "windows";
  const first = new Map<string, number>();
  for (const [i, output] of outputs.entries()) {
    const key = ignoreCase ? resolve(output).toLowerCase() : resolve(output);
    const j = first.get(key);
    if (j === undefined) {
      first.set(key, i);
      continue;
    }
    throw new UsageError(
      `${files[j]} and ${files[i]} would both be written to ${output}; ` +
        `process them into different folders (one --output each) or rename one of them`,
    );
  }
}

/**
 * Output errors that are about the folder or the disk, not the image: the next file
 * would fail the same way (a read-only or vanished folder, a full disk), as would a
 * model that cannot be loaded.
 */
function repeatsForEveryFile(error: SegcamError): boolean {
  if (error instanceof SegmenterError) return true;
  return error instanceof OutputError &&
    /permission denied|read-only|disk is full|no such file|does not exist|not a folder/
      .test(error.message);
}

/**
 * An --output file (not a folder) must name a format segcam writes, and agree with
 * --format: checked before any work, so that out.bmp is never a JPEG in disguise.
 */
function checkImageOutput(output: string, format: "png" | "jpg" | undefined): void {
  refuseStdout(output, "image");
  if (output.endsWith("/") || isFolderSync(output)) return;
  const named = imageFormatOf(output);
  if (named === undefined) {
    throw new UsageError(
      `Cannot tell the image format of ${output}; end it in .png, .jpg or .jpeg (or end it in / for a folder)`,
    );
  }
  if (format !== undefined && (format === "jpg") !== (named === "jpeg")) {
    throw new UsageError(
      `--format ${format} contradicts the output ${output}; give one of them, or make them agree`,
    );
  }
}

function isFolderSync(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
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
