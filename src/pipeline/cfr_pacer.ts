/**
 * Real time in recordings. A recording is encoded at a constant frame rate, but live
 * frames arrive when the camera and the machine allow: 26 a second on a busy laptop,
 * a gap while a camera reconnects. Stamping them at a fixed rate would make the file
 * play too fast (742 frames over 31 s of wall time became a 24.7 s file). Instead each
 * frame goes to the slot of the constant-rate timeline its capture time falls in: a
 * frame that covers several slots is repeated, one that shares its slot with an earlier
 * frame is skipped. The file then lasts as long as the recording did, and audio taken
 * from the same input stays in sync.
 *
 * A file input hands frames over with their own timestamps (SourceFrame.timestamp), so
 * its recording follows the file's timeline, not the wall clock: the seconds spent
 * starting up pad nothing, and a frame dropped while the machine was busy is covered
 * by repeating the one before. `room` caps a frame's repeats, so that `--frames N` is
 * N frames in the file.
 */
export class CfrPacer {
  readonly #msPerFrame: number;
  readonly #maxRepeat: number;
  #origin = NaN;
  #lastSlot = -1;

  /**
   * @param fps the recording's frame rate
   * @param maxGapSeconds longest gap filled by repeating a frame (a stalled input):
   *   beyond it the timeline skips ahead rather than writing minutes of one picture.
   */
  constructor(fps: number, maxGapSeconds = 10) {
    if (!(fps > 0)) throw new RangeError(`pacer: expected a frame rate > 0, got ${fps}`);
    this.#msPerFrame = 1000 / fps;
    this.#maxRepeat = Math.max(1, Math.round(maxGapSeconds * fps));
  }

  /**
   * How many times to write the frame captured at `capturedAt` (ms): 0, 1 or more, at
   * most `room` (the timeline then resumes after the slots written).
   */
  repeats(capturedAt: number, room = Infinity): number {
    if (Number.isNaN(this.#origin)) this.#origin = capturedAt;
    // The nearest slot: a frame 0.4 slots late still takes its own slot.
    const slot = Math.round((capturedAt - this.#origin) / this.#msPerFrame);
    const count = slot - this.#lastSlot;
    if (count <= 0) return 0;
    this.#lastSlot = slot;
    return Math.max(0, Math.min(count, this.#maxRepeat, room));
  }

  /** Slots written so far: the recording's length is slots / fps. */
  get slots(): number {
    return this.#lastSlot + 1;
  }
}
