// SIP digest authentication (RFC 3261 §22 with RFC 2617's MD5 digest, `qop=auth` or none), as a registrar or an
// INVITE's first hop challenges: the challenge to send, the Authorization / Proxy-Authorization header parsed into
// typed credentials, and the check of a response against a password. Nonces carry their own issue time under an
// HMAC of this process's secret, so no nonce table is kept: a nonce is good for NONCE_TTL_MS, and an older one that
// verifies is answered with `stale=true` (the endpoint retries with a new one, without asking its user again).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const NONCE_TTL_MS = 5 * 60_000;

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: string;
  qop: string | null;
  nc: string | null;
  cnonce: string | null;
}

export type DigestCheck = 'ok' | 'stale' | 'bad';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

export class DigestAuthority {
  private readonly secret: Buffer;

  constructor(secret: Buffer = randomBytes(32), private readonly now: () => number = Date.now) {
    this.secret = secret;
  }

  /** The WWW-Authenticate (401) or Proxy-Authenticate (407) value for `realm`. */
  challenge(realm: string, stale = false): string {
    return `Digest realm="${quoteSafe(realm)}", nonce="${this.nonce()}", algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`;
  }

  /** Whether `c` (from a `method` request) was made with `password` on a nonce of ours that is still fresh. */
  check(c: DigestCredentials, method: string, password: string): DigestCheck {
    const issued = this.nonceTime(c.nonce);
    if (issued === undefined) return 'bad';
    if (c.algorithm.toUpperCase() !== 'MD5') return 'bad';
    if (c.qop !== null && (c.qop !== 'auth' || !c.nc || !c.cnonce)) return 'bad';
    const expected = digestResponse(c, method, password);
    const given = Buffer.from(c.response.toLowerCase());
    if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) return 'bad';
    return this.now() - issued > NONCE_TTL_MS ? 'stale' : 'ok';
  }

  private nonce(): string {
    const t = this.now().toString(16);
    return `${t}.${this.sign(t)}`;
  }

  /** When a nonce of ours was issued; undefined for one we did not make. */
  private nonceTime(nonce: string): number | undefined {
    const dot = nonce.indexOf('.');
    if (dot <= 0) return undefined;
    const t = nonce.slice(0, dot);
    const mac = Buffer.from(nonce.slice(dot + 1));
    const want = Buffer.from(this.sign(t));
    if (mac.length !== want.length || !timingSafeEqual(mac, want)) return undefined;
    const issued = parseInt(t, 16);
    return Number.isFinite(issued) ? issued : undefined;
  }

  private sign(t: string): string {
    return createHmac('sha256', this.secret).update(t).digest('base64url').slice(0, 22);
  }
}

/**
 * An Authorization or Proxy-Authorization header's digest credentials; undefined when there is none, it is not a
 * digest, or a field it needs is missing.
 */
export function parseDigest(header: string | undefined): DigestCredentials | undefined {
  if (!header) return undefined;
  const m = /^\s*Digest\s+/i.exec(header);
  if (!m) return undefined;
  const fields = new Map<string, string>();
  const re = /([A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))\s*(?:,|$)/g;
  const rest = header.slice(m[0].length);
  let f: RegExpExecArray | null;
  while ((f = re.exec(rest)) !== null) fields.set(f[1]!.toLowerCase(), f[2] !== undefined ? f[2].replace(/\\(.)/g, '$1') : f[3]!);
  const username = fields.get('username');
  const realm = fields.get('realm');
  const nonce = fields.get('nonce');
  const uri = fields.get('uri');
  const response = fields.get('response');
  if (username === undefined || realm === undefined || !nonce || !uri || !response) return undefined;
  return {
    username,
    realm,
    nonce,
    uri,
    response,
    algorithm: fields.get('algorithm') ?? 'MD5',
    qop: fields.get('qop') ?? null,
    nc: fields.get('nc') ?? null,
    cnonce: fields.get('cnonce') ?? null,
  };
}

/** Digest's own response for a request (what an endpoint computes): for tests and for tandem as a client. */
export function digestResponse(c: Omit<DigestCredentials, 'response' | 'algorithm'>, method: string, password: string): string {
  const ha1 = md5(`${c.username}:${c.realm}:${password}`);
  const ha2 = md5(`${method}:${c.uri}`);
  return c.qop ? md5(`${ha1}:${c.nonce}:${c.nc}:${c.cnonce}:${c.qop}:${ha2}`) : md5(`${ha1}:${c.nonce}:${ha2}`);
}

function quoteSafe(s: string): string {
  return s.replace(/["\\]/g, '');
}
