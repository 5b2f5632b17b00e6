/**
 * The virtual camera written directly: v4l2loopback takes whole frames through write()
 * once its format is set with VIDIOC_S_FMT, so segcam can feed /dev/videoN itself,
 * converting RGB to YUYV or YUV 4:2:0 with its own kernels, and run no output ffmpeg
 * (whose rgb24 → yuyv422 conversion alone cost about 0.17 core at 720p30).
 *
 * The sequence is ffmpeg's own (libavdevice/v4l2enc.c): open O_RDWR, VIDIOC_G_FMT,
 * the format filled in, VIDIOC_S_FMT, then one write() per frame. Deno refuses to open
 * /dev nodes other than null/zero/tty without --allow-all (NotCapable, see
 * system_files.ts), so the device is opened, configured and written through libc with
 * Deno's FFI (--allow-ffi, which `segcam live` has for onnxruntime and inotify).
 *
 * Anything that fails on the way (no libc, an ioctl the device refuses, a format it
 * does not take) is a {@link V4l2DirectError}: the caller falls back to the ffmpeg sink,
 * which reports real device errors (busy, permission) in its own well-tested words.
 * `SEGCAM_V4L2=ffmpeg` skips the direct path altogether.
 */
import { OutputError } from "../errors.ts";
import type { Frame } from "../frame.ts";
import type { YuvPicture } from "../kernels/yuv_picture.ts";
import type { FrameSink } from "../pipeline/engine.ts";
import { RawFrameConverter } from "./frame_sink.ts";
import { rawFrameBytes, type RawOutputFormat } from "./live_args.ts";

// ---- linux/videodev2.h, x86_64 and aarch64 (LP64) -------------------------------------------

/** _IOC(dir, type, nr, size) of asm-generic/ioctl.h: dir 2 bits, size 14, type 8, nr 8. */
export function ioc(dir: number, type: string, nr: number, size: number): number {
  return ((dir << 30) | (size << 16) | (type.charCodeAt(0) << 8) | nr) >>> 0;
}
const IOC_READ = 2, IOC_WRITE = 1;

/**
 * sizeof(struct v4l2_format): a u32 type, then (8-aligned, because struct v4l2_window
 * in the union holds pointers) a 200-byte union.
 */
export const V4L2_FORMAT_SIZE = 208;
/** _IOWR('V', 4 / 5, struct v4l2_format): 0xc0d05604 / 0xc0d05605. */
export const VIDIOC_G_FMT = ioc(IOC_READ | IOC_WRITE, "V", 4, V4L2_FORMAT_SIZE);
export const VIDIOC_S_FMT = ioc(IOC_READ | IOC_WRITE, "V", 5, V4L2_FORMAT_SIZE);

export const V4L2_BUF_TYPE_VIDEO_OUTPUT = 2;
export const V4L2_FIELD_NONE = 1;
/** BT.601 (SMPTE 170M), as segcam's and ffmpeg's default conversion. */
export const V4L2_COLORSPACE_SMPTE170M = 1;
export const V4L2_YCBCR_ENC_601 = 1;
export const V4L2_QUANTIZATION_LIM_RANGE = 2;

/** v4l2_fourcc(a, b, c, d): little-endian four characters. */
export function fourcc(code: string): number {
  return (code.charCodeAt(0) | (code.charCodeAt(1) << 8) | (code.charCodeAt(2) << 16) |
    (code.charCodeAt(3) << 24)) >>> 0;
}

/** The formats written directly, and their fourcc (yuv420p is planar YU12, "I420"). */
export const DIRECT_FORMATS: Partial<Record<RawOutputFormat, string>> = {
  yuyv422: "YUYV",
  yuv420p: "YU12",
};

/** Byte offsets in struct v4l2_format of its `type` and of fmt.pix's fields. */
export const FORMAT_OFFSETS = {
  type: 0,
  width: 8,
  height: 12,
  pixelformat: 16,
  field: 20,
  bytesperline: 24,
  sizeimage: 28,
  colorspace: 32,
  priv: 36,
  flags: 40,
  ycbcrEnc: 44,
  quantization: 48,
  xferFunc: 52,
} as const;

export interface PixFormat {
  width: number;
  height: number;
  /** A fourcc: "YUYV" or "YU12". */
  pixelformat: string;
  bytesperline: number;
  sizeimage: number;
}

/** The v4l2_pix_format of a frame of width x height in `format`. */
export function pixFormatFor(format: RawOutputFormat, width: number, height: number): PixFormat {
  const code = DIRECT_FORMATS[format];
  if (code === undefined) throw new RangeError(`no direct v4l2 format for ${format}`);
  return {
    width,
    height,
    pixelformat: code,
    // The luma plane's line for planar YU12; two bytes a pixel for packed YUYV.
    bytesperline: format === "yuyv422" ? width * 2 : width,
    sizeimage: rawFrameBytes(format, width, height),
  };
}

/**
 * Fills `buffer` (a struct v4l2_format, as VIDIOC_G_FMT left it or zeroed) for an
 * output of `pix`: type OUTPUT, progressive, BT.601 limited range. Fields not named
 * here (priv, flags, xfer_func) keep what the device said.
 */
export function encodeFormat(buffer: Uint8Array, pix: PixFormat): void {
  if (buffer.length !== V4L2_FORMAT_SIZE) {
    throw new RangeError(`struct v4l2_format is ${V4L2_FORMAT_SIZE} bytes, got ${buffer.length}`);
  }
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.length);
  const set = (field: keyof typeof FORMAT_OFFSETS, value: number) =>
    view.setUint32(FORMAT_OFFSETS[field], value, true);
  set("type", V4L2_BUF_TYPE_VIDEO_OUTPUT);
  set("width", pix.width);
  set("height", pix.height);
  set("pixelformat", fourcc(pix.pixelformat));
  set("field", V4L2_FIELD_NONE);
  set("bytesperline", pix.bytesperline);
  set("sizeimage", pix.sizeimage);
  set("colorspace", V4L2_COLORSPACE_SMPTE170M);
  set("ycbcrEnc", V4L2_YCBCR_ENC_601);
  set("quantization", V4L2_QUANTIZATION_LIM_RANGE);
}

/** The fields of fmt.pix that say what the device took (after VIDIOC_S_FMT). */
export function decodeFormat(buffer: Uint8Array): PixFormat {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.length);
  const get = (field: keyof typeof FORMAT_OFFSETS) => view.getUint32(FORMAT_OFFSETS[field], true);
  const code = get("pixelformat");
  return {
    width: get("width"),
    height: get("height"),
    pixelformat: String.fromCharCode(
      code & 255,
      (code >> 8) & 255,
      (code >> 16) & 255,
      code >>> 24,
    ),
    bytesperline: get("bytesperline"),
    sizeimage: get("sizeimage"),
  };
}

// ---- the system calls, injectable -----------------------------------------------------------

/** The libc calls the direct path makes; each returns -errno on failure. */
export interface V4l2Syscalls {
  open(path: string): number;
  ioctl(fd: number, request: number, arg: Uint8Array): number;
  write(fd: number, bytes: Uint8Array): Promise<number>;
  close(fd: number): void;
}

/** errno names for the messages (asm-generic/errno-base.h). */
const ERRNO: Record<number, string> = {
  1: "operation not permitted",
  2: "no such device",
  5: "input/output error",
  6: "no such device",
  13: "permission denied (add yourself to the video group)",
  16: "the device is busy",
  19: "no such device",
  22: "invalid argument (the device does not take this format)",
  25: "not a video device",
};

export function describeErrno(errno: number): string {
  return ERRNO[errno] ?? `errno ${errno}`;
}

const O_RDWR = 2, O_CLOEXEC = 0o2000000;

const LIBC = {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  // On a worker thread: a frame's copy into the device never holds up the event loop.
  write: { parameters: ["i32", "buffer", "u64"], result: "i64", nonblocking: true },
  close: { parameters: ["i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

/**
 * libc's calls through Deno's FFI (glibc's libc.so.6), or undefined where there is no
 * FFI or no glibc. errno is read right after each call: Deno runs synchronous FFI calls
 * on the JS thread, and the nonblocking write on a worker thread, whose errno is that
 * thread's — so a failed write reports EIO, the one error that matters there.
 */
export function libcSyscalls(): V4l2Syscalls | undefined {
  let libc: Deno.DynamicLibrary<typeof LIBC>;
  try {
    libc = Deno.dlopen("libc.so.6", LIBC);
  } catch {
    return undefined;
  }
  const errno = () => {
    const at = libc.symbols.__errno_location();
    return at === null ? 0 : new Deno.UnsafePointerView(at).getInt32();
  };
  const failed = (result: number) => (result < 0 ? -(errno() || 5) : result);
  return {
    open: (path) =>
      failed(libc.symbols.open(new TextEncoder().encode(`${path}\0`), O_RDWR | O_CLOEXEC)),
    ioctl: (fd, request, arg) => failed(libc.symbols.ioctl(fd, BigInt(request), arg)),
    write: async (fd, bytes) => {
      const n = Number(await libc.symbols.write(fd, bytes, BigInt(bytes.length)));
      return n < 0 ? -5 : n;
    },
    close: (fd) => void libc.symbols.close(fd),
  };
}

// ---- the sink ---------------------------------------------------------------------------------

/**
 * errno values after which ffmpeg's v4l2 sink would fail the same way (no such device,
 * permission denied, not a video device): no fallback, the run stops with the reason.
 */
const NO_FALLBACK = new Set([2, 6, 13, 19, 25]);

/** The direct path could not be set up; the message says at which step and why. */
export class V4l2DirectError extends Error {
  override name = "V4l2DirectError";
  /**
   * @param errno what the device answered, when it answered: decides {@link final}
   */
  constructor(message: string, readonly errno?: number) {
    super(message);
  }

  /** Whether the device cannot be a virtual camera at all (ffmpeg would fail too). */
  get final(): boolean {
    return this.errno !== undefined && NO_FALLBACK.has(this.errno);
  }
}

/** Whether the environment asks for the ffmpeg sink (`SEGCAM_V4L2=ffmpeg`). */
export function directWanted(env: (name: string) => string | undefined = Deno.env.get): boolean {
  try {
    return env("SEGCAM_V4L2")?.toLowerCase() !== "ffmpeg";
  } catch {
    return true; // no --allow-env: the default
  }
}

export interface DirectSinkOptions {
  device: string;
  width: number;
  height: number;
  format: RawOutputFormat;
  /** Default: libc through FFI. */
  syscalls?: V4l2Syscalls;
  /** Default: the process's kernels (wasm). */
  converter?: RawFrameConverter;
}

/** Frames written straight to a v4l2loopback device. */
export class V4l2DirectSink implements FrameSink {
  readonly channels = 3 as const;
  readonly device: string;
  /** What the device took (VIDIOC_S_FMT's answer). */
  readonly pix: PixFormat;
  /** Frames written. */
  frames = 0;
  readonly #sys: V4l2Syscalls;
  readonly #fd: number;
  readonly #converter: RawFrameConverter;
  #closed = false;
  #last: Promise<void> = Promise.resolve();

  private constructor(
    device: string,
    fd: number,
    pix: PixFormat,
    sys: V4l2Syscalls,
    converter: RawFrameConverter,
  ) {
    this.device = device;
    this.#fd = fd;
    this.pix = pix;
    this.#sys = sys;
    this.#converter = converter;
  }

  /** Opens and configures the device; throws V4l2DirectError (then use ffmpeg). */
  static open(options: DirectSinkOptions): V4l2DirectSink {
    const { device, width, height, format } = options;
    if (DIRECT_FORMATS[format] === undefined) {
      throw new V4l2DirectError(`${format} is not written directly (only yuyv422, yuv420p)`);
    }
    const sys = options.syscalls ?? libcSyscalls();
    if (sys === undefined) throw new V4l2DirectError("libc cannot be loaded through FFI");
    const fd = sys.open(device);
    if (fd < 0) throw new V4l2DirectError(`open ${device}: ${describeErrno(-fd)}`, -fd);
    try {
      const struct = new Uint8Array(V4L2_FORMAT_SIZE);
      new DataView(struct.buffer).setUint32(0, V4L2_BUF_TYPE_VIDEO_OUTPUT, true);
      const got = sys.ioctl(fd, VIDIOC_G_FMT, struct);
      if (got < 0) {
        throw new V4l2DirectError(`VIDIOC_G_FMT on ${device}: ${describeErrno(-got)}`, -got);
      }
      const wanted = pixFormatFor(format, width, height);
      encodeFormat(struct, wanted);
      const set = sys.ioctl(fd, VIDIOC_S_FMT, struct);
      if (set < 0) {
        throw new V4l2DirectError(`VIDIOC_S_FMT on ${device}: ${describeErrno(-set)}`, -set);
      }
      // The driver may adjust what it was asked; a frame of another size would tear.
      const taken = decodeFormat(struct);
      if (
        taken.width !== width || taken.height !== height ||
        taken.pixelformat !== wanted.pixelformat || taken.sizeimage !== wanted.sizeimage
      ) {
        throw new V4l2DirectError(
          `${device} took ${taken.width}x${taken.height} ${taken.pixelformat} (${taken.sizeimage} bytes) ` +
            `for ${width}x${height} ${wanted.pixelformat}`,
        );
      }
      return new V4l2DirectSink(
        device,
        fd,
        taken,
        sys,
        options.converter ?? new RawFrameConverter(format),
      );
    } catch (error) {
      sys.close(fd);
      throw error;
    }
  }

  /**
   * Converts and writes one frame. Writes are serialised (the idle feeder and the engine
   * may both write): the converter's one buffer is reused.
   */
  /** Planar pictures are packed straight into the device's format. */
  get planar(): boolean {
    return this.#converter.planar;
  }

  write(frame: Frame | YuvPicture): Promise<void> {
    const next = this.#last.then(() => this.#writeNow(frame));
    this.#last = next.catch(() => {});
    return next;
  }

  async #writeNow(frame: Frame | YuvPicture): Promise<void> {
    if (this.#closed) throw new OutputError(`The virtual camera ${this.device} is closed`);
    const bytes = this.#converter.convert(frame);
    const written = await this.#sys.write(this.#fd, bytes);
    if (written !== bytes.length) {
      throw new OutputError(
        written < 0
          ? `Cannot write to the virtual camera ${this.device}: ${describeErrno(-written)}; ` +
            `check that it is still there (segcam devices)`
          : `The virtual camera ${this.device} took ${written} of a frame's ${bytes.length} bytes; ` +
            `run with SEGCAM_V4L2=ffmpeg to write it through ffmpeg`,
      );
    }
    this.frames++;
  }

  /** Waits for the write in flight, then closes the device. */
  async finish(): Promise<void> {
    await this.#last;
    this.close();
  }

  /** Closes the device (once). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#sys.close(this.#fd);
  }
}
