/**
 * Still images in and out: PNG and JPEG files to RGBA frames (with the JPEG's EXIF
 * orientation applied, as every photo viewer does), and frames back to PNG or JPEG
 * bytes. Decoding and JPEG encoding go through imagescript (WebAssembly, no native
 * dependency); PNG is written by png.ts, JPEG markers read by jpeg.ts, orientation
 * applied by orientation.ts.
 */
import type { Image } from "imagescript";
import { describeFsError, InputError, InterruptedError, UsageError } from "../errors.ts";
import { assertFrame, type Frame } from "../frame.ts";
import { writeFileAtomically } from "./atomic_file.ts";
import { DEFAULT_JPEG_QUALITY, jpegEndsEarly, jpegOrientation, jpegSize } from "./jpeg.ts";
import { shellOnLossyName } from "./input_files.ts";
import { orientFrame } from "./orientation.ts";
import { encodePng, pngDamage, pngSize, truncatedDetail } from "./png.ts";

export { jpegOrientation };

/**
 * imagescript, loaded on first use: `segcam video` and `live` with an effect that never
 * reads an image do not pay for its import. With tinyglobby and the model-file path
 * loaded the same way, their modules import in 120 ms instead of 170.
 */
let imagescript: Promise<typeof import("imagescript")> | undefined;
function loadImagescript(): Promise<typeof import("imagescript")> {
  return imagescript ??= import("imagescript");
}

/**
 * The largest image segcam decodes: 120 megapixels. Decoding takes about 15 bytes a
 * pixel at its peak (imagescript's compressed and unfiltered copies plus the RGBA
 * bitmap: 2.2 GB for a 12000x12000 PNG, measured) and the effect adds about 10 more
 * (the output, the mask, the blur's scratch), so 120 MP is about 3 GB per image at
 * once. It holds every camera sensor in common use (a 102 MP medium-format still,
 * 8K video frames are 33 MP) and refuses what would run a typical 8-16 GB machine out
 * of memory, or overflow imagescript's 4 GB of WebAssembly memory, after minutes.
 */
export const MAX_IMAGE_PIXELS = 120_000_000;

/** The formats segcam reads and writes. */
export type ImageFormat = "png" | "jpeg";

export interface EncodeOptions {
  /** JPEG quality, 1 (smallest) to 100 (best). Default 90; ignored for PNG. */
  quality?: number;
}

export interface WriteImageOptions extends EncodeOptions {
  /** Replace an existing file. Default: refuse. */
  force?: boolean;
}

/** Format by file extension (case-insensitive): .png, .jpg/.jpeg; undefined otherwise. */
export function imageFormatOf(path: string): ImageFormat | undefined {
  if (/\.png$/i.test(path)) return "png";
  if (/\.jpe?g$/i.test(path)) return "jpeg";
  return undefined;
}

/**
 * Reads a PNG or JPEG file as an RGBA frame, upright: a JPEG's EXIF orientation is
 * applied to the pixels. `data` views the decoder's bitmap (no copy) unless the image
 * had to be rotated or flipped. Throws InputError for a missing, unreadable, unsupported
 * or damaged file.
 */
export async function readImage(path: string, signal?: AbortSignal): Promise<Frame> {
  const bytes = await readImageBytes(path, signal);
  const format = sniffFormat(bytes) as "png" | "jpeg";
  const size = format === "png" ? pngSize(bytes) : jpegSize(bytes);
  if (size !== undefined && size.width * size.height > MAX_IMAGE_PIXELS) {
    const mp = (n: number) => `${Math.round(n / 1e6)} megapixels`;
    throw new InputError(
      `The image ${path} is ${size.width}x${size.height} (${mp(size.width * size.height)}), ` +
        `more than segcam's limit of ${mp(MAX_IMAGE_PIXELS)}; scale it down first ` +
        `(e.g. ffmpeg -i ${path} -vf scale=iw/2:-1 smaller.${format === "png" ? "png" : "jpg"})`,
    );
  }
  // imagescript's PNG decoder ignores checksums, so a garbled file would come out as
  // garbled pixels; check the chunk structure and CRCs first (about 3 ms per MB).
  const damage = format === "png" ? pngDamage(bytes) : undefined;
  let image: Image | undefined;
  let cause: unknown;
  if (damage === undefined) {
    // Loaded outside the try: a module that fails to load is no damage to the image.
    const library = await loadImagescript();
    try {
      image = await library.Image.decode(bytes);
    } catch (error) {
      cause = error;
    }
  }
  if (image === undefined) {
    const detail = damage ??
      (jpegEndsEarly(bytes) ? truncatedDetail(bytes) : "the JPEG data cannot be decoded");
    throw new InputError(
      `The image ${path} is damaged or truncated (${detail}); export or download it again`,
      { cause },
    );
  }
  const bitmap = image.bitmap;
  const frame: Frame = {
    data: new Uint8Array(bitmap.buffer, bitmap.byteOffset, bitmap.byteLength),
    width: image.width,
    height: image.height,
    channels: 4,
  };
  return format === "jpeg" ? orientFrame(frame, jpegOrientation(bytes)) : frame;
}

/**
 * Encodes an RGB or RGBA frame as PNG (colour type 2 or 6, keeping alpha) or JPEG
 * (alpha is dropped: the colour channels are written as they are).
 */
export async function encodeImage(
  frame: Frame,
  format: ImageFormat,
  options: EncodeOptions = {},
): Promise<Uint8Array> {
  assertFrame(frame);
  if (format === "png") {
    return encodePng(frame.data, frame.width, frame.height, frame.channels === 4 ? 6 : 2);
  }
  const quality = options.quality ?? DEFAULT_JPEG_QUALITY;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new UsageError(`JPEG quality must be a whole number from 1 to 100, got ${quality}`);
  }
  // imagescript's encoder reads RGBA from an Image it owns, so one copy is unavoidable.
  const image = new (await loadImagescript()).Image(frame.width, frame.height);
  if (frame.channels === 4) {
    image.bitmap.set(frame.data);
  } else {
    const rgba = image.bitmap;
    const rgb = frame.data;
    for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
      rgba[j] = rgb[i];
      rgba[j + 1] = rgb[i + 1];
      rgba[j + 2] = rgb[i + 2];
      rgba[j + 3] = 255;
    }
  }
  // imagescript types quality as a 1..100 literal union; the range was checked above.
  return await image.encodeJPEG(quality as Parameters<Image["encodeJPEG"]>[0]);
}

/** Encodes an 8-bit single-channel mask (0..255, row-major) as a grayscale PNG (colour type 0). */
export function encodeGrayPng(gray: Uint8Array, width: number, height: number): Uint8Array {
  if (gray.length !== width * height) {
    throw new RangeError(
      `encodeGrayPng: expected ${width * height} bytes for ${width}x${height}, got ${gray.length}`,
    );
  }
  return encodePng(gray, width, height, 0);
}

/**
 * Writes `frame` to `path` as PNG or JPEG, chosen by the extension, through a temporary
 * file (never half-written; an existing file is replaced only with `force`).
 */
export async function writeImage(
  path: string,
  frame: Frame,
  options: WriteImageOptions = {},
): Promise<void> {
  const format = imageFormatOf(path);
  if (format === undefined) {
    throw new UsageError(
      `Cannot write ${path}: segcam writes .png, .jpg and .jpeg images; end the file name with one of them`,
    );
  }
  const bytes = await encodeImage(frame, format, options);
  await writeFileAtomically(path, bytes, { force: options.force });
}

/**
 * The largest image file segcam reads: 1 GiB. A 120-megapixel PNG stored without any
 * compression is 480 MB; anything larger is not an image segcam could decode, and
 * reading it whole first (a 3 GB sparse ".jpg" took 41 s and 6.4 GB) helps nobody.
 */
export const MAX_IMAGE_BYTES = 1 << 30;

/**
 * An image file's bytes, read only after what can be known cheaply says it is worth
 * it: a regular file (not /dev/zero, a FIFO or a folder, which would never end or
 * never start), of a sane size, whose first bytes are a PNG or JPEG signature.
 */
async function readImageBytes(path: string, signal?: AbortSignal): Promise<Uint8Array> {
  let file: Deno.FsFile;
  const lossy = await readLossyName(path);
  if (lossy !== undefined) return lossy;
  try {
    // Non-blocking stat before open: opening a FIFO for reading waits for a writer.
    const info = await Deno.stat(path);
    if (!info.isFile) {
      throw new InputError(
        info.isDirectory
          ? `Cannot read ${path}: it is a folder, not a file`
          : `Cannot read ${path}: it is not a regular file (a device, FIFO or socket); give a PNG or JPEG file`,
      );
    }
    if (info.size > MAX_IMAGE_BYTES) {
      throw new InputError(
        `Cannot read ${path}: it is ${(info.size / 2 ** 30).toFixed(1)} GiB, more than the ` +
          `${
            MAX_IMAGE_BYTES / 2 ** 30
          } GiB an image segcam can decode may be; give a PNG or JPEG image`,
      );
    }
    file = await Deno.open(path);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(describeFsError(error, path, "read"), { cause: error });
  }
  try {
    const head = new Uint8Array(16);
    let got = 0;
    while (got < head.length) {
      const n = await file.read(head.subarray(got));
      if (n === null) break;
      got += n;
    }
    const sniffed = sniffFormat(head.subarray(0, got));
    if (sniffed !== "png" && sniffed !== "jpeg") {
      throw new InputError(unsupportedMessage(path, head.subarray(0, got), sniffed));
    }
    await file.seek(0, Deno.SeekMode.Start);
    const bytes = await new Response(file.readable).bytes();
    if (signal?.aborted) throw new InterruptedError();
    return bytes;
  } catch (error) {
    if (error instanceof InputError || error instanceof InterruptedError) throw error;
    throw new InputError(describeFsError(error, path, "read"), { cause: error });
  } finally {
    try {
      file.close();
    } catch { /* closed by its stream */ }
  }
}

/**
 * The bytes of a file whose name is not valid UTF-8, read through the shell (see
 * input_files.ts's lossyNamePattern), with the same checks as any image: a regular
 * file, at most MAX_IMAGE_BYTES, a PNG or JPEG signature. Undefined when `path` is an
 * ordinary name or names a file Deno can open.
 */
async function readLossyName(path: string): Promise<Uint8Array | undefined> {
  const found = await Deno.stat(path).then(() => true, () => false);
  if (found) return undefined;
  const command = shellOnLossyName(path, `exec head -c ${MAX_IMAGE_BYTES + 1} -- "$1"`, "piped");
  if (command === undefined) return undefined;
  const { code, stdout } = await command.output();
  if (code !== 0) return undefined; // the usual "no such file" follows
  if (stdout.length > MAX_IMAGE_BYTES) {
    throw new InputError(
      `Cannot read ${path}: it is more than the ${
        MAX_IMAGE_BYTES / 2 ** 30
      } GiB an image segcam can decode may be; give a PNG or JPEG image`,
    );
  }
  const sniffed = sniffFormat(stdout.subarray(0, 16));
  if (sniffed !== "png" && sniffed !== "jpeg") {
    throw new InputError(unsupportedMessage(path, stdout.subarray(0, 16), sniffed));
  }
  return stdout;
}

// ---------------------------------------------------------------------------------------
// Format sniffing and error messages

type SniffedFormat = ImageFormat | "gif" | "webp" | "tiff" | "bmp" | "heic" | "avif" | undefined;

function sniffFormat(b: Uint8Array): SniffedFormat {
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
  if (b.length >= 8 && b[0] === 0x89 && ascii(1, 4) === "PNG") return "png";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
  if (ascii(0, 4) === "GIF8") return "gif";
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "webp";
  if (ascii(0, 4) === "II*\0" || ascii(0, 4) === "MM\0*") return "tiff";
  if (ascii(0, 2) === "BM") return "bmp";
  if (ascii(4, 8) === "ftyp") {
    const brand = ascii(8, 12);
    if (brand === "avif" || brand === "avis") return "avif";
    if (/^(heic|heix|heim|heis|mif1|msf1)$/.test(brand)) return "heic";
  }
  return undefined;
}

function unsupportedMessage(path: string, bytes: Uint8Array, format: SniffedFormat): string {
  if (bytes.length === 0) {
    return `Cannot read ${path}: the file is empty; segcam reads PNG and JPEG images`;
  }
  if (format !== undefined) {
    return `Cannot read ${path}: it is a ${format.toUpperCase()} image, but segcam reads only ` +
      `PNG and JPEG; convert it to PNG or JPEG first`;
  }
  return `Cannot read ${path}: it is not a PNG or JPEG image (the formats segcam reads)`;
}
