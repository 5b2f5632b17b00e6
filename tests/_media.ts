/** Small test clips made on the fly with ffmpeg from the bundled photo (lavfi, zoompan). */
const PHOTO = new URL("./fixtures/astronaut.png", import.meta.url).pathname;

/** Runs ffmpeg quietly, overwriting its output; throws with its stderr when it fails. */
export async function ffmpeg(args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command("ffmpeg", {
    args: ["-hide_banner", "-loglevel", "error", "-y", ...args],
    stdout: "null",
  }).output();
  if (code !== 0) throw new Error(`ffmpeg failed: ${new TextDecoder().decode(stderr)}`);
}

/** A slowly zooming clip of the photo, with a 440 Hz tone when `audio`. */
export async function makeClip(
  path: string,
  options: { width?: number; height?: number; fps?: number; seconds?: number; audio?: boolean } =
    {},
): Promise<void> {
  const { width = 320, height = 240, fps = 25, seconds = 1, audio = true } = options;
  await ffmpeg([
    "-loop",
    "1",
    "-framerate",
    String(fps),
    "-i",
    PHOTO,
    ...(audio ? ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"] : []),
    "-filter_complex",
    `[0:v]scale=${2 * width}:-2,zoompan=z='1+0.003*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)'` +
    `:d=1:s=${width}x${height}:fps=${fps}[v]`,
    "-map",
    "[v]",
    ...(audio ? ["-map", "1:a"] : []),
    "-t",
    String(seconds),
    "-c:v",
    "libx264",
    "-pix_fmt",
    "yuv420p",
    ...(audio ? ["-c:a", "aac"] : []),
    path,
  ]);
}

export interface StreamInfo {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  r_frame_rate?: string;
  nb_read_frames?: string;
}

/** ffprobe's view of a file, with frames counted by decoding. */
export async function probe(path: string): Promise<StreamInfo[]> {
  const { stdout } = await new Deno.Command("ffprobe", {
    args: ["-v", "error", "-count_frames", "-show_streams", "-of", "json", path],
  }).output();
  return JSON.parse(new TextDecoder().decode(stdout)).streams;
}

/** Decodes frame `index` of a video to RGBA bytes (alpha kept when the codec has it). */
export async function frameAt(path: string, index: number): Promise<Uint8Array> {
  const { stdout } = await new Deno.Command("ffmpeg", {
    args: [
      "-v",
      "error",
      ...(path.endsWith(".webm") ? ["-c:v", "libvpx-vp9"] : []),
      "-i",
      path,
      "-vf",
      `select=eq(n\\,${index})`,
      "-frames:v",
      "1",
      "-f",
      "rawvideo",
      "-pix_fmt",
      "rgba",
      "-",
    ],
  }).output();
  return stdout;
}

/**
 * Runs ffmpeg with `args` and `-` as its output, feeding it `input` on stdin (or none,
 * for a lavfi source), and returns what it wrote: raw frames for the kernels' tests.
 */
export async function ffmpegBytes(args: string[], input?: Uint8Array): Promise<Uint8Array> {
  const child = new Deno.Command("ffmpeg", {
    args: ["-v", "error", ...args, "-"],
    stdin: input ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (input) {
    const writer = child.stdin.getWriter();
    await writer.write(input);
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
  return stdout;
}

/** ffprobe's own count of the video packets it reads from `path` (0 when it cannot). */
export async function ffprobePackets(path: string): Promise<number> {
  const { stdout, success } = await new Deno.Command("ffprobe", {
    args: [
      ...["-v", "error", "-select_streams", "v:0", "-count_packets"],
      ...["-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", path],
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  const frames = Number.parseInt(new TextDecoder().decode(stdout).trim(), 10);
  return success && Number.isFinite(frames) ? frames : 0;
}
