import type { CountryCode } from './types.js';

/** International dialling code per country we stock. */
export const DIAL_CODE: Readonly<Record<CountryCode, string>> = { US: '1', CA: '1', GB: '44' };

export function toE164(country: CountryCode, national: string): string {
  return '+' + DIAL_CODE[country] + national;
}

/** NANP `(415) 555-0100`; GB national format with the trunk 0 (`020 7946 0123`, `0161 496 0123`, `07700 900123`). */
export function friendlyName(country: CountryCode, national: string): string {
  if (country !== 'GB') return `(${national.slice(0, 3)}) ${national.slice(3, 6)}-${national.slice(6)}`;
  if (national.startsWith('7')) return `0${national.slice(0, 4)} ${national.slice(4)}`;
  if (national.startsWith('2')) return `0${national.slice(0, 2)} ${national.slice(2, 6)} ${national.slice(6)}`;
  return `0${national.slice(0, 3)} ${national.slice(3, 6)} ${national.slice(6)}`;
}

/**
 * Splits an E.164 number into dial code and national number, for the countries we stock.
 * Accepts a bare 10-digit NANP number too, since Twilio's In* filters take "a phone number".
 */
export function splitE164(raw: string): { dial: string; national: string } | undefined {
  const s = raw.trim();
  if (/^\+1[2-9]\d{9}$/.test(s)) return { dial: '1', national: s.slice(2) };
  if (/^1[2-9]\d{9}$/.test(s)) return { dial: '1', national: s.slice(1) };
  if (/^[2-9]\d{9}$/.test(s)) return { dial: '1', national: s };
  if (/^\+44[1-9]\d{9}$/.test(s)) return { dial: '44', national: s.slice(3) };
  return undefined;
}

/** Great-circle distance in statute miles. */
export function milesBetween(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 3958.8 * 2 * Math.asin(Math.min(1, Math.sqrt(a)));
}
