/**
 * The video frames a Matroska or WebM file holds, counted by walking its clusters in
 * process instead of by an ffprobe (whose start alone takes 0.1 s): the finishing
 * check of a `.mkv` or `.webm` that segcam wrote, as mp4_index.ts is for MP4. A frame
 * counts only when its whole block lies inside the file, so a file cut short counts
 * the frames it still holds.
 *
 * Only the shape ffmpeg's Matroska muxer writes is read: an EBML header, one Segment,
 * a Tracks element before the clusters, video in SimpleBlocks or BlockGroups without
 * lacing. Anything else (an unknown-size cluster, laced video, elements that overrun
 * their parent) gives undefined, and the caller asks ffprobe.
 */
import { readAt, readingFile } from "./file_reading.ts";

const EBML = 0x1a45dfa3, SEGMENT = 0x18538067, TRACKS = 0x1654ae6b, TRACK_ENTRY = 0xae;
const TRACK_NUMBER = 0xd7, TRACK_TYPE = 0x83, CLUSTER = 0x1f43b675;
const SIMPLE_BLOCK = 0xa3, BLOCK_GROUP = 0xa0, BLOCK = 0xa1;
/** Matroska's TrackType of a video track. */
const VIDEO = 1;
/** The largest Tracks or Cluster element read into memory at once. */
const MAX_ELEMENT_BYTES = 256 * 1024 * 1024;

/** An element's header: its id, where its data starts and its size (undefined: unknown). */
interface Header {
  id: number;
  data: number;
  size: number | undefined;
}

/**
 * Video frames of the first video track whose blocks are whole in the file, or
 * undefined when the file is not a Matroska file of the shape above.
 */
export function mkvReadableFrames(path: string): Promise<number | undefined> {
  return readingFile(path, countFrames);
}

async function countFrames(file: Deno.FsFile, size: number): Promise<number | undefined> {
  const head = new Uint8Array(16);
  const headerAt = async (offset: number): Promise<Header | undefined> => {
    const got = await readAt(file, offset, head.subarray(0, Math.min(16, size - offset)));
    return parseHeader(head.subarray(0, got), 0, offset);
  };
  const ebml = await headerAt(0);
  if (ebml?.id !== EBML || ebml.size === undefined) return undefined;
  const segment = await headerAt(ebml.data + ebml.size);
  if (segment?.id !== SEGMENT) return undefined;
  // A segment whose size was never written (the muxer stopped) runs to the end.
  const end = Math.min(size, segment.size === undefined ? size : segment.data + segment.size);
  let video: number | undefined;
  let frames = 0;
  for (let at = segment.data; at < end;) {
    const element = await headerAt(at);
    // A header cut by the end of the file: the frames before it count; elsewhere, not ours.
    if (element === undefined) return size - at < 12 && video !== undefined ? frames : undefined;
    if (element.size === undefined) {
      // Only a cluster cut while being written has no size: the frames before it count.
      return element.id === CLUSTER && video !== undefined ? frames : undefined;
    }
    const elementEnd = element.data + element.size;
    if (element.id === TRACKS || element.id === CLUSTER) {
      // Cut inside: read what is there; blocks past the end do not count.
      const length = Math.min(elementEnd, size) - element.data;
      if (length > MAX_ELEMENT_BYTES) return undefined;
      const body = new Uint8Array(length);
      if (await readAt(file, element.data, body) !== length) return undefined;
      if (element.id === TRACKS) {
        video = firstVideoTrack(body);
        if (video === undefined) return undefined;
      } else {
        if (video === undefined) return undefined; // clusters before the tracks: not ours
        const found = blocksOf(body, video);
        if (found === undefined) return undefined;
        frames += found;
      }
    }
    at = elementEnd;
  }
  return video === undefined ? undefined : frames;
}

/** A variable-length integer at `at`: its value (marker bit kept for ids) and length. */
function vint(bytes: Uint8Array, at: number, keepMarker: boolean) {
  const first = bytes[at];
  if (first === undefined || first === 0) return undefined;
  const length = Math.clz32(first) - 23; // 1 for 0b1xxxxxxx … 8 for 0b00000001
  if (at + length > bytes.length) return undefined;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = (first & (0xff >> length)) === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + bytes[at + i];
    allOnes &&= bytes[at + i] === 0xff;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

/** The element header at `at` of `bytes` (which start at file offset `base`). */
function parseHeader(bytes: Uint8Array, at: number, base: number): Header | undefined {
  const id = vint(bytes, at, true);
  if (id === undefined || id.length > 4) return undefined;
  const size = vint(bytes, at + id.length, false);
  if (size === undefined) return undefined;
  return {
    id: id.value,
    data: base + at + id.length + size.length,
    size: size.unknown ? undefined : size.value,
  };
}

/** The children of `bytes[start, end)`; undefined when one is malformed or has no size. */
function children(bytes: Uint8Array, start: number, end: number): Header[] | undefined {
  const out: Header[] = [];
  for (let at = start; at < end;) {
    const header = parseHeader(bytes, at, 0);
    if (header === undefined || header.size === undefined) return undefined;
    out.push(header);
    at = header.data + header.size;
  }
  return out;
}

function unsigned(bytes: Uint8Array, header: Header): number {
  let value = 0;
  for (let i = 0; i < header.size!; i++) value = value * 256 + bytes[header.data + i];
  return value;
}

/** The number of the first video track in a Tracks element's data. */
function firstVideoTrack(bytes: Uint8Array): number | undefined {
  for (const entry of children(bytes, 0, bytes.length) ?? []) {
    if (entry.id !== TRACK_ENTRY || entry.data + entry.size! > bytes.length) continue;
    const fields = children(bytes, entry.data, entry.data + entry.size!);
    const number = fields?.find((f) => f.id === TRACK_NUMBER);
    const type = fields?.find((f) => f.id === TRACK_TYPE);
    if (number && type && unsigned(bytes, type) === VIDEO) return unsigned(bytes, number);
  }
  return undefined;
}

/**
 * Whole blocks of track `video` in a cluster's data (which may be cut short: a block
 * past its end does not count); undefined for a laced video block or a malformed one.
 */
function blocksOf(bytes: Uint8Array, video: number): number | undefined {
  let count = 0;
  for (let at = 0; at < bytes.length;) {
    const element = parseHeader(bytes, at, 0);
    // A header cut by the end of what was read: the blocks before it count. Anything
    // else unreadable is not the muxer's shape.
    if (element === undefined) return bytes.length - at < 12 ? count : undefined;
    if (element.size === undefined) return undefined;
    const end = element.data + element.size;
    if (end > bytes.length) return count; // this one is cut
    let block: Header | undefined;
    if (element.id === SIMPLE_BLOCK) block = element;
    else if (element.id === BLOCK_GROUP) {
      block = children(bytes, element.data, end)?.find((child) => child.id === BLOCK);
      if (block === undefined) return undefined;
    }
    if (block !== undefined) {
      const track = vint(bytes, block.data, false);
      if (track === undefined) return undefined;
      const flags = bytes[block.data + track.length + 2];
      if (track.value === video) {
        if ((flags & 0x06) !== 0) return undefined; // laced: several frames, not counted here
        count++;
      }
    }
    at = end;
  }
  return count;
}
