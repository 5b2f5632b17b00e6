/**
 * Run by background_stops.test.ts in its own process (SEGCAM_FFMPEG is process-wide):
 * opens a real-time background whose decoder stops after one picture, and prints what
 * segcam said and what picture it still shows, as one JSON line.
 */
import { openBackground } from "../../src/io/background.ts";

const said: string[] = [];
const stopped = Promise.withResolvers<void>();
const background = await openBackground(Deno.args[0], {
  width: 4,
  height: 2,
  pace: "real-time",
  fps: 30,
  onStopped: (line) => {
    said.push(line);
    stopped.resolve();
  },
});
await stopped.promise;
const frame = await background.frame();
await background.close();
console.log(JSON.stringify({ said, pixels: [...frame.data] }));
