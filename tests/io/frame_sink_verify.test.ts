import assert from "node:assert/strict";
import { OutputError } from "../../src/errors.ts";
import { verifyWritten } from "../../src/io/frame_sink.ts";
import { ffmpeg } from "../_media.ts";
import { withDir } from "../faults/_isolated.ts";

Deno.test("verifyWritten() passes a complete file and names a short, unreadable or empty one", async () => {
  await withDir(async (dir) => {
    await ffmpeg([
      ...["-f", "lavfi", "-i", "testsrc2=s=64x48:r=25:d=0.4"],
      ...["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", `${dir}/ok.mp4`],
    ]);
    await verifyWritten(`${dir}/ok.mp4`, 10, "ok.mp4");
    await verifyWritten("/dev/null", 10, "/dev/null");
    const fails = (file: string, frames: number, message: RegExp) =>
      assert.rejects(
        verifyWritten(file, frames, "out.mp4"),
        (e: Error) => e instanceof OutputError && message.test(e.message),
      );
    await fails(
      `${dir}/ok.mp4`,
      11,
      /^Cannot finish out\.mp4: it holds 10 of the 11 frames written/,
    );
    const bytes = await Deno.readFile(`${dir}/ok.mp4`);
    await Deno.writeFile(`${dir}/cut.mp4`, bytes.subarray(0, bytes.length - 2000));
    await fails(`${dir}/cut.mp4`, 10, /^Cannot finish out\.mp4: the written file does not open/);
    await fails(
      `${dir}/ok.mp4`,
      0,
      /^Nothing was recorded to out\.mp4: it stopped before the first frame/,
    );
  });
});
