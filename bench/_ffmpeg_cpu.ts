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

export async function measureTree(command: string[], stdoutTo = "/dev/null"): Promise<CpuRun> {
  const dir = await Deno.makeTempDir({ prefix: "segcam-bench-cpu-" });
  try {
    const script = `start=$(date +%s.%N); ${command.map(quote).join(" ")} >${stdoutTo} ` +
      `2>${dir}/err; status=$?; end=$(date +%s.%N); read -a s < /proc/$$/stat; ` +
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
