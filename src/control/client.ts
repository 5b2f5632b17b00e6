/** One request to a running `segcam live`'s control socket, and its one-line JSON reply. */
import type { Reply } from "./socket_server.ts";

/** How long a reply may take: a reload re-opens backgrounds, which can take seconds. */
const REPLY_TIMEOUT_MS = 15_000;

/** Sends `words` as a JSON command and returns the reply; throws when the socket cannot be reached. */
export async function request(path: string, words: readonly unknown[]): Promise<Reply> {
  const conn = await Deno.connect({ transport: "unix", path });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await conn.write(new TextEncoder().encode(JSON.stringify({ command: words }) + "\n"));
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no reply from ${path} in ${REPLY_TIMEOUT_MS / 1000} s`)),
        REPLY_TIMEOUT_MS,
      );
    });
    return JSON.parse(await Promise.race([readLine(conn), timeout])) as Reply;
  } finally {
    clearTimeout(timer);
    conn.close();
  }
}

async function readLine(conn: Deno.Conn): Promise<string> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(64 * 1024);
  let text = "";
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) break;
    text += decoder.decode(buffer.subarray(0, n), { stream: true });
    const newline = text.indexOf("\n");
    if (newline >= 0) return text.slice(0, newline);
  }
  throw new Error("the connection closed before a reply");
}
