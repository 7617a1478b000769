// The bindings of registered SIP endpoints (RFC 3261 §10), kept in LMDB so that a restart does not make every
// softphone unreachable until it registers again: key [domain SID, username, contact]. A user has at most
// MAX_BINDINGS devices; a new one past that replaces the one that registered least recently. Expired bindings are
// never returned and are swept once a minute.
import type { Tables } from '../store/db.js';
import { durable } from '../store/db.js';
import type { SipRegistrationRecord } from '../store/records.js';

export const MAX_BINDINGS = 10;
const SWEEP_MS = 60_000;

export class Registrations {
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly t: Tables,
    private readonly now: () => number = Date.now,
  ) {}

  /** A user's live bindings, the most recently registered first. */
  bindings(domainSid: string, username: string): SipRegistrationRecord[] {
    const now = this.now();
    const out: SipRegistrationRecord[] = [];
    for (const { value } of this.t.sipRegistrations.getRange({ start: [domainSid, username, ''], end: [domainSid, username, '\uffff'] })) {
      if (value.expiresAt > now) out.push(value);
    }
    return out.sort((a, b) => b.dateUpdated - a.dateUpdated);
  }

  /** A domain's live bindings, by username then contact. */
  ofDomain(domainSid: string): SipRegistrationRecord[] {
    const now = this.now();
    const out: SipRegistrationRecord[] = [];
    for (const { value } of this.t.sipRegistrations.getRange({ start: [domainSid, '', ''], end: [domainSid, '\uffff', ''] })) {
      if (value.expiresAt > now) out.push(value);
    }
    return out;
  }

  /** Adds or refreshes a binding; resolves once it is durable. */
  async bind(b: SipRegistrationRecord): Promise<void> {
    const existing = this.t.sipRegistrations.get([b.domainSid, b.username, b.contact]);
    const record = existing ? { ...b, dateCreated: existing.dateCreated } : b;
    const others = this.bindings(b.domainSid, b.username).filter((x) => x.contact !== b.contact);
    const writes = [this.t.sipRegistrations.put([b.domainSid, b.username, b.contact], record)];
    // The oldest devices give way: a user keeps MAX_BINDINGS at most.
    for (const old of others.slice(MAX_BINDINGS - 1)) writes.push(this.t.sipRegistrations.remove([old.domainSid, old.username, old.contact]));
    await durable(this.t, Promise.all(writes));
  }

  async unbind(domainSid: string, username: string, contact: string): Promise<void> {
    await durable(this.t, this.t.sipRegistrations.remove([domainSid, username, contact]));
  }

  async unbindAll(domainSid: string, username: string): Promise<void> {
    const keys = [...this.t.sipRegistrations.getKeys({ start: [domainSid, username, ''], end: [domainSid, username, '\uffff'] })];
    await durable(this.t, Promise.all(keys.map((k) => this.t.sipRegistrations.remove(k))));
  }

  /** Removes bindings past their expiry; returns how many. */
  async sweep(): Promise<number> {
    const now = this.now();
    const expired = [...this.t.sipRegistrations.getRange({})].filter(({ value }) => value.expiresAt <= now).map(({ key }) => key);
    await Promise.all(expired.map((k) => this.t.sipRegistrations.remove(k)));
    return expired.length;
  }

  startSweeping(onError: (err: unknown) => void): void {
    this.sweeper ??= setInterval(() => void this.sweep().catch(onError), SWEEP_MS);
    this.sweeper.unref();
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
