/**
 * Where the control sockets of running `segcam live` instances live: one per instance,
 * named after its output (`/dev/video10` → `video10.sock`), in
 * `$XDG_RUNTIME_DIR/segcam/` (the per-user folder systemd-logind makes, 0700), else in
 * `/tmp/segcam-<uid>/`. The folder is made 0700 and must belong to the user: a folder
 * another user made first under /tmp is refused, never used.
 */
import type { Env } from "../config/config_file.ts";
import { InputError } from "../errors.ts";

/** sockaddr_un holds 108 bytes of path; a long file name is cut to keep well under it. */
const MAX_NAME = 60;

export function socketFolder(env: Env, uid: number): string {
  const runtime = env("XDG_RUNTIME_DIR");
  // The XDG spec: a relative path is invalid and ignored.
  if (runtime && runtime.startsWith("/")) return `${runtime}/segcam`;
  return `/tmp/segcam-${uid}`;
}

/**
 * Where `segcam ctl` looks: the folder $XDG_RUNTIME_DIR names, where every run of this
 * session put its socket. Without it (an ssh shell), also logind's /run/user/UID, which
 * the service has as its XDG_RUNTIME_DIR.
 */
export function searchFolders(env: Env, uid: number): string[] {
  const folder = socketFolder(env, uid);
  return folder === `/tmp/segcam-${uid}` ? [folder, `/run/user/${uid}/segcam`] : [folder];
}

/** The instance name of an output: `video10`, `talk.mp4`, `stdout`, `udp_127.0.0.1_5000`. */
export function instanceName(output: string): string {
  if (output === "-") return "stdout";
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(output);
  const base = url ? output.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "") : output.split("/").pop()!;
  const name = base.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^\.+/, "").slice(0, MAX_NAME);
  return name === "" ? "segcam" : name;
}

/**
 * Makes (or checks) the socket folder: a directory owned by `uid` that only it can
 * enter. One that exists with a looser mode is tightened; one owned by someone else is
 * an error, since its owner could read every command.
 */
export async function prepareSocketFolder(folder: string, uid: number): Promise<void> {
  try {
    await Deno.mkdir(folder, { mode: 0o700 });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) {
      throw new InputError(
        `Cannot make the control socket folder ${folder}: ${(error as Error).message}`,
      );
    }
  }
  const info = await Deno.lstat(folder);
  if (!info.isDirectory || info.uid !== uid) {
    throw new InputError(
      `The control socket folder ${folder} is not a folder of yours (owner uid ${info.uid}, you are ${uid}); remove it or set XDG_RUNTIME_DIR`,
    );
  }
  // mkdir's mode goes through the umask; set it exactly.
  if ((info.mode! & 0o777) !== 0o700) await Deno.chmod(folder, 0o700);
}

export interface Instance {
  name: string;
  path: string;
}

/**
 * The sockets in `folder` that a live process answers on, sorted by name. Sockets of
 * processes that died (connection refused) are skipped; a folder that does not exist
 * means no instance, a folder that cannot be read is an error (not "none").
 */
export async function listInstances(folder: string): Promise<Instance[]> {
  const found: Instance[] = [];
  try {
    for await (const entry of Deno.readDir(folder)) {
      if (!entry.name.endsWith(".sock")) continue;
      const path = `${folder}/${entry.name}`;
      if (await answers(path)) found.push({ name: entry.name.slice(0, -5), path });
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw new InputError(
      `Cannot look for running segcam instances in ${folder}: ${(error as Error).message}`,
    );
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** True when a process listens on the socket at `path`. */
export async function answers(path: string): Promise<boolean> {
  try {
    const conn = await Deno.connect({ transport: "unix", path });
    conn.close();
    return true;
  } catch {
    return false;
  }
}
