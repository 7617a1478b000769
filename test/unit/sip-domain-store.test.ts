// The SIP domain store on a real LMDB environment: what the registrar and the INVITE screen read (a domain by its
// host name in any case, a credential of the lists mapped for calls or for registrations, which ways in a domain's
// calls have, whether a source address is in its IP lists), the refusals that keep names unique and lists owned,
// and what deleting a domain or a list takes with it.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeTables, openTables, type Tables } from '../../src/store/db.js';
import { SipDomainStore, SipRefusal, ipv4, type DomainSettings, type SipRefusalReason } from '../../src/sip-domains/store.js';
import type { SipRegistrationRecord } from '../../src/store/records.js';

const ACCOUNT = 'AC' + '1'.repeat(32);
const OTHER = 'AC' + '2'.repeat(32);

function open(t: TestContext): { tables: Tables; store: SipDomainStore; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-sip-store-'));
  const tables = openTables(dir);
  t.after(async () => {
    await closeTables(tables).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  return { tables, store: new SipDomainStore(tables), dir };
}

function settings(domainName: string, extra: Partial<DomainSettings> = {}): DomainSettings {
  return {
    domainName,
    friendlyName: domainName,
    voiceUrl: 'https://app.example.com/voice',
    voiceMethod: 'POST',
    voiceFallbackUrl: null,
    voiceFallbackMethod: 'POST',
    voiceStatusCallbackUrl: null,
    voiceStatusCallbackMethod: 'POST',
    sipRegistration: true,
    emergencyCallingEnabled: false,
    secure: false,
    byocTrunkSid: null,
    emergencyCallerSid: null,
    ...extra,
  };
}

async function refusedWith(p: Promise<unknown>, reason: SipRefusalReason): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SipRefusal, String(e));
    assert.equal(e.reason, reason, e.message);
    return true;
  });
}

test('a domain is found by its host name in any case, and the name is the node\'s: another account cannot take it, a rename frees it', async (t) => {
  const { store } = open(t);
  const d = await store.createDomain(ACCOUNT, settings('Office.SIP.Example.com'));
  assert.equal(d.domainName, 'office.sip.example.com');
  assert.equal(store.domainByName('OFFICE.sip.example.COM')?.sid, d.sid);
  assert.equal(store.domainByName('office.sip.example.com.')?.sid, d.sid, 'a fully qualified name with its trailing dot');
  assert.equal(store.domainByName('other.sip.example.com'), undefined);
  assert.deepEqual(store.domain(d.sid), d);

  await refusedWith(store.createDomain(OTHER, settings('office.sip.example.com')), 'domain-name-taken');
  const renamed = await store.updateDomain(d, { domainName: 'hq.sip.example.com', voiceMethod: 'GET' });
  assert.equal(renamed.voiceUrl, 'https://app.example.com/voice', 'what the update does not name stays');
  assert.equal(renamed.voiceMethod, 'GET');
  assert.equal(store.domainByName('office.sip.example.com'), undefined);
  assert.equal(store.domainByName('hq.sip.example.com')?.sid, d.sid);
  const theirs = await store.createDomain(OTHER, settings('office.sip.example.com'));
  await refusedWith(store.updateDomain(d, { domainName: 'OFFICE.sip.example.com' }), 'domain-name-taken');
  assert.equal(store.domainByName('office.sip.example.com')?.sid, theirs.sid);
  assert.equal((await store.updateDomain(d, { domainName: 'hq.sip.example.com', friendlyName: 'HQ' })).friendlyName, 'HQ', 'keeping its own name is no conflict');
});

test('two creates of one domain name at once: exactly one gets it', async (t) => {
  const { store } = open(t);
  const results = await Promise.allSettled([store.createDomain(ACCOUNT, settings('race.sip.example.com')), store.createDomain(OTHER, settings('race.sip.example.com'))]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  assert.ok(lost.reason instanceof SipRefusal && lost.reason.reason === 'domain-name-taken');
});

test('credential(): the lists mapped for that purpose only, the first mapped first; usernames are exact', async (t) => {
  const { store } = open(t);
  const d = await store.createDomain(ACCOUNT, settings('phones.sip.example.com'));
  const callers = await store.createList('credential-list', ACCOUNT, 'callers');
  const devices = await store.createList('credential-list', ACCOUNT, 'devices');
  const spare = await store.createList('credential-list', ACCOUNT, 'spare');
  const aliceCalls = await store.createCredential(callers, 'alice', 'CallerSecret2026');
  const aliceDevice = await store.createCredential(devices, 'alice', 'DeviceSecret2026');
  await store.createCredential(devices, 'bob', 'BobDevice2026xx');
  await store.createCredential(spare, 'carol', 'CarolSpare2026x');

  assert.equal(store.credential(d.sid, 'calls', 'alice'), undefined, 'nothing mapped yet');
  await store.map(d, 'calls-credentials', callers.sid);
  await store.map(d, 'calls-credentials', devices.sid);
  await store.map(d, 'registrations-credentials', devices.sid);

  assert.equal(store.credential(d.sid, 'calls', 'alice')?.sid, aliceCalls.sid, 'the list mapped first answers first');
  assert.equal(store.credential(d.sid, 'calls', 'bob')?.password, 'BobDevice2026xx', 'then the next list');
  assert.equal(store.credential(d.sid, 'registrations', 'alice')?.sid, aliceDevice.sid, 'registrations use their own mappings');
  assert.equal(store.credential(d.sid, 'calls', 'carol'), undefined, 'a list not mapped lets nobody in');
  assert.equal(store.credential(d.sid, 'registrations', 'carol'), undefined);
  assert.equal(store.credential(d.sid, 'calls', 'Alice'), undefined, 'usernames are case-sensitive, as digest compares them');

  const changed = await store.setPassword(aliceCalls, 'ChangedSecret2027');
  assert.equal(store.credential(d.sid, 'calls', 'alice')?.password, 'ChangedSecret2027');
  assert.ok(changed.dateUpdated >= aliceCalls.dateUpdated);
  await store.deleteCredential(changed);
  assert.equal(store.credential(d.sid, 'calls', 'alice')?.sid, aliceDevice.sid, 'with the first gone, the next list answers');

  await store.unmap(store.mapping(d.sid, 'registrations-credentials', devices.sid)!);
  assert.equal(store.credential(d.sid, 'registrations', 'alice'), undefined);
  assert.equal(store.credential(d.sid, 'calls', 'bob')?.username, 'bob', 'unmapping for registrations leaves the calls mapping');
});

test('callAuth(): the kinds of calls mappings a domain has; a registrations mapping is not a way in for calls', async (t) => {
  const { store } = open(t);
  const d = await store.createDomain(ACCOUNT, settings('auth.sip.example.com'));
  const creds = await store.createList('credential-list', ACCOUNT, 'creds');
  const acl = await store.createList('ip-access-control-list', ACCOUNT, 'office');
  assert.deepEqual(store.callAuth(d.sid), { credentials: false, ip: false });
  await store.map(d, 'registrations-credentials', creds.sid);
  assert.deepEqual(store.callAuth(d.sid), { credentials: false, ip: false });
  await store.map(d, 'calls-ip', acl.sid);
  assert.deepEqual(store.callAuth(d.sid), { credentials: false, ip: true });
  await store.map(d, 'calls-credentials', creds.sid);
  assert.deepEqual(store.callAuth(d.sid), { credentials: true, ip: true });
  await store.unmap(store.mapping(d.sid, 'calls-ip', acl.sid)!);
  assert.deepEqual(store.callAuth(d.sid), { credentials: true, ip: false });
  assert.deepEqual(store.callAuth('SD' + '9'.repeat(32)), { credentials: false, ip: false }, 'an unknown domain has none');
});

test('ipPermitted(): CIDR ranges of the calls IP lists, IPv4-mapped IPv6 sources, nothing else', async (t) => {
  const { store } = open(t);
  const d = await store.createDomain(ACCOUNT, settings('pbx.sip.example.com'));
  const office = await store.createList('ip-access-control-list', ACCOUNT, 'office');
  const unmapped = await store.createList('ip-access-control-list', ACCOUNT, 'unmapped');
  await store.createIpAddress(office, { friendlyName: 'lan', ipAddress: '192.168.10.0', cidrPrefixLength: 24 });
  const pbx = await store.createIpAddress(office, { friendlyName: 'pbx', ipAddress: '203.0.113.7', cidrPrefixLength: 32 });
  await store.createIpAddress(office, { friendlyName: 'pair', ipAddress: '198.51.100.4', cidrPrefixLength: 31 });
  await store.createIpAddress(office, { friendlyName: 'carrier', ipAddress: '100.64.0.0', cidrPrefixLength: 10 });
  await store.createIpAddress(office, { friendlyName: 'big', ipAddress: '44.0.0.0', cidrPrefixLength: 8 });
  await store.createIpAddress(unmapped, { friendlyName: 'elsewhere', ipAddress: '10.0.0.0', cidrPrefixLength: 8 });

  assert.equal(store.ipPermitted(d.sid, '192.168.10.20'), false, 'no list mapped: no address is in');
  await store.map(d, 'calls-ip', office.sid);
  const cases: [string, boolean][] = [
    ['192.168.10.0', true],
    ['192.168.10.255', true],
    ['192.168.11.1', false],
    ['192.168.9.255', false],
    ['203.0.113.7', true],
    ['203.0.113.8', false],
    ['198.51.100.4', true],
    ['198.51.100.5', true],
    ['198.51.100.6', false],
    ['100.127.255.255', true],
    ['100.128.0.0', false],
    ['100.63.255.255', false],
    ['44.255.1.1', true],
    ['45.0.0.1', false],
    ['::ffff:192.168.10.20', true],
    ['::FFFF:203.0.113.7', true],
    ['::ffff:203.0.113.9', false],
    ['10.1.2.3', false],
    ['2001:db8::1', false],
    ['not an address', false],
    ['192.168.010.020', false],
  ];
  for (const [address, expected] of cases) assert.equal(store.ipPermitted(d.sid, address), expected, address);

  await store.updateIpAddress(pbx, { ipAddress: '203.0.113.8' });
  assert.equal(store.ipPermitted(d.sid, '203.0.113.7'), false, 'an updated address applies at once');
  assert.equal(store.ipPermitted(d.sid, '203.0.113.8'), true);
  const everyone = await store.createList('ip-access-control-list', ACCOUNT, 'everyone');
  await store.createIpAddress(everyone, { friendlyName: 'all', ipAddress: '0.0.0.0', cidrPrefixLength: 0 });
  await store.map(d, 'calls-ip', everyone.sid);
  assert.equal(store.ipPermitted(d.sid, '8.8.8.8'), true, '/0 holds every IPv4 address');
  assert.equal(store.ipPermitted(d.sid, '2001:db8::1'), false, 'but no IPv6 one');
});

test('names, usernames and addresses are unique where Twilio makes them so; a list is mapped once, and only its own account\'s', async (t) => {
  const { store } = open(t);
  const list = await store.createList('credential-list', ACCOUNT, 'phones');
  await refusedWith(store.createList('credential-list', ACCOUNT, 'phones'), 'credential-list-name-taken');
  const other = await store.createList('credential-list', OTHER, 'phones');
  const second = await store.createList('credential-list', ACCOUNT, 'second');
  await refusedWith(store.renameList('credential-list', second, 'phones'), 'credential-list-name-taken');
  assert.equal((await store.renameList('credential-list', list, 'phones')).friendlyName, 'phones');

  await store.createCredential(list, 'alice', 'AlicePhone2026x');
  await refusedWith(store.createCredential(list, 'alice', 'AnotherOne2026x'), 'username-taken');
  await store.createCredential(second, 'alice', 'AlicePhone2026x');

  const acl = await store.createList('ip-access-control-list', ACCOUNT, 'office');
  await refusedWith(store.createList('ip-access-control-list', ACCOUNT, 'office'), 'ip-acl-name-taken');
  await store.createIpAddress(acl, { friendlyName: 'a', ipAddress: '10.0.0.1', cidrPrefixLength: 32 });
  const b = await store.createIpAddress(acl, { friendlyName: 'b', ipAddress: '10.0.0.2', cidrPrefixLength: 32 });
  await refusedWith(store.createIpAddress(acl, { friendlyName: 'again', ipAddress: '10.0.0.1', cidrPrefixLength: 24 }), 'address-taken');
  await refusedWith(store.updateIpAddress(b, { ipAddress: '10.0.0.1' }), 'address-taken');

  const d = await store.createDomain(ACCOUNT, settings('unique.sip.example.com'));
  await store.map(d, 'calls-credentials', list.sid);
  await refusedWith(store.map(d, 'calls-credentials', list.sid), 'already-mapped');
  await store.map(d, 'registrations-credentials', list.sid);
  await refusedWith(store.map(d, 'calls-credentials', other.sid), 'list-not-found');
  await refusedWith(store.map(d, 'calls-ip', list.sid), 'list-not-found');
  await refusedWith(store.map(d, 'calls-credentials', acl.sid), 'list-not-found');
  assert.deepEqual(
    store.mappings(d.sid, 'calls-credentials').map((m) => m.listSid),
    [list.sid],
  );
});

test('a mapped list is not deleted; unmapped, it goes with its credentials or addresses', async (t) => {
  const { store, tables } = open(t);
  const d = await store.createDomain(ACCOUNT, settings('keep.sip.example.com'));
  const list = await store.createList('credential-list', ACCOUNT, 'phones');
  const c = await store.createCredential(list, 'alice', 'AlicePhone2026x');
  const acl = await store.createList('ip-access-control-list', ACCOUNT, 'office');
  const a = await store.createIpAddress(acl, { friendlyName: 'lan', ipAddress: '10.0.0.0', cidrPrefixLength: 8 });
  await store.map(d, 'registrations-credentials', list.sid);
  await store.map(d, 'calls-ip', acl.sid);

  await refusedWith(store.deleteList('credential-list', list), 'credential-list-mapped');
  await refusedWith(store.deleteList('ip-access-control-list', acl), 'ip-acl-mapped');
  assert.equal(store.credential(d.sid, 'registrations', 'alice')?.sid, c.sid, 'a refused delete changes nothing');

  await store.unmap(store.mapping(d.sid, 'registrations-credentials', list.sid)!);
  await store.unmap(store.mapping(d.sid, 'calls-ip', acl.sid)!);
  await store.deleteList('credential-list', list);
  await store.deleteList('ip-access-control-list', acl);
  assert.equal(store.list('credential-list', ACCOUNT, list.sid), undefined);
  assert.equal(tables.sipCredentials.get(c.sid), undefined);
  assert.equal(tables.sipCredentialsByList.get([list.sid, 'alice']), undefined);
  assert.equal(tables.sipIpAddresses.get(a.sid), undefined);
  await refusedWith(store.deleteList('credential-list', list), 'gone');
  await refusedWith(store.createCredential(list, 'bob', 'BobPhone2026xxx'), 'gone');
});

test('deleting a domain takes its mappings and its registered endpoints, frees its name, and leaves its lists', async (t) => {
  const { store, tables } = open(t);
  const d = await store.createDomain(ACCOUNT, settings('gone.sip.example.com'));
  const other = await store.createDomain(ACCOUNT, settings('stays.sip.example.com'));
  const list = await store.createList('credential-list', ACCOUNT, 'phones');
  await store.map(d, 'calls-credentials', list.sid);
  await store.map(d, 'registrations-credentials', list.sid);
  await store.map(other, 'registrations-credentials', list.sid);
  const binding = (domainSid: string, username: string): SipRegistrationRecord => ({
    domainSid,
    username,
    contact: `sip:${username}@10.0.0.5:5060`,
    sourceAddress: '10.0.0.5',
    sourcePort: 5060,
    protocol: 'udp',
    callId: 'c1',
    expiresAt: Date.now() + 600_000,
    userAgent: null,
    dateCreated: Date.now(),
    dateUpdated: Date.now(),
  });
  for (const b of [binding(d.sid, 'alice'), binding(d.sid, 'bob'), binding(other.sid, 'alice')]) await tables.sipRegistrations.put([b.domainSid, b.username, b.contact], b);

  await store.deleteDomain(d);
  assert.equal(store.domain(d.sid), undefined);
  assert.equal(store.domainByName('gone.sip.example.com'), undefined);
  assert.deepEqual(store.mappings(d.sid, 'calls-credentials'), []);
  assert.deepEqual(store.mappings(d.sid, 'registrations-credentials'), []);
  assert.equal([...tables.sipRegistrations.getKeys({ start: [d.sid, '', ''], end: [d.sid, '\uffff', ''] })].length, 0);
  assert.equal([...tables.sipRegistrations.getKeys({ start: [other.sid, '', ''], end: [other.sid, '\uffff', ''] })].length, 1, "another domain's endpoints stay");
  assert.equal(store.mappings(other.sid, 'registrations-credentials').length, 1);
  assert.ok(store.list('credential-list', ACCOUNT, list.sid), 'the lists are the account\'s, not the domain\'s');
  await store.createDomain(OTHER, settings('gone.sip.example.com'));
});

test('records are the account\'s own, pages follow one another, and everything reads back after a restart', async (t) => {
  const { store, tables, dir } = open(t);
  const list = await store.createList('credential-list', ACCOUNT, 'many');
  for (const u of ['dave', 'alice', 'carol', 'bob', 'erin']) await store.createCredential(list, u, 'SamePassword2026');
  assert.equal(store.list('credential-list', OTHER, list.sid), undefined);
  assert.equal(store.credentialOf('CL' + '0'.repeat(32), store.credentialsPage(list.sid, { pageSize: 1, page: 0, after: undefined }).records[0]!.sid), undefined);

  const seen: string[] = [];
  let after: unknown[] | undefined;
  for (let page = 0; ; page++) {
    const r = store.credentialsPage(list.sid, { pageSize: 2, page, after });
    seen.push(...r.records.map((c) => c.username));
    if (r.nextAfter === undefined) break;
    after = r.nextAfter;
  }
  assert.deepEqual(seen, ['alice', 'bob', 'carol', 'dave', 'erin'], 'credentials by username, page after page');

  const d = await store.createDomain(ACCOUNT, settings('durable.sip.example.com'));
  await store.map(d, 'calls-credentials', list.sid);
  await closeTables(tables);
  const again = openTables(dir);
  t.after(() => closeTables(again));
  const reopened = new SipDomainStore(again);
  assert.equal(reopened.domainByName('durable.sip.example.com')?.sid, d.sid);
  assert.equal(reopened.credential(d.sid, 'calls', 'carol')?.password, 'SamePassword2026');
  assert.deepEqual(reopened.domainsPage(ACCOUNT, { pageSize: 50, page: 0, after: undefined }).records.map((x) => x.sid), [d.sid]);
  assert.deepEqual(reopened.domainsPage(OTHER, { pageSize: 50, page: 0, after: undefined }).records, []);
});

test('ipv4(): dotted quads only', () => {
  assert.equal(ipv4('0.0.0.0'), 0);
  assert.equal(ipv4('255.255.255.255'), 0xffffffff);
  assert.equal(ipv4('10.0.0.1'), 0x0a000001);
  for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', ' 1.2.3.4', '1.2.3.4 ', '::1', '']) assert.equal(ipv4(bad), undefined, bad);
});
