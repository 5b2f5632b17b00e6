/**
 * `segcam video <input> -o <output>`: parse, check everything knowable up front (the
 * probe, before the model loads), build the frame engine — a file source, the
 * processor, a looping background, an encoder sink — and run it. The output is written
 * to a temporary file beside the target and renamed only when complete; an interrupted
 * conversion leaves nothing.
 */
import { InputError, SegcamError, UsageError } from "../errors.ts";
import type { EffectName } from "../effects/effect.ts";
import { openableSpelling, refuseStdin } from "../io/input_files.ts";
import {
  checkOutputPath,
  refuseInputAsOutput,
  refuseStdout,
  writeAtomically,
} from "../io/atomic_file.ts";
import { type Background, isImageBackground, openBackground } from "../io/background.ts";
import {
  ALPHA_EXTENSIONS,
  alphaCapable,
  decodeArgs,
  decodesLosslesslyAsYuv420p,
  extensionOf,
  planEncode,
  requireVideoExtension,
  VIDEO_EXTENSIONS,
} from "../io/ffmpeg_args.ts";
import { explainFfmpegFailure, isUnexplained, stopAllChildren } from "../io/ffmpeg_process.ts";
import { FfmpegSink, RawFrameConverter } from "../io/frame_sink.ts";
import { FileSource } from "../io/frame_source.ts";
import { yuvInput, yuvPipesWanted } from "../io/frame_reader.ts";
import { decodeWarning } from "../io/frame_reader.ts";
import { type EarlyProbe, noDecodableFrames, probeMedia } from "../io/probe.ts";
import { chooseModel, createSegmenter, type Segmenter } from "../model/segmenter.ts";
import type { GlobalOptions } from "../options.ts";
import { runEngine } from "../pipeline/engine.ts";
import { FrameProcessor } from "../pipeline/frame_processor.ts";
import { defaultAutoframeSettings } from "../pipeline/autoframe.ts";
import { defaultKernels } from "../kernels/kernel_set.ts";
import { StageTimings } from "../pipeline/timings.ts";
import { ProgressBar } from "../tui/progress_bar.ts";
import { type EffectCliOptions, processSettingsFrom } from "./_effect_options.ts";
import { info as logInfo, printable } from "./_report.ts";
import { interruptSignal } from "./_signals.ts";

export interface VideoCommandOptions extends GlobalOptions, EffectCliOptions {
  /** Default: {@link defaultVideoOutput}. */
  output?: string;
  force: boolean;
  /** Re-frame the video around its people (src/pipeline/autoframe.ts). */
  autoframe?: boolean;
  autoframeZoom?: number;
}

/**
 * Where `segcam video` writes without -o: `<stem>.<effect>.<ext>` beside the input, as
 * `segcam image` names its results (talk.mp4 → talk.blur.mp4). The input's container is
 * kept when it can hold the result; else .mp4, or .webm for a transparent result.
 */
export function defaultVideoOutput(input: string, effect: EffectName): string {
  const ext = extensionOf(input);
  const keep = (VIDEO_EXTENSIONS as readonly string[]).includes(ext) &&
    (effect !== "transparent" || alphaCapable(input));
  const format = keep ? ext : effect === "transparent" ? "webm" : "mp4";
  return `${input.replace(/\.[^./]*$/, "")}.${effect}.${format}`;
}

/** `early`: the input's probe, started while this module loaded (main.ts). */
export async function runVideo(
  input: string,
  given: VideoCommandOptions,
  early?: EarlyProbe,
): Promise<void> {
  // Named from the user's spelling of the input, beside it (not beside the link below).
  const output = given.output ??
    defaultVideoOutput(input, processSettingsFrom(given).effect);
  const options = { ...given, output };
  // A name that is not UTF-8 reaches segcam spelled with U+FFFD, which nothing opens;
  // ffmpeg gets a link to it instead, and messages keep the user's spelling.
  const spelling = await openableSpelling(input);
  const background = options.background === undefined
    ? undefined
    : await openableSpelling(options.background);
  try {
    await convertVideo(spelling.path, { ...options, background: background?.path }, early);
  } catch (error) {
    if (error instanceof SegcamError) {
      error.message = error.message.replaceAll(spelling.path, input);
      if (background) {
        error.message = error.message.replaceAll(background.path, options.background!);
      }
    }
    throw error;
  } finally {
    await spelling.dispose();
    await background?.dispose();
  }
}

async function convertVideo(
  input: string,
  options: VideoCommandOptions & { output: string },
  early?: EarlyProbe,
): Promise<void> {
  const settings = processSettingsFrom(options);
  if (options.autoframe) {
    settings.autoframe = {
      on: true,
      zoom: options.autoframeZoom ?? defaultAutoframeSettings.zoom,
    };
  }
  const { output } = options;
  const ext = extensionOf(output);
  refuseStdout(output, "video");
  refuseStdin(input, "video");
  refuseStdin(options.background, "video --background");
  // -o /dev/null: process without writing (a dry run, or a benchmark).
  requireVideoExtension(output);
  const alpha = settings.effect === "transparent";
  if (alpha && !alphaCapable(output)) {
    throw new UsageError(
      `.${ext} cannot carry transparency; for --effect transparent write ${
        ALPHA_EXTENSIONS.join(" or ")
      }`,
    );
  }
  const reads = [{ path: input, role: "input" }];
  if (options.background !== undefined) {
    reads.push({ path: options.background, role: "background" });
  }
  await refuseInputAsOutput(output, reads);

  // Everything that can be known up front is checked before the model loads and the
  // minutes of work start: the input, the output's folder and name, the background.
  const info = await probeMedia(input, { checkDecodable: false, early });
  const { width, height } = info;
  await checkOutputPath(output, options);
  if (settings.effect === "replace" && !isImageBackground(options.background!)) {
    await probeMedia(options.background!, { role: "background" });
  }
  // Audio and subtitles come from the input file itself, in sync with its frames.
  const carry = info.hasAudio || info.subtitles.length > 0;
  // Frames travel as yuv420p where nothing is lost (a 4:2:0 input; an output encoded in
  // 4:2:0, i.e. any without alpha), converted by the wasm kernels: half the pipe bytes
  // of rgb24 each way, and neither ffmpeg converts.
  const kernels = defaultKernels();
  // Even sizes only: at an odd size swscale stretches the rounded-up chroma plane across
  // the picture, where segcam's kernels give each sample its 2x2 block, so colours would
  // shift against the rgb24 path (measured on testsrc2: V planes 29 dB apart at 321x241,
  // 47 at 322x242).
  const yuvPipes = yuvPipesWanted(kernels) && width % 2 === 0 && height % 2 === 0;
  const yuvIn = yuvPipes && decodesLosslesslyAsYuv420p(info.pixFmt);
  // With alpha, yuva420p (the planes, then the mask as alpha) where the input is 4:2:0
  // anyway, so nothing is lost: VP9 takes it as it is, ProRes 4444 upsamples the chroma.
  // Otherwise RGBA, which keeps a 4:4:4 input's colour for ProRes.
  const yuvOut = yuvPipes && (!alpha || yuvIn);
  const planFor = (target: string) =>
    planEncode(target, {
      width,
      height,
      fps: info.fps,
      pixFmtIn: alpha ? (yuvOut ? "yuva420p" : "rgba") : yuvOut ? "yuv420p" : "rgb24",
      audioFrom: carry ? input : undefined,
      subtitles: info.subtitles,
      durationSeconds: info.frames !== undefined ? info.frames / info.fpsValue : undefined,
    });
  const plan = planFor(output);
  for (const note of [...info.notes, ...plan.notes]) {
    console.error(`segcam: note: ${printable(note)}`);
  }
  const interrupt = interruptSignal();
  let background: Background | undefined;
  let segmenter: Segmenter | undefined;
  const started = performance.now();
  let written = 0;
  let truncated = false;
  let warning: string | undefined;
  try {
    background = settings.effect === "replace"
      ? await openBackground(options.background!, {
        width,
        height,
        pace: "each-frame",
        fps: info.fps,
        signal: interrupt.signal,
      })
      : undefined;
    await writeAtomically(output, async (temporary) => {
      // A variable-rate file is resampled to the rate the encoder writes, so it keeps its
      // timing. A constant-rate one is decoded as it is: the fps filter would round a
      // frame away at the end when the first timestamp is off the rate's grid (an mp4
      // starting at 25 ms loses its last frame), and every frame must be kept.
      const source = new FileSource(
        decodeArgs(input, {
          pixFmt: yuvIn ? "yuv420p" : "rgb24",
          fps: info.isVariableRate ? info.fps : undefined,
        }),
        width,
        height,
        () => performance.now(),
        kernels.frame,
        // Deferred: a frame that stays planar to the encoder is never converted to RGB.
        yuvIn ? yuvInput(kernels, "yuv420p", { deferRgb: true }) : undefined,
      );
      const sink = new FfmpegSink(planFor(temporary).args, {
        channels: alpha ? 4 : 3,
        label: output,
        converter: yuvOut
          ? new RawFrameConverter(alpha ? "yuva420p" : "yuv420p", kernels)
          : undefined,
      });
      // The decoder and the encoder start (ffmpeg takes ~0.2 s to give a first frame)
      // while the model loads, not after it.
      try {
        segmenter = await createSegmenter({
          ...options,
          model: chooseModel(options.model, width, height),
          log: logInfo,
        });
      } catch (error) {
        await Promise.all([source.close(), sink.process.stop({ discard: true })]);
        throw error;
      }
      const processor = new FrameProcessor(segmenter, kernels, "stream");
      const bar = ProgressBar.forStderr({
        label: `Writing ${output}`,
        total: info.frames,
        unit: "frames",
        rateUnit: "fps",
      });
      // The bar's summary line is for a finished file; a failed or stopped one is told in
      // the error's one line alone.
      let finished = false;
      try {
        const result = await runEngine({
          source,
          sink,
          processor,
          settings,
          background: background && (() => background!.frame()),
          timings: new StageTimings(),
          now: () => performance.now(),
          signal: interrupt.signal,
          onFrame: (_out, count) => bar.update(written = count),
        });
        if (result.reason === "aborted") throw interrupt.error(`${output} was not written`);
        truncated = source.truncated;
        const decoded = await source.process.status;
        if (!decoded.success || written === 0) {
          const failure = decoded.success
            ? undefined
            : explainFfmpegFailure(await source.process.stderrTail(), "input", input);
          // Not one frame from a header that promised some: the file is cut short or
          // damaged (what the probe's decode check said before, now said by the decoder).
          if (
            written === 0 &&
            (failure === undefined ? info.header.frames !== undefined : isUnexplained(failure))
          ) {
            throw noDecodableFrames(input, info.header);
          }
          throw failure ?? new InputError(`${input} has no video frames to process`);
        }
        await sink.finish(temporary);
        finished = true;
        await source.process.stderrTail();
        warning = decodeWarning({
          path: input,
          frames: written,
          expected: info.frames,
          errorLines: source.process.stderrLineCount,
        });
      } finally {
        if (finished) {
          await bar.finish(
            `${written} frames in ${((performance.now() - started) / 1000).toFixed(1)} s`,
          );
        } else await bar.clear();
        // An interrupted or failed conversion is discarded: kill at once, nothing to save.
        await Promise.all([
          source.close(),
          sink.process.exited ? undefined : sink.process.stop({ discard: true }),
        ]);
      }
    }, options);
    if (warning) console.error(`segcam: ${printable(warning)}`);
    const seconds = (performance.now() - started) / 1000;
    if (truncated && !warning) {
      console.error(
        `segcam: warning: ${input} ends inside a frame (the file is cut short); ${written} frames were written`,
      );
    }
    console.log(
      `Wrote ${output}: ${written} frames, ${plan.width}x${plan.height} at ${
        info.fpsValue.toFixed(2)
      } fps${info.hasAudio ? " with audio" : ""} (${(written / seconds).toFixed(1)} fps processed)`,
    );
  } finally {
    interrupt.dispose();
    await background?.close();
    await stopAllChildren();
    await segmenter?.dispose();
  }
}
