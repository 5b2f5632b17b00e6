/**
 * CPU use of segcam and its ffmpeg children, from /proc/<pid>/stat (utime + stime in
 * clock ticks; 100 per second on Linux, USER_HZ). Undefined where /proc is absent.
 */
const TICKS_PER_SECOND = 100;

export class CpuMeter {
  #lastTicks = 0;
  #lastTime = 0;
  readonly #now: () => number;
  readonly #read: (path: string) => string;

  constructor(
    now: () => number = () => performance.now(),
    read: (path: string) => string = (path) => Deno.readTextFileSync(path),
  ) {
    this.#now = now;
    this.#read = read;
  }

  /** % of one core used since the previous call, by `pids` together ("self" for segcam). */
  sample(pids: (number | "self")[]): number | undefined {
    let ticks = 0;
    try {
      for (const pid of pids) {
        const stat = this.#read(`/proc/${pid}/stat`);
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
    return first || elapsed <= 0 ? undefined : Math.max(0, (100 * used) / elapsed);
  }
}
