/**
 * segcam as a user runs it, where it meets their system: the real command with exactly
 * the permission flags of `deno task live` and of the installed `segcam` (read from
 * deno.json, not copied), against device trees mounted at the real paths in a private
 * mount namespace. A stand-in root under a temporary folder cannot catch what Deno's
 * permission wall does to /sys and /proc (it refuses every read there without
 * --allow-all); these tests do. They need root and unshare(1), which CI has; elsewhere
 * they are skipped with the reason.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { buildSysfs, type FakeVideoDevice } from "../_sysfs.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
const tasks = (JSON.parse(Deno.readTextFileSync(`${ROOT}/deno.json`)) as {
  tasks: Record<string, { command: string }>;
}).tasks;

/**
 * `deno task install`'s own command line, with --root pointing at a folder of the test:
 * the installed segcam, with the flags a user's has. Returns that root.
 */
async function installSegcam(): Promise<string> {
  const installRoot = Deno.makeTempDirSync({ prefix: "segcam-install-" });
  const words = tasks.install.command.split(/\s+/);
  assert.equal(words[1], "install");
  const install = await new Deno.Command(Deno.execPath(), {
    args: [...words.slice(1, 2), "--root", installRoot, ...words.slice(2)],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(install.code, 0, new TextDecoder().decode(install.stderr));
  const shim = Deno.readTextFileSync(`${installRoot}/bin/segcam`);
  for (const flag of taskFlags("install")) assert.ok(shim.includes(flag), flag);
  return installRoot;
}

/** The permission flags a task gives Deno, exactly as deno.json spells them. */
function taskFlags(task: string): string[] {
  return tasks[task].command.split(/\s+/).filter((word) => word.startsWith("--allow-"));
}

function canUnshare(): string | undefined {
  if (Deno.build.os !== "linux") return "Linux only";
  if (Deno.uid() !== 0) return "needs root for a private mount namespace";
  try {
    const { success } = new Deno.Command("unshare", {
      args: ["-m", "--propagation", "private", "sh", "-c", "mount -t tmpfs none /mnt"],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return success ? undefined : "unshare -m or mount was refused here";
  } catch {
    return "unshare(1) is not installed";
  }
}
const unshareSkip = canUnshare();
const DENO_DIR = Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`;

const LAPTOP: FakeVideoDevice[] = [
  { number: 0, kind: "usb-camera", name: "Integrated Camera: Integrated C", index: 0 },
  { number: 1, kind: "usb-camera", name: "Integrated Camera: Integrated C", index: 1 },
  { number: 2, kind: "loopback", name: "fake-cam" },
  { number: 10, kind: "loopback", name: "VirtualCam" },
];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** What else a test mounts at the real paths, beside the video4linux tree. */
interface System {
  /**
   * A fresh /dev: the usual nodes (null, zero, urandom, tty, pts, …) bound from the real
   * one, plus these names as stand-in files, links (`v4l/by-id/x -> ../../video4`) and
   * character devices (`char:1:3`: the kernel's null device under another name, a real
   * device node that is no video device).
   */
  dev?: Record<string, string | null>;
  /** A tmpfs on /home with HOME=/home/ada and no XDG_CONFIG_HOME, as a desktop login has. */
  home?: boolean;
  /** A script bound over the system's systemctl. */
  systemctl?: string;
}

const MOUNT_SCRIPT = `set -e
mount -t tmpfs segcam-test /sys/class
mkdir /sys/class/video4linux
mount --bind "$SEGCAM_TEST_CLASS" /sys/class/video4linux
if [ -n "$SEGCAM_TEST_DEV" ]; then
  saved=$(mktemp -d)
  mount --rbind /dev "$saved"
  mount -t tmpfs -o mode=755 segcam-dev /dev
  for n in null zero full random urandom tty ptmx; do touch /dev/$n; mount --bind "$saved/$n" /dev/$n; done
  mkdir /dev/pts /dev/shm
  mount --rbind "$saved/pts" /dev/pts
  mount -t tmpfs -o mode=1777 shm /dev/shm
  ln -s /proc/self/fd /dev/fd
  ln -s /proc/self/fd/0 /dev/stdin; ln -s /proc/self/fd/1 /dev/stdout; ln -s /proc/self/fd/2 /dev/stderr
  cd /dev && sh "$SEGCAM_TEST_DEV" && cd /
fi
if [ -n "$SEGCAM_TEST_HOME" ]; then
  mount -t tmpfs -o mode=755 segcam-home /home
  mkdir -p /home/ada
fi
if [ -n "$SEGCAM_TEST_SYSTEMCTL" ]; then
  mount --bind "$SEGCAM_TEST_SYSTEMCTL" "$(command -v systemctl || echo /usr/bin/systemctl)"
fi
cd "$SEGCAM_TEST_CWD"
exec "$@"`;

/**
 * Runs argv in a private mount namespace where /sys/class is a fresh tmpfs holding only
 * the built video4linux tree, and /dev, /home and systemctl are what `system` says (the
 * rest of /sys, /proc and /dev stay real).
 */
async function withDevices(
  devices: FakeVideoDevice[],
  argv: string[],
  env: Record<string, string> = {},
  system: System = {},
): Promise<Run> {
  const root = Deno.makeTempDirSync({ prefix: "segcam-sysfs-" });
  const config = Deno.makeTempDirSync({ prefix: "segcam-config-" });
  try {
    const classDir = buildSysfs(root, devices, { absoluteLinks: true });
    let devScript = "";
    if (system.dev) {
      devScript = `${root}/dev.sh`;
      Deno.writeTextFileSync(
        devScript,
        Object.entries(system.dev).map(([name, target]) =>
          `mkdir -p "$(dirname '${name}')" && ` +
          (target === null
            ? `touch '${name}'`
            : target.startsWith("char:")
            ? `mknod '${name}' c ${target.slice(5).replace(":", " ")}`
            : `ln -s '${target}' '${name}'`)
        ).join("\n") + "\n",
      );
    }
    const homeEnv: Record<string, string> = system.home
      ? { HOME: "/home/ada", DENO_DIR }
      : { HOME: Deno.env.get("HOME") ?? "/root", DENO_DIR, XDG_CONFIG_HOME: config };
    const output = await new Deno.Command("unshare", {
      args: ["-m", "--propagation", "private", "sh", "-c", MOUNT_SCRIPT, "sh", ...argv],
      cwd: ROOT,
      clearEnv: true,
      env: {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        NO_COLOR: "1",
        SEGCAM_TEST_CLASS: classDir,
        SEGCAM_TEST_DEV: devScript,
        SEGCAM_TEST_HOME: system.home ? "1" : "",
        SEGCAM_TEST_SYSTEMCTL: system.systemctl ?? "",
        SEGCAM_TEST_CWD: env.SEGCAM_TEST_CWD ?? ROOT,
        ...homeEnv,
        ...env,
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      // A hang fails the test instead of stalling the suite.
      signal: AbortSignal.timeout(60_000),
    }).output();
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
  } finally {
    Deno.removeSync(root, { recursive: true });
    Deno.removeSync(config, { recursive: true });
  }
}

function assertLaptopListed(run: Run): void {
  assert.equal(run.code, 0, run.stderr);
  const [cameras, virtual] = run.stdout.split("Virtual cameras (v4l2loopback):");
  assert.match(cameras, /^Cameras:\n {2}\/dev\/video0 {2}Integrated Camera: Integrated C\n/);
  assert.match(cameras, /\/dev\/video1 {2}Integrated Camera: Integrated C {2}\(metadata node 1/);
  assert.doesNotMatch(cameras, /fake-cam|VirtualCam/);
  assert.equal(virtual, "\n  /dev/video2  fake-cam\n  /dev/video10  VirtualCam\n");
}

Deno.test({
  name: `deno task segcam devices lists the cameras and virtual cameras at /sys/class/video4linux${
    unshareSkip ? ` (skipped: ${unshareSkip})` : ""
  }`,
  ignore: unshareSkip !== undefined,
  async fn() {
    assertLaptopListed(await withDevices(LAPTOP, [Deno.execPath(), "task", "segcam", "devices"]));
  },
});

Deno.test({
  name:
    `the installed segcam (deno task install's flags) lists the devices at /sys/class/video4linux${
      unshareSkip ? ` (skipped: ${unshareSkip})` : ""
    }`,
  ignore: unshareSkip !== undefined,
  async fn() {
    const installRoot = await installSegcam();
    try {
      assertLaptopListed(await withDevices(LAPTOP, [`${installRoot}/bin/segcam`, "devices"]));
    } finally {
      Deno.removeSync(installRoot, { recursive: true });
    }
  },
});

Deno.test({
  name: `deno task live without -o writes to the first virtual camera at /sys/class/video4linux${
    unshareSkip ? ` (skipped: ${unshareSkip})` : ""
  }`,
  ignore: unshareSkip !== undefined,
  async fn() {
    // No loopback module here, so no /dev/video2 to open: the run must fail on
    // /dev/video2 itself, which shows it was picked (not "No virtual camera found").
    const run = await withDevices(LAPTOP, [
      Deno.execPath(),
      "task",
      "live",
      "--input",
      "demo",
      "--no-tui",
      "--frames",
      "5",
    ]);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /\/dev\/video2/);
    assert.doesNotMatch(run.stderr, /No virtual camera found|Requires all access|NotCapable/);
  },
});

Deno.test({
  name:
    `deno task live --camera picks the webcam's picture node, never a loopback or a metadata node${
      unshareSkip ? ` (skipped: ${unshareSkip})` : ""
    }`,
  ignore: unshareSkip !== undefined,
  async fn() {
    // Loopbacks first and a metadata node before the camera: the picture node is chosen.
    const run = await withDevices([
      { number: 0, kind: "loopback", name: "Integrated Camera" },
      { number: 3, kind: "usb-camera", name: "HD Webcam", index: 1 },
      { number: 4, kind: "usb-camera", name: "HD Webcam", index: 0 },
    ], [Deno.execPath(), "task", "live", "--output", "-", "--frames", "5", "--no-tui"]);
    assert.notEqual(run.code, 0);
    // /dev/video4 is not a real device here: the camera chosen is named in the error.
    assert.match(run.stderr, /\/dev\/video4/);
    assert.doesNotMatch(run.stderr, /\/dev\/video0|\/dev\/video3|No camera found|NotCapable/);
  },
});

Deno.test({
  name: `segcam devices with no video device registered says none, and how to add a virtual camera${
    unshareSkip ? ` (skipped: ${unshareSkip})` : ""
  }`,
  ignore: unshareSkip !== undefined,
  async fn() {
    const run = await withDevices([], [Deno.execPath(), "task", "segcam", "devices"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Cameras:\n {2}none found/);
    assert.match(
      run.stdout,
      /Virtual cameras \(v4l2loopback\):\n {2}none; create one with: sudo modprobe v4l2loopback/,
    );
  },
});

Deno.test({
  name:
    "deno task live's panel figures read the real /proc: the CPU of segcam and its ffmpeg children",
  async fn() {
    // /proc is Deno's other wall; the meter goes around it and must see real numbers
    // with the live task's flags (an empty meter prints "cpu –").
    const dir = Deno.makeTempDirSync();
    try {
      const output = await new Deno.Command(Deno.execPath(), {
        args: [
          "task",
          "live",
          "--input",
          "demo",
          "--no-tui",
          "--duration",
          "3",
          "-o",
          `${dir}/out.mkv`,
        ],
        cwd: ROOT,
        env: { XDG_CONFIG_HOME: dir, NO_COLOR: "1" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(output.stderr);
      assert.equal(output.code, 0, stderr);
      assert.match(stderr, /cpu \d+%/i);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    `deno task live opens a virtual camera itself, past Deno's /dev wall, and says in one line when the node is no video device${
      unshareSkip ? ` (skipped: ${unshareSkip})` : ""
    }`,
  ignore: unshareSkip !== undefined,
  async fn() {
    // /dev/video10 is a real character device (the null device's numbers), listed as a
    // loopback: the direct writer opens it through libc with the task's own flags (Deno
    // itself refuses /dev nodes without --allow-all) and asks for its format. The answer,
    // "not a video device", would fail ffmpeg's sink too: the run stops and says so.
    const run = await withDevices(
      [{ number: 10, kind: "loopback", name: "VirtualCam" }],
      [Deno.execPath(), "task", "live", "--input", "demo", "-o", "/dev/video10", "--no-tui"],
      {},
      { dev: { "video10": "char:1:3" } },
    );
    assert.equal(run.code, 1, run.stderr);
    const lines = run.stderr.split("\n").filter((line) =>
      line.startsWith("segcam: ") && !/inference on/.test(line)
    );
    assert.deepEqual(lines, [
      "segcam: Cannot write to the virtual camera /dev/video10 (VIDIOC_G_FMT on /dev/video10: " +
      "not a video device); pick one that `segcam devices` lists with -o, or load v4l2loopback " +
      "(README: Virtual camera setup)",
    ]);
    assert.doesNotMatch(run.stderr, /NotCapable|Requires all access|internal error| {4}at /);
  },
});

Deno.test({
  name: `deno task live opens a camera and a virtual camera named by /dev/v4l/by-id links${
    unshareSkip ? ` (skipped: ${unshareSkip})` : ""
  }`,
  ignore: unshareSkip !== undefined,
  async fn() {
    // Deno refuses to look at /dev/video4 or follow /dev/v4l links without --allow-all;
    // segcam must still resolve them to the nodes sysfs lists. The nodes here are
    // stand-in files, so ffmpeg fails on the camera itself: named, after both checks.
    const run = await withDevices(
      [
        { number: 4, kind: "usb-camera", name: "HD Webcam", index: 0 },
        { number: 10, kind: "loopback", name: "fake-cam" },
      ],
      [
        Deno.execPath(),
        "task",
        "live",
        "--camera",
        "/dev/v4l/by-id/usb-HD_Webcam-video-index0",
        "-o",
        "/dev/v4l/by-path/loopback",
        "--no-tui",
        "--frames",
        "3",
      ],
      {},
      {
        dev: {
          "video4": null,
          "video10": null,
          "v4l/by-id/usb-HD_Webcam-video-index0": "../../video4",
          "v4l/by-path/loopback": "../../video10",
        },
      },
    );
    assert.notEqual(run.code, 0);
    assert.doesNotMatch(
      run.stderr,
      /no such device|not a video device the kernel lists|is a camera, not|NotCapable|internal error/,
    );
    assert.match(run.stderr, /video4|usb-HD_Webcam/);
  },
});

Deno.test({
  name: `the installed segcam keeps its settings and its service in the HOME of a real login${
    unshareSkip ? ` (skipped: ${unshareSkip})` : ""
  }`,
  ignore: unshareSkip !== undefined,
  async fn() {
    const installRoot = await installSegcam();
    const scratch = Deno.makeTempDirSync({ prefix: "segcam-systemctl-" });
    try {
      const log = `${scratch}/calls`;
      const systemctl = `${scratch}/systemctl`;
      Deno.writeTextFileSync(systemctl, `#!/bin/sh\necho "$*" >> '${log}'\nexit 0\n`, {
        mode: 0o755,
      });
      const segcam = `${installRoot}/bin/segcam`;
      // One namespace for the whole session: /home is a tmpfs only inside it.
      const script = `set -e; ${segcam} config --init; ${segcam} config; ` +
        `PATH="${installRoot}/bin:$PATH" ${segcam} service install; ` +
        `cat /home/ada/.config/systemd/user/segcam.service; ls -la /home/ada/.config/segcam`;
      const run = await withDevices(LAPTOP, ["sh", "-c", script], {}, { home: true, systemctl });
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stdout,
        /Wrote a commented template to \/home\/ada\/\.config\/segcam\/config\.toml\n/,
      );
      assert.match(run.stdout, /\nExecStart=\S*segcam-install-\S*\/bin\/segcam live --no-tui\n/);
      assert.match(run.stdout, /config\.toml/);
      assert.deepEqual(Deno.readTextFileSync(log).trim().split("\n"), [
        "--user daemon-reload",
        "--user enable --now segcam.service",
      ]);
    } finally {
      Deno.removeSync(installRoot, { recursive: true });
      Deno.removeSync(scratch, { recursive: true });
    }
  },
});
