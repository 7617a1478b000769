// `<Dial><Sip>user@domain</Sip>` where the domain is one of tandem's: the call forks to every device registered as
// that user (as Twilio's does), each ringing as its own leg of the <Dial>, the first to answer taking the call. A
// device is reached where its REGISTER came from when that differs from its Contact (an endpoint behind NAT names
// an address nobody can reach). Any other <Sip> URI is dialed as written. `<Dial><Client>alice</Client>` and the Calls
// API's `To=client:alice` ring the devices registered as alice on any of the account's domains.
import type { DialSip, DialTarget } from '../../protocols/twiml/index.js';
import { parseUri } from '../../protocols/sip/sip/message.js';
import type { NewNotification } from '../notifications/notifications.js';
import type { SipRegistrationRecord } from '../store/records.js';
import type { Registrations } from './registrations.js';
import type { SipDomainStore } from './store.js';

export class RegisteredTargets {
  constructor(private readonly o: {
    store: SipDomainStore;
    registrations: Registrations;
    /** Whether `accountSid` may dial into the domains of `domainAccountSid` (the same account, or its owner's). */
    related: (accountSid: string, domainAccountSid: string) => boolean;
    notify: (n: NewNotification) => void;
  }) {}

  /** The targets a <Sip> noun rings: itself, one per registered device, or none (with a notification saying why). */
  expand(accountSid: string, callSid: string, t: DialSip): DialTarget[] {
    const uris = this.resolve(accountSid, callSid, t.uri);
    // Headers written on the address of record (`?x-…=…`) go to every device it rings.
    const headers = t.uri.includes('?') ? t.uri.slice(t.uri.indexOf('?')) : '';
    return uris === undefined ? [t] : uris.map((uri) => ({ ...t, uri: uri + headers }));
  }

  /**
   * Where a call to `client:identity` goes: tandem has no Voice SDK, so a client is a SIP device registered as that
   * user on any of the account's domains that take registrations. Their URIs, most recent first; none (with a
   * notification) when no device is registered.
   */
  resolveClient(accountSid: string, callSid: string, identity: string): string[] {
    const devices = this.o.store
      .domainsOf(accountSid)
      .filter((d) => d.sipRegistration)
      .flatMap((d) => this.o.registrations.bindings(d.sid, identity))
      .sort((a, b) => b.dateUpdated - a.dateUpdated);
    if (devices.length === 0) {
      this.o.notify({ accountSid, callSid, errorCode: 32009, text: `Dial: client:${identity} is not registered; a client is a SIP device registered as ${identity} with one of this account's SIP domains.`, log: 1 });
    }
    return devices.map(reachable);
  }

  /**
   * Where a call to a SIP URI goes: undefined when it is not a domain of tandem's (dial it as written), else the
   * URIs of the user's registered devices, most recent first (none, with a notification, when it cannot be rung).
   */
  resolve(accountSid: string, callSid: string, target: string): string[] | undefined {
    const uri = parseUri(target);
    const domain = uri ? this.o.store.domainByName(uri.host) : undefined;
    if (!uri || !domain) return undefined;
    const warn = (errorCode: number, text: string): string[] => {
      this.o.notify({ accountSid, callSid, errorCode, text, log: 1 });
      return [];
    };
    if (!this.o.related(accountSid, domain.accountSid)) return warn(32214, `Dial: ${target} is a SIP domain of another account; <Dial><Sip> reaches the domains of this account or its owner only.`);
    if (uri.user === undefined || uri.user === '') return warn(32223, `Dial: ${target} names no user; call a registered endpoint as user@${domain.domainName}.`);
    const user = decodeURIComponent(uri.user);
    const devices = this.o.registrations.bindings(domain.sid, user);
    if (devices.length === 0) return warn(32009, `Dial: ${user} is not registered with the SIP domain ${domain.domainName}.`);
    return devices.map(reachable);
  }
}

/** The URI that reaches a registered device: its Contact, at its REGISTER's source when that differs. */
export function reachable(d: SipRegistrationRecord): string {
  const c = parseUri(d.contact);
  if (!c) return d.contact;
  const sameHost = c.host === d.sourceAddress && (c.port ?? 5060) === d.sourcePort;
  if (sameHost) return d.contact;
  const params = [...c.params].filter(([k]) => k.toLowerCase() !== 'transport').map(([k, v]) => (v === '' ? `;${k}` : `;${k}=${v}`)).join('');
  const transport = d.protocol === 'tcp' ? ';transport=tcp' : '';
  return `${c.scheme}:${c.user !== undefined ? c.user + '@' : ''}${d.sourceAddress.includes(':') ? `[${d.sourceAddress}]` : d.sourceAddress}:${d.sourcePort}${params}${transport}`;
}
