import assert from "node:assert/strict";
import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { buildProgram } from "../../main.ts";
import { applyConfig, LIVE_KEYS, settingsInForce } from "../../src/config/apply_config.ts";
import { configPath, type Env, parseConfig, readConfigFile } from "../../src/config/config_file.ts";
import { configTemplate } from "../../src/config/template.ts";
import { UsageError } from "../../src/errors.ts";
import { defaultMaskStageSettings } from "../../src/pipeline/mask_stage.ts";
import { segcam, withTempDir } from "../cli/_run.ts";

/** The program with `live`'s action replaced by one that keeps the options it was given. */
function programCapturingLive(env?: Env) {
  const program = buildProgram(env);
  const live = program.commands.find((c) => c.name() === "live") as CommandUnknownOpts;
  const seen: { options?: Record<string, unknown> } = {};
  live.action((...args) => {
    seen.options = (args.at(-1) as CommandUnknownOpts).optsWithGlobals();
  });
  return { program: program as unknown as CommandUnknownOpts, live, seen };
}

/**
 * Runs `fn` with an environment whose XDG_CONFIG_HOME is a temporary folder holding
 * `config` (if given). The process's own environment is left alone: test files run side
 * by side in one process (--parallel), and one that set it would point another's parse,
 * or isolation.test.ts's check, at its folder.
 */
async function withConfig(
  config: string | undefined,
  fn: (dir: string, path: string, env: Env) => Promise<void>,
): Promise<void> {
  await withTempDir(async (dir) => {
    const path = `${dir}/segcam/config.toml`;
    if (config !== undefined) {
      await Deno.mkdir(`${dir}/segcam`);
      await Deno.writeTextFile(path, config);
    }
    await fn(dir, path, (name) => name === "XDG_CONFIG_HOME" ? dir : Deno.env.get(name));
  });
}

Deno.test("configPath() uses XDG_CONFIG_HOME, else ~/.config, and ignores a relative XDG_CONFIG_HOME", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.deepStrictEqual(
    configPath(env({ XDG_CONFIG_HOME: "/x", HOME: "/h" })),
    "/x/segcam/config.toml",
  );
  assert.deepStrictEqual(configPath(env({ HOME: "/h" })), "/h/.config/segcam/config.toml");
  assert.deepStrictEqual(
    configPath(env({ XDG_CONFIG_HOME: "rel", HOME: "/h" })),
    "/h/.config/segcam/config.toml",
  );
});

Deno.test("precedence: defaults < config < command line", async () => {
  const config = `[live]\nsize = "640x360"\nfps = 25\neffect = "desaturate"\nmirror = true\n` +
    `smoothing = 0.2\nbackend = "wasm"\n`;
  await withConfig(config, async (_dir, _path, env) => {
    const { program, seen } = programCapturingLive(env);
    await program.parseAsync(["live", "--fps", "15", "--smoothing", "0.9"], { from: "user" });
    const o = seen.options!;
    // command line
    assert.deepStrictEqual(o.fps, 15);
    assert.deepStrictEqual(o.smoothing, 0.9);
    // config
    assert.deepStrictEqual(o.size, "640x360");
    assert.deepStrictEqual(o.effect, "desaturate");
    assert.deepStrictEqual(o.mirror, true);
    assert.deepStrictEqual(o.backend, "wasm");
    // defaults
    assert.deepStrictEqual(o.blur, 0.03);
    assert.deepStrictEqual(o.secondLook, "auto");
    // Unset: yuyv422 to a virtual camera, rgb24 to -o - (live_args.ts).
    assert.deepStrictEqual(o.pixFmt, undefined);
  });
});

Deno.test("no config file: the live options are the defaults", async () => {
  await withConfig(undefined, async (_dir, _path, env) => {
    const { program, seen } = programCapturingLive(env);
    await program.parseAsync(["live"], { from: "user" });
    // No size or rate: live takes a camera's 1280x720@30 or a file's own.
    assert.deepStrictEqual(seen.options!.size, undefined);
    assert.deepStrictEqual(seen.options!.fps, undefined);
    assert.deepStrictEqual(seen.options!.mirror, false);
    // The mask stage's own default, the one value tuned on the motion clips.
    assert.deepStrictEqual(seen.options!.smoothing, defaultMaskStageSettings.smoothing);
  });
});

Deno.test("config: colours become RGB, backgrounds a list resolved from the config's folder and ~", () => {
  const text =
    `[live]\ncolor = "#00b140"\nbackground = ["office.jpg", "~/beach.mp4", "/abs/x.png"]\n` +
    `output = "/dev/video10"\ninput = "demo"\nkey-color = "lime"\n`;
  const { program, live } = programCapturingLive();
  const config = { path: "/cfg/segcam/config.toml", exists: true, live: parseConfig(text, "c") };
  applyConfig(config, { program, live }, (name) => name === "HOME" ? "/h" : undefined);
  const o = live.optsWithGlobals();
  assert.deepStrictEqual(o.color, [0, 0xb1, 0x40]);
  assert.deepStrictEqual(o.keyColor, [0, 0xff, 0]);
  assert.deepStrictEqual(o.background, [
    "/cfg/segcam/office.jpg",
    "/h/beach.mp4",
    "/abs/x.png",
  ]);
  assert.deepStrictEqual(o.output, "/dev/video10");
  assert.deepStrictEqual(o.input, "demo");
});

Deno.test("a -b on the command line replaces the config's backgrounds rather than adding to them", async () => {
  await withConfig(`[live]\nbackground = "/a.jpg"\n`, async (_dir, _path, env) => {
    const { program, seen } = programCapturingLive(env);
    await program.parseAsync(["live", "-b", "/b.jpg"], { from: "user" });
    assert.deepStrictEqual(seen.options!.background, ["/b.jpg"]);
  });
});

/** The UsageError message a config text produces (through the same path as `segcam live`). */
async function configError(text: string): Promise<string> {
  let message = "";
  await withConfig(text, async (_dir, path, env) => {
    const { program } = programCapturingLive(env);
    const error = await program.parseAsync(["live"], { from: "user" }).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(error instanceof UsageError, `a UsageError: ${error}`);
    assert.ok(!error.message.includes("\n"), `one line: ${error.message}`);
    assert.ok(error.message.includes(path));
    message = error.message.replace(path, "FILE");
  });
  return message;
}

Deno.test("bad config: each mistake is one line naming the file, the key and the fix", async () => {
  assert.deepStrictEqual(
    await configError(`[live]\neffect = "sparkle"\n`),
    'FILE: [live] effect = "sparkle": effect takes one of none, remove, replace, blur, desaturate, transparent; fix it or delete the line',
  );
  assert.deepStrictEqual(
    await configError(`[live]\nblur = 2\n`),
    "FILE: [live] blur = 2: blur takes a number from 0 to 0.5; fix it or delete the line",
  );
  assert.deepStrictEqual(
    await configError(`[live]\nfps = 0\n`),
    "FILE: [live] fps = 0: fps takes a whole number from 1 to 240; fix it or delete the line",
  );
  assert.deepStrictEqual(
    await configError(`[live]\nmirror = "yes"\n`),
    'FILE: [live] mirror = "yes": write true or false (without quotes)',
  );
  assert.deepStrictEqual(
    await configError(`[live]\nsize = true\n`),
    "FILE: [live] size = true: write a quoted string or a number",
  );
  assert.deepStrictEqual(
    await configError(`[live]\nbackground = [1, true]\n`),
    "FILE: [live] background = [1, true]: write a quoted string or a list of them",
  );
  assert.deepStrictEqual(
    await configError(`[live]\ncolour = "red"\n`),
    `FILE: unknown key "colour" in [live]; known keys: ${LIVE_KEYS.join(", ")}`,
  );
  assert.deepStrictEqual(
    await configError(`[live]\nkey_color = "red"\n`),
    'FILE: unknown key "key_color" in [live]; write it "key-color", as on the command line',
  );
  assert.deepStrictEqual(
    await configError(`effect = "blur"\n`),
    'FILE: key "effect" is outside a section; put it under [live]',
  );
  assert.deepStrictEqual(
    await configError(`[video]\neffect = "blur"\n`),
    "FILE: unknown section [video]; segcam reads only [live]: rename or remove it",
  );
  assert.deepStrictEqual(
    await configError(`[live]\nfps = \n`),
    "FILE: not valid TOML at line 2, column 7: invalid value; " +
      "fix that line (segcam config --init writes a commented example elsewhere)",
  );
});

Deno.test("the template parses, and with every line uncommented it is a valid config", () => {
  const { program, live } = programCapturingLive();
  const template = configTemplate();
  assert.deepStrictEqual(Object.keys(parseConfig(template, "t.toml")), []);
  // Every key once, each under its help, the table's range and default.
  assert.deepStrictEqual(
    [...template.matchAll(/^# ([a-z-]+) = /gm)].map((m) => m[1]),
    [...LIVE_KEYS],
  );
  assert.ok(
    template.includes(
      "# blur: strength as a fraction of the frame height (0 to 0.5)\n# blur = 0.03\n",
    ),
  );
  assert.ok(template.includes(`# smoothing = ${defaultMaskStageSettings.smoothing}\n`));
  // camera and input both name the source: a file holds one of them.
  const uncommented = template.replace(/^# ([a-z-]+ = )/gm, "$1").replace(/^input = .*\n/m, "");
  const table = parseConfig(uncommented, "/cfg/t.toml");
  assert.deepStrictEqual(Object.keys(table).length, LIVE_KEYS.length - 1);
  applyConfig({ path: "/cfg/t.toml", exists: true, live: table }, { program, live }, () => "/h");
  const settings = Object.fromEntries(settingsInForce({ program, live }).map((s) => [s.key, s]));
  assert.deepStrictEqual(settings.fps.source, "config");
  assert.deepStrictEqual(settings.fps.value, 30);
  assert.deepStrictEqual(settings.color.value, [255, 255, 255]);
  assert.deepStrictEqual(settings.background.value, [
    "/h/Pictures/office.jpg",
    "/h/Videos/beach.mp4",
  ]);
});

Deno.test("readConfigFile(): a missing file is an empty config", async () => {
  await withTempDir(async (dir) => {
    assert.deepStrictEqual(await readConfigFile(`${dir}/none.toml`), {
      path: `${dir}/none.toml`,
      exists: false,
      live: {},
    });
  });
});

Deno.test("segcam config prints the path and each setting with its source", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/segcam`);
    await Deno.writeTextFile(`${dir}/segcam/config.toml`, `[live]\nfps = 24\nmirror = true\n`);
    const r = await segcam(["config"], { XDG_CONFIG_HOME: dir });
    assert.deepStrictEqual(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n");
    assert.deepStrictEqual(lines[0], `config file: ${dir}/segcam/config.toml (exists)`);
    assert.deepStrictEqual(lines[1], "settings for segcam live:");
    const row = (key: string) => lines.find((l) => l.trimStart().startsWith(`${key} `))!.trim();
    assert.deepStrictEqual(row("fps").split(/\s+/), ["fps", "24", "config"]);
    assert.deepStrictEqual(row("mirror").split(/\s+/), ["mirror", "true", "config"]);
    assert.deepStrictEqual(row("size").split(/\s+/), ["size", "-", "unset"]);
    assert.deepStrictEqual(row("effect").split(/\s+/), ["effect", "blur", "default"]);
    assert.deepStrictEqual(row("camera").split(/\s+/), ["camera", "-", "unset"]);
  });
});

Deno.test("segcam config --init writes the template once and refuses to replace it", async () => {
  await withTempDir(async (dir) => {
    const first = await segcam(["config", "--init"], { XDG_CONFIG_HOME: dir });
    assert.deepStrictEqual(first.code, 0, first.stderr);
    const path = `${dir}/segcam/config.toml`;
    assert.deepStrictEqual(first.stdout, `Wrote a commented template to ${path}\n`);
    const text = await Deno.readTextFile(path);
    assert.ok(text.includes("[live]\n"));
    assert.ok(text.includes('# effect = "blur"\n'));
    await Deno.writeTextFile(path, "[live]\nfps = 24\n");
    const second = await segcam(["config", "--init"], { XDG_CONFIG_HOME: dir });
    assert.deepStrictEqual(second.code, 1);
    assert.deepStrictEqual(
      second.stderr,
      `segcam: Not writing a template over ${path}: it exists; edit it, or move it away and run segcam config --init again\n`,
    );
    assert.deepStrictEqual(await Deno.readTextFile(path), "[live]\nfps = 24\n");
    assert.deepStrictEqual([...Deno.readDirSync(`${dir}/segcam`)].map((e) => e.name), [
      "config.toml",
    ]);
  });
});

Deno.test("segcam live with a bad config: one line, exit 2, before any camera or model", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/segcam`);
    await Deno.writeTextFile(`${dir}/segcam/config.toml`, `[live]\nsmoothing = 3\n`);
    const r = await segcam(["live", "-i", "demo", "-o", `${dir}/x.mp4`], {
      XDG_CONFIG_HOME: dir,
    });
    assert.deepStrictEqual(r.code, 2);
    assert.deepStrictEqual(
      r.stderr,
      `segcam: ${dir}/segcam/config.toml: [live] smoothing = 3: smoothing takes a number from 0 to 1; fix it or delete the line\n`,
    );
  });
});
