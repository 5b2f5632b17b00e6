/**
 * The live pipeline under real-time load, as the targets state it: a real clip
 * (../shared/data's webcam-like video, else the sample photo) paced at 30 fps by
 * `segcam live -i`, blur, raw frames out on stdout (`-o -`, into /dev/null), for
 * `seconds`. Output fps, latency (read → written) and segcam's own CPU come from its
 * summary line; the whole tree's CPU (segcam and its ffmpeg children) from
 * measureTree. Optionally into an H.264 file instead (`-o live.mkv`).
 *
 * The main job's shape (`mainJob`): the clip as MJPEG (what cameras send; decoding it
 * is the input ffmpeg's work), frames out in the virtual camera's format
 * (`-o - --pix-fmt yuyv422`, the bytes the direct v4l2 path writes) into a pipe, read
 * by a `cat` outside the measured tree — a pipe costs the writer more than /dev/null.
 */
import { PERMISSIONS } from "../tests/cli/_run.ts";
import { measureTree } from "./_ffmpeg_cpu.ts";
import { makeRealClip } from "./stages.ts";

export interface LiveRow {
  backend: string;
  size: string;
  /** "H.264" or "MJPEG": the clip's codec. */
  input: string;
  output: string;
  seconds: number;
  frames: number;
  fps: number;
  dropped: number;
  latencyMedianMs: number;
  latencyP95Ms: number;
  /** CPU cores used by the segcam process alone. */
  segcamCores: number;
  /** CPU cores used by segcam and its ffmpeg children together. */
  treeCores: number;
}

export interface LiveOptions {
  width?: number;
  height?: number;
  seconds?: number;
  output?: "raw" | "file";
  /** Raw frames' format (`--pix-fmt`; default rgb24). */
  pixFmt?: "rgb24" | "yuyv422" | "yuv420p";
  /** Raw frames into a pipe (read outside the measured tree) instead of /dev/null. */
  pipe?: boolean;
  /** The clip as MJPEG (a camera's format) instead of H.264. */
  mjpeg?: boolean;
  /**
   * Raw rgb24 converted to yuyv422 by an ffmpeg in the tree, as the ffmpeg v4l2 sink
   * does (the path the direct one replaces), before the pipe.
   */
  ffmpegConversion?: boolean;
  /**
   * Frames through segcam's own pipes as rgb24 (SEGCAM_YUV_PIPES=0), as before issue 16
   * put yuv420p on them: the before of the same run.
   */
  rgbPipes?: boolean;
  /**
   * Frames converted to RGB for the mask and the effect even where they could stay
   * planar YUV (SEGCAM_PLANAR=0): the before of the planar path, in the same run.
   */
  rgbFrames?: boolean;
  /**
   * Native inference through onnxruntime-node's binding (SEGCAM_ORT_CAPI=0), as before
   * it went through the C API: the before of the same run.
   */
  ortBinding?: boolean;
}

/** The main job: 720p30 MJPEG paced like a camera, blur, yuyv422 into a pipe. */
export const MAIN_JOB: LiveOptions = { mjpeg: true, pixFmt: "yuyv422", pipe: true };
/** The same through ffmpeg's conversion, as the virtual camera was written before. */
/** The main job with rgb24 from the decoder, as before yuv420p input. */
export const MAIN_JOB_RGB_PIPES: LiveOptions = { ...MAIN_JOB, rgbPipes: true };
/** The main job with YUV pipes but RGB frames inside, as before frames stayed planar. */
export const MAIN_JOB_RGB_FRAMES: LiveOptions = { ...MAIN_JOB, rgbFrames: true };
/** The main job with inference through onnxruntime-node's binding, as before the C API. */
export const MAIN_JOB_ORT_BINDING: LiveOptions = { ...MAIN_JOB, ortBinding: true };
export const MAIN_JOB_VIA_FFMPEG: LiveOptions = {
  mjpeg: true,
  pixFmt: "rgb24",
  pipe: true,
  ffmpegConversion: true,
};

/** The clip re-encoded as MJPEG (quality 5, about what webcams send). */
async function toMjpeg(clip: string, dir: string): Promise<string> {
  const path = `${dir}/camera.mkv`;
  const { success, stderr } = await new Deno.Command("ffmpeg", {
    args: [
      "-v",
      "error",
      "-y",
      "-i",
      clip,
      "-c:v",
      "mjpeg",
      "-q:v",
      "5",
      "-pix_fmt",
      "yuvj422p",
      path,
    ],
  }).output();
  if (!success) throw new Error(new TextDecoder().decode(stderr));
  return path;
}

/** What the ffmpeg v4l2 sink does to segcam's frames: rgb24 in, yuyv422 out. */
function conversionArgs(width: number, height: number): string[] {
  return [
    ...["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error"],
    ...["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", `${width}x${height}`, "-r", "30", "-i", "-"],
    ...["-f", "rawvideo", "-pix_fmt", "yuyv422", "-"],
  ];
}

export async function benchLive(
  backend: "native" | "wasm",
  options: LiveOptions = {},
): Promise<LiveRow> {
  const { width = 1280, height = 720, seconds = 15, output = "raw" } = options;
  const pixFmt = options.pixFmt ?? "rgb24";
  const dir = await Deno.makeTempDir({ prefix: "segcam-bench-live-" });
  let reader: Deno.ChildProcess | undefined;
  try {
    const real = await makeRealClip(dir, width, height);
    const clip = options.mjpeg ? await toMjpeg(real, dir) : real;
    let stdoutTo = "/dev/null";
    if (options.pipe) {
      stdoutTo = `${dir}/frames.fifo`;
      await new Deno.Command("mkfifo", { args: [stdoutTo] }).output();
      reader = new Deno.Command("sh", {
        args: ["-c", 'exec cat "$1" >/dev/null', "sh", stdoutTo],
      }).spawn();
    }
    const run = await measureTree(
      [
        ...(options.rgbPipes ? ["env", "SEGCAM_YUV_PIPES=0"] : []),
        ...(options.rgbFrames ? ["env", "SEGCAM_PLANAR=0"] : []),
        ...(options.ortBinding ? ["env", "SEGCAM_ORT_CAPI=0"] : []),
        Deno.execPath(),
        "run",
        ...PERMISSIONS,
        new URL("../main.ts", import.meta.url).pathname,
        "--backend",
        backend,
        "live",
        "-i",
        clip,
        "--loop",
        "--size",
        `${width}x${height}`,
        "--fps",
        "30",
        "-e",
        "blur",
        "-o",
        output === "raw" ? "-" : `${dir}/live.mkv`,
        ...(output === "raw" ? ["--pix-fmt", pixFmt] : []),
        "--duration",
        String(seconds),
        "--no-tui",
      ],
      stdoutTo,
      options.ffmpegConversion ? conversionArgs(width, height) : undefined,
    );
    const m = run.stderr.match(
      /(\d+) frames in ([\d.]+) s \(([\d.]+) fps\), (\d+) dropped, latency median (\d+) ms, p95 (\d+) ms, CPU of segcam alone[^)]*\) ([\d.]+) cores/,
    );
    if (!m) throw new Error(`segcam live gave no summary: ${run.stderr}`);
    return {
      backend,
      size: `${width}x${height}`,
      input: (options.mjpeg ? "MJPEG" : "H.264") + (options.rgbPipes ? " (rgb24 pipes)" : "") +
        (options.rgbFrames ? " (RGB frames)" : "") +
        (options.ortBinding ? " (onnxruntime-node binding)" : ""),
      output: output === "raw"
        ? `raw ${pixFmt} (-o -)${options.ffmpegConversion ? " → ffmpeg yuyv422" : ""} into ${
          options.pipe ? "a pipe" : "/dev/null"
        }`
        : "H.264 file",
      seconds: Number(m[2]),
      frames: Number(m[1]),
      fps: Number(m[3]),
      dropped: Number(m[4]),
      latencyMedianMs: Number(m[5]),
      latencyP95Ms: Number(m[6]),
      segcamCores: Number(m[7]),
      treeCores: run.cpuSeconds / run.wallSeconds,
    };
  } finally {
    if (reader) {
      // Done writing (or failed before opening the pipe, where cat would wait forever).
      try {
        reader.kill();
      } catch { /* already gone */ }
      await reader.status;
    }
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const seconds = Number(Deno.args[0] ?? 15);
  console.log(await benchLive("native", { seconds }));
  console.log(await benchLive("native", { ...MAIN_JOB, seconds }));
  console.log(await benchLive("native", { ...MAIN_JOB_RGB_FRAMES, seconds }));
  console.log(await benchLive("native", { ...MAIN_JOB_RGB_PIPES, seconds }));
  console.log(await benchLive("native", { ...MAIN_JOB_VIA_FFMPEG, seconds }));
  Deno.exit(0);
}
