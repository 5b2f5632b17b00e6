/**
 * The frame engine: the one per-frame loop that `segcam video` and `segcam live` both
 * run — the hot loop, in one place.
 *
 *   source.next() → [mirror] → mask (segment + refine) → [autoframe] → effect → sink.write()
 *
 * A frame the source read as planar YUV stays planar through all of it when the sink
 * takes YUV and the settings allow (FrameProcessor.planarOutput): the mask reads the
 * planes, the effect draws on them, the sink packs them; it is never converted to RGB.
 * Otherwise it is converted once, before the mask, and everything runs on RGB.
 *
 * Buffers the loop reuses, all allocated before the first frame:
 *   - `out`, the output frame (below), and the processor's planar output picture;
 *   - the source's frames (a ring of three for live, one for files: src/io/frame_source.ts);
 *   - the processor's mask planes and each effect's scratch (frame_processor.ts);
 *   - auto-framing's cropped picture and mask, when it is on (autoframe.ts);
 *   - the sink's and the background's buffers (src/io/frame_sink.ts, src/io/background.ts).
 * Nothing below allocates a buffer per frame (the two waits make a promise each).
 *
 * Every wait is abortable: a source that never delivers (a UDP input with no sender)
 * or a sink that never accepts (an SRT output nobody receives, a stdout nobody reads)
 * cannot hold the loop past Ctrl-C, `q` or a signal. The abandoned read or write is
 * left to the caller's teardown, which ends the process behind it.
 *
 * Sources decide what "next" means: a file gives every frame in order, a camera the
 * newest one (older ones are dropped, so latency never grows). Both end the same way on
 * a frame cut short: it is not processed, and `truncated` says so. Source, sink, clock
 * and settings are injected, so tests drive the engine with in-memory frames and a fake
 * clock, and the commands with ffmpeg processes.
 */
import type { Frame } from "../frame.ts";
import { mirrorInPlace } from "../kernels/mirror.ts";
import type { YuvPicture } from "../kernels/yuv_picture.ts";
import type { FrameProcessor, ProcessSettings } from "./frame_processor.ts";
import type { StageTimings } from "./timings.ts";

export interface SourceFrame {
  /**
   * Owned by the source; valid until the next call of next(). With `toRgb`, it holds
   * the picture only once toRgb() was called.
   */
  frame: Frame;
  /**
   * The picture as the decoder gave it (planar YUV), when the source reads YUV: the
   * engine keeps a frame in this form from decoder to output where it can.
   */
  yuv?: YuvPicture;
  /** Fills `frame` from `yuv` (once per frame; later calls do nothing). */
  toRgb?: () => void;
  /** When the frame was captured (ms on the engine's clock). */
  capturedAt: number;
  /**
   * Where the frame sits on the input's own timeline (ms), when the input has one (a
   * file): a recording places it there rather than at its arrival, so start-up and
   * dropped frames do not stretch or pad it.
   */
  timestamp?: number;
}

/** Where frames come from. */
export interface FrameSource {
  readonly width: number;
  readonly height: number;
  /** The next frame to process, or undefined at the end of the input. */
  next(): Promise<SourceFrame | undefined>;
  /** Frames read from the input so far. */
  readonly received: number;
  /** Frames read but skipped because a newer one arrived first. */
  readonly dropped: number;
}

/** Where processed frames go. */
export interface FrameSink {
  /** 3 for RGB, 4 for RGBA (alpha-capable file outputs with the transparent effect). */
  readonly channels: 3 | 4;
  /**
   * The output takes YUV (a virtual camera, an encoder fed yuv420p, raw yuyv422 on
   * stdout) and packs it from a planar picture itself: write() then also accepts a
   * YuvPicture, and a frame that stays planar is never converted to RGB and back.
   */
  readonly planar?: boolean;
  /**
   * Writes one frame; `at` (its timestamp, else its capture time) lets a recording keep
   * real time (see cfr_pacer.ts), so one frame may become several in the output, or
   * none, but never more than `room`. Resolves with the frames the output got (void: 1).
   * A YuvPicture only where `planar` says so.
   */
  write(frame: Frame | YuvPicture, at: number, room?: number): Promise<number | void>;
}

/** The replacement background at the frame's size, for the frame about to be drawn. */
export type BackgroundProvider = () => Frame | undefined | Promise<Frame | undefined>;

/** What the engine reads before every frame: the keys change it between frames. */
export interface FrameSettings extends ProcessSettings {
  /** Flip the picture left to right (a selfie view). */
  mirror?: boolean;
}

export interface EngineOptions {
  source: FrameSource;
  sink: FrameSink;
  processor: FrameProcessor;
  /** Read on every frame. */
  settings: FrameSettings | (() => FrameSettings);
  background?: BackgroundProvider;
  timings: StageTimings;
  /** Milliseconds from a fixed origin (performance.now in production). */
  now: () => number;
  /**
   * The output's size, when it is not the source's: a camera asked for more pixels than
   * the output for auto-framing to crop from (the whole frame is resampled when it is off).
   */
  outputSize?: { width: number; height: number };
  /** Stop after this many frames in the output. */
  maxFrames?: number;
  /** Stop after this long (ms) since the first frame was captured; a wait for the source
   * or the sink still going a second past it is given up. */
  maxDurationMs?: number;
  /** Aborting stops the loop at once, even while it waits for the source or the sink. */
  signal?: AbortSignal;
  /**
   * Counted as the loop goes: frames processed, and those of them that stayed planar
   * YUV from the source to the sink (the summary says so).
   */
  counts?: { processed: number; planar: number };
  /** Called after each written frame with the output (progress bar, thumbnail). */
  onFrame?: (out: Frame | YuvPicture, written: number) => void;
}

export interface EngineResult {
  /** Frames in the output (a pacer's repeats included). */
  written: number;
  /** Why the loop ended. */
  reason: "end-of-input" | "frames" | "duration" | "aborted";
}

export async function runEngine(options: EngineOptions): Promise<EngineResult> {
  const { source, sink, processor, timings, now, signal } = options;
  const settingsOf = typeof options.settings === "function"
    ? options.settings
    : () => options.settings as FrameSettings;
  // In the kernels' arena (wasm memory), so the effect writes it in place.
  const outWidth = options.outputSize?.width ?? source.width;
  const outHeight = options.outputSize?.height ?? source.height;
  const out = processor.kernels.frame(outWidth, outHeight, sink.channels);
  let written = 0;
  let started: number | undefined;
  // The duration is a deadline for the waits too: a sink waiting for a receiver (an SRT
  // listener nobody connected to again) or a source with nothing to give would hold
  // the loop past it, where the check after each frame never comes.
  const deadline = new AbortController();
  let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  const waits = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
  const stopped = (): EngineResult => ({
    written,
    reason: signal?.aborted ? "aborted" : "duration",
  });
  try {
    while (true) {
      if (signal?.aborted) return { written, reason: "aborted" };
      if (options.maxFrames !== undefined && written >= options.maxFrames) {
        return { written, reason: "frames" };
      }
      const t0 = now();
      const item = await unlessAborted(source.next(), waits);
      if (item === ABORTED) return stopped();
      if (item === undefined) return { written, reason: "end-of-input" };
      const t1 = now();
      if (started === undefined) {
        started = item.capturedAt;
        if (options.maxDurationMs !== undefined) {
          // A second past the duration: the check after each frame is the usual end.
          const left = options.maxDurationMs - (now() - started) + DEADLINE_SLACK_MS;
          deadlineTimer = setTimeout(() => deadline.abort(), Math.max(0, left));
        }
      }

      const settings = settingsOf();
      if (options.counts) options.counts.processed++;
      // A YUV frame stays planar to the output when the output takes YUV and this
      // frame's settings need nothing the planes lack (planarOutput says what).
      // An alpha effect stays planar only into an output that keeps alpha (yuva420p).
      const planar = item.yuv !== undefined && sink.planar === true &&
          outWidth === source.width && outHeight === source.height &&
          processor.effect(settings.effect).outputChannels <= sink.channels
        ? processor.planarOutput(item.yuv, settings)
        : undefined;
      if (settings.mirror && planar !== undefined) processor.kernels.mirrorYuvInPlace(item.yuv!);
      // The mask path reads the planes too where the processor can (then the frame is
      // never converted to RGB at all).
      const maskFromYuv = planar !== undefined && processor.masksFromYuv;
      if (!maskFromYuv) item.toRgb?.();
      if (settings.mirror && planar === undefined) mirrorInPlace(item.frame);
      const alpha = await processor.mask(
        item.frame,
        settings.mask,
        maskFromYuv ? item.yuv : undefined,
      );
      const t2 = now();
      let result: Frame | YuvPicture = out;
      if (planar !== undefined) {
        result = processor.renderPlanar(item.yuv!, alpha, settings, planar);
        if (options.counts) options.counts.planar++;
      } else {
        // After the mask, before the effect: the effect sees the framing the viewer does.
        const framed = processor.autoframe(
          item.frame,
          alpha,
          item.timestamp ?? item.capturedAt,
          settings.autoframe,
          outWidth,
          outHeight,
        );
        const background = await options.background?.();
        processor.render(framed.frame, framed.alpha, settings, out, background);
      }
      const t3 = now();
      const room = options.maxFrames === undefined ? undefined : options.maxFrames - written;
      const put = await unlessAborted(
        sink.write(result, item.timestamp ?? item.capturedAt, room),
        waits,
      );
      if (put === ABORTED) return stopped();
      const t4 = now();
      written += put ?? 1;

      timings.record("wait", t1 - t0);
      timings.record("segment", t2 - t1);
      timings.record("effect", t3 - t2);
      timings.record("write", t4 - t3);
      timings.record("latency", t4 - item.capturedAt);
      options.onFrame?.(result, written);

      if (options.maxDurationMs !== undefined && t4 - started >= options.maxDurationMs) {
        return { written, reason: "duration" };
      }
    }
  } finally {
    clearTimeout(deadlineTimer);
  }
}

/** How far past the duration a stuck wait is given up (the usual end is sooner). */
const DEADLINE_SLACK_MS = 1000;

const ABORTED = Symbol("aborted");

/**
 * The promise's outcome, or ABORTED as soon as `signal` aborts. The abandoned promise
 * may still settle later (its process is being ended): its rejection is swallowed here,
 * since nobody waits for it any more.
 */
function unlessAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T | typeof ABORTED> {
  if (signal === undefined) return promise;
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {});
      resolve(ABORTED);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
