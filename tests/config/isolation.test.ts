/**
 * The suite never reads the settings of the user who runs it. A HOME whose
 * ~/.config/segcam/config.toml is hostile (the README's own example, which names a camera
 * and backgrounds this machine lacks; and one with bad values) breaks segcam when read,
 * and leaves the suite's helpers untouched.
 */
import assert from "node:assert/strict";
import { MAIN, PERMISSIONS, TEST_ENV, withTempDir } from "../cli/_run.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The ```toml block of the README's "Settings file" section, as a user would copy it. */
function readmeConfig(): string {
  const readme = Deno.readTextFileSync(`${ROOT}README.md`);
  const section = readme.slice(readme.indexOf("### Settings file"));
  const block = /```toml\n([\s\S]*?)```/.exec(section);
  assert.ok(block, "the README shows an example settings file");
  return block[1];
}

const HOSTILE: Record<string, string> = {
  "the README's example": readmeConfig(),
  "bad values": `[live]\nsize = "1280x720x"\nframes = "many"\ncamera = "/dev/video0"\n`,
};

for (const [name, config] of Object.entries(HOSTILE)) {
  Deno.test(`a hostile settings file in ~/.config (${name}) breaks segcam, not the suite`, async () => {
    await withTempDir(async (dir) => {
      const home = `${dir}/home`;
      await Deno.mkdir(`${home}/.config/segcam`, { recursive: true });
      const path = `${home}/.config/segcam/config.toml`;
      await Deno.writeTextFile(path, config);
      // Where a user's settings live, spelled both ways a user's environment spells it.
      const env = { ...TEST_ENV, HOME: home, XDG_CONFIG_HOME: `${home}/.config` };

      // Read as the user's own segcam reads it, the file stops segcam (exit 2, naming it).
      const direct = await new Deno.Command(Deno.execPath(), {
        args: ["run", ...PERMISSIONS, MAIN, "live", "-i", "demo", "-o", `${dir}/o.mp4`],
        env,
        stdin: "null",
      }).output();
      const stderr = new TextDecoder().decode(direct.stderr);
      assert.equal(direct.code, 2, stderr);
      assert.ok(stderr.startsWith(`segcam: ${path}: [live] `), stderr);

      // The suite's helpers, in a test run under that same environment, never see it.
      const run = await new Deno.Command(Deno.execPath(), {
        args: ["test", "--no-check", ...PERMISSIONS, "tests/config/_isolation_probe.ts"],
        cwd: ROOT,
        env,
        stdin: "null",
      }).output();
      const out = new TextDecoder().decode(run.stdout) + new TextDecoder().decode(run.stderr);
      assert.equal(run.code, 0, out);
      assert.match(out, /ok \| 3 passed \| 0 failed/);
    });
  });
}

Deno.test("deno task test and the helpers point XDG_CONFIG_HOME at one folder with no segcam/ in it", async () => {
  const tasks = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)).tasks;
  assert.match(
    tasks.test.command,
    /^XDG_CONFIG_HOME=\$PWD\/tests\/fixtures\/config_home deno test /,
  );
  assert.equal(TEST_ENV.XDG_CONFIG_HOME, `${ROOT}tests/fixtures/config_home`);
  // Importing the helpers pointed this process there too, for in-process parsing.
  assert.equal(Deno.env.get("XDG_CONFIG_HOME"), TEST_ENV.XDG_CONFIG_HOME);
  const names = [...Deno.readDirSync(TEST_ENV.XDG_CONFIG_HOME)].map((e) => e.name);
  assert.deepStrictEqual(names, ["README.md"]);
});
