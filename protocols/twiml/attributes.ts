import type { XmlElement } from './document.js';
import { TwimlCode, TwimlProblem } from './errors.js';

export type HttpMethod = 'GET' | 'POST';

/** Per-document settings shared by the attribute readers. */
export interface ParseContext {
  /** The URL the document was fetched from; relative URLs in it resolve against this. */
  readonly base: URL | undefined;
}

/** The document URL is parsed only if a relative URL needs it: most replies have none. */
class LazyContext implements ParseContext {
  private parsed: URL | undefined | null = null;

  constructor(private readonly documentUrl: string | undefined) {}

  get base(): URL | undefined {
    if (this.parsed === null) this.parsed = this.documentUrl === undefined ? undefined : new URL(this.documentUrl);
    return this.parsed;
  }
}

export function makeContext(documentUrl: string | undefined): ParseContext {
  return new LazyContext(documentUrl);
}

// Empty attribute values count as absent: Twilio's helper libraries never emit them, and
// treating `action=""` as "use the default" is kinder than failing the call.
export function attr(el: XmlElement, name: string): string | undefined {
  const raw = el.attrs[name];
  if (raw === undefined) return undefined;
  const value = raw.trim();
  return value === '' ? undefined : value;
}

function fail(el: XmlElement, name: string, value: string, code: number, expected: string): never {
  throw new TwimlProblem(code, `<${el.name}> ${name}="${value}" is invalid: ${expected}`);
}

export function method(el: XmlElement, name: string, code: number, fallback: HttpMethod = 'POST'): HttpMethod {
  const value = attr(el, name);
  if (value === undefined) return fallback;
  const upper = value.toUpperCase();
  if (upper === 'GET' || upper === 'POST') return upper;
  return fail(el, name, value, code, 'must be GET or POST');
}

const DIGITS = /^\d{1,9}$/;

/** A whole number >= min (9 digits at most, so it stays a safe integer). */
export function integer(el: XmlElement, name: string, code: number, fallback: number, min = 0): number {
  const value = attr(el, name);
  if (value === undefined) return fallback;
  if (!DIGITS.test(value)) return fail(el, name, value, code, `must be a whole number >= ${min}`);
  const n = Number(value);
  if (n < min) return fail(el, name, value, code, `must be a whole number >= ${min}`);
  return n;
}

export function optionalInteger(el: XmlElement, name: string, code: number, min = 0): number | undefined {
  return attr(el, name) === undefined ? undefined : integer(el, name, code, 0, min);
}

export function boolean(el: XmlElement, name: string, code: number, fallback: boolean): boolean {
  const value = attr(el, name);
  if (value === undefined) return fallback;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  return fail(el, name, value, code, 'must be true or false');
}

export function oneOf<T extends string>(el: XmlElement, name: string, allowed: readonly T[], code: number, fallback: T): T {
  const value = attr(el, name);
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  return fail(el, name, value, code, `must be one of ${allowed.join(', ')}`);
}

/** Space- or comma-separated words from a fixed set, e.g. statusCallbackEvent="initiated ringing". */
export function wordList<T extends string>(
  el: XmlElement,
  name: string,
  allowed: readonly T[],
  code: number,
  fallback: readonly T[],
): T[] {
  const value = attr(el, name);
  if (value === undefined) return [...fallback];
  const words = value.split(/[\s,]+/).filter((w) => w !== '');
  const out: T[] = [];
  for (const word of words) {
    if (!(allowed as readonly string[]).includes(word)) {
      return fail(el, name, value, code, `each word must be one of ${allowed.join(', ')}`);
    }
    if (!out.includes(word as T)) out.push(word as T);
  }
  return out;
}

/** Keys a caller may press: finishOnKey, and Record's set of stop keys. */
export function keys(el: XmlElement, name: string, code: number, fallback: string, maxLength: number): string {
  const raw = el.attrs[name];
  if (raw === undefined) return fallback;
  const value = raw.trim();
  // An explicit empty finishOnKey is meaningful: no key ends the input.
  if (value.length > maxLength || !/^[0-9#*]*$/.test(value)) {
    return fail(el, name, value, code, 'must be made of the keys 0-9, # and *');
  }
  return value;
}

/**
 * A URL from an attribute or element text. Relative references resolve against the document's
 * URL when it is known; absolute ones are kept verbatim because they are signed as written.
 */
export function url(ctx: ParseContext, el: XmlElement, label: string, value: string, code: number): string {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(value)) {
    if (!/^https?:\/\//i.test(value) || !URL.canParse(value)) {
      return fail(el, label, value, code, 'must be an http or https URL');
    }
    return value;
  }
  if (ctx.base === undefined) return value;
  if (!URL.canParse(value, ctx.base.href)) return fail(el, label, value, code, 'is not a valid URL');
  return new URL(value, ctx.base).href;
}

export function optionalUrl(ctx: ParseContext, el: XmlElement, name: string, code: number): string | undefined {
  const value = attr(el, name);
  return value === undefined ? undefined : url(ctx, el, name, value, code);
}

/** Phone number shape check after removing the punctuation people write in numbers. */
export function isDialableNumber(value: string): boolean {
  return /^\+?\d{2,15}$/.test(value.replace(/[\s().-]/g, ''));
}

/** A `<Parameter name value/>` (of a <Client> or a <Stream>) as [name, value]; a missing value is ''. */
export function parameter(el: XmlElement): [string, string] {
  const name = attr(el, 'name');
  if (name === undefined) throw new TwimlProblem(TwimlCode.SchemaValidation, '<Parameter> needs a name');
  return [name, el.attrs['value'] ?? ''];
}
