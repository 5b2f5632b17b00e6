/** What ffprobe says about a video: size, frame rate, length, audio. */
import { InputError } from "../errors.ts";
import { explainFfmpegFailure, FfmpegProcess } from "./ffmpeg_process.ts";

export interface MediaInfo {
  width: number;
  height: number;
  /** Frame rate as ffmpeg writes it ("30000/1001") and as a number. */
  fps: string;
  fpsValue: number;
  /** Frames in the video stream, when the container says (else estimated from duration). */
  frames?: number;
  durationSeconds?: number;
  hasAudio: boolean;
  codec: string;
}

export async function probeMedia(path: string): Promise<MediaInfo> {
  const process = new FfmpegProcess("ffprobe", [
    "-v",
    "error",
    "-print_format",
    "json",
    "-show_streams",
    "-show_format",
    path,
  ], { stdout: "piped" });
  const output = new Response(process.child.stdout);
  const text = await output.text();
  const status = await process.status;
  if (!status.success) throw explainFfmpegFailure(await process.stderrTail(), "input", path);
  // deno-lint-ignore no-explicit-any
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InputError(`Cannot read ${path}: ffprobe gave no usable answer`);
  }
  // deno-lint-ignore no-explicit-any
  const streams: any[] = json.streams ?? [];
  const video = streams.find((s) => s.codec_type === "video");
  if (!video || !video.width || !video.height) {
    throw new InputError(`${path} has no video stream; give a video file (mp4, mkv, mov, webm)`);
  }
  const fps = video.avg_frame_rate && video.avg_frame_rate !== "0/0"
    ? video.avg_frame_rate
    : video.r_frame_rate;
  const [num, den] = String(fps).split("/").map(Number);
  const fpsValue = den ? num / den : num;
  const duration = Number(video.duration ?? json.format?.duration);
  const frames = Number(video.nb_frames);
  // Phone videos store rotation as metadata; ffmpeg rotates while decoding, so swap.
  const rotation = Math.abs(
    Number(
      video.tags?.rotate ??
        video.side_data_list?.find((d: { rotation?: number }) => d.rotation !== undefined)
          ?.rotation ??
        0,
    ),
  );
  const swap = rotation === 90 || rotation === 270;
  return {
    width: swap ? video.height : video.width,
    height: swap ? video.width : video.height,
    fps: String(fps),
    fpsValue,
    frames: Number.isFinite(frames) && frames > 0
      ? frames
      : Number.isFinite(duration)
      ? Math.round(duration * fpsValue)
      : undefined,
    durationSeconds: Number.isFinite(duration) ? duration : undefined,
    hasAudio: streams.some((s) => s.codec_type === "audio"),
    codec: video.codec_name ?? "unknown",
  };
}
