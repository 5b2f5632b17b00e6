/**
 * Camera-like versions of the motion clips (../shared/data/motion), with their exact
 * masks kept, for tuning the mask stage's memory on what a webcam and a video call do to
 * a picture rather than on clean Gaussian noise (issue 15):
 *
 *   motion blur   each frame is the mean of the source frames its shutter spans, so only
 *                 the moving person smears (the backgrounds are still);
 *   exposure      auto-exposure hunting: a slow gain swing of ±8 % (4.3 s period) and a
 *                 0.6 % jitter per frame;
 *   MJPEG         the webcam's USB link (quality 6 of 2..31 at 640x360, about what
 *                 cheap UVC cameras send);
 *   H.264         the call: libx264 at --kbps (default 400, a 360p call), zerolatency
 *                 (no B-frames) and a 4 s GOP, as WebRTC encoders do.
 *
 * Besides each clip at its own speed, `dash` is `stride` at 3x (every third frame, the
 * shutter spanning the three): 570 px/s, the fast motion the raw model must never be
 * ahead of. Masks are the source's exact masks of the frames kept.
 *
 *     deno run --allow-read --allow-write --allow-run scripts/make_camera_clips.ts \
 *       --out /tmp/segcam-camera [--from ../shared/data/motion] [--kbps 400]
 *
 * The output folder has the motion folder's layout (<clip>/<clip>.mp4, <clip>/masks/),
 * so `deno task eval --video /tmp/segcam-camera` reads it. Never write it into the
 * repository or ../shared/data: the frames carry the source photos' licences.
 */
import { parseArgs } from "node:util";
import { decodeArgs } from "../src/io/ffmpeg_args.ts";
import { FrameReader } from "../src/io/frame_reader.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    from: { type: "string", default: "../shared/data/motion" },
    out: { type: "string" },
    kbps: { type: "string", default: "400" },
  },
});
if (values.out === undefined) {
  console.error("make_camera_clips: --out DIR is required (a folder outside the repository)");
  Deno.exit(2);
}
const FROM = values.from!, OUT = values.out, KBPS = Number(values.kbps);
const WIDTH = 640, HEIGHT = 360, FPS = 30;

/** name: source clip, frames of the source per output frame (speed). */
const CLIPS: Record<string, { source: string; speed: number }> = {
  still: { source: "still", speed: 1 },
  sway: { source: "sway", speed: 1 },
  lean: { source: "lean", speed: 1 },
  stride: { source: "stride", speed: 1 },
  dash: { source: "stride", speed: 3 },
};

/** A deterministic generator (mulberry32), so the same inputs give the same clips. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function readAll(path: string): Promise<Uint8Array[]> {
  const child = new Deno.Command("ffmpeg", {
    args: decodeArgs(path, { pixFmt: "rgb24" }),
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = new FrameReader(child.stdout);
  const frames: Uint8Array[] = [];
  for (;;) {
    const frame = new Uint8Array(WIDTH * HEIGHT * 3);
    if (!(await reader.read(frame))) break;
    frames.push(frame);
  }
  const { code } = await child.status;
  if (code !== 0) throw new Error(`ffmpeg could not decode ${path} (exit ${code})`);
  return frames;
}

async function build(name: string, source: string, speed: number): Promise<void> {
  const frames = await readAll(`${FROM}/${source}/${source}.mp4`);
  await Deno.mkdir(`${OUT}/${name}/masks`, { recursive: true });
  const size = `${WIDTH}x${HEIGHT}`;
  // MJPEG (the camera) piped into H.264 (the call): the artefacts of both, in this order.
  const camera = new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", size, "-r", `${FPS}`]
      .concat(["-i", "-", "-c:v", "mjpeg", "-q:v", "6", "-pix_fmt", "yuvj422p", "-f", "mjpeg"])
      .concat(["-"]),
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const call = new Deno.Command("ffmpeg", {
    // One thread: x264's rate control under VBV with sliced threads depends on their
    // timing, so two runs drifted apart from frame 44 of stride on, and CI's IoU margin
    // on the camera clips moved with the run (0.8776 against 0.8718 for the same build).
    args: ["-v", "error", "-y", "-f", "mjpeg", "-r", `${FPS}`, "-i", "-", "-c:v", "libx264"]
      .concat(["-threads", "1"])
      .concat(["-preset", "veryfast", "-tune", "zerolatency", "-b:v", `${KBPS}k`])
      .concat(["-maxrate", `${KBPS}k`, "-bufsize", `${KBPS / 2}k`, "-g", `${4 * FPS}`])
      .concat(["-pix_fmt", "yuv420p", `${OUT}/${name}/${name}.mp4`]),
    stdin: "piped",
  }).spawn();
  const piped = camera.stdout.pipeTo(call.stdin);
  const writer = camera.stdin.getWriter();
  const next = random(name.length * 7919 + speed);
  const out = new Uint8Array(WIDTH * HEIGHT * 3);
  const sum = new Float32Array(out.length);
  let index = 0;
  for (let t = 0; t + speed <= frames.length; t += speed, index++) {
    // The shutter: at speed 1 the frame and half of each neighbour (a 1/30 s exposure
    // over positions sampled every 1/30 s), at speed k the k source frames it spans.
    sum.fill(0);
    const taps = speed === 1
      ? [[t - 1, 0.25], [t, 0.5], [t + 1, 0.25]]
      : Array.from({ length: speed }, (_, k) => [t + k, 1 / speed]);
    for (const [at, weight] of taps) {
      const frame = frames[Math.min(frames.length - 1, Math.max(0, at))];
      for (let i = 0; i < sum.length; i++) sum[i] += frame[i] * weight;
    }
    const seconds = index / FPS;
    const gain = 1 + 0.08 * Math.sin(2 * Math.PI * seconds / 4.3) + 0.006 * (2 * next() - 1);
    for (let i = 0; i < out.length; i++) out[i] = Math.min(255, Math.round(sum[i] * gain));
    await writer.write(out);
    const mask = String(t).padStart(4, "0"), kept = String(index).padStart(4, "0");
    await Deno.copyFile(`${FROM}/${source}/masks/${mask}.png`, `${OUT}/${name}/masks/${kept}.png`);
  }
  await writer.close();
  await piped;
  const [a, b] = await Promise.all([camera.status, call.status]);
  if (!a.success || !b.success) throw new Error(`ffmpeg failed on ${name}`);
  console.log(`${OUT}/${name}: ${index} frames`);
}

for (const [name, { source, speed }] of Object.entries(CLIPS)) {
  await build(name, source, speed);
}
