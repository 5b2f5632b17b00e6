/** `--color`: a CSS colour name or #rgb / #rrggbb, as an RGB triple. */
import { UsageError } from "../errors.ts";

/**
 * The common CSS named colours, with their CSS values: note that CSS "green" is
 * #008000; the bright chroma-key green is "lime" (#00ff00).
 */
const NAMED: Readonly<Record<string, number>> = {
  black: 0x000000,
  white: 0xffffff,
  red: 0xff0000,
  green: 0x008000,
  lime: 0x00ff00,
  blue: 0x0000ff,
  yellow: 0xffff00,
  cyan: 0x00ffff,
  aqua: 0x00ffff,
  magenta: 0xff00ff,
  fuchsia: 0xff00ff,
  gray: 0x808080,
  grey: 0x808080,
  darkgray: 0xa9a9a9,
  darkgrey: 0xa9a9a9,
  lightgray: 0xd3d3d3,
  lightgrey: 0xd3d3d3,
  silver: 0xc0c0c0,
  maroon: 0x800000,
  olive: 0x808000,
  navy: 0x000080,
  purple: 0x800080,
  teal: 0x008080,
  orange: 0xffa500,
  pink: 0xffc0cb,
  brown: 0xa52a2a,
  beige: 0xf5f5dc,
  gold: 0xffd700,
  indigo: 0x4b0082,
  violet: 0xee82ee,
  skyblue: 0x87ceeb,
};

export function parseColor(text: string): [number, number, number] {
  const key = text.trim().toLowerCase();
  let value = Object.hasOwn(NAMED, key) ? NAMED[key] : undefined;
  if (value === undefined) {
    const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(key);
    if (short) {
      value = parseInt(short[1] + short[1] + short[2] + short[2] + short[3] + short[3], 16);
    } else if (/^#[0-9a-f]{6}$/.test(key)) value = parseInt(key.slice(1), 16);
  }
  if (value === undefined) {
    throw new UsageError(`Unknown colour "${text}"; use a name like green or #00ff00`);
  }
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}
