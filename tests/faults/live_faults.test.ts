/**
 * segcam live against bad inputs and outputs: each is one line on stderr with the fix,
 * the exit code that says what happened, no file left half-written, no ffmpeg left
 * running. (Signals mid-run and a reader that goes away: tests/cli/live.test.ts.)
 */
import assert from "node:assert/strict";
import { isOneLineError, listDir, segcam, withTempDir } from "../cli/_run.ts";
import {
  ffmpegsMentioning,
  measure,
  noFrames,
  oddSize,
  truncated,
  variableRate,
} from "./_media.ts";

const live = (...args: string[]) => segcam(["live", "--no-tui", ...args]);

Deno.test("segcam live: missing, empty and wrong-type inputs are one line, exit 1, nothing written", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/empty.mp4`, new Uint8Array());
    await Deno.writeTextFile(`${dir}/notes.mp4`, "these are notes, not a video\n");
    for (
      const [input, message] of [
        [`${dir}/missing.mp4`, /Cannot open .*missing\.mp4: no such file/],
        [`${dir}/empty.mp4`, /empty\.mp4/],
        [`${dir}/notes.mp4`, /notes\.mp4/],
      ] as const
    ) {
      const r = await live("-i", input, "-o", `${dir}/out.mp4`, "--frames", "5");
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, message);
      assert.ok(isOneLineError(r.stderr), r.stderr);
    }
    assert.deepEqual(listDir(dir), ["empty.mp4", "notes.mp4"]);
    assert.deepEqual(await ffmpegsMentioning(dir), []);
  });
});

Deno.test("segcam live: a huge or malformed --size is a command-line mistake (exit 2), before any work", async () => {
  for (const size of ["99998x99998", "20000x20000", "12", "641x361"]) {
    const r = await live("-i", "demo", "--size", size, "-o", "-", "--frames", "1");
    assert.equal(r.code, 2, `${size}: ${r.stderr}`);
    assert.match(r.stderr, /--size/);
    assert.ok(isOneLineError(r.stderr), r.stderr);
    assert.doesNotMatch(r.stderr, /inference on/, "refused before the model loads");
  }
});

Deno.test("segcam live: a truncated file plays to where it ends; odd-sized and variable-rate files keep their size", async () => {
  await withTempDir(async (dir) => {
    await truncated(`${dir}/half.mp4`);
    await oddSize(`${dir}/odd.mp4`);
    await variableRate(`${dir}/vfr.mp4`);
    const half = await live("-i", `${dir}/half.mp4`, "-o", `${dir}/half_out.mkv`);
    assert.equal(half.code, 0, half.stderr);
    assert.ok((await measure(`${dir}/half_out.mkv`)).frames > 0);
    // Said as `video` says it: the input was cut, what was written is what there was.
    assert.match(
      half.stderr,
      /segcam: warning: .*half\.mp4 is damaged or truncated \(.*\); \d+ frames were written/,
    );

    const odd = await live("-i", `${dir}/odd.mp4`, "-o", `${dir}/odd_out.mkv`);
    assert.equal(odd.code, 0, odd.stderr);
    const oddInput = await measure(`${dir}/odd.mp4`);
    const oddOutput = await measure(`${dir}/odd_out.mkv`);
    // Its own size, rounded down to even (video formats need it).
    assert.deepEqual(
      [oddOutput.width, oddOutput.height],
      [oddInput.width - (oddInput.width % 2), oddInput.height - (oddInput.height % 2)],
    );

    const vfr = await live("-i", `${dir}/vfr.mp4`, "-o", `${dir}/vfr_out.mkv`);
    assert.equal(vfr.code, 0, vfr.stderr);
    const input = await measure(`${dir}/vfr.mp4`);
    const output = await measure(`${dir}/vfr_out.mkv`);
    // Played in real time: the recording lasts as long as the file (within a frame or
    // two of start-up and the last frame's length).
    assert.ok(
      Math.abs(output.videoDuration - input.formatDuration) < 0.5,
      `${output.videoDuration} s recorded from a ${input.formatDuration} s file`,
    );
    assert.deepEqual(await ffmpegsMentioning(dir), []);
  });
});

Deno.test("segcam live: a background video with a header and no frames is one line before any work", async () => {
  await withTempDir(async (dir) => {
    await noFrames(`${dir}/bg.mp4`);
    const r = await live("-i", "demo", "-e", "replace", "-b", `${dir}/bg.mp4`, "-o", "-");
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /bg\.mp4 .*no frame can be decoded/);
    assert.ok(isOneLineError(r.stderr), r.stderr);
    assert.doesNotMatch(r.stderr, /inference on/, "refused before the model loads");
    assert.deepEqual(await ffmpegsMentioning(dir), []);
  });
});

Deno.test("segcam live: an existing output is refused before the model loads; two recordings to one name keep the first", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/taken.mp4`, "keep");
    const refused = await live("-i", "demo", "-o", `${dir}/taken.mp4`, "--frames", "3");
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /Not overwriting .*taken\.mp4: the file exists; pass --force/);
    assert.doesNotMatch(refused.stderr, /inference on/);
    assert.equal(await Deno.readTextFile(`${dir}/taken.mp4`), "keep");

    const args = ["-i", "demo", "--size", "160x120", "-o", `${dir}/same.mkv`];
    const [a, b] = await Promise.all([
      live(...args, "--frames", "10"),
      live(...args, "--frames", "40"),
    ]);
    // Both started with no file there; the first to finish keeps the name, the other
    // says the file appeared meanwhile and leaves it alone.
    const codes = [a.code, b.code].sort();
    assert.deepEqual(codes, [0, 1], `${a.stderr}\n${b.stderr}`);
    const loser = a.code === 1 ? a : b;
    assert.match(
      loser.stderr,
      /Not overwriting .*same\.mkv: the file appeared while segcam was writing it/,
    );
    assert.deepEqual(listDir(dir), ["same.mkv", "taken.mp4"], "no temporary file left");
  });
});
