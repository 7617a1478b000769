import type { CountryCode, NumberType } from './types.js';

/**
 * LMDB key layouts. Every key starts with a three-letter space (`USL` = US local, `UST` toll-free,
 * `GBM` GB mobile…) so one country/type is one contiguous range.
 *
 * - numbers: `USL4155550123` — one per available number, in national-number order.
 * - suffixes: `USL415` + `50123 555` — for each starting position from the fourth digit on, the
 *   number's first three digits (its area code), the digits from that position, a space, then the
 *   digits in between. "Contains 50123 in area code 415" is one prefix scan on `USL41550123`; the
 *   space sorts before every digit, so `USL41550123 ` is the exact-suffix range a `$` anchor needs.
 *   Matches starting inside the area code itself come from the numbers index (see search.ts).
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

/** Where suffix keys start: the area-code digits before it are the partition, not a suffix. */
export const SUFFIX_FROM = 3;

/** Suffix keys for every starting position after the area code that leaves two digits (Contains needs two). */
export function suffixKeys(space: string, national: string): string[] {
  const keys: string[] = [];
  const npa = national.slice(0, SUFFIX_FROM);
  for (let i = SUFFIX_FROM; i <= national.length - 2; i++) {
    keys.push(space + npa + national.slice(i) + ' ' + national.slice(SUFFIX_FROM, i));
  }
  return keys;
}

export function nationalOfSuffixKey(key: string): string {
  const sp = key.indexOf(' ', 3 + SUFFIX_FROM);
  return key.slice(3, 3 + SUFFIX_FROM) + key.slice(sp + 1) + key.slice(3 + SUFFIX_FROM, sp);
}
