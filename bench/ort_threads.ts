/**
 * How many inference threads, and whether they may spin: measured, per backend.
 *
 * onnxruntime's pool threads spin-wait after each run (`session.intra_op.allow_spinning`),
 * which makes back-to-back runs a little faster and burns a core between frames at 30 fps.
 * For each backend × threads × spinning this runs the landscape model (the live default)
 * back to back (median ms) and then paced at 30 runs a second for a few seconds, and
 * reports the CPU the process used meanwhile (cores). Each configuration runs in its own
 * process: onnxruntime-web fixes its thread count at the first session.
 */
import process from "node:process";
import { createOrtBackend, type Ort } from "../src/model/backend_ort.ts";
import { modelInfo } from "../src/model/models.ts";
import { median } from "./_stats.ts";

export interface ThreadRow {
  backend: "native" | "wasm";
  threads: number;
  spinning: boolean;
  medianMs: number;
  /** CPU cores used while running 30 inferences a second. */
  coresAt30fps: number;
}

const PACED_SECONDS = 4;

async function measure(backend: "native" | "wasm", threads: number, spinning: boolean) {
  const ort = backend === "native" ? await import("onnxruntime-node") : await (async () => {
    const web = await import("onnxruntime-web");
    web.env.wasm.numThreads = threads;
    return web;
  })();
  const model = modelInfo("landscape");
  const input = new Float32Array(3 * model.inputWidth * model.inputHeight).fill(0.5);
  const output = new Float32Array(model.inputWidth * model.inputHeight);
  const run = await createOrtBackend(
    ort as unknown as Ort,
    backend,
    model,
    await Deno.readFile(model.path),
    input,
    output,
    threads,
    { spinning },
  );
  for (let i = 0; i < 20; i++) await run.run();
  const samples: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    await run.run();
    samples.push(performance.now() - t);
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < PACED_SECONDS * 30; i++) {
    const due = t0 + (i + 1) * (1000 / 30);
    await run.run();
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - t0) / 1000;
  return {
    backend,
    threads,
    spinning,
    medianMs: median(samples),
    coresAt30fps: (cpu.user + cpu.system) / 1e6 / wall,
  };
}

export async function benchOrtThreads(): Promise<ThreadRow[]> {
  const rows: ThreadRow[] = [];
  for (const backend of ["native", "wasm"] as const) {
    for (const threads of [1, 2]) {
      for (const spinning of [true, false]) {
        const { stdout, success, stderr } = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "--allow-read",
            "--allow-env",
            "--allow-sys",
            "--allow-ffi",
            new URL(import.meta.url).pathname,
            backend,
            String(threads),
            String(spinning),
          ],
        }).output();
        if (!success) throw new Error(new TextDecoder().decode(stderr));
        rows.push(JSON.parse(new TextDecoder().decode(stdout).trim().split("\n").at(-1)!));
      }
    }
  }
  return rows;
}

if (import.meta.main) {
  if (Deno.args.length === 3) {
    const [backend, threads, spinning] = Deno.args;
    console.log(
      JSON.stringify(
        await measure(backend as "native" | "wasm", Number(threads), spinning === "true"),
      ),
    );
  } else {
    console.table(await benchOrtThreads());
  }
  Deno.exit(0); // onnxruntime-web's workers would keep the process alive
}
