import { parseContains } from './pattern.js';
import type { NumberType, SearchQuery } from './types.js';

export type RawQuery = Record<string, string | string[] | undefined>;

export type QueryParse =
  | { ok: true; query: SearchQuery }
  | { ok: false; code: number; status: 400; message: string };

/**
 * How many numbers a search returns when the caller sends no PageSize. Twilio documents 50 for list
 * pages, but AvailablePhoneNumbers answers with at most 30 in practice (and has no paging), so 30
 * keeps clients that show "the first page" seeing what they see against Twilio.
 */
export const DEFAULT_PAGE_SIZE = 30;
/** The spec's PageSize maximum; larger values are clamped, like the list endpoints. */
export const MAX_PAGE_SIZE = 1000;
export const MAX_DISTANCE_MILES = 500;

/**
 * Error codes (all HTTP 400):
 * - 21451 "Invalid area code": AreaCode not a NANP NPA, or sent for a country outside the NANP.
 * - 21421 "Phone Number is invalid": NearNumber that is not a phone number, and a Contains pattern
 *   that breaks Twilio's pattern rules (Contains describes a phone number; Twilio's error list has no
 *   pattern-specific code, and this is the phone-number validation code of the numbers API).
 * - 20001 "Invalid parameter": any other malformed value (booleans, Distance, NearLatLong, PageSize,
 *   InRateCenter without InLata).
 */
export const INVALID_AREA_CODE = 21451;
export const INVALID_PHONE_NUMBER = 21421;
export const INVALID_PARAMETER = 20001;

const NUMBER_TYPES: Readonly<Record<string, NumberType>> = { local: 'local', tollfree: 'tollFree', mobile: 'mobile' };

/** Maps the URL segment (`Local`, `TollFree`, `Mobile`) to a number type; undefined for others. */
export function numberTypeOfPath(segment: string): NumberType | undefined {
  return NUMBER_TYPES[segment.replace(/\.json$/, '').toLowerCase()];
}

class Invalid extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

function single(raw: RawQuery, name: string): string | undefined {
  const v = raw[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

function bool(raw: RawQuery, name: string): boolean | undefined {
  const v = single(raw, name);
  if (v === undefined) return undefined;
  const lower = v.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new Invalid(INVALID_PARAMETER, `${name} must be true or false, got '${v}'`);
}

function integer(raw: RawQuery, name: string, min: number): number | undefined {
  const v = single(raw, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new Invalid(INVALID_PARAMETER, `${name} must be an integer of at least ${min}, got '${v}'`);
  return Number(v);
}

export function parseSearchQuery(country: string, type: NumberType, raw: RawQuery): QueryParse {
  try {
    return { ok: true, query: build(country.toUpperCase(), type, raw) };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, code: err.code, status: 400, message: err.message };
    throw err;
  }
}

function build(country: string, type: NumberType, raw: RawQuery): SearchQuery {
  const nanp = country === 'US' || country === 'CA';
  const q: SearchQuery = { country, type, pageSize: Math.min(integer(raw, 'PageSize', 1) ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE) };

  const areaCode = single(raw, 'AreaCode');
  if (areaCode !== undefined) {
    if (!nanp || !/^[2-9]\d\d$/.test(areaCode)) throw new Invalid(INVALID_AREA_CODE, `Invalid area code: '${areaCode}'`);
    q.areaCode = areaCode;
  }

  const contains = single(raw, 'Contains');
  if (contains !== undefined) {
    const parsed = parseContains(contains);
    if (!parsed.ok) throw new Invalid(INVALID_PHONE_NUMBER, `Contains '${contains}' is not a valid pattern: ${parsed.reason}`);
    q.contains = contains;
  }

  const text = (name: string): string | undefined => single(raw, name);
  const inRegion = text('InRegion');
  const inLocality = text('InLocality');
  const inPostalCode = text('InPostalCode');
  const inRateCenter = text('InRateCenter');
  const inLata = text('InLata');
  if (inRateCenter !== undefined && inLata === undefined) throw new Invalid(INVALID_PARAMETER, 'InRateCenter requires InLata');
  if (inRegion !== undefined) q.inRegion = inRegion;
  if (inLocality !== undefined) q.inLocality = inLocality;
  if (inPostalCode !== undefined) q.inPostalCode = inPostalCode;
  if (inRateCenter !== undefined) q.inRateCenter = inRateCenter;
  if (inLata !== undefined) q.inLata = inLata;

  const nearNumber = text('NearNumber');
  if (nearNumber !== undefined) {
    if (!/^\+?[1-9]\d{9,14}$/.test(nearNumber)) throw new Invalid(INVALID_PHONE_NUMBER, `NearNumber '${nearNumber}' is not a valid phone number`);
    q.nearNumber = nearNumber;
  }
  const nearLatLong = text('NearLatLong');
  if (nearLatLong !== undefined) {
    const parts = nearLatLong.split(',').map((s) => s.trim());
    const [lat, lon] = parts.map(Number);
    const valid = parts.length === 2 && parts.every((s) => /^-?\d+(\.\d+)?$/.test(s)) &&
      lat !== undefined && lon !== undefined && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
    if (!valid) throw new Invalid(INVALID_PARAMETER, `NearLatLong must be 'latitude,longitude', got '${nearLatLong}'`);
    q.nearLatLong = `${lat},${lon}`;
  }
  const distance = integer(raw, 'Distance', 0);
  if (distance !== undefined) q.distance = Math.min(distance, MAX_DISTANCE_MILES);

  const flags = [
    ['SmsEnabled', 'smsEnabled'], ['VoiceEnabled', 'voiceEnabled'], ['MmsEnabled', 'mmsEnabled'], ['FaxEnabled', 'faxEnabled'],
    ['ExcludeAllAddressRequired', 'excludeAllAddressRequired'],
    ['ExcludeLocalAddressRequired', 'excludeLocalAddressRequired'],
    ['ExcludeForeignAddressRequired', 'excludeForeignAddressRequired'],
  ] as const;
  for (const [param, field] of flags) {
    const v = bool(raw, param);
    if (v !== undefined) q[field] = v;
  }
  // Beta=false would hide numbers new to the platform; every stocked number has beta=false, so the
  // value only needs to be well-formed.
  bool(raw, 'Beta');
  return q;
}
