/**
 * Rebuilds src/kernels/wasm/kernels.wasm from kernels.as (AssemblyScript) with a pinned compiler,
 * byte for byte (tests/kernels/wasm_kernels.test.ts checks that the committed file is what
 * this produces). The compiler is imported here only, so it never becomes a run-time
 * dependency of segcam.
 *
 *     deno task wasm                       # rewrites the committed kernels.wasm
 *     deno run ... scripts/build_wasm.ts --out /tmp/k.wasm
 */
import asc from "npm:assemblyscript@0.28.20/asc";
import { fileURLToPath } from "node:url";

const FOLDER = fileURLToPath(new URL("../src/kernels/wasm/", import.meta.url));
/**
 * AssemblyScript source under a name Deno leaves alone: as a .ts file, `deno fmt`, `deno
 * lint` and `deno check src/` would read it as TypeScript (v128, load<u8>, @inline).
 */
export const SOURCE = `${FOLDER}kernels.as`;
export const OUTPUT = `${FOLDER}kernels.wasm`;

/**
 * Flags: SIMD and relaxed SIMD on (kernels.as uses a relaxed op only where it provably
 * gives the strict op's result, so the bytes do not depend on the CPU); the stub runtime
 * and no abort import, as the kernels never allocate nor assert; memory imported so the
 * loader decides its size (the arena) at run time.
 */
const FLAGS = [
  "--optimizeLevel",
  "3",
  "--shrinkLevel",
  "0",
  "--runtime",
  "stub",
  "--enable",
  "simd,relaxed-simd",
  "--noAssert",
  "--importMemory",
  "--use",
  "abort=",
];

/** Compiles the kernels; returns the .wasm bytes. */
export async function buildWasm(): Promise<Uint8Array> {
  let binary: Uint8Array | undefined;
  const source = await Deno.readTextFile(SOURCE);
  // asc wants a .ts entry; it is handed the .as text under that name (paths in the binary
  // stay relative, so the bytes do not depend on where the repository lives).
  const { error, stderr } = await asc.main(["kernels.ts", "--outFile", "kernels.wasm", ...FLAGS], {
    readFile: (name: string) => name === "kernels.ts" ? source : null,
    writeFile(name: string, contents: Uint8Array | string) {
      if (name.endsWith(".wasm") && typeof contents !== "string") binary = contents;
    },
  });
  if (error) throw new Error(`asc failed: ${error.message}\n${stderr.toString()}`);
  if (!binary) throw new Error("asc produced no .wasm");
  return binary;
}

if (import.meta.main) {
  const at = Deno.args.indexOf("--out");
  const out = at >= 0 ? Deno.args[at + 1] : OUTPUT;
  const bytes = await buildWasm();
  await Deno.writeFile(out, bytes);
  console.log(`wrote ${out} (${bytes.length} bytes)`);
}
