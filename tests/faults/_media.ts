/**
 * Builders of the ordinary-but-awkward video files of issue 9, each a few frames at
 * 160x120 from lavfi sources, in well under a second: what phones, screen recorders
 * and cut downloads produce.
 */

import { ffmpeg } from "../_media.ts";

const PICTURE = (seconds: number, fps = 25, size = "160x120") => [
  "-f",
  "lavfi",
  "-i",
  `testsrc2=s=${size}:r=${fps}:d=${seconds}`,
];
const TONE = (seconds: number) => ["-f", "lavfi", "-i", `sine=frequency=440:d=${seconds}`];
const H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"];

/** 3 s of picture at 25 fps (75 frames) with 2 s of sound. */
export async function shortAudio(path: string): Promise<void> {
  await ffmpeg([
    ...PICTURE(3),
    ...TONE(2),
    "-map",
    "0:v",
    "-map",
    "1:a",
    ...H264,
    "-c:a",
    "aac",
    path,
  ]);
}

/**
 * Variable frame rate, as the recipe: of 3 s at 30 fps, the first 20 frames and
 * then every third one (43 frames, timestamps on a 1/30 s grid, last at 2.9 s, so
 * 88 frames at a constant 30 fps). With `audio`, a tone for the whole length.
 */
export async function variableRate(path: string, options: { audio?: boolean } = {}): Promise<void> {
  await ffmpeg([
    ...PICTURE(3, 30),
    ...(options.audio ? TONE(3) : []),
    "-vf",
    String.raw`select='not(mod(n\,3))+lt(n\,20)'`,
    "-vsync",
    "vfr",
    ...(options.audio ? ["-map", "0:v", "-map", "1:a", "-c:a", "aac", "-shortest"] : []),
    ...H264,
    path,
  ]);
}

/** 161x121 (odd both ways), 10 frames; stored as 4:4:4 H.264, which allows odd sizes. */
export async function oddSize(path: string): Promise<void> {
  await ffmpeg([
    ...PICTURE(0.4),
    "-vf",
    "scale=161:121",
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-pix_fmt",
    "yuv444p",
    path,
  ]);
}

/** A fast-start mp4 (index first) with `seconds` of picture and sound. */
export async function fastStart(path: string, seconds = 2): Promise<void> {
  await ffmpeg([
    ...PICTURE(seconds),
    ...TONE(seconds),
    ...H264,
    "-c:a",
    "aac",
    "-movflags",
    "+faststart",
    path,
  ]);
}

/** Offset of the top-level mp4 box `type` (its size field), or -1. */
function boxOffset(bytes: Uint8Array, type: string): number {
  let at = 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while (at + 8 <= bytes.length) {
    const size = view.getUint32(at);
    const name = new TextDecoder().decode(bytes.subarray(at + 4, at + 8));
    if (name === type) return at;
    if (size < 8) return -1;
    at += size;
  }
  return -1;
}

/**
 * A valid header and no frames: a fast-start mp4 kept up to its media data box plus
 * 100 bytes (the recipe), so the index promises 50 frames that are not there.
 */
export async function noFrames(path: string): Promise<void> {
  await fastStart(path);
  const bytes = await Deno.readFile(path);
  const mdat = boxOffset(bytes, "mdat");
  if (mdat < 0) throw new Error(`no mdat box in ${path}`);
  await Deno.writeFile(path, bytes.subarray(0, mdat + 100));
}

/** The first half of a 2 s fast-start mp4 (50 frames declared, about 20 decodable). */
export async function truncated(path: string): Promise<void> {
  await fastStart(path);
  const bytes = await Deno.readFile(path);
  await Deno.writeFile(path, bytes.subarray(0, bytes.length >> 1));
}

/** 8200x16, 2 frames: over the 8192-pixel side limit, yet tiny. */
export async function tooWide(path: string): Promise<void> {
  await ffmpeg([...PICTURE(0.08, 25, "8200x16"), ...H264, path]);
}

/** An mp3 with cover art: a still picture stream (attached_pic) and 1 s of sound. */
export async function coverArt(path: string): Promise<void> {
  await ffmpeg([
    ...TONE(1),
    "-f",
    "lavfi",
    "-i",
    "color=red:s=64x64:d=0.04",
    "-map",
    "0",
    "-map",
    "1",
    "-c:a",
    "libmp3lame",
    "-c:v",
    "mjpeg",
    "-disposition:v",
    "attached_pic",
    path,
  ]);
}

/**
 * 2 s of picture (50 frames) with two text subtitles ("hello", "world") that end at
 * 0.9 s, as subrip in .mkv or mov_text in .mp4, and `audioSeconds` of sound (0: none).
 */
export async function withSubtitles(
  path: string,
  options: { audioSeconds?: number } = {},
): Promise<void> {
  const { audioSeconds = 2 } = options;
  const srt = `${path}.srt`;
  await Deno.writeTextFile(
    srt,
    "1\n00:00:00,000 --> 00:00:00,400\nhello\n\n2\n00:00:00,500 --> 00:00:00,900\nworld\n",
  );
  const audio = audioSeconds > 0;
  try {
    await ffmpeg([
      ...PICTURE(2),
      "-i",
      srt,
      ...(audio ? TONE(audioSeconds) : []),
      "-map",
      "0:v",
      "-map",
      "1:s",
      ...(audio ? ["-map", "2:a", "-c:a", "aac"] : []),
      ...H264,
      "-c:s",
      path.endsWith(".mkv") ? "srt" : "mov_text",
      path,
    ]);
  } finally {
    await Deno.remove(srt);
  }
}

export interface Measured {
  frames: number;
  /** Seconds: the video stream's, and the container's. */
  videoDuration: number;
  formatDuration: number;
  audioDuration?: number;
  width: number;
  height: number;
  subtitles: string[];
}

/** ffprobe's measurements of a written file (frames counted by decoding). */
export async function measure(path: string): Promise<Measured> {
  const { stdout } = await new Deno.Command("ffprobe", {
    args: ["-v", "error", "-count_frames", "-show_streams", "-show_format", "-of", "json", path],
  }).output();
  const json = JSON.parse(new TextDecoder().decode(stdout));
  // deno-lint-ignore no-explicit-any
  const streams: any[] = json.streams;
  const video = streams.find((s) => s.codec_type === "video");
  const audio = streams.find((s) => s.codec_type === "audio");
  return {
    frames: Number(video.nb_read_frames),
    videoDuration: Number(video.duration ?? json.format.duration),
    formatDuration: Number(json.format.duration),
    audioDuration: audio ? Number(audio.duration ?? json.format.duration) : undefined,
    width: video.width,
    height: video.height,
    subtitles: streams.filter((s) => s.codec_type === "subtitle").map((s) => s.codec_name),
  };
}

/** Process ids of running ffmpeg/ffprobe processes whose command line mentions `marker`. */
export async function ffmpegsMentioning(marker: string): Promise<string[]> {
  // ps rather than /proc: Deno asks for --allow-all to read /proc, and tests run without it.
  const { stdout } = await new Deno.Command("ps", { args: ["-eo", "pid=,args="] }).output();
  return new TextDecoder().decode(stdout).split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([, command, ...args]) =>
      command !== undefined && /ff(mpeg|probe)$/.test(command) && args.join(" ").includes(marker)
    )
    .map(([pid]) => pid);
}
