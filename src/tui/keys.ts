/** The live command's single-key controls. */
export type KeyAction =
  | "blur"
  | "desaturate"
  | "replace"
  | "transparent"
  | "none"
  | "mask"
  | "stronger"
  | "weaker"
  | "threshold-down"
  | "threshold-up"
  | "thumbnail"
  | "quit";

const KEYS: Record<string, KeyAction> = {
  b: "blur",
  d: "desaturate",
  r: "replace",
  t: "transparent",
  n: "none",
  m: "mask",
  "+": "stronger",
  "=": "stronger",
  "-": "weaker",
  "[": "threshold-down",
  "]": "threshold-up",
  p: "thumbnail",
  q: "quit",
  "\x03": "quit", // Ctrl-C: in raw mode it arrives as a byte, not as SIGINT
  "\x04": "quit", // Ctrl-D
};

/** The legend the panel shows. */
export const KEY_HELP =
  "b blur  d desat  r replace  t transp  n none  m mask  +/- strength  [ ] threshold  p preview  q quit";

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
    const action = KEYS[String.fromCharCode(bytes[i]).toLowerCase()] ??
      KEYS[String.fromCharCode(bytes[i])];
    if (action) actions.push(action);
  }
  return actions;
}
