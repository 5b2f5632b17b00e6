import assert from "node:assert/strict";
import { createFrame, type Frame } from "../../src/frame.ts";
import { blurBackground, BlurScratch } from "../../src/kernels/blur.ts";
import { discRows, lensBlurBackground, LensScratch } from "../../src/kernels/lens_blur.ts";
import { createWasmKernels, tsKernels } from "../../src/kernels/wasm/wasm_kernels.ts";
import { agree as agreeWithin, wasm } from "./_agree.ts";
import { countTypedArrayAllocations } from "../effects/_allocations.ts";
import { ellipseMask } from "../effects/_scene.ts";

// ---- the shape: a point of light becomes a disc, where the Gaussian makes a bell ----------

const W = 320, H = 240;
/** The disc radius asked for: 10 % of the height. */
const R = 0.1 * H;

/** Black background (alpha 0) with a white square of `size` pixels at the centre. */
function pointOfLight(size: number): { frame: Frame; alpha: Uint8Array } {
  const frame = createFrame(W, H, 3);
  const c = W / 2 - Math.floor(size / 2), r = H / 2 - Math.floor(size / 2);
  for (let y = r; y < r + size; y++) frame.data.fill(255, (y * W + c) * 3, (y * W + c + size) * 3);
  return { frame, alpha: new Uint8Array(W * H) };
}

/** The red channel from the centre outwards along one axis (dx, dy), to 2 radii. */
function profile(out: Frame, dx: number, dy: number, radius = R): number[] {
  const values: number[] = [];
  for (let d = 0; d < Math.min(2 * radius, H / 2); d++) {
    values.push(out.data[((H / 2 + d * dy) * W + W / 2 + d * dx) * 3]);
  }
  return values;
}

/** Where a profile first falls below half its centre value, interpolated (pixels). */
function halfRadius(values: number[]): number {
  const half = values[0] / 2;
  for (let d = 1; d < values.length; d++) {
    if (values[d] < half) return d - 1 + (values[d - 1] - half) / (values[d - 1] - values[d]);
  }
  return Infinity;
}

/** (max − min) / max over distances 0 … `share`·radius. */
function variation(values: number[], share: number, radius = R): number {
  const core = values.slice(0, Math.floor(share * radius) + 1);
  return (Math.max(...core) - Math.min(...core)) / Math.max(...core);
}

const AXES = [[1, 0], [-1, 0], [0, 1], [0, -1]] as const;

for (const [name, kernels] of [["TypeScript", tsKernels], ["wasm", createWasmKernels()]] as const) {
  Deno.test(`lens blur (${name}) turns a point of light into a flat disc of the asked radius`, () => {
    const { frame, alpha } = pointOfLight(3);
    const out = createFrame(W, H, 3);
    // 5 %, 10 % and 18 % of the height: factors 2, 4 and 7 of the low-resolution grid.
    for (const radius of [0.05 * H, R, 0.18 * H]) {
      kernels.lensBlurBackground(frame, alpha, radius, out, new LensScratch());
      for (const [dx, dy] of AXES) {
        const values = profile(out, dx, dy, radius);
        const at = `r=${radius} along ${dx},${dy}`;
        const measured = halfRadius(values);
        assert.ok(Math.abs(measured - radius) <= 0.1 * radius, `radius ${measured} ${at}`);
        // The inner 70 % of the disc's diameter: within 0.7 radius of the centre.
        const v = variation(values, 0.7, radius);
        assert.ok(v < 0.2, `core varies ${(v * 100).toFixed(0)} % ${at}: ${values}`);
        assert.equal(values[Math.ceil(1.3 * radius)], 0, `nothing outside the disc ${at}`);
      }
    }
  });
}

Deno.test("today's blur of the same point is a bell: no flat core at the same spread", () => {
  // A disc of radius R has the variance of a Gaussian of sigma R/2; a larger square so
  // that the Gaussian's peak is well above the byte steps.
  const { frame, alpha } = pointOfLight(9);
  const out = createFrame(W, H, 3);
  blurBackground(frame, alpha, R / 2, out, new BlurScratch());
  for (const [dx, dy] of AXES) {
    const values = profile(out, dx, dy);
    assert.ok(values[0] >= 15, `the peak ${values[0]} is measurable`);
    const v = variation(values, 0.7);
    assert.ok(
      v > 0.4,
      `a bell falls by more than 40 % within 0.7 R, got ${(v * 100).toFixed(0)} %`,
    );
  }
  // The lens blur of that square keeps its flat core.
  tsKernels.lensBlurBackground(frame, alpha, R, out, new LensScratch());
  for (const [dx, dy] of AXES) assert.ok(variation(profile(out, dx, dy), 0.7) < 0.2);
});

Deno.test("lens blur: a white light blooms into a bright disc, not a grey smudge", () => {
  const { frame, alpha } = pointOfLight(9);
  const out = createFrame(W, H, 3);
  tsKernels.lensBlurBackground(frame, alpha, R, out, new LensScratch());
  // A plain average of the square over the disc would be 255·81/(π·24²) ≈ 11.
  const plain = 255 * 81 / (Math.PI * R * R);
  const centre = out.data[(H / 2 * W + W / 2) * 3];
  assert.ok(centre > 8 * plain, `centre ${centre}, plain average ${plain.toFixed(1)}`);
  // A grey square (no highlight) is not boosted: in linear light it is far dimmer.
  frame.data.forEach((v, i) => (frame.data[i] = v === 255 ? 128 : 0));
  tsKernels.lensBlurBackground(frame, alpha, R, out, new LensScratch());
  const grey = out.data[(H / 2 * W + W / 2) * 3];
  assert.ok(grey < centre / 3, `grey square's disc ${grey} vs white's ${centre}`);
});

Deno.test("lens blur keeps flat areas their colour, bright ones too (the gain is normalised)", () => {
  for (const colour of [[12, 200, 77], [240, 240, 240], [255, 255, 255]]) {
    const frame = createFrame(97, 61, 3);
    for (let i = 0; i < 97 * 61; i++) frame.data.set(colour, i * 3);
    const out = createFrame(97, 61, 3);
    for (const radius of [0, 4, 15]) {
      lensBlurBackground(frame, ellipseMask(97, 61, 4), radius, out, new LensScratch());
      for (let i = 0; i < 97 * 61; i++) {
        const got = [out.data[i * 3], out.data[i * 3 + 1], out.data[i * 3 + 2]];
        assert.ok(got.every((v, c) => Math.abs(v - colour[c]) <= 1), `${colour} → ${got} at ${i}`);
      }
    }
  }
});

Deno.test("discRows() gives each row its half-width, the outer rows their share, at least a cell", () => {
  const whole = new Int32Array(9), near = new Float32Array(9), far = new Float32Array(9);
  // Radius 3: rows dy = −3 … 3; |dy| = 3 is half inside (3 + 0.5 − 3).
  assert.equal(discRows(3, whole, near, far), 3);
  const share = (i: number) => near[i] + far[i];
  assert.deepEqual([0, 1, 2, 3].map((i) => Math.round(share(i) * 100) / 100), [0.5, 1, 1, 1]);
  // The middle row spans ±3 cells: entries x ± 3 (near) and x ± 4 (far), half each.
  assert.deepEqual([whole[3], near[3], far[3]], [3, 0.5, 0.5]);
  // Row |dy| = 1: half-width √8 = 2.83, plus half a cell: 3.33.
  assert.equal(whole[2], 3);
  assert.ok(Math.abs(far[2] - (Math.sqrt(8) + 0.5 - 3)) < 1e-6);
  // Radius 0: the cell itself, whole (entries x ± 1 at full weight, nothing further).
  assert.equal(discRows(0, whole, near, far), 0);
  assert.deepEqual([whole[0], near[0], far[0]], [1, 1, 0]);
  assert.throws(() => discRows(9, whole, near, far), /disc rows: expected room for 19, got 9/);
});

Deno.test("lens blur checks its sizes and radius up front", () => {
  const frame = createFrame(8, 8, 3), out = createFrame(8, 8, 3);
  assert.throws(
    () => lensBlurBackground(frame, new Uint8Array(8), 2, out, new LensScratch()),
    /mask: expected 64 bytes for 8x8, got 8/,
  );
  assert.throws(
    () => lensBlurBackground(frame, new Uint8Array(64), -1, out, new LensScratch()),
    /lens blur radius: expected a finite number >= 0, got -1/,
  );
});

// ---- wasm against the reference ------------------------------------------------------------------

/** A busy picture (testsrc2) with lamps: white squares scattered over the background. */
async function busyFrame(width: number, height: number): Promise<Frame> {
  const { code, stdout, stderr } = await new Deno.Command("ffmpeg", {
    args: [
      ..."-v error -f lavfi -i testsrc2=size=1280x720 -vf".split(" "),
      `scale=${width}:${height}`,
      ..."-frames:v 1 -f rawvideo -pix_fmt rgb24 -".split(" "),
    ],
  }).output();
  if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
  const frame = { data: stdout, width, height, channels: 3 as const };
  for (let k = 0; k < 40; k++) {
    const x = (k * 97) % (width - 4), y = (k * 53) % (height - 4);
    for (let j = 0; j < 3; j++) {
      frame.data.fill(255, ((y + j) * width + x) * 3, ((y + j) * width + x + 3) * 3);
    }
  }
  return frame;
}

function withChannels(frame: Frame, channels: 3 | 4): Frame {
  if (frame.channels === channels) return frame;
  const out = createFrame(frame.width, frame.height, channels);
  for (let i = 0; i < frame.width * frame.height; i++) {
    for (let c = 0; c < 3; c++) out.data[i * channels + c] = frame.data[i * 3 + c];
  }
  return out;
}

/** Reference vs wasm, arguments copied in and in the arena; within one level, as blur's. */
const agree = (label: string, run: Parameters<typeof agreeWithin>[2]) => agreeWithin(label, 1, run);

const scenes = await Promise.all(
  [[1280, 720], [641, 361], [37, 23], [5, 3]].map(async ([w, h]) => ({
    frame: await busyFrame(w, h),
    alpha: ellipseMask(w, h, Math.max(1, w / 60)),
  })),
);

Deno.test("wasm lensBlurBackground() is within one level of the reference, RGB and RGBA", () => {
  for (const s of scenes) {
    for (const radius of [0, 2.5, 7, 22, 61]) {
      for (const [sc, dc] of [[3, 3], [3, 4], [4, 3], [4, 4]] as const) {
        if (s.frame.width > 700 && (sc !== 3 || dc !== 3)) continue; // the 720p run is for size
        const frame = withChannels(s.frame, sc);
        const label = `lens r=${radius} ${sc}→${dc} ${frame.width}x${frame.height}`;
        agree(label, (k, arena) => {
          const f = arena ? arena.frame(frame.width, frame.height, sc) : frame;
          if (arena) f.data.set(frame.data);
          const alpha = arena ? arena.plane(s.alpha.length) : s.alpha;
          if (arena) alpha.set(s.alpha);
          const out = arena
            ? arena.frame(f.width, f.height, dc)
            : createFrame(f.width, f.height, dc);
          k.lensBlurBackground(f, alpha, radius, out, new LensScratch());
          return out.data;
        });
      }
    }
  }
});

Deno.test("wasm lensBlurBackground() works in place (out is the frame)", () => {
  const s = scenes[1];
  agree("lens in place", (k, arena) => {
    const f = arena
      ? arena.frame(s.frame.width, s.frame.height, 3)
      : { ...s.frame, data: s.frame.data.slice() };
    if (arena) f.data.set(s.frame.data);
    k.lensBlurBackground(f, s.alpha, 15, f, new LensScratch());
    return f.data;
  });
});

Deno.test("lens blur allocates no typed array per frame once warmed up (both kernels)", () => {
  const s = scenes[1];
  const { width, height } = s.frame;
  wasm.reset();
  const frame = wasm.frame(width, height, 3), alpha = wasm.plane(width * height);
  frame.data.set(s.frame.data);
  alpha.set(s.alpha);
  const out = wasm.frame(width, height, 3);
  const scratch = new LensScratch();
  for (const k of [tsKernels, wasm]) {
    const once = () => k.lensBlurBackground(frame, alpha, 18, out, scratch);
    once();
    const free = wasm.free;
    assert.equal(countTypedArrayAllocations(once), 0);
    assert.equal(wasm.free, free);
  }
  // A stronger lens (a coarser grid) fits the buffers already there.
  const grown = scratch.allocations;
  tsKernels.lensBlurBackground(frame, alpha, 40, out, scratch);
  assert.equal(scratch.allocations, grown);
});
