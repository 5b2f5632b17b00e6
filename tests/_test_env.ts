/**
 * The environment the suite runs segcam in, so that no test ever reads the settings of the
 * user who runs it (~/.config/segcam/config.toml could set a camera, an effect or a bad
 * value and fail the suite). Every helper that starts segcam spreads TEST_ENV into the
 * child's environment, and importing this module points this process's own
 * XDG_CONFIG_HOME at the same empty folder, for tests that parse a command line in-process.
 * `deno task test` sets it too, for test files that import neither.
 */

/** A config folder with no segcam/ in it (tests/fixtures/config_home/README.md). */
export const EMPTY_CONFIG_HOME = new URL("./fixtures/config_home", import.meta.url).pathname;

/**
 * Deno's cache, named outright: a test that gives segcam its own HOME (to show where `~/`
 * leads) would otherwise send Deno looking for its cache, and the network, under that HOME.
 */
const DENO_DIR = Deno.env.get("DENO_DIR") ??
  (Deno.build.os === "darwin"
    ? `${Deno.env.get("HOME")}/Library/Caches/deno`
    : `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`}/deno`);

/**
 * Where segcam caches converted models (--model FILE.tflite) in tests: one folder of the
 * suite's, never the user's ~/.cache/segcam. Shared by runs: its files are keyed by content.
 */
export const TEST_CACHE_HOME = `${Deno.env.get("TMPDIR") ?? "/tmp"}/segcam-test-cache-${
  Deno.uid() ?? "user"
}`;

export const TEST_ENV: Readonly<Record<string, string>> = Object.freeze({
  NO_COLOR: "1",
  XDG_CONFIG_HOME: EMPTY_CONFIG_HOME,
  XDG_CACHE_HOME: TEST_CACHE_HOME,
  DENO_DIR,
});

Deno.env.set("XDG_CONFIG_HOME", EMPTY_CONFIG_HOME);
