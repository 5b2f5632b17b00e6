/**
 * `segcam video` on the ordinary-but-awkward files of issue 9 ("Nothing lost, nothing
 * hung"): each file is built small by tests/faults/_media.ts, run through segcam as a
 * user would, and judged by exit code, the one line it prints, what ffprobe measures in
 * the output, the files left in the folder and the ffmpeg processes left running.
 */
import assert from "node:assert/strict";
import { isOneLineError, listDir, MAIN, PERMISSIONS, TEST_ENV, withTempDir } from "../cli/_run.ts";
import {
  coverArt,
  fastStart,
  ffmpegsMentioning,
  measure,
  noFrames,
  oddSize,
  shortAudio,
  tooWide,
  truncated,
  variableRate,
  withSubtitles,
} from "./_media.ts";

/** Long enough for the model to load and a few frames to run on a slow machine. */
const HANG_MS = 60_000;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** It did not end by itself within HANG_MS and was killed. */
  hung: boolean;
}

/** Runs segcam; one that hangs is killed after HANG_MS and reported as hung. */
async function segcam(args: string[]): Promise<Run> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, MAIN, ...args],
    env: { ...TEST_ENV },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    child.kill("SIGKILL");
  }, HANG_MS);
  const output = await child.output();
  clearTimeout(timer);
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr), hung };
}

/** stderr without the progress bar's summary and the backend line. */
function messages(stderr: string): string[] {
  return stderr.split("\n").map((l) => l.trim()).filter((l) =>
    l !== "" && !l.startsWith("segcam: inference on") && !/^\d+ frames in /.test(l)
  );
}

async function assertNoFfmpegLeft(dir: string): Promise<void> {
  assert.deepEqual(await ffmpegsMentioning(dir), [], "no ffmpeg left running on these files");
}

function near(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: expected ${expected} ± ${tolerance}, got ${actual}`,
  );
}

Deno.test("segcam video keeps the whole picture when the audio is shorter: the audio is padded with silence", async () => {
  await withTempDir(async (dir) => {
    await shortAudio(`${dir}/sa.mp4`);
    const r = await segcam(["video", `${dir}/sa.mp4`, "-o", `${dir}/out.mp4`]);
    assert.equal(r.code, 0, r.stderr);
    const out = await measure(`${dir}/out.mp4`);
    assert.equal(out.frames, 75);
    near(out.videoDuration, 3, 0.01, "video duration");
    // AAC ends on a 1024-sample frame: up to ~25 ms over the picture.
    near(out.audioDuration!, 3, 0.05, "audio duration");
    assert.deepEqual(listDir(dir), ["out.mp4", "sa.mp4"]);
    await assertNoFfmpegLeft(dir);
  });
});

Deno.test("segcam video keeps a variable-rate video's duration and audio sync", async () => {
  await withTempDir(async (dir) => {
    await variableRate(`${dir}/vfr.mp4`, { audio: true });
    const before = await measure(`${dir}/vfr.mp4`);
    const r = await segcam(["video", `${dir}/vfr.mp4`, "-o", `${dir}/out.mp4`]);
    assert.equal(r.code, 0, r.stderr);
    const out = await measure(`${dir}/out.mp4`);
    // 43 frames on a 1/30 s grid over 2.93 s become 88 frames at a constant 30 fps.
    assert.equal(out.frames, 88);
    near(out.videoDuration, before.videoDuration, 1 / 30, "video duration");
    near(out.audioDuration!, out.videoDuration, 0.05, "audio against video");
    assert.deepEqual(listDir(dir), ["out.mp4", "vfr.mp4"]);
    await assertNoFfmpegLeft(dir);
  });
});

Deno.test("segcam video does not slow down a variable-rate video without audio", async () => {
  await withTempDir(async (dir) => {
    await variableRate(`${dir}/vfr.mp4`);
    const before = await measure(`${dir}/vfr.mp4`);
    const r = await segcam(["video", `${dir}/vfr.mp4`, "-o", `${dir}/out.mp4`]);
    assert.equal(r.code, 0, r.stderr);
    const out = await measure(`${dir}/out.mp4`);
    near(out.frames, 88, 1, "frames");
    near(out.videoDuration, before.videoDuration, 1 / 30, "video duration");
    await assertNoFfmpegLeft(dir);
  });
});

Deno.test("segcam video says it resamples a variable-rate video, in one line", {}, async () => {
  await withTempDir(async (dir) => {
    await variableRate(`${dir}/vfr.mp4`);
    const r = await segcam(["video", `${dir}/vfr.mp4`, "-o", `${dir}/out.mp4`]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(messages(r.stderr).filter((l) => /variable frame rate/.test(l)), [
      `segcam: note: ${dir}/vfr.mp4 has a variable frame rate (14.66 fps on average); it is converted to a constant 30 fps, keeping its timing and audio sync`,
    ]);
  });
});

Deno.test("segcam video writes an odd-sized video to .mp4 and .mkv, cropped to even", async () => {
  await withTempDir(async (dir) => {
    await oddSize(`${dir}/odd.mp4`);
    for (const file of ["out.mp4", "out.mkv"]) {
      const r = await segcam(["video", `${dir}/odd.mp4`, "-o", `${dir}/${file}`]);
      assert.equal(r.code, 0, r.stderr);
      const out = await measure(`${dir}/${file}`);
      assert.deepEqual([out.width, out.height, out.frames], [160, 120, 10], file);
    }
    assert.deepEqual(listDir(dir), ["odd.mp4", "out.mkv", "out.mp4"]);
    await assertNoFfmpegLeft(dir);
  });
});

Deno.test("segcam video says once that it cropped an odd-sized video", {}, async () => {
  await withTempDir(async (dir) => {
    await oddSize(`${dir}/odd.mp4`);
    const r = await segcam(["video", `${dir}/odd.mp4`, "-o", `${dir}/out.mp4`]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(messages(r.stderr), [
      "segcam: note: 161x121 cannot be written as H.264 in .mp4 (it needs even sizes): the output is cropped to 160x120",
    ]);
    assert.match(r.stdout, /Wrote .*out\.mp4: 10 frames, 160x120 at 25\.00 fps/);
  });
});

Deno.test("segcam video refuses a background video with a header and no frames, at once and in one line", async () => {
  await withTempDir(async (dir) => {
    await shortAudio(`${dir}/in.mp4`);
    await noFrames(`${dir}/bg_nomdat.mp4`);
    const r = await segcam([
      "video",
      `${dir}/in.mp4`,
      "-o",
      `${dir}/out.mp4`,
      "-e",
      "replace",
      "-b",
      `${dir}/bg_nomdat.mp4`,
    ]);
    assert.equal(r.hung, false, "segcam hung on the background");
    assert.equal(r.code, 1, r.stderr);
    assert.ok(isOneLineError(r.stderr.replace(/^\d+ frames in.*$/m, "")), r.stderr);
    assert.match(r.stderr, /bg_nomdat\.mp4/);
    assert.deepEqual(listDir(dir), ["bg_nomdat.mp4", "in.mp4"]);
    await assertNoFfmpegLeft(dir);
  });
});

Deno.test("segcam video names the frameless background before loading the model", {}, async () => {
  await withTempDir(async (dir) => {
    await shortAudio(`${dir}/in.mp4`);
    await noFrames(`${dir}/bg.mp4`);
    const r = await segcam([
      "video",
      `${dir}/in.mp4`,
      "-o",
      `${dir}/o.mp4`,
      "-e",
      "replace",
      "-b",
      `${dir}/bg.mp4`,
    ]);
    assert.equal(r.code, 1);
    assert.deepEqual(messages(r.stderr), [
      `segcam: ${dir}/bg.mp4 has a 160x120 h264 video header (50 frames declared) but no frame can be decoded from it: the file is truncated or damaged; give another background`,
    ]);
  });
});

Deno.test("segcam video names an input with a header and no frames in one line, and writes nothing", async () => {
  await withTempDir(async (dir) => {
    // The decoder's empty end tells it (no probe decodes ahead for the input any more).
    await noFrames(`${dir}/in.mp4`);
    const r = await segcam(["video", `${dir}/in.mp4`, "-o", `${dir}/out.mp4`]);
    assert.equal(r.hung, false, "segcam hung on the input");
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(messages(r.stderr), [
      `segcam: ${dir}/in.mp4 has a 160x120 h264 video header (50 frames declared) but no frame can be decoded from it: the file is truncated or damaged; give a complete file`,
    ]);
    assert.deepEqual(listDir(dir), ["in.mp4"]);
    await assertNoFfmpegLeft(dir);
  });
});

Deno.test(
  "segcam video warns in one line about a truncated input and says how many frames it wrote",
  {},
  async () => {
    await withTempDir(async (dir) => {
      await truncated(`${dir}/half.mp4`);
      const r = await segcam(["video", `${dir}/half.mp4`, "-o", `${dir}/out.mp4`]);
      assert.equal(r.code, 0, r.stderr);
      const out = await measure(`${dir}/out.mp4`);
      const warnings = messages(r.stderr);
      assert.equal(warnings.length, 1, r.stderr);
      const match = new RegExp(
        String
          .raw`^segcam: warning: .*half\.mp4 is damaged or truncated \(ffmpeg reported \d+ decoding errors?; only (\d+) of about 50 frames could be decoded\); (\d+) frames were written$`,
      ).exec(warnings[0]);
      assert.ok(match, warnings[0]);
      assert.equal(Number(match[2]), out.frames);
      assert.ok(out.frames > 10 && out.frames < 40, `frames ${out.frames}`);
      near(out.audioDuration!, out.videoDuration, 0.05, "the audio ends with the picture");
      await assertNoFfmpegLeft(dir);
    });
  },
);

Deno.test("segcam video refuses frames over the size limit and cover art alone, before any work", async () => {
  await withTempDir(async (dir) => {
    await tooWide(`${dir}/wide.mp4`);
    await coverArt(`${dir}/song.mp3`);
    const wide = await segcam(["video", `${dir}/wide.mp4`, "-o", `${dir}/o.mp4`]);
    assert.equal(wide.code, 1);
    assert.deepEqual(messages(wide.stderr), [
      `segcam: ${dir}/wide.mp4 is 8200x16: frames over 8192 pixels a side or over 8192x4320 (35.4 megapixels) are not supported; scale it down first (ffmpeg -i ${dir}/wide.mp4 -vf scale=3840:-2 smaller.mp4)`,
    ]);
    const song = await segcam(["video", `${dir}/song.mp3`, "-o", `${dir}/o.mp4`]);
    assert.equal(song.code, 1);
    assert.deepEqual(messages(song.stderr), [
      `segcam: ${dir}/song.mp3 has no video, only a still picture (cover art, 64x64 mjpeg); to use the picture, extract it (ffmpeg -i ${dir}/song.mp3 -an -c:v copy cover.jpg) and run segcam image on it`,
    ]);
    assert.deepEqual(listDir(dir), ["song.mp3", "wide.mp4"]);
    await assertNoFfmpegLeft(dir);
  });
});

Deno.test(
  "segcam video keeps text subtitles (.mkv: copied, .mp4: mov_text) and the whole picture",
  {},
  async () => {
    await withTempDir(async (dir) => {
      // Subtitles that end before the picture, with full, short and no sound: ffmpeg's
      // -shortest would stop at the last subtitle.
      const cases = [
        { audioSeconds: 2, file: "out.mkv", codec: "subrip" },
        { audioSeconds: 1, file: "out.mp4", codec: "mov_text" },
        { audioSeconds: 0, file: "out2.mkv", codec: "subrip" },
      ];
      for (const { audioSeconds, file, codec } of cases) {
        await withSubtitles(`${dir}/s.mkv`, { audioSeconds });
        // Matroska starts this picture 23 ms in (after the audio's priming): measure it.
        const before = await measure(`${dir}/s.mkv`);
        const r = await segcam(["video", `${dir}/s.mkv`, "-o", `${dir}/${file}`]);
        assert.equal(r.code, 0, r.stderr);
        const out = await measure(`${dir}/${file}`);
        assert.deepEqual(out.subtitles, [codec], file);
        near(out.frames, 50, 1, `${file} frames`);
        near(out.formatDuration, before.formatDuration, 0.05, `${file} duration`);
        if (audioSeconds > 0) near(out.audioDuration!, out.formatDuration, 0.05, `${file} audio`);
        await Deno.remove(`${dir}/s.mkv`);
      }
      await assertNoFfmpegLeft(dir);
    });
  },
);

Deno.test("segcam video -o /dev/null processes every frame and writes nothing", {}, async () => {
  await withTempDir(async (dir) => {
    await shortAudio(`${dir}/sa.mp4`);
    const r = await segcam(["video", `${dir}/sa.mp4`, "-o", "/dev/null"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Wrote \/dev\/null: 75 frames/);
    assert.deepEqual(listDir(dir), ["sa.mp4"]);
    await assertNoFfmpegLeft(dir);
  });
});

Deno.test("segcam video -o under /dev/shm is one clear line, not Deno's permission error", {
  // needs atomic_file.ts: a NotCapable error on the output folder becomes the OutputError below
}, async () => {
  const target = `/dev/shm/segcam-test-${Deno.pid}.mp4`;
  await withTempDir(async (dir) => {
    await fastStart(`${dir}/in.mp4`, 0.4);
    const r = await segcam(["video", `${dir}/in.mp4`, "-o", target]);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(messages(r.stderr), [
      `segcam: Cannot write ${target}: Deno lets segcam touch nothing under /dev but /dev/null without --allow-all; write it elsewhere (e.g. /tmp), or run deno run -A main.ts`,
    ]);
    await assertNoFfmpegLeft(dir);
  });
});
