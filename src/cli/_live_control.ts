/**
 * The control side of a `segcam live` run: the keys, the control socket and reloads
 * (SIGHUP, a settings-file edit) all end here, one command at a time in arrival order,
 * and change the run only through `apply()` (src/control/commands.ts). What a command
 * needs beyond the controls (the background files, pausing the source, the settings
 * the engine reads) is done here, next to it; the frame loop never waits for any of it.
 */
import { type Command, parseCommand, SETTINGS, settingsOf } from "../control/commands.ts";
import {
  createLiveControls,
  describeSettings,
  describeView,
  type LiveControls,
  MESSAGE_MS,
} from "../control/live_state.ts";
import { apply } from "../control/commands.ts";
import type { Reply } from "../control/socket_server.ts";
import { createEffectSettings } from "../effects/effect.ts";
import type { BackgroundPlaylist } from "../io/background.ts";
import type { FrameSettings } from "../pipeline/engine.ts";
import { applyControls, type OutputTraits } from "../pipeline/frame_settings.ts";
import type { Pausable } from "../pipeline/on_demand.ts";
import type { LiveCommandOptions } from "./live.ts";

/** The live options a reload can change without stopping the camera. */
type Changeable = Pick<
  LiveCommandOptions,
  | "effect"
  | "color"
  | "blur"
  | "blurShape"
  | "saturation"
  | "threshold"
  | "smoothing"
  | "mirror"
  | "background"
  | "autoframe"
>;
/** The options that need a restart: a reload that finds them changed says so. */
const NEEDS_RESTART = [
  "camera",
  "input",
  "loop",
  "size",
  "fps",
  "output",
  "pixFmt",
  "invert",
  "feather",
  "secondLook",
  "autoframeZoom",
  "keyColor",
  "backend",
  "model",
  "threads",
] as const;

export interface LiveControlOptions {
  options: LiveCommandOptions;
  traits: OutputTraits;
  /** The settings the engine reads before every frame: rewritten after every change. */
  settings: FrameSettings;
  playlist: BackgroundPlaylist;
  /** The source the user's pause stops (together with on-demand's idle). */
  source: Pausable;
  /** Ends the run (q, `quit`): exit 0. */
  stop: () => void;
  /** Lines for `status`: the panel's facts and figures (src/cli/live.ts). */
  status: () => { text: string[]; data: Record<string, unknown> };
  /** Re-reads the command line over the settings file (main.ts); absent: reload refused. */
  reread?: () => Promise<LiveCommandOptions>;
  /** A line for the journal or the terminal (stderr). */
  log: (line: string) => void;
  now: () => number;
}

export class LiveControl {
  readonly #o: LiveControlOptions;
  #controls: LiveControls;
  #options: LiveCommandOptions;
  #queue: Promise<unknown> = Promise.resolve();
  #idleByDemand = false;

  constructor(options: LiveControlOptions) {
    this.#o = options;
    this.#options = options.options;
    this.#controls = createLiveControls({
      ...controlsFrom(options.options),
      backgroundCount: options.playlist.files.length,
    });
    applyControls(this.#controls, options.traits, options.settings);
  }

  get controls(): LiveControls {
    return this.#controls;
  }

  /** What on-demand pauses and resumes: the source runs only when neither it nor the user paused it. */
  readonly onDemandSwitch: Pausable = {
    pause: () => {
      this.#idleByDemand = true;
      return this.#syncSource();
    },
    resume: () => {
      this.#idleByDemand = false;
      void this.#syncSource();
    },
  };

  /** Nobody watches the virtual camera, or the user paused: the output keeps its last picture. */
  get idle(): boolean {
    return this.#idleByDemand || this.#controls.paused;
  }

  /** A key's command line (src/tui/keys.ts); its result shows in the panel's message. */
  key(line: string): void {
    void this.run(parseCommand(line), "key");
  }

  /** Runs `command` after those before it; the reply is the socket's. */
  run(command: Command, via: "key" | "socket"): Promise<Reply> {
    const next = this.#queue.then(() => this.#execute(command, via));
    this.#queue = next.catch(() => {});
    return next;
  }

  /** SIGHUP or a settings-file edit: the same as the `reload` command. */
  reload(why: string): Promise<Reply> {
    return this.run({ verb: "reload" }, "socket").then((reply) => {
      this.#o.log(
        reply.error === "success"
          ? `segcam: reloaded the settings (${why})${noteOf(reply)}`
          : `segcam: reload (${why}) failed: ${reply.error}`,
      );
      return reply;
    });
  }

  async #execute(command: Command, via: "key" | "socket"): Promise<Reply> {
    switch (command.verb) {
      case "status": {
        const { text, data } = this.#o.status();
        return ok({ ...data, settings: settingsOf(this.#controls), text });
      }
      case "get":
        return ok({ value: SETTINGS[command.name].get(this.#controls) });
      case "reload":
        return await this.#reload();
      case "interrupt":
        if (via === "socket") {
          return { error: "interrupt is the panel's Ctrl-C; send quit", reason: "bad-command" };
        }
        // Ctrl-C in the panel arrives as a byte: take the way out Ctrl-C takes everywhere
        // else (SIGINT, exit 130), so one way out has one exit code.
        Deno.kill(Deno.pid, "SIGINT");
        return ok({});
    }
    if (
      command.verb === "replace" ||
      ("name" in command && command.name === "background")
    ) {
      await this.#refreshBackgrounds();
    }
    const applied = apply(this.#controls, command, this.#o.now());
    await this.#commit(applied.controls);
    if (applied.refused) return { error: applied.refused, reason: "refused" };
    return ok({ view: describeView(this.#controls), note: applied.note || undefined });
  }

  /** Makes `controls` the run's: settings, source, background, stop. */
  async #commit(controls: LiveControls): Promise<void> {
    const before = this.#controls;
    this.#controls = controls;
    applyControls(controls, this.#o.traits, this.#o.settings);
    if (controls.paused !== before.paused) await this.#syncSource();
    if (controls.quit) this.#o.stop();
    const wanted = controls.effect === "replace" ? controls.backgroundIndex : undefined;
    if (wanted !== undefined && this.#o.playlist.path !== this.#o.playlist.files[wanted]) {
      const why = await this.#o.playlist.show(wanted);
      if (why) this.#say(why);
    }
  }

  async #refreshBackgrounds(): Promise<void> {
    try {
      const index = await this.#o.playlist.refresh();
      this.#controls = {
        ...this.#controls,
        backgroundIndex: index,
        backgroundCount: this.#o.playlist.files.length,
      };
    } catch (error) {
      this.#say((error as Error).message);
    }
  }

  #say(message: string): void {
    this.#controls = { ...this.#controls, message, messageUntil: this.#o.now() + MESSAGE_MS };
    this.#o.log(`segcam: ${message}`);
  }

  #syncSource(): Promise<void> {
    if (this.idle) return this.#o.source.pause();
    this.#o.source.resume();
    return Promise.resolve();
  }

  async #reload(): Promise<Reply> {
    if (!this.#o.reread) return { error: "this run cannot reload", reason: "refused" };
    let fresh: LiveCommandOptions;
    try {
      fresh = await this.#o.reread();
    } catch (error) {
      return {
        error: `${(error as Error).message}; the current settings stay`,
        reason: "failed",
      };
    }
    const old = this.#options;
    const restart = NEEDS_RESTART.filter((key) =>
      JSON.stringify(old[key]) !== JSON.stringify(fresh[key])
    );
    const notes: string[] = [];
    if (restart.length > 0) {
      notes.push(
        `${restart.join(", ")} changed: restart segcam to apply (the camera stays as it is)`,
      );
    }
    // The backgrounds: re-listed and re-opened (an edited file is shown anew); one that
    // fails keeps the old one showing.
    let index = this.#controls.backgroundIndex;
    try {
      index = await this.#o.playlist.refresh(fresh.background);
    } catch (error) {
      notes.push(`${(error as Error).message}; the backgrounds stay as they were`);
    }
    const count = this.#o.playlist.files.length;
    const controls: LiveControls = {
      ...this.#controls,
      ...controlsFrom(fresh),
      backgroundIndex: Math.min(index, Math.max(0, count - 1)),
      backgroundCount: count,
      message: "",
      messageUntil: 0,
    };
    if (controls.effect === "replace" && count > 0) {
      const why = await this.#o.playlist.show(controls.backgroundIndex, true);
      if (why) notes.push(why);
    }
    this.#options = fresh;
    await this.#commit(controls);
    const note = notes.join("; ");
    if (note) this.#say(note);
    return ok({ view: describeView(this.#controls), note: note || undefined });
  }

  /** The settings line of `status`: view, then edge, smoothing and mirror. */
  describe(transparentAs?: string): string[] {
    return [describeView(this.#controls, transparentAs), ...describeSettings(this.#controls)];
  }
}

function controlsFrom(
  options: Changeable,
): Pick<
  LiveControls,
  "effect" | "effectSettings" | "threshold" | "smoothing" | "mirror" | "autoframe"
> {
  return {
    effect: options.effect,
    effectSettings: createEffectSettings({
      color: options.color,
      blur: options.blur,
      blurShape: options.blurShape,
      saturation: options.saturation,
    }),
    threshold: options.threshold,
    smoothing: options.smoothing ?? 0,
    mirror: options.mirror ?? false,
    autoframe: options.autoframe ?? false,
  };
}

function ok(data: unknown): Reply {
  return { error: "success", data };
}

function noteOf(reply: Reply): string {
  const note = (reply.data as { note?: string } | undefined)?.note;
  return note ? `; ${note}` : "";
}
