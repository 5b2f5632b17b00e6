/**
 * Reading a file in place, for the in-process checks of finished videos (mp4_index.ts,
 * mkv_index.ts): a read at an offset, and a file opened for one question whose answer
 * is undefined when it cannot be opened or read.
 */

/** Reads into `into` from `offset`: the bytes read (fewer at the end of the file). */
export async function readAt(file: Deno.FsFile, offset: number, into: Uint8Array): Promise<number> {
  await file.seek(offset, Deno.SeekMode.Start);
  let filled = 0;
  while (filled < into.length) {
    const n = await file.read(into.subarray(filled));
    if (n === null) break;
    filled += n;
  }
  return filled;
}

/**
 * `read(file, size)` on `path` opened for reading, then closed; undefined when the file
 * cannot be opened or a read fails.
 */
export async function readingFile<T>(
  path: string,
  read: (file: Deno.FsFile, size: number) => Promise<T | undefined>,
): Promise<T | undefined> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch {
    return undefined;
  }
  try {
    return await read(file, (await file.stat()).size);
  } catch {
    return undefined;
  } finally {
    file.close();
  }
}
