// Inbound SMS end to end: the sandbox handset texts a tandem number over SMPP, tandem calls the owner's app (a
// real HTTP server checking every X-Twilio-Signature with twilio.validateRequest), and the TwiML reply (built
// with twilio's MessagingResponse) reaches the sandbox carrier through the number's sender queue.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { startWebhookApp, waitUntil, type WebhookApp } from '../helpers/webhook-app.js';
import { buyNumber, notificationsFor, sandboxMessages, sleep, textFromHandset } from './messages-inbound-helpers.js';

let t: Tandem;
let app: WebhookApp;

const twiml = (build: (r: InstanceType<typeof twilio.twiml.MessagingResponse>) => void): string => {
  const r = new twilio.twiml.MessagingResponse();
  build(r);
  return r.toString();
};

before(async () => {
  t = await startTandem();
  app = await startWebhookApp(() => t.authToken);
});
after(async () => {
  await app.close();
  await t.cleanup();
});

test('plain reply: signed webhook with Twilio parameters, inbound Message resource, reply at the carrier', async () => {
  const number = await buyNumber(t, { SmsUrl: app.url + '/plain' });
  app.respond('/plain', { body: twiml((r) => r.message('Sunny, 18°C in 94110')) });
  await textFromHandset(t, '+15550001001', number, 'weather 94110');

  const [req] = (await app.waitFor((rs) => rs.some((r) => r.path === '/plain'))).filter((r) => r.path === '/plain');
  assert.ok(req!.signatureValid, 'X-Twilio-Signature validates with the account auth token');
  assert.equal(req!.method, 'POST');
  const p = req!.params;
  assert.match(p.MessageSid!, /^SM[0-9a-f]{32}$/);
  assert.equal(p.SmsSid, p.MessageSid);
  assert.equal(p.SmsMessageSid, p.MessageSid);
  assert.equal(p.AccountSid, t.accountSid);
  assert.equal(p.From, '+15550001001');
  assert.equal(p.To, number);
  assert.equal(p.Body, 'weather 94110');
  assert.equal(p.NumSegments, '1');
  assert.equal(p.NumMedia, '0');
  assert.equal(p.SmsStatus, 'received');
  assert.equal(p.ApiVersion, '2010-04-01');
  assert.equal(p.OptOutType, undefined);

  const reply = await waitUntil(async () => (await sandboxMessages(t)).find((m) => m.from === number && m.to === '+15550001001'), 10_000, 'reply at the carrier');
  assert.equal(reply.body, 'Sunny, 18°C in 94110');

  const c = t.client();
  const inbound = await c.messages(p.MessageSid!).fetch();
  assert.equal(inbound.direction, 'inbound');
  assert.equal(inbound.status, 'received');
  assert.equal(inbound.body, 'weather 94110');
  assert.equal(inbound.from, '+15550001001');
  assert.equal(inbound.to, number);
  assert.equal(inbound.numSegments, '1');
  assert.ok(inbound.dateSent instanceof Date);
  const listed = await c.messages.list({ to: number });
  assert.ok(listed.some((m) => m.sid === p.MessageSid && m.direction === 'inbound'));
  const replies = await c.messages.list({ from: number, to: '+15550001001' });
  assert.equal(replies.length, 1);
  assert.equal(replies[0]!.direction, 'outbound-reply');
  assert.equal(replies[0]!.body, 'Sunny, 18°C in 94110');
  await waitUntil(async () => (await c.messages(replies[0]!.sid).fetch()).status === 'delivered' || undefined, 10_000, 'reply delivered');
});

test('the webhook says where both sides are: the number\'s city, state and ZIP; the handset\'s state, or its country abroad', async () => {
  const c = t.client();
  const [n] = await c.availablePhoneNumbers('US').local.list({ inLocality: 'San Francisco', inRegion: 'CA', smsEnabled: true, limit: 1 });
  assert.ok(n, 'a San Francisco number');
  await c.incomingPhoneNumbers.create({ phoneNumber: n.phoneNumber, smsUrl: app.url + '/geo' });
  app.respond('/geo', { body: '<Response/>' });
  await textFromHandset(t, '+12125550188', n.phoneNumber, 'from New York');
  await textFromHandset(t, '+4915112345678', n.phoneNumber, 'aus Berlin');
  const reqs = (await app.waitFor((rs) => rs.filter((r) => r.path === '/geo').length >= 2)).filter((r) => r.path === '/geo');
  const ny = reqs.find((r) => r.params.Body === 'from New York')!.params;
  assert.deepEqual(
    { city: ny.ToCity, state: ny.ToState, zip: ny.ToZip, country: ny.ToCountry },
    { city: 'SAN FRANCISCO', state: 'CA', zip: n.postalCode, country: 'US' },
    'the number is where its AvailablePhoneNumber said',
  );
  // An area code spans many cities: the state, and no guessed city.
  assert.deepEqual({ city: ny.FromCity, state: ny.FromState, zip: ny.FromZip, country: ny.FromCountry }, { city: '', state: 'NY', zip: '', country: 'US' });
  const de = reqs.find((r) => r.params.Body === 'aus Berlin')!.params;
  assert.equal(de.FromCountry, 'DE');
  assert.equal(de.FromState, '');
  assert.equal(de.ToCity, 'SAN FRANCISCO');
  assert.ok(reqs.every((r) => r.signatureValid), 'the geo parameters are signed with the rest');
});

test('several <Message>s leave through the number\'s queue in document order, with their own To/From and action', async () => {
  const number = await buyNumber(t, { SmsUrl: app.url + '/several' });
  const other = await buyNumber(t, {});
  app.respond('/several', {
    body: twiml((r) => {
      r.message('one');
      r.message('two');
      r.message({ to: '+15550001099' }, 'three to someone else');
      r.message({ from: other, action: app.url + '/reply-status' }, 'four from my other number');
      r.message('five');
    }),
  });
  await textFromHandset(t, '+15550001002', number, 'menu');
  const got = await waitUntil(async () => {
    const ms = (await sandboxMessages(t)).filter((m) => m.from === number || m.from === other);
    return ms.length >= 5 ? ms : undefined;
  }, 10_000, 'five replies');
  const fromNumber = got.filter((m) => m.from === number);
  assert.deepEqual(fromNumber.map((m) => m.body), ['one', 'two', 'three to someone else', 'five']);
  assert.equal(fromNumber[2]!.to, '+15550001099');
  assert.equal(fromNumber[0]!.to, '+15550001002');
  const four = got.find((m) => m.from === other)!;
  assert.equal(four.body, 'four from my other number');
  assert.equal(four.to, '+15550001002');
  // action= is the status callback of the message the verb created.
  const cbs = await app.waitFor((rs) => rs.some((r) => r.path === '/reply-status' && r.params.MessageStatus === 'delivered'));
  assert.ok(cbs.filter((r) => r.path === '/reply-status').every((r) => r.signatureValid && r.params.From === other));
});

test('<Redirect> continues with TwiML from another URL (GET, signed), and a redirect loop stops after 10 hops', async () => {
  const number = await buyNumber(t, { SmsUrl: app.url + '/redirect' });
  app.respond('/redirect', { body: twiml((r) => { r.message('before the redirect'); r.redirect({ method: 'GET' }, '/next?step=2'); r.message('never sent'); }) });
  app.respond('/next', { body: twiml((r) => r.message('after the redirect')) });
  await textFromHandset(t, '+15550001003', number, 'go');
  const got = await waitUntil(async () => {
    const ms = (await sandboxMessages(t)).filter((m) => m.from === number);
    return ms.length >= 2 ? ms : undefined;
  }, 10_000, 'two replies');
  assert.deepEqual(got.map((m) => m.body), ['before the redirect', 'after the redirect']);
  const next = app.requests.find((r) => r.path === '/next')!;
  assert.equal(next.method, 'GET');
  assert.ok(next.signatureValid);
  assert.equal(next.params.step, '2');
  assert.equal(next.params.Body, 'go');
  assert.equal(next.params.From, '+15550001003');

  const loop = await buyNumber(t, { SmsUrl: app.url + '/loop' });
  app.respond('/loop', { body: twiml((r) => r.redirect('/loop')) });
  await textFromHandset(t, '+15550001004', loop, 'loop');
  const first = await app.waitFor((rs) => rs.some((r) => r.path === '/loop'));
  const sid = first.find((r) => r.path === '/loop')!.params.MessageSid!;
  const notes = await waitUntil(async () => {
    const n = await notificationsFor(t, sid);
    return n.length > 0 ? n : undefined;
  }, 10_000, 'redirect-loop notification');
  assert.equal(notes[0]!.error_code, '11215');
  // The first request plus ten hops, then nothing more.
  await sleep(300);
  assert.equal(app.requests.filter((r) => r.path === '/loop').length, 11);
});

test('SmsMethod=GET: parameters in the query string, signature over the full URL', async () => {
  const number = await buyNumber(t, { SmsUrl: app.url + '/get-hook?source=tandem', SmsMethod: 'GET' });
  app.respond('/get-hook', { body: twiml((r) => r.message('got it by GET')) });
  await textFromHandset(t, '+15550001005', number, 'hello & welcome = yes');
  const req = (await app.waitFor((rs) => rs.some((r) => r.path === '/get-hook'))).find((r) => r.path === '/get-hook')!;
  assert.equal(req.method, 'GET');
  assert.ok(req.signatureValid);
  assert.equal(req.params.source, 'tandem');
  assert.equal(req.params.Body, 'hello & welcome = yes');
  assert.equal(req.params.To, number);
  await waitUntil(async () => (await sandboxMessages(t)).find((m) => m.from === number && m.body === 'got it by GET'), 10_000, 'reply');
});

test('multi-part texts are reassembled before the webhook: GSM-7 and UCS-2', async () => {
  const number = await buyNumber(t, { SmsUrl: app.url + '/long' });
  const gsm = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ') + ' {braces} and [brackets] €uro ' + 'x'.repeat(150);
  const ucs = 'Привет, мир! 👋 ' + 'Съешь же ещё этих мягких французских булок, да выпей чаю. '.repeat(3);
  await textFromHandset(t, '+15550001006', number, gsm);
  await textFromHandset(t, '+15550001007', number, ucs);
  const reqs = await app.waitFor((rs) => rs.filter((r) => r.path === '/long').length >= 2);
  const byFrom = new Map(reqs.filter((r) => r.path === '/long').map((r) => [r.params.From, r]));
  const g = byFrom.get('+15550001006')!;
  const u = byFrom.get('+15550001007')!;
  assert.equal(g.params.Body, gsm);
  assert.equal(g.params.NumSegments, '3');
  assert.equal(u.params.Body, ucs);
  assert.ok(Number(u.params.NumSegments) >= 3, `UCS-2 body in ${u.params.NumSegments} parts`);
  assert.ok(g.signatureValid && u.signatureValid);
  const stored = await t.client().messages(u.params.MessageSid!).fetch();
  assert.equal(stored.body, ucs);
  assert.equal(stored.numSegments, u.params.NumSegments);
  // One webhook per message, not per part.
  await sleep(200);
  assert.equal(app.requests.filter((r) => r.path === '/long').length, 2);
});

test('a text for a number nobody owns is acknowledged, counted and dropped', async () => {
  const metric = async () => {
    const text = await (await fetch(t.url + '/metrics')).text();
    return Number(/^tandem_sms_inbound_unknown_number_total (\d+)/m.exec(text)?.[1] ?? '0');
  };
  const before = await metric();
  const started = Date.now();
  // POST /sandbox/Messages resolves only once tandem sent deliver_sm_resp: acknowledged, not left to retry.
  await textFromHandset(t, '+15550001008', '+15005550199', 'anyone there?');
  assert.ok(Date.now() - started < 2_000, 'acknowledged at once, not after carrier retries');
  assert.equal(await metric(), before + 1);
  const listed = await t.client().messages.list({ to: '+15005550199' });
  assert.equal(listed.length, 0);
});

test('an empty <Response/> or an empty 200 body means no reply, and is no error', async () => {
  const a = await buyNumber(t, { SmsUrl: app.url + '/empty-response' });
  const b = await buyNumber(t, { SmsUrl: app.url + '/empty-body' });
  app.respond('/empty-response', { body: new twilio.twiml.MessagingResponse().toString() });
  app.respond('/empty-body', { body: '' });
  await textFromHandset(t, '+15550001009', a, 'thanks');
  await textFromHandset(t, '+15550001010', b, 'thanks');
  const rs = await app.waitFor((all) => all.some((r) => r.path === '/empty-response') && all.some((r) => r.path === '/empty-body'));
  await sleep(300);
  assert.deepEqual((await sandboxMessages(t)).filter((m) => m.from === a || m.from === b), []);
  for (const r of rs.filter((x) => x.path.startsWith('/empty'))) assert.deepEqual(await notificationsFor(t, r.params.MessageSid!), []);
});

test('a <Message> with <Media> goes out as its text alone, and the owner gets a warning that the media did not go (SMS only)', async () => {
  const number = await buyNumber(t, { SmsUrl: app.url + '/media' });
  app.respond('/media', { body: twiml((r) => { const m = r.message(''); m.body('here is the map'); m.media('https://example.com/map.png'); }) });
  await textFromHandset(t, '+15550001077', number, 'where are you');
  const reply = await waitUntil(async () => (await sandboxMessages(t)).find((m) => m.from === number && m.to === '+15550001077'), 10_000, 'reply at the carrier');
  assert.equal(reply.body, 'here is the map');
  const [req] = app.requests.filter((r) => r.path === '/media');
  const [note] = await waitUntil(async () => { const n = await notificationsFor(t, req!.params.MessageSid!); return n.length ? n : undefined; }, 10_000, 'warning');
  assert.equal(note!.error_code, '12200');
  assert.equal(note!.log, '1', 'a warning: the text itself went');
  assert.match(new URLSearchParams(note!.message_text).get('Msg') ?? '', /SMS only, so the text went without its media/);
});
