/**
 * Background files and folders for segcam live: what a `-b` stands for, and the one
 * background open at a time (a stand-in opener, so no ffmpeg runs).
 */
import assert from "node:assert/strict";
import { type Background, backgroundFiles, BackgroundPlaylist } from "../../src/io/background.ts";
import { createFrame } from "../../src/frame.ts";

async function withFolder(files: string[], fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "segcam-backgrounds-" });
  try {
    for (const name of files) {
      if (name.endsWith("/")) await Deno.mkdir(`${dir}/${name}`);
      else await Deno.writeTextFile(`${dir}/${name}`, "");
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Opens by name: a path containing "bad" fails; records what is open. */
function opener() {
  const open = new Set<string>();
  return {
    open,
    fn: (path: string): Promise<Background> => {
      if (path.includes("bad")) {
        return Promise.reject(new Error(`The background ${path} is damaged`));
      }
      open.add(path);
      const frame = createFrame(2, 2, 3);
      return Promise.resolve({
        frame: () => Promise.resolve(frame),
        close: () => {
          open.delete(path);
          return Promise.resolve();
        },
      });
    },
  };
}

Deno.test("backgroundFiles(): a file is itself, a folder its images and videos by name", async () => {
  await withFolder(["b.jpg", "a.png", "c.mp4", ".hidden.png", "notes.txt", "sub/"], async (dir) => {
    assert.deepEqual(await backgroundFiles([`${dir}/`, `${dir}/notes.txt`]), [
      `${dir}/a.png`,
      `${dir}/b.jpg`,
      `${dir}/c.mp4`,
      `${dir}/notes.txt`,
    ]);
  });
});

Deno.test("backgroundFiles(): a folder it cannot look into is an error, never 'none'", async () => {
  await assert.rejects(
    backgroundFiles(["/nonexistent/backgrounds"]),
    /Cannot open the background \/nonexistent\/backgrounds/,
  );
  await withFolder([], async (dir) => {
    assert.deepEqual(await backgroundFiles([dir]), [], "an empty folder is empty");
  });
});

Deno.test("BackgroundPlaylist keeps one background open, picks up new files, and keeps the old one when a new one fails", async () => {
  await withFolder(["1.png", "2.png"], async (dir) => {
    const { open, fn } = opener();
    const playlist = new BackgroundPlaylist([dir], fn);
    assert.equal(await playlist.refresh(), 0);
    assert.equal(await playlist.show(0), undefined);
    assert.equal(playlist.path, `${dir}/1.png`);
    assert.equal(await playlist.show(1), undefined);
    assert.deepEqual([...open], [`${dir}/2.png`], "the old one is closed");
    await Deno.writeTextFile(`${dir}/0.png`, "");
    await Deno.writeTextFile(`${dir}/3-bad.png`, "");
    assert.equal(await playlist.refresh(), 2, "the file showing keeps showing, at its new place");
    assert.equal(playlist.files.length, 4);
    assert.equal(
      await playlist.show(3),
      `The background ${dir}/3-bad.png is damaged; still showing ${dir}/2.png`,
    );
    assert.equal(playlist.path, `${dir}/2.png`);
    assert.ok(await playlist.frame());
    await playlist.close();
    assert.deepEqual([...open], []);
  });
});
