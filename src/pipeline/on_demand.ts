/**
 * On-demand processing: while no application has the virtual camera open, the camera
 * is closed and segcam uses no CPU; when one opens it, the camera starts again within
 * a second (the watcher ticks every 250 ms; see src/io/consumer_watch.ts, which also
 * keeps a browser that reopens the camera from flapping it off and on).
 *
 * The encoder writing to the device stays open meanwhile: v4l2loopback (with
 * exclusive_caps=1, what browsers need) lists the device as a camera only while its
 * writer holds it, so applications can still find and open it.
 */
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
