/**
 * Damaged model weights are refused at load (issue 14, defect 7): models/ holds the
 * checksums `deno task models` wrote, and a model that differs is named in one line
 * with the fix. The run uses a copy of segcam whose model has 8 bytes overwritten.
 */
import assert from "node:assert/strict";
import { PERMISSIONS, PHOTO } from "../cli/_run.ts";
import { checksumText } from "../../src/model/models.ts";
import { oneLine, withDir } from "./_isolated.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** segcam's code and models copied into `dir` (node_modules linked, not copied). */
async function copyOfSegcam(dir: string): Promise<void> {
  for (const item of ["main.ts", "deno.json", "deno.lock", "src", "models"]) {
    const { code } = await new Deno.Command("cp", { args: ["-r", `${ROOT}${item}`, dir] }).output();
    assert.equal(code, 0, `copy ${item}`);
  }
  await Deno.symlink(`${ROOT}node_modules`, `${dir}/node_modules`);
}

async function mask(dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...PERMISSIONS,
      `${dir}/main.ts`,
      "mask",
      PHOTO,
      "-o",
      `${dir}/m.png`,
      "--model",
      "general",
    ],
    env: { NO_COLOR: "1", XDG_CONFIG_HOME: dir },
    stdin: "null",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test("the checksum file in models/ matches the models in the repository", async () => {
  const files = await Promise.all(
    ["selfie_general.onnx", "selfie_landscape.onnx"].map(async (name) => ({
      name,
      bytes: await Deno.readFile(`${ROOT}models/${name}`),
    })),
  );
  assert.equal(await Deno.readTextFile(`${ROOT}models/SHA256SUMS`), await checksumText(files));
});

Deno.test("segcam refuses a model with 8 bytes overwritten, naming it and `deno task models`", async () => {
  await withDir(async (dir) => {
    await copyOfSegcam(dir);
    const model = `${dir}/models/selfie_general.onnx`;
    const bytes = await Deno.readFile(model);
    // Inside the weights (the last initializer), not the graph: it still loads and runs.
    bytes.set(new Uint8Array(8).fill(0x7f), bytes.length - 4096);
    await Deno.writeFile(model, bytes);
    const r = await mask(dir);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      oneLine(r),
      `segcam: The general model ${model} is damaged (its sha256 is not the one in SHA256SUMS); run \`deno task models\` to rebuild it`,
    );
    await Deno.remove(`${dir}/models/SHA256SUMS`);
    const missing = await mask(dir);
    assert.equal(missing.code, 1, missing.stderr);
    assert.match(
      oneLine(missing),
      /SHA256SUMS is missing, so it may be damaged; run `deno task models`/,
    );
    assert.ok(!(await Deno.stat(`${dir}/m.png`).then(() => true, () => false)), "no mask written");
  });
});
