// The SIP REST resources through the official twilio client: credential lists and credentials, IP access control
// lists and addresses, domains and their mappings — created, listed, fetched, updated and deleted, in the spec's
// shapes, with Twilio-shaped errors for what is wrong, and passwords never shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem } from '../helpers/tandem.js';
import { resourceSchema, shapeProblems } from '../helpers/spec-schema.js';

async function expectError(p: Promise<unknown>, status: number, code: number, text?: RegExp): Promise<void> {
  await assert.rejects(p, (e: { status?: number; code?: number; message?: string }) => {
    assert.equal(e.status, status, JSON.stringify(e));
    assert.equal(e.code, code, JSON.stringify(e));
    if (text) assert.match(e.message ?? '', text);
    return true;
  });
}

test('credential lists, IP access control lists, domains and mappings: the whole lifecycle through the client', async () => {
  const t = await startTandem();
  try {
    const sip = t.client().api.v2010.accounts(t.accountSid).sip;

    const list = await sip.credentialLists.create({ friendlyName: 'desk phones' });
    assert.match(list.sid, /^CL[0-9a-f]{32}$/);
    const cred = await sip.credentialLists(list.sid).credentials.create({ username: 'alice', password: 'DeskPhone2026x' });
    assert.equal(cred.username, 'alice');
    const rawCred = (await (await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/SIP/CredentialLists/${list.sid}/Credentials/${cred.sid}.json`)).json()) as Record<string, unknown>;
    assert.equal('password' in rawCred, false, 'a password is never shown');
    assert.deepEqual(shapeProblems(rawCred, resourceSchema('sip.sip_credential_list.sip_credential')), []);
    await expectError(sip.credentialLists(list.sid).credentials.create({ username: 'alice', password: 'DeskPhone2026x' }), 400, 21000, /already has the username/);
    await expectError(sip.credentialLists(list.sid).credentials.create({ username: 'bob', password: 'short1A' }), 400, 21000, /at least 12 characters/);
    await expectError(sip.credentialLists(list.sid).credentials.create({ username: 'bob', password: 'alllowercase2026' }), 400, 21000, /upper-case/);
    await sip.credentialLists(list.sid).credentials(cred.sid).update({ password: 'NewDeskPhone2027' });
    assert.deepEqual((await sip.credentialLists(list.sid).credentials.list()).map((c) => c.username), ['alice']);
    assert.equal((await sip.credentialLists(list.sid).update({ friendlyName: 'all phones' })).friendlyName, 'all phones');
    const rawList = (await (await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/SIP/CredentialLists/${list.sid}.json`)).json()) as Record<string, unknown>;
    assert.deepEqual(shapeProblems(rawList, resourceSchema('sip.sip_credential_list')), []);

    const acl = await sip.ipAccessControlLists.create({ friendlyName: 'office' });
    const ip = await sip.ipAccessControlLists(acl.sid).ipAddresses.create({ friendlyName: 'lan', ipAddress: '192.168.10.0', cidrPrefixLength: 24 });
    assert.equal(ip.cidrPrefixLength, 24);
    await expectError(sip.ipAccessControlLists(acl.sid).ipAddresses.create({ friendlyName: 'v6', ipAddress: '2001:db8::1' }), 400, 21000, /IPv4/);
    assert.equal((await sip.ipAccessControlLists(acl.sid).ipAddresses(ip.sid).update({ cidrPrefixLength: 32 })).cidrPrefixLength, 32);
    const rawIp = (await (await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/SIP/IpAccessControlLists/${acl.sid}/IpAddresses/${ip.sid}.json`)).json()) as Record<string, unknown>;
    assert.deepEqual(shapeProblems(rawIp, resourceSchema('sip.sip_ip_access_control_list.sip_ip_address')), []);

    const domain = await sip.domains.create({ domainName: 'Office.SIP.Example.com', voiceUrl: 'https://app.example.com/office', sipRegistration: true });
    assert.equal(domain.domainName, 'office.sip.example.com', 'stored in lower case');
    assert.equal(domain.authType, '');
    await expectError(sip.domains.create({ domainName: 'office.sip.example.com' }), 400, 21000, /already taken/);
    await expectError(sip.domains.create({ domainName: 'not a host' }), 400, 21000, /not a host name/);
    await sip.domains(domain.sid).auth.calls.credentialListMappings.create({ credentialListSid: list.sid });
    await sip.domains(domain.sid).auth.calls.ipAccessControlListMappings.create({ ipAccessControlListSid: acl.sid });
    await sip.domains(domain.sid).auth.registrations.credentialListMappings.create({ credentialListSid: list.sid });
    await expectError(sip.domains(domain.sid).auth.calls.credentialListMappings.create({ credentialListSid: list.sid }), 400, 21000, /already mapped/);
    await expectError(sip.domains(domain.sid).auth.calls.credentialListMappings.create({ credentialListSid: 'CL' + '0'.repeat(32) }), 400, 21000);
    const fetched = await sip.domains(domain.sid).fetch();
    assert.equal(fetched.authType, 'CREDENTIAL_LIST,IP_ACL');
    const rawDomain = (await (await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/SIP/Domains/${domain.sid}.json`)).json()) as Record<string, unknown>;
    assert.deepEqual(shapeProblems(rawDomain, resourceSchema('sip.sip_domain')), []);
    const mappings = await sip.domains(domain.sid).auth.calls.credentialListMappings.list();
    assert.deepEqual(mappings.map((m) => [m.sid, m.friendlyName]), [[list.sid, 'all phones']]);
    assert.deepEqual((await sip.domains(domain.sid).credentialListMappings.list()).map((m) => m.sid), [list.sid], 'the legacy route shows the calls mappings');
    const legacy = (await (await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/SIP/Domains/${domain.sid}/CredentialListMappings/${list.sid}.json`)).json()) as Record<string, unknown>;
    assert.deepEqual(shapeProblems(legacy, resourceSchema('sip.sip_domain.sip_credential_list_mapping')), []);

    assert.equal((await sip.domains(domain.sid).update({ sipRegistration: false, friendlyName: 'HQ' })).sipRegistration, false);
    assert.deepEqual((await sip.domains.list()).map((d) => d.friendlyName), ['HQ']);

    // A deleted list leaves no mapping behind; a deleted domain frees its name.
    await sip.ipAccessControlLists(acl.sid).remove();
    assert.equal((await sip.domains(domain.sid).fetch()).authType, 'CREDENTIAL_LIST');
    await sip.domains(domain.sid).auth.calls.credentialListMappings(list.sid).remove();
    assert.equal((await sip.domains(domain.sid).fetch()).authType, '');
    await sip.domains(domain.sid).remove();
    await expectError(sip.domains(domain.sid).fetch(), 404, 20404);
    await sip.domains.create({ domainName: 'office.sip.example.com' });
    await sip.credentialLists(list.sid).credentials(cred.sid).remove();
    await sip.credentialLists(list.sid).remove();
    await expectError(sip.credentialLists(list.sid).fetch(), 404, 20404);
  } finally {
    await t.cleanup();
  }
});

test("another account's SIP resources are not found, and a domain name is unique across accounts", async () => {
  const t = await startTandem();
  try {
    const sub = await t.client().api.v2010.accounts.create({ friendlyName: 'tenant' });
    const mine = t.client().api.v2010.accounts(t.accountSid).sip;
    const theirs = t.client().api.v2010.accounts(sub.sid).sip;
    const list = await mine.credentialLists.create({ friendlyName: 'mine' });
    await expectError(theirs.credentialLists(list.sid).fetch(), 404, 20404);
    const d = await theirs.domains.create({ domainName: 'tenant.sip.example.com' });
    await expectError(theirs.domains(d.sid).auth.calls.credentialListMappings.create({ credentialListSid: list.sid }), 400, 21000, /not one of this account's lists/);
    await expectError(mine.domains.create({ domainName: 'tenant.sip.example.com' }), 400, 21000, /already taken/);
    assert.deepEqual(await mine.domains.list(), []);
  } finally {
    await t.cleanup();
  }
});
