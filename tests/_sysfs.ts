/**
 * Builds sysfs trees laid out as the kernel lays them out: /sys/class/video4linux/videoN
 * is a relative link into /sys/devices, a USB camera's folder has a `device` link to its
 * USB interface, a v4l2loopback device lives under devices/virtual with the attributes
 * only that driver gives (`max_openers`, `buffers`, `format`). The same tree serves the
 * unit tests (read from a temporary folder) and the real-path tests (copied onto a tmpfs
 * mounted at /sys in a private mount namespace).
 */
export interface FakeVideoDevice {
  /** N of /dev/videoN. */
  number: number;
  kind: "usb-camera" | "loopback" | "platform";
  /** The card label; undefined leaves no `name` file (v4l2loopback with no label still has one). */
  name?: string;
  /** sysfs `index`: 0 for a camera's picture node, 1 for its metadata node. */
  index?: number;
}

/**
 * Writes the tree under `root` (the folder that plays /sys) and returns
 * `root/class/video4linux`. With `absoluteLinks` the class entries link to their device
 * folders by absolute path, so that the class folder alone can be bound at
 * /sys/class/video4linux while the device folders stay under `root`.
 */
export function buildSysfs(
  root: string,
  devices: FakeVideoDevice[],
  options: { absoluteLinks?: boolean } = {},
): string {
  const classDir = `${root}/class/video4linux`;
  Deno.mkdirSync(classDir, { recursive: true });
  for (const device of devices) {
    const node = `video${device.number}`;
    const parent = device.kind === "usb-camera"
      ? `devices/pci0000:00/0000:00:14.0/usb1/1-${device.number + 1}/1-${device.number + 1}:1.0`
      : device.kind === "platform"
      ? `devices/platform/vivid.${device.number}`
      : "devices/virtual";
    const folder = `${root}/${parent}/video4linux/${node}`;
    Deno.mkdirSync(folder, { recursive: true });
    if (device.name !== undefined) Deno.writeTextFileSync(`${folder}/name`, `${device.name}\n`);
    Deno.writeTextFileSync(`${folder}/dev`, `81:${device.number}\n`);
    Deno.writeTextFileSync(
      `${folder}/uevent`,
      `MAJOR=81\nMINOR=${device.number}\nDEVNAME=${node}\n`,
    );
    Deno.writeTextFileSync(`${folder}/index`, `${device.index ?? 0}\n`);
    if (device.kind === "usb-camera" || device.kind === "platform") {
      // The link to the parent device that every real camera has.
      Deno.symlinkSync("../..", `${folder}/device`);
    } else {
      // v4l2loopback's own attributes; `format` is empty until a writer sets one.
      Deno.writeTextFileSync(`${folder}/max_openers`, "10\n");
      Deno.writeTextFileSync(`${folder}/buffers`, "2\n");
      Deno.writeTextFileSync(`${folder}/format`, "");
    }
    const target = options.absoluteLinks ? `${root}/` : "../../";
    Deno.symlinkSync(`${target}${parent}/video4linux/${node}`, `${classDir}/${node}`);
  }
  return classDir;
}
