/**
 * `deno task eval:autoframe`: how well auto-framing (src/pipeline/autoframe.ts) frames
 * and how calmly it moves, on clips with the exact person mask of every frame
 * (../shared/data/motion, see its README) and on clips made from them with ffmpeg's pad
 * filter (on gray: on black the model misses a person that small), in a temporary folder:
 *
 *   <clip>         the clip as it is, 640x360;
 *   <clip>-wide    padded to 960x360 with the clip at the left: the person off centre;
 *   still-corner   `still` padded to 1280x720 at the bottom left (needs the full 2x);
 *   step           `still` in 1280x720, at the bottom left for 2 s, then at the bottom
 *                  right: a person who steps aside, from a standing start.
 *
 * Every frame goes through segcam's mask path (MaskStage, stream mode, defaults; with
 * --mask truth the exact mask instead, to measure the framing alone) and then the
 * auto-framing stage at its defaults (zoom at most 2), timed by the frames' timestamps.
 * The truth masks give the person's box. Per clip:
 *
 *   centre error  |person's centre − crop's centre| in % of the output's width (the crop
 *                 is shown at the output's width), mean and max once framed (from 1.5 s
 *                 after the start and after the step); where the person is nearer the
 *                 frame's edge than half the crop, no crop can centre them, and the
 *                 error is counted from the nearest centre a crop can have;
 *   move          how far the crop's edges move per frame, in output pixels, mean from
 *                 1.5 s on (0 for a crop that holds still);
 *   settle        seconds from the start (from the step, for `step`) until the centre
 *                 error stays within 10 % for the rest of the clip.
 *
 * --check exits 1 unless: every clip's centre error stays within 10 % once framed
 * (apart from `stride`, whose person runs to the frame's edge, where no crop can centre
 * them), `still`'s crop moves less than 0.5 output pixel per frame, and `step` settles
 * within 1.5 s. --json prints the figures as JSON; --frames N reads the first N frames.
 */
import { parseArgs } from "node:util";
import type { Frame } from "../src/frame.ts";
import { decodeArgs } from "../src/io/ffmpeg_args.ts";
import { FrameReader } from "../src/io/frame_reader.ts";
import { readImage } from "../src/io/image_file.ts";
import { chooseModel, createSegmenter, type Segmenter } from "../src/model/segmenter.ts";
import {
  createAutoframe,
  defaultAutoframeOptions,
  defaultAutoframeSettings,
  frameTarget,
} from "../src/pipeline/autoframe.ts";
import { defaultMaskStageSettings, MaskStage } from "../src/pipeline/mask_stage.ts";
import { printTable } from "../bench/_stats.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    data: { type: "string", default: "../shared/data/motion" },
    mask: { type: "string", default: "segcam" },
    frames: { type: "string" },
    clips: { type: "string" },
    json: { type: "boolean", default: false },
    check: { type: "boolean", default: false },
  },
});
const frameLimit = values.frames === undefined ? Infinity : Number(values.frames);
const useTruth = values.mask === "truth";
if (!["segcam", "truth"].includes(values.mask!)) fail(`--mask takes segcam or truth`);

/** Framed from here on (s): the time the issue gives the framing to settle. */
const FRAMED_AFTER = 1.5;
/** The centre error allowed once framed, as a fraction of the output's width. */
const MAX_CENTRE_ERROR = 0.1;
const FPS = 30;

function fail(message: string): never {
  console.error(`segcam eval:autoframe: ${message}`);
  Deno.exit(1);
}

/** A clip to measure: a video and where the 640x360 truth masks sit in it per frame. */
interface Clip {
  name: string;
  video: string;
  masks: string;
  width: number;
  height: number;
  /** The masks' offset in the clip's frame at frame `index`. */
  offset: (index: number) => [number, number];
  /** Settle is measured from this frame (the step), else from the start. */
  from: number;
}

async function ffmpeg(args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-y", ...args],
    stderr: "piped",
  }).output();
  if (code !== 0) fail(`ffmpeg ${args.join(" ")}: ${new TextDecoder().decode(stderr)}`);
}

const ENCODE = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "16", "-pix_fmt", "yuv420p"];

async function makeClips(data: string, temp: string): Promise<Clip[]> {
  const names = [...Deno.readDirSync(data)].filter((e) => e.isDirectory).map((e) => e.name).sort();
  if (names.length === 0) fail(`no clips in ${data}`);
  const clips: Clip[] = [];
  const video = (name: string) => `${data}/${name}/${name}.mp4`;
  const masks = (name: string) => `${data}/${name}/masks`;
  for (const name of names) {
    clips.push({
      name,
      video: video(name),
      masks: masks(name),
      width: 640,
      height: 360,
      offset: () => [0, 0],
      from: 0,
    });
    const wide = `${temp}/${name}-wide.mp4`;
    await ffmpeg(["-i", video(name), "-vf", "pad=960:360:0:0:color=gray", ...ENCODE, wide]);
    clips.push({
      name: `${name}-wide`,
      video: wide,
      masks: masks(name),
      width: 960,
      height: 360,
      offset: () => [0, 0],
      from: 0,
    });
  }
  if (names.includes("still")) {
    const corner = `${temp}/still-corner.mp4`;
    await ffmpeg(["-i", video("still"), "-vf", "pad=1280:720:0:360:color=gray", ...ENCODE, corner]);
    clips.push({
      name: "still-corner",
      video: corner,
      masks: masks("still"),
      width: 1280,
      height: 720,
      offset: () => [0, 360],
      from: 0,
    });
    const step = `${temp}/step.mp4`;
    const at = 2 * FPS;
    await ffmpeg([
      "-i",
      video("still"),
      "-filter_complex",
      `[0:v]split[a][b];[a]trim=end_frame=${at},pad=1280:720:0:360:color=gray[p];` +
      `[b]trim=start_frame=${at},setpts=PTS-STARTPTS,pad=1280:720:640:360:color=gray[q];` +
      `[p][q]concat=n=2:v=1[out]`,
      "-map",
      "[out]",
      ...ENCODE,
      step,
    ]);
    clips.push({
      name: "step",
      video: step,
      masks: masks("still"),
      width: 1280,
      height: 720,
      offset: (index) => index < at ? [0, 360] : [640, 360],
      from: at,
    });
  }
  const wanted = values.clips?.split(",");
  return wanted === undefined ? clips : clips.filter((c) => wanted.includes(c.name));
}

/** The truth mask of frame `index` at the clip's size, and the person's box in it. */
async function truthAt(
  clip: Clip,
  index: number,
  into: Uint8Array,
): Promise<{ cx: number; box: number[] } | undefined> {
  const image = await readImage(`${clip.masks}/${String(index).padStart(4, "0")}.png`);
  const [ox, oy] = clip.offset(index);
  into.fill(0);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (image.data[(y * image.width + x) * image.channels] > 127) {
        into[(y + oy) * clip.width + x + ox] = 255;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        y1 = y;
      }
    }
  }
  return x1 < 0
    ? undefined
    : { cx: ox + (x0 + x1 + 1) / 2, box: [ox + x0, oy + y0, ox + x1 + 1, oy + y1 + 1] };
}

interface Score {
  clip: string;
  size: string;
  frames: number;
  /** % of the output's width, from 1.5 s on. */
  centreErrorMean: number;
  centreErrorMax: number;
  /** Output pixels per frame, from 1.5 s on. */
  moveMean: number;
  /** Seconds (from the step for `step`), or null when it never settled. */
  settleS: number | null;
  /** The zoom at the end. */
  zoom: number;
}

async function evaluate(clip: Clip, segmenter: Segmenter | undefined): Promise<Score> {
  const { width, height } = clip;
  const frame: Frame = { data: new Uint8Array(width * height * 3), width, height, channels: 3 };
  const truth = new Uint8Array(width * height);
  const stage = segmenter === undefined ? undefined : new MaskStage(segmenter);
  const settings = { ...defaultMaskStageSettings, mode: "stream" as const };
  const framing = createAutoframe();
  const on = { on: true, zoom: defaultAutoframeSettings.zoom };
  const errors: number[] = [];
  const goal = { cx: 0, cy: 0, width: 0 };
  const moves: number[] = [];
  let last: [number, number, number, number] | undefined;
  let settledAt: number | null = null;
  let zoom = 1;
  const process = new Deno.Command("ffmpeg", {
    args: decodeArgs(clip.video, { pixFmt: "rgb24" }),
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = new FrameReader(process.stdout);
  let index = 0;
  for (; index < frameLimit && await reader.read(frame.data); index++) {
    const person = await truthAt(clip, index, truth);
    const alpha = stage === undefined ? truth : await stage.mask(frame, settings);
    const crop = framing.update(alpha, width, height, (index * 1000) / FPS, on);
    zoom = width / crop.width;
    const scale = width / crop.width; // frame pixels → output pixels
    const edges: [number, number, number, number] = [
      crop.x,
      crop.y,
      crop.x + crop.width,
      crop.y + crop.height,
    ];
    const t = index / FPS;
    if (last !== undefined && t >= FRAMED_AFTER) {
      moves.push(
        edges.reduce((sum, e, i) => sum + Math.abs(e - last![i]), 0) / 4 * scale,
      );
    }
    last = edges;
    if (person === undefined) continue;
    // Where a crop could put its centre: a person at the frame's edge cannot be centred
    // (the width is the one the truth calls for, not the crop's on its way there).
    const ideal = frameTarget(person.box, width, height, on.zoom, defaultAutoframeOptions, goal);
    const reachable = Math.min(width - ideal.width / 2, Math.max(ideal.width / 2, person.cx));
    const error = Math.abs(reachable - (crop.x + crop.width / 2)) / crop.width;
    // Framed: 1.5 s after the start, and after the step.
    const framed = t >= FRAMED_AFTER &&
      (index < clip.from || index >= clip.from + FRAMED_AFTER * FPS);
    if (framed) errors.push(error);
    if (index >= clip.from) {
      if (error > MAX_CENTRE_ERROR) settledAt = null;
      else settledAt ??= (index - clip.from) / FPS;
    }
  }
  await reader.cancel();
  await process.status;
  const mean = (xs: number[]) => xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    clip: clip.name,
    size: `${width}x${height}`,
    frames: index,
    centreErrorMean: Number((100 * mean(errors)).toFixed(2)),
    centreErrorMax: Number((100 * Math.max(...errors)).toFixed(2)),
    moveMean: Number(mean(moves).toFixed(3)),
    settleS: settledAt === null ? null : Number(settledAt.toFixed(2)),
    zoom: Number(zoom.toFixed(2)),
  };
}

const temp = await Deno.makeTempDir({ prefix: "segcam-eval-autoframe-" });
const scores: Score[] = [];
const segmenters = new Map<string, Segmenter>();
try {
  const clips = await makeClips(values.data!, temp);
  for (const clip of clips) {
    let segmenter: Segmenter | undefined;
    if (!useTruth) {
      const model = chooseModel("auto", clip.width, clip.height);
      if (!segmenters.has(model)) {
        segmenters.set(model, await createSegmenter({ backend: "auto", threads: 0, model }));
      }
      segmenter = segmenters.get(model);
    }
    scores.push(await evaluate(clip, segmenter));
    if (!values.json) console.error(`${clip.name}: done`);
  }
} finally {
  for (const segmenter of segmenters.values()) await segmenter.dispose();
  await Deno.remove(temp, { recursive: true });
}

if (values.json) console.log(JSON.stringify({ mask: values.mask, autoframe: scores }, null, 2));
else {
  console.log(`mask: ${useTruth ? "the exact masks" : "segcam's (MaskStage, stream)"}`);
  printTable(scores.map((s) => ({
    clip: s.clip,
    size: s.size,
    frames: s.frames,
    "centre error % (mean/max)": `${s.centreErrorMean.toFixed(1)} / ${s.centreErrorMax.toFixed(1)}`,
    "move px/frame": s.moveMean.toFixed(2),
    "settle s": s.settleS === null ? "never" : s.settleS.toFixed(2),
    zoom: s.zoom.toFixed(2),
  })));
}

if (values.check) {
  const problems: string[] = [];
  for (const s of scores) {
    if (!s.clip.startsWith("stride") && !(s.centreErrorMax <= 100 * MAX_CENTRE_ERROR)) {
      problems.push(`${s.clip}: centre error up to ${s.centreErrorMax} % of the width once framed`);
    }
    if (s.clip === "still" && !(s.moveMean < 0.5)) {
      problems.push(`still: the crop moves ${s.moveMean} output px per frame`);
    }
    if (s.clip === "step" && !(s.settleS !== null && s.settleS <= 1.5)) {
      problems.push(`step: settles after ${s.settleS ?? "never"} s`);
    }
  }
  if (problems.length > 0) fail(problems.join("; "));
}
Deno.exit(0);
