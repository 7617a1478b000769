// The date filters Twilio's lists take: `Name`, `Name<` (on or before) and `Name>` (on or after), each either
// YYYY-MM-DD (the spec) or a full ISO 8601 date-time (what twilio-node sends for dateSentAfter and friends).
import { badRequest } from './errors.js';
import { str, type RawParams } from './params.js';

const DAY = 86_400_000;

function bound(raw: string | undefined, name: string): { day: boolean; t: number } | undefined {
  if (raw === undefined || raw === '') return undefined;
  const day = /^\d{4}-\d{2}-\d{2}$/.test(raw);
  const t = Date.parse(day ? raw + 'T00:00:00Z' : raw);
  if (Number.isNaN(t)) throw badRequest(21000, `${name} must be a date (YYYY-MM-DD) or an ISO 8601 date-time, got '${raw}'`);
  return { day, t };
}

/** A predicate over epoch ms for the `name` filters in `q`; a missing time never matches an active filter. */
export function dateFilter(q: RawParams, name: string): (t: number | null) => boolean {
  const on = bound(str(q, name), name);
  const before = bound(str(q, `${name}<`), `${name}<`);
  const after = bound(str(q, `${name}>`), `${name}>`);
  if (!on && !before && !after) return () => true;
  return (t) => {
    if (t === null) return false;
    if (on && (t < on.t || t >= on.t + (on.day ? DAY : 1000))) return false;
    if (before && t > before.t + (before.day ? DAY - 1 : 0)) return false;
    if (after && t < after.t) return false;
    return true;
  };
}

/** The filters a list was asked for, to carry into its paging URIs. */
export function echoFilters(q: RawParams, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of names) {
    const v = str(q, k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}
