/**
 * `segcam live`: a camera (or file, stream, or the generated demo) → segmentation →
 * effect → a virtual camera (or file, stream, stdout), with a status panel that reacts
 * to keys. The per-frame loop itself is src/pipeline/live_loop.ts.
 */
import { fileURLToPath } from "node:url";
import { adjustStrength, describeStrength } from "../effects/registry.ts";
import type { EffectName } from "../effects/effect.ts";
import { InputError, InterruptedError, OutputError, UsageError } from "../errors.ts";
import { createFrame, type Frame } from "../frame.ts";
import { writeAtomically } from "../io/atomic_file.ts";
import {
  chooseCameraMode,
  isLoopbackName,
  listVideoDevices,
  LOOPBACK_SETUP,
  probeCameraFormats,
} from "../io/devices.ts";
import { alphaCapable } from "../io/ffmpeg_args.ts";
import {
  childPids,
  explainFfmpegFailure,
  FfmpegProcess,
  stopAllChildren,
} from "../io/ffmpeg_process.ts";
import { imageFormatOf, readImage } from "../io/image_file.ts";
import { LatestFrameReader } from "../io/latest_frame_reader.ts";
import {
  type LiveFormat,
  type LiveInput,
  liveInputArgs,
  type LiveOutput,
  liveOutputArgs,
  parseLiveOutput,
  type Platform,
} from "../io/live_args.ts";
import { scaleCover } from "../kernels/scale_cover.ts";
import { chooseModel, createSegmenter } from "../model/segmenter.ts";
import type { GlobalOptions } from "../options.ts";
import { FrameProcessor, type ProcessSettings } from "../pipeline/frame_processor.ts";
import { type LiveSink, runLiveLoop } from "../pipeline/live_loop.ts";
import { LatencyHistogram, StageTimings } from "../pipeline/timings.ts";
import { CpuMeter } from "../tui/cpu_meter.ts";
import { parseKeys } from "../tui/keys.ts";
import { formatStatusLine, type PanelState, renderPanel, renderThumbnail } from "../tui/panel.ts";
import { processTerminalIo, restoreOnCrash, Terminal } from "../tui/terminal.ts";
import { type EffectCliOptions, processSettingsFrom } from "./_effect_options.ts";
import { interruptSignal } from "./_signals.ts";

export interface LiveCommandOptions extends GlobalOptions, Omit<EffectCliOptions, "background"> {
  camera?: string;
  input?: string;
  loop: boolean;
  size: string;
  fps: number;
  output?: string;
  pixFmt: string;
  background: string[];
  keyColor: [number, number, number];
  tui: boolean;
  frames?: number;
  duration?: number;
  force: boolean;
}

const DEMO_PHOTO = fileURLToPath(new URL("../../tests/fixtures/astronaut.png", import.meta.url));
const RECONNECT_MS = [1000, 2000, 4000, 8000];

export async function runLive(options: LiveCommandOptions): Promise<void> {
  const format = parseFormat(options.size, options.fps);
  const input = resolveInput(options);
  if (input.kind === "camera" && input.platform === "linux") {
    const mode = chooseCameraMode(await probeCameraFormats(input.device), format);
    if (mode?.warning) console.error(`segcam: warning: ${mode.warning}`);
    input.mode = mode;
  }
  const output = resolveOutput(options);
  const alpha = options.effect === "transparent" && output.kind === "file" &&
    alphaCapable(output.path);
  const settings = processSettingsFrom({ ...options, background: options.background[0] });
  const requested = { effect: settings.effect };
  applyEffect(settings, requested.effect, alpha, options.keyColor);
  const backgrounds = await loadBackgrounds(options.background, format);
  let backgroundIndex = 0;

  const interrupt = interruptSignal();
  const segmenter = await createSegmenter({
    ...options,
    model: chooseModel(options.model, format.width, format.height),
    log: (line) => console.error(line),
  });
  const useTui = options.tui && Deno.stdout.isTerminal() && Deno.stdin.isTerminal() &&
    output.kind !== "stdout";
  const terminal = useTui ? new Terminal(processTerminalIo()) : undefined;
  const timings = new StageTimings();
  const latency = new LatencyHistogram();
  const controller = new AbortController();
  interrupt.signal.addEventListener("abort", () => controller.abort());
  const state: PanelState = {
    input: describeInput(input),
    output: describeOutput(output),
    size: `${format.width}x${format.height}@${format.fps}`,
    effect: "",
    detail: "",
    inference: segmenter.description,
    fpsIn: 0,
    fpsOut: 0,
    stages: { wait: NaN, segment: NaN, effect: NaN, write: NaN },
    latencyMs: NaN,
    frames: 0,
    dropped: 0,
    message: "",
    thumbnail: [],
  };
  let thumbnail = false;
  let lastOut: Frame | undefined;
  const describe = () => {
    state.effect = settings.showMask ? "mask" : requested.effect;
    state.detail = settings.showMask
      ? ""
      : requested.effect === "transparent" && !alpha
      ? `key colour #${options.keyColor.map((c) => c.toString(16).padStart(2, "0")).join("")}`
      : requested.effect === "replace"
      ? `background ${backgroundIndex + 1}/${backgrounds.length}`
      : describeStrength(settings.effect, settings.effectSettings);
    if (settings.mask.threshold !== undefined) {
      state.detail += `  threshold ${settings.mask.threshold.toFixed(2)}`;
    }
  };
  describe();

  const onKey = (action: ReturnType<typeof parseKeys>[number]) => {
    state.message = "";
    switch (action) {
      case "quit":
        controller.abort();
        return;
      case "replace":
        if (backgrounds.length === 0) {
          state.message = "no background: start with --background FILE (repeatable)";
          return;
        }
        if (requested.effect === "replace") {
          backgroundIndex = (backgroundIndex + 1) % backgrounds.length;
        }
        requested.effect = "replace";
        break;
      case "blur":
      case "desaturate":
      case "transparent":
      case "none":
        requested.effect = action;
        break;
      case "mask":
        settings.showMask = !settings.showMask;
        break;
      case "stronger":
      case "weaker":
        if (
          !adjustStrength(settings.effect, settings.effectSettings, action === "stronger" ? 1 : -1)
        ) {
          state.message = `${requested.effect} has no strength to change (or is at its limit)`;
        }
        break;
      case "threshold-up":
      case "threshold-down": {
        const t = (settings.mask.threshold ?? 0.5) + (action === "threshold-up" ? 0.05 : -0.05);
        settings.mask.threshold = Math.min(0.95, Math.max(0.05, Math.round(t * 100) / 100));
        break;
      }
      case "thumbnail":
        thumbnail = !thumbnail;
        if (!thumbnail) state.thumbnail = [];
        break;
    }
    applyEffect(settings, requested.effect, alpha, options.keyColor);
    describe();
  };

  // The status: 10 Hz panel, or one plain line a second on stderr.
  const cpu = new CpuMeter();
  let source: { process: FfmpegProcess; reader: LatestFrameReader } | undefined;
  let lastCount = { in: 0, out: 0, at: performance.now() };
  let written = 0;
  let ticks = 0;
  let sampling = false;
  const refresh = () => {
    const now = performance.now();
    const seconds = (now - lastCount.at) / 1000;
    if (seconds >= 0.5) {
      const received = source?.reader.received ?? 0;
      state.fpsIn = (received - lastCount.in) / seconds;
      state.fpsOut = (written - lastCount.out) / seconds;
      lastCount = { in: received, out: written, at: now };
    }
    // Once a second: reading /proc costs a `cat` process (see cpu_meter.ts).
    if (ticks % 10 === 0 && !sampling) {
      sampling = true;
      cpu.sample([Deno.pid, ...childPids()])
        .then((percent) => state.cpuPercent = percent)
        .finally(() => sampling = false);
    }
    state.stages = {
      wait: timings.median("wait"),
      segment: timings.median("segment"),
      effect: timings.median("effect"),
      write: timings.median("write"),
    };
    state.latencyMs = timings.median("latency");
    state.frames = written;
    if (terminal) {
      const size = terminal.size();
      if (thumbnail && lastOut) {
        const columns = Math.min(size.columns, 64);
        const rows = Math.max(
          0,
          Math.min(size.rows - 10, Math.round(columns * format.height / format.width / 2)),
        );
        state.thumbnail = renderThumbnail(
          lastOut.data,
          lastOut.width,
          lastOut.height,
          lastOut.channels,
          columns,
          rows,
        );
      }
      terminal.draw(renderPanel(state, size, !Deno.noColor));
    } else if (ticks % 10 === 0) {
      console.error(formatStatusLine(state));
    }
    ticks++;
  };

  const processor = new FrameProcessor(segmenter);
  /** Frames dropped by input processes that have ended (a camera reopened). */
  let dropBase = 0;
  const run = async (sink: LiveSink) => {
    let attempt = 0;
    while (!controller.signal.aborted) {
      const process = new FfmpegProcess("ffmpeg", liveInputArgs(input, format), {
        stdout: "piped",
      });
      const reader = new LatestFrameReader(process.child.stdout, format.width, format.height);
      source = { process, reader };
      const result = await runLiveLoop({
        source: {
          width: format.width,
          height: format.height,
          next: () => reader.next(),
          get dropped() {
            return reader.dropped;
          },
          get received() {
            return reader.received;
          },
        },
        sink: {
          channels: sink.channels,
          write: async (frame) => {
            await sink.write(frame);
            written++;
            state.dropped = dropBase + reader.dropped;
          },
        },
        processor,
        settings,
        background: () => backgrounds[backgroundIndex]?.(),
        timings,
        now: () => performance.now(),
        maxFrames: options.frames === undefined ? undefined : options.frames - written,
        maxDurationMs: options.duration === undefined ? undefined : options.duration * 1000,
        signal: controller.signal,
        onFrame: (out) => {
          lastOut = out;
          latency.record(timings.latest("latency"));
        },
      });
      dropBase += reader.dropped;
      await process.stop();
      if (result.reason !== "end-of-input") return;
      const status = await process.status;
      if (input.kind !== "camera") {
        if (!status.success && written === 0) {
          throw explainFfmpegFailure(await process.stderrTail(), "input", describeInput(input));
        }
        return; // a file or stream that ended: done
      }
      // A camera that went away (unplugged, taken by another program): try again. One
      // that never gave a frame is not coming back by itself: say why at once.
      const tail = await process.stderrTail();
      if (written === 0 || attempt >= RECONNECT_MS.length) {
        throw explainFfmpegFailure(tail, "input", describeInput(input));
      }
      state.message = `camera lost (${tail.at(-1) ?? "no frames"}); reconnecting…`;
      await sleep(RECONNECT_MS[attempt++], controller.signal);
    }
  };

  let removeRestoreHandlers = () => {};
  const timer = setInterval(refresh, 100);
  const started = performance.now();
  try {
    if (terminal) {
      terminal.start();
      removeRestoreHandlers = restoreOnCrash(terminal, () => controller.abort());
      // Keys are read for as long as the process runs; a pending read ends with it.
      (async () => {
        while (!controller.signal.aborted) {
          const bytes = await terminal.readKeys();
          if (bytes === null) return;
          for (const action of parseKeys(bytes)) onKey(action);
        }
      })().catch(() => {}); // stdin closed under us: the run goes on without keys
    }
    await withSink(output, format, alpha, options.force, run);
  } finally {
    clearInterval(timer);
    terminal?.restore();
    removeRestoreHandlers();
    interrupt.dispose();
    await stopAllChildren();
    await segmenter.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  console.error(
    `segcam: ${written} frames in ${seconds.toFixed(1)} s (${
      (written / seconds).toFixed(1)
    } fps), ` +
      `${dropBase} dropped, latency median ${latency.quantile(0.5)} ms, p95 ${
        latency.quantile(0.95)
      } ms, to ${describeOutput(output)}`,
  );
  if (interrupt.signal.aborted) {
    throw new InterruptedError(
      `Stopped by a signal${output.kind === "file" ? `; ${output.path} is complete` : ""}.`,
    );
  }
}

/** Opens the sink, runs, and closes it: ffmpeg for devices/files/streams, our stdout for "-". */
async function withSink(
  output: LiveOutput,
  format: LiveFormat,
  alpha: boolean,
  force: boolean,
  run: (sink: LiveSink) => Promise<void>,
): Promise<void> {
  const channels = alpha ? 4 : 3;
  if (output.kind === "stdout") {
    const writer = Deno.stdout.writable.getWriter();
    await run({ channels, write: (f) => writeOrExplain(writer, f, undefined, "stdout") });
    return;
  }
  const open = async (target: LiveOutput & { kind: "v4l2" | "file" | "stream" }) => {
    const process = new FfmpegProcess(
      "ffmpeg",
      liveOutputArgs(target, format, alpha ? "rgba" : "rgb24"),
      { stdin: "piped" },
    );
    const writer = process.child.stdin.getWriter();
    await run({
      channels,
      write: (f) => writeOrExplain(writer, f, process, describeOutput(output)),
    });
    await writer.close().catch(() => {});
    const status = await process.status;
    if (!status.success) {
      throw explainFfmpegFailure(await process.stderrTail(), "output", describeOutput(output));
    }
  };
  if (output.kind === "file") {
    await writeAtomically(output.path, (temporary) => open({ kind: "file", path: temporary }), {
      force,
    });
  } else {
    await open(output);
  }
}

async function writeOrExplain(
  writer: WritableStreamDefaultWriter<Uint8Array>,
  frame: Frame,
  process: FfmpegProcess | undefined,
  label: string,
): Promise<void> {
  try {
    await writer.write(frame.data);
  } catch (error) {
    if (process) {
      await process.status;
      const tail = await process.stderrTail();
      if (tail.length > 0) throw explainFfmpegFailure(tail, "output", label);
    }
    throw new OutputError(
      `The output ${label} stopped accepting frames (the program reading it went away); start it again`,
      { cause: error },
    );
  }
}

/** transparent becomes a key colour where the output has no alpha channel. */
function applyEffect(
  settings: ProcessSettings,
  effect: EffectName,
  alpha: boolean,
  keyColor: [number, number, number],
): void {
  if (effect === "transparent" && !alpha) {
    settings.effect = "remove";
    settings.effectSettings.color = keyColor;
  } else {
    settings.effect = effect;
  }
}

function parseFormat(size: string, fps: number): LiveFormat {
  const match = /^(\d+)x(\d+)$/.exec(size);
  if (!match || Number(match[1]) < 16 || Number(match[2]) < 16) {
    throw new UsageError(`--size takes WIDTHxHEIGHT like 1280x720, got "${size}"`);
  }
  const [width, height] = [Number(match[1]), Number(match[2])];
  if (width % 2 || height % 2) {
    throw new UsageError(`--size ${size}: width and height must be even (video formats need it)`);
  }
  return { width, height, fps };
}

function resolveInput(options: LiveCommandOptions): LiveInput {
  if (options.input !== undefined && options.camera !== undefined) {
    throw new UsageError("--input and --camera both name a source; give one");
  }
  if (options.input === "demo") return { kind: "demo", photo: DEMO_PHOTO };
  if (options.input !== undefined) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(options.input)) return { kind: "url", url: options.input };
    try {
      if (!Deno.statSync(options.input).isFile) throw new Error("not a file");
    } catch {
      throw new InputError(
        `Cannot open ${options.input}: no such file; give a video file, a URL, or --input demo`,
      );
    }
    return { kind: "file", path: options.input, loop: options.loop };
  }
  const platform = Deno.build.os as Platform;
  if (platform !== "linux") {
    // avfoundation and dshow take an index or a name as given.
    return { kind: "camera", platform, device: options.camera ?? "0" };
  }
  const cameras = listVideoDevices().filter((d) => !d.loopback);
  const wanted = options.camera;
  const device = wanted === undefined
    ? cameras[0]?.path
    : /^\d+$/.test(wanted)
    ? `/dev/video${wanted}`
    : wanted.startsWith("/dev/")
    ? wanted
    : cameras.find((c) => c.name.toLowerCase().includes(wanted.toLowerCase()))?.path;
  if (device === undefined) {
    throw new InputError(
      wanted === undefined
        ? "No camera found (no /dev/video* device that is not a loopback); connect one, pick one with --camera, or try --input demo"
        : `No camera matches "${wanted}"; run \`segcam devices\` to list them`,
    );
  }
  try {
    Deno.statSync(device);
  } catch {
    throw new InputError(
      `Cannot open camera ${device}: no such device; run \`segcam devices\` to list cameras, or try --input demo`,
    );
  }
  return { kind: "camera", platform, device };
}

function resolveOutput(options: LiveCommandOptions): LiveOutput {
  if (options.output !== undefined) {
    const output = parseLiveOutput(options.output, options.pixFmt);
    if (output.kind === "v4l2" && Deno.build.os === "linux") checkLoopback(output.device);
    return output;
  }
  const loopback = listVideoDevices().find((d) => d.loopback);
  if (loopback === undefined) {
    throw new OutputError(
      `No virtual camera found: load v4l2loopback (${LOOPBACK_SETUP}), or give --output FILE|URL|-`,
    );
  }
  return { kind: "v4l2", device: loopback.path, pixFmt: options.pixFmt };
}

function checkLoopback(device: string): void {
  const found = listVideoDevices().find((d) => d.path === device);
  if (found === undefined) {
    throw new OutputError(`${device} does not exist: load v4l2loopback (${LOOPBACK_SETUP})`);
  }
  if (!isLoopbackName(found.name)) {
    throw new OutputError(
      `${device} ("${found.name}") is not a v4l2loopback device; pick the virtual camera (segcam devices lists them)`,
    );
  }
}

async function loadBackgrounds(
  paths: string[],
  format: LiveFormat,
): Promise<(() => Frame | undefined)[]> {
  const list: (() => Frame | undefined)[] = [];
  for (const path of paths) {
    if (imageFormatOf(path) !== undefined) {
      const frame = createFrame(format.width, format.height, 3);
      scaleCover(await readImage(path), frame);
      list.push(() => frame);
      continue;
    }
    // A video: decoded in real time, looped, scaled to cover; the newest frame is used.
    const process = new FfmpegProcess(
      "ffmpeg",
      liveInputArgs({ kind: "file", path, loop: true }, format),
      { stdout: "piped" },
    );
    const reader = new LatestFrameReader(process.child.stdout, format.width, format.height);
    list.push(() => reader.current());
  }
  return list;
}

function describeInput(input: LiveInput): string {
  switch (input.kind) {
    case "camera":
      return `camera ${input.device}`;
    case "file":
      return `${input.path}${input.loop ? " (looped)" : ""}`;
    case "url":
      return input.url;
    case "demo":
      return "demo (the sample photo, moving)";
  }
}

function describeOutput(output: LiveOutput): string {
  switch (output.kind) {
    case "v4l2":
      return `${output.device} (${output.pixFmt})`;
    case "file":
      return output.path;
    case "stream":
      return output.url;
    case "stdout":
      return "stdout (raw frames)";
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
