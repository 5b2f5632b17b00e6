/** The live command's single-key controls: bytes from the terminal → actions. */
export type KeyAction =
  | "blur"
  | "desaturate"
  | "replace"
  | "transparent"
  | "remove"
  | "none"
  | "mask"
  | "stronger"
  | "weaker"
  | "threshold-down"
  | "threshold-up"
  | "soft-edge"
  | "smoothing"
  | "mirror"
  | "preview"
  | "quit";

/** One key and what it does, in the order the panel's legend lists them. */
export interface KeyBinding {
  keys: readonly string[];
  action: KeyAction;
  /** The legend entry, e.g. "b blur". */
  help: string;
}

export const KEY_BINDINGS: readonly KeyBinding[] = [
  { keys: ["b"], action: "blur", help: "b blur" },
  { keys: ["d"], action: "desaturate", help: "d desaturate" },
  { keys: ["r"], action: "replace", help: "r replace" },
  { keys: ["t"], action: "transparent", help: "t transparent" },
  { keys: ["x"], action: "remove", help: "x remove" },
  { keys: ["n"], action: "none", help: "n none" },
  { keys: ["m"], action: "mask", help: "m mask view" },
  // "=" is "+" without shift on most layouts.
  { keys: ["+", "="], action: "stronger", help: "+/- strength" },
  { keys: ["-"], action: "weaker", help: "" },
  { keys: ["["], action: "threshold-down", help: "[ ] threshold" },
  { keys: ["]"], action: "threshold-up", help: "" },
  { keys: ["s"], action: "soft-edge", help: "s soft edge" },
  // o: the letter of "smooth" that no other control took.
  { keys: ["o"], action: "smoothing", help: "o smoothing" },
  { keys: ["f"], action: "mirror", help: "f mirror" },
  { keys: ["p"], action: "preview", help: "p preview" },
  // In raw mode Ctrl-C and Ctrl-D arrive as bytes, not as SIGINT or end of input.
  { keys: ["q", "\x03", "\x04"], action: "quit", help: "q quit" },
];

const ACTIONS = new Map<string, KeyAction>(
  KEY_BINDINGS.flatMap((binding) => binding.keys.map((key) => [key, binding.action] as const)),
);

/** The legend's entries, one per control ("+/- strength" covers two keys). */
export const KEY_LEGEND: readonly string[] = KEY_BINDINGS.map((b) => b.help).filter((h) => h);

/** Turns the bytes of one read into actions; escape sequences (arrows…) are skipped. */
export function parseKeys(bytes: Uint8Array): KeyAction[] {
  const actions: KeyAction[] = [];
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
    const action = ACTIONS.get(char) ?? ACTIONS.get(char.toLowerCase());
    if (action) actions.push(action);
  }
  return actions;
}
