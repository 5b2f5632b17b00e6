/**
 * The worker side of image_pool.ts: one ImageJobRunner (its own segmenter) per worker.
 * Messages in: init, then jobs; out: log lines, and per job the encoded bytes
 * (transferred, not copied) or the error as plain data.
 */
/// <reference lib="deno.worker" />
import { SegcamError } from "../errors.ts";
import { type ImageJob, type ImageJobConfig, ImageJobRunner } from "./image_job.ts";

export type WorkerRequest =
  | { type: "init"; config: ImageJobConfig }
  | { type: "job"; id: number; job: ImageJob }
  | { type: "stop" };

export type WorkerReply =
  | { type: "log"; line: string }
  | { type: "stopped" }
  | { type: "done"; id: number; bytes: Uint8Array }
  | { type: "failed"; id: number; error: SerializedError };

export interface SerializedError {
  /** The error class's name (InputError, SegmenterError, …) or "Error" for a bug. */
  name: string;
  message: string;
  exitCode?: number;
  stack?: string;
}

let runner: ImageJobRunner | undefined;
let busy = false;
let stopping = false;
const post = (reply: WorkerReply, transfer: Transferable[] = []) =>
  self.postMessage(reply, transfer);

/**
 * Ends the worker cleanly: onnxruntime-node runs inference on native threads, and a
 * worker terminated while one is running makes onnxruntime print errors into the
 * user's terminal after segcam has said its last word. So a stop waits for the
 * current image (image_pool.ts gives it half a second) and disposes of the session.
 */
async function stop(): Promise<void> {
  await runner?.dispose().catch(() => {});
  post({ type: "stopped" });
  self.close();
}

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  if (request.type === "init") {
    runner = new ImageJobRunner(request.config, (line) => post({ type: "log", line }));
    return;
  }
  if (request.type === "stop") {
    stopping = true;
    if (!busy) await stop();
    return;
  }
  busy = true;
  try {
    let bytes = await runner!.run(request.job);
    // Transfer only a buffer of the bytes' own: an encoder may hand back a view into
    // memory it keeps (a WebAssembly heap), which must not be detached.
    if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) {
      bytes = bytes.slice();
    }
    post({ type: "done", id: request.id, bytes }, [bytes.buffer as ArrayBuffer]);
  } catch (error) {
    post({ type: "failed", id: request.id, error: serialize(error) });
  } finally {
    busy = false;
    if (stopping) await stop();
  }
};

function serialize(error: unknown): SerializedError {
  if (error instanceof SegcamError) {
    return {
      name: error.name,
      message: error.message,
      exitCode: error.exitCode,
      stack: error.stack,
    };
  }
  if (error instanceof Error) return { name: "Error", message: error.message, stack: error.stack };
  return { name: "Error", message: String(error) };
}
