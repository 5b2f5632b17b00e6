/**
 * Run by isolation.test.ts as its own `deno test`, under a HOME and XDG_CONFIG_HOME that
 * hold a hostile settings file: what the suite's helpers do must not see it. Not a test
 * file of its own (no `.test.` in the name): under a friendly HOME it proves nothing.
 */
import assert from "node:assert/strict";
import { DEFAULT_SMOOTHING } from "../../src/cli/_effect_options.ts";
import { parsedOptions } from "../cli/_options.ts";
import { segcam, withTempDir } from "../cli/_run.ts";

Deno.test("probe: segcam live -i demo records two frames", async () => {
  await withTempDir(async (dir) => {
    const args = ["live", "-i", "demo", "--size", "160x120", "--frames", "2", "-o", `${dir}/o.mp4`];
    const r = await segcam(args);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await Deno.stat(`${dir}/o.mp4`)).size > 0);
  });
});

Deno.test("probe: a live command line parsed in this process has the defaults", async () => {
  const o = await parsedOptions<Record<string, unknown>>(["live", "-i", "demo"]);
  assert.deepStrictEqual(
    [o.effect, o.mirror, o.camera, o.output, o.smoothing],
    ["blur", false, undefined, undefined, DEFAULT_SMOOTHING],
  );
});

Deno.test("probe: segcam config finds no settings file", async () => {
  const r = await segcam(["config"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^config file: .*\/tests\/fixtures\/config_home\/segcam\/config\.toml \(not found; defaults apply\)\n/,
  );
});
