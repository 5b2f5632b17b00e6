/**
 * `segcam ctl`: sends one command to a running `segcam live` through its control
 * socket (src/control/socket_server.ts) and prints the answer. The commands are the
 * keys' (src/control/commands.ts). Exit codes: 0 done, 1 no instance to talk to or the
 * instance refused, 2 a command it does not understand.
 */
import { denoEnv, type Env } from "../config/config_file.ts";
import { request } from "../control/client.ts";
import { CommandError, parseCommand } from "../control/commands.ts";
import { type Instance, listInstances, searchFolders } from "../control/socket_path.ts";
import { InputError, SegcamError, UsageError } from "../errors.ts";

export interface CtlOptions {
  /** The instance to talk to: its name (`video10`), as `segcam ctl status` lists it. */
  instance?: string;
  /** Print the reply as JSON (for scripts and status bars). */
  json: boolean;
}

export async function runCtl(
  words: string[],
  options: CtlOptions,
  env: Env = denoEnv,
  print: (line: string) => void = (line) => console.log(line),
): Promise<void> {
  if (words.length === 0) words = ["status"];
  try {
    parseCommand(words);
  } catch (error) {
    if (error instanceof CommandError) throw new UsageError(error.message);
    throw error;
  }
  const folders = searchFolders(env, Deno.uid() ?? 0);
  const found: Instance[] = [];
  for (const folder of folders) found.push(...await listInstances(folder));
  const instance = pick(found, options.instance, folders[0]);
  let reply;
  try {
    reply = await request(instance.path, words);
  } catch (error) {
    throw new InputError(
      `Cannot talk to segcam ${instance.name} at ${instance.path}: ${
        (error as Error).message
      }; is it still running?`,
    );
  }
  if (options.json) print(JSON.stringify(reply));
  if (reply.error !== "success") {
    if (reply.reason === "bad-command") throw new UsageError(reply.error);
    throw new SegcamError(`${instance.name}: ${reply.error}`);
  }
  if (options.json) return;
  const data = reply.data as { text?: string[]; value?: unknown; note?: string } | undefined;
  if (data?.text) { for (const line of data.text) print(line); }
  else if (data && "value" in data) print(formatValue(data.value));
  if (data?.note) console.error(`segcam: ${instance.name}: ${data.note}`);
}

function formatValue(value: unknown): string {
  return value === undefined ? "(none)" : typeof value === "string" ? value : JSON.stringify(value);
}

function pick(instances: Instance[], wanted: string | undefined, folder: string): Instance {
  if (instances.length === 0) {
    throw new InputError(
      `No segcam live is running (no control socket in ${folder}); start one with segcam live, or systemctl --user start segcam`,
    );
  }
  const names = instances.map((i) => i.name).join(", ");
  if (wanted !== undefined) {
    const found = instances.find((i) =>
      i.name === wanted || i.name === wanted.replace(/^\/dev\//, "")
    );
    if (found) return found;
    throw new InputError(`No segcam live named ${wanted} is running; running: ${names}`);
  }
  if (instances.length > 1) {
    throw new UsageError(
      `${instances.length} segcam live instances are running (${names}): pick one with --instance NAME`,
    );
  }
  return instances[0];
}
