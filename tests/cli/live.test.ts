/**
 * segcam live end to end, without a camera: the generated demo and files as inputs,
 * files and stdout as outputs, keys through a real pseudo-terminal (tmux).
 */
import assert from "node:assert/strict";
import { frameAt, makeClip, probe } from "../_media.ts";
import {
  isOneLineError,
  listDir,
  MAIN,
  PERMISSIONS,
  segcam,
  spawnSegcam,
  waitForTemporaryOutput,
  withTempDir,
} from "./_run.ts";

Deno.test("segcam live --input demo writes exactly --frames frames of --size into a file", async () => {
  await withTempDir(async (dir) => {
    const r = await segcam([
      "live",
      "--input",
      "demo",
      "--size",
      "320x240",
      "--fps",
      "15",
      "--frames",
      "20",
      "-o",
      `${dir}/demo.mp4`,
      "-e",
      "desaturate",
      "--no-tui",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /segcam: 20 frames in .* to .*demo\.mp4/);
    const [video] = await probe(`${dir}/demo.mp4`);
    assert.deepEqual([video.width, video.height, video.nb_read_frames], [320, 240, "20"]);
    // desaturate: the top right corner (background) is gray, R = G = B within codec noise.
    const rgba = await frameAt(`${dir}/demo.mp4`, 10);
    const i = 4 * (5 * 320 + 310);
    assert.ok(
      Math.abs(rgba[i] - rgba[i + 1]) <= 6 && Math.abs(rgba[i + 1] - rgba[i + 2]) <= 6,
      `${rgba.subarray(i, i + 3)}`,
    );
    assert.deepEqual(listDir(dir), ["demo.mp4"]);
  });
});

Deno.test("segcam live on a file input ends cleanly when the file ends", async () => {
  await withTempDir(async (dir) => {
    await makeClip(`${dir}/in.mp4`, { width: 320, height: 240, fps: 10, seconds: 1, audio: false });
    const r = await segcam([
      "live",
      "-i",
      `${dir}/in.mp4`,
      "--size",
      "320x240",
      "--fps",
      "10",
      "-o",
      `${dir}/out.mkv`,
      "--no-tui",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [video] = await probe(`${dir}/out.mkv`);
    assert.ok(Number(video.nb_read_frames) >= 8, `frames: ${video.nb_read_frames}`);
  });
});

Deno.test("segcam live -o - writes raw frames, and a reader that goes away ends it with one line", async () => {
  const child = spawnSegcam([
    "live",
    "-i",
    "demo",
    "--size",
    "64x48",
    "--fps",
    "30",
    "-o",
    "-",
    "--no-tui",
  ], "piped");
  const reader = child.stdout.getReader();
  let received = 0;
  while (received < 64 * 48 * 3 * 3) {
    const { value } = await reader.read();
    received += value!.length;
  }
  await reader.cancel(); // the consumer goes away
  const status = await child.status;
  const stderr = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
  assert.equal(status.code, 1, stderr);
  assert.match(
    stderr,
    /segcam: The output stdout stopped accepting frames \(the program reading it went away\)/,
  );
});

Deno.test("segcam live: missing input, no camera, no virtual camera and bad values are one clear line", async () => {
  await withTempDir(async (dir) => {
    const cases: [string[], RegExp, number][] = [
      [
        ["live", "-i", `${dir}/none.mp4`, "-o", `${dir}/o.mp4`],
        /Cannot open .*none\.mp4: no such file/,
        1,
      ],
      [
        ["live", "--camera", "/dev/video77", "-o", `${dir}/o.mp4`],
        /Cannot open camera \/dev\/video77: no such device/,
        1,
      ],
      [
        ["live", "-i", "demo", "-o", "/dev/video99"],
        /\/dev\/video99 does not exist: load v4l2loopback \(sudo modprobe v4l2loopback/,
        1,
      ],
      [["live", "-i", "demo", "--size", "big"], /--size takes WIDTHxHEIGHT/, 2],
      [["live", "-i", "demo", "-o", `${dir}/o.mp4`, "-e", "replace"], /needs a background/, 2],
    ];
    const noFfmpeg = await segcam(["live", "-i", "demo", "-o", `${dir}/o.mp4`], {
      SEGCAM_FFMPEG: "/nonexistent/ffmpeg",
    });
    assert.equal(noFfmpeg.code, 3, noFfmpeg.stderr);
    assert.match(
      noFfmpeg.stderr,
      /ffmpeg was not found on PATH; install it \(Debian\/Ubuntu: sudo apt install ffmpeg/,
    );
    if (listDirSafe("/sys/class/video4linux").length === 0) {
      cases.push([["live", "-i", "demo"], /No virtual camera found: load v4l2loopback/, 1]);
      cases.push([["live", "-o", `${dir}/o.mp4`], /No camera found/, 1]);
    }
    for (const [args, message, code] of cases) {
      const r = await segcam(args);
      assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
      assert.ok(isOneLineError(r.stderr.replace(/^segcam: \d+ frames in.*$/m, "")), r.stderr);
    }
    assert.deepEqual(listDir(dir), []);
  });
});

function listDirSafe(path: string): string[] {
  try {
    return listDir(path);
  } catch {
    return [];
  }
}

Deno.test("segcam live: SIGTERM ends it cleanly, keeps the finished file and leaves no ffmpeg", async () => {
  await withTempDir(async (dir) => {
    const child = spawnSegcam([
      "live",
      "-i",
      "demo",
      "--size",
      "160x120",
      "-o",
      `${dir}/o.mkv`,
      "--no-tui",
    ]);
    assert.ok(await waitForTemporaryOutput(dir), "the encoder started");
    await new Promise((r) => setTimeout(r, 1500));
    child.kill("SIGTERM");
    const status = await child.status;
    const stderr = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
    assert.equal(status.code, 130, stderr);
    assert.deepEqual(listDir(dir), ["o.mkv"], "the recording is kept, no temporary file");
    const [video] = await probe(`${dir}/o.mkv`);
    assert.ok(Number(video.nb_read_frames) > 5);
    const ps = await new Deno.Command("pgrep", { args: ["-f", dir] }).output();
    assert.equal(new TextDecoder().decode(ps.stdout).trim(), "", "no ffmpeg left running");
  });
});

Deno.test("segcam live panel in a real terminal: shows FPS, switches effects on keys, restores the terminal", async () => {
  const socket = `segcam-test-${Deno.pid}`;
  const tmux = (...args: string[]) =>
    new Deno.Command("tmux", { args: ["-L", socket, ...args], stdout: "piped", stderr: "null" })
      .output();
  const screen = async () =>
    new TextDecoder().decode((await tmux("capture-pane", "-p", "-t", "t")).stdout);
  const waitFor = async (pattern: RegExp, what: string) => {
    const deadline = Date.now() + 30_000;
    let text = "";
    while (Date.now() < deadline) {
      text = await screen();
      if (pattern.test(text)) return text;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${what}: ${pattern} not on screen:\n${text}`);
  };
  await withTempDir(async (dir) => {
    const background = new URL("../fixtures/exif_orientation_6.jpg", import.meta.url).pathname;
    const command = [
      Deno.execPath(),
      "run",
      ...PERMISSIONS,
      MAIN,
      "live",
      "-i",
      "demo",
      "--size",
      "320x240",
      "-o",
      `${dir}/o.mp4`,
      "-b",
      background,
    ].join(" ");
    await tmux(
      "new-session",
      "-d",
      "-s",
      "t",
      "-x",
      "100",
      "-y",
      "30",
      `bash --norc -c '${command}; echo EXITED $?; stty -a; sleep 60'`,
    );
    try {
      await waitFor(/fps\s+\d+\.\d out/, "the panel");
      await waitFor(/cpu\s+\d+%/, "the CPU of segcam and its ffmpeg children");
      await waitFor(/segcam live\s+blur/, "blur at start");
      for (
        const [key, shown] of [
          ["d", /segcam live\s+desaturate/],
          ["r", /segcam live\s+replace/],
          ["t", /segcam live\s+transparent key colour #00ff00/],
          ["n", /segcam live\s+none/],
          ["b", /segcam live\s+blur/],
        ] as const
      ) {
        await tmux("send-keys", "-t", "t", key);
        await waitFor(shown, `after ${key}`);
      }
      await tmux("send-keys", "-t", "t", "q");
      const after = await waitFor(/EXITED 0/, "exit");
      assert.match(after, /segcam: \d+ frames in/);
      assert.match(after, /\bicanon\b/, "canonical mode restored");
      assert.match(after, /\becho\b/, "echo restored");
      assert.doesNotMatch(after, /-icanon|-echo\b/);
    } finally {
      await tmux("kill-server");
    }
    assert.deepEqual(listDir(dir), ["o.mp4"]);
  });
});
