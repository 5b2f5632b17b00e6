import assert from "node:assert/strict";
import { DependencyError, InputError } from "../../src/errors.ts";
import type { Frame } from "../../src/frame.ts";
import { readImage } from "../../src/io/image_file.ts";
import { chooseModel, createSegmenter } from "../../src/model/segmenter.ts";

const photo = () => readImage(new URL("../fixtures/astronaut.png", import.meta.url).pathname);

Deno.test("chooseModel() takes landscape from 1.2:1 on, general below, and honours a choice", () => {
  assert.equal(chooseModel("auto", 1280, 720), "landscape");
  assert.equal(chooseModel("auto", 500, 375), "landscape"); // 4:3
  assert.equal(chooseModel("auto", 512, 512), "general");
  assert.equal(chooseModel("auto", 720, 1280), "general");
  assert.equal(chooseModel("general", 1280, 720), "general");
  assert.equal(chooseModel("landscape", 100, 100), "landscape");
});

Deno.test("segment() gives the same map for the RGB and the RGBA frame of a photo", async () => {
  const rgba = await photo();
  const rgb: Frame = { ...rgba, channels: 3, data: new Uint8Array(rgba.width * rgba.height * 3) };
  for (let i = 0, j = 0; i < rgba.data.length; i += 4, j += 3) {
    rgb.data[j] = rgba.data[i];
    rgb.data[j + 1] = rgba.data[i + 1];
    rgb.data[j + 2] = rgba.data[i + 2];
  }
  const segmenter = await createSegmenter({ backend: "native", threads: 1, model: "general" });
  try {
    const fromRgba = (await segmenter.segment(rgba)).slice();
    const fromRgb = await segmenter.segment(rgb);
    assert.deepEqual(fromRgb, fromRgba);
  } finally {
    await segmenter.dispose();
  }
});

Deno.test("maskInto() gives a full-size mask: person in the middle, background in the corner", async () => {
  const frame = await photo();
  const segmenter = await createSegmenter({ backend: "auto", threads: 0, model: "general" });
  try {
    const map = await segmenter.segment(frame);
    const returnedAgain = await segmenter.segment(frame);
    assert.equal(map, returnedAgain, "the map buffer is reused, not reallocated");
    for (const [w, h] of [[512, 512], [640, 360], [31, 17]]) {
      const mask = new Uint8Array(w * h);
      segmenter.maskInto(mask, w, h);
      assert.equal(mask[Math.floor(h / 2) * w + Math.floor(w / 2)], 255, `${w}x${h} centre`);
      assert.equal(mask[w - 1], 0, `${w}x${h} top right corner`);
    }
    assert.throws(() => segmenter.maskInto(new Uint8Array(10), 4, 4), RangeError);
  } finally {
    await segmenter.dispose();
  }
});

Deno.test("createSegmenter() names a missing model file and how to rebuild it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      createSegmenter({ backend: "wasm", threads: 1, model: "general", modelDir: dir }),
      (e: Error) => e instanceof InputError && /missing; run `deno task models`/.test(e.message),
    );
    await Deno.writeFile(`${dir}/selfie_general.onnx`, new Uint8Array(4096).fill(7));
    await assert.rejects(
      createSegmenter({ backend: "native", threads: 1, model: "general", modelDir: dir }),
      (e: Error) =>
        (e instanceof InputError && /damaged.*deno task models/.test(e.message)) ||
        e instanceof DependencyError,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
