// INVITEs addressed to one of tandem's SIP domains (the Request-URI's host is its domain name): a softphone or PBX
// calling through tandem. Such a call is let in by the domain's calls mappings, an IP access control list that
// holds its source address or a digest (407, realm = the domain name) checked against its credential lists, and then
// runs the domain's VoiceUrl like a call to a number, with Twilio's SIP parameters (src/voice/voice-params.ts).
// A domain with neither kind of mapping takes no calls (403), as Twilio's does not.
import type Srf from 'drachtio-srf';
import { parseDigest, type DigestAuthority } from '../../protocols/sip/digest.js';
import { parseNameAddr, parseUri } from '../../protocols/sip/sip/message.js';
import type { Logger } from '../logger.js';
import type { SipCallOrigin, SipDomainRecord } from '../store/records.js';
import type { SipDomainStore } from './store.js';
import { xHeadersOf } from '../voice/sip-headers.js';

export type DomainInvite =
  /** Not addressed to a domain of tandem's: the caller is a trunk, or nobody. */
  | { kind: 'not-ours' }
  /** Challenged or refused: the response has been sent. */
  | { kind: 'answered' }
  | { kind: 'accepted'; domain: SipDomainRecord; from: string; to: string; origin: SipCallOrigin };

export class DomainCalls {
  constructor(private readonly o: { store: SipDomainStore; digest: DigestAuthority; log: Logger; ignoreHeaders: ReadonlySet<string> }) {}

  /** Whether the INVITE is for a domain, and if so whether it may call. */
  screen(req: Srf.SrfRequest, res: Srf.SrfResponse): DomainInvite {
    const target = parseUri(req.uri);
    const domain = target ? this.o.store.domainByName(target.host) : undefined;
    if (!target || !domain) return { kind: 'not-ours' };
    const auth = this.o.store.callAuth(domain.sid);
    let username: string | null = null;
    if (!(auth.ip && this.o.store.ipPermitted(domain.sid, req.source_address))) {
      if (!auth.credentials) {
        this.o.log.info({ domain: domain.domainName, source: req.source_address }, 'INVITE to a SIP domain from an address its IP access control lists do not hold: 403');
        res.send(403);
        return { kind: 'answered' };
      }
      const creds = parseDigest(req.get('Proxy-Authorization'));
      if (!creds || creds.realm.toLowerCase() !== domain.domainName) {
        res.send(407, { headers: { 'Proxy-Authenticate': this.o.digest.challenge(domain.domainName) } });
        return { kind: 'answered' };
      }
      const credential = this.o.store.credential(domain.sid, 'calls', creds.username);
      const verdict = credential ? this.o.digest.check(creds, 'INVITE', credential.password) : 'bad';
      if (verdict === 'stale') {
        res.send(407, { headers: { 'Proxy-Authenticate': this.o.digest.challenge(domain.domainName, true) } });
        return { kind: 'answered' };
      }
      if (verdict === 'bad') {
        this.o.log.info({ domain: domain.domainName, username: creds.username, source: req.source_address }, 'INVITE to a SIP domain with wrong credentials: 403');
        res.send(403);
        return { kind: 'answered' };
      }
      username = creds.username;
    }
    const fromUri = parseNameAddr(req.get('From') ?? '')?.uri;
    const from = fromUri ? bareUri(fromUri) : 'anonymous';
    return {
      kind: 'accepted',
      domain,
      from,
      to: `sip:${target.user !== undefined ? decodeURIComponent(target.user) + '@' : ''}${domain.domainName}`,
      origin: {
        domainSid: domain.sid,
        domainName: domain.domainName,
        username,
        sourceIp: req.source_address,
        sourcePort: req.source_port,
        // The INVITE's X- headers (Twilio's SipHeader_ parameters), tandem's own left out.
        headers: xHeadersOf(req, this.o.ignoreHeaders),
      },
    };
  }

}

/** scheme:user@host[:port], without parameters or headers (what Twilio reports as From and To). */
function bareUri(uri: string): string {
  const u = parseUri(uri);
  if (!u) return uri;
  return `${u.scheme}:${u.user !== undefined ? decodeURIComponent(u.user) + '@' : ''}${u.host}${u.port !== undefined ? ':' + u.port : ''}`;
}
