/**
 * The panel's terminal going away under it (a closed window, a killed tmux pane): no
 * EIO escapes as a stack trace, and the run is told once, as a hang-up. End to end with
 * tmux: live_hang.test.ts.
 */
import assert from "node:assert/strict";
import { Terminal, type TerminalIo } from "../../src/tui/terminal.ts";

function deadTerminal(options: { readEof?: boolean } = {}): TerminalIo & { writes: number } {
  const io = {
    writes: 0,
    stdin: {
      setRaw: () => {},
      read: () => options.readEof ? Promise.resolve(null) : new Promise<number | null>(() => {}),
    },
    write: (_text: string) => {
      io.writes++;
      if (io.writes > 1) throw new Error("Input/output error (os error 5)");
    },
    size: () => ({ columns: 80, rows: 24 }),
  };
  return io;
}

Deno.test("Terminal: drawing on and restoring a terminal that is gone (EIO) throws nothing and reports it once", () => {
  const terminal = new Terminal(deadTerminal());
  let gone = 0;
  terminal.whenGone(() => gone++);
  terminal.start(); // the first write works: the terminal was there
  terminal.draw(["fps 30"]);
  terminal.draw(["fps 30"]);
  terminal.restore();
  assert.equal(gone, 1);
});

Deno.test("Terminal: restore after the terminal went away throws nothing (it used to end live with a stack trace)", () => {
  const io = deadTerminal();
  const terminal = new Terminal(io);
  terminal.start();
  assert.doesNotThrow(() => terminal.restore());
});

Deno.test("Terminal: end of file on the keyboard in raw mode is a hang-up", async () => {
  const terminal = new Terminal(deadTerminal({ readEof: true }));
  let gone = 0;
  terminal.whenGone(() => gone++);
  terminal.start();
  assert.equal(await terminal.readKeys(), null);
  assert.equal(gone, 1);
});
