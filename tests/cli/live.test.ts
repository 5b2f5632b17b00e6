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
  TEST_ENV,
  waitForTemporaryOutput,
  withTempDir,
} from "./_run.ts";

Deno.test("segcam live --input demo stops after --frames frames, at --size, in a file that keeps real time", async () => {
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
    const summary = /segcam: 20 frames in ([\d.]+) s .* to .*demo\.mp4/.exec(r.stderr);
    assert.ok(summary, r.stderr);
    const [video] = await probe(`${dir}/demo.mp4`);
    assert.deepEqual([video.width, video.height], [320, 240]);
    // 20 frames processed; the file holds one frame per 1/15 s of the time they took
    // (frames dropped on a busy machine are filled in), so it plays in real time.
    const frames = Number(video.nb_read_frames);
    assert.ok(frames >= 20, `${frames} frames`);
    assert.ok(
      frames <= Math.ceil(Number(summary[1]) * 15) + 1,
      `${frames} frames in ${summary[1]} s`,
    );
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
        /\/dev\/video99 is not a video device the kernel lists: load v4l2loopback \(sudo modprobe v4l2loopback/,
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

// An interrupted recording is what the user recorded: it is finished and kept, whatever
// the signal (Ctrl-C with --no-tui, a kill; a closed terminal is the panel test's). Without
// a terminal SIGHUP reloads instead (tests/control/ctl_live.test.ts).
for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  Deno.test(`segcam live: ${signal} finishes and keeps the recording, exits ${code}, leaves no ffmpeg`, async () => {
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
      child.kill(signal);
      const status = await child.status;
      const stderr = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
      assert.equal(status.code, code, stderr);
      assert.match(
        stderr,
        new RegExp(`segcam: Stopped by .*${signal}.*; .*o\\.mkv is complete\\.`),
      );
      assert.deepEqual(listDir(dir), ["o.mkv"], "the recording is kept, no temporary file");
      const [video] = await probe(`${dir}/o.mkv`);
      assert.ok(Number(video.nb_read_frames) > 5);
      const ps = await new Deno.Command("pgrep", { args: ["-f", dir] }).output();
      assert.equal(new TextDecoder().decode(ps.stdout).trim(), "", "no ffmpeg left running");
    });
  });
}

Deno.test("segcam live: a recording lasts as long as the run, and keeps a file input's size and audio", async () => {
  await withTempDir(async (dir) => {
    await makeClip(`${dir}/in.mp4`, { width: 320, height: 180, fps: 20, seconds: 6, audio: true });
    const r = await segcam([
      "live",
      "-i",
      `${dir}/in.mp4`,
      "--duration",
      "3",
      "-o",
      `${dir}/o.mp4`,
      "--no-tui",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const streams = await probe(`${dir}/o.mp4`);
    const video = streams.find((s) => s.codec_type === "video")!;
    assert.deepEqual([video.width, video.height], [320, 180], "the file's own size, not 1280x720");
    assert.ok(streams.some((s) => s.codec_type === "audio"), "the input's audio is kept");
    // The file input is read in real time: 3 s of it, whatever was dropped on the way.
    const seconds = Number(video.nb_read_frames) / 20;
    assert.ok(seconds >= 2.6 && seconds <= 3.6, `${video.nb_read_frames} frames at 20 fps`);
  });
});

Deno.test("segcam live -o srt://…: listens by default; a receiver gets frames, and after it leaves the next one does", async () => {
  await withTempDir(async (dir) => {
    const port = 20000 + (Deno.pid % 20000);
    const child = spawnSegcam([
      "live",
      "-i",
      "demo",
      "--size",
      "160x120",
      "-o",
      `srt://127.0.0.1:${port}`,
      "--duration",
      "60",
      "--no-tui",
    ]);
    let exited = false;
    const status = child.status.finally(() => exited = true);
    const stderr = new Response(child.stderr).text();
    // A caller, as OBS's Media Source is: retried until segcam's listener is up. It
    // leaves after 10 frames, as a closed OBS does.
    const receive = async (name: string) => {
      let frames = 0;
      const deadline = Date.now() + 30_000;
      while (frames === 0 && Date.now() < deadline && !exited) {
        const received = await new Deno.Command("ffmpeg", {
          args: [
            ...["-v", "error", "-y", "-i", `srt://127.0.0.1:${port}?mode=caller`],
            ...["-frames:v", "10", "-f", "framemd5", `${dir}/${name}.txt`],
          ],
          stdin: "null",
          stderr: "null",
        }).output();
        if (received.success) {
          frames = (await Deno.readTextFile(`${dir}/${name}.txt`)).split("\n")
            .filter((l) => /^0,/.test(l)).length;
        } else await new Promise((r) => setTimeout(r, 500));
      }
      return frames;
    };
    try {
      assert.equal(await receive("first"), 10, "the first receiver decoded 10 frames");
      assert.equal(await receive("second"), 10, "after it left, the next receiver did too");
      assert.ok(!exited, "segcam still runs");
    } finally {
      child.kill("SIGTERM");
    }
    const text = await stderr;
    assert.equal((await status).code, 143, text);
    // Once when the first receiver left; the second's leaving may be seen before the
    // signal or not.
    const left = text.match(
      /the receiver of srt:\/\/127\.0\.0\.1:\d+ went away; waiting for the next one/g,
    );
    assert.ok(left?.length === 1 || left?.length === 2, text);
    assert.doesNotMatch(text, /failed|error/i);
  });
});

/**
 * A tmux server of its own (socket name `socket`): its commands, the screen of window
 * "t", and a wait of up to 30 s for a pattern on that screen.
 */
function tmuxServer(socket: string) {
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
  return { tmux, waitFor };
}

Deno.test("segcam live panel in a real terminal: shows FPS, switches effects on keys, restores the terminal", async () => {
  const { tmux, waitFor } = tmuxServer(`segcam-test-${Deno.pid}`);
  await withTempDir(async (dir) => {
    const background = new URL("../fixtures/exif_orientation_6.jpg", import.meta.url).pathname;
    const command = [
      // tmux's shell would otherwise take the environment of whoever started its server.
      "env",
      `XDG_CONFIG_HOME=${TEST_ENV.XDG_CONFIG_HOME}`,
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
      "80",
      "-y",
      "24",
      `bash --norc -c '${command}; echo EXITED $?; stty -a; sleep 60'`,
    );
    try {
      await waitFor(/fps\s+\d+\.\d out/, "the panel");
      await waitFor(/cpu\s+\d+%/, "the CPU of segcam and its ffmpeg children");
      await waitFor(/segcam live {2}blur 3\.0% of height\n/, "blur at start, named once");
      const full = await waitFor(
        / {10}o smoothing {2}f mirror {2}a autoframe {2}p preview {2}space pause {2}q quit/,
        "the whole legend",
      );
      const fits = (text: string, columns: number, rows: number) => {
        const lines = text.replace(/\n+$/, "").split("\n");
        assert.ok(lines.length <= rows, `${lines.length} lines in ${rows} rows:\n${text}`);
        for (const line of lines) assert.ok(line.length <= columns, `"${line}" fits ${columns}`);
      };
      fits(full, 80, 24);
      assert.match(full, /^model {5}\S.*\n/m, "the model line");
      const smoothing = /^settings {2}soft edge {2}smoothing (off|\d\.\d\d) {2}mirror off$/m
        .exec(full)?.[1];
      assert.ok(smoothing, `the settings line:\n${full}`);
      for (
        const [key, shown] of [
          ["d", /segcam live {2}desaturate, saturation 0%/],
          ["r", /segcam live {2}replace, background 1 of 1/],
          ["t", /segcam live {2}transparent as key colour #00ff00/],
          ["x", /segcam live {2}remove, colour #ffffff/],
          ["n", /segcam live {2}none\n/],
          ["+", /none has no strength to change/],
          // The mask goes to the preview (4:3 in the 12 rows left: 32 x 24 pixels), which
          // m turns on; the output keeps the effect.
          ["m", /segcam live {2}none; mask view in the preview only[^]*^▀{32}$/m],
          ["b", /segcam live {2}blur 3\.0% of height\n/],
          ["k", /segcam live {2}lens blur 3\.0% of height\n/],
          ["+", /segcam live {2}lens blur 3\.8% of height\n/],
          ["k", /segcam live {2}blur 3\.8% of height\n/],
          ["]", /settings {2}threshold 0\.55/],
          ["s", /settings {2}soft edge/],
          ["o", smoothing === "off" ? /smoothing \d\.\d\d/ : /smoothing off/],
          ["f", /mirror on/],
          // Auto-framing's zoom joins the settings while it is on.
          ["a", /autoframe \d\.\dx \(≤2x\)/],
        ] as const
      ) {
        await tmux("send-keys", "-t", "t", key);
        await waitFor(shown, `after ${key}`);
      }
      await tmux("send-keys", "-t", "t", "p"); // the preview off
      await tmux("resize-window", "-t", "t", "-x", "60", "-y", "15");
      const small = await waitFor(
        / {10}o smoothing {2}f mirror {2}a autoframe {2}p preview *\n {10}space pause {2}q quit/,
        "the legend at 60x15",
      );
      fits(small, 60, 15);
      // Room again for the summary and `stty -a` printed after the exit.
      await tmux("resize-window", "-t", "t", "-x", "80", "-y", "24");
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

Deno.test("segcam live panel: Ctrl-C exits 130 as without the panel, SIGHUP (terminal closed) 129; both keep the recording", async () => {
  for (const [how, code] of [["C-c", 130], ["SIGHUP", 129]] as const) {
    const server = tmuxServer(`segcam-test-${Deno.pid}-${code}`);
    const { tmux } = server;
    const waitFor = (pattern: RegExp) => server.waitFor(pattern, how);
    await withTempDir(async (dir) => {
      const args = ["live", "-i", "demo", "--size", "160x120", "-o", `${dir}/o.mkv`];
      const command = [Deno.execPath(), "run", ...PERMISSIONS, MAIN, ...args].join(" ");
      await tmux(
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "80",
        "-y",
        "24",
        `bash --norc -c '${command}; echo EXITED $?; sleep 60'`,
      );
      try {
        await waitFor(/fps\s+\d+\.\d out/);
        await new Promise((r) => setTimeout(r, 1000));
        if (how === "C-c") await tmux("send-keys", "-t", "t", "C-c");
        else {
          // segcam's own process: its command line starts with deno (bash's with bash)
          // and names main.ts (ffmpeg's does not).
          const pgrep = await new Deno.Command("pgrep", {
            args: ["-f", `^${Deno.execPath()} run .*main.ts live .*${dir}`],
          }).output();
          const pid = Number(new TextDecoder().decode(pgrep.stdout).trim().split("\n")[0]);
          assert.ok(pid > 0, "found segcam's pid");
          Deno.kill(pid, "SIGHUP");
        }
        const after = await waitFor(/EXITED \d+/);
        assert.match(after, new RegExp(`EXITED ${code}`), after);
      } finally {
        await tmux("kill-server");
      }
      assert.deepEqual(listDir(dir), ["o.mkv"], "the recording is kept");
    });
  }
});
