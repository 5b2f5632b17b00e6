/**
 * The one vocabulary a running `segcam live` understands, whatever the front-end: a key
 * is a bound command line (src/tui/keys.ts: `] → add threshold 0.05`), and the control
 * socket (socket_server.ts, `segcam ctl`) takes the same lines or their JSON form.
 * Modelled on mpv's input commands: most commands act on a named setting
 * (`set NAME VALUE`, `add NAME DELTA`, `cycle NAME`, `get NAME`), and a few verbs name
 * what a user reaches for (`blur`, `background next`, `pause`).
 *
 * `parseCommand()` turns text or a JSON array into a {@link Command} or throws a
 * {@link CommandError} (a bad command: exit 2 for `segcam ctl`); `apply()` is pure:
 * (controls, command) → controls, and what to tell the user.
 */
import { BLUR_SHAPES, type BlurShape, type EffectName } from "../effects/effect.ts";
import { parseColor } from "../effects/parse_color.ts";
import { adjustStrength, BLUR_RANGE, EFFECT_NAMES, isEffectName } from "../effects/registry.ts";
import { copyControls, DEFAULT_SMOOTHING, type LiveControls, MESSAGE_MS } from "./live_state.ts";

/** A command the user got wrong: unknown name, missing or bad value. */
export class CommandError extends Error {
  override name = "CommandError";
}

/** Threshold steps land on 0.05, 0.10, … within this range: 19 steps, fine enough to see. */
export const THRESHOLD_RANGE = [0.05, 0.95] as const;
/** Where the first `add threshold` starts from: the middle of the model's probability. */
const THRESHOLD_START = 0.5;
/** `--blur`'s own range (src/cli/_effect_options.ts): one unit and range per setting. */
const BLUR_MAX = 0.5;

type Value = string | number | boolean | undefined;

/** What a command did: the new controls, and a line for the user where there is one. */
export interface Applied {
  controls: LiveControls;
  /** The command could not do what it asked (no background to show): ctl exits 1. */
  refused?: string;
  /** Done, with something worth saying (already at the limit, done out of sight). */
  note?: string;
}

/** What a setting's change has to say: a note, or a refusal (nothing changed). */
type Said = string | { refused: string } | void;

interface Setting {
  help: string;
  /** The value as `get` and `status` report it (JSON). */
  get(c: LiveControls): Value;
  /** Parses a value given as text; throws CommandError with the accepted values. */
  parse?(text: string): Value;
  set?(c: LiveControls, value: Value): Said;
  add?(c: LiveControls, delta: number): Said;
  cycle?(c: LiveControls): Said;
}

function fraction(name: string, min: number, max: number) {
  return (text: string): number => {
    const percent = text.endsWith("%");
    const n = Number(percent ? text.slice(0, -1) : text) / (percent ? 100 : 1);
    if (text.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
      const hint = !percent && Number(text) > max && Number(text) / 100 <= max
        ? `; did you mean ${text}% (${Number(text) / 100})?`
        : "";
      throw new CommandError(
        `${name} takes a number from ${min} to ${max} (or a percentage: 5%), got "${text}"${hint}`,
      );
    }
    return n;
  };
}

function bool(name: string) {
  return (text: string): boolean => {
    if (["yes", "on", "true", "1"].includes(text)) return true;
    if (["no", "off", "false", "0"].includes(text)) return false;
    throw new CommandError(`${name} takes yes or no, got "${text}"`);
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function setEffect(c: LiveControls, effect: EffectName): Said {
  c.effect = effect;
  // Choosing an effect means "show me this effect": it also leaves the mask view, so
  // the header never names an effect the picture does not show.
  c.view = "effect";
  if (effect === "replace" && c.backgroundCount === 0) {
    return { refused: "no background to replace with: start with --background FILE or FOLDER" };
  }
}

/** The named settings: `set`, `add`, `cycle`, `get` and `status` all read this table. */
export const SETTINGS: Readonly<Record<string, Setting>> = {
  effect: {
    help: `one of ${EFFECT_NAMES.join(", ")}`,
    get: (c) => c.effect,
    parse: (text) => {
      if (!isEffectName(text)) {
        throw new CommandError(`unknown effect "${text}": one of ${EFFECT_NAMES.join(", ")}`);
      }
      return text;
    },
    set: (c, v) => setEffect(c, v as EffectName),
    cycle: (c) => setEffect(c, EFFECT_NAMES[(EFFECT_NAMES.indexOf(c.effect) + 1) % 6]),
  },
  strength: {
    help: "the current effect's strength in steps: add strength 1 (stronger) or -1",
    get: (c) =>
      c.effect === "blur"
        ? c.effectSettings.blur
        : c.effect === "desaturate"
        ? c.effectSettings.saturation
        : undefined,
    add: (c, delta) => {
      const direction = delta > 0 ? 1 : -1;
      let changed = false;
      for (let i = 0; i < Math.max(1, Math.round(Math.abs(delta))); i++) {
        changed = adjustStrength(c.effect, c.effectSettings, direction) || changed;
      }
      if (changed) return;
      if (c.effect === "blur" || c.effect === "desaturate") {
        return `${c.effect} is already the ${direction === 1 ? "strongest" : "weakest"} it goes`;
      }
      return `${c.effect} has no strength to change; strength works with blur and desaturate`;
    },
  },
  blur: {
    help: `blur strength as a fraction of the frame height, as --blur (0 to ${BLUR_MAX}, or 3%)`,
    get: (c) => Math.round(c.effectSettings.blur * 10000) / 10000,
    parse: fraction("blur", 0, BLUR_MAX),
    set: (c, v) => void (c.effectSettings.blur = v as number),
    add: (c, d) => {
      const [min, max] = BLUR_RANGE;
      c.effectSettings.blur = Math.min(max, Math.max(min, c.effectSettings.blur + d));
    },
  },
  saturation: {
    help: "desaturate: 0 gray .. 1 unchanged, as --saturation",
    get: (c) => c.effectSettings.saturation,
    parse: fraction("saturation", 0, 1),
    set: (c, v) => void (c.effectSettings.saturation = v as number),
    add: (c, d) => {
      c.effectSettings.saturation = round2(
        Math.min(1, Math.max(0, c.effectSettings.saturation + d)),
      );
    },
  },
  color: {
    help: "remove: the background colour, a name or #rrggbb, as --color",
    get: (c) => `#${c.effectSettings.color.map((v) => v.toString(16).padStart(2, "0")).join("")}`,
    parse: (text) => {
      try {
        parseColor(text);
      } catch (error) {
        throw new CommandError(error instanceof Error ? error.message : String(error));
      }
      return text;
    },
    set: (c, v) => void (c.effectSettings.color = parseColor(v as string)),
  },
  threshold: {
    help: `a hard edge at this probability (${THRESHOLD_RANGE.join(" to ")}), or soft`,
    get: (c) => c.threshold ?? "soft",
    parse: (text) =>
      text === "soft" || text === "off"
        ? undefined
        : fraction("threshold", ...THRESHOLD_RANGE)(text),
    set: (c, v) => {
      if (v === undefined && c.threshold === undefined) return "the edge is already soft";
      c.threshold = v as number | undefined;
    },
    add: (c, d) => {
      const [min, max] = THRESHOLD_RANGE;
      const current = c.threshold ?? THRESHOLD_START;
      if (c.threshold !== undefined && (d > 0 ? current >= max : current <= min)) {
        return `threshold ${current.toFixed(2)} is the ${d > 0 ? "highest" : "lowest"} it goes`;
      }
      // Rounded to hundredths so steps land on 0.05, 0.10, … and print exactly.
      c.threshold = Math.min(max, Math.max(min, round2(current + d)));
    },
  },
  smoothing: {
    help: "mask smoothing over time: 0 off .. 1 steadiest, as --smoothing; cycle: off / back on",
    get: (c) => c.smoothing,
    parse: fraction("smoothing", 0, 1),
    set: (c, v) => {
      c.smoothing = v as number;
      if (c.smoothing > 0) c.lastSmoothing = c.smoothing;
    },
    add: (c, d) => {
      c.smoothing = round2(Math.min(1, Math.max(0, c.smoothing + d)));
      if (c.smoothing > 0) c.lastSmoothing = c.smoothing;
    },
    cycle: (c) => {
      if (c.smoothing > 0) {
        c.lastSmoothing = c.smoothing;
        c.smoothing = 0;
      } else {
        c.smoothing = c.lastSmoothing > 0 ? c.lastSmoothing : DEFAULT_SMOOTHING;
      }
    },
  },
  mirror: {
    help: "flip the picture left to right: yes or no",
    get: (c) => c.mirror,
    parse: bool("mirror"),
    set: (c, v) => void (c.mirror = v as boolean),
    cycle: (c) => void (c.mirror = !c.mirror),
  },
  autoframe: {
    help: "auto-framing, the output following the people: yes or no",
    get: (c) => c.autoframe,
    parse: bool("autoframe"),
    set: (c, v) => void (c.autoframe = v as boolean),
    cycle: (c) => void (c.autoframe = !c.autoframe),
  },
  background: {
    help: "replace: which background, 1 to their number (also: background next, prev)",
    get: (c) => c.backgroundCount === 0 ? undefined : c.backgroundIndex + 1,
    parse: (text) => {
      const n = Number(text);
      if (!Number.isInteger(n) || n < 1) {
        throw new CommandError(`background takes a number from 1, next or prev, got "${text}"`);
      }
      return n;
    },
    set: (c, v) => showBackground(c, (v as number) - 1, false),
    add: (c, d) => showBackground(c, c.backgroundIndex + Math.round(d), true),
    cycle: (c) => showBackground(c, c.backgroundIndex + 1, true),
  },
  view: {
    help: "effect, or mask: the mask in the terminal preview (and the output with mask-out)",
    get: (c) => c.view,
    parse: (text) => {
      if (text !== "effect" && text !== "mask") {
        throw new CommandError(`view takes effect or mask, got "${text}"`);
      }
      return text;
    },
    set: (c, v) => setView(c, v as "effect" | "mask"),
    cycle: (c) => setView(c, c.view === "mask" ? "effect" : "mask"),
  },
  "mask-out": {
    help: "send the mask view to the output too, for debugging in OBS: yes or no",
    get: (c) => c.maskOut,
    parse: bool("mask-out"),
    set: (c, v) => void (c.maskOut = v as boolean),
    cycle: (c) => void (c.maskOut = !c.maskOut),
  },
  paused: {
    help: "stop the camera (the output keeps the last picture): yes or no",
    get: (c) => c.paused,
    parse: bool("paused"),
    set: (c, v) => void (c.paused = v as boolean),
    cycle: (c) => void (c.paused = !c.paused),
  },
  preview: {
    help: "the output picture under the panel: yes or no",
    get: (c) => c.preview,
    parse: bool("preview"),
    set: (c, v) => void (c.preview = v as boolean),
    cycle: (c) => void (c.preview = !c.preview),
  },
  "blur-shape": {
    help: `the blur's shape: ${BLUR_SHAPES.join(" or ")} (a lens's discs), as --blur-shape`,
    get: (c) => c.effectSettings.blurShape,
    parse: (text) => {
      if (!(BLUR_SHAPES as readonly string[]).includes(text)) {
        throw new CommandError(`blur-shape takes ${BLUR_SHAPES.join(" or ")}, got "${text}"`);
      }
      return text;
    },
    set: (c, v) => setBlurShape(c, v as BlurShape),
    // Key k: from another effect it shows the blur; on the blur it swaps the shape.
    cycle: (c) =>
      setBlurShape(
        c,
        c.effect !== "blur"
          ? c.effectSettings.blurShape
          : c.effectSettings.blurShape === "lens"
          ? "gaussian"
          : "lens",
      ),
  },
};

/** A shape is only seen on the blur: choosing one shows the blur, as choosing an effect does. */
function setBlurShape(c: LiveControls, shape: BlurShape): Said {
  c.effectSettings.blurShape = shape;
  return setEffect(c, "blur");
}

function showBackground(c: LiveControls, index: number, wrap: boolean): Said {
  if (c.backgroundCount === 0) {
    return { refused: "no background to show: start with --background FILE or FOLDER" };
  }
  if (!wrap && index >= c.backgroundCount) {
    return {
      refused: `there are ${c.backgroundCount} backgrounds; background ${index + 1} is not one`,
    };
  }
  c.backgroundIndex = ((index % c.backgroundCount) + c.backgroundCount) % c.backgroundCount;
  c.effect = "replace";
  c.view = "effect";
  if (c.backgroundCount === 1 && wrap) return "only one background: add more with --background";
}

function setView(c: LiveControls, view: "effect" | "mask"): Said {
  c.view = view;
  if (view === "mask" && !c.maskOut) {
    // The mask is for the user, not the call: it shows in the terminal preview only.
    c.preview = true;
  }
}

export type Command =
  | { verb: "set"; name: string; value: Value }
  | { verb: "add"; name: string; delta: number }
  | { verb: "cycle"; name: string }
  | { verb: "get"; name: string }
  /** Key r: switch to replace, or to the next background when already replacing. */
  | { verb: "replace" }
  | { verb: "quit" }
  /** Front-end verbs: what the run does with them is not a change of the controls. */
  | { verb: "status" }
  | { verb: "reload" }
  | { verb: "interrupt" };

/** Verbs that stand for a longer command line, as mpv's input.conf shorthands do. */
const ALIASES: Readonly<Record<string, string[]>> = {
  pause: ["set", "paused", "yes"],
  resume: ["set", "paused", "no"],
  "mask-view": ["cycle", "view"],
  "soft-edge": ["set", "threshold", "soft"],
  stronger: ["add", "strength", "1"],
  weaker: ["add", "strength", "-1"],
  ...Object.fromEntries(EFFECT_NAMES.filter((e) => e !== "replace").map((e) => [e, ["effect", e]])),
};

/** The verbs and settings, for `segcam ctl --help` and an unknown command's message. */
export const VERBS = [
  "set NAME VALUE",
  "add NAME DELTA",
  "cycle NAME",
  "get NAME",
  "effect NAME",
  ...EFFECT_NAMES,
  "background next|prev|N",
  ...Object.keys(ALIASES).filter((v) => !isEffectName(v)),
  "status",
  "reload",
  "quit",
] as const;

/** The longest command line accepted (socket lines longer than this are refused). */
export const MAX_COMMAND_BYTES = 64 * 1024;

/**
 * Parses one command: a line of words (`set blur 0.05`) or the array of a JSON command
 * (`["set", "blur", 0.05]`). Throws CommandError for anything else.
 */
export function parseCommand(input: string | readonly unknown[]): Command {
  const words = typeof input === "string"
    ? input.trim().split(/\s+/).filter((w) => w !== "")
    : input.map((item) => {
      if (typeof item === "string") return item;
      if (typeof item === "number" && Number.isFinite(item)) return String(item);
      if (typeof item === "boolean") return item ? "yes" : "no";
      throw new CommandError(
        `command words are strings, numbers or booleans, got ${JSON.stringify(item)}`,
      );
    });
  if (words.length === 0) throw new CommandError("empty command");
  const [verb, ...args] = ALIASES[words[0]] ? [...ALIASES[words[0]], ...words.slice(1)] : words;
  const arity = (n: number, usage: string) => {
    if (args.length !== n) {
      throw new CommandError(
        `${verb} takes ${n === 0 ? "nothing" : usage}, got "${words.join(" ")}"`,
      );
    }
  };
  const setting = (name: string | undefined, need: keyof Setting) => {
    const found = name === undefined ? undefined : SETTINGS[name];
    if (found === undefined) {
      throw new CommandError(
        `unknown setting "${name ?? ""}": one of ${Object.keys(SETTINGS).join(", ")}`,
      );
    }
    if (found[need] === undefined) {
      throw new CommandError(`${verb} does not work on ${name} (${found.help})`);
    }
    return found;
  };
  switch (verb) {
    case "set": {
      arity(2, "a setting and a value");
      const value = setting(args[0], "parse").parse!(args[1]);
      setting(args[0], "set");
      return { verb, name: args[0], value };
    }
    case "add": {
      arity(2, "a setting and a number");
      setting(args[0], "add");
      const delta = Number(args[1]);
      if (args[1] === "" || !Number.isFinite(delta)) {
        throw new CommandError(`add takes a number, got "${args[1]}"`);
      }
      return { verb, name: args[0], delta };
    }
    case "cycle":
      arity(1, "a setting");
      setting(args[0], "cycle");
      return { verb, name: args[0] };
    case "get":
      arity(1, "a setting");
      setting(args[0], "get");
      return { verb, name: args[0] };
    case "effect":
      arity(1, "an effect name");
      return { verb: "set", name: "effect", value: SETTINGS.effect.parse!(args[0]) };
    case "background":
      arity(1, "next, prev or a number");
      if (args[0] === "next") return { verb: "add", name: "background", delta: 1 };
      if (args[0] === "prev") return { verb: "add", name: "background", delta: -1 };
      return { verb: "set", name: "background", value: SETTINGS.background.parse!(args[0]) };
    case "replace":
    case "quit":
    case "status":
    case "reload":
    case "interrupt":
      arity(0, "");
      return { verb };
  }
  throw new CommandError(`unknown command "${words[0]}": try ${VERBS.join(", ")}`);
}

/**
 * The controls after one command. Never mutates its input; every command clears the
 * previous message, and one it leaves expires at `now` + MESSAGE_MS (any clock, ms).
 */
export function apply(controls: LiveControls, command: Command, now = 0): Applied {
  const next = copyControls(controls);
  next.message = "";
  next.messageUntil = 0;
  let said: Said = undefined;
  switch (command.verb) {
    case "set":
      said = SETTINGS[command.name].set!(next, command.value);
      break;
    case "add":
      said = SETTINGS[command.name].add!(next, command.delta);
      break;
    case "cycle":
      said = SETTINGS[command.name].cycle!(next);
      break;
    case "replace":
      said = controls.effect === "replace" && controls.view === "effect"
        ? showBackground(next, controls.backgroundIndex + 1, true)
        : setEffect(next, "replace");
      break;
    case "quit":
      next.quit = true;
      break;
    case "get":
    case "status":
    case "reload":
    case "interrupt":
      break;
  }
  if (said === undefined) return { controls: next };
  // A refused command changes nothing; its reason is the message the panel shows.
  if (typeof said === "object") {
    const unchanged = copyControls(controls);
    unchanged.message = said.refused;
    unchanged.messageUntil = now + MESSAGE_MS;
    return { controls: unchanged, refused: said.refused };
  }
  next.message = said;
  next.messageUntil = now + MESSAGE_MS;
  return { controls: next, note: said };
}

/** The settings by name, as `status` and `get` report them (JSON values). */
export function settingsOf(controls: LiveControls): Record<string, Value> {
  return Object.fromEntries(
    Object.entries(SETTINGS).map(([name, setting]) => [name, setting.get(controls)]),
  );
}
