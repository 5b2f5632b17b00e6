/**
 * Video devices on Linux, from sysfs: cameras and v4l2loopback outputs. Each
 * /sys/class/video4linux/videoN/name holds the card label; v4l2loopback devices carry
 * the label given to modprobe (card_label=segcam) or "Dummy video device".
 */
export interface VideoDevice {
  path: string;
  name: string;
  loopback: boolean;
}

const SYSFS = "/sys/class/video4linux";

export function listVideoDevices(sysfs = SYSFS): VideoDevice[] {
  let entries: string[];
  try {
    entries = [...Deno.readDirSync(sysfs)].map((e) => e.name).filter((n) => /^video\d+$/.test(n));
  } catch {
    return [];
  }
  entries.sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  return entries.map((entry) => {
    let name = "";
    try {
      name = Deno.readTextFileSync(`${sysfs}/${entry}/name`).trim();
    } catch { /* unreadable: keep it nameless */ }
    return { path: `/dev/${entry}`, name, loopback: isLoopbackName(name) };
  });
}

export function isLoopbackName(name: string): boolean {
  return /loopback|dummy video device|segcam|obs virtual/i.test(name);
}

export const LOOPBACK_SETUP =
  "sudo modprobe v4l2loopback video_nr=10 card_label=segcam exclusive_caps=1 " +
  "(Debian/Ubuntu: sudo apt install v4l2loopback-dkms first)";
