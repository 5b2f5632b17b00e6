/**
 * The settings table (src/settings.ts) and what reads it: every live option can be set in
 * the settings file and overridden on the command line, both ways for flags; a source on
 * the command line replaces the file's; `segcam config` checks values and files.
 */
import assert from "node:assert/strict";
import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { buildProgram } from "../../main.ts";
import { unusedOptionWarnings } from "../../src/cli/_effect_options.ts";
import { UsageError } from "../../src/errors.ts";
import {
  attributeName,
  CONFIG_KEYS,
  LIVE_SETTINGS,
  parseFrameSize,
  type Setting,
  SETTINGS,
  SettingValueError,
} from "../../src/settings.ts";
import { segcam, withTempDir } from "../cli/_run.ts";

/** Parses `args` with XDG_CONFIG_HOME at a folder holding `toml`; the live options seen. */
async function liveOptions(
  toml: string,
  args: string[],
): Promise<{ options: Record<string, unknown>; sources: Record<string, string | undefined> }> {
  let result: Awaited<ReturnType<typeof liveOptions>> | undefined;
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/segcam`);
    await Deno.writeTextFile(`${dir}/segcam/config.toml`, toml);
    await Deno.writeTextFile(`${dir}/segcam/office.jpg`, "not read: only its existence is checked");
    // Its own environment, not the process's: test files run side by side in one process.
    const env = (name: string) => name === "XDG_CONFIG_HOME" ? dir : Deno.env.get(name);
    const program = buildProgram(env) as unknown as CommandUnknownOpts;
    const live = program.commands.find((c) => c.name() === "live")!;
    live.action((...received) => {
      const command = received.at(-1) as CommandUnknownOpts;
      const options = command.optsWithGlobals();
      const sources: Record<string, string | undefined> = {};
      for (const key of Object.keys(options)) {
        sources[key] = command.getOptionValueSourceWithGlobals(key);
      }
      result = { options, sources };
    });
    await program.parseAsync(["live", ...args], { from: "user" });
  });
  return result!;
}

/**
 * For each key of [live]: a value for the file, what it parses to, a different one for
 * the command line and what that parses to. Flags are tried both ways below.
 */
const VALUES: Record<string, [unknown, unknown, string, unknown]> = {
  camera: ['"/dev/video3"', "/dev/video3", "/dev/video4", "/dev/video4"],
  input: ['"udp://a:1"', "udp://a:1", "udp://b:2", "udp://b:2"],
  size: ['"640x360"', "640x360", "320x240", "320x240"],
  fps: ["25", 25, "15", 15],
  output: ['"/dev/video10"', "/dev/video10", "/dev/video11", "/dev/video11"],
  "pix-fmt": ['"mjpeg"', "mjpeg", "rgb24", "rgb24"],
  effect: ['"remove"', "remove", "desaturate", "desaturate"],
  background: ['"office.jpg"', ["<dir>/office.jpg"], "/b.jpg", ["/b.jpg"]],
  color: ['"red"', [255, 0, 0], "blue", [0, 0, 255]],
  blur: ["0.1", 0.1, "0.2", 0.2],
  "blur-shape": ['"lens"', "lens", "gaussian", "gaussian"],
  saturation: ["0.5", 0.5, "0.7", 0.7],
  threshold: ["0.3", 0.3, "0.6", 0.6],
  feather: ["0.01", 0.01, "0.02", 0.02],
  smoothing: ["0.2", 0.2, "0.4", 0.4],
  "second-look": ['"on"', "on", "off", "off"],
  "key-color": ['"blue"', [0, 0, 255], "#ff0000", [255, 0, 0]],
  frames: ["10", 10, "20", 20],
  duration: ["5", 5, "6", 6],
  backend: ['"wasm"', "wasm", "native", "native"],
  model: ['"general"', "general", "landscape", "landscape"],
  threads: ["1", 1, "2", 2],
  "autoframe-zoom": ["1.5", 1.5, "3", 3],
};

Deno.test("every option of segcam live is a key of [live], and every flag has a --no- form", () => {
  const program = buildProgram() as unknown as CommandUnknownOpts;
  const live = program.commands.find((c) => c.name() === "live")!;
  const longs = new Set(
    [...live.options, ...program.options].map((o) => o.long!.replace(/^--(no-)?/, "")),
  );
  longs.delete("version");
  assert.deepStrictEqual([...longs].sort(), [...CONFIG_KEYS].sort());
  for (const s of SETTINGS.filter((s) => s.kind === "flag")) {
    const holder = (s as Setting).global ? program : live;
    const names = holder.options.map((o) => o.long);
    assert.ok(names.includes(`--${s.name}`), `--${s.name}`);
    assert.ok(names.includes(`--no-${s.name}`), `--no-${s.name}`);
  }
});

Deno.test("every valued [live] key: the file sets it, the command line overrides it", async () => {
  const flags = SETTINGS.filter((s) => s.kind === "flag").map((s) => s.name as string);
  assert.deepStrictEqual(
    [...Object.keys(VALUES), ...flags].sort(),
    [...CONFIG_KEYS].sort(),
    "a test value for every key",
  );
  for (const [key, [fileText, fileValue, cliText, cliValue]] of Object.entries(VALUES)) {
    const name = attributeName(key);
    const fromFile = await liveOptions(`[live]\n${key} = ${fileText}\n`, []);
    const dir = (fromFile.options.background as string[])[0]?.replace(/\/segcam\/.*/, "");
    const expected = JSON.parse(JSON.stringify(fileValue).replace("<dir>", `${dir}/segcam`));
    assert.deepStrictEqual(fromFile.options[name], expected, `${key} from the file`);
    assert.deepStrictEqual(fromFile.sources[name], "config", key);
    const both = await liveOptions(`[live]\n${key} = ${fileText}\n`, [`--${key}`, cliText]);
    assert.deepStrictEqual(both.options[name], cliValue, `--${key} over the file`);
    assert.deepStrictEqual(both.sources[name], "cli", key);
  }
});

Deno.test("every flag: the file sets it, and --NAME or --no-NAME overrides it both ways", async () => {
  for (const s of SETTINGS.filter((s) => s.kind === "flag")) {
    const name = attributeName(s.name);
    for (const value of [true, false]) {
      const fromFile = await liveOptions(`[live]\n${s.name} = ${value}\n`, []);
      assert.deepStrictEqual(fromFile.options[name], value, `${s.name} = ${value}`);
      const flag = value ? `--no-${s.name}` : `--${s.name}`;
      const over = await liveOptions(`[live]\n${s.name} = ${value}\n`, [flag]);
      assert.deepStrictEqual(over.options[name], !value, `${flag} over ${s.name} = ${value}`);
      assert.deepStrictEqual(over.sources[name], "cli");
    }
  }
});

Deno.test("segcam live skips a background the file names that has gone, and keeps the rest", async () => {
  const r = await liveOptions(`[live]\nbackground = ["office.jpg", "gone.png"]\n`, []);
  const backgrounds = r.options.background as string[];
  assert.deepStrictEqual(backgrounds.length, 1);
  assert.ok(backgrounds[0].endsWith("/segcam/office.jpg"), backgrounds[0]);
  const none = await liveOptions(`[live]\neffect = "replace"\nbackground = "gone.png"\n`, []);
  assert.deepStrictEqual([none.options.effect, none.options.background], ["blur", []]);
});

Deno.test("effect = replace in the file, with -b on the command line, is complete", async () => {
  const r = await liveOptions(`[live]\neffect = "replace"\n`, ["-b", "/x.jpg"]);
  assert.deepStrictEqual([r.options.effect, r.options.background], ["replace", ["/x.jpg"]]);
});

Deno.test("a source on the command line replaces the file's: -i over camera, --camera over input", async () => {
  const a = await liveOptions(`[live]\ncamera = "/dev/video0"\nmirror = true\n`, ["-i", "demo"]);
  assert.deepStrictEqual(a.options.input, "demo");
  assert.deepStrictEqual(a.options.camera, undefined);
  assert.deepStrictEqual(a.options.mirror, true, "the rest of the file still applies");
  const b = await liveOptions(`[live]\ninput = "demo"\n`, ["--camera", "1"]);
  assert.deepStrictEqual([b.options.camera, b.options.input], ["1", undefined]);
});

/** The one-line error of parsing `live` with `toml` as the settings file, FILE for its path. */
async function fileError(toml: string): Promise<string> {
  const error = await liveOptions(toml, []).then(() => undefined, (e) => e);
  assert.ok(error instanceof UsageError, `a UsageError: ${error}`);
  return error.message.replace(/^\/\S+\/config\.toml/, "FILE").replace(/\/tmp\/\S+\/segcam/, "DIR");
}

Deno.test("file mistakes name the file and the key, never a flag", async () => {
  assert.deepStrictEqual(
    await fileError(`[live]\nsize = "1280x720x"\n`),
    'FILE: [live] size = "1280x720x": size takes WIDTHxHEIGHT like 1280x720; fix it or delete the line',
  );
  assert.deepStrictEqual(
    await fileError(`[live]\nsize = "1281x720"\n`),
    'FILE: [live] size = "1281x720": size takes an even width and height (video formats need it), like 1280x720; fix it or delete the line',
  );
  assert.deepStrictEqual(
    await fileError(`[live]\nkey-color = "plaid"\n`),
    'FILE: [live] key-color = "plaid": key-color takes a colour name (white, lime, …) or #rrggbb; fix it or delete the line',
  );
  assert.deepStrictEqual(
    await fileError(`[live]\noutput = "recordings/today.mp4"\n`),
    'FILE: [live] output = "recordings/today.mp4": DIR/recordings does not exist; fix the path or delete the line',
  );
  assert.deepStrictEqual(
    await fileError(`[live]\ninput = "."\n`),
    'FILE: [live] input = ".": DIR/. is not a file; fix the path or delete the line',
  );
  assert.deepStrictEqual(
    await fileError(`[live]\neffect = "replace"\n`),
    'FILE: [live] effect = "replace": replace needs a background; add background = "<image or video file>" under [live], or give -b <file>',
  );
  assert.deepStrictEqual(
    await fileError(`[live]\ncamera = "/dev/video0"\ninput = "demo"\n`),
    "FILE: [live] camera and input both name a source; keep one of them",
  );
});

Deno.test("a bad value in the file is reported even when the command line overrides it", async () => {
  // segcam config promises a file that works on its own, with or without flags.
  assert.match(
    await liveOptions(`[live]\nfps = 0\n`, ["--fps", "30"]).then(() => "", (e) => e.message),
    /\[live\] fps = 0: fps takes a whole number from 1 to 240/,
  );
});

Deno.test("segcam config refuses a bad value and a missing file with exit 2, naming file and key", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/segcam`);
    const path = `${dir}/segcam/config.toml`;
    await Deno.writeTextFile(path, `[live]\nsize = "1280x720x"\n`);
    const bad = await segcam(["config"], { XDG_CONFIG_HOME: dir });
    assert.deepStrictEqual(bad.code, 2);
    assert.deepStrictEqual(
      bad.stderr,
      `segcam: ${path}: [live] size = "1280x720x": size takes WIDTHxHEIGHT like 1280x720; fix it or delete the line\n`,
    );
    await Deno.writeTextFile(path, `[live]\nbackground = "~/office.jpg"\n`);
    const missing = await segcam(["config"], { XDG_CONFIG_HOME: dir, HOME: `${dir}/home` });
    assert.deepStrictEqual(missing.code, 2);
    assert.deepStrictEqual(
      missing.stderr,
      `segcam: ${path}: [live] background = "~/office.jpg": ${dir}/home/office.jpg does not exist; fix the path or delete the line\n`,
    );
    // The same file, for segcam live: the key is named, not a --background nobody typed,
    // and a picture that has gone does not keep the camera from starting.
    const live = await segcam(["live", "-i", "demo", "-o", `${dir}/o.mp4`, "--frames", "3"], {
      XDG_CONFIG_HOME: dir,
      HOME: `${dir}/home`,
    });
    assert.deepStrictEqual(live.code, 0, live.stderr);
    assert.ok(
      live.stderr.startsWith(
        `segcam: warning: ${path}: [live] background = "~/office.jpg": ${dir}/home/office.jpg does not exist; skipped it\n`,
      ),
      live.stderr,
    );
  });
});

Deno.test("segcam config lists every mistake of the file at once, one line each", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/segcam`);
    const path = `${dir}/segcam/config.toml`;
    await Deno.writeTextFile(
      path,
      `[live]\nsize = "1280x720x"\nmirorr = true\nbackground = "gone.jpg"\nfps = 24\n`,
    );
    const r = await segcam(["config"], { XDG_CONFIG_HOME: dir });
    assert.deepStrictEqual(r.code, 2);
    assert.deepStrictEqual(r.stdout, "");
    assert.deepStrictEqual(r.stderr.split("\n"), [
      `segcam: ${path}: unknown key "mirorr" in [live]; known keys: ${CONFIG_KEYS.join(", ")}`,
      `segcam: ${path}: [live] size = "1280x720x": size takes WIDTHxHEIGHT like 1280x720; fix it or delete the line`,
      `segcam: ${path}: [live] background = "gone.jpg": ${dir}/segcam/gone.jpg does not exist; fix the path or delete the line`,
      "",
    ]);
  });
});

Deno.test("threads = 1000 in the file: the note about the cores names the file's key, not --threads", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/segcam`);
    await Deno.writeTextFile(`${dir}/segcam/config.toml`, `[live]\nthreads = 1000\n`);
    // An unknown input stops live right after the options are merged: no model, no camera.
    const r = await segcam(["live", "-i", `${dir}/none.mp4`, "-o", `${dir}/o.mp4`], {
      XDG_CONFIG_HOME: dir,
    });
    assert.deepStrictEqual(r.code, 1);
    const cores = navigator.hardwareConcurrency;
    assert.deepStrictEqual(
      r.stderr.split("\n")[0],
      `segcam: warning: threads = 1000 in the settings file is more than this machine's ${cores} cores; using ${cores}`,
    );
  });
});

Deno.test("parseFrameSize() takes even WIDTHxHEIGHT from 16 to 4096 and says why it refuses", () => {
  assert.deepStrictEqual(parseFrameSize("1280x720"), "1280x720");
  assert.deepStrictEqual(parseFrameSize("16x4096"), "16x4096");
  const reason = (text: string) => {
    try {
      parseFrameSize(text);
      return "accepted";
    } catch (error) {
      assert.ok(error instanceof SettingValueError);
      return error.reason;
    }
  };
  assert.deepStrictEqual(reason("1280x720x"), "WIDTHxHEIGHT like 1280x720");
  assert.deepStrictEqual(reason("14x720"), "a width and height from 16 to 4096, like 1280x720");
  assert.deepStrictEqual(reason("4098x720"), "a width and height from 16 to 4096, like 1280x720");
  assert.deepStrictEqual(
    reason("641x480"),
    "an even width and height (video formats need it), like 1280x720",
  );
});

Deno.test("unusedOptionWarnings(): an effect option the effect does not read, and which effect would", () => {
  const given = (names: string[]) => (name: string) => names.includes(name);
  assert.deepStrictEqual(unusedOptionWarnings("blur", given(["background", "blur", "effect"])), [
    "--background is unused with --effect blur: only --effect replace reads it",
  ]);
  assert.deepStrictEqual(unusedOptionWarnings("remove", given(["color", "saturation"])), [
    "--saturation is unused with --effect remove: only --effect desaturate reads it",
  ]);
  assert.deepStrictEqual(unusedOptionWarnings("replace", given(["background"])), []);
  // Mask options serve every effect.
  assert.deepStrictEqual(unusedOptionWarnings("none", given(["threshold", "feather"])), []);
});

Deno.test("LIVE_SETTINGS and the table agree: each name is a row", () => {
  const names = new Set(SETTINGS.map((s) => s.name as string));
  for (const name of LIVE_SETTINGS) assert.ok(names.has(name), name);
});

Deno.test("the README's option tables show the settings table's defaults", () => {
  const readme = Deno.readTextFileSync(new URL("../../README.md", import.meta.url));
  let checked = 0;
  for (const row of readme.matchAll(/^\| `(?:-\w, )?--([a-z-]+)[^`|]*` *\|.*\| *(.*?) *\|$/gm)) {
    const [, name, shown] = row;
    const s = SETTINGS.find((s) => s.name === name) as Setting | undefined;
    // --no-tui's row, --size's (no default: the camera's or the file's), per-command ones.
    if (!s || s.default === undefined || name === "feather") continue;
    const expected = s.kind === "flag"
      ? (s.default ? "on" : "off")
      : s.defaultDescription ?? String(s.default);
    assert.ok(
      shown.includes(expected),
      `--${name}: the README says "${shown}", the table ${expected}`,
    );
    checked++;
  }
  assert.ok(checked >= 12, `${checked} rows checked`);
});
