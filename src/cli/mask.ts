/**
 * `segcam mask <image> [-o <mask.png>] [--raw <map.f32>]`: the person mask of one image,
 * by default beside it as `<stem>.mask.png` (named as `segcam image` names its results).
 */
import { InterruptedError, UsageError } from "../errors.ts";
import { checkOutputPath, writeFileAtomically } from "../io/atomic_file.ts";
import { encodeGrayPng, readImage } from "../io/image_file.ts";
import { outputPathFor, samePath } from "../io/input_files.ts";
import { chooseModel, createSegmenter } from "../model/segmenter.ts";
import type { GlobalOptions } from "../options.ts";
import { info } from "./_report.ts";
import { interruptSignal } from "./_signals.ts";

export interface MaskCommandOptions extends GlobalOptions {
  /** Where the 8-bit grayscale mask PNG goes (255 = person); default `<stem>.mask.png` beside the image. */
  output?: string;
  /** Optional path for the model-size float32 probability map, row-major. */
  raw?: string;
  /** Replace existing output files. */
  force: boolean;
}

export async function runMask(imagePath: string, given: MaskCommandOptions): Promise<void> {
  const options = {
    ...given,
    output: given.output ?? outputPathFor(imagePath, { effect: "mask", format: "png" }),
  };
  if (!/\.png$/i.test(options.output)) {
    throw new UsageError(
      `The mask is written as PNG, but the output ${options.output} does not end in .png; name it like mask.png`,
    );
  }
  if (options.raw !== undefined && options.raw === options.output) {
    throw new UsageError(`--raw and --output both name ${options.raw}; give them different paths`);
  }
  for (const [option, path] of [["--output", options.output], ["--raw", options.raw]]) {
    if (path !== undefined && samePath(path, imagePath)) {
      throw new UsageError(
        `${option} ${path} would replace the input image; choose another ${option}`,
      );
    }
  }
  // Fail on an unwritable output before spending time on the model.
  await checkOutputPath(options.output, options);
  if (options.raw !== undefined) await checkOutputPath(options.raw, options);

  const interrupt = interruptSignal();
  try {
    await writeMask(imagePath, options, interrupt.signal);
  } catch (error) {
    if (error instanceof InterruptedError) throw interrupt.error("nothing was written");
    throw error;
  } finally {
    interrupt.dispose();
  }
}

/** Segments and writes; Ctrl-C or SIGTERM before the last write leaves no file. */
async function writeMask(
  imagePath: string,
  options: MaskCommandOptions & { output: string },
  signal: AbortSignal,
): Promise<void> {
  const policy = { force: options.force, signal };
  const frame = await readImage(imagePath);
  const segmenter = await createSegmenter({
    backend: options.backend,
    threads: options.threads,
    model: chooseModel(options.model, frame.width, frame.height),
    log: info,
  });
  try {
    const probabilities = await segmenter.segment(frame);
    const mask = new Uint8Array(frame.width * frame.height);
    segmenter.maskInto(mask, frame.width, frame.height);
    await writeFileAtomically(
      options.output,
      encodeGrayPng(mask, frame.width, frame.height),
      policy,
    );
    const { inputWidth, inputHeight, name } = segmenter.model;
    if (options.raw !== undefined) {
      // Copy: the segmenter owns `probabilities` and may reuse its memory.
      const bytes = new Uint8Array(probabilities.slice().buffer);
      try {
        await writeFileAtomically(options.raw, bytes, policy);
      } catch (error) {
        // Both files or neither: a mask without the map the user asked for is half a result.
        if (error instanceof InterruptedError) await Deno.remove(options.output).catch(() => {});
        throw error;
      }
    }
    const person = mask.reduce((n, v) => n + (v > 127 ? 1 : 0), 0) / mask.length;
    console.log(
      `Wrote ${options.output}: ${frame.width}x${frame.height} mask, ${
        (person * 100).toFixed(1)
      }% person (model ${name}, ${segmenter.backend})` +
        (options.raw !== undefined
          ? `; ${options.raw}: ${inputWidth}x${inputHeight} float32 probabilities`
          : ""),
    );
  } finally {
    await segmenter.dispose();
  }
}
