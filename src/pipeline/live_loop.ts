/**
 * The per-frame loop of `segcam live` — the hot loop, in one place. Every buffer it
 * touches is allocated before the first frame (the output frame here, the rest inside
 * the source, the processor and the sink) and reused; nothing below allocates per frame.
 *
 *   wait for the newest frame → segment + refine → effect → write
 *
 * Source, sink, clock and the key-driven settings are injected, so tests drive it with
 * in-memory frames and a fake clock, and the live command with ffmpeg processes.
 */
import type { Frame } from "../frame.ts";
import { createFrame } from "../frame.ts";
import type { FrameProcessor, ProcessSettings } from "./frame_processor.ts";
import type { StageTimings } from "./timings.ts";

/** Where frames come from: the newest one each call (stale ones are dropped). */
export interface LiveSource {
  readonly width: number;
  readonly height: number;
  /**
   * Resolves to the newest frame not yet handed out (owned by the source, valid until the
   * next call) and when it arrived, or undefined at the end of the input.
   */
  next(): Promise<{ frame: Frame; arrivedAt: number } | undefined>;
  /** Frames read but skipped because a newer one arrived first. */
  readonly dropped: number;
  /** Frames read from the input so far. */
  readonly received: number;
}

/** Where processed frames go. */
export interface LiveSink {
  /** 3 for RGB, 4 for RGBA (alpha-capable file outputs with the transparent effect). */
  readonly channels: 3 | 4;
  write(frame: Frame): Promise<void>;
}

/** Gives the current replacement background at the frame's size, or undefined. */
export type BackgroundProvider = () => Frame | undefined;

export interface LiveLoopOptions {
  source: LiveSource;
  sink: LiveSink;
  processor: FrameProcessor;
  /** Read on every frame: the keys change it between frames. */
  settings: ProcessSettings;
  background: BackgroundProvider;
  timings: StageTimings;
  /** Milliseconds from a fixed origin (performance.now in production). */
  now: () => number;
  /** Stop after this many frames written. */
  maxFrames?: number;
  /** Stop after this long (ms) since the first frame arrived. */
  maxDurationMs?: number;
  /** Aborting stops the loop after the current frame. */
  signal?: AbortSignal;
  /** Called after each written frame with the output (for the thumbnail). */
  onFrame?: (out: Frame) => void;
}

export interface LiveLoopResult {
  written: number;
  /** Why the loop ended. */
  reason: "end-of-input" | "frames" | "duration" | "aborted";
}

export async function runLiveLoop(options: LiveLoopOptions): Promise<LiveLoopResult> {
  const { source, sink, processor, settings, timings, now, signal } = options;
  const out = createFrame(source.width, source.height, sink.channels);
  let written = 0;
  let started: number | undefined;

  while (true) {
    if (signal?.aborted) return { written, reason: "aborted" };
    if (options.maxFrames !== undefined && written >= options.maxFrames) {
      return { written, reason: "frames" };
    }
    const t0 = now();
    const item = await source.next();
    if (item === undefined) return { written, reason: "end-of-input" };
    if (signal?.aborted) return { written, reason: "aborted" };
    const t1 = now();
    started ??= item.arrivedAt;

    const alpha = await processor.mask(item.frame, settings.mask);
    const t2 = now();
    processor.render(item.frame, alpha, settings, out, options.background());
    const t3 = now();
    await sink.write(out);
    const t4 = now();
    written++;

    timings.record("wait", t1 - t0);
    timings.record("segment", t2 - t1);
    timings.record("effect", t3 - t2);
    timings.record("write", t4 - t3);
    timings.record("latency", t4 - item.arrivedAt);
    options.onFrame?.(out);

    if (options.maxDurationMs !== undefined && t4 - started >= options.maxDurationMs) {
      return { written, reason: "duration" };
    }
  }
}
