/** In-memory stand-ins for the engine's edges: a segmenter, sources, sinks, a clock. */
import type { Frame } from "../../src/frame.ts";
import type { Segmenter } from "../../src/model/segmenter.ts";
import type { FrameSink, FrameSource, SourceFrame } from "../../src/pipeline/engine.ts";

/**
 * A segmenter whose "person" is the left half of every frame: probability 1 there, 0
 * elsewhere, so tests know exactly which pixels an effect may change.
 */
export function leftHalfSegmenter(): Segmenter & { calls: number } {
  const map = new Float32Array([1, 1, 0, 0, 1, 1, 0, 0]);
  const fake = {
    calls: 0,
    backend: "wasm" as const,
    model: { name: "landscape" as const, inputWidth: 4, inputHeight: 2, path: "" },
    threads: 1,
    description: "fake",
    segment(_frame: Frame) {
      fake.calls++;
      return Promise.resolve(map);
    },
    maskInto(out: Uint8Array, width: number, height: number) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) out[y * width + x] = x < width / 2 ? 255 : 0;
      }
    },
    dispose: () => Promise.resolve(),
  };
  return fake as unknown as Segmenter & { calls: number };
}

/** A clock the test moves by hand. */
export function fakeClock(start = 1000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => t += ms };
}

/**
 * Frames from a list: frame i has every byte equal to values[i]; each is captured
 * `everyMs` after the previous one on `clock`.
 */
export function listSource(
  width: number,
  height: number,
  values: number[],
  clock: { now: () => number; advance: (ms: number) => number },
  everyMs = 33,
): FrameSource & { handedOut: number } {
  const frame: Frame = { data: new Uint8Array(width * height * 3), width, height, channels: 3 };
  let i = 0;
  return {
    width,
    height,
    handedOut: 0,
    get received() {
      return i;
    },
    dropped: 0,
    next(): Promise<SourceFrame | undefined> {
      if (i >= values.length) return Promise.resolve(undefined);
      frame.data.fill(values[i++]);
      this.handedOut++;
      return Promise.resolve({ frame, capturedAt: clock.advance(everyMs) });
    },
  };
}

/** Keeps a copy of every frame written, with its capture time. */
export function memorySink(
  channels: 3 | 4 = 3,
): FrameSink & { frames: Uint8Array[]; times: number[] } {
  const frames: Uint8Array[] = [];
  const times: number[] = [];
  return {
    channels,
    frames,
    times,
    write(frame: Frame, capturedAt: number) {
      frames.push(frame.data.slice());
      times.push(capturedAt);
      return Promise.resolve();
    },
  };
}
