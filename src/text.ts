/**
 * Text that came from outside (a file's contents, a device's label, a file name) made
 * safe to print: control characters, which could move the cursor, recolour or clear the
 * terminal (ESC) or cut a line short (NUL, CR), are shown as \xNN escapes instead.
 */
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

export function escapeText(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
