/**
 * `segcam image` on a folder of portraits, with one worker and with one per core:
 * images per second, end to end (model loading, decoding, segmentation, blur, PNG or
 * JPEG encoding and writing included, as a user waits for it). Runs in-process through
 * runImage with the options main.ts would pass, so it measures segcam, not Deno's start.
 *
 *   deno run -A bench/images.ts [folder] [--limit N]
 */
import { cpuUsage } from "node:process";
import { parsedOptions } from "../tests/cli/_options.ts";
import { type ImageCommandOptions, runImage } from "../src/cli/image.ts";

export const PORTRAITS = new URL("../../shared/data/portraits/images", import.meta.url).pathname;

export interface ImagesBenchRun {
  jobs: number;
  seconds: number;
  imagesPerSecond: number;
  /** CPU time of all of segcam's threads over wall time: how many cores it kept busy. */
  coresBusy: number;
}

export interface ImagesBenchResult {
  folder: string;
  images: number;
  cores: number;
  /** jobs 1, then jobs = the core count (when more than 1). */
  runs: ImagesBenchRun[];
}

/**
 * Images per second on `folder` (default: the shared portraits) with 1 and with all
 * cores; undefined, with a note on stderr, when the folder is absent.
 */
export async function benchImages(
  options: { folder?: string; limit?: number; effect?: string } = {},
): Promise<ImagesBenchResult | undefined> {
  const folder = options.folder ?? PORTRAITS;
  let names: string[];
  try {
    names = [...Deno.readDirSync(folder)]
      .filter((e) => e.isFile && /\.(png|jpe?g)$/i.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    console.error(`bench/images: ${folder} is absent; skipping the image batch benchmark`);
    return undefined;
  }
  names = names.slice(0, options.limit ?? names.length);
  if (names.length === 0) return undefined;
  const cores = navigator.hardwareConcurrency || 1;
  const work = await Deno.makeTempDir({ prefix: "segcam-bench-images-" });
  try {
    // The inputs as links in a folder of their own, so that --limit takes a prefix.
    await Deno.mkdir(`${work}/in`);
    for (const name of names) await Deno.symlink(`${folder}/${name}`, `${work}/in/${name}`);
    const runs: ImagesBenchRun[] = [];
    for (const jobs of cores > 1 ? [1, cores] : [1]) {
      const output = `${work}/out${jobs}/`;
      const cli = await imageOptions(output, options.effect);
      const [start, cpu] = [performance.now(), cpuUsage()];
      await runImage([`${work}/in`], { ...cli, jobs });
      const seconds = (performance.now() - start) / 1000;
      const used = cpuUsage(cpu);
      const coresBusy = (used.user + used.system) / 1e6 / seconds;
      runs.push({ jobs, seconds, imagesPerSecond: names.length / seconds, coresBusy });
    }
    return { folder, images: names.length, cores, runs };
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/** What main.ts passes to runImage for `segcam image <any> -o output -e effect`. */
function imageOptions(output: string, effect = "blur"): Promise<ImageCommandOptions> {
  return parsedOptions<ImageCommandOptions>(["image", "any", "-o", output, "-e", effect]);
}

if (import.meta.main) {
  const limitAt = Deno.args.indexOf("--limit");
  const limit = limitAt >= 0 ? Number(Deno.args[limitAt + 1]) : undefined;
  const folder = Deno.args.find((a, i) =>
    !a.startsWith("--") && (limitAt < 0 || i !== limitAt + 1)
  );
  const result = await benchImages({ folder, limit });
  if (result !== undefined) {
    console.log(
      `segcam image, blur, ${result.images} images from ${result.folder} (${result.cores} cores):`,
    );
    for (const run of result.runs) {
      console.log(
        `  --jobs ${run.jobs}: ${run.imagesPerSecond.toFixed(2)} images/s ` +
          `(${run.seconds.toFixed(1)} s, ${run.coresBusy.toFixed(2)} cores busy)`,
      );
    }
  }
}
