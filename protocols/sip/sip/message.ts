// RFC 3261 message codec: parses bytes from the wire (or text from srf) into a SipMessage
// that keeps header order and original names, and serialises back with a byte-exact
// Content-Length. Every parse failure is a SipParseError; nothing else may escape.
import sipReasons from 'sip-status';

export class SipParseError extends Error {
  override name = 'SipParseError';
}

export const LIMITS = {
  maxMessageBytes: 65_535,
  maxHeaders: 200,
  maxHeaderLineBytes: 8_192,
} as const;

const COMPACT: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
  i: 'call-id', m: 'contact', e: 'content-encoding', l: 'content-length', c: 'content-type',
  f: 'from', s: 'subject', k: 'supported', t: 'to', v: 'via', o: 'event', r: 'refer-to',
  b: 'referred-by', u: 'allow-events', x: 'session-expires', a: 'accept-contact', j: 'reject-contact',
  d: 'request-disposition', y: 'identity', n: 'identity-info',
});

/** Headers whose values may legally be comma-joined lists (RFC 3261 §7.3.1). */
const LIST_HEADERS = new Set(['via', 'route', 'record-route', 'contact', 'allow', 'supported', 'require']);

/** Header names repeat endlessly; memoise their canonical form (bounded, since peers choose names). */
const canonicalCache = new Map<string, string>();

export function canonicalName(name: string): string {
  const hit = canonicalCache.get(name);
  if (hit !== undefined) return hit;
  const lower = name.trim().toLowerCase();
  const canon = COMPACT[lower] ?? lower;
  if (canonicalCache.size < 2_000) canonicalCache.set(name, canon);
  return canon;
}

export interface SipHeader { name: string; value: string }

export class SipMessage {
  method = '';
  uri = '';
  status = 0;
  reason = '';
  headers: SipHeader[] = [];
  body: Buffer = Buffer.alloc(0);

  get isRequest(): boolean { return this.method !== ''; }

  static request(method: string, uri: string): SipMessage {
    const m = new SipMessage();
    m.method = method;
    m.uri = uri;
    return m;
  }

  static response(status: number, reason: string): SipMessage {
    const m = new SipMessage();
    m.status = status;
    m.reason = reason;
    return m;
  }

  get(name: string): string | undefined {
    const key = canonicalName(name);
    return this.headers.find((h) => canonicalName(h.name) === key)?.value;
  }

  has(name: string): boolean { return this.get(name) !== undefined; }

  /** Every value of a header, list headers split on top-level commas. */
  getAll(name: string): string[] {
    const key = canonicalName(name);
    const out: string[] = [];
    for (const h of this.headers) {
      if (canonicalName(h.name) !== key) continue;
      if (LIST_HEADERS.has(key)) out.push(...splitList(h.value));
      else out.push(h.value);
    }
    return out;
  }

  remove(name: string): this {
    const key = canonicalName(name);
    this.headers = this.headers.filter((h) => canonicalName(h.name) !== key);
    return this;
  }

  set(name: string, value: string): this {
    const key = canonicalName(name);
    const idx = this.headers.findIndex((h) => canonicalName(h.name) === key);
    this.remove(name);
    if (idx >= 0) this.headers.splice(Math.min(idx, this.headers.length), 0, { name, value });
    else this.headers.push({ name, value });
    return this;
  }

  add(name: string, value: string): this {
    this.headers.push({ name, value });
    return this;
  }

  prepend(name: string, value: string): this {
    this.headers.unshift({ name, value });
    return this;
  }

  clone(): SipMessage {
    const m = new SipMessage();
    Object.assign(m, { method: this.method, uri: this.uri, status: this.status, reason: this.reason });
    m.headers = this.headers.map((h) => ({ ...h }));
    m.body = this.body;
    return m;
  }

  /** Wire form; Content-Length is always recomputed from the body's bytes. */
  serialize(): Buffer {
    const start = this.isRequest ? `${this.method} ${this.uri} SIP/2.0` : `SIP/2.0 ${this.status} ${this.reason}`;
    const lines = [start];
    for (const h of this.headers) {
      if (canonicalName(h.name) === 'content-length') continue;
      lines.push(`${h.name}: ${h.value}`);
    }
    lines.push(`Content-Length: ${this.body.length}`);
    const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'utf8');
    return this.body.length ? Buffer.concat([head, this.body]) : head;
  }

  toString(): string { return this.serialize().toString('utf8'); }
}

/** Split a header value on commas that are outside quotes and angle brackets. */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (quoted) {
      if (ch === '\\' && i + 1 < value.length) { cur += ch + value[++i]; continue; }
      if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '<') depth++;
    else if (ch === '>') depth = Math.max(0, depth - 1);
    else if (ch === ',' && depth === 0) { if (cur.trim()) out.push(cur.trim()); cur = ''; continue; }
    cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

export interface ParseOptions {
  /** srf computes Content-Length from JS string length; take the body as everything after the blank line. */
  bodyIsRemainder?: boolean;
  /** A datagram must hold the whole body; on a stream the framer has already cut it. */
  requireFullBody?: boolean;
}

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

/** Parse one complete SIP message. Throws SipParseError only. */
export function parseSipMessage(input: Buffer | string, opts: ParseOptions = {}): SipMessage {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  if (buf.length > LIMITS.maxMessageBytes) throw new SipParseError('message too large');
  let offset = 0;
  // RFC 3261 §7.5: ignore CRLFs before the start line (keepalives on streams)
  while (offset < buf.length && (buf[offset] === 0x0d || buf[offset] === 0x0a)) offset++;
  let headEnd = buf.indexOf('\r\n\r\n', offset);
  let sepLen = 4;
  if (headEnd < 0) {
    headEnd = buf.indexOf('\n\n', offset);
    sepLen = 2;
  }
  if (headEnd < 0) throw new SipParseError('no end of headers');
  const head = buf.toString('utf8', offset, headEnd);
  const rest = buf.subarray(headEnd + sepLen);
  const rawLines = head.split(/\r?\n/);
  const lines: string[] = [];
  for (const line of rawLines) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && lines.length > 1) {
      lines[lines.length - 1] += ' ' + line.trim();
    } else lines.push(line);
  }
  if (lines.length - 1 > LIMITS.maxHeaders) throw new SipParseError('too many headers');
  const m = parseStartLine(lines[0] ?? '');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length > LIMITS.maxHeaderLineBytes) throw new SipParseError('header line too long');
    const colon = line.indexOf(':');
    if (colon <= 0) throw new SipParseError('malformed header line');
    const name = line.slice(0, colon).trim();
    if (!TOKEN.test(name)) throw new SipParseError('bad header name');
    m.headers.push({ name, value: line.slice(colon + 1).trim() });
  }
  const clRaw = m.get('content-length');
  if (opts.bodyIsRemainder || clRaw === undefined) {
    m.body = Buffer.from(rest);
  } else {
    if (!/^\d{1,7}$/.test(clRaw)) throw new SipParseError('bad Content-Length');
    const cl = Number(clRaw);
    if (cl > rest.length && opts.requireFullBody !== false) throw new SipParseError('truncated body');
    m.body = Buffer.from(rest.subarray(0, Math.min(cl, rest.length)));
  }
  return m;
}

function parseStartLine(line: string): SipMessage {
  const resp = /^SIP\/2\.0 ([1-6]\d\d)(?: (.*))?$/.exec(line);
  if (resp) return SipMessage.response(Number(resp[1]), (resp[2] ?? '').trim());
  const req = /^([A-Za-z0-9\-.!%*_+`'~]+) (\S+) SIP\/2\.0$/.exec(line);
  if (req) return SipMessage.request(req[1]!.toUpperCase(), req[2]!);
  throw new SipParseError('bad start line');
}

/** Checks the headers every transaction depends on, so later layers can rely on them. */
export function validateForTransaction(m: SipMessage): void {
  if (!m.get('call-id')) throw new SipParseError('missing Call-ID');
  const from = m.get('from');
  const to = m.get('to');
  if (!from || !to) throw new SipParseError('missing From/To');
  const cseq = parseCSeq(m.get('cseq'));
  if (!cseq) throw new SipParseError('bad CSeq');
  if (m.isRequest && cseq.method !== m.method && !(m.method === 'ACK' && cseq.method === 'ACK')) {
    throw new SipParseError('CSeq method mismatch');
  }
  const vias = m.getAll('via');
  if (vias.length === 0 || !parseVia(vias[0]!)) throw new SipParseError('bad Via');
  if (m.isRequest && !parseUri(m.uri) && !/^(tel|sips?):/i.test(m.uri)) throw new SipParseError('bad Request-URI');
}

export interface CSeq { seq: number; method: string }
export function parseCSeq(v: string | undefined): CSeq | undefined {
  const r = v === undefined ? null : /^(\d{1,10})\s+([A-Za-z0-9\-.!%*_+`'~]+)$/.exec(v.trim());
  if (!r) return undefined;
  const seq = Number(r[1]);
  if (seq > 2 ** 31 - 1) return undefined;
  return { seq, method: r[2]!.toUpperCase() };
}

export interface Via { transport: string; host: string; port?: number; params: Map<string, string> }
export function parseVia(v: string): Via | undefined {
  const r = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+(\[[0-9A-Fa-f:.]+\]|[^\s;:]+)(?:\s*:\s*(\d{1,5}))?\s*((?:;.*)?)$/.exec(v.trim());
  if (!r) return undefined;
  return {
    transport: r[1]!.toUpperCase(),
    host: r[2]!,
    ...(r[3] ? { port: Number(r[3]) } : {}),
    params: parseParams(r[4] ?? ''),
  };
}

export function parseParams(s: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of s.split(';')) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf('=');
    if (eq < 0) out.set(p.toLowerCase(), '');
    else out.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim());
  }
  return out;
}

export interface NameAddr { display: string; uri: string; params: Map<string, string> }
/** name-addr or addr-spec with header params (From, To, Contact, Route entries). */
export function parseNameAddr(v: string): NameAddr | undefined {
  const s = v.trim();
  const lt = s.indexOf('<');
  if (lt >= 0) {
    const gt = s.indexOf('>', lt);
    if (gt < 0) return undefined;
    return { display: s.slice(0, lt).trim(), uri: s.slice(lt + 1, gt).trim(), params: parseParams(s.slice(gt + 1)) };
  }
  const semi = s.indexOf(';');
  const uri = semi < 0 ? s : s.slice(0, semi);
  if (!uri) return undefined;
  return { display: '', uri, params: parseParams(semi < 0 ? '' : s.slice(semi)) };
}

export function getTag(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const t = parseNameAddr(v)?.params.get('tag');
  return t ? t : undefined;
}

export function withTag(v: string, tag: string): string {
  return getTag(v) ? v : `${v};tag=${tag}`;
}

export interface SipUri { scheme: string; user?: string; host: string; port?: number; params: Map<string, string> }
export function parseUri(u: string): SipUri | undefined {
  const r = /^(sips?):(?:([^@;?\s]*)@)?(\[[0-9A-Fa-f:.]+\]|[^:;?\s@]+)(?::(\d{1,5}))?((?:;[^?]*)?)(?:\?.*)?$/i.exec(u.trim());
  if (!r) return undefined;
  const port = r[4] ? Number(r[4]) : undefined;
  if (port !== undefined && port > 65535) return undefined;
  return {
    scheme: r[1]!.toLowerCase(),
    ...(r[2] !== undefined ? { user: r[2] } : {}),
    host: r[3]!,
    ...(port !== undefined ? { port } : {}),
    params: parseParams(r[5] ?? ''),
  };
}

/** Top Via's branch; RFC 3261 magic cookie required for our matching rules. */
export function topBranch(m: SipMessage): string | undefined {
  const v = m.getAll('via')[0];
  return v ? parseVia(v)?.params.get('branch') : undefined;
}


/** The standard reason phrase (from sip-status, the table drachtio-srf itself uses). */
export function reasonPhrase(status: number): string {
  return sipReasons[status] ?? 'Unknown';
}

/** RFC 3261 §8.2.6: a response built from a request, copying the transaction-identifying headers. */
export function buildResponse(req: SipMessage, status: number, toTag?: string): SipMessage {
  const res = SipMessage.response(status, reasonPhrase(status));
  for (const h of req.headers) {
    const key = canonicalName(h.name);
    if (key === 'via' || key === 'from' || key === 'call-id' || key === 'cseq') res.add(h.name, h.value);
    else if (key === 'to') res.add(h.name, toTag && status > 100 ? withTag(h.value, toTag) : h.value);
  }
  return res;
}
