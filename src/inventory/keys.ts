import type { CountryCode, NumberType } from './types.js';

/**
 * LMDB key layouts. Every key starts with a three-letter space (`USL` = US local, `UST` toll-free,
 * `GBM` GB mobile…) so one country/type is one contiguous range.
 *
 * - numbers: `USL4155550123` — one per available number, in national-number order.
 * - suffixes: `USL50123 41555` — one per starting position of the national number that leaves at
 *   least two digits (Contains needs two): the digits from that position, a space, then the digits
 *   before it. "Contains 50123" is one prefix scan on `USL50123`; the space sorts before every digit,
 *   so `USL50123 ` is the exact-suffix range a `$` anchor needs, and the length after the space is
 *   the position the match starts at.
 */

const TYPE_LETTER: Readonly<Record<NumberType, string>> = { local: 'L', tollFree: 'T', mobile: 'M' };

export function spaceOf(country: CountryCode | string, type: NumberType): string {
  return country + TYPE_LETTER[type];
}

/** Sorts after every key that starts with `prefix` (keys hold only digits, letters and spaces). */
export function rangeEnd(prefix: string): string {
  return prefix + '~';
}

export function numberKey(space: string, national: string): string {
  return space + national;
}

export function nationalOfNumberKey(key: string): string {
  return key.slice(3);
}

/** Every stocked national number is a six-digit block prefix plus a four-digit line. */
export const NATIONAL_DIGITS = 10;

export function suffixKeys(space: string, national: string): string[] {
  const keys: string[] = [];
  for (let i = 0; i <= national.length - 2; i++) keys.push(space + national.slice(i) + ' ' + national.slice(0, i));
  return keys;
}

/** The national number and the position its suffix starts at. */
export function parseSuffixKey(key: string): { national: string; position: number } {
  const sp = key.indexOf(' ', 3);
  return { national: key.slice(sp + 1) + key.slice(3, sp), position: key.length - sp - 1 };
}
