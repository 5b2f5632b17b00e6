/**
 * Every setting segcam's commands take, spelled once: its name (the long option and the
 * settings file's key), type, default, help, range and step, whether it has a `--no-`
 * form and whether the settings file may hold it. The command line (src/cli/_effect_options.ts,
 * main.ts), the settings file (src/config/apply_config.ts), its template
 * (src/config/template.ts) and, in time, the keys and the control socket all read this
 * table, so a default or a range changes in one place.
 *
 * The values' parsers are here too, pure, so that the command line and the file refuse
 * the same values with the same reason; each front-end says where the value came from.
 */
import { BLUR_SHAPES, defaultEffectSettings } from "./effects/effect.ts";
import type { EffectName } from "./effects/effect.ts";
import { parseColor } from "./effects/parse_color.ts";
import { EFFECT_NAMES } from "./effects/registry.ts";
import { defaultMaskStageSettings } from "./pipeline/mask_stage.ts";
import { defaultAutoframeSettings } from "./pipeline/autoframe.ts";
import { DEFAULT_JPEG_QUALITY } from "./io/jpeg.ts";
import { BACKEND_CHOICES, defaultGlobalOptions, MODEL_CHOICES } from "./options.ts";

export type SettingKind =
  /** on/off; every one has a `--no-` form (mpv's rule), so a flag overrides the file both ways. */
  | "flag"
  /** a decimal number within [min, max] */
  | "number"
  /** a whole number ≥ min */
  | "integer"
  /** one of `choices` */
  | "choice"
  /** free text (a camera name, a pixel format, an output target) */
  | "text"
  /** a colour name or #rrggbb, held as an RGB triple */
  | "colour"
  /** WIDTHxHEIGHT */
  | "size"
  /** a file that must exist (in the settings file: checked by `segcam config`) */
  | "file"
  /** one of `choices`, or a model file (.tflite, .onnx; src/model/model_file.ts) */
  | "model";

export interface Setting {
  /** The long option without `--`, and the key in the settings file. */
  name: string;
  /** The one-letter option, if any, without `-`. */
  short?: string;
  kind: SettingKind;
  /** Placeholder in --help, e.g. `<sigma>`. */
  arg?: string;
  help: string;
  /** Flags: what the `--no-` form does, where that is the one worth reading about. */
  negatedHelp?: string;
  /** Undefined: unset until given (e.g. --size: a camera's 1280x720 or a file's own size). */
  default?: unknown;
  /** How --help shows the default when the value itself reads badly (a colour triple). */
  defaultDescription?: string;
  choices?: readonly string[];
  min?: number;
  max?: number;
  /** What one key press changes (the live keys and the control socket's `add`). */
  step?: number;
  /** Flags: the `--no-NAME` form exists (every flag has one). */
  negatable: boolean;
  /** The settings file's `[live]` table may set it. */
  configurable: boolean;
  /** A global option: declared on the program, so every command takes it. */
  global?: boolean;
  /**
   * Settings that name the same thing: one given on the command line replaces all of
   * the file's (`-i demo` replaces the file's `camera`).
   */
  group?: "source";
  /** The effects that read it; given with another effect on image or video it is unused. */
  usedBy?: readonly EffectName[];
  /** A typical value for the template, where there is no default to show. */
  example?: unknown;
}

/** A value a setting cannot take; `reason` completes "<name> takes …". */
export class SettingValueError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "SettingValueError";
  }
}

const flag = (s: Omit<Setting, "kind" | "negatable" | "configurable"> & { default: boolean }) =>
  ({ kind: "flag", negatable: true, configurable: true, ...s }) satisfies Setting;
const valued = (s: Omit<Setting, "negatable" | "configurable">) =>
  ({ negatable: false, configurable: true, ...s }) satisfies Setting;

/** The table, in the order `--help`, `segcam config` and the template list them. */
export const SETTINGS = [
  // Globals: every command takes them.
  flag({ name: "debug", help: "print stack traces for errors", default: false, global: true }),
  flag({
    name: "quiet",
    short: "q",
    help: "print only results, warnings and errors",
    default: defaultGlobalOptions.quiet,
    global: true,
  }),
  valued({
    name: "backend",
    kind: "choice",
    arg: "<name>",
    help: "inference backend: native (onnxruntime-node), wasm, or auto",
    choices: BACKEND_CHOICES,
    default: defaultGlobalOptions.backend,
    global: true,
  }),
  valued({
    name: "threads",
    kind: "integer",
    arg: "<n>",
    help: "inference threads (0: the backend decides; at most the cores)",
    min: 0,
    max: 1024,
    default: defaultGlobalOptions.threads,
    global: true,
  }),
  valued({
    name: "model",
    kind: "model",
    arg: "<name|file>",
    help:
      "segmentation model: general (256x256), landscape (144x256), auto by aspect ratio, or a .tflite or .onnx file (see segcam models)",
    choices: MODEL_CHOICES,
    default: defaultGlobalOptions.model,
    global: true,
  }),
  // Where live frames come from and go.
  valued({
    name: "camera",
    kind: "text",
    arg: "<id>",
    help: "camera: index (0), path (/dev/video0) or part of its name",
    group: "source",
    example: "/dev/video0",
  }),
  valued({
    name: "input",
    short: "i",
    kind: "text",
    arg: "<source>",
    help: "instead of a camera: a video file, a URL, or demo",
    group: "source",
    example: "~/Videos/talk.mp4",
  }),
  flag({ name: "loop", help: "loop a file --input", default: false }),
  valued({
    name: "size",
    kind: "size",
    arg: "<WxH>",
    help: "frame size (default: 1280x720 from a camera, a file's own size)",
    example: "1280x720",
  }),
  valued({
    name: "fps",
    kind: "integer",
    arg: "<n>",
    help: "frames per second (default: 30 from a camera, a file's own rate)",
    min: 1,
    // Beyond any camera or screen; 1e12 is a typing slip, not a rate.
    max: 240,
    example: 30,
  }),
  valued({
    name: "output",
    short: "o",
    kind: "text",
    arg: "<target>",
    help:
      "/dev/videoN (v4l2loopback), a file (.mp4 .mkv .webm .mov), a udp:// srt:// rtmp:// URL, or - for raw frames; default: the first virtual camera",
    example: "/dev/video10",
  }),
  valued({
    name: "pix-fmt",
    kind: "text",
    arg: "<fmt>",
    help:
      "pixel format written: yuyv422, yuv420p, or rgb24 (with -o -); default: yuyv422 to a virtual camera, rgb24 to -o -",
    example: "yuyv422",
  }),
  // The effect and the mask.
  valued({
    name: "effect",
    short: "e",
    kind: "choice",
    arg: "<name>",
    help: "what to do with the background",
    choices: EFFECT_NAMES,
    default: "blur",
  }),
  valued({
    name: "background",
    short: "b",
    kind: "file",
    arg: "<file>",
    help: "replace: the new background (image or video)",
    usedBy: ["replace"],
    example: ["~/Pictures/office.jpg", "~/Videos/beach.mp4"],
  }),
  valued({
    name: "color",
    kind: "colour",
    arg: "<colour>",
    help: "remove: background colour, a name or #rrggbb",
    default: [...defaultEffectSettings.color],
    defaultDescription: "white",
    usedBy: ["remove"],
  }),
  valued({
    name: "blur",
    kind: "number",
    arg: "<sigma>",
    help: "blur: strength as a fraction of the frame height",
    min: 0,
    max: 0.5,
    default: defaultEffectSettings.blur,
    usedBy: ["blur"],
  }),
  valued({
    name: "blur-shape",
    kind: "choice",
    arg: "<shape>",
    help: "blur: gaussian (smooth), or lens (discs, bright lights bloom; --blur is the radius)",
    choices: BLUR_SHAPES,
    default: defaultEffectSettings.blurShape,
    usedBy: ["blur"],
  }),
  valued({
    name: "saturation",
    kind: "number",
    arg: "<s>",
    help: "desaturate: 0 gray .. 1 unchanged",
    min: 0,
    max: 1,
    step: 0.1,
    default: defaultEffectSettings.saturation,
    usedBy: ["desaturate"],
  }),
  valued({
    name: "threshold",
    kind: "number",
    arg: "<t>",
    help: "hard mask: person where probability > t (0..1); default soft edge",
    min: 0,
    max: 1,
    // 19 steps between 0.05 and 0.95: fine enough to see each one.
    step: 0.05,
    example: 0.5,
  }),
  flag({ name: "invert", help: "keep the background, remove the person", default: false }),
  valued({
    name: "feather",
    kind: "number",
    arg: "<f>",
    help: "soft edge width as a fraction of the frame height (0: off)",
    min: 0,
    max: 0.1,
    default: 0,
  }),
  valued({
    name: "smoothing",
    kind: "number",
    arg: "<s>",
    help: "a steadier mask over time, less flicker at the edges: 0 (off) .. 1 (steadiest)",
    min: 0,
    max: 1,
    // The one value tuned on the motion clips (pipeline/mask_stage.ts).
    default: defaultMaskStageSettings.smoothing,
  }),
  valued({
    name: "second-look",
    kind: "choice",
    arg: "<when>",
    help: "a second, closer look at the person for finer edges (auto: when it helps)",
    choices: ["auto", "on", "off"],
    default: defaultMaskStageSettings.secondLook,
  }),
  // The rest of live.
  flag({
    name: "mirror",
    help: "flip the picture left to right, as in a mirror (key f)",
    default: false,
  }),
  flag({
    name: "autoframe",
    help: "auto-framing: the output follows the people with a calm, smooth crop (key a)",
    default: defaultAutoframeSettings.on,
  }),
  valued({
    name: "autoframe-zoom",
    kind: "number",
    arg: "<x>",
    help:
      "auto-framing: the most it zooms in, 1 to 4 (a live camera is asked for up to x times the size)",
    min: 1,
    max: 4,
    default: defaultAutoframeSettings.zoom,
  }),
  valued({
    name: "key-color",
    kind: "colour",
    arg: "<colour>",
    help: "transparent on outputs without alpha: this key colour",
    default: [0, 255, 0],
    defaultDescription: "#00ff00",
  }),
  flag({
    name: "tui",
    help: "the status panel with keys, on a terminal",
    negatedHelp: "status lines instead of the panel: on a change, one a minute, none with -q",
    default: true,
  }),
  flag({
    name: "on-demand",
    help: "virtual camera: read the camera only while an application watches",
    negatedHelp:
      "virtual camera: keep the camera on while no application watches (default: off until one opens it)",
    default: true,
  }),
  valued({
    name: "frames",
    kind: "integer",
    arg: "<n>",
    help: "stop after n frames",
    min: 1,
    example: 300,
  }),
  valued({
    name: "duration",
    kind: "integer",
    arg: "<s>",
    help: "stop after s seconds",
    min: 1,
    example: 3600,
  }),
  flag({ name: "force", short: "f", help: "replace an output file that exists", default: false }),
  // segcam image only: batch settings, not live ones, so not in the settings file.
  {
    ...valued({
      name: "format",
      kind: "choice",
      arg: "<ext>",
      help: "output format when naming files (default: the input's)",
      choices: ["png", "jpg"],
    }),
    configurable: false,
  },
  {
    ...valued({
      name: "quality",
      kind: "integer",
      arg: "<q>",
      help: "JPEG quality 1..100",
      min: 1,
      max: 100,
      default: DEFAULT_JPEG_QUALITY,
    }),
    configurable: false,
  },
  {
    ...valued({
      name: "jobs",
      short: "j",
      kind: "integer",
      arg: "<n>",
      help: "images processed at once, one worker each (default and maximum: the core count)",
      min: 1,
      max: 1024,
    }),
    configurable: false,
  },
] as const satisfies readonly Setting[];

/** The largest count any setting takes: 10 million frames is 4 days at 30 fps; more is a typing slip. */
export const MAX_COUNT = 10_000_000;

export type SettingName = typeof SETTINGS[number]["name"];

const BY_NAME = new Map<string, Setting>(SETTINGS.map((s) => [s.name, s]));

/** The setting called `name`; throws for a name not in the table (a bug, not a user's mistake). */
export function setting(name: SettingName): Setting {
  return BY_NAME.get(name)!;
}

export function findSetting(name: string): Setting | undefined {
  return BY_NAME.get(name);
}

/** The effect options image, video and live share (smoothing only for frames in time). */
export const EFFECT_SETTINGS = [
  "effect",
  "background",
  "color",
  "blur",
  "blur-shape",
  "saturation",
  "threshold",
  "invert",
  "feather",
  "second-look",
] as const satisfies readonly SettingName[];

/** The options of `segcam live`, in --help order (the effect ones after `pix-fmt`). */
export const LIVE_SETTINGS = [
  "camera",
  "input",
  "loop",
  "size",
  "fps",
  "output",
  "pix-fmt",
  ...EFFECT_SETTINGS,
  "smoothing",
  "mirror",
  "autoframe",
  "autoframe-zoom",
  "key-color",
  "tui",
  "on-demand",
  "frames",
  "duration",
  "force",
] as const satisfies readonly SettingName[];

/** The global options, declared on the program. */
export const GLOBAL_SETTINGS = SETTINGS.filter((s) => s.global === true).map((s) => s.name);

/** The keys of the settings file's `[live]`: every live option and every global one. */
export const CONFIG_KEYS: readonly string[] = [...LIVE_SETTINGS, ...GLOBAL_SETTINGS].filter((
  name,
) => BY_NAME.get(name)!.configurable);

/** The property name commander gives a setting: `second-look` → `secondLook`. */
export function attributeName(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Parses a value given as text (a command-line argument, or a file's value as text).
 * Flags have no text form; everything else does.
 */
export function parseSettingText(s: Setting, text: string): unknown {
  switch (s.kind) {
    case "number": {
      const n = Number(text);
      if (
        text.trim() === "" || !Number.isFinite(n) || n < (s.min ?? -Infinity) ||
        n > (s.max ?? Infinity)
      ) {
        throw new SettingValueError(`a number from ${s.min} to ${s.max}`);
      }
      return n;
    }
    case "integer": {
      const n = Number(text);
      const [min, max] = [s.min ?? 0, s.max ?? MAX_COUNT];
      if (text.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
        throw new SettingValueError(`a whole number from ${min} to ${max}`);
      }
      return n;
    }
    case "choice":
      if (!s.choices!.includes(text)) {
        throw new SettingValueError(`one of ${s.choices!.join(", ")}`);
      }
      return text;
    case "model":
      // A file is told from a misspelt name by its extension or a folder in its path.
      if (s.choices!.includes(text) || /\.(tflite|onnx)$/i.test(text) || text.includes("/")) {
        return text;
      }
      throw new SettingValueError(`one of ${s.choices!.join(", ")}, or a .tflite or .onnx file`);
    case "colour":
      try {
        return parseColor(text);
      } catch {
        throw new SettingValueError("a colour name (white, lime, …) or #rrggbb");
      }
    case "size":
      return parseFrameSize(text);
    case "flag":
      throw new SettingValueError("true or false");
    default:
      return text;
  }
}

/**
 * WIDTHxHEIGHT, even (the video formats need it), from 16 to 4096 a side: beyond any
 * webcam or capture card; an RGB frame of 4096x4096 is 50 MB and every stage would take
 * seconds, so a bigger value is a typo, not a wish.
 */
export function parseFrameSize(text: string): string {
  const match = /^(\d+)x(\d+)$/.exec(text);
  if (!match) throw new SettingValueError("WIDTHxHEIGHT like 1280x720");
  const [width, height] = [Number(match[1]), Number(match[2])];
  if (width < 16 || height < 16 || width > 4096 || height > 4096) {
    throw new SettingValueError("a width and height from 16 to 4096, like 1280x720");
  }
  if (width % 2 || height % 2) {
    throw new SettingValueError("an even width and height (video formats need it), like 1280x720");
  }
  return text;
}

/** What --help and `segcam config` show a value as: colours as #rrggbb, lists comma-separated. */
export function formatSettingValue(value: unknown): string {
  if (value === undefined) return "-";
  if (
    Array.isArray(value) && value.length === 3 && value.every((n) => typeof n === "number")
  ) {
    return `#${value.map((n) => n.toString(16).padStart(2, "0")).join("")}`;
  }
  if (Array.isArray(value)) return value.length === 0 ? "-" : value.join(", ");
  return String(value);
}
