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

/**
 * Runs argv in a private mount namespace where /sys/class is a fresh tmpfs holding only
 * the built video4linux tree (the rest of /sys, /proc and /dev stay real).
 */
async function withDevices(
  devices: FakeVideoDevice[],
  argv: string[],
  env: Record<string, string> = {},
): Promise<Run> {
  const root = Deno.makeTempDirSync({ prefix: "segcam-sysfs-" });
  const config = Deno.makeTempDirSync({ prefix: "segcam-config-" });
  try {
    const classDir = buildSysfs(root, devices, { absoluteLinks: true });
    const script = "mount -t tmpfs segcam-test /sys/class && mkdir /sys/class/video4linux && " +
      'mount --bind "$1" /sys/class/video4linux && shift && exec "$@"';
    const output = await new Deno.Command("unshare", {
      args: ["-m", "--propagation", "private", "sh", "-c", script, "sh", classDir, ...argv],
      cwd: ROOT,
      env: { XDG_CONFIG_HOME: config, NO_COLOR: "1", ...env },
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
    const installRoot = Deno.makeTempDirSync({ prefix: "segcam-install-" });
    try {
      // deno task install's own command line, with --root pointing at a folder of the test.
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
