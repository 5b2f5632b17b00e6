/**
 * Conversions of the user's TFLite models, cached beside the user's other cache files:
 * `$XDG_CACHE_HOME/segcam/models/` (else `~/.cache/segcam/models/`), one
 * `<sha256>.onnx` per source file's SHA-256 and a `<sha256>.json` saying where it came
 * from. Keyed by content, not path: a renamed or copied model is not converted again,
 * and a model edited in place is. Both files are written atomically (io/atomic_file.ts),
 * so two runs converting at once, or one interrupted, never leave half a model.
 */
import { convertTflite } from "../convert/convert.ts";
import { describeFsError } from "../errors.ts";
import { makeFolderFor, writeFileAtomically } from "../io/atomic_file.ts";
import denoJson from "../../deno.json" with { type: "json" };

export type Env = (name: string) => string | undefined;

/**
 * The folder of cached conversions, in the XDG base directory spec's cache home;
 * undefined when neither XDG_CACHE_HOME nor HOME says where that is (conversions are
 * then made in memory on every run, rather than in a shared folder others could fill).
 */
export function modelCacheDir(env: Env = (name) => Deno.env.get(name)): string | undefined {
  const xdg = env("XDG_CACHE_HOME");
  // The spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  if (xdg && xdg.startsWith("/")) return `${xdg}/segcam/models`;
  const home = env("HOME");
  return home ? `${home}/.cache/segcam/models` : undefined;
}

/** What `<sha256>.json` holds. */
export interface CacheEntry {
  /** The source file, absolute, as last converted. */
  source: string;
  /** The source's SHA-256 (the key). */
  sha256: string;
  /** The ONNX file's SHA-256: a damaged cache file is converted again, never run. */
  onnxSha256: string;
  /** NCHW shapes, as the converter wrote them. */
  input: number[];
  output: number[];
  /** The segcam whose converter wrote it: another version converts again. */
  segcam: string;
  /** ISO time of the conversion. */
  converted: string;
}

export interface CachedConversion {
  onnx: Uint8Array;
  /** Undefined when there is no cache folder. */
  onnxPath?: string;
  entry: CacheEntry;
  /** False: converted by this call. */
  hit: boolean;
  /** Set when the cache could not be written: the conversion is used from memory. */
  warning?: string;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes.slice());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The ONNX conversion of `tflite` (read from `source`): from the cache when a sound one
 * is there, else converted (convert.ts's errors pass through) and cached.
 */
export async function cachedConversion(
  tflite: Uint8Array,
  source: string,
  dir: string | undefined = modelCacheDir(),
): Promise<CachedConversion> {
  const sha256 = await sha256Hex(tflite);
  const onnxPath = `${dir}/${sha256}.onnx`;
  const metaPath = `${dir}/${sha256}.json`;
  const cached = dir === undefined ? undefined : await readEntry(metaPath);
  if (cached && cached.segcam === denoJson.version) {
    try {
      const onnx = await Deno.readFile(onnxPath);
      if (await sha256Hex(onnx) === cached.onnxSha256) {
        return { onnx, onnxPath, entry: cached, hit: true };
      }
    } catch {
      // Gone or unreadable: converted again below, and rewritten.
    }
  }
  const conversion = convertTflite(tflite);
  const entry: CacheEntry = {
    source,
    sha256,
    onnxSha256: await sha256Hex(conversion.onnx),
    input: conversion.inputShape,
    output: conversion.outputShape,
    segcam: denoJson.version,
    converted: new Date().toISOString(),
  };
  if (dir === undefined) {
    return {
      onnx: conversion.onnx,
      entry,
      hit: false,
      warning:
        "neither XDG_CACHE_HOME nor HOME is set, so its conversion is not cached and is made again on every run",
    };
  }
  try {
    await makeFolderFor(onnxPath, "set XDG_CACHE_HOME to a writable folder");
    // The model first, its description last: a description always has its model.
    await writeFileAtomically(onnxPath, conversion.onnx, { force: true });
    await writeFileAtomically(
      metaPath,
      new TextEncoder().encode(JSON.stringify(entry, null, 2) + "\n"),
      { force: true },
    );
  } catch (error) {
    const why = error instanceof Error ? error.message : describeFsError(error, dir, "write");
    return {
      onnx: conversion.onnx,
      onnxPath,
      entry,
      hit: false,
      warning: `cannot cache the conversion (${why}); it is converted again on every run`,
    };
  }
  return { onnx: conversion.onnx, onnxPath, entry, hit: false };
}

async function readEntry(path: string): Promise<CacheEntry | undefined> {
  try {
    const entry = JSON.parse(await Deno.readTextFile(path));
    return typeof entry?.sha256 === "string" && typeof entry?.onnxSha256 === "string"
      ? entry as CacheEntry
      : undefined;
  } catch {
    return undefined; // no entry, or a damaged one: either way, convert
  }
}

/**
 * The cached conversions, for `segcam models`: each entry with its ONNX file's size.
 * A missing cache folder is an empty list; an unreadable one is an error (it says why),
 * not an empty list.
 */
export async function listCachedConversions(
  dir: string | undefined = modelCacheDir(),
): Promise<{ entry: CacheEntry; onnxPath: string; bytes: number | undefined }[]> {
  const found: { entry: CacheEntry; onnxPath: string; bytes: number | undefined }[] = [];
  if (dir === undefined) return found;
  let names: string[];
  try {
    names = [];
    for await (const item of Deno.readDir(dir)) names.push(item.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  for (const name of names.filter((n) => /^[0-9a-f]{64}\.json$/.test(n)).sort()) {
    const entry = await readEntry(`${dir}/${name}`);
    if (entry === undefined) continue;
    const onnxPath = `${dir}/${entry.sha256}.onnx`;
    const bytes = await Deno.stat(onnxPath).then((s) => s.size, () => undefined);
    found.push({ entry, onnxPath, bytes });
  }
  return found.sort((a, b) => a.entry.source.localeCompare(b.entry.source));
}
