/**
 * The Gaussian background blur's wasm passes timed apart at 720p (3 channels, the default
 * strength), on the scene of bench/kernels.ts (noise, a soft-edged elliptical person):
 * downsample (step 1), upsampleComposite (step 3) and the whole blurBackground. With
 * `--before other.wasm` (an older build of kernels.wasm, e.g. `deno task wasm` output kept
 * from before a change) the two builds are timed alternately in the same run, so that both
 * see the same load on a shared machine; medians of RUNS calls after warm-up.
 *
 *     deno run -A bench/blur_passes.ts [--before /tmp/kernels_before.wasm] [--rgba]
 */
import { defaultEffectSettings } from "../src/effects/effect.ts";
import { blurFactor, boxRadii } from "../src/kernels/blur.ts";
import { defaultMaskOptions } from "../src/kernels/mask.ts";
import { tsKernels } from "../src/kernels/wasm/wasm_kernels.ts";
import { median, printTable } from "./_stats.ts";

const WIDTH = 1280, HEIGHT = 720;
/** Channels of the frame and the output: 3, or 4 with `--rgba` (the pixel-by-pixel paths). */
const CHANNELS = Deno.args.includes("--rgba") ? 4 : 3;
const WARMUP = 30;
const RUNS = 200;

/** The blur's exports of kernels.wasm (all builds since the passes were exported). */
interface BlurExports {
  heapBase(): number;
  blurBackground(...args: number[]): void;
  downsample(...args: number[]): void;
  upsampleComposite(...args: number[]): void;
}

type Pass = "downsample" | "upsampleComposite" | "blurBackground";
const PASSES: Pass[] = ["downsample", "upsampleComposite", "blurBackground"];

/** One build, instantiated with its own memory and the scene laid out in it. */
function load(path: string | URL, frame: Uint8Array, alpha: Uint8Array): Record<Pass, () => void> {
  const module = new WebAssembly.Module(Deno.readFileSync(path));
  const memory = new WebAssembly.Memory({ initial: 512, maximum: 512 });
  const x = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as BlurExports;
  let top = x.heapBase();
  const take = (bytes: number) => {
    const at = top;
    top += Math.ceil((bytes + 64) / 16) * 16;
    return at;
  };
  const sigma = defaultEffectSettings.blur * HEIGHT;
  const f = blurFactor(sigma), lw = Math.ceil(WIDTH / f), lh = Math.ceil(HEIGHT / f);
  const radii = new Int32Array(3);
  boxRadii(sigma, f, radii);
  const src = take(frame.length), a = take(alpha.length), dst = take(frame.length);
  const low = take(lw * lh * 16), tmp = take(lw * lh * 16), sums = take(lw * 32);
  const upper = take(WIDTH * 16), lower = take(WIDTH * 16), cols = take(WIDTH * 12);
  new Uint8Array(memory.buffer).set(frame, src);
  new Uint8Array(memory.buffer).set(alpha, a);
  const n = WIDTH * 4;
  const whole = () =>
    x.blurBackground(
      ...[src, CHANNELS, a, dst, CHANNELS, WIDTH, HEIGHT, f, lw, lh, ...radii, low, tmp, sums],
      ...[upper, lower, cols, cols + n, cols + 2 * n],
    );
  return {
    // Each pass on its own: downsample overwrites the cells, which the whole blur (run
    // between the timed passes) makes again before upsampleComposite reads them.
    downsample: () => x.downsample(src, CHANNELS, a, WIDTH, HEIGHT, f, lw, lh, low, upper),
    upsampleComposite: () =>
      x.upsampleComposite(
        ...[src, CHANNELS, a, dst, CHANNELS, WIDTH, HEIGHT, f, lw, lh, low, upper, lower],
        ...[cols, cols + n, cols + 2 * n],
      ),
    blurBackground: whole,
  };
}

/** bench/kernels.ts fillScene: noise texture and an elliptical person with a soft edge. */
function scene(): { frame: Uint8Array; alpha: Uint8Array } {
  const frame = new Uint8Array(WIDTH * HEIGHT * CHANNELS), prob = new Uint8Array(WIDTH * HEIGHT);
  let seed = 12345;
  for (let i = 0; i < frame.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    frame[i] = (i % 251) ^ (seed >>> 24);
  }
  const cx = WIDTH / 2, cy = HEIGHT * 0.7, rx = WIDTH * 0.25, ry = HEIGHT * 0.55;
  const edge = 0.01 * HEIGHT / Math.min(rx, ry);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const d = Math.hypot((x - cx) / rx, (y - cy) / ry);
      prob[y * WIDTH + x] = Math.round(255 * Math.min(1, Math.max(0, (1 + edge - d) / (2 * edge))));
    }
  }
  const alpha = new Uint8Array(WIDTH * HEIGHT);
  tsKernels.refineMask(prob, WIDTH, HEIGHT, alpha, defaultMaskOptions);
  return { frame, alpha };
}

if (import.meta.main) {
  const at = Deno.args.indexOf("--before");
  const { frame, alpha } = scene();
  const builds: [string, Record<Pass, () => void>][] = [];
  if (at >= 0) builds.push(["before", load(Deno.args[at + 1], frame, alpha)]);
  builds.push([
    "now",
    load(new URL("../src/kernels/wasm/kernels.wasm", import.meta.url), frame, alpha),
  ]);
  const samples = builds.map(() => Object.fromEntries(PASSES.map((p) => [p, [] as number[]])));
  for (let run = -WARMUP; run < RUNS; run++) {
    for (let b = 0; b < builds.length; b++) {
      for (const pass of PASSES) {
        const t0 = performance.now();
        builds[b][1][pass]();
        const t1 = performance.now();
        if (run >= 0) samples[b][pass].push(t1 - t0);
      }
    }
  }
  printTable(PASSES.map((pass) => {
    const row: Record<string, string> = { pass: `${pass} ${WIDTH}x${HEIGHT}` };
    builds.forEach(([name], b) => row[`${name} ms`] = median(samples[b][pass]).toFixed(3));
    if (builds.length === 2) {
      row.speedup = `${(median(samples[0][pass]) / median(samples[1][pass])).toFixed(2)}x`;
    }
    return row;
  }));
}
