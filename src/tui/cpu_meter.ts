/**
 * CPU use of segcam and its ffmpeg children, from /proc/<pid>/stat (utime + stime in
 * clock ticks; 100 per second on Linux, USER_HZ). Deno only lets a program read /proc
 * with --allow-all, so the files are read through libc's open and read (FFI, which
 * segcam has for onnxruntime), or else through `cat` (covered by --allow-run). `cat`
 * cost a process start every second: in a profile of the main job its starts were a
 * fifth of segcam's page faults. Undefined where /proc is absent (macOS, Windows).
 */
const TICKS_PER_SECOND = 100;

/** Returns the text of /proc/<pid>/stat for each pid, in order. */
export type StatReader = (pids: number[]) => Promise<string[]>;

export const catProcStats: StatReader = async (pids) => {
  const { success, stdout } = await new Deno.Command("cat", {
    args: pids.map((pid) => `/proc/${pid}/stat`),
    stderr: "null",
  }).output();
  if (!success) throw new Error("cannot read /proc");
  return new TextDecoder().decode(stdout).trim().split("\n");
};

const LIBC = {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

/**
 * The same through libc (no process per sample), or undefined without FFI or glibc.
 * /proc/<pid>/stat is one short line: one read of 1 KiB takes it whole.
 */
export function libcProcStats(): StatReader | undefined {
  let lib: Deno.DynamicLibrary<typeof LIBC>;
  try {
    if (Deno.build.os !== "linux") return undefined;
    lib = Deno.dlopen("libc.so.6", LIBC);
  } catch {
    return undefined;
  }
  const buffer = new Uint8Array(1024), encoder = new TextEncoder(), decoder = new TextDecoder();
  return (pids) => {
    try {
      return Promise.resolve(pids.map(readOne));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  function readOne(pid: number): string {
    const fd = lib.symbols.open(encoder.encode(`/proc/${pid}/stat\0`), 0 /* O_RDONLY */);
    if (fd < 0) throw new Error(`cannot read /proc/${pid}/stat`);
    try {
      const n = Number(lib.symbols.read(fd, buffer, BigInt(buffer.length)));
      if (n <= 0) throw new Error(`cannot read /proc/${pid}/stat`);
      return decoder.decode(buffer.subarray(0, n)).trim();
    } finally {
      lib.symbols.close(fd);
    }
  }
}

export class CpuMeter {
  #lastTicks = 0;
  #lastTime = 0;
  readonly #now: () => number;
  readonly #read: StatReader;

  constructor(
    now: () => number = () => performance.now(),
    read: StatReader = libcProcStats() ?? catProcStats,
  ) {
    this.#now = now;
    this.#read = read;
  }

  /** % of one core used by `pids` together since the previous call (undefined the first time). */
  async sample(pids: number[]): Promise<number | undefined> {
    let ticks = 0;
    try {
      for (const stat of await this.#read(pids)) {
        // Fields after the command name (which may contain spaces) start at ") ".
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
      }
    } catch {
      return undefined;
    }
    const now = this.#now();
    const elapsed = (now - this.#lastTime) / 1000;
    const used = (ticks - this.#lastTicks) / TICKS_PER_SECOND;
    const first = this.#lastTime === 0;
    this.#lastTicks = ticks;
    this.#lastTime = now;
    return first || elapsed <= 0 || !Number.isFinite(used)
      ? undefined
      : Math.max(0, (100 * used) / elapsed);
  }
}
