/**
 * `segcam live`: a camera (or file, stream, or the generated demo) → the frame engine →
 * a virtual camera (or file, stream, stdout), with a status panel that reacts to keys.
 * This file parses, builds and runs; each concern lives in its layer:
 *   where frames come from and go   src/io/live_endpoints.ts, frame_source.ts, frame_sink.ts
 *   the per-frame loop              src/pipeline/engine.ts
 *   keys, socket → commands         src/tui/keys.ts, src/control/ (socket_server.ts, commands.ts)
 *   commands → the run, reloads     src/cli/_live_control.ts, src/pipeline/frame_settings.ts
 *   the panel                       src/tui/live_view.ts
 *   backgrounds                     src/io/background.ts
 *
 * SIGHUP: in a terminal (the panel, or --no-tui typed in one) it means the terminal
 * closed (exit 129, as everywhere); without one (the service) there is none to lose, and SIGHUP reloads the
 * settings file and the backgrounds, as `systemctl --user reload segcam` sends it.
 */
import process from "node:process";
import { configPath, denoEnv } from "../config/config_file.ts";
import { instanceName, socketFolder } from "../control/socket_path.ts";
import { type ControlServer, SocketInUse, startControlServer } from "../control/socket_server.ts";
import { createFrame, type Frame } from "../frame.ts";
import { checkOutputPath, refuseTerminalStdout, writeAtomically } from "../io/atomic_file.ts";
import { requireVideoExtension } from "../io/ffmpeg_args.ts";
import {
  type Background,
  backgroundFiles,
  BackgroundPlaylist,
  isImageBackground,
  openBackground,
} from "../io/background.ts";
import { watchDeviceConsumers } from "../io/consumer_watch.ts";
import { probeMedia } from "../io/probe.ts";
import { alphaCapable, NULL_OUTPUT } from "../io/ffmpeg_args.ts";
import { childPids, stopAllChildren } from "../io/ffmpeg_process.ts";
import { FfmpegSink, RawFrameConverter, StdoutSink } from "../io/frame_sink.ts";
import { RelistenSink } from "../io/relisten_sink.ts";
import { describeLiveInput, LiveSource } from "../io/frame_source.ts";
import { yuvInput, yuvPipesWanted } from "../io/frame_reader.ts";
import {
  isRawOutputFormat,
  isSrtListener,
  type LiveFormat,
  type LiveOutput,
  liveOutputArgs,
  liveYuvFormat,
  sinkPipeFormat,
} from "../io/live_args.ts";
import {
  DIRECT_FORMATS,
  directWanted,
  libcSyscalls,
  V4l2DirectError,
  V4l2DirectSink,
} from "../io/v4l2_direct.ts";
import { describeLiveOutput, resolveLiveInput, resolveLiveOutput } from "../io/live_endpoints.ts";
import { chooseModel, createSegmenter } from "../model/segmenter.ts";
import type { GlobalOptions } from "../options.ts";
import { CfrPacer } from "../pipeline/cfr_pacer.ts";
import { type FrameSettings, type FrameSink, runEngine } from "../pipeline/engine.ts";
import type { OutputTraits } from "../pipeline/frame_settings.ts";
import { FrameProcessor, type MaskSettings } from "../pipeline/frame_processor.ts";
import { defaultKernels } from "../kernels/kernel_set.ts";
import { isYuvPicture, type YuvPicture } from "../kernels/yuv_picture.ts";
import { feedWhileIdle, followConsumers } from "../pipeline/on_demand.ts";
import { LatencyHistogram, StageTimings } from "../pipeline/timings.ts";
import { CpuMeter } from "../tui/cpu_meter.ts";
import { describeSettings, describeView } from "../control/live_state.ts";
import { LiveView } from "../tui/live_view.ts";
import { processTerminalIo, restoreOnCrash, Terminal } from "../tui/terminal.ts";
import { InputError, OutputError, UsageError } from "../errors.ts";
import { decodeWarning } from "../io/frame_reader.ts";
import { readableFrames } from "../io/partial_recording.ts";
import { enlargeOwnStdout } from "../io/pipe_size.ts";
import type { EffectCliOptions } from "./_effect_options.ts";
import { defaultAutoframeSettings } from "../pipeline/autoframe.ts";
import { LiveControl } from "./_live_control.ts";
import { info as logInfo } from "./_report.ts";
import { interruptSignal } from "./_signals.ts";

export interface LiveCommandOptions extends GlobalOptions, Omit<EffectCliOptions, "background"> {
  camera?: string;
  input?: string;
  loop: boolean;
  /** WIDTHxHEIGHT; unset: 1280x720 for cameras, a file's own size. */
  size?: string;
  fps?: number;
  output?: string;
  /** Unset: yuyv422 to a virtual camera, rgb24 to `-o -` (live_args.ts). */
  pixFmt?: string;
  /** replace: the backgrounds (files or folders of them) key r cycles through (repeatable). */
  background: string[];
  mirror?: boolean;
  /** Auto-framing: the output follows the people (key a; src/pipeline/autoframe.ts). */
  autoframe?: boolean;
  /** Auto-framing's most zoom (default 2). */
  autoframeZoom?: number;
  /** Virtual camera only: read the camera only while an application watches (default on). */
  onDemand?: boolean;
  keyColor: [number, number, number];
  tui: boolean;
  frames?: number;
  duration?: number;
  force: boolean;
  /**
   * The options as they are now: the same command line over the settings file re-read
   * (main.ts). A reload (SIGHUP without a terminal, a settings-file edit, `segcam ctl
   * reload`) applies them; without it, reloading is refused.
   */
  reread?: () => Promise<LiveCommandOptions>;
}

export async function runLive(options: LiveCommandOptions): Promise<void> {
  if (options.effect === "replace" && options.background.length === 0) {
    throw new UsageError(
      "--effect replace needs a background: add --background <image or video file>",
    );
  }
  const resolved = await resolveLiveInput({
    ...options,
    autoframeZoom: options.autoframe
      ? options.autoframeZoom ?? defaultAutoframeSettings.zoom
      : undefined,
  });
  if (resolved.warning) console.error(`segcam: warning: ${resolved.warning}`);
  const { input, format } = resolved;
  /** The frames' size: the output's, or a larger camera mode for auto-framing to crop. */
  const capture = resolved.capture ?? format;
  const output = await resolveLiveOutput(options.output, options.pixFmt);
  if (output.kind === "file") requireVideoExtension(output.path);
  if (output.kind === "stdout") refuseTerminalStdout();
  // Before the model loads: an existing file is a reason to stop, not after seconds of setup.
  if (output.kind === "file") {
    await checkOutputPath(output.path, { force: options.force, reads: liveReads(options) });
  }
  const alpha = options.effect === "transparent" && output.kind === "file" &&
    alphaCapable(output.path);
  const traits: OutputTraits = {
    alpha,
    keyColor: options.keyColor,
    feather: options.feather,
    invert: options.invert,
    secondLook: options.secondLook,
    autoframeZoom: options.autoframeZoom,
  };
  const useTui = options.tui && Deno.stdout.isTerminal() && Deno.stdin.isTerminal() &&
    output.kind !== "stdout";
  // SIGHUP is "the terminal closed" wherever there is a terminal to close (the panel,
  // or --no-tui typed in one); only a run with none (the service, a pipeline) takes it
  // as "reload", the way daemons do and `systemctl --user reload` sends it.
  const hangupReloads = !useTui && !attachedToTerminal();
  const interrupt = interruptSignal({ hangup: !hangupReloads });
  const stop = new AbortController(); // q, a signal, or the end of a file
  interrupt.signal.addEventListener("abort", () => stop.abort());

  // Backgrounds before the model: a bad file is reported before any setup is spent.
  // A video that stops playing later is told on stderr, or in the panel once it is up.
  let note = (line: string) => console.error(line);
  const open = async (path: string): Promise<Background> => {
    if (!isImageBackground(path)) await probeMedia(path, { role: "background" });
    return await openBackground(path, {
      ...format,
      pace: "real-time",
      signal: interrupt.signal,
      onStopped: (line) => note(`segcam: ${line}`),
    });
  };
  const playlist = new BackgroundPlaylist(options.background, open);
  try {
    await checkBackgrounds(options.background, playlist, open);
  } catch (error) {
    interrupt.dispose();
    await playlist.close();
    throw error;
  }
  const segmenter = await createSegmenter({
    ...options,
    model: chooseModel(options.model, format.width, format.height),
    log: logInfo,
  });
  const timings = new StageTimings();
  const latency = new LatencyHistogram();
  const settings = {} as FrameSettings;
  let lastOut: Frame | YuvPicture | undefined;
  let written = 0;
  /** Frames processed, and those that stayed planar YUV to the output (never RGB). */
  const counts = { processed: 0, planar: 0 };
  const kernels = defaultKernels();
  const source = new LiveSource(input, capture, {
    allocate: kernels.frame,
    yuv: (() => {
      // The decoder's own YUV where it pays (liveYuvFormat), converted by the kernels.
      const yuv = yuvPipesWanted(kernels) ? liveYuvFormat(input, resolved.pixFmt) : undefined;
      // Deferred: a frame that stays planar to the output is never converted to RGB.
      return yuv && yuvInput(kernels, yuv, { deferRgb: true });
    })(),
    signal: stop.signal,
    onMessage: (message) => view.message = message,
  });
  const terminal = useTui ? new Terminal(processTerminalIo()) : undefined;
  terminal?.whenGone(() => interrupt.raise("SIGHUP"));
  if (terminal) note = (line) => view.message = line.replace(/^segcam: /, "");
  const processor = new WatchedProcessor(segmenter, kernels, "stream");
  const baseName = instanceName(outputTarget(output));
  /** This run's name for `segcam ctl --instance`: its socket's (set when it starts). */
  let name = baseName;
  const describe = {
    input: describeLiveInput(input),
    output: describeLiveOutput(output),
    size: `${format.width}x${format.height}@${format.fps}` +
      // Auto-framing crops from a larger camera picture: say which.
      (capture === format ? "" : ` (camera ${capture.width}x${capture.height} for autoframe)`),
    inference: segmenter.description,
    transparentAs: alpha ? undefined : `key colour ${hex(options.keyColor)}`,
  };
  const control: LiveControl = new LiveControl({
    options,
    traits,
    settings,
    playlist,
    source,
    stop: () => stop.abort(),
    reread: options.reread,
    // Under the panel a line on stderr would tear it: the panel's message says it instead.
    log: (line) => terminal ? view.message = line.replace(/^segcam: /, "") : console.error(line),
    now: () => performance.now(),
    status: () => {
      const state = view.tick(false);
      const controls = control.controls;
      const figures = `${state.fpsOut.toFixed(1)} fps out, ${state.fpsIn.toFixed(1)} in, ` +
        `${state.frames} frames, ${state.dropped} dropped`;
      return {
        text: [
          `segcam live ${name} (pid ${Deno.pid}): ${
            describeView(controls, describe.transparentAs)
          }`,
          `  settings    ${
            [...describeSettings(controls), secondLook(), autoframe() ?? "autoframe off"].join(", ")
          }`,
          ...(playlist.path ? [`  background  ${playlist.path}`] : []),
          `  input       ${describe.input} ${describe.size}`,
          `  output      ${describe.output}`,
          `  frames      ${figures}`,
          ...(state.message ? [`  message     ${state.message}`] : []),
        ],
        data: {
          instance: name,
          pid: Deno.pid,
          view: describeView(controls, describe.transparentAs),
          input: describe.input,
          output: describe.output,
          size: describe.size,
          background: playlist.path,
          backgrounds: playlist.files.length,
          fpsIn: state.fpsIn,
          fpsOut: state.fpsOut,
          frames: state.frames,
          dropped: state.dropped,
          secondLook: secondLook(),
          autoframe: autoframe() ?? "off",
          message: state.message,
        },
      };
    },
  });
  const secondLook = () => {
    const stats = processor.maskStats;
    return `second look ${
      options.secondLook ?? "auto"
    } (crops on ${stats.cropped} of ${stats.frames} frames)`;
  };
  /** The panel's auto-framing entry while it is on: the zoom now, its limit. */
  const autoframe = () => {
    if (!control.controls.autoframe) return undefined;
    const limit = options.autoframeZoom ?? defaultAutoframeSettings.zoom;
    const camera = capture === format ? "" : `, camera ${capture.width}x${capture.height}`;
    return `autoframe ${processor.autoframeZoom.toFixed(1)}x (≤${limit}x${camera})`;
  };
  const view: LiveView = new LiveView({
    terminal,
    color: !Deno.noColor,
    printLine: (line) => console.error(line),
    now: () => performance.now(),
    describe,
    statusLines: useTui ? "panel" : options.quiet ? "none" : "on-change",
    counters: {
      get received() {
        return source.received;
      },
      get dropped() {
        return source.dropped;
      },
      get written() {
        return written;
      },
    },
    timings,
    controls: () => control.controls,
    secondLook,
    autoframe,
    onKey: (line) => control.key(line),
    // The mask view is the user's, in the preview: the output keeps the effect.
    lastFrame: () =>
      control.controls.view === "mask" && !control.controls.maskOut
        ? processor.maskPicture()
        : processor.previewOf(lastOut),
    cpu: {
      meter: new CpuMeter(),
      pids: () => [Deno.pid, ...childPids()],
      self: () => {
        const usage = process.cpuUsage();
        return usage.user + usage.system;
      },
    },
  });

  // A virtual camera nobody watches: no camera, no CPU, until an application opens it.
  const onDemand = output.kind === "v4l2" && options.onDemand !== false &&
      Deno.build.os === "linux"
    ? followConsumers(
      watchDeviceConsumers(output.device, { exclude: childPids }),
      control.onDemandSwitch,
      (message) => view.message = message,
    )
    : undefined;
  // Reloads are listened for before the socket opens: whoever sees the socket may rely
  // on an edit of the settings file being noticed.
  const reloads = hangupReloads ? reloadOnHangup(control) : undefined;
  const watcher = watchSettingsFile(configPath(denoEnv), control);
  let server: ControlServer | undefined;
  const uid = Deno.uid() ?? 0;
  // Two runs writing to files of the same name (in different folders): the second is
  // out.mp4-2, as `segcam ctl status` lists it.
  for (let n = 1; server === undefined; n++) {
    name = n === 1 ? baseName : `${baseName}-${n}`;
    try {
      server = await startControlServer(
        `${socketFolder(denoEnv, uid)}/${name}.sock`,
        (command) => control.run(command, "socket"),
        { uid, log: (line) => terminal ? view.message = line : console.error(line) },
      );
    } catch (error) {
      if (error instanceof SocketInUse && n < 9) continue;
      // Control is a convenience: a run without it still does the main job.
      console.error(
        `segcam: warning: no control socket (segcam ctl will not see this run): ${
          (error as Error).message
        }`,
      );
      break;
    }
  }
  let removeRestoreHandlers = () => {};
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  let recording: Recording = { frames: 0 };
  try {
    if (terminal) removeRestoreHandlers = restoreOnCrash(terminal, () => stop.abort());
    view.start();
    const run = async (sink: FrameSink) => {
      // Idle on demand or paused: a frame a second keeps the virtual camera listed and
      // its watchers' picture still (on_demand.ts).
      const blank = output.kind === "v4l2"
        ? kernels.frame(format.width, format.height, sink.channels)
        : undefined;
      let idleFailure: unknown;
      const feeder = output.kind === "v4l2" &&
        feedWhileIdle(sink, () => lastOut ?? blank!, () => control.idle, {
          onError: (error) => {
            idleFailure = error;
            stop.abort();
          },
        });
      try {
        await runEngine({
          source,
          sink,
          processor,
          settings,
          background: () => playlist.frame(),
          timings,
          now: () => performance.now(),
          maxFrames: options.frames,
          maxDurationMs: options.duration === undefined ? undefined : options.duration * 1000,
          outputSize: capture === format ? undefined : format,
          signal: stop.signal,
          onFrame: (out, count) => {
            lastOut = out;
            written = count;
            latency.record(timings.latest("latency"));
          },
          counts,
        });
      } finally {
        if (feeder) feeder.stop();
      }
      if (idleFailure !== undefined) throw idleFailure;
      await source.close();
    };
    const audioFrom = input.kind === "file" && !input.loop && resolved.hasAudio
      ? input.path
      : undefined;
    recording = await withSink(output, format, alpha, audioFrom, options.force, run, (line) =>
      // Under the panel a line on stderr would tear it: the panel's message says it.
      terminal ? view.message = line : console.error(`segcam: ${line}`));
  } finally {
    reloads?.();
    watcher?.close();
    await server?.close();
    onDemand?.stop();
    view.stop();
    removeRestoreHandlers();
    interrupt.dispose();
    await source.close();
    await playlist.close();
    await stopAllChildren();
    await segmenter.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  const cores = (cpu.user + cpu.system) / 1e6 / seconds;
  const path = output.kind === "file" ? output.path : undefined;
  const inputName = describeLiveInput(input);
  if (source.truncated || source.decodeErrors > 0) {
    say(
      `segcam: ${
        decodeWarning({
          path: inputName,
          frames: source.received,
          errorLines: source.decodeErrors,
        }) ??
          `warning: ${inputName} ends inside a frame (the file is cut short)`
      }`,
    );
  }
  say(
    written === 0
      ? `segcam: no frames in ${seconds.toFixed(1)} s, to ${describeLiveOutput(output)}`
      : `segcam: ${written} frames in ${seconds.toFixed(1)} s (${
        (written / seconds).toFixed(1)
      } fps), ` +
        `${source.dropped} dropped, latency median ${latency.quantile(0.5)} ms, ` +
        `p95 ${latency.quantile(0.95)} ms, CPU of segcam alone (its ffmpeg processes not counted) ${
          cores.toFixed(2)
        } cores, ` +
        `to ${describeLiveOutput(output)}${planarNote(counts)}`,
  );
  // What is kept of a recording, for the last line.
  const kept = path === undefined || path === NULL_OUTPUT
    ? ""
    : recording.frames === 0
    ? `no frame was recorded, so ${path} was not written`
    : recording.failure || source.failure
    ? `the ${recording.frames} frames recorded until then are kept in ${path}`
    : `${path} is complete`;
  if (recording.failure) throw new OutputError(`${recording.failure.message}; ${kept}`);
  if (source.failure) {
    throw new InputError(kept ? `${source.failure.message}; ${kept}` : source.failure.message);
  }
  if (interrupt.received) throw interrupt.error(kept);
  if (recording.frames === 0 && path !== undefined && path !== NULL_OUTPUT) {
    if (!control.controls.quit) throw new OutputError(`${kept[0].toUpperCase()}${kept.slice(1)}`);
    say(`segcam: ${kept}`);
  }
}

/** A line on stderr that cannot fail: after a closed terminal stderr is gone (EIO). */
function say(line: string): void {
  try {
    console.error(line);
  } catch { /* nobody is there to read it */ }
}

/** What a run left in its output. */
interface Recording {
  /** Frames in the output (for a file: frames that play, when the encoder died). */
  frames: number;
  /** The encoder died: the part before it was kept (it plays), and the run fails. */
  failure?: Error;
}

/** Nothing was recorded: the temporary file goes, no empty file is called complete. */
class NothingRecorded extends Error {}

/**
 * Opens the sink, runs, and closes it. A recording goes to a temporary file renamed
 * when complete, and is finished (kept) however the run stops: it is what the user
 * recorded. When the encoder dies, the part before is kept if it plays. A recording
 * of no frames is no file. Files and streams keep real time (cfr_pacer.ts).
 */
async function withSink(
  output: LiveOutput,
  format: LiveFormat,
  alpha: boolean,
  audioFrom: string | undefined,
  force: boolean,
  run: (sink: FrameSink) => Promise<void>,
  say: (line: string) => void = (line) => console.error(`segcam: ${line}`),
): Promise<Recording> {
  const channels = alpha ? 4 : 3;
  if (output.kind === "stdout") {
    enlargeOwnStdout(); // into a pipe: a frame in a few writes (pipe_size.ts)
    // Written as the virtual camera is (v4l2_direct.ts), where libc is at hand.
    const sys = libcSyscalls();
    const stdout = sys ? { write: (bytes: Uint8Array) => sys.write(1, bytes) } : undefined;
    const sink = new StdoutSink(channels, stdout, new RawFrameConverter(output.pixFmt));
    const recording: Recording = { frames: 0 };
    await run({
      channels,
      planar: sink.planar,
      write: async (frame) => {
        await sink.write(frame);
        recording.frames++;
      },
    });
    await sink.finish();
    return recording;
  }
  const recording: Recording = { frames: 0 };
  if (output.kind === "v4l2" && !alpha) {
    const direct = openDirect(output, format, say);
    if (direct !== undefined) {
      try {
        await run(direct);
        await direct.finish();
      } finally {
        direct.close();
        recording.frames = direct.frames;
      }
      return recording;
    }
  }
  const open = async (target: Exclude<LiveOutput, { kind: "stdout" }>) => {
    const pipeFormat = sinkPipeFormat(target, alpha, yuvPipesWanted(defaultKernels()));
    const args = liveOutputArgs(target, format, pipeFormat, {
      audioFrom: target.kind === "file" ? audioFrom : undefined,
    });
    const label = describeLiveOutput(output);
    const start = () =>
      new FfmpegSink(
        // A recording reaches the disk as it is made (each packet, so every closed
        // Matroska cluster, about 5 s): when the encoder dies, what came before plays.
        // Without it ffmpeg held the first 256 KB, 16 s of a 640x360 recording, in memory.
        target.kind === "file" ? [...args.slice(0, -1), "-flush_packets", "1", args.at(-1)!] : args,
        {
          channels,
          label,
          pacer: target.kind === "v4l2" ? undefined : new CfrPacer(format.fps),
          recording: target.kind === "file",
          converter: pipeFormat === "rgb24" || pipeFormat === "rgba"
            ? undefined
            : new RawFrameConverter(pipeFormat),
        },
      );
    // An SRT listener serves whoever connects: a receiver leaving is not the end.
    const sink = target.kind === "stream" && isSrtListener(target.url)
      ? new RelistenSink(start, { label, say })
      : start();
    try {
      await run(sink);
      // A recording of no frames is no file (below), not a file to check.
      await sink.finish(target.kind === "file" && sink.frames > 0 ? target.path : undefined);
      recording.frames = sink.frames;
    } catch (error) {
      const process = sink instanceof RelistenSink ? sink.current.process : sink.process;
      const encoderDied = process.exited && !(await process.status).success;
      if (!encoderDied || target.kind !== "file") throw error;
      // The encoder died: what it wrote before is the user's recording, if it plays.
      recording.frames = await readableFrames(target.path);
      if (recording.frames === 0) throw error;
      recording.failure = error instanceof Error ? error : new Error(String(error));
      return;
    } finally {
      await sink.abort();
    }
    if (target.kind === "file" && recording.frames === 0) throw new NothingRecorded();
  };
  if (output.kind === "file") {
    try {
      await writeAtomically(output.path, (temporary) => open({ kind: "file", path: temporary }), {
        force,
      });
    } catch (error) {
      if (!(error instanceof NothingRecorded)) throw error;
    }
  } else {
    await open(output);
  }
  return recording;
}

/**
 * The virtual camera written by segcam itself (v4l2_direct.ts), or undefined: the
 * ffmpeg sink then writes it, as it does when SEGCAM_V4L2=ffmpeg says so, for formats
 * other than yuyv422 and yuv420p, and when the device refuses the direct path (said
 * in one line, since the fallback costs an ffmpeg process and its conversion).
 */
function openDirect(
  output: Extract<LiveOutput, { kind: "v4l2" }>,
  format: LiveFormat,
  say: (line: string) => void,
): V4l2DirectSink | undefined {
  if (!directWanted() || !isRawOutputFormat(output.pixFmt)) return undefined;
  if (DIRECT_FORMATS[output.pixFmt] === undefined) return undefined;
  try {
    return V4l2DirectSink.open({
      device: output.device,
      width: format.width,
      height: format.height,
      format: output.pixFmt,
    });
  } catch (error) {
    if (!(error instanceof V4l2DirectError)) throw error;
    if (error.final) {
      throw new OutputError(
        `Cannot write to the virtual camera ${output.device} (${error.message}); pick one ` +
          `that \`segcam devices\` lists with -o, or load v4l2loopback (README: Virtual camera setup)`,
        { cause: error },
      );
    }
    say(`writing ${output.device} through ffmpeg: ${error.message}`);
    return undefined;
  }
}

/** What a live run reads from files: never its own output (atomic_file.ts). */
function liveReads(options: LiveCommandOptions): { path: string; role: string }[] {
  return [
    ...(options.input !== undefined ? [{ path: options.input, role: "input" }] : []),
    ...options.background.map((path) => ({ path, role: "background" })),
  ];
}

function hex(color: [number, number, number]): string {
  return `#${color.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}

/** The output as the user named it: what the control socket is named after. */
function outputTarget(output: LiveOutput): string {
  switch (output.kind) {
    case "v4l2":
      return output.device;
    case "file":
      return output.path;
    case "stream":
      return output.url;
    case "stdout":
      return "-";
  }
}

/**
 * Checks the backgrounds up front, as before any setup is spent: every file given by
 * name opens (then closes, all but the one shown first), a folder holds something. Files
 * found in folders are opened when shown; one that fails then keeps the old one.
 */
async function checkBackgrounds(
  specs: readonly string[],
  playlist: BackgroundPlaylist,
  open: (path: string) => Promise<Background>,
): Promise<void> {
  await playlist.refresh();
  for (const spec of specs) {
    const files = await backgroundFiles([spec]);
    if (files.length === 0) {
      throw new InputError(
        `The background folder ${spec} holds no images or videos; add some (.png .jpg .mp4 …) or name a file`,
      );
    }
    if (files[0] === spec && spec !== playlist.files[0]) await (await open(spec)).close();
  }
  if (playlist.files.length > 0) {
    const why = await playlist.show(0);
    if (why) throw new InputError(why);
  }
}

/** Whether segcam runs in a terminal (its keyboard or its messages go to one). */
function attachedToTerminal(): boolean {
  try {
    return Deno.stdin.isTerminal() || Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}

/** SIGHUP without a terminal: reload (systemctl --user reload segcam). Returns the remover. */
function reloadOnHangup(control: LiveControl): () => void {
  if (Deno.build.os === "windows") return () => {};
  const listener = () => void control.reload("SIGHUP");
  Deno.addSignalListener("SIGHUP", listener);
  return () => Deno.removeSignalListener("SIGHUP", listener);
}

/** Editors save by rename, in bursts: one reload this long after the last event. */
const SETTLE_MS = 300;

/**
 * Reloads when the settings file changes. The folder is watched, not the file, so a
 * save by rename (vim, most editors) and a file made after the start are both seen.
 * Without the folder there is nothing to watch: `segcam ctl reload` and SIGHUP still work.
 */
function watchSettingsFile(path: string, control: LiveControl): Deno.FsWatcher | undefined {
  const folder = path.slice(0, path.lastIndexOf("/"));
  let watcher: Deno.FsWatcher;
  try {
    watcher = Deno.watchFs(folder, { recursive: false });
  } catch {
    return undefined; // no settings folder yet: nothing to reload from
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  (async () => {
    for await (const event of watcher) {
      if (!event.paths.includes(path)) continue;
      clearTimeout(timer);
      timer = setTimeout(() => void control.reload(`${path} changed`), SETTLE_MS);
    }
  })().catch(() => {}).finally(() => clearTimeout(timer));
  return watcher;
}

/**
 * The frame processor, keeping the last mask so that the mask view can show in the
 * terminal preview while the output keeps the effect. The gray picture is made only
 * when the preview asks for it (10 times a second at most), into one reused frame.
 */
/**
 * How many frames stayed planar YUV from the camera to the output, for the summary:
 * all of them, some (the others needed RGB: a key switched to an effect without a
 * planar form), or nothing said when none did (an RGB input or output).
 */
function planarNote({ processed, planar }: { processed: number; planar: number }): string {
  if (planar === 0) return "";
  return planar === processed
    ? ", YUV end to end"
    : `, ${planar} of ${processed} frames YUV end to end`;
}

class WatchedProcessor extends FrameProcessor {
  #alpha?: Uint8Array;
  #size = { width: 0, height: 0 };
  #picture?: Frame;

  #preview?: Frame;

  override async mask(
    frame: Frame,
    settings: MaskSettings,
    yuv?: YuvPicture,
  ): Promise<Uint8Array> {
    this.#alpha = await super.mask(frame, settings, yuv);
    const picture = yuv ?? frame;
    this.#size = { width: picture.width, height: picture.height };
    return this.#alpha;
  }

  /**
   * The panel's preview of an output: RGB as it is; a planar picture (a frame that
   * stayed YUV to the output) converted, at most 10 times a second, into a frame of
   * its own.
   */
  previewOf(out: Frame | YuvPicture | undefined): Frame | undefined {
    if (out === undefined || !isYuvPicture(out)) return out;
    const { width, height } = out;
    if (this.#preview?.width !== width || this.#preview.height !== height) {
      this.#preview = createFrame(width, height, 3);
    }
    if (out.layout === "420" && !out.fullRange) this.kernels.yuv420pToRgb(out.data, this.#preview);
    else this.kernels.yuvj422pToRgb(out.data, this.#preview);
    return this.#preview;
  }

  maskPicture(): Frame | undefined {
    const alpha = this.#alpha;
    if (alpha === undefined) return undefined;
    const { width, height } = this.#size;
    if (this.#picture?.width !== width || this.#picture.height !== height) {
      this.#picture = createFrame(width, height, 3);
    }
    const data = this.#picture.data;
    for (let i = 0, o = 0; i < alpha.length; i++, o += 3) {
      data[o] = data[o + 1] = data[o + 2] = alpha[i];
    }
    return this.#picture;
  }
}
