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
  | { type: "job"; id: number; job: ImageJob };

export type WorkerReply =
  | { type: "log"; line: string }
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
const post = (reply: WorkerReply, transfer: Transferable[] = []) =>
  self.postMessage(reply, transfer);

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  if (request.type === "init") {
    runner = new ImageJobRunner(request.config, (line) => post({ type: "log", line }));
    return;
  }
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
