/**
 * The control socket of a running `segcam live`: a Unix socket that takes one command
 * per line, as text (`set blur 0.05`) or as JSON (`{"command": ["set", "blur", 0.05],
 * "request_id": 7}`, mpv's JSON IPC shape), and answers each with one JSON line:
 * `{"error": "success", "data": …}` or `{"error": "<what is wrong>", "reason": …}`.
 *
 * Who may connect: the socket is 0600 in a 0700 folder of the user's (socket_path.ts),
 * so the kernel refuses connect(2) from any other user (root aside, who could read the
 * process's memory anyway). Deno exposes no SO_PEERCRED to check the peer a second
 * time, so the file modes are the guard, and they are checked after every start.
 *
 * Nothing a client does can stop the stream: a malformed line gets an error reply, a
 * line over MAX_COMMAND_BYTES is answered once and skipped to its end without being
 * kept, and a client that sends without reading is dropped once its unread replies pass
 * MAX_PENDING_BYTES or a write has waited WRITE_TIMEOUT_MS. The frame loop never waits
 * on a client: replies are written by each connection's own task.
 */
import { answers, prepareSocketFolder } from "./socket_path.ts";
import { type Command, CommandError, MAX_COMMAND_BYTES, parseCommand } from "./commands.ts";

/** Unread replies one client may hold: ~1000 status replies. */
export const MAX_PENDING_BYTES = 1024 * 1024;
/** A reply the client has not taken in this long drops the client. */
export const WRITE_TIMEOUT_MS = 5000;

export type Reason = "bad-command" | "refused" | "too-long" | "invalid-json" | "failed";

export interface Reply {
  /** "success", else what went wrong (mpv's field name). */
  error: string;
  data?: unknown;
  reason?: Reason;
  request_id?: unknown;
}

/** Runs one parsed command; an exception becomes a "failed" reply. */
export type CommandHandler = (command: Command) => Promise<Reply> | Reply;

/** A live process answers on the path asked for: the caller may pick another name. */
export class SocketInUse extends Error {
  override name = "SocketInUse";
}

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

/**
 * Listens on `path` (a stale socket of a dead process there is replaced; a live one is
 * an error the caller can act on). `log` gets one line per dropped client.
 */
export async function startControlServer(
  path: string,
  handle: CommandHandler,
  options: { uid: number; log?: (line: string) => void },
): Promise<ControlServer> {
  const folder = path.slice(0, path.lastIndexOf("/"));
  await prepareSocketFolder(folder, options.uid);
  if (await answers(path)) throw new SocketInUse(`another segcam answers on ${path}`);
  await Deno.remove(path).catch(() => {});
  const listener = Deno.listen({ transport: "unix", path });
  await Deno.chmod(path, 0o600);
  const connections = new Set<Deno.Conn>();
  const log = options.log ?? (() => {});
  const serving = (async () => {
    for await (const conn of listener) {
      connections.add(conn);
      serve(conn, handle, log).finally(() => {
        connections.delete(conn);
        try {
          conn.close();
        } catch { /* closed already */ }
      });
    }
  })().catch(() => {}); // the listener was closed
  return {
    path,
    async close() {
      listener.close();
      for (const conn of connections) {
        try {
          conn.close();
        } catch { /* closed already */ }
      }
      await serving;
      await Deno.remove(path).catch(() => {});
    },
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function serve(
  conn: Deno.Conn,
  handle: CommandHandler,
  log: (line: string) => void,
): Promise<void> {
  const writer = new ReplyWriter(conn, () => {
    log("segcam: control client dropped: it does not read its replies");
  });
  const buffer = new Uint8Array(64 * 1024);
  let pending: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  /** Inside a line too long to keep: skip to its end. */
  let skipping = false;
  while (!writer.dropped) {
    let n: number | null;
    try {
      n = await conn.read(buffer);
    } catch {
      return;
    }
    if (n === null) break;
    let chunk = buffer.subarray(0, n);
    while (chunk.length > 0) {
      const newline = chunk.indexOf(0x0a);
      if (newline < 0) {
        if (!skipping) {
          if (pending.length + chunk.length > MAX_COMMAND_BYTES) {
            skipping = true;
            pending = new Uint8Array(0);
            writer.send(tooLong());
          } else pending = concat(pending, chunk);
        }
        break;
      }
      const piece = chunk.subarray(0, newline);
      chunk = chunk.subarray(newline + 1);
      if (skipping) {
        skipping = false;
        continue;
      }
      if (pending.length + piece.length > MAX_COMMAND_BYTES) {
        pending = new Uint8Array(0);
        writer.send(tooLong());
        continue;
      }
      const line = decoder.decode(concat(pending, piece));
      pending = new Uint8Array(0);
      if (line.trim() === "") continue;
      writer.send(await answer(line, handle));
      if (writer.dropped) return;
    }
  }
  // The client closed its side: the replies already queued still go out.
  await writer.drain();
}

function tooLong(): Reply {
  return {
    error: `command line too long: at most ${MAX_COMMAND_BYTES} bytes; the line was skipped`,
    reason: "too-long",
  };
}

async function answer(line: string, handle: CommandHandler): Promise<Reply> {
  let requestId: unknown;
  let command: Command;
  try {
    if (line.trimStart().startsWith("{")) {
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch (error) {
        return { error: `invalid JSON: ${(error as Error).message}`, reason: "invalid-json" };
      }
      const words = (message as { command?: unknown }).command;
      requestId = (message as { request_id?: unknown }).request_id;
      if (!Array.isArray(words)) {
        return withId({
          error: 'a JSON command is {"command": ["set", "blur", 0.05]}',
          reason: "bad-command",
        }, requestId);
      }
      command = parseCommand(words);
    } else {
      command = parseCommand(line);
    }
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    return withId({ error: error.message, reason: "bad-command" }, requestId);
  }
  try {
    return withId(await handle(command), requestId);
  } catch (error) {
    return withId({ error: (error as Error).message, reason: "failed" }, requestId);
  }
}

function withId(reply: Reply, requestId: unknown): Reply {
  return requestId === undefined ? reply : { ...reply, request_id: requestId };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  if (a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Writes replies in order on the connection's own task, with a bound on what waits. */
class ReplyWriter {
  readonly #conn: Deno.Conn;
  readonly #onDrop: () => void;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #writing?: Promise<void>;
  dropped = false;

  constructor(conn: Deno.Conn, onDrop: () => void) {
    this.#conn = conn;
    this.#onDrop = onDrop;
  }

  send(reply: Reply): void {
    if (this.dropped) return;
    const bytes = encoder.encode(JSON.stringify(reply) + "\n");
    this.#queued += bytes.length;
    if (this.#queued > MAX_PENDING_BYTES) return this.#drop();
    this.#queue.push(bytes);
    this.#writing ??= this.#flush().finally(() => this.#writing = undefined);
  }

  async drain(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0 && !this.dropped) {
      const bytes = this.#queue.shift()!;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<"late">((resolve) => {
        timer = setTimeout(() => resolve("late"), WRITE_TIMEOUT_MS);
      });
      try {
        const done = await Promise.race([writeAll(this.#conn, bytes), late]);
        if (done === "late") return this.#drop();
      } catch {
        return this.#drop(false);
      } finally {
        clearTimeout(timer);
      }
      this.#queued -= bytes.length;
    }
  }

  #drop(say = true): void {
    if (this.dropped) return;
    this.dropped = true;
    this.#queue = [];
    if (say) this.#onDrop();
    try {
      this.#conn.close();
    } catch { /* closed already */ }
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    written += await conn.write(bytes.subarray(written));
  }
}
