import assert from "node:assert/strict";
import type { Frame } from "../../src/frame.ts";
import { readImage } from "../../src/io/image_file.ts";
import { createSegmenter, type Segmenter } from "../../src/model/segmenter.ts";
import {
  defaultMaskStageSettings,
  MaskStage,
  type MaskStageSettings,
} from "../../src/pipeline/mask_stage.ts";

const photo = () => readImage(new URL("../fixtures/astronaut.png", import.meta.url).pathname);

async function withSegmenter(fn: (segmenter: Segmenter) => Promise<void>): Promise<void> {
  const segmenter = await createSegmenter({ backend: "auto", threads: 1, model: "landscape" });
  try {
    await fn(segmenter);
  } finally {
    await segmenter.dispose();
  }
}

const stream: MaskStageSettings = { ...defaultMaskStageSettings, mode: "stream" };
const still: MaskStageSettings = { ...defaultMaskStageSettings, mode: "still" };

/** The photo (512x512) copied unscaled at (x, y) into a mid-gray canvas of width x height. */
function onCanvas(image: Frame, width: number, height: number, x: number, y: number): Frame {
  const data = new Uint8Array(width * height * 3).fill(128);
  for (let row = 0; row < image.height; row++) {
    for (let col = 0; col < image.width; col++) {
      const s = (row * image.width + col) * image.channels, d = ((y + row) * width + x + col) * 3;
      data[d] = image.data[s];
      data[d + 1] = image.data[s + 1];
      data[d + 2] = image.data[s + 2];
    }
  }
  return { data, width, height, channels: 3 };
}

function mirrored(frame: Frame): Frame {
  const { width, height, channels } = frame;
  const data = new Uint8Array(frame.data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * channels, d = (y * width + width - 1 - x) * channels;
      for (let c = 0; c < channels; c++) data[d + c] = frame.data[s + c];
    }
  }
  return { ...frame, data };
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let both = 0, either = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] > 127 && b[i] > 127) both++;
    if (a[i] > 127 || b[i] > 127) either++;
  }
  return both / either;
}

Deno.test("segment() with a region gives the map of that region alone, wherever it sits", async () => {
  await withSegmenter(async (segmenter) => {
    const image = await photo();
    const alone = (await segmenter.segment(image)).slice();
    const canvas = onCanvas(image, 900, 700, 300, 100);
    const region = await segmenter.segment(canvas, { x: 300, y: 100, width: 512, height: 512 });
    assert.deepEqual(region, alone);
    await assert.rejects(
      () => segmenter.segment(canvas, { x: 500, y: 0, width: 512, height: 10 }),
      /segment region: expected whole pixels inside 900x700, got 512x10 at 500,0/,
    );
  });
});

Deno.test("MaskStage still mode: the astronaut is kept, the corners are not, at the frame's size", async () => {
  await withSegmenter(async (segmenter) => {
    const image = await photo();
    const stage = new MaskStage(segmenter);
    const alpha = await stage.mask(image, still);
    assert.equal(alpha.length, 512 * 512);
    assert.equal(alpha[300 * 512 + 256], 255, "the suit");
    assert.equal(alpha[0], 0, "top left");
    assert.equal(alpha[500 * 512 + 256], 255, "bottom centre (the suit reaches the border)");
    assert.equal(alpha[10 * 512 + 500], 0, "top right");
    const again = await stage.mask(image, still);
    assert.equal(again, alpha, "the output buffer is reused");
    assert.equal(stage.stats.skipped, 0, "still mode never reuses a mask");
    // The person covers most of the photo: no second look, one inference per call.
    assert.deepEqual(stage.stats, { frames: 2, inferences: 2, skipped: 0, cropped: 0 });
  });
});

Deno.test("MaskStage stream mode reuses the mask of an unchanged frame, at most maxSkips in a row", async () => {
  await withSegmenter(async (segmenter) => {
    const image = await photo();
    const stage = new MaskStage(segmenter, { maxSkips: 2 });
    const first = (await stage.mask(image, stream)).slice();
    for (let i = 0; i < 6; i++) {
      assert.deepEqual(await stage.mask(image, stream), first, `frame ${i + 1}`);
    }
    // Frames 1, 2 reuse; 3 infers; 4, 5 reuse; 6 infers.
    assert.deepEqual(stage.stats, { frames: 7, inferences: 3, skipped: 4, cropped: 0 });
  });
});

Deno.test("MaskStage stream mode follows a frame that changed at once, with no trace of the last", async () => {
  await withSegmenter(async (segmenter) => {
    const image = await photo();
    const flipped = mirrored(image);
    const stage = new MaskStage(segmenter);
    for (let i = 0; i < 5; i++) await stage.mask(image, stream);
    const followed = (await stage.mask(flipped, stream)).slice();
    const fresh = await new MaskStage(segmenter).mask(flipped, still);
    assert.ok(iou(followed, fresh) > 0.99, `IoU with a fresh mask ${iou(followed, fresh)}`);
    assert.equal(stage.stats.skipped, 4);
  });
});

Deno.test("MaskStage.reset() forgets the stream: the next frame is inferred and counters restart", async () => {
  await withSegmenter(async (segmenter) => {
    const image = await photo();
    const stage = new MaskStage(segmenter);
    await stage.mask(image, stream);
    await stage.mask(image, stream);
    assert.equal(stage.stats.skipped, 1);
    stage.reset();
    assert.deepEqual(stage.stats, { frames: 0, inferences: 0, skipped: 0, cropped: 0 });
    await stage.mask(image, stream);
    assert.deepEqual(stage.stats, { frames: 1, inferences: 1, skipped: 0, cropped: 0 });
  });
});

Deno.test("MaskStage takes a second look at a small person and pastes it at the person's place", async () => {
  await withSegmenter(async (segmenter) => {
    // The 512x512 photo in a 1024x576 gray frame: the person covers well under 60 %.
    const canvas = onCanvas(await photo(), 1024, 576, 480, 64);
    const stage = new MaskStage(segmenter);
    const alpha = await stage.mask(canvas, still);
    assert.deepEqual(stage.stats, { frames: 1, inferences: 2, skipped: 0, cropped: 1 });
    assert.equal(alpha[(64 + 300) * 1024 + 480 + 256], 255, "the suit, at its place");
    assert.equal(alpha[288 * 1024 + 200], 0, "the empty left of the frame");

    const off = new MaskStage(segmenter);
    await off.mask(canvas, { ...still, secondLook: "off" });
    assert.equal(off.stats.inferences, 1);

    // A stream starts with both looks, then tracks the person with the crop alone.
    const tracked = new MaskStage(segmenter, { maxSkips: 0 });
    for (let i = 0; i < 3; i++) await tracked.mask(canvas, stream);
    assert.deepEqual(tracked.stats, { frames: 3, inferences: 4, skipped: 0, cropped: 3 });
  });
});

Deno.test("MaskStage finds a small person who steps out of its crop on the very next frame", async () => {
  await withSegmenter(async (segmenter) => {
    // The 512x512 photo small in a wide gray frame: tracked through a crop around it.
    const image = await photo();
    const left = onCanvas(image, 1536, 576, 32, 64);
    const right = onCanvas(image, 1536, 576, 992, 64);
    const suitAt = (x: number) => (64 + 300) * 1536 + x + 256;
    const stage = new MaskStage(segmenter, { maxSkips: 0 });
    for (let i = 0; i < 4; i++) await stage.mask(left, stream);
    assert.equal(stage.stats.cropped, 4, "tracked through the crop");
    // The person steps aside: the crop at the old place is empty. The whole frame is
    // looked at at once, and what it finds outside the old crop is not held back by a
    // memory of zeros the model never saw there (it used to fade in over a second).
    const alpha = await stage.mask(right, stream);
    assert.equal(alpha[suitAt(992)], 255, "the suit at its new place, on the first frame");
    assert.equal(alpha[suitAt(32)], 0, "nothing left at the old place");
    assert.ok(iou(alpha, await stage.mask(right, stream)) > 0.97, "and it stays");
  });
});

Deno.test("MaskStage starts over when the frame size changes, and rejects a bad smoothing", async () => {
  await withSegmenter(async (segmenter) => {
    const image = await photo();
    const stage = new MaskStage(segmenter);
    await stage.mask(image, stream);
    const small: Frame = { data: new Uint8Array(64 * 48 * 3), width: 64, height: 48, channels: 3 };
    const alpha = await stage.mask(small, stream);
    assert.equal(alpha.length, 64 * 48);
    assert.deepEqual(stage.stats, { frames: 1, inferences: 1, skipped: 0, cropped: 0 });
    await assert.rejects(
      () => stage.mask(image, { ...stream, smoothing: 2 }),
      /mask smoothing: expected a number from 0 to 1, got 2/,
    );
  });
});

// ---- the ramp applied as the guided filter writes (fuseRamp) --------------------------------

/** Settings the fused path takes (no feather) and ones it leaves to the refiner. */
const fuseCases: [string, MaskStageSettings][] = [
  ["stream", stream],
  ["still", still],
  ["stream invert", { ...stream, invert: true }],
  ["stream threshold 0.5", { ...stream, threshold: 0.5 }],
  ["still invert threshold 0.3", { ...still, invert: true, threshold: 0.3 }],
  ["stream feather (the refiner's)", { ...stream, feather: 0.004 }],
];

/**
 * Runs every frame through a MaskStage with the ramp fused and one without (the reference
 * path: probability bytes, then MaskRefiner), asserting the same alpha byte for byte.
 */
async function assertFusedSame(segmenter: Segmenter, frames: Frame[], label: string) {
  for (const [name, settings] of fuseCases) {
    const fused = new MaskStage(segmenter),
      reference = new MaskStage(segmenter, { fuseRamp: false });
    for (let i = 0; i < frames.length; i++) {
      const got = (await fused.mask(frames[i], settings)).slice();
      const want = await reference.mask(frames[i], settings);
      let differ = 0;
      for (let j = 0; j < got.length; j++) if (got[j] !== want[j]) differ++;
      assert.equal(differ, 0, `${label} ${name} frame ${i}: ${differ} bytes differ`);
    }
    assert.deepEqual(fused.stats, reference.stats, `${label} ${name}: same inferences and reuse`);
  }
}

Deno.test("MaskStage's fused ramp gives the reference path's alpha byte for byte (synthetic frames)", async () => {
  await withSegmenter(async (segmenter) => {
    // The photo moving across a textured frame, with repeats (reused masks) and a step.
    const image = await photo();
    const frames: Frame[] = [];
    for (const x of [40, 40, 40, 48, 60, 60, 300, 300, 301]) {
      const canvas = onCanvas(image, 1024, 576, x, 64);
      for (let i = 0; i < canvas.data.length; i += 7) canvas.data[i] ^= (i >> 3) & 31;
      frames.push(canvas);
    }
    await assertFusedSame(segmenter, frames, "photo on canvas");
  });
});

const DESK = new URL("../../../shared/data/videos/desk_960x540.mp4", import.meta.url).pathname;
const hasDesk = await Deno.stat(DESK).then(() => true, () => false);

Deno.test({
  name:
    "MaskStage's fused ramp gives the reference path's alpha byte for byte (desk video at 720p)",
  ignore: !hasDesk, // ../shared/data (the real footage) is not part of the repository
  fn: async () => {
    const width = 1280, height = 720, count = 24;
    const { code, stdout, stderr } = await new Deno.Command("ffmpeg", {
      args: [
        ...["-v", "error", "-i", DESK, "-vf", `scale=${width}:${height}`],
        ...["-frames:v", String(count), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
      ],
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    const size = width * height * 3;
    const frames: Frame[] = [];
    for (let i = 0; i < count; i++) {
      frames.push({ data: stdout.slice(i * size, (i + 1) * size), width, height, channels: 3 });
    }
    await withSegmenter((segmenter) => assertFusedSame(segmenter, frames, "desk"));
  },
});

Deno.test("MaskStage runs the model again when the table of a fused mask it would reuse has changed", async () => {
  await withSegmenter(async (segmenter) => {
    const image = await photo();
    const stage = new MaskStage(segmenter);
    const soft = (await stage.mask(image, stream)).slice();
    assert.deepEqual(await stage.mask(image, stream), soft, "the same settings reuse the mask");
    assert.equal(stage.stats.skipped, 1);
    // The fused alpha cannot be refined again with a threshold: a new inference instead,
    // whose hard mask equals the reference path's on the same frame.
    const hard = await stage.mask(image, { ...stream, threshold: 0.5 });
    assert.deepEqual(stage.stats, { frames: 3, inferences: 2, skipped: 1, cropped: 0 });
    assert.ok(hard.every((v) => v === 0 || v === 255));
    const reference = new MaskStage(segmenter, { fuseRamp: false });
    await reference.mask(image, stream);
    assert.deepEqual(await reference.mask(image, { ...stream, threshold: 0.5 }), hard);
    assert.equal(reference.stats.skipped, 1, "the reference refines its kept bytes instead");
  });
});
