/**
 * segcam's command tree. Only parsing lives here: each command's action lazily imports
 * its module under src/cli/, so `segcam --help` starts fast and a command pays only
 * for what it uses.
 */
import {
  Argument,
  Command,
  type CommandUnknownOpts,
  InvalidArgumentError,
  Option,
} from "@commander-js/extra-typings";
import { reportError, setQuiet, warn } from "./src/cli/_report.ts";
import { SegcamError } from "./src/errors.ts";
import type { ImageCommandOptions } from "./src/cli/image.ts";
import type { VideoCommandOptions } from "./src/cli/video.ts";
import type { LiveCommandOptions } from "./src/cli/live.ts";
import { addEffectOptions, DEFAULT_SMOOTHING } from "./src/cli/_effect_options.ts";
import { STILL_IMAGE_FEATHER } from "./src/kernels/mask.ts";
import { DEFAULT_JPEG_QUALITY } from "./src/io/jpeg.ts";
import { BACKEND_CHOICES, capThreads, defaultGlobalOptions, MODEL_CHOICES } from "./src/options.ts";
import { fileURLToPath } from "node:url";
import denoJson from "./deno.json" with { type: "json" };

function parseCount(label: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      throw new InvalidArgumentError(`${label} must be a whole number ≥ ${min}, got "${value}".`);
    }
    return n;
  };
}

export function buildProgram() {
  const program = new Command("segcam")
    .description(
      "Find the people in a picture, a video or a webcam feed and change what is behind them.",
    )
    .version(denoJson.version)
    // Set before the subcommands exist: commander copies these settings into each one, so
    // a mistake after a subcommand also reaches reportError (exit 2) and every
    // subcommand's --help lists the global options.
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .addOption(new Option("--debug", "print stack traces for errors").default(false))
    .addOption(
      new Option("-q, --quiet", "print only results, warnings and errors").default(false),
    )
    .addOption(
      new Option("--backend <name>", "inference backend: native (onnxruntime-node), wasm, or auto")
        .choices(BACKEND_CHOICES).default(defaultGlobalOptions.backend),
    )
    .addOption(
      new Option("--threads <n>", "inference threads (0: the backend decides; at most the cores)")
        .argParser(parseCount("--threads", 0)).default(defaultGlobalOptions.threads),
    )
    .addOption(
      new Option(
        "--model <name>",
        "segmentation model: general (256x256), landscape (144x256), or auto by aspect ratio",
      ).choices(MODEL_CHOICES).default(defaultGlobalOptions.model),
    )
    .showHelpAfterError("(run segcam --help for usage)")
    .configureOutput({
      outputError: (text, write) => write(`segcam: ${text.replace(/^error: /, "")}`),
    })
    .hook("preAction", async (_program, command) => {
      if (command.name() === "live") await applyConfigFile(program, command);
      const globals = command.optsWithGlobals() as { quiet: boolean; threads: number };
      setQuiet(globals.quiet);
      const { threads, note } = capThreads(globals.threads, navigator.hardwareConcurrency);
      if (note) warn(note);
      program.setOptionValueWithSource("threads", threads, program.getOptionValueSource("threads"));
    });

  program.command("convert")
    .description("Convert a MediaPipe selfie segmentation .tflite model to ONNX")
    .argument("<input>", "the .tflite file")
    .requiredOption("-o, --output <file>", "where to write the .onnx file")
    .option("-f, --force", "replace the output file if it exists", false)
    .action(async (input, options, command) => {
      const { runConvert } = await import("./src/cli/convert.ts");
      await runConvert(input, { ...options, ...command.optsWithGlobals() });
    });

  program.command("mask")
    .description("Write the person mask of an image as an 8-bit grayscale PNG (255 = person)")
    .argument("<image>", "a PNG or JPEG file")
    .requiredOption("-o, --output <mask.png>", "where to write the mask PNG")
    .option("--raw <file.f32>", "also write the model-size probability map as raw float32")
    .option("-f, --force", "replace output files that exist", false)
    .action(async (image, options, command) => {
      const { runMask } = await import("./src/cli/mask.ts");
      await runMask(image, { ...command.optsWithGlobals(), ...options });
    });

  const image = program.command("image")
    .description("Change the background of still images (files, folders or globs)")
    .argument("<inputs...>", "PNG or JPEG files, folders, or quoted globs like 'photos/*.jpg'");
  addEffectOptions(image, { effect: "blur", feather: STILL_IMAGE_FEATHER });
  image
    .option("-o, --output <path>", "a folder for the results (or a file, for one input)")
    .addOption(
      new Option("--format <ext>", "output format when naming files (default: the input's)")
        .choices(["png", "jpg"] as const),
    )
    .addOption(
      new Option("--quality <q>", "JPEG quality 1..100").argParser(parseCount("--quality", 1))
        .default(DEFAULT_JPEG_QUALITY),
    )
    .option("-f, --force", "replace output files that exist", false)
    .addOption(
      new Option(
        "-j, --jobs <n>",
        "images processed at once, one worker each (default and maximum: the core count)",
      ).argParser(parseCount("--jobs", 1)),
    )
    .addHelpText(
      "after",
      "\nResults are named <stem>.<effect>.png|jpg beside each input or in --output.\n" +
        "Examples:\n  segcam image photo.jpg --effect transparent\n" +
        "  segcam image 'shots/*.jpg' --effect replace --background beach.jpg -o out/",
    )
    .action(async (inputs, _options, command) => {
      const { runImage } = await import("./src/cli/image.ts");
      await runImage(inputs, command.optsWithGlobals() as unknown as ImageCommandOptions);
    });

  const video = program.command("video")
    .description("Change the background of a video file, keeping its frame rate and audio")
    .argument("<input>", "a video file ffmpeg can read");
  addEffectOptions(video, { effect: "blur", feather: 0, smoothing: DEFAULT_SMOOTHING });
  video
    .requiredOption("-o, --output <file>", "the result: .mp4, .mkv, .mov or .webm")
    .option("-f, --force", "replace the output file if it exists", false)
    .addHelpText(
      "after",
      "\nWith --effect transparent the output keeps an alpha channel: .webm (VP9) or .mov (ProRes 4444).\n" +
        "Examples:\n  segcam video talk.mp4 -o talk.blur.mp4\n" +
        "  segcam video talk.mp4 -o talk.beach.mp4 --effect replace --background beach.mp4",
    )
    .action(async (input, _options, command) => {
      const { runVideo } = await import("./src/cli/video.ts");
      await runVideo(input, command.optsWithGlobals() as unknown as VideoCommandOptions);
    });

  const live = program.command("live")
    .description(
      "Webcam → effect → virtual camera, with a status panel and keys (b d r t n m + - [ ] p q)",
    )
    .option("--camera <id>", "camera: index (0), path (/dev/video0) or part of its name")
    .option("-i, --input <source>", "instead of a camera: a video file, a URL, or demo")
    .option("--loop", "loop a file --input", false)
    .option("--size <WxH>", "frame size (default: 1280x720 from a camera, a file's own size)")
    .addOption(
      new Option("--fps <n>", "frames per second (default: 30 from a camera, a file's own rate)")
        .argParser(parseCount("--fps", 1)),
    )
    .option(
      "-o, --output <target>",
      "/dev/videoN (v4l2loopback), a file (.mp4 .mkv .webm .mov), a udp:// srt:// rtmp:// URL, or - for raw frames; default: the first virtual camera",
    )
    .option("--pix-fmt <fmt>", "pixel format for a v4l2 output", "yuyv422");
  addEffectOptions(live, {
    effect: "blur",
    feather: 0,
    repeatableBackground: true,
    smoothing: DEFAULT_SMOOTHING,
  });
  live
    .option("--mirror", "flip the picture left to right, as in a mirror (key f)", false)
    .option(
      "--key-color <colour>",
      "transparent on outputs without alpha: this key colour",
      "#00ff00",
    )
    .option("--no-tui", "print one status line a second instead of the panel")
    .option(
      "--no-on-demand",
      "virtual camera: keep the camera on while no application watches (default: off until one opens it)",
    )
    .addOption(
      new Option("--frames <n>", "stop after n frames").argParser(parseCount("--frames", 1)),
    )
    .addOption(
      new Option("--duration <s>", "stop after s seconds").argParser(parseCount("--duration", 1)),
    )
    .option("-f, --force", "replace an output file that exists", false)
    .addHelpText(
      "after",
      "\nExamples:\n  segcam live --effect blur                 # first camera → first virtual camera\n" +
        "  segcam live --input demo -o demo.mp4 --duration 10\n" +
        "  segcam live -e replace -b office.jpg -b beach.mp4 -o /dev/video10",
    )
    .action(async (_options, command) => {
      const { runLive } = await import("./src/cli/live.ts");
      // What this parse was given (commander keeps it), for a reload to parse again.
      const args = (program as unknown as { rawArgs: string[] }).rawArgs;
      // A reload: the same command line over the settings file as it is now.
      const reread = () => rereadLiveOptions(args);
      await runLive({ ...await liveOptions(command), reread });
    });

  program.command("devices")
    .description("List cameras and virtual cameras (v4l2loopback)")
    .action(async () => {
      const { runDevices } = await import("./src/cli/devices.ts");
      await runDevices();
    });

  program.command("ctl")
    .description(
      "Control a running segcam live: ctl blur, ctl background next, ctl set blur 5%, ctl pause, ctl status",
    )
    .argument("[command...]", "a command, as the keys send them (default: status)")
    .option(
      "--instance <name>",
      "which running segcam live, e.g. video10 (needed when several run)",
    )
    .option("--json", "print the reply as JSON, for scripts and status bars", false)
    .addHelpText(
      "after",
      "\nCommands: set NAME VALUE, add NAME DELTA, cycle NAME, get NAME, effect NAME (or blur,\n" +
        "desaturate, …), background next|prev|N, pause, resume, mask-view, status, reload, quit.\n" +
        "Settings: effect, blur, saturation, color, threshold, smoothing, mirror, background,\n" +
        "view, mask-out, paused, preview, strength. Exit codes: 0 done, 1 no instance or refused,\n" +
        "2 a bad command.",
    )
    .action(async (words, options) => {
      const { runCtl } = await import("./src/cli/ctl.ts");
      await runCtl(words, options);
    });

  program.command("config")
    .description(
      "Show the config file's path and the live settings in force, and where each comes from",
    )
    .option("--init", "write a commented template config file (never over an existing one)", false)
    .addHelpText(
      "after",
      "\nThe file is $XDG_CONFIG_HOME/segcam/config.toml (else ~/.config/segcam/config.toml);\n" +
        "its [live] section sets defaults for segcam live, and command-line options override them.",
    )
    .action(async (options) => {
      const { runConfig } = await import("./src/cli/config.ts");
      await runConfig(options, { program, live });
    });

  program.command("service")
    .description("Run segcam live as a systemd user service, from login (Linux)")
    .addArgument(
      new Argument("<action>", "install, uninstall or status")
        .choices(["install", "uninstall", "status"] as const),
    )
    .addHelpText(
      "after",
      "\ninstall writes ~/.config/systemd/user/segcam.service (ExecStart: the installed segcam,\n" +
        "live --no-tui; settings from the config file) and runs systemctl --user enable --now.",
    )
    .action(async (action) => {
      const { runService } = await import("./src/cli/service.ts");
      await runService(action, { program, live });
    });

  return program;
}

async function liveOptions(command: CommandUnknownOpts): Promise<LiveCommandOptions> {
  const { parseColor } = await import("./src/effects/parse_color.ts");
  const options = command.optsWithGlobals() as unknown as LiveCommandOptions & {
    keyColor: string | [number, number, number];
  };
  if (typeof options.keyColor === "string") options.keyColor = parseColor(options.keyColor);
  return options as LiveCommandOptions;
}

/** `segcam live`'s options for `args` now (a reload re-reads the settings file through this). */
async function rereadLiveOptions(args: readonly string[]): Promise<LiveCommandOptions> {
  const program = buildProgram() as unknown as CommandUnknownOpts;
  const live = program.commands.find((c) => c.name() === "live")!;
  let seen: LiveCommandOptions | undefined;
  live.action(async (...received) => {
    seen = await liveOptions(received.at(-1) as CommandUnknownOpts);
  });
  // Commander prints its own errors; here they must come back as the reload's answer.
  for (const c of [program, live]) c.configureOutput({ writeErr: () => {}, outputError: () => {} });
  try {
    await program.parseAsync([...args], { from: "user" });
  } catch (error) {
    throw error instanceof Error && "exitCode" in error && !(error instanceof SegcamError)
      ? new SegcamError(error.message.replace(/^error: /, ""))
      : error;
  }
  return seen!;
}

/** Defaults from the config file, under whatever the command line set (defaults < config < cli). */
async function applyConfigFile(program: CommandUnknownOpts, live: CommandUnknownOpts) {
  const { configPath, denoEnv, readConfigFile } = await import("./src/config/config_file.ts");
  const { applyConfig } = await import("./src/config/apply_config.ts");
  applyConfig(await readConfigFile(configPath(denoEnv)), { program, live }, denoEnv);
}

if (import.meta.main) {
  // `deno task` runs in the project's folder and says where the user was in INIT_CWD;
  // go back there so that relative paths mean what the user typed. models/ and the demo
  // photo are found from import.meta.url, not from the working folder.
  // Only when started in the project's folder: npm sets INIT_CWD too, and an installed
  // segcam run from an npm script must keep the folder it was given.
  const initCwd = Deno.env.get("INIT_CWD");
  if (initCwd && Deno.cwd() === fileURLToPath(new URL(".", import.meta.url)).replace(/\/$/, "")) {
    Deno.chdir(initCwd);
  }
  const program = buildProgram();
  let code = 0;
  try {
    await program.parseAsync(Deno.args, { from: "user" });
  } catch (error) {
    code = reportError(error, program.opts().debug || Deno.args.includes("--debug"));
  } finally {
    // Whatever went wrong, no ffmpeg child outlives segcam.
    const { stopAllChildren } = await import("./src/io/ffmpeg_process.ts");
    await stopAllChildren();
  }
  Deno.exit(code);
}
