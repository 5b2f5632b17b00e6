import assert from "node:assert/strict";
import { cameras, listVideoDevices } from "../../src/io/devices.ts";
import { resolveLiveOutput } from "../../src/io/live_endpoints.ts";
import { realSystemPath, SystemReadError } from "../../src/io/system_files.ts";
import { OutputError } from "../../src/errors.ts";
import { buildSysfs } from "../_sysfs.ts";

/** A laptop as users have it: a webcam (picture and metadata nodes) and loopbacks named by other tools. */
function laptop(root: string): string {
  return buildSysfs(root, [
    { number: 0, kind: "usb-camera", name: "Integrated Camera: Integrated C", index: 0 },
    { number: 1, kind: "usb-camera", name: "Integrated Camera: Integrated C", index: 1 },
    { number: 2, kind: "loopback", name: "fake-cam" }, // Linux-Fake-Background-Webcam's README
    { number: 3, kind: "loopback", name: "VirtualCam" }, // backscrub's README
    { number: 4, kind: "loopback", name: "OBS Virtual Camera" },
    { number: 5, kind: "loopback", name: "" },
    // A real camera whose label reads like a virtual one: the label decides nothing.
    { number: 6, kind: "usb-camera", name: "Loopback Dummy video device segcam" },
    { number: 11, kind: "platform", name: "vivid-000-vid-cap" },
  ]);
}

Deno.test("listVideoDevices() tells virtual cameras from cameras by what the kernel shows, not the label", async () => {
  const root = Deno.makeTempDirSync();
  try {
    const devices = await listVideoDevices(laptop(root));
    assert.deepEqual(
      devices.map((d) => [d.path, d.name, d.loopback, d.index]),
      [
        ["/dev/video0", "Integrated Camera: Integrated C", false, 0],
        ["/dev/video1", "Integrated Camera: Integrated C", false, 1],
        ["/dev/video2", "fake-cam", true, 0],
        ["/dev/video3", "VirtualCam", true, 0],
        ["/dev/video4", "OBS Virtual Camera", true, 0],
        ["/dev/video5", "", true, 0],
        ["/dev/video6", "Loopback Dummy video device segcam", false, 0],
        ["/dev/video11", "vivid-000-vid-cap", false, 0],
      ],
    );
    // The cameras segcam may open: never a loopback, never a metadata node.
    assert.deepEqual(cameras(devices).map((d) => d.path), [
      "/dev/video0",
      "/dev/video6",
      "/dev/video11",
    ]);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("listVideoDevices() escapes a label's control characters", async () => {
  const root = Deno.makeTempDirSync();
  try {
    const dir = buildSysfs(root, [{ number: 0, kind: "loopback", name: "red\x1b[31mcam\x07" }]);
    const [device] = await listVideoDevices(dir);
    assert.equal(device.name, "red\\x1b[31mcam\\x07");
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("listVideoDevices() finds nothing where the kernel registered no video device", async () => {
  const root = Deno.makeTempDirSync();
  try {
    assert.deepEqual(await listVideoDevices(`${root}/class/video4linux`), []);
    Deno.mkdirSync(`${root}/class/video4linux`, { recursive: true });
    assert.deepEqual(await listVideoDevices(`${root}/class/video4linux`), []);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("listVideoDevices() says it could not look instead of finding nothing", async () => {
  if (Deno.uid() === 0) {
    // Root reads a mode-000 folder anyway; drop to nobody for the read.
    const root = Deno.makeTempDirSync();
    try {
      const dir = laptop(root);
      Deno.chmodSync(root, 0o755);
      Deno.chmodSync(dir, 0o000);
      const script =
        `import { listVideoDevices } from "${
          new URL("../../src/io/devices.ts", import.meta.url).href
        }";\ntry { await listVideoDevices(${JSON.stringify(dir)}); console.log("listed"); } ` +
        `catch (e) { console.log(e.name + ": " + e.message); }`;
      const file = `${root}/probe.ts`;
      Deno.writeTextFileSync(file, script);
      Deno.chmodSync(file, 0o644);
      const setpriv = await new Deno.Command("setpriv", {
        args: [
          "--reuid=65534",
          "--regid=65534",
          "--clear-groups",
          "--",
          Deno.execPath(),
          "run",
          "-A",
          "--no-lock",
          file,
        ],
        env: {
          DENO_DIR: Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`,
          NO_COLOR: "1",
        },
        stdout: "piped",
        stderr: "piped",
      }).output().catch(() => undefined);
      if (setpriv === undefined || setpriv.code !== 0) {
        console.log("skipped the unprivileged read: setpriv could not run deno as nobody");
        return;
      }
      const out = new TextDecoder().decode(setpriv.stdout).trim();
      assert.match(out, /^SystemReadError: Cannot read .*video4linux: .*Permission denied/);
    } finally {
      Deno.removeSync(root, { recursive: true });
    }
    return;
  }
  const root = Deno.makeTempDirSync();
  try {
    const dir = laptop(root);
    Deno.chmodSync(dir, 0o000);
    await assert.rejects(() => listVideoDevices(dir), SystemReadError);
  } finally {
    Deno.chmodSync(`${root}/class/video4linux`, 0o755);
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("resolveLiveOutput() picks the first v4l2loopback device, whatever its label", async () => {
  const root = Deno.makeTempDirSync();
  try {
    assert.deepEqual(await resolveLiveOutput(undefined, "yuv420p", laptop(root)), {
      kind: "v4l2",
      device: "/dev/video2",
      pixFmt: "yuv420p",
    });
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("resolveLiveOutput() takes -o to any loopback and refuses a camera or an unknown node", async () => {
  const root = Deno.makeTempDirSync();
  try {
    const dir = laptop(root);
    for (const device of ["/dev/video2", "/dev/video3", "/dev/video4", "/dev/video5"]) {
      assert.equal((await resolveLiveOutput(device, "yuv420p", dir)).kind, "v4l2");
    }
    await assert.rejects(
      () => resolveLiveOutput("/dev/video0", "yuv420p", dir),
      (e: Error) =>
        e instanceof OutputError &&
        e.message ===
          '/dev/video0 ("Integrated Camera: Integrated C") is a camera, not a v4l2loopback virtual camera; pick a virtual camera (segcam devices lists them)',
    );
    await assert.rejects(
      () => resolveLiveOutput("/dev/video9", "yuv420p", dir),
      (e: Error) =>
        e instanceof OutputError &&
        e.message ===
          "/dev/video9 is not a video device the kernel lists: the virtual cameras are /dev/video2, /dev/video3, /dev/video4, /dev/video5",
    );
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("realSystemPath() resolves /dev paths and links into /dev that Deno itself may not look at", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.symlink("/dev/null", `${dir}/to-null`);
    await Deno.symlink("/dev/video77", `${dir}/to-nothing`);
    assert.equal(realSystemPath(`${dir}/to-null`), "/dev/null");
    assert.equal(realSystemPath(`${dir}/to-nothing`), undefined);
    assert.equal(realSystemPath("/dev/no-such-node"), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
