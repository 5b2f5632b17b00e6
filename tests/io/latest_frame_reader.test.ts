import assert from "node:assert/strict";
import { LatestFrameReader } from "../../src/io/latest_frame_reader.ts";

/** A byte stream of 2x1 RGB frames whose bytes are all `n`, for n in values, split oddly. */
function framesStream(values: number[], chunk = 5): ReadableStream<Uint8Array> {
  const bytes = new Uint8Array(values.flatMap((v) => [v, v, v, v, v, v]));
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

Deno.test("LatestFrameReader reassembles frames split across chunks, in order when read promptly", async () => {
  const reader = new LatestFrameReader(framesStream([1, 2]), 2, 1);
  const first = await reader.next();
  assert.deepEqual([...first!.frame.data], [1, 1, 1, 1, 1, 1]);
  await reader.done;
  const second = await reader.next();
  assert.deepEqual([...second!.frame.data], [2, 2, 2, 2, 2, 2]);
  assert.equal(await reader.next(), undefined);
});

Deno.test("LatestFrameReader hands out the newest frame and counts the stale ones as dropped", async () => {
  const reader = new LatestFrameReader(framesStream([1, 2, 3, 4, 5], 6), 2, 1);
  await reader.done; // the consumer fell behind: all five arrived before it asked
  const item = await reader.next();
  assert.equal(item!.frame.data[0], 5);
  assert.equal(reader.received, 5);
  assert.equal(reader.dropped, 4);
  assert.equal(await reader.next(), undefined);
});

Deno.test("LatestFrameReader ends a stream cut inside a frame without the partial frame, and says so", async () => {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new Uint8Array([9, 9, 9, 9, 9, 9, 7, 7]));
      controller.close();
    },
  });
  const reader = new LatestFrameReader(stream, 2, 1);
  await reader.done;
  assert.equal((await reader.next())!.frame.data[0], 9);
  assert.equal(await reader.next(), undefined);
  assert.equal(reader.truncated, true);
});
