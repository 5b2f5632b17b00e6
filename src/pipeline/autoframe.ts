/**
 * Auto-framing (`--autoframe`, key a): the output is a moving crop of the picture that
 * keeps the people framed, like a camera operator who follows calmly. It runs after the
 * mask and before the effect, on the picture and the mask alike, so the effect sees the
 * same framing the viewer does; the output keeps its size and rate.
 *
 * Per frame:
 *   1. where the people are: the bounding box of the refined mask, sampled every 4th
 *      pixel (maskBox). It is the union of everyone's boxes, since a mask does not say
 *      which pixel is whose. (The mask stage's own box is of the previous inference's
 *      map and absent when the second look is off, so it is not reused.)
 *   2. the crop they call for ({@link frameTarget}): the box with a margin around and
 *      head room above, one person centred, in the output's aspect ratio, zoomed at
 *      most `zoom` times; nobody for {@link AutoframeOptions.lostMs}: the whole frame.
 *   3. the motion: each of centre x, centre y and width holds its goal while the
 *      target stays within a dead zone of it (a person swaying does not move the
 *      camera); beyond, it follows the target and its speed ({@link retarget}) on a
 *      critically damped spring ({@link springStep}): smooth, never past the goal, never
 *      a jump, keeping pace with a walker. Time comes from the frames' timestamps.
 *   4. the crop resampled bilinearly to the output size (src/kernels/crop.ts, wasm SIMD
 *      in production), into buffers owned here, allocated once per size. The output may
 *      be smaller than the frame (a camera asked for more pixels to crop from).
 */
import type { Frame } from "../frame.ts";
import { createCropScratch, type CropRect, type CropScratch, maskBox } from "../kernels/crop.ts";
import { referenceKernels } from "../kernels/kernel_set.ts";
import type { Kernels } from "../kernels/wasm/wasm_kernels.ts";

export interface AutoframeSettings {
  /** Follow the people; off: ease back to the whole frame, then step out of the way. */
  on: boolean;
  /** The most the crop may zoom in, ≥ 1 (1: never crops). Default 2. */
  zoom: number;
}

export const defaultAutoframeSettings = {
  on: false,
  // 2x: a 1080p camera still fills a 720p output with real pixels at full zoom.
  zoom: 2,
} as const satisfies AutoframeSettings;

/** How the framing looks and moves; every field has a default (below). */
export interface AutoframeOptions {
  /** Space above the head, as a fraction of the crop's height. Default 0.08. */
  headRoom: number;
  /** Space left and right of the people (and below a whole body), fraction of the box. Default 0.12. */
  margin: number;
  /**
   * A person cut by the frame's bottom (at a desk) is framed down to this many box
   * widths below the top of the head: head and shoulders, not the cut body. Default 0.75.
   */
  shoulders: number;
  /**
   * The centre holds still while the target's centre stays within this fraction of the
   * crop's width of it. Default 0.05: a talking person's sway (±14 px in a 400 px crop on
   * ../shared/data/motion `sway`) stays inside; a step aside does not.
   */
  deadZone: number;
  /** The zoom holds still while the target's width stays within this fraction. Default 0.1. */
  zoomDeadZone: number;
  /**
   * The spring's rate (1/s). Default 6: from rest, 98 % of a move is done in 0.97 s
   * ((1 + ωt)·e^(−ωt) = 0.02 at ωt = 5.8), inside the 1.5 s the framing has to settle.
   */
  omega: number;
  /** Nobody in the mask for this long (ms) before easing back to the whole frame. Default 1000. */
  lostMs: number;
}

export const defaultAutoframeOptions = {
  headRoom: 0.08,
  margin: 0.12,
  shoulders: 0.75,
  deadZone: 0.05,
  zoomDeadZone: 0.1,
  omega: 6,
  lostMs: 1000,
} as const satisfies AutoframeOptions;

/** Mask values above this are the person (the effect's own half-way point). */
const MASK_CUT = 127;
/** Sample the mask every STEP pixels: at 720p, 1/16 of it, ±2 px on the box. */
const STEP = 4;
/** Rows or columns with fewer samples above the cut are specks, not people. */
const MIN_SAMPLES = 2;
/**
 * A target that moves more than this fraction of the crop's width in one frame jumped
 * (a second person came in, an arm went up): no speed is read from it. A person crossing
 * ../shared/data/motion `stride` moves at most 2 % a frame.
 */
const JUMP = 0.04;
/** Following ends within this fraction of the crop's width of the goal. */
const NEAR = 0.01;
/** A crop within this of the whole frame (px) is the whole frame: nothing to resample. */
const SNAP = 0.02;

/** Centre and width of a crop (its height follows from the output's aspect ratio). */
export interface CropGoal {
  cx: number;
  cy: number;
  width: number;
}

/**
 * The crop that frames `box` ([x0, y0, x1, y1) in pixels, the union of the people) in a
 * `frameWidth` x `frameHeight` frame, in the output's `aspect` (width / height), zoomed
 * at most `maxZoom`, written to `out`. Without a box: the whole frame (the largest crop
 * of that aspect, centred).
 */
export function frameTarget(
  box: ArrayLike<number> | undefined,
  frameWidth: number,
  frameHeight: number,
  maxZoom: number,
  options: AutoframeOptions,
  out: CropGoal,
  aspect = frameWidth / frameHeight,
): CropGoal {
  const full = Math.min(frameWidth, frameHeight * aspect);
  if (box === undefined || maxZoom <= 1) {
    out.cx = frameWidth / 2;
    out.cy = frameHeight / 2;
    out.width = full;
    return out;
  }
  const [x0, y0, x1, y1] = [box[0], box[1], box[2], box[3]];
  const bw = x1 - x0, bh = y1 - y0;
  // A box that reaches the bottom continues below the picture: its bottom is not the
  // person's, so only the head and shoulders need to be in the crop.
  const cutBelow = y1 >= frameHeight - STEP;
  const shown = cutBelow ? Math.min(bh, options.shoulders * bw) : bh;
  const { headRoom, margin } = options;
  // Heights: the shown part plus the margin below (a whole body), over 1 - headRoom.
  const needH = (shown + (cutBelow ? 0 : margin * bh)) / (1 - headRoom);
  let width = Math.max(bw * (1 + 2 * margin), needH * aspect);
  width = Math.min(full, Math.max(full / maxZoom, width));
  const height = width / aspect;
  const top = y0 - headRoom * height;
  // Cut below: the head room sets the top. Whole: the box and its room centred.
  const cy = cutBelow ? top + height / 2 : (top + y1 + margin * bh) / 2;
  out.width = width;
  out.cx = clamp((x0 + x1) / 2, width / 2, frameWidth - width / 2);
  out.cy = clamp(cy, height / 2, frameHeight - height / 2);
  return out;
}

const clamp = (v: number, lo: number, hi: number) => v < lo ? lo : v > hi ? hi : v;

/** One axis of the camera's motion: where it is, how fast it moves, where it goes. */
export interface Axis {
  x: number;
  v: number;
  goal: number;
  /** How fast the goal moves (per s), while following a moving person; else 0. */
  gv: number;
  /** Left the dead zone: the goal is the target, every frame, until caught up. */
  following: boolean;
}

/** The goal's speed is averaged over about this long (s): the box jitters by a few pixels. */
const GOAL_SPEED_TAU = 0.2;

export function createAxis(at: number): Axis {
  return { x: at, v: 0, goal: at, gv: 0, following: false };
}

/**
 * Moves the axis' goal for this frame's target. Holding, the goal stays put while the
 * target is within `dead` of it; beyond, the axis follows: the goal is the target every
 * frame and its speed is tracked (a step of more than `jump` in one frame is a jump, not
 * a speed), so the crop keeps up with a person walking instead of trailing by 2v/ω.
 * Caught up (within `near`, the goal nearly still), it holds again. `exact` (the whole
 * frame) sets the goal at once.
 */
export function retarget(
  a: Axis,
  target: number,
  dt: number,
  zone: { dead: number; jump: number; near: number; exact?: boolean },
): void {
  if (zone.exact) {
    a.goal = target;
    a.gv = 0;
    a.following = false;
    return;
  }
  if (!a.following) {
    if (Math.abs(target - a.goal) <= zone.dead) return;
    a.following = true;
    a.gv = 0;
    a.goal = target;
    return;
  }
  const step = target - a.goal;
  if (dt > 0) {
    const speed = Math.abs(step) > zone.jump ? a.gv : step / dt;
    a.gv += (speed - a.gv) * (1 - Math.exp(-dt / GOAL_SPEED_TAU));
  }
  a.goal = target;
  if (
    Math.abs(a.x - a.goal) < zone.near && Math.abs(a.gv) < 3 * zone.near &&
    Math.abs(a.v) < 3 * zone.near
  ) {
    a.following = false;
    a.gv = 0;
  }
}

/**
 * One step of a critically damped spring towards the goal, exact for any `dt` (s):
 * e(t) = (e₀ + (ė₀ + ωe₀)t)·e^(−ωt), with e the distance to the goal in a frame that
 * moves with the goal's speed. From rest it never passes the goal; moving (the goal
 * changed on the way) it may, and then stops at the goal instead.
 */
export function springStep(axis: Axis, omega: number, dt: number): void {
  // The goal moved by gv·dt during the step: the error is measured from where it was.
  const e = axis.x - axis.goal + axis.gv * dt;
  const ev = axis.v - axis.gv;
  if (e === 0 && ev === 0) {
    axis.x = axis.goal;
    axis.v = axis.gv;
    return;
  }
  const decay = Math.exp(-omega * dt);
  const tmp = (ev + omega * e) * dt;
  let next = (e + tmp) * decay;
  let v = (ev - omega * tmp) * decay;
  if (e !== 0 && Math.sign(next) !== Math.sign(e)) next = v = 0;
  // Within a thousandth of a pixel and nearly still: there.
  if (Math.abs(next) < 1e-3 && Math.abs(v) < 1e-2) next = v = 0;
  axis.x = axis.goal + next;
  axis.v = axis.gv + v;
}

/** What {@link AutoframeStage.apply} returns: the picture and mask the effect gets. */
export interface Framed {
  frame: Frame;
  alpha: Uint8Array;
}

/**
 * The kernels that resample the crop and where the stage allocates its output buffers:
 * the process's kernel set in production (wasm SIMD, buffers in its arena).
 */
export interface AutoframeKernels extends Pick<Kernels, "cropResize" | "cropResizePlane"> {
  frame(width: number, height: number, channels: 3 | 4): Frame;
  plane(length: number): Uint8Array;
}

export interface AutoframeStage {
  /**
   * Moves the crop for this frame's mask (`at`: the frame's time, ms, any origin) and
   * returns it (reused: read it before the next call).
   */
  update(
    alpha: Uint8Array,
    width: number,
    height: number,
    at: number,
    settings: AutoframeSettings,
    outAspect?: number,
  ): CropRect;
  /**
   * {@link update}, then the crop of `frame` and `alpha` at the output's size (default:
   * the frame's; a camera asked for more pixels than the output is larger), in buffers
   * owned by the stage (valid until the next call); the inputs themselves while the crop
   * is the whole frame at the output's size.
   */
  apply(
    frame: Frame,
    alpha: Uint8Array,
    at: number,
    settings: AutoframeSettings,
    outWidth?: number,
    outHeight?: number,
  ): Framed;
  /** The current crop. */
  readonly crop: Readonly<CropRect>;
  /** The frame's width over the crop's (1: the whole frame). */
  readonly zoom: number;
  /** The crop is smaller than the frame (auto-framing is doing something). */
  readonly cropping: boolean;
  /** Forgets the motion: the next frame starts from the whole frame, at rest. */
  reset(): void;
}

export function createAutoframe(
  tuning: Partial<AutoframeOptions> = {},
  kernels: AutoframeKernels = referenceKernels(),
): AutoframeStage {
  const options: AutoframeOptions = { ...defaultAutoframeOptions, ...tuning };
  const cx = createAxis(0), cy = createAxis(0), cw = createAxis(0);
  const target: CropGoal = { cx: 0, cy: 0, width: 0 };
  const crop: CropRect = { x: 0, y: 0, width: 0, height: 0 };
  const box = new Float64Array(4);
  let width = 0, height = 0, aspect = 1, full = 0;
  let outWidth = 0, outHeight = 0;
  let cols = new Int32Array(0), rows = new Int32Array(0);
  let scratch: CropScratch = createCropScratch(0, 0);
  let outFrame: Frame | undefined;
  let outAlpha: Uint8Array = new Uint8Array(0);
  let last: number | undefined;
  let lastSeen = -Infinity;

  const atRest = (axis: Axis, value: number) => Object.assign(axis, createAxis(value));
  /** The whole frame, as a crop of the output's aspect (the frame itself when they agree). */
  const whole = () => {
    crop.width = full;
    crop.height = full === width ? height : full / aspect;
    crop.x = (width - crop.width) / 2;
    crop.y = (height - crop.height) / 2;
  };
  const reset = () => {
    atRest(cx, width / 2);
    atRest(cy, height / 2);
    atRest(cw, full);
    last = undefined;
    lastSeen = -Infinity;
    whole();
  };
  const resize = (w: number, h: number, a: number) => {
    width = w;
    height = h;
    aspect = a;
    full = Math.min(w, h * a);
    cols = new Int32Array(Math.ceil(w / STEP));
    rows = new Int32Array(Math.ceil(h / STEP));
    reset();
  };
  const cropping = () =>
    crop.x !== 0 || crop.y !== 0 || crop.width !== width || crop.height !== height;

  const update = (
    alpha: Uint8Array,
    w: number,
    h: number,
    at: number,
    settings: AutoframeSettings,
    outAspect = w / h,
  ): CropRect => {
    if (w !== width || h !== height || outAspect !== aspect) resize(w, h, outAspect);
    if (!(settings.zoom >= 1)) {
      throw new RangeError(`autoframe zoom: expected a number of at least 1, got ${settings.zoom}`);
    }
    // A clock that stepped back (a looped file) counts as no time passed.
    const dt = last === undefined ? 0 : Math.max(0, at - last) / 1000;
    last = at;
    let seen = false;
    if (settings.on) {
      seen = maskBox(alpha, w, h, STEP, MASK_CUT, MIN_SAMPLES, cols, rows, box) > 0;
      if (seen) lastSeen = at;
    }
    // Nobody for a while, or off: the whole frame, exactly. Nobody for a moment (the
    // mask missed the person for a frame): hold.
    if (seen || !settings.on || at - lastSeen >= options.lostMs) {
      frameTarget(seen ? box : undefined, w, h, settings.zoom, options, target, aspect);
      const exact = !seen;
      const size = cw.goal;
      const zone = (dead: number) => ({
        dead: dead * size,
        jump: JUMP * size,
        near: NEAR * size,
        exact,
      });
      retarget(cx, target.cx, dt, zone(options.deadZone));
      retarget(cy, target.cy, dt, zone(options.deadZone / aspect));
      retarget(cw, target.width, dt, zone(options.zoomDeadZone));
    } else {
      cx.gv = cy.gv = cw.gv = 0;
    }
    springStep(cx, options.omega, dt);
    springStep(cy, options.omega, dt);
    springStep(cw, options.omega, dt);
    const cropW = clamp(cw.x, 1, full), cropH = Math.min(h, cropW / aspect);
    crop.width = cropW;
    crop.height = cropH;
    crop.x = clamp(cx.x - cropW / 2, 0, w - cropW);
    crop.y = clamp(cy.x - cropH / 2, 0, h - cropH);
    if (
      Math.abs(full - cropW) < SNAP && Math.abs(crop.x - (w - cropW) / 2) < SNAP &&
      Math.abs(crop.y - (h - cropH) / 2) < SNAP
    ) {
      whole();
    }
    return crop;
  };

  return {
    update,
    apply(frame, alpha, at, settings, ow = frame.width, oh = frame.height) {
      update(alpha, frame.width, frame.height, at, settings, ow / oh);
      const sameSize = ow === frame.width && oh === frame.height;
      if (!cropping() && sameSize) return { frame, alpha };
      if (ow !== outWidth || oh !== outHeight) {
        outWidth = ow;
        outHeight = oh;
        scratch = createCropScratch(ow, oh);
        outFrame = undefined;
        outAlpha = kernels.plane(ow * oh);
      }
      if (outFrame === undefined || outFrame.channels !== frame.channels) {
        outFrame = kernels.frame(ow, oh, frame.channels);
      }
      kernels.cropResize(frame, crop, outFrame, scratch);
      kernels.cropResizePlane(alpha, width, height, crop, outAlpha, ow, oh, scratch);
      return { frame: outFrame, alpha: outAlpha };
    },
    get crop() {
      return crop;
    },
    get cropping() {
      return cropping();
    },
    get zoom() {
      return crop.width > 0 ? full / crop.width : 1;
    },
    reset,
  };
}
