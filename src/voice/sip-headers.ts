// Custom SIP headers, both ways. Out: on a <Dial><Sip> URI, as Twilio takes them (`sip:jack@example.com?x-customer=42`
// puts `x-customer: 42` on the INVITE and leaves the Request-URI without it, RFC 3261 §19.1.1), where names must be
// X- headers or one of the few standard ones Twilio passes (anything else is Twilio's warning 13252), and a
// <Client>'s <Parameter>s. In: the X- headers of a SIP message that an app is shown (SipHeader_…, DialSipHeader_…).

/** Standard headers Twilio sends from a <Sip> URI besides X- ones (names matched without regard to case). */
const STANDARD = ['User-to-User', 'Remote-Party-ID', 'P-Preferred-Identity', 'P-Called-Party-ID'];
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

export interface SipUriHeaders {
  /** The URI without its header part: the Request-URI. */
  uri: string;
  headers: Record<string, string>;
  /** Header names left out (not X- and not one Twilio passes, or not a SIP token, or a value with a line break). */
  refused: string[];
}

/** A header tandem may put on the wire: a SIP token for a name, and no line break in the value. */
function sendable(name: string, value: string): boolean {
  return TOKEN.test(name) && !/[\r\n]/.test(value);
}

export function sipUriHeaders(uri: string): SipUriHeaders {
  const at = uri.indexOf('?');
  if (at < 0) return { uri, headers: {}, refused: [] };
  const headers: Record<string, string> = {};
  const refused: string[] = [];
  for (const pair of uri.slice(at + 1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = decode(eq < 0 ? '' : pair.slice(eq + 1));
    const standard = STANDARD.find((s) => s.toLowerCase() === name.toLowerCase());
    if (sendable(name, value) && (standard !== undefined || /^x-/i.test(name))) headers[standard ?? name] = value;
    else refused.push(name);
  }
  return { uri: uri.slice(0, at), headers, refused };
}

/** A client's `<Parameter>`s as X- headers for its SIP device (Twilio hands them to its Voice SDK); unsendable ones are left out. */
export function clientHeaders(parameters: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(parameters)) {
    if (sendable(name, value)) headers[/^x-/i.test(name) ? name : `X-${name}`] = value;
  }
  return headers;
}

/** Custom headers shown to an app from one message, at most this many, each value at most 1,024 characters. */
const MAX_CUSTOM_HEADERS = 20;

/**
 * The X- headers of a SIP message as drachtio-srf gives it (names as sent), for an app to see: Twilio's own
 * (X-Twilio-…) and any in `ignore` (lower case) left out.
 */
export function xHeadersOf(msg: unknown, ignore: ReadonlySet<string> = new Set()): Record<string, string> {
  const out: Record<string, string> = {};
  let n = 0;
  for (const [name, value] of Object.entries((msg as { headers?: Record<string, unknown> } | undefined)?.headers ?? {})) {
    if (!/^x-/i.test(name) || /^x-twilio-/i.test(name) || ignore.has(name.toLowerCase())) continue;
    if (typeof value !== 'string' || n++ >= MAX_CUSTOM_HEADERS) continue;
    out[name] = value.slice(0, 1024);
  }
  return out;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
