/**
 * The live status panel as text: a pure function of the state and the terminal size,
 * so tests check exact content and the terminal layer only draws it.
 *
 * Every line fits the width: long values and the key legend wrap onto more lines
 * (indented under their label) instead of being cut. When the rows run out, whole
 * blocks go, least important first: the stage timings (ms), the model, the CPU, the
 * output, the input, the fps, the key legend, the settings line. The header (effect
 * and strength) and the messages stay longest. The preview (key p) takes the rows left
 * under the text, and may push out blocks below the fps to get up to half the rows.
 */
import picocolors from "picocolors";
import type { Frame } from "../frame.ts";
import { describeSettings, describeView, type LiveControls } from "../control/live_state.ts";
import { KEY_LEGEND } from "./keys.ts";

export interface PanelState {
  /** Where frames come from, e.g. "camera /dev/video0". */
  input: string;
  /** Where frames go, e.g. "/dev/video10 (yuyv422)". */
  output: string;
  /** The processed frames' size and rate, e.g. "1280x720@30". */
  size: string;
  /** The inference backend and model, e.g. "native (onnxruntime-node 1.30.0), model …". */
  inference: string;
  /** What the keys control; the header and the settings line are drawn from it. */
  controls: LiveControls;
  /**
   * How "transparent" reaches an output without an alpha channel, e.g. "key colour
   * #00ff00"; undefined where the output keeps alpha.
   */
  transparentAs?: string;
  /**
   * "in": frames per second read from the source (camera, file, stream) over the last
   * half second, including those dropped because processing was still busy.
   */
  fpsIn: number;
  /** "out": frames per second delivered to the output over the last half second. */
  fpsOut: number;
  /** Median ms per stage. */
  stages: { wait: number; segment: number; effect: number; write: number };
  latencyMs: number;
  /** Frames delivered since the start. */
  frames: number;
  /** Frames read from the source and skipped because processing was busy. */
  dropped: number;
  /**
   * CPU of segcam and its ffmpeg processes, in % of one core; undefined where unknown.
   * The panel shows both figures, labelled: "40% segcam alone  85% with its ffmpeg".
   */
  cpuPercent?: number;
  /** CPU of segcam alone (inference, effects; no ffmpeg), in % of one core. */
  cpuSelfPercent?: number;
  /** The second look's state, e.g. "second look auto (crops on 12 of 300 frames)". */
  secondLook?: string;
  /** Auto-framing while it is on, e.g. "autoframe 1.4x (≤2x, camera 1920x1080)"; else undefined. */
  autoframe?: string;
  /** A message from the run itself, not from a key (e.g. "camera lost…; reconnecting…"). */
  message: string;
  /** The last delivered frame: drawn under the panel while `controls.preview` is on. */
  preview?: Frame;
}

const MIN_COLUMNS = 40;
const MIN_ROWS = 8;
const LABEL_WIDTH = 10;
/** Fewer rows than this make a preview too small to recognise anyone in. */
export const MIN_PREVIEW_ROWS = 4;
/**
 * Each preview cell costs ~40 bytes of colour escapes, redrawn 10 times a second:
 * 100 columns (x 28 rows at 16:9) is ~1 MB/s, which terminals draw without lag.
 */
export const MAX_PREVIEW_COLUMNS = 100;

/** Blocks of lines by importance; the least important go first when rows run out. */
const PRIORITY = {
  header: 100,
  message: 95,
  settings: 90,
  keys: 80,
  fps: 70,
  input: 60,
  output: 50,
  cpu: 40,
  model: 30,
  ms: 20,
} as const;
/** Blocks the preview may push out (the live figures and the legend stay). */
const PREVIEW_MAY_DROP_BELOW = PRIORITY.fps;

// deno-lint-ignore no-control-regex -- ESC starts the colour codes we must not count
const visible = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");

/** Cuts a line to `width` visible characters, keeping escape codes intact. */
export function fit(line: string, width: number): string {
  if (visible(line).length <= width) return line;
  let out = "";
  let count = 0;
  for (let i = 0; i < line.length && count < width; i++) {
    if (line[i] === "\x1b") {
      const end = line.indexOf("m", i);
      out += line.slice(i, end + 1);
      i = end;
      continue;
    }
    out += line[i];
    count++;
  }
  return line.includes("\x1b") ? out + "\x1b[0m" : out;
}

/**
 * Packs `entries` into lines of at most `width` characters, two spaces between
 * entries; an entry longer than a line breaks at its spaces, a word longer than a line
 * is cut with "…".
 */
export function wrapEntries(entries: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = "";
  const add = (piece: string, gap: string) => {
    if (line === "") line = piece;
    else if (line.length + gap.length + piece.length <= width) line += gap + piece;
    else {
      lines.push(line);
      line = piece;
    }
  };
  for (const entry of entries) {
    if (entry.length <= width) {
      add(entry, "  ");
      continue;
    }
    entry.split(" ").forEach((word, i) => {
      add(word.length <= width ? word : word.slice(0, width - 1) + "…", i === 0 ? "  " : " ");
    });
  }
  if (line !== "") lines.push(line);
  return lines;
}

const ms = (v: number) => Number.isFinite(v) ? v.toFixed(1) : "–";
const cpu = (percent?: number) => percent === undefined ? "–" : `${percent.toFixed(0)}%`;

interface Block {
  priority: number;
  lines: string[];
}

export function renderPanel(
  state: PanelState,
  size: { columns: number; rows: number },
  color: boolean,
): string[] {
  const c = picocolors.createColors(color);
  const { columns, rows } = size;
  if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
    return [fit(`segcam: terminal too small (need ${MIN_COLUMNS}x${MIN_ROWS})`, columns)];
  }
  const { controls } = state;
  /** A labelled block: the label's column, then the entries wrapped in the space left. */
  const labelled = (
    priority: number,
    label: string,
    entries: string[],
    style: (text: string) => string = (text) => text,
  ): Block => ({
    priority,
    lines: wrapEntries(entries, columns - LABEL_WIDTH).map((line, i) =>
      (i === 0 ? c.dim(label.padEnd(LABEL_WIDTH)) : " ".repeat(LABEL_WIDTH)) + style(line)
    ),
  });
  const plain = (priority: number, text: string, style: (text: string) => string): Block => ({
    priority,
    lines: wrapEntries([text], columns).map(style),
  });

  const messages = [controls.message, state.message].filter((m) => m !== "");
  const waitingForPicture = controls.preview && state.preview === undefined;
  if (waitingForPicture) messages.push("preview: waiting for the first frame");
  const blocks: Block[] = [
    {
      priority: PRIORITY.header,
      lines: wrapEntries(
        ["segcam live", describeView(controls, state.transparentAs)],
        columns,
      ).map((line) => c.bold(line)),
    },
    labelled(PRIORITY.settings, "settings", [
      ...describeSettings(controls),
      ...(state.secondLook ? [state.secondLook] : []),
      ...(state.autoframe ? [state.autoframe] : []),
    ]),
    labelled(PRIORITY.input, "input", [state.input, state.size]),
    labelled(PRIORITY.output, "output", [state.output]),
    labelled(PRIORITY.model, "model", [state.inference]),
    labelled(PRIORITY.fps, "fps", [
      `${state.fpsOut.toFixed(1)} out`,
      `${state.fpsIn.toFixed(1)} in`,
      `${state.frames} frames`,
      `${state.dropped} dropped`,
    ]),
    labelled(PRIORITY.ms, "ms", [
      `wait ${ms(state.stages.wait)}`,
      `segment ${ms(state.stages.segment)}`,
      `effect ${ms(state.stages.effect)}`,
      `write ${ms(state.stages.write)}`,
      `latency ${ms(state.latencyMs)}`,
    ]),
    labelled(PRIORITY.cpu, "cpu", [
      `${cpu(state.cpuSelfPercent)} segcam alone`,
      `${cpu(state.cpuPercent)} with its ffmpeg`,
    ]),
    labelled(PRIORITY.keys, "keys", [...KEY_LEGEND], c.dim),
    ...messages.map((m) => plain(PRIORITY.message, m, c.yellow)),
  ];
  const count = () => blocks.reduce((n, block) => n + block.lines.length, 0);
  const dropWhile = (tooMany: () => boolean, below: number) => {
    while (tooMany()) {
      let lowest = -1;
      for (let i = 0; i < blocks.length; i++) {
        const p = blocks[i].priority;
        if (p < below && (lowest < 0 || p < blocks[lowest].priority)) lowest = i;
      }
      if (lowest < 0) return;
      blocks.splice(lowest, 1);
    }
  };
  dropWhile(() => count() > rows, PRIORITY.header);

  let picture: string[] = [];
  if (controls.preview && state.preview !== undefined) {
    const frame = state.preview;
    // The preview gets up to half the rows (less if the width limits it first), taking
    // them from the least important blocks.
    const wanted = Math.max(
      MIN_PREVIEW_ROWS,
      Math.min(Math.floor(rows / 2), previewSize(frame.width, frame.height, columns, rows).rows),
    );
    dropWhile(() => rows - count() < wanted, PREVIEW_MAY_DROP_BELOW);
    const shape = previewSize(frame.width, frame.height, columns, rows - count());
    if (shape.rows >= MIN_PREVIEW_ROWS) {
      picture = renderThumbnail(
        frame.data,
        frame.width,
        frame.height,
        frame.channels,
        shape.columns,
        shape.rows,
      );
    } else {
      blocks.push(plain(PRIORITY.message, "preview: no room; make the terminal taller", c.yellow));
      dropWhile(() => count() > rows, PRIORITY.header);
    }
  }
  return [...blocks.flatMap((block) => block.lines), ...picture]
    .slice(0, rows)
    .map((line) => fit(line, columns));
}

/**
 * The largest preview of a `width`x`height` picture that fits `columns` x `rows` cells
 * with the picture's shape: a cell is about twice as tall as wide and holds two pixel
 * rows (half blocks), so a preview of C columns and R rows shows C x 2R square pixels.
 * Rows are chosen first, then the columns that match them to within half a column.
 */
export function previewSize(
  width: number,
  height: number,
  columns: number,
  rows: number,
): { columns: number; rows: number } {
  const maxColumns = Math.min(columns, MAX_PREVIEW_COLUMNS);
  const fitRows = Math.max(0, Math.min(rows, Math.floor(maxColumns * height / (2 * width))));
  return { columns: Math.round(fitRows * 2 * width / height), rows: fitRows };
}

/** One plain line for --no-tui and pipes, printed once a second. */
export function formatStatusLine(state: PanelState): string {
  const controls = state.controls;
  return `segcam: ${describeView(controls, state.transparentAs)}, ${
    describeSettings(controls).join(", ")
  }; ${state.fpsOut.toFixed(1)} fps out, ${
    state.fpsIn.toFixed(1)
  } in, ${state.frames} frames, ${state.dropped} dropped, segment ${
    ms(state.stages.segment)
  } ms, effect ${ms(state.stages.effect)} ms, latency ${ms(state.latencyMs)} ms, cpu ${
    cpu(state.cpuSelfPercent)
  } segcam alone, ${cpu(state.cpuPercent)} with ffmpeg`;
}

/**
 * The output frame as truecolour half blocks (▀: top pixel in the foreground colour,
 * bottom pixel in the background colour), point-sampled to `columns` x 2·`rows` pixels.
 */
export function renderThumbnail(
  data: Uint8Array,
  width: number,
  height: number,
  channels: number,
  columns: number,
  rows: number,
): string[] {
  const lines: string[] = [];
  const sample = (x: number, y: number) => {
    const sx = Math.min(width - 1, Math.floor((x + 0.5) * width / columns));
    const sy = Math.min(height - 1, Math.floor((y + 0.5) * height / (2 * rows)));
    const i = (sy * width + sx) * channels;
    return `${data[i]};${data[i + 1]};${data[i + 2]}`;
  };
  for (let row = 0; row < rows; row++) {
    let line = "";
    for (let x = 0; x < columns; x++) {
      line += `\x1b[38;2;${sample(x, 2 * row)}m\x1b[48;2;${sample(x, 2 * row + 1)}m▀`;
    }
    lines.push(line + "\x1b[0m");
  }
  return lines;
}
