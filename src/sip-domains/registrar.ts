// The registrar of tandem's SIP domains: a REGISTER for user@domain (a softphone, a desk phone, a PBX) is
// challenged with a digest (realm = the domain name), checked against the credential lists mapped to the domain's
// registrations, and its Contact bindings are stored (src/sip-domains/registrations.ts). `<Dial><Sip>` to
// user@domain then rings the devices registered there (src/sip-domains/registered-targets.ts).
//
// Answers: 200 with the user's bindings; 401 with a challenge (none given, or a stale nonce); 403 for a wrong
// password, an unknown user, or a To user other than the one authenticated, and for a domain without SipRegistration
// (Twilio's 32210); 404 for a domain tandem does not have; 423 for an Expires under MIN_EXPIRES_S; 400 for a
// REGISTER it cannot read.
import { isIP } from 'node:net';
import type Srf from 'drachtio-srf';
import { parseDigest, type DigestAuthority } from '../../protocols/sip/digest.js';
import { parseNameAddr, parseUri } from '../../protocols/sip/sip/message.js';
import type { Logger } from '../logger.js';
import type { SipDomainRecord } from '../store/records.js';
import type { Registrations } from './registrations.js';
import type { SipDomainStore } from './store.js';

export const DEFAULT_EXPIRES_S = 3600;
export const MAX_EXPIRES_S = 3600;
export const MIN_EXPIRES_S = 60;

export interface RegistrarDeps {
  store: SipDomainStore;
  registrations: Registrations;
  digest: DigestAuthority;
  log: Logger;
  now?: () => number;
}

/** One Contact of a REGISTER: its URI and the expiry it asked for (undefined: the request's Expires or the default). */
interface ContactBinding {
  uri: string;
  expires: number | undefined;
}

type Parsed =
  | { ok: true; domainName: string; toUser: string; contacts: ContactBinding[] | 'all' | 'none'; expires: number | undefined }
  | { ok: false; why: string };

export class Registrar {
  private readonly now: () => number;

  constructor(private readonly o: RegistrarDeps) {
    this.now = o.now ?? Date.now;
  }

  listen(srf: Srf): void {
    srf.register((req, res) => void this.handle(req, res).catch((err: unknown) => {
      this.o.log.error({ err }, 'REGISTER failed');
      if (!res.finalResponseSent) res.send(500);
    }));
  }

  async handle(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    const p = parseRegister(req);
    if (!p.ok) {
      this.o.log.info({ source: req.source_address, why: p.why }, 'REGISTER refused: 400');
      return res.send(400, p.why);
    }
    const domain = this.o.store.domainByName(p.domainName);
    if (!domain) return res.send(404);
    if (!domain.sipRegistration) {
      this.o.log.info({ domain: domain.domainName }, 'REGISTER for a domain without SipRegistration: 403 (32210)');
      return res.send(403, 'Registration is not enabled for this SIP domain');
    }
    const user = this.authenticate(req, res, domain, p.toUser);
    if (user === undefined) return;
    if (p.contacts === 'all') await this.o.registrations.unbindAll(domain.sid, user);
    else if (p.contacts !== 'none') await this.apply(req, domain, user, p.contacts, p.expires, res);
    if (res.finalResponseSent) return;
    const now = this.now();
    const bound = this.o.registrations.bindings(domain.sid, user);
    const headers: Record<string, string> = { Date: new Date(now).toUTCString() };
    if (bound.length) headers.Contact = bound.map((b) => `<${b.contact}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`).join(', ');
    res.send(200, { headers });
  }

  /** The authenticated username, or undefined once the request has been answered (challenged or refused). */
  private authenticate(req: Srf.SrfRequest, res: Srf.SrfResponse, domain: SipDomainRecord, toUser: string): string | undefined {
    const creds = parseDigest(req.get('Authorization'));
    if (!creds || creds.realm.toLowerCase() !== domain.domainName) {
      res.send(401, { headers: { 'WWW-Authenticate': this.o.digest.challenge(domain.domainName) } });
      return undefined;
    }
    const credential = this.o.store.credential(domain.sid, 'registrations', creds.username);
    const verdict = credential ? this.o.digest.check(creds, 'REGISTER', credential.password) : 'bad';
    if (verdict === 'stale') {
      res.send(401, { headers: { 'WWW-Authenticate': this.o.digest.challenge(domain.domainName, true) } });
      return undefined;
    }
    if (verdict === 'bad') {
      this.o.log.info({ domain: domain.domainName, username: creds.username, source: req.source_address }, 'REGISTER with wrong credentials: 403');
      res.send(403);
      return undefined;
    }
    if (toUser !== creds.username) {
      res.send(403, 'The To user must be the authenticated username');
      return undefined;
    }
    return creds.username;
  }

  private async apply(req: Srf.SrfRequest, domain: SipDomainRecord, user: string, contacts: ContactBinding[], requestExpires: number | undefined, res: Srf.SrfResponse): Promise<void> {
    const now = this.now();
    const callId = req.get('Call-ID') ?? '';
    for (const c of contacts) {
      const asked = c.expires ?? requestExpires ?? DEFAULT_EXPIRES_S;
      if (asked === 0) {
        await this.o.registrations.unbind(domain.sid, user, c.uri);
        continue;
      }
      if (asked < MIN_EXPIRES_S) {
        res.send(423, { headers: { 'Min-Expires': String(MIN_EXPIRES_S) } });
        return;
      }
      await this.o.registrations.bind({
        domainSid: domain.sid,
        username: user,
        contact: c.uri,
        sourceAddress: req.source_address,
        sourcePort: req.source_port,
        protocol: (req.protocol ?? 'udp').toLowerCase(),
        callId,
        expiresAt: now + Math.min(asked, MAX_EXPIRES_S) * 1000,
        userAgent: req.get('User-Agent') ?? null,
        dateCreated: now,
        dateUpdated: now,
      });
    }
    this.o.log.info({ domain: domain.domainName, username: user, contacts: contacts.length }, 'REGISTER accepted');
  }
}

/** The parts of a REGISTER the registrar needs, read once. */
function parseRegister(req: Srf.SrfRequest): Parsed {
  const to = parseNameAddr(req.get('To') ?? '');
  const toUri = to ? parseUri(to.uri) : undefined;
  if (!toUri?.user) return { ok: false, why: 'To must name the user being registered' };
  // The domain is the Request-URI's host; an endpoint configured with tandem's address there names it in To.
  const rUri = parseUri(req.uri);
  const domainName = (rUri && !isAddress(rUri.host) ? rUri.host : toUri.host).toLowerCase();
  const expiresHeader = req.get('Expires');
  let expires: number | undefined;
  if (expiresHeader !== undefined && expiresHeader !== '') {
    if (!/^\d{1,10}$/.test(expiresHeader.trim())) return { ok: false, why: 'Expires must be a number of seconds' };
    expires = Number(expiresHeader.trim());
  }
  const rawContact = req.get('Contact');
  if (rawContact === undefined || rawContact.trim() === '') return { ok: true, domainName, toUser: decodeURIComponent(toUri.user), contacts: 'none', expires };
  if (rawContact.trim() === '*') {
    if (expires !== 0) return { ok: false, why: 'Contact: * needs Expires: 0' };
    return { ok: true, domainName, toUser: decodeURIComponent(toUri.user), contacts: 'all', expires };
  }
  const contacts: ContactBinding[] = [];
  for (const part of splitTopLevel(rawContact)) {
    const na = parseNameAddr(part);
    if (!na || !parseUri(na.uri)) return { ok: false, why: `Contact ${part} is not a SIP URI` };
    const e = na.params.get('expires');
    if (e !== undefined && !/^\d{1,10}$/.test(e)) return { ok: false, why: 'a Contact expires must be a number of seconds' };
    contacts.push({ uri: na.uri, expires: e === undefined ? undefined : Number(e) });
  }
  return { ok: true, domainName, toUser: decodeURIComponent(toUri.user), contacts, expires };
}

/** Splits a header value at its commas, except those inside <…> or quotes. */
function splitTopLevel(v: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < v.length; i++) {
    const ch = v[i];
    if (ch === '"' && v[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && ch === '<') depth++;
    else if (!quoted && ch === '>') depth--;
    else if (!quoted && depth === 0 && ch === ',') {
      out.push(v.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(v.slice(start).trim());
  return out.filter((s) => s !== '');
}

function isAddress(host: string): boolean {
  return isIP(host.replace(/^\[|\]$/g, '')) !== 0;
}
