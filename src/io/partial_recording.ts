/**
 * What is left of a recording whose encoder died: a Matroska file cut anywhere still
 * plays up to its last whole cluster, an MP4 without its index does not. Counting the
 * video packets ffprobe can read tells which: a live recording keeps such a part (it
 * is what the user recorded), anything unreadable is removed.
 */
import { FfmpegProcess } from "./ffmpeg_process.ts";
import { mkvReadableFrames } from "./mkv_index.ts";
import { mp4ReadableFrames } from "./mp4_index.ts";

/**
 * Video frames that can be read from `path` (0 when it cannot be opened at all): read
 * in process where the file is of the plain shape ffmpeg writes, an MP4 by its index
 * (mp4_index.ts) or a Matroska / WebM file by its clusters (mkv_index.ts), in a few
 * milliseconds; else ffprobe's packet count (0.15 s, most of it ffprobe's start).
 */
export async function readableFrames(path: string): Promise<number> {
  const counted = await mp4ReadableFrames(path) ?? await mkvReadableFrames(path);
  if (counted !== undefined) return counted;
  const probe = new FfmpegProcess("ffprobe", [
    "-v",
    "error",
    "-select_streams",
    "v:0",
    "-count_packets",
    "-show_entries",
    "stream=nb_read_packets",
    "-of",
    "csv=p=0",
    path,
  ], { stdout: "piped" });
  const text = await new Response(probe.child.stdout).text();
  const status = await probe.status;
  const frames = Number.parseInt(text.trim(), 10);
  return status.success && Number.isFinite(frames) ? frames : 0;
}
