/**
 * The PNG side of image_file.ts: a writer for 8-bit grayscale, RGB and RGBA (imagescript
 * writes only RGBA, and masks are best stored as true one-channel grayscale: a quarter
 * of the size, and every tool reads them as one channel), the size in the header, and
 * a structure check, since imagescript's decoder ignores checksums and would turn a
 * garbled file into garbled pixels.
 */
import { deflateSync } from "node:zlib";

/** Width and height from the IHDR chunk, which the PNG spec requires to come first. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") {
    return undefined;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** The detail of a damaged-file message for a file cut short. */
export function truncatedDetail(bytes: Uint8Array): string {
  return `it ends before the image data does, after ${bytes.length} bytes`;
}

/**
 * Why a PNG's chunk structure is broken: it stops before its IEND chunk (a truncated
 * download or copy), or a chunk fails its CRC. Undefined when the structure is sound.
 */
export function pngDamage(bytes: Uint8Array): string | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 8; at + 12 <= bytes.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const end = at + 12 + length;
    if (end > bytes.length) break;
    if (crc32(bytes.subarray(at + 4, end - 4)) !== view.getUint32(end - 4)) {
      return `its ${type} chunk fails its checksum`;
    }
    if (type === "IEND") return undefined;
    at = end;
  }
  return truncatedDetail(bytes);
}

/** PNG colour types: 0 grayscale, 2 RGB, 6 RGBA (all 8 bits per sample). */
export type PngColorType = 0 | 2 | 6;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Every row after the first uses the "Up" filter (each byte minus the one above): it is
 * branch-free, and on 500x400 portraits it made the PNG 35-45% smaller than no filter,
 * as small as Paeth and faster. Masks come out about 6% larger than unfiltered, a
 * price of ~100 bytes. zlib level 6 is zlib's own default balance of size and speed.
 */
export function encodePng(
  pixels: Uint8Array,
  width: number,
  height: number,
  colorType: PngColorType,
): Uint8Array {
  const channels = colorType === 0 ? 1 : colorType === 2 ? 3 : 4;
  const stride = width * channels;
  const filtered = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    const out = y * (stride + 1);
    if (y === 0) {
      filtered[out] = 0; // None: there is no row above
      filtered.set(pixels.subarray(0, stride), out + 1);
      continue;
    }
    filtered[out] = 2; // Up
    for (let i = 0; i < stride; i++) {
      filtered[out + 1 + i] = pixels[row + i] - pixels[row - stride + i];
    }
  }
  const idat = deflateSync(filtered, { level: 6 });
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header[8] = 8; // bits per sample
  header[9] = colorType;
  // header[10..12]: deflate compression, adaptive filtering, no interlace (all 0)
  const chunks = [
    pngChunk("IHDR", header),
    pngChunk("IDAT", new Uint8Array(idat.buffer, idat.byteOffset, idat.byteLength)),
    pngChunk("IEND", new Uint8Array(0)),
  ];
  const png = new Uint8Array(8 + chunks.reduce((n, c) => n + c.length, 0));
  png.set(PNG_SIGNATURE, 0);
  let at = 8;
  for (const chunk of chunks) {
    png.set(chunk, at);
    at += chunk.length;
  }
  return png;
}

function pngChunk(type: string, payload: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(12 + payload.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, payload.length);
  for (let i = 0; i < 4; i++) chunk[4 + i] = type.charCodeAt(i);
  chunk.set(payload, 8);
  view.setUint32(8 + payload.length, crc32(chunk.subarray(4, 8 + payload.length)));
  return chunk;
}

/** CRC-32 (ISO 3309, polynomial 0xEDB88320) as PNG requires over each chunk's type + data. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
