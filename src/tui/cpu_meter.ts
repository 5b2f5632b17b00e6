/**
 * CPU use of segcam and its ffmpeg children, from /proc/<pid>/stat (utime + stime in
 * clock ticks; 100 per second on Linux, USER_HZ). Deno only lets a program read /proc
 * with --allow-all, so the files are read through `cat` (covered by --allow-run); that
 * costs a process start, so the live command samples once a second. Undefined where
 * /proc or cat is absent (macOS, Windows).
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

export class CpuMeter {
  #lastTicks = 0;
  #lastTime = 0;
  readonly #now: () => number;
  readonly #read: StatReader;

  constructor(now: () => number = () => performance.now(), read: StatReader = catProcStats) {
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
