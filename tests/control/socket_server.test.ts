/**
 * The control socket on its own, with a stand-in handler: the protocol (text and JSON
 * lines, one JSON reply each), the file modes, stale sockets, and the clients that must
 * not stop it (garbage, a 10 MB line, one that never reads, another user).
 */
import assert from "node:assert/strict";
import {
  MAX_PENDING_BYTES,
  type Reply,
  startControlServer,
} from "../../src/control/socket_server.ts";
import {
  instanceName,
  listInstances,
  searchFolders,
  socketFolder,
} from "../../src/control/socket_path.ts";
import { MAX_COMMAND_BYTES } from "../../src/control/commands.ts";

const uid = Deno.uid()!;

async function withServer(
  fn: (path: string, logged: string[], dir: string) => Promise<void>,
  reply: (words: unknown) => Reply = (command) => ({ error: "success", data: command }),
) {
  const dir = await Deno.makeTempDir({ prefix: "segcam-ctl-" });
  const path = `${dir}/segcam/video10.sock`;
  const logged: string[] = [];
  const server = await startControlServer(path, (command) => reply(command), {
    uid,
    log: (line) => logged.push(line),
  });
  try {
    await fn(path, logged, dir);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** A client reading reply lines. */
async function connect(path: string) {
  const conn = await Deno.connect({ transport: "unix", path });
  const decoder = new TextDecoder();
  let text = "";
  const buffer = new Uint8Array(65536);
  return {
    conn,
    send: (line: string | Uint8Array) =>
      conn.write(typeof line === "string" ? new TextEncoder().encode(line) : line),
    async reply(): Promise<Reply> {
      while (!text.includes("\n")) {
        const n = await conn.read(buffer);
        if (n === null) throw new Error(`closed; got ${text}`);
        text += decoder.decode(buffer.subarray(0, n));
      }
      const line = text.slice(0, text.indexOf("\n"));
      text = text.slice(text.indexOf("\n") + 1);
      return JSON.parse(line);
    },
    close: () => conn.close(),
  };
}

Deno.test("the control socket answers text and JSON lines with one JSON line each, echoing request_id", async () => {
  await withServer(async (path) => {
    const client = await connect(path);
    await client.send('set blur 0.05\n{"command": ["set", "blur", 0.05], "request_id": 7}\n');
    const text = await client.reply();
    const json = await client.reply();
    assert.deepEqual(text, { error: "success", data: { verb: "set", name: "blur", value: 0.05 } });
    assert.deepEqual(json, { ...text, request_id: 7 });
    // A command split over several writes is one command.
    await client.send("cycle ");
    await client.send("mirror\n");
    assert.deepEqual((await client.reply()).data, { verb: "cycle", name: "mirror" });
    client.close();
  });
});

Deno.test("garbage, bad JSON and unknown commands get an error reply and the connection goes on", async () => {
  await withServer(async (path) => {
    const client = await connect(path);
    await client.send("frobnicate\n");
    const unknown = await client.reply();
    assert.equal(unknown.reason, "bad-command");
    assert.match(unknown.error, /unknown command "frobnicate"/);
    await client.send("{not json\n");
    assert.equal((await client.reply()).reason, "invalid-json");
    await client.send('{"command": "blur"}\n');
    assert.match((await client.reply()).error, /a JSON command is \{"command": \["set"/);
    await client.send(new Uint8Array([0xff, 0xfe, 0x00, 0x0a]));
    assert.equal((await client.reply()).reason, "bad-command");
    await client.send("status\n");
    assert.deepEqual(await client.reply(), { error: "success", data: { verb: "status" } });
    client.close();
  });
});

Deno.test("a 10 MB line is answered once, never kept, and the next command works", async () => {
  await withServer(async (path) => {
    const client = await connect(path);
    const huge = new Uint8Array(10 * 1024 * 1024).fill(0x61);
    const sending = (async () => {
      await client.send(huge);
      await client.send("\nstatus\n");
    })();
    const tooLong = await client.reply();
    assert.equal(tooLong.reason, "too-long");
    assert.match(tooLong.error, new RegExp(`at most ${MAX_COMMAND_BYTES} bytes`));
    assert.deepEqual(await client.reply(), { error: "success", data: { verb: "status" } });
    await sending;
    client.close();
  });
});

Deno.test("a client that sends and never reads is dropped; the others are still answered", async () => {
  // Big replies fill the socket's buffer fast.
  const big = "x".repeat(64 * 1024);
  await withServer(async (path, logged) => {
    const silent = await Deno.connect({ transport: "unix", path });
    const line = new TextEncoder().encode("status\n".repeat(100));
    // Requests whose 64 KB replies add up to MAX_PENDING_BYTES 100 times over.
    const writes = (async () => {
      try {
        for (let i = 0; i < (100 * MAX_PENDING_BYTES) / (100 * big.length); i++) {
          await silent.write(line);
        }
      } catch { /* dropped: the server closed it */ }
    })();
    const started = performance.now();
    while (logged.length === 0 && performance.now() - started < 10_000) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(logged, ["segcam: control client dropped: it does not read its replies"]);
    const other = await connect(path);
    await other.send("status\n");
    assert.equal((await other.reply()).error, "success");
    other.close();
    await writes;
    silent.close();
  }, (command) => ({ error: "success", data: { command, big } }));
});

Deno.test("the socket is 0600 in a 0700 folder; a stale socket is replaced, a live one is not", async () => {
  await withServer(async (path, _logged, dir) => {
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(`${dir}/segcam`)).mode! & 0o777, 0o700);
    assert.deepEqual(await listInstances(`${dir}/segcam`), [{ name: "video10", path }]);
    await assert.rejects(
      startControlServer(path, () => ({ error: "success" }), { uid }),
      /another segcam answers on/,
    );
  });
  // A socket file left by a process that died (nobody listens): taken over.
  const dir = await Deno.makeTempDir({ prefix: "segcam-ctl-" });
  try {
    await Deno.mkdir(`${dir}/segcam`, { mode: 0o755 });
    const stale = Deno.listen({ transport: "unix", path: `${dir}/segcam/video10.sock` });
    stale.close();
    assert.deepEqual(await listInstances(`${dir}/segcam`), [], "a dead socket is no instance");
    const server = await startControlServer(`${dir}/segcam/video10.sock`, () => ({
      error: "success",
    }), { uid });
    assert.equal((await Deno.stat(`${dir}/segcam`)).mode! & 0o777, 0o700, "tightened");
    assert.equal((await listInstances(`${dir}/segcam`)).length, 1);
    await server.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("socketFolder() and instanceName(): $XDG_RUNTIME_DIR/segcam, else /tmp/segcam-UID; named after the output", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(
    socketFolder(env({ XDG_RUNTIME_DIR: "/run/user/1000" }), 1000),
    "/run/user/1000/segcam",
  );
  assert.equal(socketFolder(env({}), 1000), "/tmp/segcam-1000");
  assert.equal(socketFolder(env({ XDG_RUNTIME_DIR: "relative" }), 7), "/tmp/segcam-7");
  // Without XDG_RUNTIME_DIR (an ssh shell) segcam ctl also looks where the service put it.
  assert.deepEqual(searchFolders(env({ XDG_RUNTIME_DIR: "/run/user/1000" }), 1000), [
    "/run/user/1000/segcam",
  ]);
  assert.deepEqual(searchFolders(env({}), 7), ["/tmp/segcam-7", "/run/user/7/segcam"]);
  assert.equal(instanceName("/dev/video10"), "video10");
  assert.equal(instanceName("/home/me/talk.blur.mp4"), "talk.blur.mp4");
  assert.equal(instanceName("-"), "stdout");
  assert.equal(instanceName("udp://127.0.0.1:5000"), "127.0.0.1_5000");
});

/**
 * Connects to `path` as user nobody (65534), with this very deno under setpriv; says
 * "refused", "connected", or why it could not try (not root, no setpriv).
 */
async function connectAsNobody(path: string, home: string): Promise<string> {
  if (uid !== 0) return "skip: switching to another user needs root";
  const script = `try {
    (await Deno.connect({ transport: "unix", path: Deno.args[0] })).close();
    console.log("connected");
  } catch (e) {
    console.log(e instanceof Deno.errors.PermissionDenied ? "refused" : String(e));
  }`;
  try {
    const out = await new Deno.Command("setpriv", {
      args: [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        Deno.execPath(),
        "eval",
        "--quiet",
        script,
        path,
      ],
      env: { DENO_DIR: `${home}/deno`, HOME: home },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout).trim();
    return out.success ? text : `skip: setpriv failed: ${new TextDecoder().decode(out.stderr)}`;
  } catch (error) {
    return `skip: setpriv cannot run: ${(error as Error).message}`;
  }
}

Deno.test("another user cannot connect to the control socket", async () => {
  await withServer(async (path, _logged, dir) => {
    // The folders above ours let anyone through, so the refusal is our modes' doing.
    await Deno.chmod(dir, 0o755);
    const home = await Deno.makeTempDir({ dir, prefix: "nobody-" });
    await Deno.chmod(home, 0o777);
    const first = await connectAsNobody(path, home);
    if (first.startsWith("skip: ")) {
      console.log(`skipped: ${first.slice(6)}`);
      return;
    }
    assert.equal(first, "refused");
    // With the folder opened up, the socket's own 0600 still refuses.
    await Deno.chmod(`${dir}/segcam`, 0o755);
    assert.equal(await connectAsNobody(path, home), "refused");
    // And the same client does get in where the modes allow it: the check is real.
    await Deno.chmod(path, 0o666);
    assert.equal(await connectAsNobody(path, home), "connected");
  });
});
