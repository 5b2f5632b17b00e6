/**
 * `deno task bench [--json]`: every benchmark, printed as tables (or one JSON object).
 * Speed targets live here, never in tests: the machines are shared and noisy, so
 * report medians, and compare ratios measured in the same run.
 */
import { benchEffects } from "./effects.ts";
import { benchFirstMask, benchInference } from "./inference.ts";
import { printTable } from "./_stats.ts";

const json = Deno.args.includes("--json");
const fixed = (n: number) => Number(n.toFixed(2));

const inference = await benchInference();
const firstMaskMs = await benchFirstMask();
const effects = await benchEffects();

if (json) {
  console.log(JSON.stringify({ inference, firstMaskMs, effects }, null, 2));
} else {
  console.log(`\nInference (${navigator.hardwareConcurrency} cores), ms\n`);
  printTable(inference.map((r) => ({
    backend: r.backend,
    model: r.model,
    "load": fixed(r.loadMs),
    "first run": fixed(r.firstRunMs),
    "median": fixed(r.medianMs),
    "p10": fixed(r.p10Ms),
  })));
  console.log(`\nProcess start to first mask (segcam mask, median of 5): ${fixed(firstMaskMs)} ms`);
  console.log("\nEffects per frame, ms (median)\n");
  printTable(effects.map((r) => ({
    effect: r.effect,
    size: `${r.width}x${r.height}`,
    mask: fixed(r.maskMs),
    effect_ms: fixed(r.effectMs),
    total: fixed(r.totalMs),
  })));
}
Deno.exit(0); // onnxruntime-web's worker threads would keep the process alive
