/**
 * `segcam service install|uninstall|status`: a systemd user unit that runs the installed
 * `segcam live --no-tui` from login, restarting it when it fails.
 */
import { type ConfigTarget, loadConfig } from "../config/apply_config.ts";
import { configPath, denoEnv } from "../config/config_file.ts";
import { DependencyError, describeFsError, OutputError, SegcamError } from "../errors.ts";
import { makeFolderFor, writeFileAtomically } from "../io/atomic_file.ts";
import { systemctl, systemctlOrFail } from "../service/systemctl.ts";
import { CONFIG_FOLDER_FIX, serviceUnit, UNIT_NAME, unitPath } from "../service/unit.ts";

export type ServiceAction = "install" | "uninstall" | "status";

/** The first executable `name` on PATH, like `command -v`. */
function findOnPath(name: string, path: string): string | undefined {
  for (const dir of path.split(":").filter((d) => d !== "")) {
    try {
      const info = Deno.statSync(`${dir}/${name}`);
      if (info.isFile && (info.mode ?? 0o111) & 0o111) return `${dir}/${name}`;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

export async function runService(action: ServiceAction, target: ConfigTarget): Promise<void> {
  const unit = unitPath(denoEnv);
  if (action === "install") return await install(unit, target);
  if (action === "uninstall") return await uninstall(unit);
  return await status(unit);
}

/**
 * Where `deno install -g` (deno task install) writes commands: $DENO_INSTALL_ROOT/bin,
 * else ~/.deno/bin. Deno only suggests adding it to PATH, so it is often not there.
 */
function denoInstallBin(): string | undefined {
  const root = Deno.env.get("DENO_INSTALL_ROOT");
  if (root) return `${root.replace(/\/+$/, "")}/bin`;
  const home = Deno.env.get("HOME");
  return home ? `${home}/.deno/bin` : undefined;
}

/** The installed segcam command: on PATH, or where deno task install put it. */
function findSegcam(path: string): string {
  const onPath = findOnPath("segcam", path);
  if (onPath) return onPath;
  const bin = denoInstallBin();
  const installed = bin === undefined ? undefined : findOnPath("segcam", bin);
  if (installed) {
    // The service names it by its full path, so PATH does not matter to systemd; it
    // matters to the user, who cannot type `segcam` yet.
    console.error(
      `segcam: note: ${installed} is not on your PATH, so the service runs it by its full path; ` +
        `to type segcam in a terminal, add to ~/.bashrc or ~/.zshrc: export PATH="${bin}:$PATH"`,
    );
    return installed;
  }
  throw new DependencyError(
    `segcam is not installed as a command (not on PATH, nor in ${
      bin ?? "~/.deno/bin"
    }): run deno task install in segcam's folder first; the service runs that command`,
  );
}

async function install(unit: string, target: ConfigTarget): Promise<void> {
  const path = Deno.env.get("PATH") ?? "";
  const segcam = findSegcam(path);
  // A bad config, or a file it names that is not there, fails here, once, rather than in
  // a restart loop behind systemd.
  const configFile = configPath(denoEnv);
  await loadConfig(target, denoEnv);
  // The launcher execs deno, which may not be on systemd's default PATH (~/.deno/bin).
  const denoDir = Deno.execPath().slice(0, Deno.execPath().lastIndexOf("/"));
  const servicePath = path.split(":").includes(denoDir) ? path : `${denoDir}:${path}`;
  const text = serviceUnit({ segcam, path: servicePath, configFile });
  // Without systemctl the unit would be a file nothing reads: say so before writing it.
  if (!findOnPath("systemctl", path)) await systemctl(["--version"]);
  await makeFolderFor(unit, CONFIG_FOLDER_FIX);
  const existed = await exists(unit);
  // force: installing again updates the unit (a new PATH or segcam location).
  await writeFileAtomically(unit, new TextEncoder().encode(text), { force: true });
  try {
    await systemctlOrFail(["daemon-reload"]);
    await systemctlOrFail(["enable", "--now", UNIT_NAME]);
  } catch (error) {
    // A failed install leaves nothing new behind (an update keeps the new text: the
    // old one named a segcam that may be gone).
    if (!existed) await Deno.remove(unit).catch(() => {});
    throw error;
  }
  console.log(`Wrote ${unit}`);
  console.log(
    "segcam runs now and at every login; logs: journalctl --user -u segcam -f; stop it: segcam service uninstall",
  );
}

async function uninstall(unit: string): Promise<void> {
  if (!(await exists(unit))) {
    console.log(`segcam service is not installed (no ${unit}); nothing to do`);
    return;
  }
  // The file goes whatever systemctl says: uninstall is how a user gets rid of it, and
  // a systemd that cannot be reached is no reason to keep it.
  let stopped: unknown;
  try {
    await systemctlOrFail(["disable", "--now", UNIT_NAME]);
  } catch (error) {
    stopped = error;
  }
  try {
    await Deno.remove(unit);
  } catch (error) {
    throw new OutputError(describeFsError(error, unit, "remove"), { cause: error });
  }
  if (stopped instanceof SegcamError) {
    throw new SegcamError(
      `Removed ${unit}, but could not stop the service: ${stopped.message}; ` +
        `a segcam it started may run until you log out`,
      { cause: stopped, exitCode: stopped.exitCode },
    );
  }
  if (stopped !== undefined) throw stopped;
  await systemctlOrFail(["daemon-reload"]);
  console.log(`Stopped segcam service and removed ${unit}`);
}

async function status(unit: string): Promise<void> {
  if (!(await exists(unit))) {
    console.log(`segcam service is not installed (no ${unit}); segcam service install sets it up`);
    return;
  }
  console.log(`unit: ${unit}`);
  // systemctl status exits 3 for a stopped unit: that is an answer, not a failure.
  const result = await systemctl(["status", "--no-pager", UNIT_NAME]);
  if (result.stdout.trim() !== "") console.log(result.stdout.trimEnd());
  if (result.code !== 0 && result.code !== 3) {
    const said = result.stderr.trim().split("\n")[0] || `exit code ${result.code}`;
    throw new SegcamError(`systemctl --user status ${UNIT_NAME} failed: ${said}`);
  }
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}
