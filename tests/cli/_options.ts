/**
 * The options object main.ts hands a command for a command line, taken from main.ts's
 * own parser (its defaults included), so tests and benches that call a command's run
 * function in-process never spell those defaults a second time.
 */
import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { buildProgram } from "../../main.ts";
// Points this process's XDG_CONFIG_HOME at an empty folder: a `live` parsed here never
// reads the user's settings file.
import "../_test_env.ts";

export async function parsedOptions<T>(args: string[]): Promise<T> {
  const program = buildProgram() as unknown as CommandUnknownOpts;
  const command = program.commands.find((c) => c.name() === args[0]);
  if (command === undefined) throw new Error(`no command ${args[0]}`);
  let seen: T | undefined;
  command.action((...received) => {
    seen = (received.at(-1) as CommandUnknownOpts).optsWithGlobals() as T;
  });
  await program.parseAsync(args, { from: "user" });
  return seen!;
}
