/**
 * Frames that stay planar YUV from the decoder to the output (issue 16): the engine
 * keeps a YUV frame in its planes when the output takes YUV and the settings need
 * nothing RGB has that the planes lack; the mask path then reads the planes too, and the
 * frame is never converted to RGB. Checked against the RGB path on a real picture.
 */
import assert from "node:assert/strict";
import { createEffectSettings } from "../../src/effects/effect.ts";
import { createFrame, type Frame } from "../../src/frame.ts";
import { defaultKernels } from "../../src/kernels/kernel_set.ts";
import { isYuvPicture, planesOf, type YuvPicture } from "../../src/kernels/yuv_picture.ts";
import { yuv420pToRgb, yuvj422pToRgb } from "../../src/kernels/yuv.ts";
import { createSegmenter, type Segmenter } from "../../src/model/segmenter.ts";
import {
  type FrameSettings,
  type FrameSink,
  type FrameSource,
  runEngine,
  type SourceFrame,
} from "../../src/pipeline/engine.ts";
import { FrameProcessor } from "../../src/pipeline/frame_processor.ts";
import { defaultMaskStageSettings, MaskStage } from "../../src/pipeline/mask_stage.ts";
import { StageTimings } from "../../src/pipeline/timings.ts";
import { ffmpegBytes, frameAt } from "../_media.ts";
import { countTypedArrayAllocationsAsync } from "../effects/_allocations.ts";
import { MAIN, PERMISSIONS, PHOTO, TEST_ENV, withTempDir } from "../cli/_run.ts";
import { fakeClock, leftHalfSegmenter } from "./_fakes.ts";

const W = 320, H = 240;

/** The bundled photo at W x H as the decoder would give it: yuvj422p or yuv420p. */
async function photoAs(layout: "420" | "422"): Promise<YuvPicture> {
  const data = await ffmpegBytes([
    ...["-i", PHOTO, "-vf", `scale=${W}:${H}`, "-frames:v", "1"],
    ...["-f", "rawvideo", "-pix_fmt", layout === "422" ? "yuvj422p" : "yuv420p"],
  ]);
  return { data, width: W, height: H, layout, fullRange: layout === "422" };
}

/** The RGB picture of a planar one, as the pipes' converter makes it. */
function rgbOf(picture: YuvPicture): Frame {
  const frame = createFrame(picture.width, picture.height, 3);
  if (picture.layout === "422") yuvj422pToRgb(picture.data, frame);
  else yuv420pToRgb(picture.data, frame);
  return frame;
}

/** A source handing out one picture `count` times, counting the RGB conversions asked. */
function yuvSource(picture: YuvPicture, count: number): FrameSource & { conversions: number } {
  const frame = createFrame(picture.width, picture.height, 3);
  const item: SourceFrame = { frame, capturedAt: 0 };
  const working: YuvPicture = { ...picture, data: new Uint8Array(picture.data.length) };
  let handed = 0;
  const source = {
    width: picture.width,
    height: picture.height,
    conversions: 0,
    dropped: 0,
    get received() {
      return handed;
    },
    next(): Promise<SourceFrame | undefined> {
      if (handed >= count) return Promise.resolve(undefined);
      handed++;
      working.data.set(picture.data); // the engine may mirror it in place
      let converted = false;
      item.yuv = working;
      item.toRgb = () => {
        if (converted) return;
        converted = true;
        source.conversions++;
        frame.data.set(rgbOf(working).data);
      };
      item.capturedAt = handed * 33;
      return Promise.resolve(item);
    },
  };
  return source;
}

/** A sink keeping a copy of what it was handed: planar pictures when `planar`. */
function keepingSink(
  planar: boolean,
  channels: 3 | 4 = 3,
): FrameSink & { got: (Frame | YuvPicture)[] } {
  const got: (Frame | YuvPicture)[] = [];
  return {
    channels,
    planar,
    got,
    write(frame: Frame | YuvPicture) {
      const alpha = "alpha" in frame ? frame.alpha?.slice() : undefined;
      got.push({ ...frame, data: frame.data.slice(), ...(alpha ? { alpha } : {}) });
      return Promise.resolve();
    },
  };
}

/** The left-half fake, reading planar pictures as the real segmenter does. */
function planarLeftHalf(): Segmenter {
  return Object.assign(leftHalfSegmenter(), { readsYuv: true });
}

function blurSettings(shape: "gaussian" | "lens" = "gaussian"): FrameSettings {
  return {
    effect: "blur",
    effectSettings: createEffectSettings({ blur: 0.05, blurShape: shape }),
    mask: { threshold: 0.5, invert: false },
  };
}

async function run(
  source: FrameSource,
  sink: FrameSink,
  settings: FrameSettings,
  segmenter: Segmenter = planarLeftHalf(),
): Promise<void> {
  const clock = fakeClock();
  await runEngine({
    source,
    sink,
    processor: new FrameProcessor(segmenter, defaultKernels(), "stream"),
    settings,
    timings: new StageTimings(),
    now: clock.now,
  });
}

/** Variance of the Y plane's bytes in columns [x0, x1). */
function lumaVariance(picture: YuvPicture, x0: number, x1: number): number {
  const { y } = planesOf(picture);
  let sum = 0, squares = 0, n = 0;
  for (let row = 0; row < picture.height; row++) {
    for (let x = x0; x < x1; x++) {
      const v = y[row * picture.width + x];
      sum += v;
      squares += v * v;
      n++;
    }
  }
  return squares / n - (sum / n) ** 2;
}

for (const layout of ["422", "420"] as const) {
  Deno.test(`runEngine() keeps a ${layout} YUV frame planar to a YUV output: blurred on the planes, the person's bytes as decoded, never converted to RGB`, async () => {
    const picture = await photoAs(layout);
    const source = yuvSource(picture, 3);
    const sink = keepingSink(true);
    await run(source, sink, blurSettings());
    assert.equal(sink.got.length, 3);
    assert.equal(source.conversions, 0, "no frame was converted to RGB");
    // The mask those frames got (the fake's left half, its edge guided by the picture).
    const alpha = await new FrameProcessor(planarLeftHalf(), defaultKernels(), "stream")
      .mask(createFrame(W, H, 3), blurSettings().mask, picture);
    let kept = 0;
    for (const out of sink.got) {
      assert.ok(isYuvPicture(out), "the output got the planes");
      assert.equal(out.layout, layout);
      assert.equal(out.fullRange, picture.fullRange);
      const src = planesOf(picture).y, dst = planesOf(out).y;
      // Wherever the mask keeps the person, every Y byte is the decoder's.
      for (let i = 0; i < W * H; i++) {
        if (alpha[i] !== 255) continue;
        kept++;
        assert.equal(dst[i], src[i], `Y at (${i % W}, ${Math.floor(i / W)})`);
      }
      // The background (right half) is blurred: its detail is mostly gone.
      const before = lumaVariance(picture, W / 2 + 8, W), after = lumaVariance(out, W / 2 + 8, W);
      assert.ok(
        after < 0.6 * before,
        `background variance ${before.toFixed(0)} → ${after.toFixed(0)}`,
      );
    }
    assert.ok(kept > 3 * 0.2 * W * H, `the person's pixels were checked (${kept})`);
  });
}

Deno.test("runEngine() allocates no typed array per planar frame once warmed up (blur and desaturate)", async () => {
  const picture = await photoAs("422");
  const processor = new FrameProcessor(planarLeftHalf(), defaultKernels(), "stream");
  const sink = { channels: 3 as const, planar: true, write: () => Promise.resolve() };
  for (const effect of ["blur", "desaturate"] as const) {
    const settings: FrameSettings = { ...blurSettings(), effect };
    const clock = fakeClock();
    const run = (source: FrameSource, timings = new StageTimings()) =>
      runEngine({ source, sink, processor, settings, timings, now: clock.now });
    await run(yuvSource(picture, 5)); // the first frames size every buffer
    // The source's buffers and the timings' made outside the count.
    const source = yuvSource(picture, 30), timings = new StageTimings();
    const count = await countTypedArrayAllocationsAsync(async () => {
      await run(source, timings);
    });
    // One: the run's RGB output frame, made before its first frame (never drawn into).
    assert.equal(count, 1, `${effect}: ${count} typed arrays for 30 frames`);
  }
});

Deno.test("runEngine() draws in RGB what the planes cannot show: the lens blur, the mask view, an RGB output", async () => {
  const picture = await photoAs("422");
  const cases: [string, FrameSettings, boolean][] = [
    ["lens blur", blurSettings("lens"), true],
    ["mask view", { ...blurSettings(), showMask: true }, true],
    ["an output that takes RGB", blurSettings(), false],
  ];
  for (const [what, settings, planarSink] of cases) {
    const source = yuvSource(picture, 2);
    const sink = keepingSink(planarSink);
    await run(source, sink, settings);
    assert.equal(sink.got.length, 2, what);
    assert.ok(sink.got.every((out) => !isYuvPicture(out)), `${what}: RGB frames written`);
    assert.equal(source.conversions, 2, `${what}: each frame converted once`);
  }
});

Deno.test("runEngine() desaturates a planar frame on its planes: the background's chroma goes gray, the person's stays", async () => {
  const picture = await photoAs("422");
  const source = yuvSource(picture, 1);
  const sink = keepingSink(true);
  const settings: FrameSettings = { ...blurSettings(), effect: "desaturate" };
  await run(source, sink, settings);
  assert.equal(source.conversions, 0);
  const out = sink.got[0] as YuvPicture;
  assert.ok(isYuvPicture(out));
  const alpha = await new FrameProcessor(planarLeftHalf(), defaultKernels(), "stream")
    .mask(createFrame(W, H, 3), settings.mask, picture);
  const before = planesOf(picture), after = planesOf(out);
  assert.deepEqual(after.y, before.y, "luma untouched");
  const cw = W / 2;
  let gray = 0, kept = 0;
  for (let row = 0; row < H; row++) {
    for (let cx = 0; cx < cw; cx++) {
      const a0 = alpha[row * W + 2 * cx], a1 = alpha[row * W + 2 * cx + 1];
      const c = row * cw + cx;
      if (a0 === 0 && a1 === 0) {
        assert.equal(after.u[c], 128, `background U at (${cx}, ${row})`);
        assert.equal(after.v[c], 128, `background V at (${cx}, ${row})`);
        gray++;
      } else if (a0 === 255 && a1 === 255) {
        assert.equal(after.u[c], before.u[c], `person U at (${cx}, ${row})`);
        kept++;
      }
    }
  }
  assert.ok(gray > 0.2 * cw * H && kept > 0.2 * cw * H, `${gray} gray, ${kept} kept samples`);
});

Deno.test("runEngine() hands a planar frame with effect none to the output as it came", async () => {
  const picture = await photoAs("420");
  const sink = keepingSink(true);
  await run(yuvSource(picture, 1), sink, { ...blurSettings(), effect: "none" });
  assert.ok(isYuvPicture(sink.got[0]));
  assert.deepEqual(sink.got[0].data, picture.data);
});

Deno.test("runEngine() makes a planar frame transparent on its planes: the decoder's bytes, the mask as alpha", async () => {
  const picture = await photoAs("420");
  const source = yuvSource(picture, 2);
  const sink = keepingSink(true, 4);
  const settings = { ...blurSettings(), effect: "transparent" as const };
  await run(source, sink, settings);
  assert.equal(source.conversions, 0, "no frame was converted to RGB");
  const alpha = await new FrameProcessor(planarLeftHalf(), defaultKernels(), "stream")
    .mask(createFrame(W, H, 3), settings.mask, picture);
  for (const out of sink.got) {
    assert.ok(isYuvPicture(out), "the output got the planes");
    assert.deepEqual(out.data, picture.data, "colour exactly as decoded");
    assert.deepEqual(out.alpha, alpha, "the mask as the alpha plane");
    assert.equal(out.alpha![0], 255, "the person (left) is opaque");
    assert.equal(out.alpha![W - 1], 0, "the background (right) is transparent");
  }
});

Deno.test("runEngine() keeps transparent in RGBA where the output has no alpha plane to take", async () => {
  const picture = await photoAs("420");
  const source = yuvSource(picture, 1);
  // A YUV output without alpha (channels 3) cannot show transparency: RGB path, which
  // refuses it as the RGB path always did, rather than silently dropping the alpha.
  await assert.rejects(
    run(source, keepingSink(true, 3), { ...blurSettings(), effect: "transparent" }),
    /expected 4 channels/,
  );
});

Deno.test("runEngine() mirrors a planar frame in its planes, as it mirrors an RGB one", async () => {
  const picture = await photoAs("422");
  const planar = keepingSink(true), rgb = keepingSink(false);
  const settings = { ...blurSettings(), effect: "none" as const, mirror: true };
  await run(yuvSource(picture, 1), planar, settings);
  await run(yuvSource(picture, 1), rgb, settings);
  const flipped = rgbOf(planar.got[0] as YuvPicture).data, expected = rgb.got[0].data;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(flipped[i] - expected[i]));
  }
  assert.ok(worst <= 1, `mirrored planes vs mirrored RGB: max difference ${worst}`);
});

Deno.test("the blur on the planes looks like the blur on RGB (same frame, same mask)", async () => {
  for (const layout of ["422", "420"] as const) {
    const picture = await photoAs(layout);
    const planar = keepingSink(true), rgb = keepingSink(false);
    await run(yuvSource(picture, 1), planar, blurSettings());
    await run(yuvSource(picture, 1), rgb, blurSettings());
    const a = rgbOf(planar.got[0] as YuvPicture).data, b = rgb.got[0].data;
    let sum = 0, worst = 0;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i] - b[i]);
      sum += d;
      worst = Math.max(worst, d);
    }
    const mean = sum / a.length;
    // Chroma is blurred and composited at its own resolution on the planes, from the
    // full-resolution RGB on the other path: the edge pixels differ most.
    assert.ok(mean < 1, `${layout}: mean difference ${mean.toFixed(2)} (max ${worst})`);
  }
});

Deno.test("the mask from the planes is the mask from RGB (real model, full and limited range)", async () => {
  const segmenter = await createSegmenter({ backend: "auto", threads: 1, model: "landscape" });
  try {
    for (const layout of ["422", "420"] as const) {
      const picture = await photoAs(layout);
      const settings = { ...defaultMaskStageSettings, mode: "still" as const };
      const fromRgb = (await new MaskStage(segmenter).mask(rgbOf(picture), settings)).slice();
      const fromYuv = await new MaskStage(segmenter).mask(
        createFrame(W, H, 3), // never read: the planes are
        settings,
        picture,
      );
      let sum = 0, worst = 0, person = 0;
      for (let i = 0; i < fromRgb.length; i++) {
        const d = Math.abs(fromRgb[i] - fromYuv[i]);
        sum += d;
        worst = Math.max(worst, d);
        if (fromRgb[i] > 127) person++;
      }
      assert.ok(person > 0.1 * W * H, `${layout}: the astronaut is found (${person} px)`);
      const mean = sum / fromRgb.length;
      assert.ok(mean < 0.1, `${layout}: mean alpha difference ${mean.toFixed(3)} (max ${worst})`);
    }
  } finally {
    await segmenter.dispose();
  }
});

/** segcam's raw stdout (bytes) and stderr for `args`, with `env`. */
async function rawRun(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ stdout: Uint8Array; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, MAIN, ...args],
    env: { ...TEST_ENV, ...env },
    stdin: "null",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  return { stdout: output.stdout, stderr };
}

/** A 1 s MJPEG clip of the photo at W x H in `dir`, as a webcam sends it (yuvj422p). */
async function cameraClip(dir: string): Promise<string> {
  const clip = `${dir}/camera.mkv`;
  const made = await new Deno.Command("ffmpeg", {
    args: [
      ...["-v", "error", "-loop", "1", "-framerate", "30", "-i", PHOTO, "-t", "1"],
      ...["-vf", `scale=${W}:${H}`, "-c:v", "mjpeg", "-q:v", "3", "-pix_fmt", "yuvj422p", clip],
    ],
  }).output();
  assert.ok(made.success);
  return clip;
}

Deno.test("segcam live from an MJPEG clip to raw yuyv422: the planar path writes what the RGB path writes", async () => {
  await withTempDir(async (dir) => {
    const clip = await cameraClip(dir);
    const args = [
      ...["live", "-i", clip, "--size", `${W}x${H}`, "--fps", "30", "-e", "blur"],
      ...["-o", "-", "--pix-fmt", "yuyv422", "--frames", "3", "--no-tui"],
    ];
    const planarRun = await rawRun(args);
    // The same run with every frame through RGB inside, as before frames stayed planar.
    const rgbRun = await rawRun(args, { SEGCAM_PLANAR: "0" });
    // The summary says which path the frames took: a sink or source that lost its YUV
    // side would fall back to RGB silently and still write right-looking frames.
    assert.match(planarRun.stderr, /to stdout \(raw yuyv422\), YUV end to end/);
    assert.doesNotMatch(rgbRun.stderr, /YUV end to end/);
    const planar = planarRun.stdout, rgb = rgbRun.stdout;
    const frame = W * H * 2;
    assert.equal(planar.length, 3 * frame, "three whole yuyv422 frames");
    assert.equal(rgb.length, 3 * frame);
    // The first frame of each (the same picture, the same first inference).
    let sum = 0;
    for (let i = 0; i < frame; i++) sum += Math.abs(planar[i] - rgb[i]);
    const mean = sum / frame;
    assert.ok(mean < 1, `mean difference ${mean.toFixed(2)} between the paths`);
  });
});

Deno.test("segcam live records a transparent .webm from an MJPEG clip with the frames planar end to end", async () => {
  await withTempDir(async (dir) => {
    const clip = await cameraClip(dir);
    const out = `${dir}/t.webm`;
    const { stderr } = await rawRun([
      ...["live", "-i", clip, "--size", `${W}x${H}`, "--fps", "30", "-e", "transparent"],
      ...["-o", out, "--frames", "5", "--no-tui"],
    ]);
    // yuva420p to the encoder: the camera's planes (mapped to 4:2:0) and the mask.
    assert.match(stderr, /YUV end to end/);
    const rgba = await frameAt(out, 2);
    const alphaAt = (x: number, y: number) => rgba[4 * (y * W + x) + 3];
    assert.ok(alphaAt(W / 2, H - 40) > 240, `the person is opaque (${alphaAt(W / 2, H - 40)})`);
    assert.ok(alphaAt(W - 5, 5) < 15, `the corner is transparent (${alphaAt(W - 5, 5)})`);
  });
});
