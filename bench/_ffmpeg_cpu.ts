/**
 * CPU seconds a command tree used, read from the accumulated child times of a bash
 * that runs it (cutime + cstime in /proc/$$/stat, 100 Hz): a child's own threads and
 * grandchildren included, nothing else on the machine.
 */
export interface CpuRun {
  cpuSeconds: number;
  wallSeconds: number;
  /** What the command printed on stderr (for summaries parsed by the caller). */
  stderr: string;
}

const quote = (a: string) => `'${a.replaceAll("'", `'\\''`)}'`;

/**
 * Runs `command` (its stdout to `stdoutTo`, or through `pipeTo` first: a second
 * command of the tree, e.g. the ffmpeg a sink would run) and measures the tree.
 */
export async function measureTree(
  command: string[],
  stdoutTo = "/dev/null",
  pipeTo?: string[],
): Promise<CpuRun> {
  const dir = await Deno.makeTempDir({ prefix: "segcam-bench-cpu-" });
  try {
    const through = pipeTo ? ` | ${pipeTo.map(quote).join(" ")}` : "";
    // pipefail: the first command's failure is the run's.
    const script = `set -o pipefail; start=$(date +%s.%N); ` +
      `${command.map(quote).join(" ")} 2>${dir}/err${through} >${stdoutTo}; ` +
      `status=$?; end=$(date +%s.%N); read -a s < /proc/$$/stat; ` +
      `echo "$status $start $end \${s[15]} \${s[16]}"`;
    const { stdout } = await new Deno.Command("bash", { args: ["-c", script] }).output();
    const [status, start, end, cutime, cstime] = new TextDecoder().decode(stdout).trim()
      .split(" ").map(Number);
    const stderr = await Deno.readTextFile(`${dir}/err`);
    if (status !== 0) throw new Error(`${command.join(" ")} failed: ${stderr}`);
    return { cpuSeconds: (cutime + cstime) / 100, wallSeconds: end - start, stderr };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
