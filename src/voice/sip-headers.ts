// Custom SIP headers on a <Dial><Sip> URI, as Twilio takes them: `sip:jack@example.com?x-customer=42&x-tier=gold`
// puts `x-customer: 42` and `x-tier: gold` on the INVITE and leaves the Request-URI without them (RFC 3261 §19.1.1
// headers cannot stay in a Request-URI). Names must be X- headers or one of the few standard ones Twilio passes;
// anything else is refused with Twilio's warning 13252 and left out.

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
    if (TOKEN.test(name) && (standard !== undefined || /^x-/i.test(name)) && !/[\r\n]/.test(value)) headers[standard ?? name] = value;
    else refused.push(name);
  }
  return { uri: uri.slice(0, at), headers, refused };
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
