// SIP domains and what authenticates their endpoints, in LMDB: credential lists (CL…) and their credentials (CR…),
// IP access control lists (AL…) and their addresses (IP…), domains (SD…) and the lists mapped to them. The REST API
// (src/api/sip.ts) writes them; the registrar and the INVITE screen read them synchronously on every request. Writes
// resolve once durable. Deleting a list removes its mappings; deleting a domain removes its mappings and bindings.
import type { Tables } from '../store/db.js';
import { durable } from '../store/db.js';
import type {
  SipCredentialListRecord, SipCredentialRecord, SipDomainRecord, SipIpAccessControlListRecord, SipIpAddressRecord, SipMappingKind, SipMappingRecord,
} from '../store/records.js';
import { newSid } from '../util/sid.js';

export class SipConflictError extends Error {}

export type DomainFields = Omit<SipDomainRecord, 'sid' | 'accountSid' | 'dateCreated' | 'dateUpdated'>;

const byDate = <R extends { dateCreated: number; sid: string }>(a: R, b: R) => a.dateCreated - b.dateCreated || (a.sid < b.sid ? -1 : 1);

export class SipDomainStore {
  constructor(private readonly t: Tables) {}

  // ---- read by the registrar and the INVITE screen ----

  domainByName(name: string): SipDomainRecord | undefined {
    const sid = this.t.sipDomainByName.get(name.toLowerCase());
    return sid === undefined ? undefined : this.t.sipDomains.get(sid);
  }

  domain(sid: string): SipDomainRecord | undefined {
    return this.t.sipDomains.get(sid);
  }

  credential(domainSid: string, purpose: 'calls' | 'registrations', username: string): SipCredentialRecord | undefined {
    for (const m of this.mappings(domainSid, purpose === 'calls' ? 'calls-credentials' : 'registrations-credentials')) {
      const sid = this.t.sipCredentialsByList.get([m.listSid, username]);
      const c = sid === undefined ? undefined : this.t.sipCredentials.get(sid);
      if (c) return c;
    }
    return undefined;
  }

  callAuth(domainSid: string): { credentials: boolean; ip: boolean } {
    return { credentials: this.mappings(domainSid, 'calls-credentials').length > 0, ip: this.mappings(domainSid, 'calls-ip').length > 0 };
  }

  ipPermitted(domainSid: string, address: string): boolean {
    const ip = ipv4Number(address.startsWith('::ffff:') ? address.slice(7) : address);
    if (ip === undefined) return false;
    return this.mappings(domainSid, 'calls-ip').some((m) =>
      this.ipAddresses(m.listSid).some((a) => {
        const base = ipv4Number(a.ipAddress);
        if (base === undefined) return false;
        const mask = a.cidrPrefixLength === 0 ? 0 : (~0 << (32 - a.cidrPrefixLength)) >>> 0;
        return ((ip & mask) >>> 0) === ((base & mask) >>> 0);
      }),
    );
  }

  // ---- credential lists and credentials ----

  credentialList(accountSid: string, sid: string): SipCredentialListRecord | undefined {
    const l = this.t.sipCredentialLists.get(sid);
    return l?.accountSid === accountSid ? l : undefined;
  }

  credentialLists(accountSid: string): SipCredentialListRecord[] {
    return this.ofAccount(this.t.sipCredentialListsByAccount, accountSid, (sid) => this.t.sipCredentialLists.get(sid));
  }

  async createCredentialList(accountSid: string, friendlyName: string): Promise<SipCredentialListRecord> {
    const now = Date.now();
    const l: SipCredentialListRecord = { sid: newSid('CL', now), accountSid, friendlyName, dateCreated: now, dateUpdated: now };
    await durable(this.t, Promise.all([this.t.sipCredentialLists.put(l.sid, l), this.t.sipCredentialListsByAccount.put([accountSid, now, l.sid], l.sid)]));
    return l;
  }

  async renameCredentialList(l: SipCredentialListRecord, friendlyName: string): Promise<SipCredentialListRecord> {
    const u = { ...l, friendlyName, dateUpdated: Date.now() };
    await durable(this.t, this.t.sipCredentialLists.put(l.sid, u));
    return u;
  }

  async deleteCredentialList(l: SipCredentialListRecord): Promise<void> {
    const writes: Promise<unknown>[] = [this.t.sipCredentialLists.remove(l.sid), this.t.sipCredentialListsByAccount.remove([l.accountSid, l.dateCreated, l.sid])];
    for (const c of this.credentials(l.sid)) writes.push(this.t.sipCredentials.remove(c.sid), this.t.sipCredentialsByList.remove([l.sid, c.username]));
    writes.push(...this.unmapEverywhere(l.sid));
    await durable(this.t, Promise.all(writes));
  }

  credentials(listSid: string): SipCredentialRecord[] {
    const out: SipCredentialRecord[] = [];
    for (const { value } of this.t.sipCredentialsByList.getRange({ start: [listSid, ''], end: [listSid, '\uffff'] })) {
      const c = this.t.sipCredentials.get(value);
      if (c) out.push(c);
    }
    return out.sort(byDate);
  }

  credentialOf(listSid: string, sid: string): SipCredentialRecord | undefined {
    const c = this.t.sipCredentials.get(sid);
    return c?.credentialListSid === listSid ? c : undefined;
  }

  async createCredential(l: SipCredentialListRecord, username: string, password: string): Promise<SipCredentialRecord> {
    if (this.t.sipCredentialsByList.get([l.sid, username]) !== undefined) throw new SipConflictError(`The credential list ${l.sid} already has the username '${username}'`);
    const now = Date.now();
    const c: SipCredentialRecord = { sid: newSid('CR', now), accountSid: l.accountSid, credentialListSid: l.sid, username, password, dateCreated: now, dateUpdated: now };
    await durable(this.t, Promise.all([this.t.sipCredentials.put(c.sid, c), this.t.sipCredentialsByList.put([l.sid, username], c.sid)]));
    return c;
  }

  async setPassword(c: SipCredentialRecord, password: string): Promise<SipCredentialRecord> {
    const u = { ...c, password, dateUpdated: Date.now() };
    await durable(this.t, this.t.sipCredentials.put(c.sid, u));
    return u;
  }

  async deleteCredential(c: SipCredentialRecord): Promise<void> {
    await durable(this.t, Promise.all([this.t.sipCredentials.remove(c.sid), this.t.sipCredentialsByList.remove([c.credentialListSid, c.username])]));
  }

  // ---- IP access control lists and addresses ----

  ipAccessControlList(accountSid: string, sid: string): SipIpAccessControlListRecord | undefined {
    const l = this.t.sipIpAccessControlLists.get(sid);
    return l?.accountSid === accountSid ? l : undefined;
  }

  ipAccessControlLists(accountSid: string): SipIpAccessControlListRecord[] {
    return this.ofAccount(this.t.sipIpAccessControlListsByAccount, accountSid, (sid) => this.t.sipIpAccessControlLists.get(sid));
  }

  async createIpAccessControlList(accountSid: string, friendlyName: string): Promise<SipIpAccessControlListRecord> {
    const now = Date.now();
    const l: SipIpAccessControlListRecord = { sid: newSid('AL', now), accountSid, friendlyName, dateCreated: now, dateUpdated: now };
    await durable(this.t, Promise.all([this.t.sipIpAccessControlLists.put(l.sid, l), this.t.sipIpAccessControlListsByAccount.put([accountSid, now, l.sid], l.sid)]));
    return l;
  }

  async renameIpAccessControlList(l: SipIpAccessControlListRecord, friendlyName: string): Promise<SipIpAccessControlListRecord> {
    const u = { ...l, friendlyName, dateUpdated: Date.now() };
    await durable(this.t, this.t.sipIpAccessControlLists.put(l.sid, u));
    return u;
  }

  async deleteIpAccessControlList(l: SipIpAccessControlListRecord): Promise<void> {
    const writes: Promise<unknown>[] = [this.t.sipIpAccessControlLists.remove(l.sid), this.t.sipIpAccessControlListsByAccount.remove([l.accountSid, l.dateCreated, l.sid])];
    for (const a of this.ipAddresses(l.sid)) writes.push(this.t.sipIpAddresses.remove(a.sid), this.t.sipIpAddressesByList.remove([l.sid, a.dateCreated, a.sid]));
    writes.push(...this.unmapEverywhere(l.sid));
    await durable(this.t, Promise.all(writes));
  }

  ipAddresses(listSid: string): SipIpAddressRecord[] {
    const out: SipIpAddressRecord[] = [];
    for (const { value } of this.t.sipIpAddressesByList.getRange({ start: [listSid, 0, ''], end: [listSid, Number.MAX_SAFE_INTEGER, ''] })) {
      const a = this.t.sipIpAddresses.get(value);
      if (a) out.push(a);
    }
    return out;
  }

  ipAddressOf(listSid: string, sid: string): SipIpAddressRecord | undefined {
    const a = this.t.sipIpAddresses.get(sid);
    return a?.ipAccessControlListSid === listSid ? a : undefined;
  }

  async createIpAddress(l: SipIpAccessControlListRecord, f: { friendlyName: string; ipAddress: string; cidrPrefixLength: number }): Promise<SipIpAddressRecord> {
    const now = Date.now();
    const a: SipIpAddressRecord = { sid: newSid('IP', now), accountSid: l.accountSid, ipAccessControlListSid: l.sid, ...f, dateCreated: now, dateUpdated: now };
    await durable(this.t, Promise.all([this.t.sipIpAddresses.put(a.sid, a), this.t.sipIpAddressesByList.put([l.sid, now, a.sid], a.sid)]));
    return a;
  }

  async updateIpAddress(a: SipIpAddressRecord, patch: Partial<Pick<SipIpAddressRecord, 'friendlyName' | 'ipAddress' | 'cidrPrefixLength'>>): Promise<SipIpAddressRecord> {
    const u = { ...a, ...patch, dateUpdated: Date.now() };
    await durable(this.t, this.t.sipIpAddresses.put(a.sid, u));
    return u;
  }

  async deleteIpAddress(a: SipIpAddressRecord): Promise<void> {
    await durable(this.t, Promise.all([this.t.sipIpAddresses.remove(a.sid), this.t.sipIpAddressesByList.remove([a.ipAccessControlListSid, a.dateCreated, a.sid])]));
  }

  // ---- domains and their mappings ----

  domainOf(accountSid: string, sid: string): SipDomainRecord | undefined {
    const d = this.t.sipDomains.get(sid);
    return d?.accountSid === accountSid ? d : undefined;
  }

  domains(accountSid: string): SipDomainRecord[] {
    return this.ofAccount(this.t.sipDomainsByAccount, accountSid, (sid) => this.t.sipDomains.get(sid));
  }

  async createDomain(accountSid: string, f: DomainFields): Promise<SipDomainRecord> {
    const name = f.domainName.toLowerCase();
    if (this.t.sipDomainByName.get(name) !== undefined) throw new SipConflictError(`The domain name ${name} is already taken`);
    const now = Date.now();
    const d: SipDomainRecord = { ...f, domainName: name, sid: newSid('SD', now), accountSid, dateCreated: now, dateUpdated: now };
    await durable(this.t, Promise.all([this.t.sipDomains.put(d.sid, d), this.t.sipDomainsByAccount.put([accountSid, now, d.sid], d.sid), this.t.sipDomainByName.put(name, d.sid)]));
    return d;
  }

  async updateDomain(d: SipDomainRecord, patch: Partial<DomainFields>): Promise<SipDomainRecord> {
    const name = (patch.domainName ?? d.domainName).toLowerCase();
    const writes: Promise<unknown>[] = [];
    if (name !== d.domainName) {
      if (this.t.sipDomainByName.get(name) !== undefined) throw new SipConflictError(`The domain name ${name} is already taken`);
      writes.push(this.t.sipDomainByName.remove(d.domainName), this.t.sipDomainByName.put(name, d.sid));
    }
    const u: SipDomainRecord = { ...d, ...patch, domainName: name, dateUpdated: Date.now() };
    writes.push(this.t.sipDomains.put(d.sid, u));
    await durable(this.t, Promise.all(writes));
    return u;
  }

  async deleteDomain(d: SipDomainRecord): Promise<void> {
    const writes: Promise<unknown>[] = [this.t.sipDomains.remove(d.sid), this.t.sipDomainsByAccount.remove([d.accountSid, d.dateCreated, d.sid]), this.t.sipDomainByName.remove(d.domainName)];
    for (const key of this.t.sipDomainMappings.getKeys({ start: [d.sid, '', ''], end: [d.sid, '\uffff', ''] })) writes.push(this.t.sipDomainMappings.remove(key));
    for (const key of this.t.sipRegistrations.getKeys({ start: [d.sid, '', ''], end: [d.sid, '\uffff', ''] })) writes.push(this.t.sipRegistrations.remove(key));
    await durable(this.t, Promise.all(writes));
  }

  mappings(domainSid: string, kind: SipMappingKind): SipMappingRecord[] {
    const out: SipMappingRecord[] = [];
    for (const { value } of this.t.sipDomainMappings.getRange({ start: [domainSid, kind, ''], end: [domainSid, kind, '\uffff'] })) out.push(value);
    return out.sort((a, b) => a.dateCreated - b.dateCreated);
  }

  mapping(domainSid: string, kind: SipMappingKind, listSid: string): SipMappingRecord | undefined {
    return this.t.sipDomainMappings.get([domainSid, kind, listSid]);
  }

  async map(d: SipDomainRecord, kind: SipMappingKind, listSid: string): Promise<SipMappingRecord> {
    if (this.mapping(d.sid, kind, listSid)) throw new SipConflictError(`${listSid} is already mapped to ${d.sid}`);
    const now = Date.now();
    const m: SipMappingRecord = { domainSid: d.sid, kind, listSid, accountSid: d.accountSid, dateCreated: now, dateUpdated: now };
    await durable(this.t, this.t.sipDomainMappings.put([d.sid, kind, listSid], m));
    return m;
  }

  async unmap(m: SipMappingRecord): Promise<void> {
    await durable(this.t, this.t.sipDomainMappings.remove([m.domainSid, m.kind, m.listSid]));
  }

  private unmapEverywhere(listSid: string): Promise<unknown>[] {
    const writes: Promise<unknown>[] = [];
    for (const { key, value } of this.t.sipDomainMappings.getRange({})) if (value.listSid === listSid) writes.push(this.t.sipDomainMappings.remove(key));
    return writes;
  }

  private ofAccount<R extends { dateCreated: number; sid: string }>(index: Tables['sipDomainsByAccount'], accountSid: string, load: (sid: string) => R | undefined): R[] {
    const out: R[] = [];
    for (const { value } of index.getRange({ start: [accountSid, 0, ''], end: [accountSid, Number.MAX_SAFE_INTEGER, ''] })) {
      const r = load(value);
      if (r) out.push(r);
    }
    return out;
  }
}

/** A dotted IPv4 address as an unsigned 32-bit number; undefined for anything else. */
export function ipv4Number(a: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a.trim());
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}
