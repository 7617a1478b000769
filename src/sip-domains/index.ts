// SIP domains on one node, put together: the store of domains and their credential and IP lists (the REST API's),
// the registrar answering REGISTER, the screen for INVITEs from domain endpoints, and the <Dial><Sip> fork to
// registered devices. `startSipDomains` is called by the voice stack (src/voice/start.ts) with its srf.
import type Srf from 'drachtio-srf';
import { DigestAuthority } from '../../protocols/sip/digest.js';
import type { Logger } from '../logger.js';
import type { NewNotification } from '../notifications/notifications.js';
import type { Tables } from '../store/db.js';
import { DomainCalls } from './domain-calls.js';
import { Registrar } from './registrar.js';
import { RegisteredTargets } from './registered-targets.js';
import { Registrations } from './registrations.js';
import { SipDomainStore } from './store.js';

export interface SipDomains {
  store: SipDomainStore;
  registrations: Registrations;
  calls: DomainCalls;
  targets: RegisteredTargets;
  stop(): void;
}

export function startSipDomains(o: { srf: Srf; tables: Tables; notify: (n: NewNotification) => void; log: Logger; ignoreHeaders: string[] }): SipDomains {
  const store = new SipDomainStore(o.tables);
  const registrations = new Registrations(o.tables);
  const digest = new DigestAuthority();
  const log = o.log.child({ part: 'sip-domains' });
  new Registrar({ store, registrations, digest, log }).listen(o.srf);
  registrations.startSweeping((err) => log.warn({ err }, 'sweeping expired registrations failed'));
  const calls = new DomainCalls({ store, digest, log, ignoreHeaders: new Set(o.ignoreHeaders.map((h) => h.toLowerCase())) });
  const targets = new RegisteredTargets({
    store,
    registrations,
    // A subaccount may dial into its owner's domains, as on Twilio.
    related: (accountSid, domainAccountSid) => accountSid === domainAccountSid || o.tables.accounts.get(accountSid)?.ownerAccountSid === domainAccountSid,
    notify: o.notify,
  });
  return { store, registrations, calls, targets, stop: () => registrations.stop() };
}
