import assert from "node:assert/strict";
import { decodeArgs, encodeArgs, planEncode, vp9Threads } from "../../src/io/ffmpeg_args.ts";

const QUIET = ["-hide_banner", "-nostdin", "-loglevel", "error"];
const RAW_IN = (size: string, fps: string) => [
  "-f",
  "rawvideo",
  "-pix_fmt",
  "rgb24",
  "-s",
  size,
  "-r",
  fps,
  "-i",
  "-",
];
const X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"];

Deno.test("decodeArgs resamples to the given constant rate before scaling, and skips cover art", () => {
  assert.deepEqual(
    decodeArgs("in.mp4", {
      pixFmt: "rgb24",
      fps: "30/1",
      loop: true,
      cover: { width: 64, height: 48 },
    }),
    [
      ...QUIET,
      "-stream_loop",
      "-1",
      "-i",
      "in.mp4",
      "-map",
      "0:V:0",
      "-vf",
      "fps=30/1,scale=64:48:force_original_aspect_ratio=increase,crop=64:48",
      "-f",
      "rawvideo",
      "-pix_fmt",
      "rgb24",
      "-",
    ],
  );
  assert.deepEqual(decodeArgs("in.mp4", { pixFmt: "rgba" }), [
    ...QUIET,
    "-i",
    "in.mp4",
    "-map",
    "0:V:0",
    "-f",
    "rawvideo",
    "-pix_fmt",
    "rgba",
    "-",
  ]);
});

Deno.test("encodeArgs pads short audio with silence and cuts long audio at the picture's end", () => {
  assert.deepEqual(
    encodeArgs("out.mp4", {
      width: 160,
      height: 120,
      fps: "25/1",
      pixFmtIn: "rgb24",
      audioFrom: "in.mp4",
    }),
    [
      ...QUIET,
      ...RAW_IN("160x120", "25/1"),
      "-i",
      "in.mp4",
      "-map",
      "0:v",
      "-map",
      "1:a?",
      ...X264,
      "-c:a",
      "aac",
      "-b:a",
      "160k",
      "-af",
      "apad",
      "-shortest",
      "-movflags",
      "+faststart",
      "-y",
      "out.mp4",
    ],
  );
});

Deno.test("planEncode crops odd sizes to even for H.264 and says so; VP9 keeps them", () => {
  const plan = planEncode("out.mkv", { width: 641, height: 361, fps: "30", pixFmtIn: "rgb24" });
  assert.deepEqual(plan.args, [
    ...QUIET,
    ...RAW_IN("641x361", "30"),
    "-map",
    "0:v",
    "-vf",
    "crop=640:360:0:0",
    ...X264,
    "-y",
    "out.mkv",
  ]);
  assert.deepEqual([plan.width, plan.height], [640, 360]);
  assert.deepEqual(plan.notes, [
    "641x361 cannot be written as H.264 in .mkv (it needs even sizes): the output is cropped to 640x360",
  ]);
  const even = planEncode("out.mp4", { width: 640, height: 361, fps: "30", pixFmtIn: "rgb24" });
  assert.ok(even.args.includes("crop=640:360:0:0"));
  const vp9 = planEncode("out.webm", { width: 641, height: 361, fps: "30", pixFmtIn: "rgba" });
  assert.deepEqual([vp9.width, vp9.height, vp9.notes], [641, 361, []]);
  assert.ok(!vp9.args.includes("-vf"));
});

Deno.test("planEncode keeps subtitles where the container can carry them, ends the audio at the picture's length without -shortest, and notes the rest", () => {
  const subtitles = [
    { index: 0, codec: "subrip" },
    { index: 1, codec: "hdmv_pgs_subtitle" },
  ];
  const options = {
    width: 160,
    height: 120,
    fps: "25",
    pixFmtIn: "rgb24" as const,
    audioFrom: "in.mkv",
    subtitles,
    durationSeconds: 1.04,
  };
  const mkv = planEncode("out.mkv", options);
  const tail = (args: string[]) => args.slice(args.indexOf("in.mkv") + 1);
  assert.deepEqual(tail(mkv.args), [
    "-map",
    "0:v",
    "-map",
    "1:a?",
    "-map",
    "1:s:0",
    "-map",
    "1:s:1",
    ...X264,
    "-c:a",
    "aac",
    "-b:a",
    "160k",
    "-c:s:0",
    "copy",
    "-c:s:1",
    "copy",
    "-af",
    "apad,atrim=end=1.04",
    "-y",
    "out.mkv",
  ]);
  assert.deepEqual(mkv.notes, []);
  const mp4 = planEncode("out.mp4", options);
  assert.deepEqual(tail(mp4.args).slice(0, 6), ["-map", "0:v", "-map", "1:a?", "-map", "1:s:0"]);
  assert.deepEqual(tail(mp4.args).slice(-8, -4), [
    "-c:s:0",
    "mov_text",
    "-af",
    "apad,atrim=end=1.04",
  ]);
  // No length known: the audio is neither padded (it would never end) nor cut.
  const unbounded = planEncode("out.mkv", { ...options, durationSeconds: undefined });
  assert.ok(!unbounded.args.includes("-af") && !unbounded.args.includes("-shortest"));
  assert.deepEqual(mp4.notes, [
    "1 subtitle stream (hdmv_pgs_subtitle) cannot be carried in .mp4 and is dropped; write .mkv to keep it",
  ]);
  const webm = planEncode("out.webm", { ...options, subtitles: [{ index: 0, codec: "mov_text" }] });
  assert.deepEqual(tail(webm.args).slice(4, 6), ["-map", "1:s:0"]);
  assert.ok(webm.args.join(" ").includes("-c:s:0 webvtt"));
  const mkvFromMp4 = planEncode("out.mkv", {
    ...options,
    subtitles: [{ index: 0, codec: "mov_text" }],
  });
  assert.ok(mkvFromMp4.args.join(" ").includes("-c:s:0 srt"), "mkv cannot hold mov_text as it is");
});

Deno.test("planEncode sends /dev/null to ffmpeg's null muxer (nothing written, no extension needed)", () => {
  assert.deepEqual(
    planEncode("/dev/null", {
      width: 160,
      height: 120,
      fps: "25",
      pixFmtIn: "rgb24",
      audioFrom: "a.mp4",
    }).args,
    [...QUIET, ...RAW_IN("160x120", "25"), "-map", "0:v", "-f", "null", "-"],
  );
});

Deno.test("vp9Threads() leaves segcam a core: 1 of 2, 3 of 4, at most 4", () => {
  assert.deepEqual([1, 2, 4, 8, 64].map((cores) => vp9Threads(cores)), [1, 1, 3, 4, 4]);
});

Deno.test("alpha encoders use camera-speed settings: VP9 realtime with tiles and no look-ahead queue, ProRes 4444 at a fixed quantiser", () => {
  const options = { width: 1280, height: 720, fps: "30", pixFmtIn: "rgba" as const };
  const vp9 = encodeArgs("out.webm", options).join(" ");
  assert.ok(vp9.includes("-c:v libvpx-vp9 -crf 32 -b:v 0"), vp9);
  assert.ok(
    vp9.includes("-row-mt 1 -tile-columns 2 -deadline realtime -cpu-used 8 -lag-in-frames 0"),
    vp9,
  );
  assert.ok(vp9.includes(`-threads ${vp9Threads()} -row-mt`), vp9);
  assert.ok(vp9.includes("-pix_fmt yuva420p"), vp9);
  // The yuva420p pipe from the planes is an alpha input too.
  const fromPlanes = encodeArgs("out.webm", { ...options, pixFmtIn: "yuva420p" }).join(" ");
  assert.ok(fromPlanes.includes("-f rawvideo -pix_fmt yuva420p"), fromPlanes);
  assert.ok(fromPlanes.includes("-pix_fmt yuva420p"), fromPlanes);
  assert.ok(
    encodeArgs("out.mov", { ...options, pixFmtIn: "yuva420p" }).join(" ").includes("prores_ks"),
  );
  const prores = encodeArgs("out.mov", options).join(" ");
  assert.ok(
    prores.includes("-c:v prores_ks -profile:v 4444 -qscale:v 4 -pix_fmt yuva444p10le"),
    prores,
  );
});
