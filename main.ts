/**
 * segcam's command tree. Only parsing lives here: each command's action lazily imports
 * its module under src/cli/, so `segcam --help` starts fast and a command pays only
 * for what it uses.
 */
import { Argument, Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { reportError, setQuiet, warn } from "./src/cli/_report.ts";
import { SegcamError } from "./src/errors.ts";
import type { Env } from "./src/config/config_file.ts";
import type { ImageCommandOptions } from "./src/cli/image.ts";
import type { VideoCommandOptions } from "./src/cli/video.ts";
import type { LiveCommandOptions } from "./src/cli/live.ts";
import type { ConvertCommandOptions } from "./src/cli/convert.ts";
import type { MaskCommandOptions } from "./src/cli/mask.ts";
import {
  addEffectOptions,
  addSettingOptions,
  DEFAULT_SMOOTHING,
  unusedOptionWarnings,
} from "./src/cli/_effect_options.ts";
import { attributeName, GLOBAL_SETTINGS, LIVE_SETTINGS } from "./src/settings.ts";
import type { EffectName } from "./src/effects/effect.ts";
import { STILL_IMAGE_FEATHER } from "./src/kernels/mask.ts";
import { capThreads } from "./src/options.ts";
import { fileURLToPath } from "node:url";
import denoJson from "./deno.json" with { type: "json" };

/**
 * The command line. `env` is where `live` finds its settings file (XDG_CONFIG_HOME, HOME):
 * the process's environment unless given, as tests do, which run side by side in one
 * process and must not point each other's parses at their own folders.
 */
export function buildProgram(env?: Env) {
  const program = new Command("segcam")
    .description(
      "Find the people in a picture, a video or a webcam feed and change what is behind them.",
    )
    .version(denoJson.version)
    // Set before the subcommands exist: commander copies these settings into each one, so
    // a mistake after a subcommand also reaches reportError (exit 2) and every
    // subcommand's --help lists the global options.
    .exitOverride()
    .configureHelp({ showGlobalOptions: true });
  addSettingOptions(program, GLOBAL_SETTINGS);
  program
    .showHelpAfterError("(run segcam --help for usage)")
    .configureOutput({
      outputError: (text, write) => write(`segcam: ${text.replace(/^error: /, "")}`),
    })
    .hook("preAction", async (_program, command) => {
      if (command.name() === "live") await applyConfigFile(program, command, env);
      if (command.name() === "image" || command.name() === "video") {
        // live is left out: its keys switch effects, so every effect option may be used.
        const given = (name: string) => command.getOptionValueSource(attributeName(name)) === "cli";
        for (const line of unusedOptionWarnings(command.opts().effect as EffectName, given)) {
          warn(line);
        }
      }
      const globals = command.optsWithGlobals() as { quiet: boolean; threads: number };
      setQuiet(globals.quiet);
      const fromFile = program.getOptionValueSource("threads") === "config"
        ? `threads = ${globals.threads} in the settings file`
        : undefined;
      const { threads, note } = capThreads(
        globals.threads,
        navigator.hardwareConcurrency,
        fromFile,
      );
      if (note) warn(note);
      program.setOptionValueWithSource("threads", threads, program.getOptionValueSource("threads"));
    });

  const convert = program.command("convert")
    .description("Convert a MediaPipe selfie segmentation .tflite model to ONNX")
    .argument("<input>", "the .tflite file")
    .requiredOption("-o, --output <file>", "where to write the .onnx file");
  addSettingOptions(convert, ["force"], {
    force: { help: "replace the output file if it exists" },
  });
  convert.action(async (input, _options, command) => {
    const { runConvert } = await import("./src/cli/convert.ts");
    await runConvert(input, command.optsWithGlobals() as unknown as ConvertCommandOptions);
  });

  const mask = program.command("mask")
    .description("Write the person mask of an image as an 8-bit grayscale PNG (255 = person)")
    .argument("<image>", "a PNG or JPEG file")
    .option(
      "-o, --output <mask.png>",
      "where to write the mask PNG (default: <stem>.mask.png beside the image)",
    )
    .option("--raw <file.f32>", "also write the model-size probability map as raw float32");
  addSettingOptions(mask, ["force"], { force: { help: "replace output files that exist" } });
  mask.action(async (image, _options, command) => {
    const { runMask } = await import("./src/cli/mask.ts");
    await runMask(image, command.optsWithGlobals() as unknown as MaskCommandOptions);
  });

  const image = program.command("image")
    .description("Change the background of still images (files, folders or globs)")
    .argument("<inputs...>", "PNG or JPEG files, folders, or quoted globs like 'photos/*.jpg'");
  addEffectOptions(image, { effect: "blur", feather: STILL_IMAGE_FEATHER });
  image.option("-o, --output <path>", "a folder for the results (or a file, for one input)");
  addSettingOptions(image, ["format", "quality", "force", "jobs"], {
    force: { help: "replace output files that exist" },
  });
  image
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
  addSettingOptions(video, ["autoframe", "autoframe-zoom"]);
  addSettingOptions(video, ["force"], { force: { help: "replace the output file if it exists" } });
  video
    .option(
      "-o, --output <file>",
      "the result: .mp4, .mkv, .mov or .webm (default: <stem>.<effect>.<ext> beside the input)",
    )
    .addHelpText(
      "after",
      "\nWith --effect transparent the output keeps an alpha channel: .webm (VP9) or .mov (ProRes 4444).\n" +
        "Examples:\n  segcam video talk.mp4 -o talk.blur.mp4\n" +
        "  segcam video talk.mp4 -o talk.beach.mp4 --effect replace --background beach.mp4",
    )
    .action(async (input, _options, command) => {
      // The input's ffprobe runs while the conversion's modules load (0.1 s).
      const { EarlyProbe } = await import("./src/io/probe.ts");
      const early = new EarlyProbe(input);
      try {
        const { runVideo } = await import("./src/cli/video.ts");
        await runVideo(input, command.optsWithGlobals() as unknown as VideoCommandOptions, early);
      } finally {
        await early.dispose();
      }
    });

  const live = program.command("live")
    .description(
      "Webcam → effect → virtual camera, with a status panel and keys (b d r x t n m, + - [ ] s o f p, space, q) and segcam ctl",
    );
  addSettingOptions(live, LIVE_SETTINGS, {
    background: {
      repeatable: true,
      help: "replace: a background image or video; repeat it, and key r cycles through them",
    },
  });
  live
    .addHelpText(
      "after",
      "\nEvery on/off option also has its opposite (--mirror and --no-mirror, --tui and --no-tui),\n" +
        "so the command line overrides the settings file both ways.\n" +
        "Examples:\n  segcam live --effect blur                 # first camera → first virtual camera\n" +
        "  segcam live --input demo -o demo.mp4 --duration 10\n" +
        "  segcam live -e replace -b office.jpg -b beach.mp4 -o /dev/video10",
    )
    .action(async (_options, command) => {
      const { runLive } = await import("./src/cli/live.ts");
      // What this parse was given (commander keeps it), for a reload to parse again.
      const args = (program as unknown as { rawArgs: string[] }).rawArgs;
      // A reload: the same command line over the settings file as it is now.
      const reread = () => rereadLiveOptions(args);
      await runLive({ ...liveOptions(command), reread });
    });

  program.command("devices")
    .description("List cameras and virtual cameras (v4l2loopback)")
    .action(async () => {
      const { runDevices } = await import("./src/cli/devices.ts");
      await runDevices();
    });

  program.command("models")
    .description(
      "List the built-in models and the .tflite models converted for --model FILE, with sizes, shapes and sources",
    )
    .action(async () => {
      const { runModels } = await import("./src/cli/models.ts");
      await runModels();
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
        "Settings: effect, blur, saturation, color, threshold, smoothing, mirror, autoframe, background,\n" +
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

function liveOptions(command: CommandUnknownOpts): LiveCommandOptions {
  return command.optsWithGlobals() as unknown as LiveCommandOptions;
}

/** `segcam live`'s options for `args` now (a reload re-reads the settings file through this). */
async function rereadLiveOptions(args: readonly string[]): Promise<LiveCommandOptions> {
  const program = buildProgram() as unknown as CommandUnknownOpts;
  const live = program.commands.find((c) => c.name() === "live")!;
  let seen: LiveCommandOptions | undefined;
  live.action((...received) => {
    seen = liveOptions(received.at(-1) as CommandUnknownOpts);
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
async function applyConfigFile(
  program: CommandUnknownOpts,
  live: CommandUnknownOpts,
  env: Env | undefined,
) {
  const { denoEnv } = await import("./src/config/config_file.ts");
  const { loadConfig } = await import("./src/config/apply_config.ts");
  await loadConfig({ program, live }, env ?? denoEnv, undefined, { warn });
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
    const { debug } = program.opts() as { debug?: boolean };
    code = reportError(error, debug === true || Deno.args.includes("--debug"));
  } finally {
    // Whatever went wrong, no ffmpeg child outlives segcam.
    const { stopAllChildren } = await import("./src/io/ffmpeg_process.ts");
    await stopAllChildren();
  }
  Deno.exit(code);
}
