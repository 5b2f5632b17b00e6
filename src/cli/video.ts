/**
 * `segcam video <input> -o <output>`: ffmpeg decodes to raw frames → segmenter → effect
 * → ffmpeg encodes, keeping the input's frame rate and audio. The output is written to
 * a temporary file beside the target and renamed only when complete.
 */
import { InputError, InterruptedError, UsageError } from "../errors.ts";
import { createFrame, type Frame } from "../frame.ts";
import { writeAtomically } from "../io/atomic_file.ts";
import {
  ALPHA_EXTENSIONS,
  alphaCapable,
  decodeArgs,
  encodeArgs,
  extensionOf,
  VIDEO_EXTENSIONS,
} from "../io/ffmpeg_args.ts";
import { explainFfmpegFailure, FfmpegProcess, stopAllChildren } from "../io/ffmpeg_process.ts";
import { FrameReader } from "../io/frame_reader.ts";
import { imageFormatOf, readImage } from "../io/image_file.ts";
import { probeMedia } from "../io/probe.ts";
import { scaleCover } from "../kernels/scale_cover.ts";
import { chooseModel, createSegmenter } from "../model/segmenter.ts";
import type { GlobalOptions } from "../options.ts";
import { FrameProcessor } from "../pipeline/frame_processor.ts";
import { ProgressBar } from "../tui/progress_bar.ts";
import { type EffectCliOptions, processSettingsFrom } from "./_effect_options.ts";
import { interruptSignal } from "./_signals.ts";

export interface VideoCommandOptions extends GlobalOptions, EffectCliOptions {
  output: string;
  force: boolean;
}

export async function runVideo(input: string, options: VideoCommandOptions): Promise<void> {
  const settings = processSettingsFrom(options);
  const { output } = options;
  const ext = extensionOf(output);
  if (!(VIDEO_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new UsageError(
      `Cannot tell the video format of ${output}; end it in ${
        VIDEO_EXTENSIONS.map((e) => `.${e}`).join(", ")
      }`,
    );
  }
  const alpha = settings.effect === "transparent";
  if (alpha && !alphaCapable(output)) {
    throw new UsageError(
      `.${ext} cannot carry transparency; for --effect transparent write ${
        ALPHA_EXTENSIONS.join(" or ")
      }`,
    );
  }
  if (await samePath(input, output)) {
    throw new UsageError(`The output ${output} is the input; choose another name`);
  }

  const info = await probeMedia(input);
  const { width, height } = info;
  const interrupt = interruptSignal();
  const segmenter = await createSegmenter({
    ...options,
    model: chooseModel(options.model, width, height),
    log: (line) => console.error(line),
  });
  try {
    const processor = new FrameProcessor(segmenter);
    const frame = createFrame(width, height, 3);
    const out = createFrame(width, height, alpha ? 4 : 3);
    const background = settings.effect === "replace"
      ? await openBackground(options.background!, width, height)
      : undefined;
    const decoder = new FfmpegProcess("ffmpeg", decodeArgs(input, { pixFmt: "rgb24" }), {
      stdout: "piped",
    });
    const reader = new FrameReader(decoder.child.stdout);
    const started = performance.now();
    let written = 0;

    await writeAtomically(output, async (temporary) => {
      const encoder = new FfmpegProcess(
        "ffmpeg",
        encodeArgs(temporary, {
          width,
          height,
          fps: info.fps,
          pixFmtIn: alpha ? "rgba" : "rgb24",
          audioFrom: info.hasAudio ? input : undefined,
        }),
        { stdin: "piped" },
      );
      const writer = encoder.child.stdin.getWriter();
      const bar = ProgressBar.forStderr({
        label: `Writing ${output}`,
        total: info.frames,
        unit: "frames",
        rateUnit: "fps",
      });
      try {
        while (true) {
          if (interrupt.signal.aborted) throw new InterruptedError();
          let more: boolean;
          try {
            more = await reader.read(frame.data);
          } catch {
            more = false; // a truncated last frame: the decoder's status says why below
          }
          if (!more) break;
          const alphaMask = await processor.mask(frame, settings.mask);
          processor.render(frame, alphaMask, settings, out, await background?.next());
          try {
            await writer.write(out.data);
          } catch {
            if (interrupt.signal.aborted) throw new InterruptedError();
            await encoder.status;
            throw explainFfmpegFailure(await encoder.stderrTail(), "output", output);
          }
          bar.update(++written);
        }
        if (interrupt.signal.aborted) throw new InterruptedError();
        const decoded = await decoder.status;
        if (!decoded.success || written === 0) {
          const tail = await decoder.stderrTail();
          if (written === 0 && decoded.success) {
            throw new InputError(`${input} has no video frames to process`);
          }
          throw explainFfmpegFailure(tail, "input", input);
        }
        await writer.close();
        const encoded = await encoder.status;
        if (!encoded.success) {
          throw explainFfmpegFailure(await encoder.stderrTail(), "output", output);
        }
      } finally {
        await bar.finish(
          `${written} frames in ${((performance.now() - started) / 1000).toFixed(1)} s`,
        );
        await encoder.stop();
      }
    }, options);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `Wrote ${output}: ${written} frames, ${width}x${height} at ${info.fpsValue.toFixed(2)} fps${
        info.hasAudio ? " with audio" : ""
      } (${(written / seconds).toFixed(1)} fps processed)`,
    );
  } finally {
    interrupt.dispose();
    await stopAllChildren();
    await segmenter.dispose();
  }
}

/** A background for replace: an image scaled once, or a looping video decoded alongside. */
async function openBackground(
  path: string,
  width: number,
  height: number,
): Promise<{ next(): Promise<Frame> }> {
  const frame = createFrame(width, height, 3);
  if (imageFormatOf(path) !== undefined) {
    scaleCover(await readImage(path), frame);
    return { next: () => Promise.resolve(frame) };
  }
  await probeMedia(path); // a clear error now rather than a broken pipe later
  const decoder = new FfmpegProcess(
    "ffmpeg",
    decodeArgs(path, { pixFmt: "rgb24", loop: true, cover: { width, height } }),
    { stdout: "piped" },
  );
  const reader = new FrameReader(decoder.child.stdout);
  return {
    async next() {
      if (!await reader.read(frame.data)) {
        throw explainFfmpegFailure(await decoder.stderrTail(), "background", path);
      }
      return frame;
    },
  };
}

async function samePath(a: string, b: string): Promise<boolean> {
  try {
    return await Deno.realPath(a) === await Deno.realPath(b);
  } catch {
    return false;
  }
}
