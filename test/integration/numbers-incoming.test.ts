// IncomingPhoneNumbers through the official twilio client: buying (by number, by area code, typed), the buyer
// race, listing and paging, configuration, release back to the inventory, and cross-account isolation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import type { TwilioClient } from '../helpers/twilio-client.js';
import type { IncomingPhoneNumberInstance } from 'twilio/lib/rest/api/v2010/account/incomingPhoneNumber.js';

let t: Tandem;
let c: TwilioClient;
let A: string;

before(async () => {
  t = await startTandem();
  c = t.client();
  A = `/2010-04-01/Accounts/${t.accountSid}`;
});
after(async () => {
  await t.cleanup();
});

type Rejection = { status: number; code: number };
const rejectsWith = (status: number, code: number) => (e: Rejection) => {
  assert.equal(e.status, status, JSON.stringify(e));
  assert.equal(e.code, code, JSON.stringify(e));
  return true;
};

async function available(areaCode: number, limit = 20): Promise<string[]> {
  const xs = await c.availablePhoneNumbers('US').local.list({ areaCode, limit });
  return xs.map((x) => x.phoneNumber);
}

async function isAvailable(e164: string): Promise<boolean> {
  const xs = await c.availablePhoneNumbers('US').local.list({ areaCode: Number(e164.slice(2, 5)), contains: e164.slice(2), limit: 5 });
  return xs.some((x) => x.phoneNumber === e164);
}

async function subaccount(name: string): Promise<{ sid: string; client: TwilioClient }> {
  const sub = await c.api.v2010.accounts.create({ friendlyName: name });
  return { sid: sub.sid, client: t.client(sub.sid, sub.authToken) };
}

test('buy by PhoneNumber: the number is the account\'s at once and gone from search', async () => {
  const [want] = await available(212, 1);
  assert.ok(want && (await isAvailable(want)));
  const n = await c.incomingPhoneNumbers.create({ phoneNumber: want });
  assert.match(n.sid, /^PN[0-9a-f]{32}$/);
  assert.equal(n.phoneNumber, want);
  assert.equal(n.accountSid, t.accountSid);
  assert.equal(n.friendlyName, `(${want.slice(2, 5)}) ${want.slice(5, 8)}-${want.slice(8)}`);
  assert.equal(n.status, 'in-use');
  assert.equal(n.smsMethod, 'POST');
  assert.equal(n.voiceUrl, null);
  assert.ok(n.dateCreated instanceof Date && Math.abs(n.dateCreated.getTime() - Date.now()) < 60_000);
  assert.equal(await isAvailable(want), false);
  assert.ok(!(await available(212, 1000)).includes(want));

  // Buying it again, from the same account, is refused like any unavailable number.
  await assert.rejects(c.incomingPhoneNumbers.create({ phoneNumber: want }), rejectsWith(400, 21422));
  // Human spellings of a number are accepted.
  const [next] = await available(212, 1);
  const spaced = `(${next!.slice(2, 5)}) ${next!.slice(5, 8)}-${next!.slice(8)}`;
  assert.equal((await c.incomingPhoneNumbers.create({ phoneNumber: spaced })).phoneNumber, next);
});

test('buy by AreaCode: tandem picks a free number there', async () => {
  const before415 = await available(617, 1000);
  const n = await c.incomingPhoneNumbers.create({ areaCode: '617' });
  assert.match(n.phoneNumber, /^\+1617\d{7}$/);
  assert.ok(before415.includes(n.phoneNumber));
  assert.equal(await isAvailable(n.phoneNumber), false);
  const after415 = await available(617, 1000);
  assert.equal(after415.length, before415.length - 1);

  // Canadian area codes sell Canadian numbers.
  const [caNumber] = await c.availablePhoneNumbers('CA').local.list({ limit: 1 });
  const caAreaCode = caNumber!.phoneNumber.slice(2, 5);
  const ca = await c.incomingPhoneNumbers.create({ areaCode: caAreaCode });
  assert.ok(ca.phoneNumber.startsWith(`+1${caAreaCode}`));
  assert.ok(!(await c.availablePhoneNumbers('CA').local.list({ areaCode: Number(caAreaCode), limit: 1000 })).some((n) => n.phoneNumber === ca.phoneNumber));

  await assert.rejects(c.incomingPhoneNumbers.create({ areaCode: '111' }), rejectsWith(400, 21451));
  await assert.rejects(c.incomingPhoneNumbers.create({ areaCode: '41' }), rejectsWith(400, 21451));
  await assert.rejects(c.incomingPhoneNumbers.create({ areaCode: '999' }), rejectsWith(400, 21452));
});

test('buying an unknown or malformed number: 21422 / 21421; neither or both of PhoneNumber and AreaCode: 400', async () => {
  await assert.rejects(c.incomingPhoneNumbers.create({ phoneNumber: '+15005550006' }), rejectsWith(400, 21422));
  await assert.rejects(c.incomingPhoneNumbers.create({ phoneNumber: 'call-me-maybe' }), rejectsWith(400, 21421));
  await assert.rejects(c.incomingPhoneNumbers.create({ phoneNumber: '+1' }), rejectsWith(400, 21421));
  await assert.rejects(c.incomingPhoneNumbers.create({}), (e: Rejection) => e.status === 400);
  const [x] = await available(312, 1);
  await assert.rejects(c.incomingPhoneNumbers.create({ phoneNumber: x!, areaCode: '312' }), (e: Rejection) => e.status === 400);
  assert.equal(await isAvailable(x!), true, 'a refused request takes nothing');
});

test('typed create: Local takes local numbers, TollFree toll-free ones, and each knows its sender class', async () => {
  const [local] = await available(206, 1);
  const l = await c.incomingPhoneNumbers.local.create({ phoneNumber: local! });
  assert.equal(l.phoneNumber, local);
  const [tf] = await c.availablePhoneNumbers('US').tollFree.list({ limit: 1 });
  await assert.rejects(c.incomingPhoneNumbers.local.create({ phoneNumber: tf!.phoneNumber }), rejectsWith(400, 21422));
  const tfn = await c.incomingPhoneNumbers.tollFree.create({ phoneNumber: tf!.phoneNumber });

  const raw = async (sid: string) => (await (await t.fetch(`${A}/IncomingPhoneNumbers/${sid}.json`)).json()) as Record<string, unknown>;
  assert.equal((await raw(l.sid)).type, 'local');
  assert.equal((await raw(l.sid)).sender_class, 'long_code');
  assert.equal((await raw(tfn.sid)).type, 'tollfree');
  assert.equal((await raw(tfn.sid)).sender_class, 'toll_free');

  const [gb] = await c.availablePhoneNumbers('GB').mobile.list({ limit: 1 });
  await assert.rejects(c.incomingPhoneNumbers.local.create({ phoneNumber: gb!.phoneNumber }), rejectsWith(400, 21422));
  // GB mobiles need an address on file (address_requirements any), as on Twilio.
  const address = await c.addresses.create({ customerName: 'Acme Ltd', street: '1 High Street', city: 'London', region: 'London', postalCode: 'EC1A 1BB', isoCountry: 'GB' });
  const mob = await c.incomingPhoneNumbers.mobile.create({ phoneNumber: gb!.phoneNumber, addressSid: address.sid });
  assert.equal(mob.phoneNumber, gb!.phoneNumber);
  assert.equal((await raw(mob.sid)).type, 'mobile');
  assert.equal((await raw(mob.sid)).sender_class, 'long_code');
  assert.deepEqual((await c.incomingPhoneNumbers.mobile.list()).map((n) => n.sid), [mob.sid]);
  assert.ok(!(await c.availablePhoneNumbers('GB').mobile.list({ limit: 1000 })).some((n) => n.phoneNumber === gb!.phoneNumber));

  const locals = await c.incomingPhoneNumbers.local.list();
  assert.ok(locals.some((n) => n.sid === l.sid) && !locals.some((n) => n.sid === tfn.sid));
  const tolls = await c.incomingPhoneNumbers.tollFree.list();
  assert.deepEqual(tolls.map((n) => n.sid), [tfn.sid]);

  // By AreaCode (raw HTTP: the SDK's typed create insists on PhoneNumber), the typed resources only hand out
  // their own type: 888 is toll-free, 206 is local.
  const typedByAreaCode = async (segment: string, areaCode: string) => {
    const r = await t.fetch(`${A}/IncomingPhoneNumbers/${segment}.json`, { method: 'POST', body: new URLSearchParams({ AreaCode: areaCode }) });
    return { status: r.status, body: (await r.json()) as { phone_number?: string; code?: number } };
  };
  const tf888 = await typedByAreaCode('TollFree', '888');
  assert.equal(tf888.status, 201);
  assert.match(tf888.body.phone_number!, /^\+1888\d{7}$/);
  assert.deepEqual(await typedByAreaCode('Local', '888').then((r) => [r.status, r.body.code]), [400, 21452]);
  assert.deepEqual(await typedByAreaCode('TollFree', '206').then((r) => [r.status, r.body.code]), [400, 21452]);
  const local206 = await typedByAreaCode('Local', '206');
  assert.equal(local206.status, 201);
  assert.match(local206.body.phone_number!, /^\+1206\d{7}$/);
});

test('two accounts racing for one number: exactly one wins, the other gets 21422', async () => {
  const rival = await subaccount('rival');
  const targets = await available(512, 5);
  assert.equal(targets.length, 5);
  for (const phoneNumber of targets) {
    const results = await Promise.allSettled([
      c.incomingPhoneNumbers.create({ phoneNumber }),
      rival.client.incomingPhoneNumbers.create({ phoneNumber }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(won.length, 1, `${phoneNumber}: ${JSON.stringify(results.map((r) => r.status))}`);
    assert.equal(lost.length, 1);
    assert.equal((lost[0]!.reason as Rejection).code, 21422);
    assert.equal((lost[0]!.reason as Rejection).status, 400);
    // The winner owns it, the loser does not list it.
    const mine = await c.incomingPhoneNumbers.list({ phoneNumber });
    const theirs = await rival.client.incomingPhoneNumbers.list({ phoneNumber });
    assert.equal(mine.length + theirs.length, 1);
  }
});

test('list: PhoneNumber, FriendlyName, Beta and Origin filters, and paging through next_page_uri', async () => {
  const { sid, client } = await subaccount('lister');
  const bought: IncomingPhoneNumberInstance[] = [];
  for (const phoneNumber of await available(312, 5)) bought.push(await client.incomingPhoneNumbers.create({ phoneNumber, friendlyName: 'pager' }));
  await client.incomingPhoneNumbers(bought[0]!.sid).update({ friendlyName: 'front desk' });

  const all = await client.incomingPhoneNumbers.list({ pageSize: 2 });
  assert.deepEqual(all.map((n) => n.sid).sort(), bought.map((n) => n.sid).sort(), 'each number once across 3 pages');

  const page = await client.incomingPhoneNumbers.page({ pageSize: 2 });
  assert.equal(page.instances.length, 2);
  const raw = (await (await t.fetch(`/2010-04-01/Accounts/${sid}/IncomingPhoneNumbers.json?PageSize=2`, { auth: null, headers: { authorization: 'Basic ' + Buffer.from(`${t.accountSid}:${t.authToken}`).toString('base64') } })).json()) as Record<string, unknown>;
  // The parent lists its subaccount's numbers through the subaccount's path, as Twilio allows.
  assert.equal((raw.incoming_phone_numbers as unknown[]).length, 2);
  assert.match(String(raw.next_page_uri), new RegExp(`^/2010-04-01/Accounts/${sid}/IncomingPhoneNumbers\\.json\\?.*PageToken=`));
  const second = await page.nextPage();
  const third = await second!.nextPage();
  assert.equal(second!.instances.length, 2);
  assert.equal(third!.instances.length, 1);
  assert.equal(await third!.nextPage(), undefined);

  const exact = await client.incomingPhoneNumbers.list({ phoneNumber: bought[2]!.phoneNumber });
  assert.deepEqual(exact.map((n) => n.sid), [bought[2]!.sid]);
  const partial = await client.incomingPhoneNumbers.list({ phoneNumber: bought[3]!.phoneNumber.slice(-6) });
  assert.ok(partial.some((n) => n.sid === bought[3]!.sid));
  const wildcard = await client.incomingPhoneNumbers.list({ phoneNumber: bought[4]!.phoneNumber.slice(0, -2) + '**' });
  assert.ok(wildcard.some((n) => n.sid === bought[4]!.sid));
  assert.ok(wildcard.every((n) => n.phoneNumber.slice(0, -2) === bought[4]!.phoneNumber.slice(0, -2)));

  const named = await client.incomingPhoneNumbers.list({ friendlyName: 'front desk' });
  assert.deepEqual(named.map((n) => n.sid), [bought[0]!.sid]);
  const pagers = await client.incomingPhoneNumbers.list({ friendlyName: 'pager', pageSize: 3 });
  assert.equal(pagers.length, 4);
  assert.deepEqual(await client.incomingPhoneNumbers.list({ friendlyName: 'nobody' }), []);
  // Beta and Origin filter on what every number shows: beta false, origin twilio.
  assert.equal((await client.incomingPhoneNumbers.list({ beta: false })).length, 5);
  assert.deepEqual(await client.incomingPhoneNumbers.list({ beta: true }), []);
  assert.equal((await client.incomingPhoneNumbers.list({ origin: 'twilio' })).length, 5);
  assert.deepEqual(await client.incomingPhoneNumbers.list({ origin: 'hosted' }), []);
  assert.ok(all.every((n) => n.beta === false && n.origin === 'twilio'));

  const parentView = await c.api.v2010.accounts(sid).incomingPhoneNumbers.list();
  assert.equal(parentView.length, 5);
});

test('update: every configurable field sticks and reads back, and unset fields are left alone', async () => {
  const n = await c.incomingPhoneNumbers.create({ areaCode: '415' });
  const fields = {
    friendlyName: 'Support line',
    smsUrl: 'https://app.example.com/sms',
    smsMethod: 'GET',
    smsFallbackUrl: 'https://fallback.example.com/sms',
    smsFallbackMethod: 'GET',
    voiceUrl: 'https://app.example.com/voice?x=1',
    voiceMethod: 'GET',
    voiceFallbackUrl: 'http://fallback.example.com/voice',
    voiceFallbackMethod: 'GET',
    statusCallback: 'https://app.example.com/status',
    statusCallbackMethod: 'GET',
  } as const;
  const updated = await c.incomingPhoneNumbers(n.sid).update(fields);
  const fetched = await c.incomingPhoneNumbers(n.sid).fetch();
  for (const [k, v] of Object.entries(fields)) {
    assert.equal((updated as unknown as Record<string, unknown>)[k], v, k);
    assert.equal((fetched as unknown as Record<string, unknown>)[k], v, k);
  }
  assert.ok(fetched.dateUpdated.getTime() >= fetched.dateCreated.getTime());

  const partly = await c.incomingPhoneNumbers(n.sid).update({ smsMethod: 'POST' });
  assert.equal(partly.smsMethod, 'POST');
  assert.equal(partly.smsUrl, fields.smsUrl);
  assert.equal(partly.friendlyName, fields.friendlyName);
  assert.equal(partly.voiceFallbackUrl, fields.voiceFallbackUrl);

  // Methods are case-insensitive on the way in and upper case on the way out.
  const lower = await t.fetch(`${A}/IncomingPhoneNumbers/${n.sid}.json`, { method: 'POST', body: new URLSearchParams({ VoiceMethod: 'post' }) });
  assert.equal(lower.status, 200);
  assert.equal(((await lower.json()) as { voice_method: string }).voice_method, 'POST');

  // Clearing the fallbacks, then the primaries, with empty values.
  const cleared = await c.incomingPhoneNumbers(n.sid).update({ smsFallbackUrl: '', voiceFallbackUrl: '' });
  assert.equal(cleared.smsFallbackUrl, null);
  assert.equal(cleared.voiceFallbackUrl, null);
  const bare = await c.incomingPhoneNumbers(n.sid).update({ smsUrl: '', voiceUrl: '' });
  assert.equal(bare.smsUrl, null);
  assert.equal(bare.voiceUrl, null);
});

test('a fallback URL without its primary is refused: 21405 for voice, 21406 for SMS', async () => {
  await assert.rejects(c.incomingPhoneNumbers.create({ areaCode: '206', voiceFallbackUrl: 'https://f.example.com/v' }), rejectsWith(400, 21405));
  await assert.rejects(c.incomingPhoneNumbers.create({ areaCode: '206', smsFallbackUrl: 'https://f.example.com/s' }), rejectsWith(400, 21406));
  const n = await c.incomingPhoneNumbers.create({ areaCode: '206' });
  await assert.rejects(c.incomingPhoneNumbers(n.sid).update({ voiceFallbackUrl: 'https://f.example.com/v' }), rejectsWith(400, 21405));
  await assert.rejects(c.incomingPhoneNumbers(n.sid).update({ smsFallbackUrl: 'https://f.example.com/s' }), rejectsWith(400, 21406));
  // With the primary in the same request it is fine; removing the primary later leaves an orphan: refused.
  await c.incomingPhoneNumbers(n.sid).update({ smsUrl: 'https://a.example.com/s', smsFallbackUrl: 'https://f.example.com/s' });
  await assert.rejects(c.incomingPhoneNumbers(n.sid).update({ smsUrl: '' }), rejectsWith(400, 21406));
  const still = await c.incomingPhoneNumbers(n.sid).fetch();
  assert.equal(still.smsUrl, 'https://a.example.com/s', 'a refused update changes nothing');
});

test('bad URLs and bad values get Twilio errors and change nothing', async () => {
  const n = await c.incomingPhoneNumbers.create({ areaCode: '512', smsUrl: 'https://ok.example.com/sms' });
  for (const bad of ['not a url', 'ftp://example.com/x', 'javascript:alert(1)', '/relative/path', 'http://']) {
    await assert.rejects(c.incomingPhoneNumbers(n.sid).update({ smsUrl: bad }), rejectsWith(400, 21502), bad);
  }
  await assert.rejects(c.incomingPhoneNumbers(n.sid).update({ voiceUrl: 'nope' }), rejectsWith(400, 21502));
  await assert.rejects(c.incomingPhoneNumbers(n.sid).update({ statusCallback: 'nope' }), rejectsWith(400, 21502));
  await assert.rejects(c.incomingPhoneNumbers(n.sid).update({ smsMethod: 'PUT' as 'GET' }), (e: Rejection) => e.status === 400 && e.code > 0);
  await assert.rejects(c.incomingPhoneNumbers(n.sid).update({ friendlyName: 'x'.repeat(65) }), (e: Rejection) => e.status === 400);
  await assert.rejects(c.incomingPhoneNumbers.create({ areaCode: '512', voiceUrl: 'bad' }), rejectsWith(400, 21502));
  assert.equal((await c.incomingPhoneNumbers(n.sid).fetch()).smsUrl, 'https://ok.example.com/sms');

  // Malformed bodies and sids are client errors, never a 500.
  for (const [path, init] of [
    [`${A}/IncomingPhoneNumbers.json`, { method: 'POST', body: '%%%', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
    [`${A}/IncomingPhoneNumbers.json`, { method: 'POST', body: '{"PhoneNumber": 1}', headers: { 'content-type': 'application/json' } }],
    [`${A}/IncomingPhoneNumbers/not-a-sid.json`, { method: 'POST', body: new URLSearchParams({ SmsUrl: 'https://x.example.com' }) }],
    [`${A}/IncomingPhoneNumbers/${n.sid}.json`, { method: 'POST', body: new URLSearchParams({ VoiceCallerIdLookup: 'sometimes' }) }],
    [`${A}/IncomingPhoneNumbers.json?PageSize=0`, {}],
    [`${A}/IncomingPhoneNumbers.json?PageSize=lots`, {}],
    [`${A}/IncomingPhoneNumbers.json?PageToken=PAnotbase64%%`, {}],
  ] as Array<[string, RequestInit]>) {
    const r = await t.fetch(path, init);
    assert.ok(r.status >= 400 && r.status < 500, `${path} → ${r.status}`);
    assert.deepEqual(Object.keys((await r.json()) as object).sort(), ['code', 'message', 'more_info', 'status'], path);
  }
});

test('delete returns the number to the inventory, searchable and buyable again', async () => {
  const n = await c.incomingPhoneNumbers.create({ areaCode: '212', smsUrl: 'https://a.example.com/sms' });
  assert.equal(await isAvailable(n.phoneNumber), false);
  assert.equal(await c.incomingPhoneNumbers(n.sid).remove(), true);
  await assert.rejects(c.incomingPhoneNumbers(n.sid).fetch(), rejectsWith(404, 20404));
  await assert.rejects(c.incomingPhoneNumbers(n.sid).remove(), rejectsWith(404, 20404));
  assert.equal(await isAvailable(n.phoneNumber), true);
  const [again] = await c.availablePhoneNumbers('US').local.list({ contains: n.phoneNumber.slice(2), limit: 1 });
  assert.equal(again!.phoneNumber, n.phoneNumber);
  assert.equal(again!.locality, (await c.availablePhoneNumbers('US').local.list({ areaCode: 212, contains: n.phoneNumber.slice(2), limit: 1 }))[0]!.locality);

  // Bought again by someone else, it comes back clean: no configuration carried over.
  const other = await subaccount('second-owner');
  const re = await other.client.incomingPhoneNumbers.create({ phoneNumber: n.phoneNumber });
  assert.notEqual(re.sid, n.sid);
  assert.equal(re.smsUrl, null);
  const raw = await t.fetch(`${A}/IncomingPhoneNumbers/${n.sid}.json`, { method: 'DELETE' });
  assert.equal(raw.status, 404);
});

test('another account\'s number is invisible: 404 20404 on fetch, update and delete, absent from lists', async () => {
  const a = await subaccount('iso-a');
  const b = await subaccount('iso-b');
  const na = await a.client.incomingPhoneNumbers.create({ areaCode: '617' });

  await assert.rejects(b.client.incomingPhoneNumbers(na.sid).fetch(), rejectsWith(404, 20404));
  await assert.rejects(b.client.incomingPhoneNumbers(na.sid).update({ smsUrl: 'https://evil.example.com' }), rejectsWith(404, 20404));
  await assert.rejects(b.client.incomingPhoneNumbers(na.sid).remove(), rejectsWith(404, 20404));
  assert.deepEqual(await b.client.incomingPhoneNumbers.list(), []);
  assert.deepEqual(await b.client.incomingPhoneNumbers.list({ phoneNumber: na.phoneNumber }), []);
  // b naming a's account in the path gets nothing either.
  await assert.rejects(b.client.api.v2010.accounts(a.sid).incomingPhoneNumbers.list(), rejectsWith(404, 20404));
  await assert.rejects(b.client.api.v2010.accounts(a.sid).incomingPhoneNumbers(na.sid).fetch(), rejectsWith(404, 20404));
  // The default account (the parent) sees it only under the subaccount's path, not under its own.
  await assert.rejects(c.incomingPhoneNumbers(na.sid).fetch(), rejectsWith(404, 20404));
  assert.equal((await c.api.v2010.accounts(a.sid).incomingPhoneNumbers(na.sid).fetch()).phoneNumber, na.phoneNumber);

  // Nothing changed on a's number, and a can still release it.
  const still = await a.client.incomingPhoneNumbers(na.sid).fetch();
  assert.equal(still.smsUrl, null);
  assert.equal(await a.client.incomingPhoneNumbers(na.sid).remove(), true);
});

test('a crafted PageToken cannot page into another account: 21481, nothing leaked', async () => {
  const a = await subaccount('token-a');
  const b = await subaccount('token-b');
  await a.client.incomingPhoneNumbers.create({ areaCode: '415' });
  await b.client.incomingPhoneNumbers.create({ areaCode: '415' });
  const [low, high] = [a, b].sort((x, y) => (x.sid < y.sid ? -1 : 1)) as [typeof a, typeof a];
  const token = (key: unknown[]) => 'PA' + Buffer.from(JSON.stringify(key)).toString('base64url');
  const creds = async (who: typeof a): Promise<[string, string]> => [who.sid, (await c.api.v2010.accounts(who.sid).fetch()).authToken];
  const highAuth = await creds(high);
  // Keys sort by account SID first: a token naming the lowest possible SID would start the scan in `low`'s numbers.
  for (const key of [['AC' + '0'.repeat(32), 0, ''], [low.sid, 0, ''], ['AC' + 'f'.repeat(32), 0, ''], [{}, 1], 'x']) {
    for (const path of [`/2010-04-01/Accounts/${high.sid}/IncomingPhoneNumbers.json`, '/2010-04-01/Accounts.json']) {
      const r = await t.fetch(`${path}?PageSize=50&Page=1&PageToken=${token(key as unknown[])}`, { auth: highAuth });
      const body = (await r.json()) as Record<string, unknown>;
      assert.equal(r.status, 400, `${path} ${JSON.stringify(key)} → ${JSON.stringify(body).slice(0, 300)}`);
      assert.equal(body.code, 21481);
    }
  }
  // A genuine token still pages.
  const first = await high.client.incomingPhoneNumbers.page({ pageSize: 1 });
  assert.equal(first.instances.length, 1);
  assert.equal(first.instances[0]!.accountSid, high.sid);
});

test('concurrent updates all stick, and an update racing a delete does not bring the number back', async () => {
  const n = await c.incomingPhoneNumbers.create({ areaCode: '617' });
  await Promise.all([
    c.incomingPhoneNumbers(n.sid).update({ smsUrl: 'https://a.example.com/sms' }),
    c.incomingPhoneNumbers(n.sid).update({ voiceUrl: 'https://a.example.com/voice' }),
    c.incomingPhoneNumbers(n.sid).update({ statusCallback: 'https://a.example.com/status' }),
    c.incomingPhoneNumbers(n.sid).update({ friendlyName: 'busy' }),
    c.incomingPhoneNumbers(n.sid).update({ voiceMethod: 'GET' }),
  ]);
  const all = await c.incomingPhoneNumbers(n.sid).fetch();
  assert.deepEqual(
    [all.smsUrl, all.voiceUrl, all.statusCallback, all.friendlyName, all.voiceMethod],
    ['https://a.example.com/sms', 'https://a.example.com/voice', 'https://a.example.com/status', 'busy', 'GET'],
  );

  for (let i = 0; i < 5; i++) {
    const m = await c.incomingPhoneNumbers.create({ areaCode: '617' });
    const outcomes = await Promise.allSettled([
      c.incomingPhoneNumbers(m.sid).update({ smsUrl: 'https://late.example.com/sms' }),
      c.incomingPhoneNumbers(m.sid).remove(),
      c.incomingPhoneNumbers(m.sid).update({ voiceUrl: 'https://late.example.com/voice' }),
    ]);
    assert.equal(outcomes[1]!.status, 'fulfilled');
    for (const o of [outcomes[0]!, outcomes[2]!]) {
      if (o.status === 'rejected') assert.equal((o.reason as Rejection).status, 404);
    }
    await assert.rejects(c.incomingPhoneNumbers(m.sid).fetch(), rejectsWith(404, 20404));
    assert.ok(!(await c.incomingPhoneNumbers.list({ phoneNumber: m.phoneNumber })).some((x) => x.sid === m.sid));
    assert.equal(await isAvailable(m.phoneNumber), true);
  }
});

test('odd values in any create or update field get a 2xx or a Twilio 4xx, never a 500', async () => {
  const n = await c.incomingPhoneNumbers.create({ areaCode: '312' });
  const fields = [
    'FriendlyName', 'SmsUrl', 'SmsMethod', 'SmsFallbackUrl', 'SmsFallbackMethod', 'VoiceUrl', 'VoiceMethod',
    'VoiceFallbackUrl', 'VoiceFallbackMethod', 'StatusCallback', 'StatusCallbackMethod', 'VoiceCallerIdLookup',
    'TandemSendRate', 'AccountSid', 'VoiceReceiveMode', 'EmergencyStatus',
  ];
  const values = ['', ' ', '\u0000', 'x'.repeat(4000), '%', 'null', '-1', 'NaN', 'Infinity', '1e309', '💥', 'http://[::1', 'HTTP://EXAMPLE.COM/a b'];
  for (const field of fields) {
    for (const value of values) {
      const r = await t.fetch(`${A}/IncomingPhoneNumbers/${n.sid}.json`, { method: 'POST', body: new URLSearchParams({ [field]: value }) });
      const body = (await r.json()) as Record<string, unknown>;
      assert.ok(r.status < 500, `${field}=${JSON.stringify(value.slice(0, 20))} → ${r.status} ${JSON.stringify(body)}`);
      if (r.status >= 400) assert.deepEqual(Object.keys(body).sort(), ['code', 'message', 'more_info', 'status']);
    }
  }
  for (const [field, value] of [['AreaCode', '💥'], ['AreaCode', ' 415'], ['PhoneNumber', '\u0000'], ['PhoneNumber', '+'.repeat(100)], ['PhoneNumber', '1e10']]) {
    const r = await t.fetch(`${A}/IncomingPhoneNumbers.json`, { method: 'POST', body: new URLSearchParams({ [field!]: value! }) });
    assert.ok(r.status < 500, `${field}=${value} → ${r.status}`);
  }
  // The number is still fetchable and consistent afterwards.
  const after = await c.incomingPhoneNumbers(n.sid).fetch();
  assert.equal(after.phoneNumber, n.phoneNumber);
});

test('AccountSid on update moves a number between the main account and a subaccount, as Twilio transfers them', async () => {
  const { sid: subSid, client: sub } = await subaccount('tenant');
  const [phoneNumber] = await available(303, 1);
  const n = await c.incomingPhoneNumbers.create({ phoneNumber: phoneNumber!, smsUrl: 'https://example.com/sms' });

  const moved = await c.incomingPhoneNumbers(n.sid).update({ accountSid: subSid });
  assert.equal(moved.accountSid, subSid);
  assert.equal(moved.smsUrl, 'https://example.com/sms', 'its settings come along');
  assert.ok(!(await c.incomingPhoneNumbers.list()).some((x) => x.sid === n.sid), 'gone from the main account');
  assert.deepEqual((await sub.incomingPhoneNumbers.list()).map((x) => x.sid), [n.sid]);
  await assert.rejects(c.incomingPhoneNumbers(n.sid).fetch(), rejectsWith(404, 20404));
  // It sends for its new owner only.
  assert.equal((await sub.messages.create({ from: phoneNumber!, to: '+15550009301', body: 'tenant' })).from, phoneNumber);
  await assert.rejects(c.messages.create({ from: phoneNumber!, to: '+15550009301', body: 'main' }), rejectsWith(400, 21606));
  // A subaccount cannot hand it to its owner on its own credentials; the owner can take it back.
  await assert.rejects(sub.incomingPhoneNumbers(n.sid).update({ accountSid: t.accountSid }), rejectsWith(400, 21000));
  const back = await c.api.v2010.accounts(subSid).incomingPhoneNumbers(n.sid).update({ accountSid: t.accountSid });
  assert.equal(back.accountSid, t.accountSid);
  assert.deepEqual(await sub.incomingPhoneNumbers.list(), []);
  await assert.rejects(c.incomingPhoneNumbers(n.sid).update({ accountSid: 'AC' + '0'.repeat(32) }), rejectsWith(400, 21000));

  // A number that needs an address needs one of its new account.
  const [gb] = await c.availablePhoneNumbers('GB').mobile.list({ limit: 1 });
  const mine = await c.addresses.create({ customerName: 'Main', street: '1 A St', city: 'London', region: 'London', postalCode: 'N1 1AA', isoCountry: 'GB' });
  const theirs = await sub.addresses.create({ customerName: 'Tenant', street: '2 B St', city: 'Leeds', region: 'Yorkshire', postalCode: 'LS1 1AA', isoCountry: 'GB' });
  const g = await c.incomingPhoneNumbers.create({ phoneNumber: gb!.phoneNumber, addressSid: mine.sid });
  await assert.rejects(c.incomingPhoneNumbers(g.sid).update({ accountSid: subSid }), rejectsWith(400, 21631));
  await assert.rejects(c.incomingPhoneNumbers(g.sid).update({ accountSid: subSid, addressSid: mine.sid }), rejectsWith(400, 21631));
  assert.equal((await c.incomingPhoneNumbers(g.sid).update({ accountSid: subSid, addressSid: theirs.sid })).addressSid, theirs.sid);
});
