// Every JSON body tandem returns, checked against the Twilio OpenAPI spec's schemas: what SDKs and user code
// written for Twilio read must be there, typed as Twilio types it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import {
  AVAILABLE_NUMBER_DEVIATIONS,
  SPEC_URL,
  errorBodyProblems,
  isRfc2822,
  listedUnder,
  resourceSchema,
  responseSchema,
  shapeProblems,
} from '../helpers/spec-schema.js';

let t: Tandem;
let A: string;
before(async () => {
  t = await startTandem();
  A = `/2010-04-01/Accounts/${t.accountSid}`;
});
after(async () => {
  await t.cleanup();
});

const P = '/2010-04-01/Accounts/{AccountSid}';

async function getJson(path: string, init?: Parameters<Tandem['fetch']>[1]): Promise<{ status: number; body: unknown }> {
  const r = await t.fetch(path, init);
  const text = await r.text();
  assert.match(r.headers.get('content-type') ?? '', /application\/json/, `${path} answers JSON`);
  return { status: r.status, body: JSON.parse(text) as unknown };
}

function post(fields: Record<string, string>): RequestInit {
  return { method: 'POST', body: new URLSearchParams(fields) };
}

test('the spec is found at ../shared beside the repo (where CI puts it)', () => {
  const path = fileURLToPath(SPEC_URL);
  assert.ok(existsSync(path), path);
  assert.equal(fileURLToPath(new URL('../../../shared/spec/twilio_api_v2010.json', import.meta.url)), path);
});

test('the checker itself catches a missing property, a bad date, a bad SID and a null where none is allowed', () => {
  const schema = resourceSchema('incoming_phone_number');
  const problems = shapeProblems({ sid: 'PN' + 'A'.repeat(32), date_created: '2023-08-24T05:01:45Z', status: null, capabilities: null }, schema);
  assert.ok(problems.some((p) => p === '$.account_sid: missing'));
  assert.ok(problems.some((p) => p.startsWith('$.date_created:') && p.includes('RFC 2822')));
  assert.ok(problems.some((p) => p.startsWith('$.sid:') && p.includes('lowercase')));
  assert.ok(shapeProblems({ status: null }, resourceSchema('account')).some((p) => p === '$.status: null, but the schema does not allow null'));
  assert.ok(isRfc2822('Thu, 24 Aug 2023 05:01:45 +0000'));
  assert.ok(!isRfc2822('Fri, 24 Aug 2023 05:01:45 +0000'), 'weekday must match the date');
  assert.ok(!isRfc2822('Thu, 24 Aug 2023 05:01:45 GMT'));
});

test('account: fetch, create and the accounts list match the spec', async () => {
  const me = await getJson(`${A}.json`);
  assert.equal(me.status, 200);
  assert.deepEqual(shapeProblems(me.body, resourceSchema('account')), []);
  const b = me.body as Record<string, unknown>;
  assert.equal(b.uri, `${A}.json`);

  const sub = await getJson('/2010-04-01/Accounts.json', post({ FriendlyName: 'shape-sub' }));
  assert.equal(sub.status, 201);
  assert.deepEqual(shapeProblems(sub.body, resourceSchema('account')), []);

  const list = await getJson('/2010-04-01/Accounts.json?PageSize=1');
  assert.equal(list.status, 200);
  assert.deepEqual(shapeProblems(list.body, responseSchema('/2010-04-01/Accounts.json')), []);
  assert.equal((list.body as { accounts: unknown[] }).accounts.length, 1);
  assert.match(String((list.body as Record<string, unknown>).next_page_uri), /^\/2010-04-01\/Accounts\.json\?.*PageToken=/);
});

test('keys: create (with its secret), fetch and the keys list match the spec', async () => {
  const made = await getJson(`${A}/Keys.json`, post({ FriendlyName: 'shape-key' }));
  assert.equal(made.status, 201);
  assert.deepEqual(shapeProblems(made.body, resourceSchema('new_key')), []);
  const sid = (made.body as { sid: string }).sid;
  const one = await getJson(`${A}/Keys/${sid}.json`);
  assert.equal(one.status, 200);
  assert.deepEqual(shapeProblems(one.body, resourceSchema('key')), []);
  const list = await getJson(`${A}/Keys.json?PageSize=1`);
  assert.deepEqual(shapeProblems(list.body, responseSchema(`${P}/Keys.json`)), []);
});

test('applications: create, fetch and the applications list match the spec', async () => {
  const made = await getJson(`${A}/Applications.json`, post({ FriendlyName: 'shape-app', VoiceUrl: 'https://app.example.test/voice' }));
  assert.equal(made.status, 201);
  assert.deepEqual(shapeProblems(made.body, resourceSchema('application')), []);
  const sid = (made.body as { sid: string }).sid;
  const one = await getJson(`${A}/Applications/${sid}.json`);
  assert.deepEqual(shapeProblems(one.body, resourceSchema('application')), []);
  const list = await getJson(`${A}/Applications.json?PageSize=1`);
  assert.deepEqual(shapeProblems(list.body, responseSchema(`${P}/Applications.json`)), []);
});

test('queues: create, fetch, update, the queues list and an empty members list match the spec', async () => {
  const made = await getJson(`${A}/Queues.json`, post({ FriendlyName: 'shape-queue', MaxSize: '10' }));
  assert.equal(made.status, 201);
  assert.deepEqual(shapeProblems(made.body, resourceSchema('queue')), []);
  const sid = (made.body as { sid: string }).sid;
  assert.deepEqual(shapeProblems((await getJson(`${A}/Queues/${sid}.json`)).body, resourceSchema('queue')), []);
  assert.deepEqual(shapeProblems((await getJson(`${A}/Queues/${sid}.json`, post({ MaxSize: '20' }))).body, resourceSchema('queue')), []);
  assert.deepEqual(shapeProblems((await getJson(`${A}/Queues.json?PageSize=1`)).body, responseSchema(`${P}/Queues.json`)), []);
  assert.deepEqual(shapeProblems((await getJson(`${A}/Queues/${sid}/Members.json`)).body, responseSchema(`${P}/Queues/{QueueSid}/Members.json`)), []);
});

test('available numbers: countries list, one country and Local/TollFree/Mobile searches match the spec', async () => {
  const countries = await getJson(`${A}/AvailablePhoneNumbers.json`);
  assert.equal(countries.status, 200);
  assert.deepEqual(shapeProblems(countries.body, responseSchema(`${P}/AvailablePhoneNumbers.json`)), []);
  assert.ok((countries.body as { countries: unknown[] }).countries.length >= 3);

  const us = await getJson(`${A}/AvailablePhoneNumbers/US.json`);
  assert.equal(us.status, 200);
  assert.deepEqual(shapeProblems(us.body, resourceSchema('available_phone_number_country')), []);
  assert.equal((us.body as Record<string, unknown>).uri, `${A}/AvailablePhoneNumbers/US.json`);

  const searches: Array<[string, string]> = [
    ['US/Local.json?AreaCode=415&PageSize=3', 'Local'],
    ['US/TollFree.json?PageSize=3', 'TollFree'],
    ['CA/Local.json?PageSize=3', 'Local'],
    ['GB/Local.json?PageSize=3', 'Local'],
    ['GB/Mobile.json?PageSize=3', 'Mobile'],
  ];
  for (const [q, type] of searches) {
    const r = await getJson(`${A}/AvailablePhoneNumbers/${q}`);
    assert.equal(r.status, 200, q);
    const body = r.body as { available_phone_numbers: Array<Record<string, unknown>>; uri: string };
    assert.equal(body.available_phone_numbers.length, 3, q);
    const schema = responseSchema(`${P}/AvailablePhoneNumbers/{CountryCode}/${type}.json`);
    assert.deepEqual(shapeProblems(r.body, schema, listedUnder('available_phone_numbers', AVAILABLE_NUMBER_DEVIATIONS)), [], q);
    assert.ok(body.uri.startsWith(`${A}/AvailablePhoneNumbers/${q.split('?')[0]}`), q);
    // The SDK reads next_page_uri to decide whether to fetch more; a search is a single page.
    assert.equal((r.body as Record<string, unknown>).next_page_uri ?? null, null);
  }
});

test('incoming phone number: create, fetch, update, typed create and the list match the spec', async () => {
  const created = await getJson(`${A}/IncomingPhoneNumbers.json`, post({ AreaCode: '415' }));
  assert.equal(created.status, 201);
  const schema = resourceSchema('incoming_phone_number');
  assert.deepEqual(shapeProblems(created.body, schema), []);
  const n = created.body as Record<string, unknown>;
  assert.equal(n.uri, `${A}/IncomingPhoneNumbers/${String(n.sid)}.json`);

  const fetched = await getJson(`${A}/IncomingPhoneNumbers/${String(n.sid)}.json`);
  assert.deepEqual(shapeProblems(fetched.body, schema), []);
  const updated = await getJson(`${A}/IncomingPhoneNumbers/${String(n.sid)}.json`, post({ SmsUrl: 'https://example.com/sms', FriendlyName: 'shop' }));
  assert.equal(updated.status, 200);
  assert.deepEqual(shapeProblems(updated.body, schema), []);

  const tollFree = await getJson(`${A}/AvailablePhoneNumbers/US/TollFree.json?PageSize=1`);
  const tf = (tollFree.body as { available_phone_numbers: Array<{ phone_number: string }> }).available_phone_numbers[0]!.phone_number;
  const typed = await getJson(`${A}/IncomingPhoneNumbers/TollFree.json`, post({ PhoneNumber: tf }));
  assert.equal(typed.status, 201);
  assert.deepEqual(shapeProblems(typed.body, resourceSchema('incoming_phone_number.incoming_phone_number_toll_free')), []);

  for (const path of ['IncomingPhoneNumbers.json', 'IncomingPhoneNumbers/TollFree.json', 'IncomingPhoneNumbers/Local.json']) {
    const list = await getJson(`${A}/${path}?PageSize=1`);
    assert.equal(list.status, 200, path);
    assert.deepEqual(shapeProblems(list.body, responseSchema(`${P}/${path}`)), [], path);
    assert.equal((list.body as { incoming_phone_numbers: unknown[] }).incoming_phone_numbers.length, 1, path);
  }
});

test('message: create, fetch, the list, its Media list and its Feedback match the spec', async () => {
  const bought = await t.client().incomingPhoneNumbers.create({ areaCode: '212' });
  const created = await getJson(`${A}/Messages.json`, post({ From: bought.phoneNumber, To: '+15551234567', Body: 'hi' }));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const schema = resourceSchema('message');
  assert.deepEqual(shapeProblems(created.body, schema), []);
  const m = created.body as Record<string, unknown>;
  assert.equal(m.uri, `${A}/Messages/${String(m.sid)}.json`);

  const fetched = await getJson(`${A}/Messages/${String(m.sid)}.json`);
  assert.equal(fetched.status, 200);
  assert.deepEqual(shapeProblems(fetched.body, schema), []);

  const list = await getJson(`${A}/Messages.json?PageSize=1`);
  assert.equal(list.status, 200);
  assert.deepEqual(shapeProblems(list.body, responseSchema(`${P}/Messages.json`)), []);

  const media = await getJson(`${A}/Messages/${String(m.sid)}/Media.json`);
  assert.equal(media.status, 200);
  assert.deepEqual(shapeProblems(media.body, responseSchema(`${P}/Messages/{MessageSid}/Media.json`)), []);
  const feedback = await getJson(`${A}/Messages/${String(m.sid)}/Feedback.json`, post({ Outcome: 'confirmed' }));
  assert.equal(feedback.status, 200);
  assert.deepEqual(shapeProblems(feedback.body, resourceSchema('message.message_feedback')), []);
});

test('errors are exactly {code, message, more_info, status}, never a 500', async () => {
  const other = 'AC' + '0'.repeat(32);
  const cases: Array<[string, RequestInit | undefined, number, number]> = [
    [`${A}/IncomingPhoneNumbers/PN${'0'.repeat(32)}.json`, undefined, 404, 20404],
    [`/2010-04-01/Accounts/${other}/IncomingPhoneNumbers.json`, undefined, 404, 20404],
    [`${A}/AvailablePhoneNumbers/US/Local.json?AreaCode=111`, undefined, 400, 21451],
    [`${A}/AvailablePhoneNumbers/US/Local.json?Contains=5*5`, undefined, 400, 21421],
    [`${A}/AvailablePhoneNumbers/ZZ/Local.json`, undefined, 404, 20404],
    [`${A}/IncomingPhoneNumbers.json`, post({ PhoneNumber: 'not-a-number' }), 400, 21421],
    [`${A}/IncomingPhoneNumbers.json`, post({ PhoneNumber: '+15005550000' }), 400, 21422],
    [`${A}/IncomingPhoneNumbers.json`, post({ AreaCode: '415', SmsUrl: 'not a url' }), 400, 21502],
    [`${A}/IncomingPhoneNumbers.json?PageToken=garbage`, undefined, 400, 21481],
  ];
  for (const [path, init, status, code] of cases) {
    const r = await getJson(path, init);
    assert.equal(r.status, status, `${path} → ${JSON.stringify(r.body)}`);
    assert.deepEqual(errorBodyProblems(r.body, status), [], path);
    assert.equal((r.body as { code: number }).code, code, path);
  }
  const unauth = await getJson(`${A}.json`, { auth: [t.accountSid, 'wrong'] });
  assert.equal(unauth.status, 401);
  assert.deepEqual(errorBodyProblems(unauth.body, 401), []);
  assert.equal((unauth.body as { code: number }).code, 20003);
});
