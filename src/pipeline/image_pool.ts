/**
 * Still images on every core: `jobs` Deno Workers, each with its own segmenter and
 * effect buffers (image_worker.ts), take images from one queue. A worker reads and
 * decodes, segments, renders and encodes; the bytes come back to the calling thread,
 * which writes them. So the main thread stays free to answer Ctrl-C at once, and
 * `stop()` can end the work without leaving a file behind.
 */
import { InputError, OutputError, SegcamError, UsageError } from "../errors.ts";
import { type ImageJob, type ImageJobConfig, SegmenterError } from "./image_job.ts";
import type { SerializedError, WorkerReply, WorkerRequest } from "./image_worker.ts";

export interface ImagePoolOptions {
  /** Number of workers, 1 or more. */
  jobs: number;
  config: ImageJobConfig;
  /** Where workers' log lines go (each distinct line once: every worker says the same). */
  log: (line: string) => void;
}

interface Pending {
  job: ImageJob;
  resolve: (bytes: Uint8Array) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  busy?: Pending & { id: number };
  /** Resolves when the worker has ended (it said so, or was terminated). */
  ended: Promise<void>;
  end: () => void;
}

/**
 * How long a stopping worker may take to finish its image: inference is milliseconds,
 * but decoding or encoding a 100-megapixel image takes seconds, and a user who pressed
 * Ctrl-C should not wait for it: after this the worker is terminated, so that every
 * signal ends segcam within a second.
 */
const STOP_GRACE_MS = 500;

export class ImagePool {
  readonly #slots: Slot[] = [];
  readonly #queue: Pending[] = [];
  readonly #logged = new Set<string>();
  readonly #log: (line: string) => void;
  #nextId = 0;
  #stopped: Error | undefined;
  #ended: Promise<void> | undefined;

  constructor(options: ImagePoolOptions) {
    if (!Number.isInteger(options.jobs) || options.jobs < 1) {
      throw new RangeError(`ImagePool: expected jobs ≥ 1, got ${options.jobs}`);
    }
    this.#log = options.log;
    for (let i = 0; i < options.jobs; i++) {
      const worker = new Worker(new URL("./image_worker.ts", import.meta.url), {
        type: "module",
        name: `segcam-image-${i}`,
      });
      let end = () => {};
      const ended = new Promise<void>((resolve) => end = resolve);
      const slot: Slot = { worker, ended, end };
      worker.onmessage = (event: MessageEvent<WorkerReply>) => this.#receive(slot, event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        slot.end();
        this.stop(new Error(`image worker failed: ${event.message}`));
      };
      worker.postMessage({ type: "init", config: options.config } satisfies WorkerRequest);
      this.#slots.push(slot);
    }
  }

  /** Processes one image on the next free worker; resolves to the encoded bytes. */
  process(job: ImageJob): Promise<Uint8Array> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    return new Promise((resolve, reject) => {
      this.#queue.push({ job, resolve, reject });
      this.#dispatch();
    });
  }

  /**
   * Stops: queued and running jobs reject with `reason` at once; each worker finishes
   * the image in hand (at most STOP_GRACE_MS, then it is terminated) and ends. The
   * promise resolves when every worker has ended. Later calls return the same promise.
   */
  stop(reason: Error = new Error("the image pool was stopped")): Promise<void> {
    if (this.#ended) return this.#ended;
    this.#stopped = reason;
    for (const pending of this.#queue.splice(0)) pending.reject(reason);
    for (const slot of this.#slots) {
      slot.busy?.reject(reason);
      slot.busy = undefined;
      slot.worker.postMessage({ type: "stop" } satisfies WorkerRequest);
    }
    this.#ended = (async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise<void>((resolve) => timer = setTimeout(resolve, STOP_GRACE_MS));
      await Promise.race([Promise.all(this.#slots.map((slot) => slot.ended)), grace]);
      clearTimeout(timer);
      for (const slot of this.#slots) slot.worker.terminate();
    })();
    return this.#ended;
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (slot.busy || this.#queue.length === 0) continue;
      const pending = this.#queue.shift()!;
      slot.busy = { ...pending, id: this.#nextId++ };
      slot.worker.postMessage(
        { type: "job", id: slot.busy.id, job: pending.job } satisfies WorkerRequest,
      );
    }
  }

  #receive(slot: Slot, reply: WorkerReply): void {
    if (reply.type === "stopped") {
      slot.end();
      return;
    }
    if (reply.type === "log") {
      if (!this.#logged.has(reply.line)) {
        this.#logged.add(reply.line);
        this.#log(reply.line);
      }
      return;
    }
    const busy = slot.busy;
    if (busy === undefined || busy.id !== reply.id) return; // terminated meanwhile
    slot.busy = undefined;
    if (reply.type === "done") busy.resolve(reply.bytes);
    else busy.reject(deserialize(reply.error));
    this.#dispatch();
  }
}

const ERROR_CLASSES: Record<string, new (message: string) => SegcamError> = {
  InputError,
  OutputError,
  UsageError,
  SegmenterError,
};

/** The worker's error as the class it was thrown as, so callers can tell them apart. */
function deserialize(error: SerializedError): Error {
  const Class = ERROR_CLASSES[error.name];
  let result: Error;
  if (Class) result = new Class(error.message);
  else if (error.exitCode !== undefined) {
    result = new SegcamError(error.message, { exitCode: error.exitCode });
  } else result = new Error(error.message);
  if (error.stack) result.stack = error.stack;
  return result;
}
