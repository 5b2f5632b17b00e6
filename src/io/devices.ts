/**
 * Video devices on Linux, from sysfs: cameras and v4l2loopback outputs.
 *
 * A virtual camera is recognised by what the kernel says about it, never by its label:
 * users name loopbacks anything (Linux-Fake-Background-Webcam's `card_label="fake-cam"`,
 * backscrub's "VirtualCam", OBS's "OBS Virtual Camera", or no label at all), and a real
 * camera may carry any name. v4l2loopback alone gives its devices the sysfs attributes
 * `max_openers` and `buffers` (v4l2loopback.c, DEVICE_ATTR); real cameras have a `device`
 * link to their USB or PCI parent, which devices under /sys/devices/virtual lack.
 */
import { escapeText } from "../text.ts";
import { FfmpegProcess } from "./ffmpeg_process.ts";
import { readSysfsClass, type SysfsEntry } from "./system_files.ts";

export interface VideoDevice {
  path: string;
  /** The card label (sysfs `name`), escaped for printing; may be empty. */
  name: string;
  /** A v4l2loopback device: a virtual camera segcam can write to. */
  loopback: boolean;
  /**
   * The node's index within its physical device (sysfs `index`): a UVC webcam shows its
   * picture on index 0 and its metadata on index 1, which ffmpeg cannot read frames from.
   */
  index?: number;
}

export const SYSFS_VIDEO4LINUX = "/sys/class/video4linux";

const ATTRIBUTES = ["name", "index", "max_openers", "buffers"] as const;

/**
 * The /dev/videoN devices the kernel lists, in number order. Empty when there are none;
 * throws SysfsError when sysfs could not be read (which is not the same thing).
 */
export async function listVideoDevices(sysfs = SYSFS_VIDEO4LINUX): Promise<VideoDevice[]> {
  const entries = await readSysfsClass(sysfs, /^video\d+$/, ATTRIBUTES);
  if (entries === undefined) return [];
  entries.sort((a, b) => Number(a.name.slice(5)) - Number(b.name.slice(5)));
  return entries.map((entry) => {
    const index = Number(entry.attributes.get("index"));
    return {
      path: `/dev/${entry.name}`,
      name: escapeText(entry.attributes.get("name") ?? ""),
      loopback: isLoopback(entry),
      ...(entry.attributes.has("index") && Number.isInteger(index) ? { index } : {}),
    };
  });
}

/** What the kernel says about a video4linux entry: is it a v4l2loopback device? */
export function isLoopback(entry: SysfsEntry): boolean {
  return entry.children.has("max_openers") || entry.children.has("buffers");
}

/** Cameras segcam can read frames from: not loopbacks, not a device's second (metadata) node. */
export function cameras(devices: VideoDevice[]): VideoDevice[] {
  return devices.filter((d) => !d.loopback && (d.index ?? 0) === 0);
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
