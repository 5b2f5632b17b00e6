/**
 * The video frames an MP4 or QuickTime file can give, read from its own index (the
 * `moov` box) instead of by an ffprobe: a finished recording is checked this way in a
 * few milliseconds, where starting ffprobe alone takes a tenth of a second (it links
 * some 200 shared libraries). A frame counts only when every byte the index gives it
 * lies inside the file, so a file cut short (a full disk) counts the frames it still
 * holds, as ffprobe's packet count does.
 *
 * Only the plain shape segcam's encoder writes is read: `ftyp` first, one `moov`, a
 * video track with `stsz`, `stsc` and `stco`/`co64`, no fragments. Anything else gives
 * undefined, and the caller asks ffprobe: a file this reader does not understand is
 * never called complete (nor damaged) on its word.
 */
import { readAt, readingFile } from "./file_reading.ts";

/** The largest `moov` read into memory: an hour at 60 fps indexes in about 2 MB. */
const MAX_MOOV_BYTES = 64 * 1024 * 1024;

/**
 * Video frames of the first video track whose bytes are all in the file, or undefined
 * when the file is not an MP4 of the plain shape above (or cannot be read).
 */
export function mp4ReadableFrames(path: string): Promise<number | undefined> {
  return readingFile(path, async (file, size) => {
    const moov = await readMoov(file, size);
    return moov === undefined ? undefined : videoFramesInFile(moov, size);
  });
}

/** The `moov` box's contents (without its header), found by walking the top-level boxes. */
async function readMoov(file: Deno.FsFile, size: number): Promise<Uint8Array | undefined> {
  const header = new Uint8Array(16);
  let offset = 0;
  let first = true;
  while (offset + 8 <= size) {
    const got = await readAt(file, offset, header.subarray(0, Math.min(16, size - offset)));
    if (got < 8) return undefined;
    const view = new DataView(header.buffer);
    let boxSize = view.getUint32(0);
    const type = fourCc(header, 4);
    if (first && type !== "ftyp") return undefined;
    first = false;
    let headerSize = 8;
    if (boxSize === 1) {
      if (got < 16) return undefined;
      boxSize = Number(view.getBigUint64(8));
      headerSize = 16;
    } else if (boxSize === 0) {
      boxSize = size - offset;
    }
    if (boxSize < headerSize) return undefined;
    if (type === "moov") {
      const length = boxSize - headerSize;
      // A moov that runs past the end of the file was cut: not the plain shape.
      if (offset + boxSize > size || length > MAX_MOOV_BYTES) return undefined;
      const body = new Uint8Array(length);
      if (await readAt(file, offset + headerSize, body) !== length) return undefined;
      return body;
    }
    offset += boxSize;
  }
  return undefined;
}

function fourCc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

/** A box inside `bytes`: its type and the range of its contents. */
interface Box {
  type: string;
  start: number;
  end: number;
}

/** The child boxes of `bytes[start, end)`; undefined when one overruns its parent. */
function children(bytes: Uint8Array, start: number, end: number): Box[] | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxes: Box[] = [];
  let at = start;
  while (at + 8 <= end) {
    let size = view.getUint32(at);
    let header = 8;
    if (size === 1) {
      if (at + 16 > end) return undefined;
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < header || at + size > end) return undefined;
    boxes.push({ type: fourCc(bytes, at + 4), start: at + header, end: at + size });
    at += size;
  }
  return boxes;
}

function child(boxes: Box[] | undefined, type: string): Box | undefined {
  return boxes?.find((box) => box.type === type);
}

/** Video samples of the first video track lying wholly inside a file of `size` bytes. */
function videoFramesInFile(moov: Uint8Array, size: number): number | undefined {
  const view = new DataView(moov.buffer, moov.byteOffset, moov.byteLength);
  const top = children(moov, 0, moov.length);
  if (top === undefined || child(top, "mvex") !== undefined) return undefined; // fragments
  for (const trak of top.filter((box) => box.type === "trak")) {
    const mdia = child(children(moov, trak.start, trak.end), "mdia");
    if (mdia === undefined) return undefined;
    const inMdia = children(moov, mdia.start, mdia.end);
    const hdlr = child(inMdia, "hdlr");
    // hdlr: version and flags (4), pre_defined (4), handler_type (4).
    if (hdlr === undefined || hdlr.end - hdlr.start < 12) return undefined;
    if (fourCc(moov, hdlr.start + 8) !== "vide") continue;
    const minf = child(inMdia, "minf");
    const stbl = minf && child(children(moov, minf.start, minf.end), "stbl");
    if (stbl === undefined) return undefined;
    return samplesInFile(view, children(moov, stbl.start, stbl.end), size);
  }
  return undefined;
}

/** Walks the chunks of one track (stsc, stco/co64) and its sample sizes (stsz). */
function samplesInFile(
  view: DataView,
  table: Box[] | undefined,
  size: number,
): number | undefined {
  const stsz = child(table, "stsz"), stsc = child(table, "stsc");
  const stco = child(table, "stco"), co64 = child(table, "co64");
  if (stsz === undefined || stsc === undefined || (stco ?? co64) === undefined) return undefined;
  // stsz: version and flags, sample_size (0: a table follows), sample_count, [entry_size].
  if (stsz.end - stsz.start < 12) return undefined;
  const fixed = view.getUint32(stsz.start + 4), samples = view.getUint32(stsz.start + 8);
  if (fixed === 0 && stsz.start + 12 + 4 * samples > stsz.end) return undefined;
  const sampleSize = (i: number) => fixed !== 0 ? fixed : view.getUint32(stsz.start + 12 + 4 * i);
  // stco / co64: version and flags, entry_count, offsets of 4 or 8 bytes.
  const offsets = (stco ?? co64)!, wide = stco === undefined;
  const chunks = view.getUint32(offsets.start + 4);
  if (offsets.start + 8 + chunks * (wide ? 8 : 4) > offsets.end) return undefined;
  const chunkOffset = (i: number) =>
    wide
      ? Number(view.getBigUint64(offsets.start + 8 + 8 * i))
      : view.getUint32(offsets.start + 8 + 4 * i);
  // stsc: version and flags, entry_count, (first_chunk, samples_per_chunk, description).
  const runs = view.getUint32(stsc.start + 4);
  if (runs === 0 || stsc.start + 8 + 12 * runs > stsc.end) return undefined;
  let sample = 0, inFile = 0;
  for (let run = 0; run < runs; run++) {
    const at = stsc.start + 8 + 12 * run;
    const first = view.getUint32(at) - 1, perChunk = view.getUint32(at + 4);
    const next = run + 1 < runs ? view.getUint32(at + 12) - 1 : chunks;
    if (first < 0 || next < first || next > chunks) return undefined;
    for (let chunk = first; chunk < next; chunk++) {
      let end = chunkOffset(chunk);
      for (let k = 0; k < perChunk && sample < samples; k++, sample++) {
        end += sampleSize(sample);
        if (end <= size) inFile++;
      }
    }
  }
  // An index whose chunks hold fewer samples than it counts is not one to trust.
  return sample === samples ? inFile : undefined;
}
