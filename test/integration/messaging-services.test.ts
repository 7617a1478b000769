// Messaging Services (Twilio's Messaging v1 API) through the official twilio client: a service with a pool of
// senders sends a message given only MessagingServiceSid (the same sender for the same recipient), reports to the
// service's StatusCallback, schedules sends as Twilio requires them to be made, takes its senders' inbound texts to
// its InboundRequestUrl (or defers to the number's own), refuses what Twilio refuses, and outlives a restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { rejectsWithCode } from '../helpers/twilio-client.js';
import { startWebhookApp, waitUntil, type WebhookApp } from '../helpers/webhook-app.js';
import { buyNumber, sandboxMessages, textFromHandset } from './messages-inbound-helpers.js';

let t: Tandem;
let web: WebhookApp;

before(async () => {
  t = await startTandem();
  web = await startWebhookApp(() => t.authToken);
});
after(async () => {
  await web.close();
  await t.cleanup();
});


async function pnSid(e164: string): Promise<string> {
  return (await t.client().incomingPhoneNumbers.list({ phoneNumber: e164 }))[0]!.sid;
}

test('services: create, fetch, update, list across pages and delete with the official client', async () => {
  const v1 = t.client().messaging.v1;
  const made = await v1.services.create({ friendlyName: 'notifications', statusCallback: web.url + '/svc-status' });
  assert.match(made.sid, /^MG[0-9a-f]{32}$/);
  assert.equal(made.accountSid, t.accountSid);
  assert.equal(made.stickySender, true);
  assert.equal(made.useInboundWebhookOnNumber, false);
  assert.ok(made.dateCreated instanceof Date && !Number.isNaN(made.dateCreated.getTime()));
  assert.equal((await v1.services(made.sid).fetch()).statusCallback, web.url + '/svc-status');
  assert.equal((await v1.services(made.sid).update({ friendlyName: 'renamed' })).friendlyName, 'renamed');
  const more = [await v1.services.create({ friendlyName: 'b' }), await v1.services.create({ friendlyName: 'c' })];
  // pageSize 2 over three services: the client follows meta.next_page_url.
  const listed = await v1.services.list({ pageSize: 2 });
  for (const s of [made, ...more]) assert.ok(listed.some((x) => x.sid === s.sid), `${s.sid} listed`);
  for (const s of more) assert.equal(await v1.services(s.sid).remove(), true);
  await rejectsWithCode(v1.services(more[0]!.sid).fetch(), 404, 20404);
  await rejectsWithCode(v1.services.create({ friendlyName: '' }), 400, 21000);
});

test('a message with only MessagingServiceSid goes from a sender of the pool, the same one for the same recipient, and reports to the service', async () => {
  const c = t.client();
  const service = await c.messaging.v1.services.create({ friendlyName: 'pool', statusCallback: web.url + '/pool-status' });
  const senders = [await buyNumber(t, {}), await buyNumber(t, {})];
  for (const e164 of senders) {
    const added = await c.messaging.v1.services(service.sid).phoneNumbers.create({ phoneNumberSid: await pnSid(e164) });
    assert.equal(added.phoneNumber, e164);
    assert.equal(added.serviceSid, service.sid);
  }
  assert.deepEqual((await c.messaging.v1.services(service.sid).phoneNumbers.list()).map((p) => p.phoneNumber).sort(), [...senders].sort());

  const first = await c.messages.create({ messagingServiceSid: service.sid, to: '+15550006001', body: 'through the service 1' });
  assert.equal(first.status, 'queued');
  assert.equal(first.messagingServiceSid, service.sid);
  assert.ok(senders.includes(first.from), `sent from ${first.from}, one of the pool`);
  const second = await c.messages.create({ messagingServiceSid: service.sid, to: '+15550006001', body: 'through the service 2' });
  assert.equal(second.from, first.from, 'sticky sender: the same number for the same recipient');

  await waitUntil(async () => {
    const got = (await sandboxMessages(t)).filter((m) => m.to === '+15550006001' && m.body.startsWith('through the service'));
    return got.length === 2 && got.every((m) => m.from === first.from) ? got : undefined;
  }, 10_000, 'both at the carrier, from the chosen sender');
  const reqs = await web.waitFor((rs) => rs.some((r) => r.path === '/pool-status' && r.params.MessageSid === first.sid && r.params.MessageStatus === 'delivered'), 15_000);
  const mine = reqs.filter((r) => r.path === '/pool-status' && r.params.MessageSid === first.sid);
  assert.ok(mine.every((r) => r.signatureValid && r.params.MessagingServiceSid === service.sid));

  // A From given with the service wins; the message still names the service.
  const pinned = await c.messages.create({ messagingServiceSid: service.sid, from: senders[1]!, to: '+15550006002', body: 'pinned' });
  assert.equal(pinned.from, senders[1]);
  assert.equal(pinned.messagingServiceSid, service.sid);

  // Scheduling, which Twilio accepts only through a Messaging Service.
  const sendAt = new Date(Date.now() + 60 * 60 * 1000);
  const scheduled = await c.messages.create({ messagingServiceSid: service.sid, to: '+15550006003', body: 'later', sendAt, scheduleType: 'fixed' });
  assert.equal(scheduled.status, 'scheduled');
  assert.equal((await c.messages(scheduled.sid).update({ status: 'canceled' })).status, 'canceled');
});

test('what Twilio refuses: unknown or malformed services, an empty pool, a sender in two services', async () => {
  const c = t.client();
  await rejectsWithCode(c.messages.create({ messagingServiceSid: 'MG' + '0'.repeat(32), to: '+15550006101', body: 'x' }), 400, 21701);
  await rejectsWithCode(c.messages.create({ messagingServiceSid: 'MGnope', to: '+15550006101', body: 'x' }), 400, 21705);
  await rejectsWithCode(c.messages.create({ to: '+15550006101', body: 'x' }), 400, 21603);
  const empty = await c.messaging.v1.services.create({ friendlyName: 'empty' });
  await rejectsWithCode(c.messages.create({ messagingServiceSid: empty.sid, to: '+15550006101', body: 'x' }), 400, 21703);

  const other = await c.messaging.v1.services.create({ friendlyName: 'other' });
  const number = await pnSid(await buyNumber(t, {}));
  await c.messaging.v1.services(empty.sid).phoneNumbers.create({ phoneNumberSid: number });
  await rejectsWithCode(c.messaging.v1.services(empty.sid).phoneNumbers.create({ phoneNumberSid: number }), 400, 21710);
  await rejectsWithCode(c.messaging.v1.services(other.sid).phoneNumbers.create({ phoneNumberSid: number }), 400, 21712);
  await rejectsWithCode(c.messaging.v1.services(other.sid).phoneNumbers.create({ phoneNumberSid: 'PN' + '0'.repeat(32) }), 400, 21421);
  // Removed from one service, it may join another.
  assert.equal(await c.messaging.v1.services(empty.sid).phoneNumbers(number).remove(), true);
  assert.equal((await c.messaging.v1.services(other.sid).phoneNumbers.create({ phoneNumberSid: number })).serviceSid, other.sid);
  // A released number leaves its service.
  await c.incomingPhoneNumbers(number).remove();
  assert.equal((await c.messaging.v1.services(other.sid).phoneNumbers.list()).length, 0);
  // Another account cannot see the service.
  const sub = await c.api.v2010.accounts.create({ friendlyName: 'outsider' });
  await rejectsWithCode(t.client(sub.sid, sub.authToken).messaging.v1.services(other.sid).fetch(), 404, 20404);
});

test("a sender's inbound texts go to the service's InboundRequestUrl, or to the number's own SmsUrl when the service defers; services outlive a restart", async () => {
  const c = t.client();
  const reply = (text: string) => { const r = new twilio.twiml.MessagingResponse(); r.message(text); return r.toString(); };
  web.respond('/svc-inbound', { body: reply('from the service') });
  web.respond('/number-inbound', { body: reply('from the number') });
  const service = await c.messaging.v1.services.create({ friendlyName: 'inbound', inboundRequestUrl: web.url + '/svc-inbound' });
  const number = await buyNumber(t, { SmsUrl: web.url + '/number-inbound' });
  await c.messaging.v1.services(service.sid).phoneNumbers.create({ phoneNumberSid: await pnSid(number) });

  const replied = (body: string) => waitUntil(async () => (await sandboxMessages(t)).find((m) => m.from === number && m.body === body), 10_000, body);
  await textFromHandset(t, '+15550006201', number, 'hello service');
  await replied('from the service');
  const [hook] = web.requests.filter((r) => r.path === '/svc-inbound');
  assert.ok(hook!.signatureValid);
  assert.equal(hook!.params.MessagingServiceSid, service.sid);
  assert.equal(hook!.params.Body, 'hello service');
  const received = (await c.messages.list({ to: number, limit: 5 })).find((m) => m.body === 'hello service');
  assert.equal(received?.direction, 'inbound');
  assert.equal(received?.messagingServiceSid, service.sid, 'the inbound message names its service');

  t = await t.restart();
  const after = t.client();
  assert.equal((await after.messaging.v1.services(service.sid).fetch()).friendlyName, 'inbound');
  assert.equal((await after.messaging.v1.services(service.sid).phoneNumbers.list()).length, 1);
  await after.messaging.v1.services(service.sid).update({ useInboundWebhookOnNumber: true });
  await textFromHandset(t, '+15550006202', number, 'hello number');
  await replied('from the number');
  const sent = await after.messages.create({ messagingServiceSid: service.sid, to: '+15550006203', body: 'after the restart' });
  assert.equal(sent.from, number);
});

test("Smart Encoding: on for a new service, so pasted curly quotes and dashes reach the handset as GSM-7; off when the service or the request says so", async () => {
  const c = t.client();
  const service = await c.messaging.v1.services.create({ friendlyName: 'smart' });
  assert.equal(service.smartEncoding, true, 'on by default, as on Twilio');
  await c.messaging.v1.services(service.sid).phoneNumbers.create({ phoneNumberSid: await pnSid(await buyNumber(t, {})) });

  // 150 characters with one curly apostrophe: three UCS-2 segments as written.
  const pasted = 'It\u2019s \u201cready\u201d \u2014 ' + 'x'.repeat(135);
  const smart = await c.messages.create({ messagingServiceSid: service.sid, to: '+15550007001', body: pasted });
  assert.equal(smart.body, 'It\'s "ready" - ' + 'x'.repeat(135), 'the message shows what the carrier is given');
  assert.equal(smart.numSegments, '1');
  const asWritten = await c.messages.create({ messagingServiceSid: service.sid, to: '+15550007002', body: pasted, smartEncoded: false });
  assert.equal(asWritten.body, pasted, 'SmartEncoded=false on the request wins over the service');
  assert.equal(asWritten.numSegments, '3');
  const emoji = await c.messages.create({ messagingServiceSid: service.sid, to: '+15550007003', body: '\u201cParty\u201d \u{1F389}' });
  assert.equal(emoji.body, '\u201cParty\u201d \u{1F389}', 'a body that needs UCS-2 anyway goes as written');

  const got = await waitUntil(async () => {
    const all = await sandboxMessages(t);
    const a = all.find((m) => m.to === '+15550007001');
    const b = all.find((m) => m.to === '+15550007002');
    return a && b ? { a, b } : undefined;
  }, 10_000, 'both at the carrier');
  assert.equal(got.a.body, smart.body);
  assert.equal(got.a.segments, 1);
  assert.equal(got.b.body, pasted);
  assert.equal(got.b.segments, 3);

  const off = await c.messaging.v1.services(service.sid).update({ smartEncoding: false });
  assert.equal(off.smartEncoding, false);
  assert.equal((await c.messages.create({ messagingServiceSid: service.sid, to: '+15550007004', body: pasted })).numSegments, '3');
  // Without a service it is off unless the request asks for it.
  const from = await buyNumber(t, {});
  assert.equal((await c.messages.create({ from, to: '+15550007005', body: pasted })).numSegments, '3');
  const asked = await c.messages.create({ from, to: '+15550007006', body: pasted, smartEncoded: true });
  assert.equal(asked.numSegments, '1');
  assert.equal(asked.body, smart.body);
});

test("a full sender queue: through a service the send is taken and fails with 30001, as on Twilio; a plain From still gets 21611", async () => {
  const c = t.client();
  // 0.002 segments/s → 10 hours = 72 segments; the first message leaves at once, the next 72 fill the queue.
  const from = await buyNumber(t, { TandemSendRate: '0.002' });
  const service = await c.messaging.v1.services.create({ friendlyName: 'bulk', statusCallback: web.url + '/bulk-status' });
  await c.messaging.v1.services(service.sid).phoneNumbers.create({ phoneNumberSid: await pnSid(from) });
  await c.messages.create({ from, to: '+15550007001', body: 'first' });
  await waitUntil(async () => (await sandboxMessages(t)).some((m) => m.from === from) || undefined, 5_000, 'first message out');
  await Promise.all(Array.from({ length: 72 }, (_, i) => c.messages.create({ from, to: '+15550007001', body: `q${i}` })));
  await rejectsWithCode(c.messages.create({ from, to: '+15550007001', body: 'plain From' }), 400, 21611);

  const over = await c.messages.create({ messagingServiceSid: service.sid, to: '+15550007002', body: 'one too many' });
  assert.equal(over.from, from);
  const failed = await waitUntil(async () => {
    const m = await c.messages(over.sid).fetch();
    return m.status === 'failed' ? m : undefined;
  }, 5_000, 'the overflowing message to fail');
  assert.equal(failed.errorCode, 30001);
  assert.match(failed.errorMessage, /Queue overflow/);
  const reqs = await web.waitFor((rs) => rs.some((r) => r.path === '/bulk-status' && r.params.MessageSid === over.sid), 5_000);
  const cb = reqs.find((r) => r.path === '/bulk-status' && r.params.MessageSid === over.sid)!;
  assert.equal(cb.params.MessageStatus, 'failed');
  assert.equal(cb.params.ErrorCode, '30001');
  assert.equal(cb.params.MessagingServiceSid, service.sid);
  assert.ok(cb.signatureValid);
  // It never reached the carrier, and the queue it would not fit in is unchanged.
  assert.ok(!(await sandboxMessages(t)).some((m) => m.body === 'one too many'));
  assert.equal((await c.messages.list({ from })).filter((m) => m.status === 'queued').length, 72);

  // A scheduled message that comes due while the queue is still full has no caller to refuse: it fails the same way.
  const later = await c.messages.create({ messagingServiceSid: service.sid, from, to: '+15550007003', body: 'due soon', sendAt: new Date(Date.now() + 1_500), scheduleType: 'fixed' });
  assert.equal(later.status, 'scheduled');
  const due = await waitUntil(async () => {
    const m = await c.messages(later.sid).fetch();
    return m.status === 'failed' ? m : undefined;
  }, 10_000, 'the scheduled message to fail once due');
  assert.equal(due.errorCode, 30001);
  await web.waitFor((rs) => rs.some((r) => r.path === '/bulk-status' && r.params.MessageSid === later.sid && r.params.MessageStatus === 'failed' && r.params.ErrorCode === '30001'), 5_000);
});

test('an alpha sender: a service sends as its name where the destination allows one, paced at 10 segments/s, and from its pool to North America', async () => {
  const c = t.client();
  const service = await c.messaging.v1.services.create({ friendlyName: 'brand', statusCallback: web.url + '/alpha-status' });
  const pool = await buyNumber(t, {});
  await c.messaging.v1.services(service.sid).phoneNumbers.create({ phoneNumberSid: await pnSid(pool) });

  const alpha = await c.messaging.v1.services(service.sid).alphaSenders.create({ alphaSender: 'Tandem Co' });
  assert.match(alpha.sid, /^AI[0-9a-f]{32}$/);
  assert.equal(alpha.alphaSender, 'Tandem Co');
  assert.equal(alpha.serviceSid, service.sid);
  assert.deepEqual(alpha.capabilities, ['SMS']);
  assert.equal((await c.messaging.v1.services(service.sid).alphaSenders(alpha.sid).fetch()).alphaSender, 'Tandem Co');
  assert.deepEqual((await c.messaging.v1.services(service.sid).alphaSenders.list()).map((a) => a.sid), [alpha.sid]);
  // One per service, Twilio's format, and a name stays within one account.
  await rejectsWithCode(c.messaging.v1.services(service.sid).alphaSenders.create({ alphaSender: 'Second' }), 400, 21000);
  const other = await c.messaging.v1.services.create({ friendlyName: 'other' });
  for (const bad of ['12345', 'TwelveChars1', '+Plus', '']) {
    await rejectsWithCode(c.messaging.v1.services(other.sid).alphaSenders.create({ alphaSender: bad }), 400, 21000);
  }
  const sub = await c.api.v2010.accounts.create({ friendlyName: 'squatter' });
  const sc = t.client(sub.sid, sub.authToken);
  const subService = await sc.messaging.v1.services.create({ friendlyName: 'theirs' });
  await rejectsWithCode(sc.messaging.v1.services(subService.sid).alphaSenders.create({ alphaSender: 'Tandem Co' }), 400, 21000);
  await rejectsWithCode(sc.messages.create({ from: 'Tandem Co', to: '+447700900001', body: 'not yours' }), 400, 21212);

  // Abroad the service sends as its name; to North America from its pool.
  const abroad = await c.messages.create({ messagingServiceSid: service.sid, to: '+447700900001', body: 'your parcel is on its way' });
  assert.equal(abroad.from, 'Tandem Co');
  assert.equal(abroad.messagingServiceSid, service.sid);
  const home = await c.messages.create({ messagingServiceSid: service.sid, to: '+15550009001', body: 'your parcel is here' });
  assert.equal(home.from, pool);
  // From naming the alpha sender works without the service, too.
  const direct = await c.messages.create({ from: 'Tandem Co', to: '+447700900002', body: 'direct' });
  assert.equal(direct.from, 'Tandem Co');
  await rejectsWithCode(c.messages.create({ from: 'Nobody', to: '+447700900002', body: 'x' }), 400, 21212);
  // As on Twilio, a North American handset cannot be texted from a name.
  await rejectsWithCode(c.messages.create({ from: 'Tandem Co', to: '+15550009002', body: 'x' }), 400, 21612);

  const arrived = await waitUntil(async () => {
    const got = (await sandboxMessages(t)).filter((m) => m.from === 'Tandem Co');
    return got.length === 2 ? got : undefined;
  }, 10_000, 'both alpha messages at the carrier');
  assert.deepEqual(arrived.map((m) => m.to).sort(), ['+447700900001', '+447700900002']);
  const reqs = await web.waitFor((rs) => rs.some((r) => r.path === '/alpha-status' && r.params.MessageSid === abroad.sid && r.params.MessageStatus === 'delivered'), 15_000);
  const cb = reqs.find((r) => r.path === '/alpha-status' && r.params.MessageSid === abroad.sid && r.params.MessageStatus === 'delivered')!;
  assert.equal(cb.params.From, 'Tandem Co');
  assert.ok(cb.signatureValid);
  assert.equal((await c.messages(abroad.sid).fetch()).status, 'delivered');

  // Paced as one sender at 10 segments/s: 12 texts take at least 1.1 s at the carrier, far less than 1/s would.
  for (let i = 0; i < 12; i++) await c.messages.create({ from: 'Tandem Co', to: '+447700900003', body: `burst ${i}` });
  const burst = await waitUntil(async () => {
    const got = (await sandboxMessages(t)).filter((m) => m.from === 'Tandem Co' && m.body.startsWith('burst '));
    return got.length === 12 ? got : undefined;
  }, 15_000, 'the burst at the carrier');
  assert.deepEqual(burst.map((m) => m.body), Array.from({ length: 12 }, (_, i) => `burst ${i}`), 'in the order accepted');
  const span = Date.parse(burst[11]!.received_at) - Date.parse(burst[0]!.received_at);
  assert.ok(span >= 1_050 && span < 5_000, `12 segments over ${span} ms`);

  // Deleted, the service sends abroad from its pool again.
  await c.messaging.v1.services(service.sid).alphaSenders(alpha.sid).remove();
  await rejectsWithCode(c.messaging.v1.services(service.sid).alphaSenders(alpha.sid).fetch(), 404, 20404);
  assert.equal((await c.messages.create({ messagingServiceSid: service.sid, to: '+447700900004', body: 'after' })).from, pool);
});

test('destination alpha senders: a service sends as the name for the destination\'s country, then its name for any country, then its AlphaSender', async () => {
  const c = t.client();
  const service = await c.messaging.v1.services.create({ friendlyName: 'europe' });
  const pool = await buyNumber(t, {});
  await c.messaging.v1.services(service.sid).phoneNumbers.create({ phoneNumberSid: await pnSid(pool) });
  const senders = c.messaging.v1.services(service.sid).destinationAlphaSenders;
  const de = await senders.create({ alphaSender: 'Acme DE', isoCountryCode: 'DE' });
  assert.match(de.sid, /^AI[0-9a-f]{32}$/);
  assert.equal(de.isoCountryCode, 'DE');
  assert.equal(de.alphaSender, 'Acme DE');
  assert.equal(de.serviceSid, service.sid);
  assert.deepEqual(de.capabilities, ['SMS']);
  await c.messaging.v1.services(service.sid).alphaSenders.create({ alphaSender: 'Acme' });

  // Germany gets its own name; France has none of its own, so the service's AlphaSender; the US its pool.
  const berlin = await c.messages.create({ messagingServiceSid: service.sid, to: '+4915112345678', body: 'Ihr Paket' });
  assert.equal(berlin.from, 'Acme DE');
  const paris = await c.messages.create({ messagingServiceSid: service.sid, to: '+33612345678', body: 'Votre colis' });
  assert.equal(paris.from, 'Acme');
  assert.equal((await c.messages.create({ messagingServiceSid: service.sid, to: '+15550009101', body: 'your parcel' })).from, pool);

  // A name for every country without its own comes before the AlphaSender.
  const any = await senders.create({ alphaSender: 'Acme EU' });
  assert.equal(any.isoCountryCode, null);
  assert.equal((await c.messages.create({ messagingServiceSid: service.sid, to: '+33612345679', body: 'Votre colis' })).from, 'Acme EU');
  assert.equal((await c.messages.create({ messagingServiceSid: service.sid, to: '+4915112345679', body: 'Ihr Paket' })).from, 'Acme DE');
  // The names are the account's: From may name one directly.
  assert.equal((await c.messages.create({ from: 'Acme DE', to: '+4915112345670', body: 'direkt' })).from, 'Acme DE');

  const arrived = await waitUntil(async () => {
    const got = (await sandboxMessages(t)).filter((m) => m.from.startsWith('Acme'));
    return got.length === 5 ? got : undefined;
  }, 10_000, 'the five alpha messages at the carrier');
  assert.deepEqual(
    arrived.map((m) => `${m.from} → ${m.to}`).sort(),
    ['Acme DE → +4915112345670', 'Acme DE → +4915112345678', 'Acme DE → +4915112345679', 'Acme EU → +33612345679', 'Acme → +33612345678'].sort(),
  );

  // List (filtered by country), fetch, and Twilio-shaped refusals.
  assert.deepEqual((await senders.list()).map((d) => d.sid), [de.sid, any.sid]);
  assert.deepEqual((await senders.list({ isoCountryCode: 'DE' })).map((d) => d.sid), [de.sid]);
  assert.deepEqual((await senders.list({ pageSize: 1 })).map((d) => d.sid), [de.sid, any.sid], 'paged one at a time');
  assert.equal((await senders(any.sid).fetch()).alphaSender, 'Acme EU');
  await rejectsWithCode(senders.create({ alphaSender: 'Acme DE2', isoCountryCode: 'DE' }), 400, 21000);
  await rejectsWithCode(senders.create({ alphaSender: 'Acme Any2' }), 400, 21000);
  await rejectsWithCode(senders.create({ alphaSender: 'Acme XX', isoCountryCode: 'XX' }), 400, 21000);
  await rejectsWithCode(senders.create({ alphaSender: 'Acme US', isoCountryCode: 'US' }), 400, 21000);
  await rejectsWithCode(senders.create({ alphaSender: '12345', isoCountryCode: 'FR' }), 400, 21000);
  const sub = await c.api.v2010.accounts.create({ friendlyName: 'copycat' });
  const sc = t.client(sub.sid, sub.authToken);
  const theirs = await sc.messaging.v1.services.create({ friendlyName: 'theirs' });
  await rejectsWithCode(sc.messaging.v1.services(theirs.sid).destinationAlphaSenders.create({ alphaSender: 'Acme DE', isoCountryCode: 'AT' }), 400, 21000);

  // Deleted, Germany falls back to the name for any country; the choice outlives a restart.
  await senders(de.sid).remove();
  await rejectsWithCode(senders(de.sid).fetch(), 404, 20404);
  assert.equal((await c.messages.create({ messagingServiceSid: service.sid, to: '+4915112345671', body: 'Ihr Paket' })).from, 'Acme EU');
  t = await t.restart();
  assert.deepEqual((await t.client().messaging.v1.services(service.sid).destinationAlphaSenders.list()).map((d) => d.alphaSender), ['Acme EU']);
  assert.equal((await t.client().messages.create({ messagingServiceSid: service.sid, to: '+4915112345672', body: 'Ihr Paket' })).from, 'Acme EU');
});
