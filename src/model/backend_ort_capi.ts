/**
 * The native backend through onnxruntime's C API, called with Deno's FFI on the very
 * libonnxruntime that onnxruntime-node ships. Same library, same session options, same
 * numbers as onnxruntime-node (tests/model/backend_capi.test.ts holds them equal), but
 * a frame costs one synchronous call that reads the segmenter's input buffer and writes
 * its output buffer in place.
 *
 * Why not onnxruntime-node's own binding: its run() hands every output back as a new
 * ArrayBuffer, even one written into a preallocated tensor. In Deno each of those is
 * fresh memory, zeroed page by page: the landscape model's 147 KB output was 36 page
 * faults and ~0.5 ms of a frame's CPU (perf on the main job, 2026-12-04), more than a
 * quarter of the inference itself. Its run() also waits a setImmediate turn per frame.
 *
 * Linux on x86-64 and arm64 only (where the package ships libonnxruntime.so.1), and only
 * with --allow-ffi; anywhere else openBackend falls back to onnxruntime-node.
 *
 * The OrtApi is a table of function pointers whose order never changes once shipped
 * (onnxruntime_c_api.cc asserts it per API version); the indices below are version 1's
 * and version 5's entries.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { DEFAULT_THREADS, type InferenceBackend, threadsText } from "./backend_ort.ts";
import type { ModelInfo } from "./models.ts";

/** Entries of the OrtApi table used here (index = offset / sizeof(void*)). */
const API = {
  GetErrorMessage: 2,
  CreateEnv: 3,
  CreateSessionFromArray: 8,
  Run: 9,
  CreateSessionOptions: 10,
  SetSessionExecutionMode: 13,
  SetSessionGraphOptimizationLevel: 23,
  SetIntraOpNumThreads: 24,
  SessionGetInputName: 36,
  SessionGetOutputName: 37,
  CreateTensorWithDataAsOrtValue: 49,
  CreateCpuMemoryInfo: 69,
  AllocatorFree: 76,
  GetAllocatorWithDefaultOptions: 78,
  ReleaseStatus: 93,
  ReleaseMemoryInfo: 94,
  ReleaseSession: 95,
  ReleaseValue: 96,
  ReleaseSessionOptions: 100,
  AddSessionConfigEntry: 130,
} as const;

/** ORT_API_VERSION asked for: the oldest with every entry above (AddSessionConfigEntry). */
const API_VERSION = 5;
const ORT_LOGGING_LEVEL_ERROR = 3;
const ORT_SEQUENTIAL = 0;
const ORT_ENABLE_ALL = 99;
const OrtArenaAllocator = 1;
const OrtMemTypeDefault = 0;
const ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT = 1;

type Status = Deno.PointerValue;
const P = "pointer" as const, B = "buffer" as const;

/** The C signatures of the entries, for Deno.UnsafeFnPointer. */
const SIGNATURES = {
  GetErrorMessage: { parameters: [P], result: P },
  CreateEnv: { parameters: ["i32", B, B], result: P },
  CreateSessionFromArray: { parameters: [P, B, "usize", P, B], result: P },
  Run: { parameters: [P, P, B, B, "usize", B, "usize", B], result: P },
  CreateSessionOptions: { parameters: [B], result: P },
  SetSessionExecutionMode: { parameters: [P, "i32"], result: P },
  SetSessionGraphOptimizationLevel: { parameters: [P, "i32"], result: P },
  SetIntraOpNumThreads: { parameters: [P, "i32"], result: P },
  SessionGetInputName: { parameters: [P, "usize", P, B], result: P },
  SessionGetOutputName: { parameters: [P, "usize", P, B], result: P },
  CreateTensorWithDataAsOrtValue: {
    parameters: [P, B, "usize", B, "usize", "i32", B],
    result: P,
  },
  CreateCpuMemoryInfo: { parameters: ["i32", "i32", B], result: P },
  AllocatorFree: { parameters: [P, P], result: P },
  GetAllocatorWithDefaultOptions: { parameters: [B], result: P },
  ReleaseStatus: { parameters: [P], result: "void" },
  ReleaseMemoryInfo: { parameters: [P], result: "void" },
  ReleaseSession: { parameters: [P], result: "void" },
  ReleaseValue: { parameters: [P], result: "void" },
  ReleaseSessionOptions: { parameters: [P], result: "void" },
  AddSessionConfigEntry: { parameters: [P, B, B], result: P },
} as const satisfies Record<keyof typeof API, Deno.ForeignFunction>;

type Fns = {
  [K in keyof typeof SIGNATURES]: Deno.UnsafeFnPointer<(typeof SIGNATURES)[K]>["call"];
};

interface Runtime {
  fns: Fns;
  version: string;
  env: Deno.PointerValue;
}

let runtime: Runtime | undefined;

/** Where onnxruntime-node keeps its libonnxruntime for this machine. */
export function bundledLibrary(): string {
  const arch = Deno.build.arch === "x86_64" ? "x64" : Deno.build.arch === "aarch64" ? "arm64" : "";
  if (Deno.build.os !== "linux" || arch === "") {
    throw new Error(`no C API library for ${Deno.build.os} ${Deno.build.arch}`);
  }
  // dist/index.js → bin/napi-v6/linux/<arch>/libonnxruntime.so.1
  const index = createRequire(import.meta.url).resolve("onnxruntime-node");
  return join(dirname(index), "..", "bin", "napi-v6", "linux", arch, "libonnxruntime.so.1");
}

const encoder = new TextEncoder();
const cString = (text: string) => encoder.encode(`${text}\0`);

/** A pointer out-parameter (T**): one slot, read back after the call. */
class OutPointer {
  readonly slot = new BigUint64Array(1);
  get value(): Deno.PointerValue {
    return Deno.UnsafePointer.create(this.slot[0]);
  }
}

/** dlfcn.h: resolve every symbol now; never unload, whoever closes it. */
const RTLD_NOW = 2, RTLD_NODELETE = 0x1000;

function loadRuntime(): Runtime {
  if (runtime) return runtime;
  const path = bundledLibrary();
  // Deno closes a worker's libraries when the worker ends (segcam image runs one
  // segmenter per worker). libonnxruntime must outlive that: its OrtEnv is one per
  // process, shared by every session, and unloading it under the others corrupts the
  // heap at exit. A reference taken with RTLD_NODELETE pins it.
  const libc = Deno.dlopen("libc.so.6", { dlopen: { parameters: [B, "i32"], result: P } });
  const pinned = libc.symbols.dlopen(cString(path), RTLD_NOW | RTLD_NODELETE);
  libc.close();
  if (pinned === null) throw new Error(`cannot load ${path}`);
  const lib = Deno.dlopen(path, {
    OrtGetApiBase: { parameters: [], result: P },
  });
  // struct OrtApiBase { const OrtApi* (*GetApi)(uint32_t); const char* (*GetVersionString)(void); }
  const base = new Deno.UnsafePointerView(lib.symbols.OrtGetApiBase()!);
  const getApi = new Deno.UnsafeFnPointer(base.getPointer(0)!, { parameters: ["u32"], result: P });
  const getVersion = new Deno.UnsafeFnPointer(base.getPointer(8)!, { parameters: [], result: P });
  const version = new Deno.UnsafePointerView(getVersion.call()!).getCString();
  const api = getApi.call(API_VERSION);
  if (api === null) throw new Error(`onnxruntime ${version} has no C API version ${API_VERSION}`);
  const table = new Deno.UnsafePointerView(api);
  const fns = {} as Record<string, unknown>;
  for (const [name, index] of Object.entries(API)) {
    const fn = new Deno.UnsafeFnPointer(
      table.getPointer(index * 8)!,
      SIGNATURES[name as keyof typeof API],
    );
    fns[name] = fn.call.bind(fn);
  }
  const typed = fns as Fns;
  const env = new OutPointer();
  check(typed, typed.CreateEnv(ORT_LOGGING_LEVEL_ERROR, cString("segcam"), env.slot));
  runtime = { fns: typed, version, env: env.value };
  return runtime;
}

/** Throws onnxruntime's message for a failed call (a non-null OrtStatus). */
function check(fns: Fns, status: Status): void {
  if (status === null) return;
  const message = new Deno.UnsafePointerView(fns.GetErrorMessage(status)!).getCString();
  fns.ReleaseStatus(status);
  throw new Error(message);
}

/**
 * A session of `modelBytes` on onnxruntime's C API, reading `input` and writing
 * `output` in place. Throws when the library cannot be loaded (no --allow-ffi, not
 * Linux), with onnxruntime's own message when the model is refused.
 */
export function createCapiBackend(
  model: ModelInfo,
  modelBytes: Uint8Array,
  input: Float32Array,
  output: Float32Array,
  threads: number,
  options: { spinning?: boolean } = {},
): InferenceBackend {
  const { fns, version, env } = loadRuntime();
  const made = new OutPointer();
  check(fns, fns.CreateSessionOptions(made.slot));
  const sessionOptions = made.value;
  let session: Deno.PointerValue = null;
  const values: Deno.PointerValue[] = [];
  let memoryInfo: Deno.PointerValue = null;
  try {
    check(fns, fns.SetSessionGraphOptimizationLevel(sessionOptions, ORT_ENABLE_ALL));
    check(fns, fns.SetSessionExecutionMode(sessionOptions, ORT_SEQUENTIAL));
    check(
      fns,
      fns.SetIntraOpNumThreads(sessionOptions, threads > 0 ? threads : DEFAULT_THREADS),
    );
    // As backend_ort.ts: pool threads that spin between frames idle a core at 100 %.
    check(
      fns,
      fns.AddSessionConfigEntry(
        sessionOptions,
        cString("session.intra_op.allow_spinning"),
        cString(options.spinning ? "1" : "0"),
      ),
    );
    check(
      fns,
      fns.CreateSessionFromArray(
        env,
        modelBytes,
        BigInt(modelBytes.byteLength),
        sessionOptions,
        made.slot,
      ),
    );
    session = made.value;
    const names = [sessionName(fns, session, "input"), sessionName(fns, session, "output")];
    check(fns, fns.CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, made.slot));
    memoryInfo = made.value;
    for (const [data, shape] of [[input, model.inputShape], [output, model.outputShape]] as const) {
      const dims = BigInt64Array.from(shape, BigInt);
      check(
        fns,
        fns.CreateTensorWithDataAsOrtValue(
          memoryInfo,
          data,
          BigInt(data.byteLength),
          dims,
          BigInt(dims.length),
          ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT,
          made.slot,
        ),
      );
      values.push(made.value);
    }
    // Run's arrays: names as char* const*, values as OrtValue* const* (the output one is
    // preallocated, so onnxruntime writes into `output` and leaves the slot as it is).
    const pointerArray = (pointers: Deno.PointerValue[]) =>
      BigUint64Array.from(pointers, (p) => BigInt(Deno.UnsafePointer.value(p)));
    const nameBytes = names.map(cString);
    const inputNames = pointerArray([Deno.UnsafePointer.of(nameBytes[0])]);
    const outputNames = pointerArray([Deno.UnsafePointer.of(nameBytes[1])]);
    const inputValues = pointerArray([values[0]]);
    const outputValues = pointerArray([values[1]]);
    const keepAlive = [input, output, nameBytes];
    let released = false;
    return {
      name: "native",
      threads,
      description: `onnxruntime ${version} C API, ${threadsText(threads)}`,
      run() {
        if (released) return Promise.reject(new Error("the inference session is closed"));
        // onnxruntime holds raw pointers into these: referenced here, they live as long as
        // the session can run (the segmenter holds the buffers too, but this must not
        // depend on it).
        void keepAlive;
        check(
          fns,
          fns.Run(session, null, inputNames, inputValues, 1n, outputNames, 1n, outputValues),
        );
        return Promise.resolve();
      },
      dispose() {
        if (!released) {
          released = true;
          for (const value of values) fns.ReleaseValue(value);
          fns.ReleaseMemoryInfo(memoryInfo);
          fns.ReleaseSession(session);
        }
        return Promise.resolve();
      },
    };
  } catch (error) {
    for (const value of values) fns.ReleaseValue(value);
    if (memoryInfo !== null) fns.ReleaseMemoryInfo(memoryInfo);
    if (session !== null) fns.ReleaseSession(session);
    throw error;
  } finally {
    fns.ReleaseSessionOptions(sessionOptions);
  }
}

/** The session's first input or output name (allocated by onnxruntime, freed here). */
function sessionName(fns: Fns, session: Deno.PointerValue, which: "input" | "output"): string {
  const allocator = new OutPointer();
  check(fns, fns.GetAllocatorWithDefaultOptions(allocator.slot));
  const name = new OutPointer();
  const get = which === "input" ? fns.SessionGetInputName : fns.SessionGetOutputName;
  check(fns, get(session, 0n, allocator.value, name.slot));
  try {
    return new Deno.UnsafePointerView(name.value!).getCString();
  } finally {
    check(fns, fns.AllocatorFree(allocator.value, name.value));
  }
}
