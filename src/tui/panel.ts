/**
 * The live status panel as text: a pure function of the state and the terminal size,
 * so tests check exact content and the terminal layer only draws it.
 */
import picocolors from "picocolors";
import { KEY_HELP } from "./keys.ts";

export interface PanelState {
  input: string;
  output: string;
  size: string;
  effect: string;
  /** e.g. "blur 3.0% of height", "threshold 0.50", "soft edge". */
  detail: string;
  inference: string;
  fpsIn: number;
  fpsOut: number;
  /** Median ms per stage. */
  stages: { wait: number; segment: number; effect: number; write: number };
  latencyMs: number;
  frames: number;
  dropped: number;
  /** CPU of segcam and its ffmpeg children, in % of one core; undefined where unknown. */
  cpuPercent?: number;
  message: string;
  /** Truecolour half-block lines of the output (key p), or empty. */
  thumbnail: string[];
}

const MIN_COLUMNS = 40;
const MIN_ROWS = 8;

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

const ms = (v: number) => Number.isFinite(v) ? v.toFixed(1) : "–";

export function renderPanel(
  state: PanelState,
  size: { columns: number; rows: number },
  color: boolean,
): string[] {
  const c = picocolors.createColors(color);
  if (size.columns < MIN_COLUMNS || size.rows < MIN_ROWS) {
    return [fit(`segcam: terminal too small (need ${MIN_COLUMNS}x${MIN_ROWS})`, size.columns)];
  }
  const label = (text: string) => c.dim(text.padEnd(10));
  const lines = [
    `${c.bold("segcam live")}  ${c.green(state.effect)} ${c.dim(state.detail)}`,
    `${label("input")}${state.input}  ${state.size}`,
    `${label("output")}${state.output}`,
    `${label("model")}${state.inference}`,
    `${label("fps")}${c.bold(state.fpsOut.toFixed(1))} out  ${state.fpsIn.toFixed(1)} in  ` +
    `${state.frames} frames  ${state.dropped} dropped`,
    `${label("ms")}wait ${ms(state.stages.wait)}  segment ${ms(state.stages.segment)}  ` +
    `effect ${ms(state.stages.effect)}  write ${ms(state.stages.write)}  ` +
    `latency ${ms(state.latencyMs)}`,
    `${label("cpu")}${state.cpuPercent === undefined ? "–" : `${state.cpuPercent.toFixed(0)}%`}`,
    c.dim(KEY_HELP),
  ];
  if (state.message) lines.push(c.yellow(state.message));
  const room = size.rows - lines.length;
  if (state.thumbnail.length > 0 && room > 2) lines.push(...state.thumbnail.slice(0, room));
  return lines.slice(0, size.rows).map((line) => fit(line, size.columns));
}

/** One plain line for --no-tui and pipes, printed once a second. */
export function formatStatusLine(state: PanelState): string {
  return `segcam: ${state.effect} ${state.fpsOut.toFixed(1)} fps out, ${
    state.fpsIn.toFixed(1)
  } in, ${state.frames} frames, ${state.dropped} dropped, segment ${
    ms(state.stages.segment)
  } ms, effect ${ms(state.stages.effect)} ms, latency ${ms(state.latencyMs)} ms`;
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
