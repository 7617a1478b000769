// Form and query parameters arrive as strings (or arrays of strings when repeated). These helpers turn one
// parameter into a typed value or a Twilio error, so route handlers only ever see validated values.
import { badRequest } from './errors.js';
import type { HttpMethod } from '../store/records.js';

export type RawParams = Record<string, string | string[] | undefined>;

// Bodies can also arrive as JSON (the server accepts it), where values may be numbers, booleans, objects or
// null: scalars read as their text, anything else is a 400 rather than a crash further in.
function text(name: string, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw badRequest(21000, `${name} must be a string`);
}

export function str(p: RawParams, name: string): string | undefined {
  const v: unknown = p[name];
  return text(name, Array.isArray(v) ? v[v.length - 1] : v);
}

export function list(p: RawParams, name: string): string[] {
  const v: unknown = p[name];
  const all: unknown[] = Array.isArray(v) ? v : [v];
  return all.map((x) => text(name, x)).filter((x): x is string => x !== undefined);
}

export function bool(p: RawParams, name: string, code = 21000): boolean | undefined {
  const v = str(p, name);
  if (v === undefined || v === '') return undefined;
  const l = v.toLowerCase();
  if (l === 'true') return true;
  if (l === 'false') return false;
  throw badRequest(code, `${name} must be true or false, got '${v}'`);
}

export function method(p: RawParams, name: string, code = 21000): HttpMethod | undefined {
  const v = str(p, name);
  if (v === undefined || v === '') return undefined;
  const u = v.toUpperCase();
  if (u === 'GET' || u === 'POST') return u;
  throw badRequest(code, `${name} must be GET or POST, got '${v}'`);
}

/** A webhook URL: absolute http(s) with a host. Empty string means "clear it". */
export function url(p: RawParams, name: string, code = 21502): string | null | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (v === '') return null;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw badRequest(code, `${name} is not a valid URL: ${v}`);
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.hostname === '') {
    throw badRequest(code, `${name} must be an http or https URL: ${v}`);
  }
  return v;
}

export function intParam(p: RawParams, name: string, min: number, max: number, code = 21000): number | undefined {
  const v = str(p, name);
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw badRequest(code, `${name} must be an integer from ${min} to ${max}, got '${v}'`);
  return n;
}

const E164 = /^\+[1-9]\d{6,14}$/;

/** Accepts E.164 and the usual human spellings of a number (spaces, dashes, parentheses, a bare 10-digit NANP). */
export function normalizePhoneNumber(raw: string): string | null {
  const trimmed = raw.trim();
  if (/[^\d+\s\-().]/.test(trimmed)) return null;
  let digits = trimmed.replace(/[\s\-().]/g, '');
  if (!digits.startsWith('+')) {
    if (/^\d{10}$/.test(digits)) digits = '+1' + digits;
    else if (/^1\d{10}$/.test(digits)) digits = '+' + digits;
    else return null;
  }
  return E164.test(digits) ? digits : null;
}

/** A list filter on numbers: digits matched anywhere, `*` standing for any one digit (Twilio's PhoneNumber and ShortCode filters). */
export function partialNumberPattern(filter: string): RegExp {
  return new RegExp(filter.replace(/[^\d*+]/g, '').replace(/\+/g, '\\+').replace(/\*/g, '\\d'));
}

/**
 * The webhook URLs and their methods of a resource's form (a number's, an application's, a Messaging Service's), each
 * named [FormParam, settingsKey], written into `into` when given: URLs as `url` reads them (21502; "" clears), methods
 * as `method` does (21000).
 */
export function readWebhooks<S extends object>(
  p: RawParams,
  into: S,
  urls: readonly (readonly [string, keyof S])[],
  methods: readonly (readonly [string, keyof S])[],
): void {
  const out = into as Record<keyof S, unknown>;
  for (const [param, key] of urls) {
    const v = url(p, param, 21502);
    if (v !== undefined) out[key] = v;
  }
  for (const [param, key] of methods) {
    const v = method(p, param, 21000);
    if (v !== undefined) out[key] = v;
  }
}
