/**
 * The JPEG side of image_file.ts: walking the marker segments before the first scan
 * for the EXIF orientation and the frame size, and telling a file cut short from one
 * that is otherwise broken. Decoding itself is imagescript's.
 */

/**
 * True when a JPEG stops before its end-of-image marker. Entropy-coded data escapes
 * 0xFF as 0xFF00, so the first 0xFFD9 after the first scan header is that marker.
 */
/** JPEG quality when none is given: visually lossless for photos at about 1/10 of PNG. */
export const DEFAULT_JPEG_QUALITY = 90;

export function jpegEndsEarly(bytes: Uint8Array): boolean {
  const scan = findJpegScan(bytes);
  if (scan < 0) return scan === -1;
  for (let i = scan; i + 1 < bytes.length; i++) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return false;
  }
  return true;
}

/**
 * Calls `visit(marker, start, length)` for each marker segment before the first scan
 * (start is the offset of the segment's payload after its 2-byte length) until `visit`
 * returns true. Returns the offset just after the start-of-scan header, -1 when the data
 * ends first, -2 when the markers make no sense.
 */
function findJpegScan(
  bytes: Uint8Array,
  visit?: (marker: number, start: number, length: number) => boolean,
): number {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return -2;
    const marker = bytes[at + 1];
    if (marker === 0xff) { // fill byte before a marker
      at++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) { // markers without a length
      at += 2;
      continue;
    }
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    const end = at + 2 + length;
    if (length < 2) return -2;
    if (end > bytes.length) return -1;
    if (marker === 0xda) return end;
    if (marker === 0xd9) return -2;
    if (visit?.(marker, at + 4, length - 2)) visit = undefined;
    at = end;
  }
  return -1;
}

/**
 * The EXIF orientation (1-8) of a JPEG, from the Orientation tag (0x0112) of IFD0 in
 * the first APP1 "Exif" segment; 1 (upright) when absent or malformed, since a broken
 * EXIF block should not stop us from reading otherwise good pixels.
 */
export function jpegOrientation(bytes: Uint8Array): number {
  let orientation = 1;
  findJpegScan(bytes, (marker, start, length) => {
    if (marker !== 0xe1 || length < 14) return false;
    const id = String.fromCharCode(...bytes.subarray(start, start + 6));
    if (id !== "Exif\0\0") return false; // e.g. an XMP APP1; keep looking
    orientation = tiffOrientation(bytes.subarray(start + 6, start + length));
    return true;
  });
  return orientation;
}

function tiffOrientation(tiff: Uint8Array): number {
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const order = String.fromCharCode(tiff[0], tiff[1]);
  if (order !== "II" && order !== "MM") return 1;
  const little = order === "II";
  if (view.getUint16(2, little) !== 42) return 1;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return 1;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) return 1;
    if (view.getUint16(entry, little) !== 0x0112) continue;
    const type = view.getUint16(entry + 2, little);
    if (type !== 3) return 1; // SHORT, per the EXIF 2.3 spec
    const value = view.getUint16(entry + 8, little);
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

/**
 * Width and height from the first start-of-frame segment (SOF0..SOF15 except DHT 0xC4,
 * JPG 0xC8 and DAC 0xCC): precision (1 byte), height (2), width (2). Undefined when the
 * markers end or make no sense first.
 */
export function jpegSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  let size: { width: number; height: number } | undefined;
  findJpegScan(bytes, (marker, start, length) => {
    const sof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 &&
      marker !== 0xcc;
    if (!sof || length < 5) return false;
    size = {
      height: (bytes[start + 1] << 8) | bytes[start + 2],
      width: (bytes[start + 3] << 8) | bytes[start + 4],
    };
    return true;
  });
  return size;
}
