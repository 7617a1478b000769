// SIP domains and what lets their endpoints in, in LMDB: credential lists (CL…) and their credentials (CR…), IP
// access control lists (AL…) and their addresses (IP…), domains (SD…) and the lists mapped to them for calls or for
// registrations. The REST API (src/api/sip.ts) writes them; the registrar and the INVITE screen read them on every
// request, synchronously and straight from LMDB (no cache: every thread and every instance sees the same thing).
//
// Each write is one LMDB transaction that reads what it depends on again inside it (a name still free, a list still
// there), so two requests racing cannot both take one domain name, and a write that loses a race with a delete does
// not bring the record back. A write the store will not make rejects with a SipRefusal saying why; the promise of
// one it makes resolves once committed (the API then waits for the flush, see src/api/app.ts).
//
// Choices: a list still mapped to a domain is not deleted (Twilio's 21236 "IP Access Control List Dependencies
// Violation", and 21241 for credential lists): unmap it first. Deleting a domain removes its mappings and the
// bindings of the endpoints registered with it.
import type { Database, Key } from 'lmdb';
import type { Tables } from '../store/db.js';
import type {
  SipCredentialListRecord,
  SipCredentialRecord,
  SipDomainRecord,
  SipIpAccessControlListRecord,
  SipIpAddressRecord,
  SipMappingKind,
  SipMappingRecord,
} from '../store/records.js';
import { newSid } from '../util/sid.js';
import { pageOfList, scanPage, type PageRequest, type PageResult } from '../api/paging.js';

export type SipPurpose = 'calls' | 'registrations';

/** The two kinds of list a domain maps. Both are a named, account-owned set of members kept in their own tables. */
export type SipListKind = 'credential-list' | 'ip-access-control-list';

/** A credential list (CL…) or an IP access control list (AL…): the two records have the same fields. */
export type SipListRecord = SipCredentialListRecord | SipIpAccessControlListRecord;

/** Which kind of list a mapping maps: IP access control lists for `calls-ip`, credential lists otherwise. */
export function listKindOf(kind: SipMappingKind): SipListKind {
  return kind === 'calls-ip' ? 'ip-access-control-list' : 'credential-list';
}

/** The SID prefix of each kind of list. */
export const LIST_SID_PREFIX: Record<SipListKind, 'CL' | 'AL'> = { 'credential-list': 'CL', 'ip-access-control-list': 'AL' };

/** Everything about a domain its owner sets. */
export type DomainSettings = Omit<SipDomainRecord, 'sid' | 'accountSid' | 'dateCreated' | 'dateUpdated'>;

/** Everything about an address of an IP access control list its owner sets. */
export type IpAddressSettings = Pick<SipIpAddressRecord, 'friendlyName' | 'ipAddress' | 'cidrPrefixLength'>;

export type SipRefusalReason =
  /** Another credential list of the account has that FriendlyName. */
  | 'credential-list-name-taken'
  /** Another IP access control list of the account has that FriendlyName. */
  | 'ip-acl-name-taken'
  /** The credential list has a credential with that username. */
  | 'username-taken'
  /** The IP access control list holds that address already. */
  | 'address-taken'
  /** Some domain on the node (of any account) has that name. */
  | 'domain-name-taken'
  /** The list is mapped to the domain for that purpose already. */
  | 'already-mapped'
  /** The list to map is not one of the domain account's. */
  | 'list-not-found'
  /** The credential list is mapped to a domain: unmap it before deleting it. */
  | 'credential-list-mapped'
  /** The IP access control list is mapped to a domain: unmap it before deleting it. */
  | 'ip-acl-mapped'
  /** The record was deleted meanwhile. */
  | 'gone';

/** A write the store did not make, and why. */
export class SipRefusal extends Error {
  constructor(
    readonly reason: SipRefusalReason,
    message: string,
  ) {
    super(message);
  }
}

const CREDENTIAL_KINDS: readonly SipMappingKind[] = ['calls-credentials', 'registrations-credentials'];

/** Where one kind of list lives, and how its refusals are named. */
interface ListTables {
  /** As messages say it: "credential list". */
  what: string;
  lists: Database<SipListRecord, string>;
  /** [accountSid, dateCreated, sid] → sid */
  byAccount: Database<string, [string, number, string]>;
  /** The members' records (credentials, addresses) and their index by list, whose value is the member's SID. */
  members: Database<unknown, string>;
  memberIndex: Database<string, Key>;
  memberRange(listSid: string): { start: Key; end: Key };
  nameTaken: SipRefusalReason;
  mapped: SipRefusalReason;
  /** The mapping kinds that use this kind of list. */
  mappedAs: readonly SipMappingKind[];
}
const MAX_KEY = '\uffff';

export class SipDomainStore {
  private readonly kinds: Record<SipListKind, ListTables>;

  constructor(private readonly t: Tables) {
    this.kinds = {
      'credential-list': {
        what: 'credential list',
        lists: t.sipCredentialLists,
        byAccount: t.sipCredentialListsByAccount,
        members: t.sipCredentials,
        memberIndex: t.sipCredentialsByList,
        memberRange: (listSid) => ({ start: [listSid, ''], end: [listSid, MAX_KEY] }),
        nameTaken: 'credential-list-name-taken',
        mapped: 'credential-list-mapped',
        mappedAs: CREDENTIAL_KINDS,
      },
      'ip-access-control-list': {
        what: 'IP access control list',
        lists: t.sipIpAccessControlLists,
        byAccount: t.sipIpAccessControlListsByAccount,
        members: t.sipIpAddresses,
        memberIndex: t.sipIpAddressesByList,
        memberRange: ownedRange,
        nameTaken: 'ip-acl-name-taken',
        mapped: 'ip-acl-mapped',
        mappedAs: ['calls-ip'],
      },
    };
  }

  // ---- what the registrar and the INVITE screen read ----

  /** The domain SIP endpoints address by this host name, in any case (a trailing dot allowed). */
  domainByName(name: string): SipDomainRecord | undefined {
    const sid = this.t.sipDomainByName.get(domainKey(name));
    return sid === undefined ? undefined : this.t.sipDomains.get(sid);
  }

  domain(sid: string): SipDomainRecord | undefined {
    return this.t.sipDomains.get(sid);
  }

  /** The credential of that username in the lists mapped to the domain for `purpose`, the list mapped first first. */
  credential(domainSid: string, purpose: SipPurpose, username: string): SipCredentialRecord | undefined {
    for (const m of this.mappings(domainSid, purpose === 'calls' ? 'calls-credentials' : 'registrations-credentials')) {
      const sid = this.t.sipCredentialsByList.get([m.listSid, username]);
      const c = sid === undefined ? undefined : this.t.sipCredentials.get(sid);
      if (c) return c;
    }
    return undefined;
  }

  /** Which ways in the domain's calls have: any credential list, any IP access control list mapped for calls. */
  callAuth(domainSid: string): { credentials: boolean; ip: boolean } {
    return { credentials: this.hasMappings(domainSid, 'calls-credentials'), ip: this.hasMappings(domainSid, 'calls-ip') };
  }

  /** Whether an IPv4 address (or IPv4-mapped IPv6 `::ffff:a.b.c.d`) is in an IP access control list mapped for calls. */
  ipPermitted(domainSid: string, address: string): boolean {
    const ip = ipv4(address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address);
    if (ip === undefined) return false;
    for (const m of this.mappings(domainSid, 'calls-ip')) {
      for (const a of this.ipAddresses(m.listSid)) {
        const base = ipv4(a.ipAddress);
        if (base !== undefined && inPrefix(ip, base, a.cidrPrefixLength)) return true;
      }
    }
    return false;
  }

  // ---- lists: credential lists and IP access control lists ----

  /** The list `sid` of that kind if it is one of `accountSid`'s. */
  list(kind: SipListKind, accountSid: string, sid: string): SipListRecord | undefined {
    const l = this.kinds[kind].lists.get(sid);
    return l?.accountSid === accountSid ? l : undefined;
  }

  /** The account's lists of that kind, oldest first. */
  listsPage(kind: SipListKind, accountSid: string, req: PageRequest): PageResult<SipListRecord> {
    const k = this.kinds[kind];
    const { start, end } = ownedRange(accountSid);
    return scanPage(k.byAccount, start, end, req, (sid) => k.lists.get(sid));
  }

  /** Refused when another list of that kind of the account has the name. */
  async createList(kind: SipListKind, accountSid: string, friendlyName: string): Promise<SipListRecord> {
    const k = this.kinds[kind];
    const now = Date.now();
    const l: SipListRecord = { sid: newSid(LIST_SID_PREFIX[kind], now), accountSid, friendlyName, dateCreated: now, dateUpdated: now };
    return this.write(() => {
      if (this.listNamed(k, accountSid, friendlyName)) return listNameTaken(k, friendlyName);
      void k.lists.put(l.sid, l);
      void k.byAccount.put([accountSid, now, l.sid], l.sid);
      return l;
    });
  }

  async renameList(kind: SipListKind, l: SipListRecord, friendlyName: string): Promise<SipListRecord> {
    const k = this.kinds[kind];
    return this.write(() => {
      const current = k.lists.get(l.sid);
      if (!current) return gone(l.sid);
      const other = this.listNamed(k, l.accountSid, friendlyName);
      if (other && other.sid !== l.sid) return listNameTaken(k, friendlyName);
      const next: SipListRecord = { ...current, friendlyName, dateUpdated: Date.now() };
      void k.lists.put(l.sid, next);
      return next;
    });
  }

  /** Deletes the list and its members (credentials or addresses); refused while a domain maps it. */
  async deleteList(kind: SipListKind, l: SipListRecord): Promise<void> {
    const k = this.kinds[kind];
    await this.write(() => {
      if (!k.lists.get(l.sid)) return gone(l.sid);
      const users = this.domainsMapping(l.accountSid, l.sid, k.mappedAs);
      if (users.length > 0) return new SipRefusal(k.mapped, `${capitalised(k.what)} ${l.sid} is mapped to the SIP domain ${users.join(', ')}: remove its mappings before deleting it`);
      for (const { key, value } of k.memberIndex.getRange(k.memberRange(l.sid))) {
        void k.members.remove(value);
        void k.memberIndex.remove(key);
      }
      void k.lists.remove(l.sid);
      void k.byAccount.remove([l.accountSid, l.dateCreated, l.sid]);
      return undefined;
    });
  }

  // ---- credentials ----

  /** The credential `sid` if it is in the list `listSid`. */
  credentialOf(listSid: string, sid: string): SipCredentialRecord | undefined {
    const c = this.t.sipCredentials.get(sid);
    return c?.credentialListSid === listSid ? c : undefined;
  }

  /** A list's credentials, by username. */
  credentialsPage(listSid: string, req: PageRequest): PageResult<SipCredentialRecord> {
    return scanPage(this.t.sipCredentialsByList, [listSid, ''], [listSid, MAX_KEY], req, (sid) => this.t.sipCredentials.get(sid));
  }

  async createCredential(l: SipCredentialListRecord, username: string, password: string): Promise<SipCredentialRecord> {
    const now = Date.now();
    const c: SipCredentialRecord = { sid: newSid('CR', now), accountSid: l.accountSid, credentialListSid: l.sid, username, password, dateCreated: now, dateUpdated: now };
    return this.write(() => {
      if (!this.t.sipCredentialLists.get(l.sid)) return gone(l.sid);
      if (this.t.sipCredentialsByList.get([l.sid, username]) !== undefined) {
        return new SipRefusal('username-taken', `Credential list ${l.sid} already has a credential with the username '${username}'`);
      }
      void this.t.sipCredentials.put(c.sid, c);
      void this.t.sipCredentialsByList.put([l.sid, username], c.sid);
      return c;
    });
  }

  async setPassword(c: SipCredentialRecord, password: string): Promise<SipCredentialRecord> {
    return this.write(() => {
      const current = this.t.sipCredentials.get(c.sid);
      if (!current) return gone(c.sid);
      const next: SipCredentialRecord = { ...current, password, dateUpdated: Date.now() };
      void this.t.sipCredentials.put(c.sid, next);
      return next;
    });
  }

  async deleteCredential(c: SipCredentialRecord): Promise<void> {
    await this.write(() => {
      if (!this.t.sipCredentials.get(c.sid)) return gone(c.sid);
      void this.t.sipCredentials.remove(c.sid);
      void this.t.sipCredentialsByList.remove([c.credentialListSid, c.username]);
      return undefined;
    });
  }

  // ---- addresses of IP access control lists ----

  /** The address `sid` if it is in the list `listSid`. */
  ipAddressOf(listSid: string, sid: string): SipIpAddressRecord | undefined {
    const a = this.t.sipIpAddresses.get(sid);
    return a?.ipAccessControlListSid === listSid ? a : undefined;
  }

  /** A list's addresses, oldest first. */
  ipAddresses(listSid: string): SipIpAddressRecord[] {
    return ownedBy(this.t.sipIpAddressesByList, listSid, this.t.sipIpAddresses);
  }

  ipAddressesPage(listSid: string, req: PageRequest): PageResult<SipIpAddressRecord> {
    const { start, end } = ownedRange(listSid);
    return scanPage(this.t.sipIpAddressesByList, start, end, req, (sid) => this.t.sipIpAddresses.get(sid));
  }

  async createIpAddress(l: SipIpAccessControlListRecord, s: IpAddressSettings): Promise<SipIpAddressRecord> {
    const now = Date.now();
    const a: SipIpAddressRecord = { sid: newSid('IP', now), accountSid: l.accountSid, ipAccessControlListSid: l.sid, ...s, dateCreated: now, dateUpdated: now };
    return this.write(() => {
      if (!this.t.sipIpAccessControlLists.get(l.sid)) return gone(l.sid);
      if (this.ipAddresses(l.sid).some((x) => x.ipAddress === s.ipAddress)) return addressTaken(l.sid, s.ipAddress);
      void this.t.sipIpAddresses.put(a.sid, a);
      void this.t.sipIpAddressesByList.put([l.sid, now, a.sid], a.sid);
      return a;
    });
  }

  async updateIpAddress(a: SipIpAddressRecord, patch: Partial<IpAddressSettings>): Promise<SipIpAddressRecord> {
    return this.write(() => {
      const current = this.t.sipIpAddresses.get(a.sid);
      if (!current) return gone(a.sid);
      const next: SipIpAddressRecord = { ...current, ...patch, dateUpdated: Date.now() };
      const list = current.ipAccessControlListSid;
      if (next.ipAddress !== current.ipAddress && this.ipAddresses(list).some((x) => x.ipAddress === next.ipAddress)) return addressTaken(list, next.ipAddress);
      void this.t.sipIpAddresses.put(a.sid, next);
      return next;
    });
  }

  async deleteIpAddress(a: SipIpAddressRecord): Promise<void> {
    await this.write(() => {
      if (!this.t.sipIpAddresses.get(a.sid)) return gone(a.sid);
      void this.t.sipIpAddresses.remove(a.sid);
      void this.t.sipIpAddressesByList.remove([a.ipAccessControlListSid, a.dateCreated, a.sid]);
      return undefined;
    });
  }

  // ---- domains ----

  /** The domain `sid` if it is one of `accountSid`'s. */
  domainOf(accountSid: string, sid: string): SipDomainRecord | undefined {
    const d = this.t.sipDomains.get(sid);
    return d?.accountSid === accountSid ? d : undefined;
  }

  /** The account's domains, oldest first. */
  domainsOf(accountSid: string): SipDomainRecord[] {
    return ownedBy(this.t.sipDomainsByAccount, accountSid, this.t.sipDomains);
  }

  /** The account's domains, oldest first, a page at a time. */
  domainsPage(accountSid: string, req: PageRequest): PageResult<SipDomainRecord> {
    const { start, end } = ownedRange(accountSid);
    return scanPage(this.t.sipDomainsByAccount, start, end, req, (sid) => this.t.sipDomains.get(sid));
  }

  /** `s.domainName` is kept in lower case; refused when any domain on the node has it. */
  async createDomain(accountSid: string, s: DomainSettings): Promise<SipDomainRecord> {
    const now = Date.now();
    const d: SipDomainRecord = { ...s, domainName: domainKey(s.domainName), sid: newSid('SD', now), accountSid, dateCreated: now, dateUpdated: now };
    return this.write(() => {
      if (this.t.sipDomainByName.get(d.domainName) !== undefined) return domainNameTaken(d.domainName);
      void this.t.sipDomains.put(d.sid, d);
      void this.t.sipDomainsByAccount.put([accountSid, now, d.sid], d.sid);
      void this.t.sipDomainByName.put(d.domainName, d.sid);
      return d;
    });
  }

  /** Applies the settings given to the domain as it is now; a new name must be free. */
  async updateDomain(d: SipDomainRecord, patch: Partial<DomainSettings>): Promise<SipDomainRecord> {
    return this.write(() => {
      const current = this.t.sipDomains.get(d.sid);
      if (!current) return gone(d.sid);
      const next: SipDomainRecord = { ...current, ...patch, domainName: domainKey(patch.domainName ?? current.domainName), dateUpdated: Date.now() };
      if (next.domainName !== current.domainName) {
        const holder = this.t.sipDomainByName.get(next.domainName);
        if (holder !== undefined && holder !== d.sid) return domainNameTaken(next.domainName);
        void this.t.sipDomainByName.remove(current.domainName);
        void this.t.sipDomainByName.put(next.domainName, d.sid);
      }
      void this.t.sipDomains.put(d.sid, next);
      return next;
    });
  }

  /** Deletes the domain, its mappings, and the bindings of the endpoints registered with it. */
  async deleteDomain(d: SipDomainRecord): Promise<void> {
    await this.write(() => {
      const current = this.t.sipDomains.get(d.sid);
      if (!current) return gone(d.sid);
      for (const key of this.t.sipDomainMappings.getKeys({ start: [d.sid, '', ''], end: [d.sid, MAX_KEY, ''] })) void this.t.sipDomainMappings.remove(key);
      for (const key of this.t.sipRegistrations.getKeys({ start: [d.sid, '', ''], end: [d.sid, MAX_KEY, ''] })) void this.t.sipRegistrations.remove(key);
      void this.t.sipDomains.remove(d.sid);
      void this.t.sipDomainsByAccount.remove([current.accountSid, current.dateCreated, d.sid]);
      if (this.t.sipDomainByName.get(current.domainName) === d.sid) void this.t.sipDomainByName.remove(current.domainName);
      return undefined;
    });
  }

  // ---- mappings ----

  /** The lists mapped to the domain for `kind`, the first mapped first. */
  mappings(domainSid: string, kind: SipMappingKind): SipMappingRecord[] {
    const out: SipMappingRecord[] = [];
    for (const { value } of this.t.sipDomainMappings.getRange({ start: [domainSid, kind, ''], end: [domainSid, kind, MAX_KEY] })) out.push(value);
    return out.sort((a, b) => a.dateCreated - b.dateCreated || (a.listSid < b.listSid ? -1 : 1));
  }

  mappingsPage(domainSid: string, kind: SipMappingKind, req: PageRequest): PageResult<SipMappingRecord> {
    return pageOfList(this.mappings(domainSid, kind), req, (m) => m.listSid);
  }

  mapping(domainSid: string, kind: SipMappingKind, listSid: string): SipMappingRecord | undefined {
    return this.t.sipDomainMappings.get([domainSid, kind, listSid]);
  }

  /** The FriendlyName of the list a mapping maps (what Twilio shows as the mapping's own). */
  mappedListName(m: SipMappingRecord): string {
    return this.kinds[listKindOf(m.kind)].lists.get(m.listSid)?.friendlyName ?? '';
  }

  /** Maps one of the domain account's lists (a credential list, or an IP access control list for `calls-ip`). */
  async map(d: SipDomainRecord, kind: SipMappingKind, listSid: string): Promise<SipMappingRecord> {
    const now = Date.now();
    const m: SipMappingRecord = { domainSid: d.sid, kind, listSid, accountSid: d.accountSid, dateCreated: now, dateUpdated: now };
    return this.write(() => {
      if (!this.t.sipDomains.get(d.sid)) return gone(d.sid);
      const k = this.kinds[listKindOf(kind)];
      if (k.lists.get(listSid)?.accountSid !== d.accountSid) {
        return new SipRefusal('list-not-found', `${listSid} is not one of the ${k.what}s of account ${d.accountSid}`);
      }
      if (this.t.sipDomainMappings.get([d.sid, kind, listSid]) !== undefined) {
        return new SipRefusal('already-mapped', `${listSid} is already mapped to the SIP domain ${d.sid} for ${kind === 'registrations-credentials' ? 'registrations' : 'calls'}`);
      }
      void this.t.sipDomainMappings.put([d.sid, kind, listSid], m);
      return m;
    });
  }

  async unmap(m: SipMappingRecord): Promise<void> {
    await this.write(() => {
      if (this.t.sipDomainMappings.get([m.domainSid, m.kind, m.listSid]) === undefined) return gone(m.listSid);
      void this.t.sipDomainMappings.remove([m.domainSid, m.kind, m.listSid]);
      return undefined;
    });
  }

  // ---- inside ----

  /** Runs `f` in one write transaction; a SipRefusal it returns rejects (nothing written), anything else resolves. */
  private async write<T>(f: () => T | SipRefusal): Promise<T> {
    const r = await this.t.root.transaction(f);
    if (r instanceof SipRefusal) throw r;
    return r;
  }

  private hasMappings(domainSid: string, kind: SipMappingKind): boolean {
    for (const _ of this.t.sipDomainMappings.getKeys({ start: [domainSid, kind, ''], end: [domainSid, kind, MAX_KEY], limit: 1 })) return true;
    return false;
  }

  /** The names of the account's domains that map `listSid` for any of `kinds`. */
  private domainsMapping(accountSid: string, listSid: string, kinds: readonly SipMappingKind[]): string[] {
    return this.domainsOf(accountSid)
      .filter((d) => kinds.some((k) => this.t.sipDomainMappings.get([d.sid, k, listSid]) !== undefined))
      .map((d) => d.domainName);
  }

  private listNamed(k: ListTables, accountSid: string, friendlyName: string): SipListRecord | undefined {
    return ownedBy(k.byAccount, accountSid, k.lists).find((l) => l.friendlyName === friendlyName);
  }
}

/** A dotted-quad IPv4 address (no leading zeros) as an unsigned 32-bit number; undefined for anything else. */
export function ipv4(text: string): number | undefined {
  const m = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

/** Whether `ip` is inside base/prefix (prefix 0 holds every address, 32 only `base`). */
function inPrefix(ip: number, base: number, prefix: number): boolean {
  if (prefix <= 0) return true;
  const mask = (0xffffffff << (32 - Math.min(prefix, 32))) >>> 0;
  return ((ip ^ base) & mask) >>> 0 === 0;
}

/** How a domain name is kept and looked up: lower case, no trailing dot. */
function domainKey(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** The records one owner's index names (the index maps `[owner, dateCreated, sid]` to a sid of `table`), oldest first. */
function ownedBy<T>(index: Database<string, Key>, owner: string, table: Database<T, string>): T[] {
  const out: T[] = [];
  for (const { value } of index.getRange(ownedRange(owner))) {
    const r = table.get(value);
    if (r !== undefined) out.push(r);
  }
  return out;
}

/** The keys `[owner, dateCreated, sid]` of one owner (an account's domains or lists, a list's addresses), oldest first. */
function ownedRange(owner: string): { start: [string, number, string]; end: [string, number, string] } {
  return { start: [owner, 0, ''], end: [owner, Number.MAX_SAFE_INTEGER, ''] };
}

function gone(sid: string): SipRefusal {
  return new SipRefusal('gone', `${sid} was deleted`);
}

function listNameTaken(k: ListTables, friendlyName: string): SipRefusal {
  return new SipRefusal(k.nameTaken, `A ${k.what} named '${friendlyName}' already exists in this account`);
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function addressTaken(listSid: string, ipAddress: string): SipRefusal {
  return new SipRefusal('address-taken', `IP access control list ${listSid} already holds the address ${ipAddress}`);
}

function domainNameTaken(name: string): SipRefusal {
  return new SipRefusal('domain-name-taken', `The SIP domain name ${name} is already in use`);
}
