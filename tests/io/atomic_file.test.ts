import assert from "node:assert/strict";
import { InterruptedError, OutputError } from "../../src/errors.ts";
import {
  checkOutputPath,
  temporaryPathFor,
  writeAtomically,
  writeFileAtomically,
} from "../../src/io/atomic_file.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "segcam-atomic-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("temporaryPathFor() stays in the target's folder and keeps its extension", () => {
  const tmp = temporaryPathFor("/a/b/clip.mp4");
  assert.match(tmp, /^\/a\/b\/\.clip\.segcam-tmp-[\w-]+\.mp4$/);
  assert.match(temporaryPathFor("mask.png"), /^\.mask\.segcam-tmp-[\w-]+\.png$/);
  assert.match(temporaryPathFor("./out/x"), /^\.\/out\/\.x\.segcam-tmp-[\w-]+$/);
});

Deno.test("writeFileAtomically() writes the bytes and leaves no temporary file", async () => {
  await withTempDir(async (dir) => {
    await writeFileAtomically(`${dir}/out.bin`, new Uint8Array([1, 2, 3]));
    assert.deepEqual(await Deno.readFile(`${dir}/out.bin`), new Uint8Array([1, 2, 3]));
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["out.bin"]);
  });
});

Deno.test("writeFileAtomically() refuses to replace an existing file without force", async () => {
  await withTempDir(async (dir) => {
    const target = `${dir}/keep.txt`;
    await Deno.writeTextFile(target, "precious");
    await assert.rejects(
      writeFileAtomically(target, new Uint8Array([0])),
      (e: Error) => e instanceof OutputError && /exists; pass --force/.test(e.message),
    );
    assert.equal(await Deno.readTextFile(target), "precious");
    await writeFileAtomically(target, new TextEncoder().encode("new"), { force: true });
    assert.equal(await Deno.readTextFile(target), "new");
  });
});

Deno.test("writeAtomically() removes the temporary file and keeps the target when produce fails", async () => {
  await withTempDir(async (dir) => {
    const target = `${dir}/video.mp4`;
    await Deno.writeTextFile(target, "old");
    await assert.rejects(
      writeAtomically(target, async (tmp) => {
        await Deno.writeTextFile(tmp, "half");
        throw new Error("encoder died");
      }, { force: true }),
      /encoder died/,
    );
    assert.equal(await Deno.readTextFile(target), "old");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["video.mp4"]);
  });
});

Deno.test("checkOutputPath() names a missing folder, a file used as folder, and a folder as target", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      checkOutputPath(`${dir}/missing/out.png`),
      (e: Error) =>
        e instanceof OutputError && e.message.includes("does not exist; create it first"),
    );
    await Deno.writeTextFile(`${dir}/file`, "");
    await assert.rejects(
      checkOutputPath(`${dir}/file/out.png`),
      (e: Error) => e instanceof OutputError && e.message.includes("is a file, not a folder"),
    );
    await assert.rejects(
      checkOutputPath(dir, { force: true }),
      (e: Error) => e instanceof OutputError && e.message.includes("it is a folder"),
    );
  });
});

Deno.test("writeAtomically() never replaces a file another writer created meanwhile", async () => {
  await withTempDir(async (dir) => {
    const target = `${dir}/result.png`;
    await assert.rejects(
      writeAtomically(target, async (temporary) => {
        await Deno.writeTextFile(temporary, "second run");
        // The first run finishes while the second is still writing.
        await Deno.writeTextFile(target, "first run");
      }),
      (error: unknown) => {
        assert.ok(error instanceof OutputError);
        assert.equal(
          error.message,
          `Not overwriting ${target}: the file appeared while segcam was writing it (another run?); pass --force to replace it or choose another name`,
        );
        return true;
      },
    );
    assert.equal(await Deno.readTextFile(target), "first run");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["result.png"]);
  });
});

Deno.test("writeAtomically() with force replaces a file that appeared meanwhile", async () => {
  await withTempDir(async (dir) => {
    const target = `${dir}/result.png`;
    await writeAtomically(target, async (temporary) => {
      await Deno.writeTextFile(temporary, "second run");
      await Deno.writeTextFile(target, "first run");
    }, { force: true });
    assert.equal(await Deno.readTextFile(target), "second run");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["result.png"]);
  });
});

Deno.test("writeAtomically() interrupted during the write removes its temporary file", async () => {
  await withTempDir(async (dir) => {
    const controller = new AbortController();
    await assert.rejects(
      writeAtomically(`${dir}/big.png`, async (temporary) => {
        await Deno.writeFile(temporary, new Uint8Array(1 << 20));
        controller.abort(); // Ctrl-C arrives while the bytes are going out
      }, { signal: controller.signal }),
      InterruptedError,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
    await assert.rejects(
      writeFileAtomically(`${dir}/late.png`, new Uint8Array(3), { signal: controller.signal }),
      InterruptedError,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("writeAtomically() writes /dev/null directly: no temporary file, never a rename over the device", async () => {
  let given = "";
  const result = await writeAtomically("/dev/null", (path) => {
    given = path;
    return Promise.resolve(42);
  });
  assert.equal(given, "/dev/null");
  assert.equal(result, 42);
  await checkOutputPath("/dev/null"); // exists, yet never "Not overwriting"
  assert.ok(Deno.statSync("/dev/null").isCharDevice);
});
