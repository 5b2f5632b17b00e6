import assert from "node:assert/strict";
import { frameAt, makeClip, probe } from "../_media.ts";
import {
  isOneLineError,
  listDir,
  segcam,
  spawnSegcam,
  waitForTemporaryOutput,
  withTempDir,
} from "./_run.ts";

Deno.test("segcam video keeps frame count, size, frame rate and audio, and leaves the person unchanged", async () => {
  await withTempDir(async (dir) => {
    await makeClip(`${dir}/in.mp4`, { width: 320, height: 240, fps: 25, seconds: 1 });
    const r = await segcam(["video", `${dir}/in.mp4`, "-o", `${dir}/out.mp4`, "-e", "blur"]);
    assert.equal(r.code, 0, r.stderr);
    const [inVideo] = await probe(`${dir}/in.mp4`);
    const streams = await probe(`${dir}/out.mp4`);
    const video = streams.find((s) => s.codec_type === "video")!;
    assert.equal(video.nb_read_frames, inVideo.nb_read_frames);
    assert.equal(video.nb_read_frames, "25");
    assert.deepEqual([video.width, video.height, video.r_frame_rate], [320, 240, "25/1"]);
    assert.ok(streams.some((s) => s.codec_type === "audio"), "the audio track is kept");
    // The top right corner (background) changes; the centre (the astronaut) barely does.
    const a = await frameAt(`${dir}/in.mp4`, 12);
    const b = await frameAt(`${dir}/out.mp4`, 12);
    const diff = (x0: number, y0: number, size: number) => {
      let sum = 0;
      for (let y = y0; y < y0 + size; y++) {
        for (let x = x0; x < x0 + size; x++) {
          for (let c = 0; c < 3; c++) {
            sum += Math.abs(a[4 * (y * 320 + x) + c] - b[4 * (y * 320 + x) + c]);
          }
        }
      }
      return sum / (size * size * 3);
    };
    assert.ok(diff(150, 150, 20) < 4, `person unchanged (mean diff ${diff(150, 150, 20)})`);
    assert.deepEqual(listDir(dir), ["in.mp4", "out.mp4"]);
  });
});

Deno.test("segcam video --effect transparent writes real alpha to .webm and .mov", async () => {
  await withTempDir(async (dir) => {
    await makeClip(`${dir}/in.mp4`, { seconds: 0.4, audio: false });
    for (
      const [file, codec, pixFmt] of [["t.webm", "vp9", "yuv420p"], [
        "t.mov",
        "prores",
        "yuva444p12le",
      ]]
    ) {
      const r = await segcam([
        "video",
        `${dir}/in.mp4`,
        "-o",
        `${dir}/${file}`,
        "-e",
        "transparent",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const [video] = await probe(`${dir}/${file}`);
      assert.equal(video.codec_name, codec);
      assert.equal(video.pix_fmt, pixFmt); // VP9 signals alpha in a side track (alpha_mode)
      const rgba = await frameAt(`${dir}/${file}`, 5);
      const alphaAt = (x: number, y: number) => rgba[4 * (y * 320 + x) + 3];
      assert.ok(alphaAt(160, 200) > 240, `${file}: the person is opaque (${alphaAt(160, 200)})`);
      assert.ok(alphaAt(315, 5) < 15, `${file}: the corner is transparent (${alphaAt(315, 5)})`);
      // The opaque pixels keep the input's colour: the decoder's planes went to the encoder
      // with the mask as their alpha plane (yuva420p), never through RGBA.
      const input = await frameAt(`${dir}/in.mp4`, 5);
      let sum = 0, n = 0;
      for (let i = 0; i < 320 * 240; i++) {
        if (rgba[4 * i + 3] < 250) continue;
        for (let c = 0; c < 3; c++) sum += Math.abs(rgba[4 * i + c] - input[4 * i + c]);
        n += 3;
      }
      assert.ok(n > 3 * 320 * 240 * 0.2, `${file}: the person's pixels were compared (${n / 3})`);
      const limit = codec === "prores" ? 2.5 : 4; // measured 1.6 and 2.4 (RGBA route: 1.2, 2.4)
      assert.ok(sum / n < limit, `${file}: the person's colour is the input's (${sum / n} levels)`);
    }
    const mp4 = await segcam(["video", `${dir}/in.mp4`, "-o", `${dir}/t.mp4`, "-e", "transparent"]);
    assert.equal(mp4.code, 2);
    assert.match(mp4.stderr, /\.mp4 cannot carry transparency; .* \.webm \(VP9\) or \.mov/);
  });
});

Deno.test("segcam video replaces the background with a looping video", async () => {
  await withTempDir(async (dir) => {
    await makeClip(`${dir}/in.mp4`, { seconds: 1, audio: false });
    // A 0.2 s solid blue background clip must loop to cover the 1 s input.
    const { code } = await new Deno.Command("ffmpeg", {
      args: [
        "-v",
        "error",
        "-f",
        "lavfi",
        "-i",
        "color=c=0x0000ff:s=160x90:r=25",
        "-t",
        "0.2",
        `${dir}/bg.mp4`,
      ],
    }).output();
    assert.equal(code, 0);
    const r = await segcam([
      "video",
      `${dir}/in.mp4`,
      "-o",
      `${dir}/out.mkv`,
      "-e",
      "replace",
      "-b",
      `${dir}/bg.mp4`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [video] = await probe(`${dir}/out.mkv`);
    assert.equal(video.nb_read_frames, "25");
    const last = await frameAt(`${dir}/out.mkv`, 24);
    const [red, green, blue] = last.subarray(4 * (5 * 320 + 315), 4 * (5 * 320 + 315) + 3);
    assert.ok(
      blue > 200 && red < 40 && green < 40,
      `background is blue at the end: ${red},${green},${blue}`,
    );
  });
});

Deno.test("segcam video: bad inputs give one line, a non-zero exit, and no output", async () => {
  await withTempDir(async (dir) => {
    await makeClip(`${dir}/in.mp4`, { seconds: 0.6 });
    await Deno.writeTextFile(`${dir}/junk.mp4`, "not a video at all");
    const clip = await Deno.readFile(`${dir}/in.mp4`);
    await Deno.writeFile(`${dir}/cut.mp4`, clip.subarray(0, Math.floor(clip.length / 3)));
    await Deno.writeTextFile(`${dir}/exists.mp4`, "keep");
    const cases: [string[], RegExp, number, Record<string, string>?][] = [
      [["video", `${dir}/missing.mp4`, "-o", `${dir}/o.mp4`], /no such file/, 1],
      [
        ["video", `${dir}/junk.mp4`, "-o", `${dir}/o.mp4`],
        /not a video ffmpeg can decode, or it is damaged/,
        1,
      ],
      [["video", `${dir}/cut.mp4`, "-o", `${dir}/o.mp4`], /damaged|decode/, 1],
      [["video", `${dir}/in.mp4`, "-o", `${dir}/o.avi`], /end it in \.mp4, \.mkv/, 2],
      [["video", `${dir}/in.mp4`, "-o", `${dir}/exists.mp4`], /exists; pass --force/, 1],
      [["video", `${dir}/in.mp4`, "-o", `${dir}/no/o.mp4`], /does not exist/, 1],
      [["video", `${dir}/in.mp4`, "-o", `${dir}/in.mp4`, "-f"], /is the input/, 2],
      [
        ["video", `${dir}/in.mp4`, "-o", `${dir}/o.mp4`],
        /ffprobe was not found on PATH; install it/,
        3,
        {
          SEGCAM_FFPROBE: "/nonexistent/ffprobe",
        },
      ],
    ];
    for (const [args, message, code, env] of cases) {
      const r = await segcam(args, env);
      assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
      assert.ok(isOneLineError(r.stderr), r.stderr);
    }
    assert.deepEqual(listDir(dir), ["cut.mp4", "exists.mp4", "in.mp4", "junk.mp4"]);
    assert.equal(await Deno.readTextFile(`${dir}/exists.mp4`), "keep");
  });
});

Deno.test("segcam video: a model that fails to load after ffmpeg started leaves no file and no ffmpeg", async () => {
  await withTempDir(async (dir) => {
    await makeClip(`${dir}/in.mp4`, { seconds: 0.6 });
    // The decoder and the encoder start while the model loads; this model never does.
    await Deno.writeTextFile(`${dir}/bad.onnx`, "garbage, not a model");
    const r = await segcam([
      "video",
      `${dir}/in.mp4`,
      "-o",
      `${dir}/o.mp4`,
      "--model",
      `${dir}/bad.onnx`,
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /neither a TFLite nor an ONNX model/);
    assert.ok(isOneLineError(r.stderr), r.stderr);
    assert.deepEqual(listDir(dir), ["bad.onnx", "in.mp4"]);
    const ps = await new Deno.Command("pgrep", { args: ["-f", `${dir}/`] }).output();
    assert.equal(new TextDecoder().decode(ps.stdout).trim(), "", "no ffmpeg left running");
  });
});

for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]] as const) {
  Deno.test(`segcam video: ${signal} mid-video exits ${code}, leaves no file and no ffmpeg behind`, async () => {
    await withTempDir(async (dir) => {
      await makeClip(`${dir}/in.mp4`, { width: 640, height: 480, seconds: 8, audio: false });
      const child = spawnSegcam([
        "video",
        `${dir}/in.mp4`,
        "-o",
        `${dir}/out.webm`,
      ]);
      assert.ok(await waitForTemporaryOutput(dir), "the encoder started");
      child.kill(signal);
      const status = await child.status;
      const stderr = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
      assert.equal(status.code, code, stderr);
      assert.match(
        stderr,
        new RegExp(`segcam: Stopped by .*${signal}.*out\\.webm was not written`),
      );
      assert.deepEqual(listDir(dir), ["in.mp4"]);
      const ps = await new Deno.Command("pgrep", { args: ["-f", `${dir}/`] }).output();
      assert.equal(new TextDecoder().decode(ps.stdout).trim(), "", "no ffmpeg left running");
    });
  });
}

Deno.test("segcam video: an ffmpeg that fails without a word is named with the fix, and no file is left", async () => {
  await withTempDir(async (dir) => {
    await makeClip(`${dir}/in.mp4`, { width: 160, height: 120, fps: 10, seconds: 1 });
    // A program that exits 1 and prints nothing, as a broken build or a wrong wrapper does.
    for (const [variable, tool] of [["SEGCAM_FFMPEG", "ffmpeg"], ["SEGCAM_FFPROBE", "ffprobe"]]) {
      const r = await segcam(["video", `${dir}/in.mp4`, "-o", `${dir}/out.mp4`], {
        [variable]: "/bin/false",
      });
      assert.equal(r.code, 3, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `/bin/false ended without a word while working on the input .*in\\.mp4; check that ` +
            `\`/bin/false -version\` runs, or point ${variable} at a working ${tool}`,
        ),
      );
      assert.doesNotMatch(r.stderr, /no message/);
      assert.ok(isOneLineError(r.stderr), r.stderr);
      assert.deepEqual(listDir(dir), ["in.mp4"]);
    }
  });
});
