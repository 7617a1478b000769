// The SIP REST resources against a running tandem, through the official twilio client: credential lists and their
// credentials, IP access control lists and their addresses, domains, and the five kinds of mapping routes, created,
// listed (page by page), fetched, updated and deleted; every body checked against the spec's schema; Twilio's SIP
// error codes for what is wrong; passwords never shown; accounts kept apart, and domain names unique on the node.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { rejectsWithCode } from '../helpers/twilio-client.js';
import { errorBodyProblems, resourceSchema, responseSchema, shapeProblems } from '../helpers/spec-schema.js';

let t: Tandem;
let A: string;
const P = '/2010-04-01/Accounts/{AccountSid}/SIP';
const PASSWORD = 'DeskPhone2026x';

before(async () => {
  t = await startTandem();
  A = `/2010-04-01/Accounts/${t.accountSid}/SIP`;
});
after(async () => {
  await t.cleanup();
});

const sip = () => t.client().api.v2010.accounts(t.accountSid).sip;
let n = 0;
/** A name no other test of this file uses (they share one tandem). */
const unique = (base: string) => `${base}-${++n}`;

async function raw(path: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await t.fetch(path, init);
  const text = await r.text();
  return { status: r.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}
const post = (fields: Record<string, string>): RequestInit => ({ method: 'POST', body: new URLSearchParams(fields) });

/** A raw request answered with Twilio's error body: this status and code, and a message matching `text`. */
async function rawError(path: string, init: RequestInit | undefined, status: number, code: number, text?: RegExp): Promise<void> {
  const r = await raw(path, init);
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.deepEqual(errorBodyProblems(r.body, status), []);
  assert.equal(r.body.code, code, JSON.stringify(r.body));
  if (text) assert.match(String(r.body.message), text);
}

/** The client's call fails with this status, code and a message matching `text`. */
async function clientError(p: Promise<unknown>, status: number, code: number, text: RegExp): Promise<void> {
  await assert.rejects(p, (e: { status?: number; code?: number; message?: string }) => {
    assert.equal(e.status, status, JSON.stringify(e));
    assert.equal(e.code, code, JSON.stringify(e));
    assert.match(e.message ?? '', text);
    return true;
  });
}

test('credential lists and credentials: create, list, fetch, update, delete; passwords never shown', async () => {
  const name = unique('desk phones');
  const list = await sip().credentialLists.create({ friendlyName: name });
  assert.match(list.sid, /^CL[0-9a-f]{32}$/);
  assert.equal(list.accountSid, t.accountSid);
  assert.equal(list.friendlyName, name);
  assert.equal(list.subresourceUris.credentials, `${A}/CredentialLists/${list.sid}/Credentials.json`);
  assert.ok((await sip().credentialLists.list()).some((l) => l.sid === list.sid));

  const alice = await sip().credentialLists(list.sid).credentials.create({ username: 'alice', password: PASSWORD });
  assert.match(alice.sid, /^CR[0-9a-f]{32}$/);
  assert.equal(alice.credentialListSid, list.sid);
  await sip().credentialLists(list.sid).credentials.create({ username: 'bob.smith', password: 'BobSmith2026xx' });
  assert.deepEqual((await sip().credentialLists(list.sid).credentials.list()).map((c) => c.username), ['alice', 'bob.smith']);
  assert.equal((await sip().credentialLists(list.sid).credentials(alice.sid).fetch()).username, 'alice');
  const updated = await sip().credentialLists(list.sid).credentials(alice.sid).update({ password: 'NewDeskPhone2027' });
  assert.equal(updated.username, 'alice');

  // Every body that shows a credential, raw, in the spec's shape and without the password.
  const bodies = [
    (await raw(`${A}/CredentialLists/${list.sid}/Credentials.json`, post({ Username: 'carol', Password: 'CarolPhone2026' }))).body,
    (await raw(`${A}/CredentialLists/${list.sid}/Credentials/${alice.sid}.json`)).body,
    (await raw(`${A}/CredentialLists/${list.sid}/Credentials/${alice.sid}.json`, post({ Password: 'ThirdPassword2028' }))).body,
  ];
  const passwords = [PASSWORD, 'BobSmith2026xx', 'NewDeskPhone2027', 'CarolPhone2026', 'ThirdPassword2028'];
  for (const b of bodies) {
    assert.deepEqual(shapeProblems(b, resourceSchema('sip.sip_credential_list.sip_credential')), []);
    assert.ok(!('password' in b) && !passwords.some((pw) => JSON.stringify(b).includes(pw)), JSON.stringify(b));
  }
  const page = await raw(`${A}/CredentialLists/${list.sid}/Credentials.json?PageSize=2`);
  assert.deepEqual(shapeProblems(page.body, responseSchema(`${P}/CredentialLists/{CredentialListSid}/Credentials.json`)), []);
  assert.ok(!JSON.stringify(page.body).toLowerCase().includes('password'));
  assert.equal((page.body.credentials as unknown[]).length, 2);
  assert.match(String(page.body.next_page_uri), /PageToken=PA/, 'three credentials, two a page');
  assert.equal((await sip().credentialLists(list.sid).credentials.list({ pageSize: 1 })).length, 3, 'the client walks the pages');

  const renamed = unique('all phones');
  assert.equal((await sip().credentialLists(list.sid).update({ friendlyName: renamed })).friendlyName, renamed);
  assert.deepEqual(shapeProblems((await raw(`${A}/CredentialLists/${list.sid}.json`)).body, resourceSchema('sip.sip_credential_list')), []);
  assert.deepEqual(shapeProblems((await raw(`${A}/CredentialLists.json`)).body, responseSchema(`${P}/CredentialLists.json`)), []);

  assert.equal(await sip().credentialLists(list.sid).credentials(alice.sid).remove(), true);
  await rejectsWithCode(sip().credentialLists(list.sid).credentials(alice.sid).fetch(), 404, 20404);
  assert.equal(await sip().credentialLists(list.sid).remove(), true);
  await rejectsWithCode(sip().credentialLists(list.sid).fetch(), 404, 20404);
  await rejectsWithCode(sip().credentialLists(list.sid).credentials.list(), 404, 20404);
});

test('credential lists and credentials: what is wrong is 21240 (the list) or 21243 (a credential), unknown SIDs 20404', async () => {
  const taken = unique('office');
  const list = await sip().credentialLists.create({ friendlyName: taken });
  await rawError(`${A}/CredentialLists.json`, post({}), 400, 21240, /FriendlyName/);
  await rawError(`${A}/CredentialLists.json`, post({ FriendlyName: 'x'.repeat(65) }), 400, 21240, /64/);
  await clientError(sip().credentialLists.create({ friendlyName: taken }), 400, 21240, /already exists/);
  const other = await sip().credentialLists.create({ friendlyName: unique('other') });
  await clientError(sip().credentialLists(other.sid).update({ friendlyName: taken }), 400, 21240, /already exists/);
  await rawError(`${A}/CredentialLists/${list.sid}.json`, post({}), 400, 21240, /FriendlyName/);

  const creds = `${A}/CredentialLists/${list.sid}/Credentials.json`;
  await rawError(creds, post({ Password: PASSWORD }), 400, 21243, /Username/);
  await rawError(creds, post({ Username: 'alice' }), 400, 21243, /Password/);
  await rawError(creds, post({ Username: 'a'.repeat(33), Password: PASSWORD }), 400, 21243, /32/);
  await rawError(creds, post({ Username: 'alice smith', Password: PASSWORD }), 400, 21243, /user part of a SIP URI/);
  await rawError(creds, post({ Username: 'alice@office', Password: PASSWORD }), 400, 21243, /user part of a SIP URI/);
  for (const weak of ['Short2026a', 'alllowercase2026', 'ALLUPPERCASE2026', 'NoDigitsAtAllHere']) {
    await rawError(creds, post({ Username: 'alice', Password: weak }), 400, 21243, /at least 12 characters long and contain a digit, a lower-case and an upper-case letter/);
  }
  assert.equal((await sip().credentialLists(list.sid).credentials.create({ username: 'a'.repeat(32), password: 'Exactly12chr' })).username, 'a'.repeat(32), '32 and 12 are allowed');
  const alice = await sip().credentialLists(list.sid).credentials.create({ username: 'alice', password: PASSWORD });
  await clientError(sip().credentialLists(list.sid).credentials.create({ username: 'alice', password: PASSWORD }), 400, 21243, /already has a credential with the username 'alice'/);
  await clientError(sip().credentialLists(list.sid).credentials(alice.sid).update({ password: 'weak' }), 400, 21243, /at least 12/);

  const nobody = 'CL' + '0'.repeat(32);
  await rawError(`${A}/CredentialLists/${nobody}.json`, undefined, 404, 20404, new RegExp(`CredentialLists/${nobody}.json was not found`));
  await rejectsWithCode(sip().credentialLists(nobody).credentials.create({ username: 'x', password: PASSWORD }), 404, 20404);
  await rejectsWithCode(sip().credentialLists(list.sid).credentials('CR' + '0'.repeat(32)).fetch(), 404, 20404);
  // A credential is found under its own list only.
  await rejectsWithCode(sip().credentialLists(other.sid).credentials(alice.sid).fetch(), 404, 20404);
  await rejectsWithCode(sip().credentialLists(nobody).remove(), 404, 20404);
});

test('IP access control lists and addresses: create, list, fetch, update, delete; IPv4 and CIDR checked (21238), duplicates 21235', async () => {
  const name = unique('office');
  const acl = await sip().ipAccessControlLists.create({ friendlyName: name });
  assert.match(acl.sid, /^AL[0-9a-f]{32}$/);
  assert.equal(acl.subresourceUris.ip_addresses, `${A}/IpAccessControlLists/${acl.sid}/IpAddresses.json`);
  const lan = await sip().ipAccessControlLists(acl.sid).ipAddresses.create({ friendlyName: 'lan', ipAddress: '192.168.10.0', cidrPrefixLength: 24 });
  assert.match(lan.sid, /^IP[0-9a-f]{32}$/);
  assert.equal(lan.cidrPrefixLength, 24);
  assert.equal(lan.ipAccessControlListSid, acl.sid);
  const pbx = await sip().ipAccessControlLists(acl.sid).ipAddresses.create({ friendlyName: 'pbx', ipAddress: '203.0.113.7' });
  assert.equal(pbx.cidrPrefixLength, 32, 'one host by default');
  assert.deepEqual((await sip().ipAccessControlLists(acl.sid).ipAddresses.list()).map((a) => a.ipAddress), ['192.168.10.0', '203.0.113.7']);
  const moved = await sip().ipAccessControlLists(acl.sid).ipAddresses(pbx.sid).update({ ipAddress: '203.0.113.8', friendlyName: 'new pbx' });
  assert.deepEqual([moved.ipAddress, moved.friendlyName, moved.cidrPrefixLength], ['203.0.113.8', 'new pbx', 32]);
  assert.equal((await sip().ipAccessControlLists(acl.sid).ipAddresses(pbx.sid).update({ cidrPrefixLength: 30 })).ipAddress, '203.0.113.8', 'what an update does not name stays');

  assert.deepEqual(shapeProblems((await raw(`${A}/IpAccessControlLists/${acl.sid}.json`)).body, resourceSchema('sip.sip_ip_access_control_list')), []);
  assert.deepEqual(shapeProblems((await raw(`${A}/IpAccessControlLists.json`)).body, responseSchema(`${P}/IpAccessControlLists.json`)), []);
  assert.deepEqual(shapeProblems((await raw(`${A}/IpAccessControlLists/${acl.sid}/IpAddresses/${lan.sid}.json`)).body, resourceSchema('sip.sip_ip_access_control_list.sip_ip_address')), []);
  assert.deepEqual(
    shapeProblems((await raw(`${A}/IpAccessControlLists/${acl.sid}/IpAddresses.json?PageSize=1`)).body, responseSchema(`${P}/IpAccessControlLists/{IpAccessControlListSid}/IpAddresses.json`)),
    [],
  );

  const addresses = `${A}/IpAccessControlLists/${acl.sid}/IpAddresses.json`;
  await rawError(addresses, post({ FriendlyName: 'v6', IpAddress: '2001:db8::1' }), 400, 21238, /IPv4/);
  await rawError(addresses, post({ FriendlyName: 'bad', IpAddress: '300.1.1.1' }), 400, 21238, /IPv4/);
  await rawError(addresses, post({ FriendlyName: 'bad', IpAddress: 'office.example.com' }), 400, 21238, /IPv4/);
  await rawError(addresses, post({ FriendlyName: 'none' }), 400, 21238, /IpAddress/);
  await rawError(addresses, post({ IpAddress: '10.0.0.1' }), 400, 21238, /FriendlyName/);
  await rawError(addresses, post({ FriendlyName: 'wide', IpAddress: '10.0.0.0', CidrPrefixLength: '33' }), 400, 21238, /CidrPrefixLength/);
  await rawError(addresses, post({ FriendlyName: 'wide', IpAddress: '10.0.0.0', CidrPrefixLength: '-1' }), 400, 21238, /CidrPrefixLength/);
  await clientError(sip().ipAccessControlLists(acl.sid).ipAddresses.create({ friendlyName: 'again', ipAddress: '192.168.10.0', cidrPrefixLength: 16 }), 400, 21235, /already holds the address 192\.168\.10\.0/);
  await clientError(sip().ipAccessControlLists(acl.sid).ipAddresses(pbx.sid).update({ ipAddress: '192.168.10.0' }), 400, 21235, /already holds/);
  await rawError(`${A}/IpAccessControlLists.json`, post({}), 400, 21235, /FriendlyName/);
  await rawError(`${A}/IpAccessControlLists.json`, post({ FriendlyName: 'x'.repeat(256) }), 400, 21235, /255/);
  await clientError(sip().ipAccessControlLists.create({ friendlyName: name }), 400, 21235, /already exists/);

  assert.equal(await sip().ipAccessControlLists(acl.sid).ipAddresses(lan.sid).remove(), true);
  await rejectsWithCode(sip().ipAccessControlLists(acl.sid).ipAddresses(lan.sid).fetch(), 404, 20404);
  const renamed = unique('renamed office');
  assert.equal((await sip().ipAccessControlLists(acl.sid).update({ friendlyName: renamed })).friendlyName, renamed);
  assert.equal(await sip().ipAccessControlLists(acl.sid).remove(), true);
  await rejectsWithCode(sip().ipAccessControlLists(acl.sid).fetch(), 404, 20404);
  await rejectsWithCode(sip().ipAccessControlLists(acl.sid).ipAddresses(pbx.sid).fetch(), 404, 20404);
});

test('domains: every setting stored and shown, the defaults, updates, renames and deletes; listed page by page', async () => {
  const name = `${unique('acme')}.sip.twilio.com`;
  const d = await sip().domains.create({
    domainName: name.toUpperCase(),
    friendlyName: 'Acme HQ',
    voiceUrl: 'https://app.example.com/voice',
    voiceMethod: 'GET',
    voiceFallbackUrl: 'https://app.example.com/fallback',
    voiceFallbackMethod: 'GET',
    voiceStatusCallbackUrl: 'https://app.example.com/status',
    voiceStatusCallbackMethod: 'GET',
    sipRegistration: true,
    emergencyCallingEnabled: true,
    secure: true,
    byocTrunkSid: 'BY' + 'a'.repeat(32),
    emergencyCallerSid: 'PN' + 'b'.repeat(32),
  });
  assert.match(d.sid, /^SD[0-9a-f]{32}$/);
  assert.deepEqual(
    [d.domainName, d.friendlyName, d.voiceUrl, d.voiceMethod, d.voiceFallbackUrl, d.voiceFallbackMethod, d.voiceStatusCallbackUrl, d.voiceStatusCallbackMethod],
    [name, 'Acme HQ', 'https://app.example.com/voice', 'GET', 'https://app.example.com/fallback', 'GET', 'https://app.example.com/status', 'GET'],
  );
  assert.deepEqual([d.sipRegistration, d.emergencyCallingEnabled, d.secure, d.byocTrunkSid, d.emergencyCallerSid], [true, true, true, 'BY' + 'a'.repeat(32), 'PN' + 'b'.repeat(32)]);
  assert.equal(d.apiVersion, '2010-04-01');
  assert.equal(d.authType, '', 'nothing mapped: no way in');
  assert.deepEqual(d.subresourceUris, {
    credential_list_mappings: `${A}/Domains/${d.sid}/CredentialListMappings.json`,
    ip_access_control_list_mappings: `${A}/Domains/${d.sid}/IpAccessControlListMappings.json`,
  });
  assert.deepEqual(shapeProblems((await raw(`${A}/Domains/${d.sid}.json`)).body, resourceSchema('sip.sip_domain')), []);

  const plainName = unique('plain.pbx.example.org');
  const plain = await sip().domains.create({ domainName: plainName });
  assert.deepEqual(
    [plain.friendlyName, plain.voiceUrl, plain.voiceMethod, plain.voiceFallbackMethod, plain.voiceStatusCallbackMethod, plain.sipRegistration, plain.secure, plain.emergencyCallingEnabled, plain.byocTrunkSid],
    [plainName, null, 'POST', 'POST', 'POST', false, false, false, null],
    'the defaults',
  );
  assert.deepEqual(shapeProblems((await raw(`${A}/Domains/${plain.sid}.json`)).body, resourceSchema('sip.sip_domain')), []);

  const renamedTo = `${unique('acme-west')}.sip.twilio.com`;
  const updated = await sip().domains(d.sid).update({ domainName: renamedTo, sipRegistration: false, voiceUrl: 'https://app.example.com/v2', byocTrunkSid: '' });
  assert.deepEqual([updated.domainName, updated.sipRegistration, updated.voiceUrl, updated.byocTrunkSid, updated.friendlyName, updated.voiceMethod], [renamedTo, false, 'https://app.example.com/v2', null, 'Acme HQ', 'GET']);
  const reuse = await sip().domains.create({ domainName: name });
  assert.equal(reuse.domainName, name, 'a rename frees the old name');

  const mine = [d.sid, plain.sid, reuse.sid];
  assert.deepEqual((await sip().domains.list({ pageSize: 1 })).map((x) => x.sid).filter((s) => mine.includes(s)), mine, 'oldest first, one page at a time');
  const page = await raw(`${A}/Domains.json?PageSize=1`);
  assert.deepEqual(shapeProblems(page.body, responseSchema(`${P}/Domains.json`)), []);
  assert.match(String(page.body.next_page_uri), /^\/2010-04-01\/Accounts\/AC[0-9a-f]{32}\/SIP\/Domains\.json\?PageSize=1&Page=1&PageToken=PA/);

  assert.equal(await sip().domains(reuse.sid).remove(), true);
  await rejectsWithCode(sip().domains(reuse.sid).fetch(), 404, 20404);
  await rejectsWithCode(sip().domains(reuse.sid).update({ friendlyName: 'x' }), 404, 20404);
  assert.ok(await sip().domains.create({ domainName: name }), 'a deleted domain frees its name');
});

test('domains: a bad or taken DomainName is 21232, any other bad setting 21231', async () => {
  const taken = `${unique('taken')}.sip.example.com`;
  const d = await sip().domains.create({ domainName: taken });
  const domains = `${A}/Domains.json`;
  await rawError(domains, post({ FriendlyName: 'no name' }), 400, 21232, /DomainName/);
  for (const bad of ['not a host', 'trailing-.example.com', '-leading.example.com', 'double..dot.com', '10.0.0.1', 'under_score.example.com', `${'a'.repeat(64)}.example.com`]) {
    await rawError(domains, post({ DomainName: bad }), 400, 21232, /not a valid host name/);
  }
  await clientError(sip().domains.create({ domainName: taken.toUpperCase() }), 400, 21232, new RegExp(`The SIP domain name ${taken.replace(/\./g, '\\.')} is already in use`));
  const other = await sip().domains.create({ domainName: `${unique('other')}.sip.example.com` });
  await clientError(sip().domains(other.sid).update({ domainName: taken }), 400, 21232, /already in use/);
  await rawError(domains, post({ DomainName: `${unique('x')}.example.com`, VoiceUrl: 'not a url' }), 400, 21231, /VoiceUrl/);
  await rawError(domains, post({ DomainName: `${unique('x')}.example.com`, VoiceStatusCallbackUrl: 'ftp://example.com/x' }), 400, 21231, /VoiceStatusCallbackUrl/);
  await rawError(domains, post({ DomainName: `${unique('x')}.example.com`, VoiceMethod: 'PUT' }), 400, 21231, /VoiceMethod/);
  await rawError(domains, post({ DomainName: `${unique('x')}.example.com`, SipRegistration: 'yes' }), 400, 21231, /SipRegistration/);
  await rawError(domains, post({ DomainName: `${unique('x')}.example.com`, ByocTrunkSid: 'TK' + '0'.repeat(32) }), 400, 21231, /ByocTrunkSid/);
  await rawError(domains, post({ DomainName: `${unique('x')}.example.com`, EmergencyCallerSid: 'nope' }), 400, 21231, /EmergencyCallerSid/);
  await rawError(domains, post({ DomainName: `${unique('x')}.example.com`, FriendlyName: 'f'.repeat(65) }), 400, 21231, /64/);
  await rawError(`${A}/Domains/${d.sid}.json`, post({ VoiceFallbackMethod: 'DELETE' }), 400, 21231, /VoiceFallbackMethod/);
  assert.equal((await sip().domains(d.sid).fetch()).voiceFallbackMethod, 'POST', 'a refused update changes nothing');
  await rawError(`${A}/Domains/SD${'0'.repeat(32)}.json`, undefined, 404, 20404, /Domains\/SD0{32}\.json was not found/);
});

test('mappings: the calls and registrations routes, the legacy ones showing the calls mappings, auth_type following them', async () => {
  const list = await sip().credentialLists.create({ friendlyName: unique('phones') });
  const devices = await sip().credentialLists.create({ friendlyName: unique('devices') });
  const acl = await sip().ipAccessControlLists.create({ friendlyName: unique('office') });
  const d = await sip().domains.create({ domainName: `${unique('mapped')}.sip.example.com`, sipRegistration: true });
  const domain = sip().domains(d.sid);

  const calls = await domain.auth.calls.credentialListMappings.create({ credentialListSid: list.sid });
  assert.deepEqual([calls.sid, calls.friendlyName, calls.accountSid], [list.sid, list.friendlyName, t.accountSid], "a mapping is known by its list's SID and name");
  assert.equal((await domain.fetch()).authType, 'CREDENTIAL_LIST');
  const ip = await domain.auth.calls.ipAccessControlListMappings.create({ ipAccessControlListSid: acl.sid });
  assert.equal(ip.sid, acl.sid);
  assert.equal((await domain.fetch()).authType, 'CREDENTIAL_LIST,IP_ACL');
  const reg = await domain.auth.registrations.credentialListMappings.create({ credentialListSid: devices.sid });
  assert.equal(reg.friendlyName, devices.friendlyName);
  assert.equal((await domain.fetch()).authType, 'CREDENTIAL_LIST,IP_ACL', 'registrations do not count for calls');

  // The legacy routes are the calls mappings, seen and changed from either side.
  assert.deepEqual((await domain.credentialListMappings.list()).map((m) => m.sid), [list.sid]);
  assert.deepEqual((await domain.ipAccessControlListMappings.list()).map((m) => m.sid), [acl.sid]);
  const legacy = await domain.credentialListMappings(list.sid).fetch();
  assert.deepEqual([legacy.domainSid, legacy.friendlyName, legacy.uri], [d.sid, list.friendlyName, `${A}/Domains/${d.sid}/CredentialListMappings/${list.sid}.json`]);
  await domain.credentialListMappings.create({ credentialListSid: devices.sid });
  assert.deepEqual((await domain.auth.calls.credentialListMappings.list()).map((m) => m.sid), [list.sid, devices.sid], 'first mapped first');
  assert.deepEqual((await domain.auth.registrations.credentialListMappings.list()).map((m) => m.sid), [devices.sid]);
  assert.equal((await domain.auth.calls.credentialListMappings(devices.sid).fetch()).sid, devices.sid);
  const renamed = unique('phones renamed');
  await sip().credentialLists(list.sid).update({ friendlyName: renamed });
  assert.equal((await domain.auth.calls.credentialListMappings(list.sid).fetch()).friendlyName, renamed, "the mapping shows the list's name as it is now");

  // Every mapping body in its route's spec shape.
  const D = `${A}/Domains/${d.sid}`;
  const PD = `${P}/Domains/{DomainSid}`;
  const shapes: [string, string][] = [
    [`${D}/CredentialListMappings/${list.sid}.json`, 'sip.sip_domain.sip_credential_list_mapping'],
    [`${D}/IpAccessControlListMappings/${acl.sid}.json`, 'sip.sip_domain.sip_ip_access_control_list_mapping'],
    [`${D}/Auth/Calls/CredentialListMappings/${list.sid}.json`, 'sip.sip_domain.sip_auth.sip_auth_calls.sip_auth_calls_credential_list_mapping'],
    [`${D}/Auth/Calls/IpAccessControlListMappings/${acl.sid}.json`, 'sip.sip_domain.sip_auth.sip_auth_calls.sip_auth_calls_ip_access_control_list_mapping'],
    [`${D}/Auth/Registrations/CredentialListMappings/${devices.sid}.json`, 'sip.sip_domain.sip_auth.sip_auth_registrations.sip_auth_registrations_credential_list_mapping'],
  ];
  for (const [path, schema] of shapes) assert.deepEqual(shapeProblems((await raw(path)).body, resourceSchema(schema)), [], path);
  for (const route of ['CredentialListMappings', 'IpAccessControlListMappings', 'Auth/Calls/CredentialListMappings', 'Auth/Calls/IpAccessControlListMappings', 'Auth/Registrations/CredentialListMappings']) {
    const listing = await raw(`${D}/${route}.json?PageSize=1`);
    assert.deepEqual(shapeProblems(listing.body, responseSchema(`${PD}/${route}.json`)), [], route);
  }
  assert.equal((await domain.auth.calls.credentialListMappings.list({ pageSize: 1 })).length, 2, 'mappings page too');

  // Unmapping, from the legacy side or the Auth side.
  assert.equal(await domain.ipAccessControlListMappings(acl.sid).remove(), true);
  assert.equal((await domain.fetch()).authType, 'CREDENTIAL_LIST');
  await rejectsWithCode(domain.auth.calls.ipAccessControlListMappings(acl.sid).fetch(), 404, 20404);
  await domain.auth.calls.credentialListMappings(list.sid).remove();
  await domain.credentialListMappings(devices.sid).remove();
  assert.equal((await domain.fetch()).authType, '');
  assert.deepEqual((await domain.auth.registrations.credentialListMappings.list()).map((m) => m.sid), [devices.sid], 'the registrations mapping stays');
  await rejectsWithCode(domain.auth.registrations.credentialListMappings(list.sid).fetch(), 404, 20404);
  await rejectsWithCode(domain.auth.registrations.credentialListMappings(list.sid).remove(), 404, 20404);
});

test('mappings: a missing, malformed, unknown or doubled list is 21231; a mapped list cannot be deleted (21241, 21236); a deleted domain unmaps', async () => {
  const list = await sip().credentialLists.create({ friendlyName: unique('phones') });
  const acl = await sip().ipAccessControlLists.create({ friendlyName: unique('office') });
  const d = await sip().domains.create({ domainName: `${unique('strict')}.sip.example.com` });
  const D = `${A}/Domains/${d.sid}`;
  await rawError(`${D}/Auth/Calls/CredentialListMappings.json`, post({}), 400, 21231, /CredentialListSid/);
  await rawError(`${D}/Auth/Calls/IpAccessControlListMappings.json`, post({ IpAccessControlListSid: list.sid }), 400, 21231, /not a valid AL SID/);
  await rawError(`${D}/Auth/Registrations/CredentialListMappings.json`, post({ CredentialListSid: 'phones' }), 400, 21231, /not a valid CL SID/);
  await rawError(`${D}/CredentialListMappings.json`, post({ CredentialListSid: 'CL' + '0'.repeat(32) }), 400, 21231, /is not one of the credential lists of account/);
  await rawError(`/2010-04-01/Accounts/${t.accountSid}/SIP/Domains/SD${'0'.repeat(32)}/CredentialListMappings.json`, post({ CredentialListSid: list.sid }), 404, 20404);

  await sip().domains(d.sid).auth.registrations.credentialListMappings.create({ credentialListSid: list.sid });
  await clientError(sip().domains(d.sid).auth.registrations.credentialListMappings.create({ credentialListSid: list.sid }), 400, 21231, /already mapped/);
  await sip().domains(d.sid).ipAccessControlListMappings.create({ ipAccessControlListSid: acl.sid });
  await clientError(sip().domains(d.sid).auth.calls.ipAccessControlListMappings.create({ ipAccessControlListSid: acl.sid }), 400, 21231, /already mapped/);

  await clientError(sip().credentialLists(list.sid).remove(), 400, 21241, /mapped to the SIP domain .*remove its mappings/);
  await clientError(sip().ipAccessControlLists(acl.sid).remove(), 400, 21236, /mapped to the SIP domain .*remove its mappings/);
  assert.equal((await sip().credentialLists(list.sid).fetch()).sid, list.sid, 'still there');

  // Deleting the domain takes its mappings: the lists are free to go then.
  await sip().domains(d.sid).remove();
  await rejectsWithCode(sip().domains(d.sid).auth.registrations.credentialListMappings.list(), 404, 20404);
  assert.equal(await sip().credentialLists(list.sid).remove(), true);
  assert.equal(await sip().ipAccessControlLists(acl.sid).remove(), true);
});

test("accounts are kept apart: another account's lists and domains are not found nor mappable; a domain name is the node's", async () => {
  const sub = await t.client().api.v2010.accounts.create({ friendlyName: 'tenant' });
  const theirs = t.client().api.v2010.accounts(sub.sid).sip;
  const subClient = t.client(sub.sid, sub.authToken).api.v2010.accounts(sub.sid).sip;
  const list = await sip().credentialLists.create({ friendlyName: unique('mine') });
  const acl = await sip().ipAccessControlLists.create({ friendlyName: unique('mine') });
  const mine = await sip().domains.create({ domainName: `${unique('parent')}.sip.example.com` });

  await rejectsWithCode(theirs.credentialLists(list.sid).fetch(), 404, 20404);
  await rejectsWithCode(subClient.ipAccessControlLists(acl.sid).fetch(), 404, 20404);
  await rejectsWithCode(subClient.domains(mine.sid).fetch(), 404, 20404);
  await rejectsWithCode(subClient.domains(mine.sid).remove(), 404, 20404);
  const name = `${unique('tenant')}.sip.example.com`;
  const d = await subClient.domains.create({ domainName: name });
  assert.equal(d.accountSid, sub.sid);
  await clientError(subClient.domains(d.sid).auth.calls.credentialListMappings.create({ credentialListSid: list.sid }), 400, 21231, /is not one of the credential lists of account/);
  await clientError(theirs.domains(d.sid).auth.calls.ipAccessControlListMappings.create({ ipAccessControlListSid: acl.sid }), 400, 21231, /is not one of the IP access control lists of account/);
  await clientError(sip().domains.create({ domainName: name }), 400, 21232, /already in use/);
  assert.ok(!(await sip().domains.list()).some((x) => x.sid === d.sid), "the parent's list shows its own domains only");
  assert.deepEqual((await theirs.domains.list()).map((x) => x.sid), [d.sid], "the parent's credentials act for its subaccount");
  // The same FriendlyName in another account is no conflict.
  assert.ok(await subClient.credentialLists.create({ friendlyName: list.friendlyName }));
});
