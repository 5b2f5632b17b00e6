import assert from "node:assert/strict";
import { UsageError } from "../../src/errors.ts";
import { parseColor } from "../../src/effects/parse_color.ts";

Deno.test("parseColor() knows the common CSS colour names, any case", () => {
  assert.deepEqual(parseColor("white"), [255, 255, 255]);
  assert.deepEqual(parseColor("black"), [0, 0, 0]);
  assert.deepEqual(parseColor("red"), [255, 0, 0]);
  assert.deepEqual(parseColor("green"), [0, 128, 0]); // CSS green; bright green is lime
  assert.deepEqual(parseColor("lime"), [0, 255, 0]);
  assert.deepEqual(parseColor("Blue"), [0, 0, 255]);
  assert.deepEqual(parseColor("gray"), [128, 128, 128]);
  assert.deepEqual(parseColor(" GREY "), [128, 128, 128]);
  assert.deepEqual(parseColor("orange"), [255, 165, 0]);
});

Deno.test("parseColor() reads #rgb and #rrggbb", () => {
  assert.deepEqual(parseColor("#00ff00"), [0, 255, 0]);
  assert.deepEqual(parseColor("#1A2b3C"), [0x1a, 0x2b, 0x3c]);
  assert.deepEqual(parseColor("#f80"), [255, 136, 0]);
  assert.deepEqual(parseColor("#000"), [0, 0, 0]);
});

Deno.test("parseColor() rejects anything else with a UsageError that says what to type", () => {
  for (const bad of ["", "chartreuse-ish", "#12345", "#gggggg", "00ff00", "toString", "#1234"]) {
    assert.throws(
      () => parseColor(bad),
      (error: unknown) =>
        error instanceof UsageError && error.exitCode === 2 &&
        error.message === `Unknown colour "${bad}"; use a name like green or #00ff00`,
      bad,
    );
  }
});
