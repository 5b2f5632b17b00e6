/**
 * One still image, file to encoded bytes: read → segment (FrameProcessor) → the input's
 * own alpha → effect → encode. Writing is left to the caller, so that the thread that
 * owns the output files (the main one, see image_pool.ts) is the one that can remove a
 * half-written file when the user interrupts.
 *
 * Input alpha (a PNG cut-out, a sticker): a pixel the input hides is never "person".
 * The person alpha is multiplied by the input's, so
 * - transparent: the result's alpha is person × input alpha (hidden stays hidden);
 * - replace, remove: the new background or colour shows where the input was hidden;
 * - blur, desaturate, none: these make the background from the input itself, whose
 *   hidden pixels hold colours nobody was meant to see. A PNG result keeps the input's
 *   alpha (a cut-out stays a cut-out); a JPEG result, which cannot hold alpha, is
 *   flattened onto white, as image editors do when saving a transparent picture as JPEG.
 */
import type { EffectName } from "../effects/effect.ts";
import { InputError } from "../errors.ts";
import { createFrame, type Frame } from "../frame.ts";
import { encodeImage, type ImageFormat, readImage } from "../io/image_file.ts";
import { div255 } from "../kernels/composite.ts";
import { ScaledImage } from "../io/background.ts";
import { chooseModel, createSegmenter } from "../model/segmenter.ts";
import type { BackendChoice, ModelChoice } from "../options.ts";
import { FrameProcessor, type ProcessSettings } from "./frame_processor.ts";

export interface ImageJobConfig {
  backend: BackendChoice;
  /** Inference threads per segmenter; 0 lets the backend decide. */
  threads: number;
  model: ModelChoice;
  settings: ProcessSettings;
  /** replace: the background image, any size (scaled to cover each input). */
  background?: Frame;
  /** JPEG quality 1..100. */
  quality: number;
}

export interface ImageJob {
  input: string;
  /** The output's format; the bytes returned are in it. */
  format: ImageFormat;
}

/**
 * A segmenter that cannot be created fails every image the same way: the batch stops
 * at the first (image.ts) instead of reporting it 500 times.
 */
export class SegmenterError extends InputError {}

/** Effects whose "background" is made from the input's own pixels. */
const SELF_BACKGROUND: ReadonlySet<EffectName> = new Set(["blur", "desaturate", "none"]);

export class ImageJobRunner {
  readonly #config: ImageJobConfig;
  readonly #log: (line: string) => void;
  /** One processor per model: with --model auto, portrait and landscape photos differ. */
  readonly #processors = new Map<string, FrameProcessor>();
  #background: ScaledImage | undefined;
  #keep = new Uint8Array(0);

  constructor(config: ImageJobConfig, log: (line: string) => void) {
    this.#config = config;
    this.#log = log;
  }

  async run(job: ImageJob): Promise<Uint8Array> {
    const { settings } = this.#config;
    const frame = await readImage(job.input);
    const processor = await this.#processor(frame);
    let alpha = await processor.mask(frame, settings.mask);
    const hidden = hasHiddenPixels(frame);
    if (hidden) alpha = this.#keepVisible(alpha, frame);
    const keepAlpha = hidden && SELF_BACKGROUND.has(settings.effect) && job.format === "png";
    const channels = keepAlpha ? 4 : processor.effect(settings.effect).outputChannels;
    const out = createFrame(frame.width, frame.height, channels);
    processor.render(frame, alpha, settings, out, this.#sizedBackground(frame));
    if (hidden && SELF_BACKGROUND.has(settings.effect)) {
      if (keepAlpha) copyAlpha(frame, out);
      else flattenOntoWhite(frame, out);
    }
    return await encodeImage(out, job.format, { quality: this.#config.quality });
  }

  async dispose(): Promise<void> {
    for (const processor of this.#processors.values()) await processor.segmenter.dispose();
    this.#processors.clear();
  }

  async #processor(frame: Frame): Promise<FrameProcessor> {
    const { backend, threads, model: choice } = this.#config;
    const model = chooseModel(choice, frame.width, frame.height);
    let processor = this.#processors.get(model);
    if (processor === undefined) {
      try {
        processor = new FrameProcessor(
          await createSegmenter({ backend, threads, model, log: this.#log }),
        );
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        throw new SegmenterError(error.message, { cause: error });
      }
      this.#processors.set(model, processor);
    }
    return processor;
  }

  /** person alpha × input alpha, into a buffer of our own (the processor owns `alpha`). */
  #keepVisible(alpha: Uint8Array, frame: Frame): Uint8Array {
    if (this.#keep.length !== alpha.length) this.#keep = new Uint8Array(alpha.length);
    const data = frame.data, keep = this.#keep;
    for (let i = 0, a = 3; i < keep.length; i++, a += 4) keep[i] = div255(alpha[i] * data[a]);
    return keep;
  }

  /** The background scaled to cover `frame` (src/io/background.ts: once per size). */
  #sizedBackground(frame: Frame): Frame | undefined {
    const source = this.#config.background;
    if (source === undefined) return undefined;
    this.#background ??= new ScaledImage(source);
    return this.#background.at(frame.width, frame.height);
  }
}

/** True when an RGBA frame has any alpha below 255 (decoded JPEGs never do). */
export function hasHiddenPixels(frame: Frame): boolean {
  if (frame.channels !== 4) return false;
  const data = frame.data;
  for (let a = 3; a < data.length; a += 4) if (data[a] !== 255) return true;
  return false;
}

/** out's alpha = frame's alpha (both RGBA, same size). */
function copyAlpha(frame: Frame, out: Frame): void {
  const src = frame.data, dst = out.data;
  for (let a = 3; a < dst.length; a += 4) dst[a] = src[a];
}

/** out (RGB or RGBA) = out over white, weighted by frame's alpha; out becomes opaque. */
function flattenOntoWhite(frame: Frame, out: Frame): void {
  const src = frame.data, dst = out.data, c = out.channels;
  for (let i = 0, a = 3, o = 0; o < dst.length; i++, a += 4, o += c) {
    const alpha = src[a], white = 255 * (255 - alpha);
    dst[o] = div255(dst[o] * alpha + white);
    dst[o + 1] = div255(dst[o + 1] * alpha + white);
    dst[o + 2] = div255(dst[o + 2] * alpha + white);
    if (c === 4) dst[o + 3] = 255;
  }
}
