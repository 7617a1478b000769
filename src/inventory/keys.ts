import type { CountryCode, NumberType } from './types.js';

/**
 * LMDB key layouts. Every key starts with a three-letter space (`USL` = US local, `UST` toll-free,
 * `GBM` GB mobile…) so one country/type is one contiguous range.
 *
 * - numbers: `USL4155550123` — one per available number, in national-number order.
 * - suffixes: `USL50123 41555` — one per starting position of the national number (suffix, a space,
 *   then the digits before it). A "contains 50123" query becomes a prefix scan on `USL50123`; the
 *   space sorts before every digit, so `USL50123 ` is the exact-suffix range an `$` anchor needs.
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

/** Suffix keys for every starting position that leaves at least two digits (Contains needs two). */
export function suffixKeys(space: string, national: string): string[] {
  const keys: string[] = [];
  for (let i = 0; i <= national.length - 2; i++) keys.push(space + national.slice(i) + ' ' + national.slice(0, i));
  return keys;
}

export function nationalOfSuffixKey(key: string): string {
  const sp = key.indexOf(' ', 3);
  return key.slice(sp + 1) + key.slice(3, sp);
}
