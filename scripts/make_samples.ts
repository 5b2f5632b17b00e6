/**
 * `deno task samples`: makes the sample files in samples/ that the README's examples
 * use, so that every example runs as written on a fresh clone. All of them come from
 * the project's own sample photo (tests/fixtures/astronaut.png, NASA, public domain) and
 * from ffmpeg's generated sources; nothing is downloaded. The files are committed;
 * this script says how they were made and remakes them.
 */
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PHOTO = `${ROOT}tests/fixtures/astronaut.png`;
const OUT = `${ROOT}samples`;

async function ffmpeg(args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command("ffmpeg", {
    // One thread and bit-exact flags: the same bytes on every run of the same ffmpeg.
    args: ["-hide_banner", "-loglevel", "error", "-y", "-threads", "1", ...args],
    stdout: "null",
  }).output();
  if (code !== 0) throw new Error(`ffmpeg failed: ${new TextDecoder().decode(stderr)}`);
}

const x264 = ["-c:v", "libx264", "-preset", "slow", "-crf", "26", "-pix_fmt", "yuv420p"];
const exact = ["-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"];

/** A person talking to the camera: the photo, framed 16:9, drifting and breathing like a handheld call, with a quiet tone as sound. */
async function talk(): Promise<void> {
  await ffmpeg([
    "-loop",
    "1",
    "-framerate",
    "25",
    "-i",
    PHOTO,
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=220:sample_rate=48000,volume=0.2",
    "-filter_complex",
    // Cropped to 16:9 first (zoompan stretches a square picture into a wide one).
    "[0:v]scale=1280:-2,crop=1280:720:0:30," +
    "zoompan=z='1.1+0.04*sin(on/40)':x='iw/2-(iw/zoom/2)+30*sin(on/55)'" +
    ":y='ih/2-(ih/zoom/2)+12*sin(on/33)':d=1:s=640x360:fps=25[v]",
    "-map",
    "[v]",
    "-map",
    "1:a",
    "-t",
    "6",
    ...x264,
    "-c:a",
    "aac",
    "-b:a",
    "48k",
    ...exact,
    `${OUT}/talk.mp4`,
  ]);
}

/** The photo as a JPEG, and a second, mirrored one: a folder of "shots" for the batch examples. */
async function photos(): Promise<void> {
  await ffmpeg(["-i", PHOTO, "-q:v", "3", ...exact, `${OUT}/photo.jpg`]);
  await ffmpeg(["-i", PHOTO, "-vf", "hflip", "-q:v", "3", ...exact, `${OUT}/photo_mirrored.jpg`]);
}

/** A still background: a soft two-colour wall with a lit window. */
async function backdrop(): Promise<void> {
  await ffmpeg([
    "-f",
    "lavfi",
    "-i",
    "gradients=s=1280x720:c0=0x8fa8c0:c1=0xe8d8b8:x0=0:y0=0:x1=1280:y1=720:seed=1:duration=1",
    "-vf",
    "drawbox=x=820:y=120:w=300:h=360:color=0xf6f1e0:t=fill," +
    "drawbox=x=965:y=120:w=10:h=360:color=0x7a6a58:t=fill," +
    "drawbox=x=820:y=295:w=300:h=10:color=0x7a6a58:t=fill",
    "-frames:v",
    "1",
    "-q:v",
    "3",
    ...exact,
    `${OUT}/backdrop.jpg`,
  ]);
}

/** A moving background that loops: slowly turning colour waves. */
async function waves(): Promise<void> {
  await ffmpeg([
    "-f",
    "lavfi",
    "-i",
    "gradients=s=640x360:c0=0x1d4e89:c1=0x7dcfb6:c2=0xfbd1a2:nb_colors=3:speed=0.05:seed=7:r=25",
    "-t",
    "4",
    ...x264,
    ...exact,
    `${OUT}/waves.mp4`,
  ]);
}

if (import.meta.main) {
  await Deno.mkdir(OUT, { recursive: true });
  await Promise.all([talk(), photos(), backdrop(), waves()]);
  for (const entry of [...Deno.readDirSync(OUT)].sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.isFile) {
      console.log(`${entry.name.padEnd(20)} ${Deno.statSync(`${OUT}/${entry.name}`).size} bytes`);
    }
  }
}
