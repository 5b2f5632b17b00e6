/**
 * Pipes to and from ffmpeg that hold a frame's worth: Linux pipes hold 64 KiB, so a
 * 2.7 MB rgb24 720p frame crossed them in 42 reads (or writes), each a wake-up of both
 * processes and a promise round trip in Deno. F_SETPIPE_SZ raises the pipe to 1 MiB
 * (/proc/sys/fs/pipe-max-size, the most an unprivileged process may ask): the same
 * frame in 3 reads, and measured on 720p rgb24 frames, 1.4 → 0.85 ms of segcam's CPU
 * per frame read.
 *
 * Deno does not expose a child's pipe as a file descriptor, so it is found through
 * libc (FFI, which segcam has for onnxruntime; /proc is closed to Deno's own file
 * API without --allow-all): the child's /proc/PID/fd/N names the pipe
 * ("pipe:[inode]"), and the one of our descriptors that names the same pipe is ours.
 * Best effort: without FFI or /proc, or over the limit, pipes stay as they are.
 */

/** F_SETPIPE_SZ and F_GETPIPE_SZ (linux/fcntl.h: F_LINUX_SPECIFIC_BASE 1024 + 7, + 8). */
export const F_SETPIPE_SZ = 1031;
export const F_GETPIPE_SZ = 1032;
/** The default /proc/sys/fs/pipe-max-size. */
export const PIPE_BYTES = 1 << 20;
/** How far our descriptors are searched (a live run holds a few dozen). */
const MAX_FD = 1024;

const LIBC = {
  readlink: { parameters: ["buffer", "buffer", "u64"], result: "i64" },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
} as const;

let libc: Deno.DynamicLibrary<typeof LIBC> | null | undefined;

function loadLibc(): Deno.DynamicLibrary<typeof LIBC> | null {
  if (libc !== undefined) return libc;
  try {
    libc = Deno.build.os === "linux" ? Deno.dlopen("libc.so.6", LIBC) : null;
  } catch {
    libc = null; // no --allow-ffi, or no glibc
  }
  return libc;
}

const target = new Uint8Array(64);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function readLink(lib: Deno.DynamicLibrary<typeof LIBC>, path: string): string | undefined {
  const n = Number(
    lib.symbols.readlink(encoder.encode(`${path}\0`), target, BigInt(target.length)),
  );
  return n > 0 ? decoder.decode(target.subarray(0, n)) : undefined;
}

/**
 * Raises the pipes on the child's descriptors `fds` (0: its stdin, 1: its stdout) to
 * `bytes`. Returns the size each pipe has afterwards (undefined where it was not found).
 */
export function enlargeChildPipes(
  pid: number,
  fds: readonly number[],
  bytes = PIPE_BYTES,
): (number | undefined)[] {
  const lib = loadLibc();
  if (lib === null) return fds.map(() => undefined);
  const pipes = fds.map((fd) => readLink(lib, `/proc/${pid}/fd/${fd}`));
  const sizes: (number | undefined)[] = fds.map(() => undefined);
  let left = pipes.filter((p) => p?.startsWith("pipe:")).length;
  for (let fd = 3; fd < MAX_FD && left > 0; fd++) {
    const link = readLink(lib, `/proc/self/fd/${fd}`);
    const at = link === undefined ? -1 : pipes.indexOf(link);
    if (at < 0 || !link!.startsWith("pipe:")) continue;
    lib.symbols.fcntl(fd, F_SETPIPE_SZ, bytes);
    const size = lib.symbols.fcntl(fd, F_GETPIPE_SZ, 0);
    sizes[at] = size > 0 ? size : undefined;
    left--;
  }
  return sizes;
}

/**
 * Raises our own stdout to `bytes` when it is a pipe (`segcam live -o - | …`): the
 * program reading it then takes a frame in a few reads, and so does our writing.
 * Returns the pipe's size, or undefined (not a pipe, or no FFI).
 */
export function enlargeOwnStdout(bytes = PIPE_BYTES): number | undefined {
  const lib = loadLibc();
  if (lib === null) return undefined;
  if (!readLink(lib, "/proc/self/fd/1")?.startsWith("pipe:")) return undefined;
  lib.symbols.fcntl(1, F_SETPIPE_SZ, bytes);
  const size = lib.symbols.fcntl(1, F_GETPIPE_SZ, 0);
  return size > 0 ? size : undefined;
}
