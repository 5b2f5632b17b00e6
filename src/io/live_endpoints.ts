/**
 * Where `segcam live` reads and writes, resolved from what the user typed: a camera by
 * index, path or name (and the mode to open it in), a file (at its own size and rate
 * unless --size/--fps say otherwise), a URL, the demo; a virtual camera, a file, a
 * stream or stdout. Every way this can fail is a sentence with the fix.
 */
import { fileURLToPath } from "node:url";
import { describeFsError, InputError, OutputError, UsageError } from "../errors.ts";
import {
  type CameraFormat,
  type CameraMode,
  cameras,
  chooseCameraMode,
  listVideoDevices,
  LOOPBACK_SETUP,
  probeCameraFormats,
  type VideoDevice,
} from "./devices.ts";
import {
  type LiveFormat,
  type LiveInput,
  type LiveOutput,
  parseLiveOutput,
  type Platform,
  V4L2_DEFAULT_PIX_FMT,
} from "./live_args.ts";
import { probeMedia } from "./probe.ts";
import { realSystemPath } from "./system_files.ts";

const DEMO_PHOTO = fileURLToPath(new URL("../../tests/fixtures/astronaut.png", import.meta.url));

/** What a camera is opened at when --size and --fps are not given. */
export const CAMERA_DEFAULTS = { width: 1280, height: 720, fps: 30 } as const;

export interface LiveInputRequest {
  camera?: string;
  input?: string;
  loop?: boolean;
  /** WIDTHxHEIGHT; undefined: the camera default, or a file's own size. */
  size?: string;
  /** undefined: the camera default, or a file's own rate. */
  fps?: number;
  /**
   * Auto-framing is on with this most zoom: a camera whose size is not forced (--size)
   * is asked for up to this many times the output's size, for the crop to use.
   */
  autoframeZoom?: number;
}

export interface ResolvedInput {
  input: LiveInput;
  format: LiveFormat;
  /** A line to print before starting (a camera without the asked mode). */
  warning?: string;
  /** The input is a file with an audio track (a recording can keep it). */
  hasAudio: boolean;
  /**
   * The frames' size when it is larger than the output's (`format`): a camera asked for
   * more pixels for auto-framing. Undefined: frames come at the output's size.
   */
  capture?: LiveFormat;
  /** A file's decoded pixel format (ffprobe's), which the pipe format follows. */
  pixFmt?: string;
}

export async function resolveLiveInput(request: LiveInputRequest): Promise<ResolvedInput> {
  const asked = request.size === undefined ? undefined : parseSize(request.size);
  if (request.input !== undefined && request.camera !== undefined) {
    throw new UsageError("--input and --camera both name a source; give one");
  }
  const cameraFormat = (): LiveFormat => ({
    ...(asked ?? CAMERA_DEFAULTS),
    fps: request.fps ?? CAMERA_DEFAULTS.fps,
  });
  if (request.input === "demo") {
    return { input: { kind: "demo", photo: DEMO_PHOTO }, format: cameraFormat(), hasAudio: false };
  }
  if (request.input !== undefined) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(request.input)) {
      return {
        input: { kind: "url", url: request.input },
        format: cameraFormat(),
        hasAudio: false,
      };
    }
    let stat: Deno.FileInfo | undefined;
    try {
      stat = Deno.statSync(request.input);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        throw new InputError(describeFsError(error, request.input, "open"), { cause: error });
      }
    }
    // Say what it is: a folder or a device is there, just not a video file.
    const what = stat === undefined
      ? "no such file"
      : stat.isDirectory
      ? "it is a folder"
      : !stat.isFile
      ? "it is not a regular file (a device, FIFO or socket)"
      : undefined;
    if (what !== undefined) {
      throw new InputError(
        `Cannot open ${request.input}: ${what}; give a video file, a URL, or --input demo`,
      );
    }
    // A file keeps its own size and rate: scaling a 960x540 clip to 1280x720 costs
    // work and sharpness for nothing.
    const info = await probeMedia(request.input);
    const even = (n: number) => Math.max(16, n - (n % 2));
    return {
      input: { kind: "file", path: request.input, loop: request.loop ?? false },
      format: {
        width: asked?.width ?? even(info.width),
        height: asked?.height ?? even(info.height),
        fps: request.fps ?? roundRate(info.fpsValue),
      },
      hasAudio: info.hasAudio,
      pixFmt: info.pixFmt,
    };
  }
  const format = cameraFormat();
  const platform = Deno.build.os as Platform;
  if (platform !== "linux") {
    // avfoundation and dshow take an index or a name as given.
    return {
      input: { kind: "camera", platform, device: request.camera ?? "0" },
      format,
      hasAudio: false,
    };
  }
  const device = await findCamera(request.camera);
  const formats = await probeCameraFormats(device);
  const larger = request.autoframeZoom === undefined || asked !== undefined
    ? undefined
    : autoframeCameraMode(formats, format, request.autoframeZoom);
  if (larger !== undefined) {
    return {
      input: { kind: "camera", platform, device, mode: larger },
      format,
      capture: { ...format, width: larger.width, height: larger.height },
      hasAudio: false,
    };
  }
  const mode = chooseCameraMode(formats, format);
  return {
    input: { kind: "camera", platform, device, mode },
    format,
    warning: mode?.warning,
    hasAudio: false,
  };
}

/**
 * The camera's largest mode of the output's shape that is larger than the output and at
 * most `zoom` times it (1920x1080 for a 1280x720 output at zoom 2), so that auto-framing
 * crops real pixels instead of enlarging them; MJPEG preferred (raw frames that size
 * exceed USB 2's bandwidth). Undefined when the camera has none.
 */
export function autoframeCameraMode(
  formats: CameraFormat[],
  want: { width: number; height: number },
  zoom: number,
): CameraMode | undefined {
  const aspect = want.width / want.height;
  let best: CameraMode | undefined;
  const usable = formats.filter((f) => f.sizes.length > 0 && f.name !== "h264");
  const preferred = usable.find((f) => f.name === "mjpeg") ?? usable[0];
  for (const size of preferred?.sizes ?? []) {
    const fits = size.width > want.width && size.width <= zoom * want.width &&
      Math.abs(size.width / size.height / aspect - 1) < 0.01;
    if (fits && (best === undefined || size.width > best.width)) {
      best = { inputFormat: preferred.name, width: size.width, height: size.height };
    }
  }
  return best;
}

/** 29.97 stays 29.97; 30.000001 from a container's rounding becomes 30. */
function roundRate(fps: number): number {
  if (!(fps > 0 && fps <= 240)) return CAMERA_DEFAULTS.fps;
  const rounded = Math.round(fps * 1000) / 1000;
  return Math.abs(rounded - Math.round(rounded)) < 0.002 ? Math.round(rounded) : rounded;
}

export function parseSize(size: string): { width: number; height: number } {
  const match = /^(\d+)x(\d+)$/.exec(size);
  if (!match || Number(match[1]) < 16 || Number(match[2]) < 16) {
    throw new UsageError(`--size takes WIDTHxHEIGHT like 1280x720, got "${size}"`);
  }
  const [width, height] = [Number(match[1]), Number(match[2])];
  if (width % 2 || height % 2) {
    throw new UsageError(`--size ${size}: width and height must be even (video formats need it)`);
  }
  // 4096x4096 (16.8 MP): beyond any webcam or capture card; an RGB frame of it is 50 MB
  // and every stage would take seconds, so a bigger value is a typo, not a wish.
  if (width > 4096 || height > 4096) {
    throw new UsageError(`--size ${size}: the largest live frame is 4096x4096`);
  }
  return { width, height };
}

async function findCamera(wanted: string | undefined): Promise<string> {
  const found = cameras(await listVideoDevices());
  const device = wanted === undefined
    ? found[0]?.path
    : /^\d+$/.test(wanted)
    ? `/dev/video${wanted}`
    : wanted.startsWith("/dev/")
    ? wanted
    : found.find((c) => c.name.toLowerCase().includes(wanted.toLowerCase()))?.path;
  if (device === undefined) {
    throw new InputError(
      wanted === undefined
        ? "No camera found (the kernel lists no video device that is not a virtual camera); connect one, pick one with --camera, or try --input demo"
        : `No camera matches "${wanted}"; run \`segcam devices\` to list them`,
    );
  }
  if (realSystemPath(device) === undefined) {
    throw new InputError(
      `Cannot open camera ${device}: no such device; run \`segcam devices\` to list cameras, or try --input demo`,
    );
  }
  return device;
}

/** --output as given, or the first virtual camera. */
export async function resolveLiveOutput(
  output: string | undefined,
  pixFmt: string | undefined,
  sysfs?: string,
): Promise<LiveOutput> {
  if (output !== undefined) {
    // A udev link (/dev/v4l/by-id/…, by-path/…) names a device node too.
    const linked = output.startsWith("/dev/v4l/") &&
      /^\/dev\/video\d+$/.test(realSystemPath(output) ?? "");
    const parsed: LiveOutput = linked
      ? { kind: "v4l2", device: output, pixFmt: pixFmt ?? V4L2_DEFAULT_PIX_FMT }
      : parseLiveOutput(output, pixFmt);
    if (parsed.kind === "v4l2" && Deno.build.os === "linux") {
      await checkLoopback(parsed.device, sysfs);
    }
    return parsed;
  }
  const loopback = (await listVideoDevices(sysfs)).find((d) => d.loopback);
  if (loopback === undefined) {
    throw new OutputError(
      `No virtual camera found: load v4l2loopback (${LOOPBACK_SETUP}), or give --output FILE|URL|-`,
    );
  }
  return { kind: "v4l2", device: loopback.path, pixFmt: pixFmt ?? V4L2_DEFAULT_PIX_FMT };
}

/** `-o /dev/videoN` (or a /dev/v4l/by-* link to it) must be a v4l2loopback device. */
async function checkLoopback(device: string, sysfs?: string): Promise<void> {
  // A /dev/v4l/by-id/… link names the same device; not there: sysfs says so below.
  const real = realSystemPath(device) ?? device;
  const devices = await listVideoDevices(sysfs);
  const found: VideoDevice | undefined = devices.find((d) => d.path === real);
  if (found === undefined) {
    const loopbacks = devices.filter((d) => d.loopback).map((d) => d.path);
    throw new OutputError(
      `${device} is not a video device the kernel lists: ` +
        (loopbacks.length > 0
          ? `the virtual cameras are ${loopbacks.join(", ")}`
          : `load v4l2loopback (${LOOPBACK_SETUP})`),
    );
  }
  if (!found.loopback) {
    throw new OutputError(
      `${device}${found.name ? ` ("${found.name}")` : ""} is a camera, not a v4l2loopback ` +
        `virtual camera; pick a virtual camera (segcam devices lists them)`,
    );
  }
}

export function describeLiveOutput(output: LiveOutput): string {
  switch (output.kind) {
    case "v4l2":
      return `${output.device} (${output.pixFmt})`;
    case "file":
      return output.path;
    case "stream":
      return output.url;
    case "stdout":
      return `stdout (raw ${output.pixFmt})`;
  }
}
