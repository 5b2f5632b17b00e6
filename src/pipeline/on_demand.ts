/**
 * On-demand processing: while no application has the virtual camera open, the camera
 * is closed and segcam uses no CPU; when one opens it, the camera starts again within
 * a second (the watcher ticks every 250 ms; see src/io/consumer_watch.ts, which also
 * keeps a browser that reopens the camera from flapping it off and on).
 *
 * The encoder writing to the device stays open meanwhile, fed a frame a second
 * (feedWhileIdle): v4l2loopback (with exclusive_caps=1, what browsers need) lists the
 * device as a camera only while its writer holds it and has sent a frame, so
 * applications can still find and open it.
 */
import type { Frame } from "../frame.ts";
import type { YuvPicture } from "../kernels/yuv_picture.ts";
import type { FrameSink } from "./engine.ts";
import {
  type ConsumerWatcher,
  type OnDemandMode,
  OnDemandSwitch,
  startOnDemand,
} from "../io/consumer_watch.ts";

/** What on-demand switches: a source that can stop reading its input. */
export interface Pausable {
  pause(): Promise<void>;
  resume(): void;
}

export interface OnDemandLink {
  readonly mode: OnDemandMode;
  stop(): void;
}

/**
 * Pauses `source` now (nobody is watching yet) and from then on follows the watcher:
 * resume when the first application opens the device, pause after the last has gone.
 * `say` gets a line for the panel ("" clears it).
 */
export function followConsumers(
  watcher: ConsumerWatcher,
  source: Pausable,
  say: (message: string) => void,
  options: { graceMs?: number; now?: () => number; tick?: boolean } = {},
): OnDemandLink & { tick(): Promise<OnDemandMode> } {
  const onDemand = new OnDemandSwitch(watcher, {
    graceMs: options.graceMs,
    now: options.now,
    onChange: (mode) => {
      if (mode === "active") {
        say("");
        source.resume();
      } else {
        say(IDLE_MESSAGE);
        void source.pause();
      }
    },
  });
  void source.pause();
  say(IDLE_MESSAGE);
  const ticking = options.tick === false ? undefined : startOnDemand(onDemand);
  return {
    get mode() {
      return onDemand.mode;
    },
    tick: () => onDemand.tick(),
    stop() {
      ticking?.stop();
      watcher.close();
    },
  };
}

export const IDLE_MESSAGE =
  "idle: no application has the virtual camera open, so the camera is off (--no-on-demand keeps it on)";

/**
 * While nobody watches, writes `frame()` to the virtual camera once every `everyMs`
 * (and once at once). v4l2loopback with exclusive_caps=1 lists the device as a camera
 * only after its writer has sent a frame, so without this an application could never
 * find the camera that on-demand waits for it to open; the repeat keeps a late reader
 * from waiting on an empty device. The engine writes nothing meanwhile (its source is
 * paused), and writes queue in order, so the two never interleave within a frame.
 */
export function feedWhileIdle(
  sink: FrameSink,
  frame: () => Frame | YuvPicture,
  idle: () => boolean,
  options: {
    everyMs?: number;
    now?: () => number;
    schedule?: (fn: () => void, ms: number) => () => void;
    /**
     * Called once when a write fails: while idle the engine writes nothing, so nobody
     * else would see a virtual camera that cannot be written, and segcam would wait for
     * a viewer forever.
     */
    onError?: (error: unknown) => void;
  } = {},
): { stop(): void } {
  const everyMs = options.everyMs ?? 1000;
  const now = options.now ?? (() => performance.now());
  const schedule = options.schedule ?? ((fn, ms) => {
    const timer = setInterval(fn, ms);
    return () => clearInterval(timer);
  });
  let writing = false;
  let failed = false;
  const feed = () => {
    if (!idle() || writing || failed) return;
    writing = true;
    sink.write(frame(), now()).catch((error) => {
      failed = true;
      options.onError?.(error);
    }).finally(() => writing = false);
  };
  feed();
  const cancel = schedule(feed, everyMs);
  return { stop: cancel };
}
