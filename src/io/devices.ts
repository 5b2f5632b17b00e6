/**
 * Video devices on Linux, from sysfs: cameras and v4l2loopback outputs. Each
 * /sys/class/video4linux/videoN/name holds the card label; v4l2loopback devices carry
 * the label given to modprobe (card_label=segcam) or "Dummy video device".
 */
import { FfmpegProcess } from "./ffmpeg_process.ts";

export interface VideoDevice {
  path: string;
  name: string;
  loopback: boolean;
}

const SYSFS = "/sys/class/video4linux";

export function listVideoDevices(sysfs = SYSFS): VideoDevice[] {
  let entries: string[];
  try {
    entries = [...Deno.readDirSync(sysfs)].map((e) => e.name).filter((n) => /^video\d+$/.test(n));
  } catch {
    return [];
  }
  entries.sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  return entries.map((entry) => {
    let name = "";
    try {
      name = Deno.readTextFileSync(`${sysfs}/${entry}/name`).trim();
    } catch { /* unreadable: keep it nameless */ }
    return { path: `/dev/${entry}`, name, loopback: isLoopbackName(name) };
  });
}

export function isLoopbackName(name: string): boolean {
  return /loopback|dummy video device|segcam|obs virtual/i.test(name);
}

export const LOOPBACK_SETUP =
  "sudo modprobe v4l2loopback video_nr=10 card_label=segcam exclusive_caps=1 " +
  "(Debian/Ubuntu: sudo apt install v4l2loopback-dkms first)";

/** One pixel format a camera offers, with its frame sizes (from ffmpeg -list_formats all). */
export interface CameraFormat {
  /** ffmpeg's name for it: mjpeg, yuyv422, h264, … */
  name: string;
  compressed: boolean;
  sizes: { width: number; height: number }[];
}

/**
 * Parses ffmpeg's `-f v4l2 -list_formats all` lines, e.g.
 * `[video4linux2,v4l2 @ 0x5…] Compressed:       mjpeg :          Motion-JPEG : 640x480 1280x720`.
 */
export function parseCameraFormats(lines: string[]): CameraFormat[] {
  const formats: CameraFormat[] = [];
  for (const line of lines) {
    const match = /(Raw|Compressed)\s*:\s*(\S+)\s*:[^:]*:\s*(.*)$/.exec(line);
    if (!match) continue;
    const sizes = [...match[3].matchAll(/(\d+)x(\d+)/g)].map((m) => ({
      width: Number(m[1]),
      height: Number(m[2]),
    }));
    formats.push({ name: match[2], compressed: match[1] === "Compressed", sizes });
  }
  return formats;
}

export interface CameraMode {
  inputFormat: string;
  width: number;
  height: number;
  /** Set when the camera cannot do what was asked and a nearby mode was taken. */
  warning?: string;
}

/**
 * The mode to open a camera in: MJPEG when offered (raw YUYV at 720p and up often
 * exceeds USB 2 bandwidth), at the asked size if possible, else the size nearest to it
 * (by area, then aspect), with a warning. Undefined when the camera lists nothing usable.
 */
export function chooseCameraMode(
  formats: CameraFormat[],
  want: { width: number; height: number },
): CameraMode | undefined {
  const usable = formats.filter((f) => f.sizes.length > 0 && f.name !== "h264");
  if (usable.length === 0) return undefined;
  const preferred = usable.find((f) => f.name === "mjpeg") ?? usable[0];
  const exact = usable
    .filter((f) => f.sizes.some((s) => s.width === want.width && s.height === want.height))
    .sort((a, b) => Number(b === preferred) - Number(a === preferred))[0];
  if (exact) return { inputFormat: exact.name, width: want.width, height: want.height };
  const area = want.width * want.height;
  const aspect = want.width / want.height;
  const cost = (s: { width: number; height: number }) =>
    Math.abs(Math.log((s.width * s.height) / area)) +
    Math.abs(Math.log(s.width / s.height / aspect));
  const best = [...preferred.sizes].sort((a, b) => cost(a) - cost(b))[0];
  return {
    inputFormat: preferred.name,
    width: best.width,
    height: best.height,
    warning:
      `the camera has no ${want.width}x${want.height} mode; using ${best.width}x${best.height} ` +
      `(${preferred.name}) and scaling`,
  };
}

/** Asks ffmpeg which formats and sizes a v4l2 camera offers. */
export async function probeCameraFormats(device: string): Promise<CameraFormat[]> {
  const process = new FfmpegProcess(
    "ffmpeg",
    ["-hide_banner", "-f", "v4l2", "-list_formats", "all", "-i", device],
    {},
  );
  await process.status;
  return parseCameraFormats(await process.stderrTail());
}
