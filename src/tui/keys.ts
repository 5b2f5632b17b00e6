/**
 * The live command's single keys: each is a command line of src/control/commands.ts,
 * the same vocabulary the control socket and `segcam ctl` speak (`] → add threshold
 * 0.05`), so a key can do nothing the socket cannot and vice versa.
 */

/** One key and the command it sends, in the order the panel's legend lists them. */
export interface KeyBinding {
  keys: readonly string[];
  command: string;
  /** The legend entry, e.g. "b blur"; "" where the entry before covers it. */
  help: string;
}

export const KEY_BINDINGS: readonly KeyBinding[] = [
  { keys: ["b"], command: "effect blur", help: "b blur" },
  // k toggles the blur between its gaussian and lens shapes.
  { keys: ["k"], command: "cycle blur-shape", help: "k lens" },
  { keys: ["d"], command: "effect desaturate", help: "d desaturate" },
  { keys: ["r"], command: "replace", help: "r replace" },
  { keys: ["t"], command: "effect transparent", help: "t transparent" },
  { keys: ["x"], command: "effect remove", help: "x remove" },
  { keys: ["n"], command: "effect none", help: "n none" },
  { keys: ["m"], command: "cycle view", help: "m mask view" },
  // "=" is "+" without shift on most layouts.
  { keys: ["+", "="], command: "add strength 1", help: "+/- strength" },
  { keys: ["-"], command: "add strength -1", help: "" },
  { keys: ["["], command: "add threshold -0.05", help: "[ ] threshold" },
  { keys: ["]"], command: "add threshold 0.05", help: "" },
  { keys: ["s"], command: "set threshold soft", help: "s soft edge" },
  // o: the letter of "smooth" that no other control took.
  { keys: ["o"], command: "cycle smoothing", help: "o smoothing" },
  { keys: ["f"], command: "cycle mirror", help: "f mirror" },
  { keys: ["a"], command: "cycle autoframe", help: "a autoframe" },
  { keys: ["p"], command: "cycle preview", help: "p preview" },
  { keys: [" "], command: "cycle paused", help: "space pause" },
  { keys: ["q", "\x04"], command: "quit", help: "q quit" },
  // In raw mode Ctrl-C arrives as a byte, not as SIGINT: the run treats it as SIGINT
  // (exit 130), as it does without the panel.
  { keys: ["\x03"], command: "interrupt", help: "" },
];

const COMMANDS = new Map<string, string>(
  KEY_BINDINGS.flatMap((binding) => binding.keys.map((key) => [key, binding.command] as const)),
);

/** The legend's entries, one per control ("+/- strength" covers two keys). */
export const KEY_LEGEND: readonly string[] = KEY_BINDINGS.map((b) => b.help).filter((h) => h);

/** Turns the bytes of one read into command lines; escape sequences (arrows…) are skipped. */
export function parseKeys(bytes: Uint8Array): string[] {
  const commands: string[] = [];
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x1b) {
      // ESC [ … final byte (0x40–0x7e), or ESC O x: skip the whole sequence.
      if (bytes[i + 1] === 0x5b) {
        i += 2;
        while (i < bytes.length && (bytes[i] < 0x40 || bytes[i] > 0x7e)) i++;
      } else if (bytes[i + 1] === 0x4f) i += 2;
      continue;
    }
    const char = String.fromCharCode(bytes[i]);
    // Caps Lock or Shift still works: "B" is b.
    const command = COMMANDS.get(char) ?? COMMANDS.get(char.toLowerCase());
    if (command) commands.push(command);
  }
  return commands;
}
