import assert from "node:assert/strict";
import { chooseRate, EarlyProbe, frameSizeProblem, probeMedia } from "../../src/io/probe.ts";
import { childPids } from "../../src/io/ffmpeg_process.ts";
import { ffmpeg } from "../_media.ts";
import { InputError } from "../../src/errors.ts";
import {
  coverArt,
  noFrames,
  oddSize,
  shortAudio,
  tooWide,
  truncated,
  variableRate,
  withSubtitles,
} from "../faults/_media.ts";

async function inTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "segcam-probe-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("chooseRate keeps a constant rate and resamples a variable one to its timestamp grid", () => {
  assert.deepEqual(chooseRate("25/1", "25/1"), { fps: "25/1", average: "25/1", variable: false });
  // 2997/100 and 30000/1001 differ by 0.003 %: the same constant rate.
  assert.equal(chooseRate("30000/1001", "2997/100")!.variable, false);
  assert.deepEqual(chooseRate("30/1", "215/14"), {
    fps: "30/1",
    average: "215/14",
    variable: true,
  });
  // A millisecond time base as r_frame_rate: resample to the average instead.
  assert.deepEqual(chooseRate("90000/1", "24/1"), { fps: "24/1", average: "24/1", variable: true });
  assert.equal(chooseRate("0/0", "0/0"), undefined);
});

Deno.test("frameSizeProblem allows 8K DCI and refuses larger frames, naming the limit", () => {
  assert.equal(frameSizeProblem(8192, 4320), undefined);
  assert.equal(frameSizeProblem(4320, 8192), undefined);
  assert.equal(frameSizeProblem(641, 361), undefined);
  for (const [w, h] of [[8193, 16], [16, 8193], [8192, 8192], [20000, 20000]]) {
    assert.equal(
      frameSizeProblem(w, h),
      "frames over 8192 pixels a side or over 8192x4320 (35.4 megapixels) are not supported",
    );
  }
});

Deno.test("probeMedia tells a variable frame rate from a constant one and counts frames at the chosen rate", async () => {
  await inTemp(async (dir) => {
    await variableRate(`${dir}/vfr.mp4`);
    const info = await probeMedia(`${dir}/vfr.mp4`);
    assert.equal(info.isVariableRate, true);
    assert.equal(info.fps, "30/1");
    assert.equal(info.averageFps, "645/44"); // 43 frames over 2.93 s
    assert.equal(info.frames, 88); // 2.93 s at 30 fps
    assert.deepEqual(info.notes, [
      `${dir}/vfr.mp4 has a variable frame rate (14.66 fps on average); it is converted to a constant 30 fps, keeping its timing and audio sync`,
    ]);
    await oddSize(`${dir}/odd.mp4`);
    const odd = await probeMedia(`${dir}/odd.mp4`);
    assert.deepEqual([odd.width, odd.height, odd.isVariableRate, odd.fps, odd.frames], [
      161,
      121,
      false,
      "25/1",
      10,
    ]);
  });
});

Deno.test("probeMedia reports the lengths of picture and sound, with a note when the sound is shorter", async () => {
  await inTemp(async (dir) => {
    await shortAudio(`${dir}/sa.mp4`);
    const info = await probeMedia(`${dir}/sa.mp4`);
    assert.equal(info.hasAudio, true);
    assert.equal(info.videoDuration, 3);
    assert.ok(Math.abs(info.audioDuration! - 2) < 0.05, `audio ${info.audioDuration}`);
    assert.deepEqual(info.notes, [
      `the audio of ${dir}/sa.mp4 (2.0 s) is shorter than its picture (3.0 s); it is padded with silence`,
    ]);
  });
});

Deno.test("probeMedia lists subtitle streams", async () => {
  await inTemp(async (dir) => {
    await withSubtitles(`${dir}/s.mkv`);
    assert.deepEqual((await probeMedia(`${dir}/s.mkv`)).subtitles, [{ index: 0, codec: "subrip" }]);
    await withSubtitles(`${dir}/s.mp4`);
    assert.deepEqual((await probeMedia(`${dir}/s.mp4`)).subtitles, [
      { index: 0, codec: "mov_text", language: "und" },
    ]);
  });
});

Deno.test("probeMedia refuses a header without frames, cover art alone and oversized frames, in one line each", async () => {
  await inTemp(async (dir) => {
    await noFrames(`${dir}/nomdat.mp4`);
    await assert.rejects(
      probeMedia(`${dir}/nomdat.mp4`, { role: "background" }),
      (e: Error) =>
        e instanceof InputError &&
        e.message ===
          `${dir}/nomdat.mp4 has a 160x120 h264 video header (50 frames declared) but no frame can be decoded from it: the file is truncated or damaged; give another background`,
    );
    // Without the decode check (segcam video's input, decoded once) the header is
    // returned for the decoder's empty end to be named by.
    const header = (await probeMedia(`${dir}/nomdat.mp4`, { checkDecodable: false })).header;
    assert.deepEqual(header, { codec: "h264", width: 160, height: 120, frames: 50 });
    await coverArt(`${dir}/song.mp3`);
    await assert.rejects(
      probeMedia(`${dir}/song.mp3`),
      (e: Error) =>
        e instanceof InputError &&
        e.message ===
          `${dir}/song.mp3 has no video, only a still picture (cover art, 64x64 mjpeg); to use the picture, extract it (ffmpeg -i ${dir}/song.mp3 -an -c:v copy cover.jpg) and run segcam image on it`,
    );
    await tooWide(`${dir}/wide.mp4`);
    await assert.rejects(
      probeMedia(`${dir}/wide.mp4`),
      (e: Error) =>
        e instanceof InputError &&
        e.message ===
          `${dir}/wide.mp4 is 8200x16: frames over 8192 pixels a side or over 8192x4320 (35.4 megapixels) are not supported; scale it down first (ffmpeg -i ${dir}/wide.mp4 -vf scale=3840:-2 smaller.mp4)`,
    );
  });
});

Deno.test("probeMedia accepts a truncated file whose first frames decode (the decode warns later)", async () => {
  await inTemp(async (dir) => {
    await truncated(`${dir}/half.mp4`);
    const info = await probeMedia(`${dir}/half.mp4`);
    assert.equal(info.frames, 50); // what the index declares; fewer will decode
  });
});

Deno.test("probeMedia takes the answer of the input's early probe, once, and only for its path", async () => {
  await inTemp(async (dir) => {
    const clip = (size: string, path: string) =>
      ffmpeg(["-f", "lavfi", "-i", `testsrc2=s=${size}:r=25:d=0.2`, "-pix_fmt", "yuv420p", path]);
    await clip("320x240", `${dir}/a.mp4`);
    const early = new EarlyProbe(`${dir}/a.mp4`);
    await early.settled;
    // The file changes after the early probe answered: what probeMedia reports is the
    // early answer, so it was taken rather than asked again.
    await clip("160x120", `${dir}/b.mp4`);
    await Deno.rename(`${dir}/b.mp4`, `${dir}/a.mp4`);
    const first = await probeMedia(`${dir}/a.mp4`, { checkDecodable: false, early });
    assert.deepEqual([first.width, first.height, first.frames], [320, 240, 5]);
    // Taken once: the next probe asks ffprobe, and a background is never answered by it.
    const again = await probeMedia(`${dir}/a.mp4`, { checkDecodable: false, early });
    assert.deepEqual([again.width, again.height], [160, 120]);
    const other = new EarlyProbe(`${dir}/a.mp4`);
    await other.settled;
    const background = await probeMedia(`${dir}/a.mp4`, { role: "background", early: other });
    assert.deepEqual([background.width, background.height], [160, 120]);
    await other.dispose();
    assert.deepEqual(childPids(), []);
  });
});

Deno.test("an early probe leaves a FIFO unread and a missing file to probeMedia's own message", async () => {
  await inTemp(async (dir) => {
    const fifo = `${dir}/pipe.mp4`;
    assert.ok((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success);
    const early = new EarlyProbe(fifo);
    await early.settled;
    // No ffprobe was started on it (one would sit reading the FIFO, then the decoder
    // would find it empty).
    assert.deepEqual(childPids(), []);
    await assert.rejects(
      probeMedia(fifo, { early }),
      (e: Error) => e instanceof InputError && /not a regular file/.test(e.message),
    );
    const missing = new EarlyProbe(`${dir}/missing.mp4`);
    await assert.rejects(
      // As segcam video probes (the decode check's own ffprobe would still be running).
      probeMedia(`${dir}/missing.mp4`, { checkDecodable: false, early: missing }),
      (e: Error) => e instanceof InputError && e.message.includes("missing.mp4"),
    );
    await missing.dispose();
    assert.deepEqual(childPids(), []);
  });
});
