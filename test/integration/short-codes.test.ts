// Short codes end to end: the operator adds a short code its carrier leased (tandem's create, since Twilio has none),
// the official client lists, fetches and configures it as Twilio's SMS/ShortCodes resource, it sends at the
// short-code pace (observed at the sandbox carrier) and its texts reach its SmsUrl, signed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { rejectsWithCode } from '../helpers/twilio-client.js';
import { resourceSchema, responseSchema, shapeProblems } from '../helpers/spec-schema.js';
import { startWebhookApp, waitUntil, type WebhookApp } from '../helpers/webhook-app.js';
import { buyNumber, sandboxMessages, textFromHandset } from './messages-inbound-helpers.js';

let t: Tandem;
let app: WebhookApp;

before(async () => {
  t = await startTandem();
  app = await startWebhookApp(() => t.authToken);
});
after(async () => {
  await app.close();
  await t.cleanup();
});

async function addShortCode(params: Record<string, string>, auth?: [string, string]): Promise<Response> {
  return t.fetch(`/2010-04-01/Accounts/${auth?.[0] ?? t.accountSid}/SMS/ShortCodes.json`, {
    method: 'POST',
    body: new URLSearchParams(params),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    ...(auth && { auth }),
  });
}

test('a short code: added, listed apart from the numbers, configured with the official client, and in Twilio\'s shape', async () => {
  const r = await addShortCode({ ShortCode: '24680', FriendlyName: 'alerts' });
  assert.equal(r.status, 201, await r.clone().text());
  const made = (await r.json()) as Record<string, unknown>;
  assert.match(String(made.sid), /^SC[0-9a-f]{32}$/);
  assert.equal(made.short_code, '24680');
  assert.deepEqual(shapeProblems(made, resourceSchema('short_code')), []);

  const c = t.client();
  const listed = await c.shortCodes.list();
  assert.deepEqual(listed.map((s) => s.shortCode), ['24680']);
  assert.equal(listed[0]!.friendlyName, 'alerts');
  assert.deepEqual((await c.shortCodes.list({ shortCode: '468' })).map((s) => s.sid), [made.sid]);
  assert.deepEqual(await c.shortCodes.list({ shortCode: '999' }), []);
  const updated = await c.shortCodes(String(made.sid)).update({ smsUrl: app.url + '/sc', smsMethod: 'POST', friendlyName: 'renamed' });
  assert.equal(updated.smsUrl, app.url + '/sc');
  assert.equal(updated.friendlyName, 'renamed');
  assert.equal((await c.shortCodes(String(made.sid)).fetch()).smsUrl, app.url + '/sc');
  const page = await (await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/SMS/ShortCodes.json`)).json();
  assert.deepEqual(shapeProblems(page, responseSchema('/2010-04-01/Accounts/{AccountSid}/SMS/ShortCodes.json')), []);

  // Not a phone number: IncomingPhoneNumbers neither lists nor fetches it.
  assert.ok((await c.incomingPhoneNumbers.list()).every((n) => n.phoneNumber !== '24680'));
  await rejectsWithCode(c.incomingPhoneNumbers(String(made.sid)).fetch(), 404, 20404);

  // One account at a time, and short codes only.
  const taken = await addShortCode({ ShortCode: '24680' });
  assert.equal(taken.status, 400);
  assert.equal(((await taken.json()) as { code: number }).code, 21422);
  for (const bad of ['12', '123456789', '+12345', 'ABCDE', '']) {
    const res = await addShortCode({ ShortCode: bad });
    assert.equal(res.status, 400, bad);
    assert.equal(((await res.json()) as { code: number }).code, 21000, bad);
  }
  const sub = await c.api.v2010.accounts.create({ friendlyName: 'other' });
  const other = await addShortCode({ ShortCode: '24680' }, [sub.sid, sub.authToken]);
  assert.equal(other.status, 400);
  await rejectsWithCode(t.client(sub.sid, sub.authToken).shortCodes(String(made.sid)).fetch(), 404, 20404);
});

test('a short code sends at 100 segments/s, and its texts reach its SmsUrl with a reply from it', async () => {
  const r = await addShortCode({ ShortCode: '55501', SmsUrl: app.url + '/sc-in' });
  assert.equal(r.status, 201);
  const c = t.client();
  const sent = await Promise.all(Array.from({ length: 60 }, (_, i) => c.messages.create({ from: '55501', to: '+15550007001', body: `code ${i}` })));
  assert.ok(sent.every((m) => m.from === '55501' && m.status === 'queued'));
  const arrived = await waitUntil(async () => {
    const got = (await sandboxMessages(t)).filter((m) => m.from === '55501' && m.body.startsWith('code '));
    return got.length === 60 ? got : undefined;
  }, 15_000, 'the 60 texts at the carrier');
  assert.deepEqual(arrived.map((m) => m.body).sort(), sent.map((m) => m.body).sort());
  const span = Date.parse(arrived[59]!.received_at) - Date.parse(arrived[0]!.received_at);
  // 100/s: 59 gaps of 10 ms (a long code would take a minute).
  assert.ok(span >= 450 && span < 5_000, `60 segments over ${span} ms`);
  await waitUntil(async () => ((await c.messages(sent[0]!.sid).fetch()).status === 'delivered' ? true : undefined), 10_000, 'delivered');

  app.respond('/sc-in', { body: '<Response><Message>You are subscribed</Message></Response>' });
  await textFromHandset(t, '+15550007002', '55501', 'JOIN');
  const [hook] = (await app.waitFor((rs) => rs.some((x) => x.path === '/sc-in'))).filter((x) => x.path === '/sc-in');
  assert.ok(hook!.signatureValid);
  assert.equal(hook!.params.To, '55501');
  assert.equal(hook!.params.From, '+15550007002');
  assert.equal(hook!.params.Body, 'JOIN');
  assert.equal(hook!.params.ToCountry, 'US');
  const reply = await waitUntil(async () => (await sandboxMessages(t)).find((m) => m.from === '55501' && m.to === '+15550007002'), 10_000, 'the reply');
  assert.equal(reply.body, 'You are subscribed');
});

test('a short code given back is no sender any more, and another account may add it', async () => {
  const r = await addShortCode({ ShortCode: '55502' });
  const sid = String(((await r.json()) as { sid: string }).sid);
  const c = t.client();
  assert.equal((await c.messages.create({ from: '55502', to: '+15550007003', body: 'before' })).from, '55502');
  const del = await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/SMS/ShortCodes/${sid}.json`, { method: 'DELETE' });
  assert.equal(del.status, 204);
  await rejectsWithCode(c.shortCodes(sid).fetch(), 404, 20404);
  await rejectsWithCode(c.messages.create({ from: '55502', to: '+15550007003', body: 'after' }), 400, 21606);
  const sub = await c.api.v2010.accounts.create({ friendlyName: 'next' });
  assert.equal((await addShortCode({ ShortCode: '55502' }, [sub.sid, sub.authToken])).status, 201);
  // It outlives a restart, with its owner.
  t = await t.restart();
  assert.deepEqual((await t.client(sub.sid, sub.authToken).shortCodes.list()).map((s) => s.shortCode), ['55502']);
  assert.equal((await t.client(sub.sid, sub.authToken).messages.create({ from: '55502', to: '+15550007004', body: 'theirs' })).from, '55502');
});

test('in a Messaging Service\'s pool a short code sends to its own country, the numbers everywhere else', async () => {
  const c = t.client();
  const code = (await (await addShortCode({ ShortCode: '55503' })).json()) as { sid: string };
  const number = await buyNumber(t, {});
  const pnSid = (await c.incomingPhoneNumbers.list({ phoneNumber: number }))[0]!.sid;
  const service = await c.messaging.v1.services.create({ friendlyName: 'mixed' });
  const pool = c.messaging.v1.services(service.sid);
  const added = await pool.shortCodes.create({ shortCodeSid: code.sid });
  assert.equal(added.shortCode, '55503');
  assert.equal(added.countryCode, 'US');
  assert.deepEqual(added.capabilities, ['SMS']);
  await pool.phoneNumbers.create({ phoneNumberSid: pnSid });
  // Each resource holds its own kind.
  assert.deepEqual((await pool.shortCodes.list()).map((s) => s.sid), [code.sid]);
  assert.deepEqual((await pool.phoneNumbers.list()).map((s) => s.sid), [pnSid]);
  assert.equal((await pool.shortCodes(code.sid).fetch()).shortCode, '55503');
  await rejectsWithCode(pool.phoneNumbers(code.sid).fetch(), 404, 20404);
  const other = await c.messaging.v1.services.create({ friendlyName: 'other' });
  await rejectsWithCode(c.messaging.v1.services(other.sid).phoneNumbers.create({ phoneNumberSid: code.sid }), 400, 21421);
  await rejectsWithCode(c.messaging.v1.services(other.sid).shortCodes.create({ shortCodeSid: pnSid }), 400, 21421);
  await rejectsWithCode(c.messaging.v1.services(other.sid).shortCodes.create({ shortCodeSid: code.sid }), 400, 21712);

  assert.equal((await c.messages.create({ messagingServiceSid: service.sid, to: '+15550007010', body: 'home' })).from, '55503');
  assert.equal((await c.messages.create({ messagingServiceSid: service.sid, to: '+447700900010', body: 'abroad' })).from, number);

  // Out of the pool (or given back), the short code no longer sends for the service.
  await pool.shortCodes(code.sid).remove();
  assert.deepEqual(await pool.shortCodes.list(), []);
  assert.equal((await c.messages.create({ messagingServiceSid: service.sid, to: '+15550007011', body: 'home again' })).from, number);
  await pool.shortCodes.create({ shortCodeSid: code.sid });
  assert.equal((await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/SMS/ShortCodes/${code.sid}.json`, { method: 'DELETE' })).status, 204);
  assert.deepEqual(await pool.shortCodes.list(), []);
});
