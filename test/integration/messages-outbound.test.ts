// Outbound SMS through the official twilio client against a running tandem and its sandbox carrier (a real SMPP
// server in tandem's process, bound over TCP like any carrier).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { startWebhookApp, waitUntil, type WebhookApp } from '../helpers/webhook-app.js';

interface SandboxMsg { from: string; to: string; body: string; segments: number; received_at: string }

let t: Tandem;
let app: WebhookApp;

async function sandboxMessages(): Promise<SandboxMsg[]> {
  const r = await fetch(t.url + '/sandbox/Messages.json');
  return ((await r.json()) as { messages: SandboxMsg[] }).messages;
}

async function buyNumber(areaCode = 415, extra: Record<string, string> = {}): Promise<string> {
  const c = t.client();
  const [n] = await c.availablePhoneNumbers('US').local.list({ areaCode, smsEnabled: true, limit: 1 });
  const params = new URLSearchParams({ PhoneNumber: n!.phoneNumber, ...extra });
  const r = await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/IncomingPhoneNumbers.json`, {
    method: 'POST',
    body: params,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(r.status, 201, await r.clone().text());
  return n!.phoneNumber;
}

async function expectError(p: Promise<unknown>, code: number, status = 400): Promise<void> {
  await assert.rejects(p, (e: { status: number; code: number }) => {
    assert.equal(e.code, code);
    assert.equal(e.status, status);
    return true;
  });
}

before(async () => {
  t = await startTandem();
  app = await startWebhookApp(() => t.authToken);
});
after(async () => {
  await app.close();
  await t.cleanup();
});

test('a message goes queued → sending → sent → delivered with signed status callbacks, and arrives at the carrier', async () => {
  const from = await buyNumber(415, { TandemSendRate: '100' });
  const c = t.client();
  const msg = await c.messages.create({ from, to: '+15557654321', body: 'status path', statusCallback: app.url + '/status' });
  assert.equal(msg.status, 'queued');
  assert.equal(msg.direction, 'outbound-api');
  assert.equal(msg.numSegments, '1');
  const reqs = await app.waitFor((r) => r.some((x) => x.params.MessageSid === msg.sid && x.params.MessageStatus === 'delivered'));
  const mine = reqs.filter((x) => x.params.MessageSid === msg.sid);
  assert.deepEqual(mine.map((x) => x.params.MessageStatus), ['sending', 'sent', 'delivered']);
  for (const r of mine) {
    assert.ok(r.signatureValid, 'X-Twilio-Signature validates with the account auth token');
    assert.equal(r.params.AccountSid, t.accountSid);
    assert.equal(r.params.From, from);
    assert.equal(r.params.To, '+15557654321');
    assert.equal(r.params.SmsStatus, r.params.MessageStatus);
  }
  const fetched = await c.messages(msg.sid).fetch();
  assert.equal(fetched.status, 'delivered');
  assert.ok(fetched.dateSent instanceof Date);
  const atCarrier = (await sandboxMessages()).filter((m) => m.body === 'status path');
  assert.equal(atCarrier.length, 1);
  assert.equal(atCarrier[0]!.from, from);
});

test('segments: GSM-7, its extension table and UCS-2 are counted as the carrier receives them', async () => {
  const from = await buyNumber(212, { TandemSendRate: '100' });
  const c = t.client();
  const cases: [string, number][] = [
    ['a'.repeat(160), 1],
    ['b'.repeat(161), 2],
    ['c'.repeat(306), 2],
    ['{'.repeat(80), 1], // 160 septets: each extension char is ESC + char
    ['}'.repeat(81), 2],
    ['€'.repeat(80) + 'x', 2],
    ['é'.repeat(160), 1], // é is in the GSM default alphabet
    ['ж'.repeat(70), 1],
    ['ж'.repeat(71), 2],
    ['😀'.repeat(34), 1], // 68 UTF-16 units
    ['😀'.repeat(36), 2],
  ];
  const sent: { body: string; segments: number }[] = [];
  for (const [body, segments] of cases) {
    const m = await c.messages.create({ from, to: '+15550001111', body });
    assert.equal(m.numSegments, String(segments), `num_segments for ${JSON.stringify(body.slice(0, 3))}×${[...body].length}`);
    sent.push({ body, segments });
  }
  const got = await waitUntil(async () => {
    const all = (await sandboxMessages()).filter((m) => m.from === from);
    return all.length === cases.length ? all : undefined;
  }, 15_000, 'all messages at the carrier');
  for (const s of sent) {
    const at = got.find((g) => g.body === s.body);
    assert.ok(at, 'the carrier reassembled the same text');
    assert.equal(at!.segments, s.segments, 'num_segments equals the submit_sm count at the carrier');
  }
});

test('validation errors carry Twilio codes', async () => {
  const from = await buyNumber(312);
  const c = t.client();
  await expectError(c.messages.create({ from, to: 'not-a-number', body: 'x' }), 21211);
  // Other channels' addresses are refused with a reason, not read as a number.
  await assert.rejects(c.messages.create({ from, to: 'whatsapp:+15551112222', body: 'x' }), (e: { code: number; message: string }) =>
    e.code === 21211 && /SMS only, not whatsapp/.test(e.message));
  await expectError(c.messages.create({ from: '+15005550000', to: '+15551112222', body: 'x' }), 21606);
  await expectError(c.messages.create({ from, to: '+15551112222', body: '' }), 21602);
  await assert.rejects(c.messages.create({ from, to: '+15551112222', contentSid: 'HX' + '0'.repeat(32) }), (e: { code: number; message: string }) =>
    e.code === 21602 && /ContentSid/.test(e.message));
  // Media cannot travel over SMPP: refused with or without a Body, never sent with the media silently dropped.
  await expectError(c.messages.create({ from, to: '+15551112222', body: 'see this', mediaUrl: ['https://example.com/a.png'] }), 21621);
  await expectError(c.messages.create({ from, to: '+15551112222', mediaUrl: ['https://example.com/a.png'] }), 21621);
  await expectError(c.messages.create({ from, to: '+15551112222', body: 'x'.repeat(1601) }), 21617);
  // The limit counts characters: 1,601 emoji are over it (3,202 UTF-16 units), 1,600 are not (below).
  await expectError(c.messages.create({ from, to: '+15551112222', body: '😀'.repeat(1601) }), 21617);
  await expectError(c.messages.create({ from, to: '+15551112222', body: 'x', validityPeriod: 0 }), 21624);
  // A number owned by another account is not this account's sender.
  const sub = await c.api.v2010.accounts.create({ friendlyName: 'other' });
  await expectError(t.client(sub.sid, sub.authToken).messages.create({ from, to: '+15551112222', body: 'x' }), 21606);
  const list = await c.messages.list({ from });
  assert.equal(list.length, 0, 'nothing was stored for refused messages');
  const longest = await c.messages.create({ from, to: '+15551112222', body: '😀'.repeat(1600) });
  assert.equal([...longest.body].length, 1600);
});

test('a long code sends in FIFO order at 1 segment per second, observed at the carrier', async () => {
  const from = await buyNumber(617);
  const c = t.client();
  for (let i = 0; i < 4; i++) await c.messages.create({ from, to: '+15552223333', body: `fifo ${i}` });
  const got = await waitUntil(async () => {
    const all = (await sandboxMessages()).filter((m) => m.from === from);
    return all.length === 4 ? all : undefined;
  }, 10_000, 'four messages');
  assert.deepEqual(got.map((m) => m.body), ['fifo 0', 'fifo 1', 'fifo 2', 'fifo 3']);
  const times = got.map((m) => Date.parse(m.received_at));
  for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= 990, `gap ${times[i]! - times[i - 1]!} ms`);
});

test('the sender queue holds 10 hours of traffic; past that the API answers 21611', async () => {
  // 0.002 segments/s → 10 hours = 72 segments.
  const from = await buyNumber(512, { TandemSendRate: '0.002' });
  const c = t.client();
  // The first message leaves at once; the pacer then holds the next one for 500 s, so the rest wait in the queue.
  await c.messages.create({ from, to: '+15553334444', body: 'first' });
  await waitUntil(async () => (await sandboxMessages()).some((m) => m.from === from) || undefined, 5_000, 'first message out');
  const accepted = await Promise.all(Array.from({ length: 72 }, (_, i) => c.messages.create({ from, to: '+15553334444', body: `q${i}` })));
  assert.equal(accepted.length, 72);
  await expectError(c.messages.create({ from, to: '+15553334444', body: 'one too many' }), 21611);
  // A two-segment message does not fit either, while the queue is full.
  await expectError(c.messages.create({ from, to: '+15553334444', body: 'y'.repeat(200) }), 21611);
});

test('a message still queued when its ValidityPeriod runs out fails with 30001', async () => {
  const from = await buyNumber(206, { TandemSendRate: '0.5' });
  const c = t.client();
  const first = await c.messages.create({ from, to: '+15554445555', body: 'goes now' });
  const second = await c.messages.create({ from, to: '+15554445555', body: 'too late', validityPeriod: 1, statusCallback: app.url + '/expired' });
  const failed = await waitUntil(async () => {
    const m = await c.messages(second.sid).fetch();
    return m.status === 'failed' ? m : undefined;
  }, 6_000, 'expiry');
  assert.equal(failed.errorCode, 30001);
  await app.waitFor((r) => r.some((x) => x.path === '/expired' && x.params.MessageStatus === 'failed' && x.params.ErrorCode === '30001'));
  assert.ok(['sent', 'delivered'].includes((await c.messages(first.sid).fetch()).status));
  assert.equal((await sandboxMessages()).filter((m) => m.body === 'too late').length, 0, 'never reached the carrier');
});

test('scheduled messages wait for SendAt; a canceled one never goes', async () => {
  const from = await buyNumber(415, { TandemSendRate: '100' });
  const c = t.client();
  const sendAt = new Date(Date.now() + 1500);
  const later = await c.messages.create({ from, to: '+15556667777', body: 'scheduled hello', sendAt, scheduleType: 'fixed' });
  assert.equal(later.status, 'scheduled');
  const canceled = await c.messages.create({ from, to: '+15556667777', body: 'never', sendAt, scheduleType: 'fixed' });
  assert.equal((await c.messages(canceled.sid).update({ status: 'canceled' })).status, 'canceled');
  await expectError(c.messages(later.sid).update({ status: 'canceled' }).then(() => c.messages(later.sid).update({ status: 'canceled' })), 30409);
  // The first cancel above went through too: schedule a fresh one to watch it go out.
  const real = await c.messages.create({ from, to: '+15556667777', body: 'really scheduled', sendAt: new Date(Date.now() + 1200), scheduleType: 'fixed' });
  assert.equal((await sandboxMessages()).filter((m) => m.body === 'really scheduled').length, 0, 'not before SendAt');
  await waitUntil(async () => (await sandboxMessages()).some((m) => m.body === 'really scheduled') || undefined, 6_000, 'scheduled send');
  const arrived = (await sandboxMessages()).find((m) => m.body === 'really scheduled')!;
  assert.ok(Date.parse(arrived.received_at) >= Date.parse(real.dateCreated.toISOString()) + 1000);
  await new Promise((r) => setTimeout(r, 600));
  assert.equal((await sandboxMessages()).filter((m) => m.body === 'never').length, 0);
  await expectError(c.messages.create({ from, to: '+15556667777', body: 'x', sendAt: new Date(Date.now() - 60_000), scheduleType: 'fixed' }), 35114);
});

test('carrier outcomes for the sandbox magic numbers', async () => {
  const from = await buyNumber(212, { TandemSendRate: '100' });
  const c = t.client();
  const expect: [string, string, number | null][] = [
    ['+15005550003', 'undelivered', 30003],
    ['+15005550005', 'undelivered', 30005],
    ['+15005550006', 'undelivered', 30006],
    ['+15005550008', 'undelivered', 30008],
    ['+15005550007', 'failed', 30007],
    ['+15005550009', 'sent', null],
    ['+15005550001', 'delivered', null],
  ];
  const msgs: { sid: string }[] = [];
  for (const [to] of expect) msgs.push(await c.messages.create({ from, to, body: `magic ${to}` }));
  await new Promise((r) => setTimeout(r, 1500));
  for (let i = 0; i < expect.length; i++) {
    const [to, status, code] = expect[i]!;
    const m = await waitUntil(async () => {
      const f = await c.messages(msgs[i]!.sid).fetch();
      return f.status === status ? f : undefined;
    }, 5_000, `${to} → ${status}`);
    assert.equal(m.errorCode, code, `error code for ${to}`);
  }
});

test('messages list with To/From/DateSent filters and paging; redact and delete', async () => {
  const from = await buyNumber(312, { TandemSendRate: '100' });
  const c = t.client();
  for (let i = 0; i < 5; i++) await c.messages.create({ from, to: '+15557778888', body: `list ${i}` });
  await waitUntil(async () => ((await c.messages.list({ from })).every((m) => m.status === 'delivered') ? true : undefined), 8_000, 'delivered');
  const byTo = await c.messages.list({ to: '+15557778888' });
  assert.equal(byTo.length, 5);
  assert.deepEqual(byTo.map((m) => m.body), ['list 4', 'list 3', 'list 2', 'list 1', 'list 0'], 'newest first');
  const paged = await c.messages.list({ from, pageSize: 2 });
  assert.equal(paged.length, 5);
  const today = new Date();
  assert.equal((await c.messages.list({ from, dateSentAfter: new Date(today.getTime() - 3600_000) })).length, 5);
  assert.equal((await c.messages.list({ from, dateSentBefore: new Date(today.getTime() - 86_400_000 * 2) })).length, 0);
  const victim = byTo[0]!;
  const redacted = await c.messages(victim.sid).update({ body: '' });
  assert.equal(redacted.body, '');
  assert.equal(await c.messages(victim.sid).remove(), true);
  await expectError(c.messages(victim.sid).fetch(), 20404, 404);
  assert.equal((await c.messages.list({ from })).length, 4);
});

test("a message's Media list is empty (SMS only) and its Feedback is taken and counted at /metrics", async () => {
  const from = await buyNumber(646);
  const c = t.client();
  const m = await c.messages.create({ from, to: '+15557770001', body: 'your code is 1234' });
  assert.deepEqual(await c.messages(m.sid).media.list(), []);
  await expectError(c.messages(m.sid).media('ME' + '0'.repeat(32)).fetch(), 20404, 404);
  await expectError(c.messages(m.sid).media('ME' + '0'.repeat(32)).remove(), 20404, 404);
  await expectError(c.messages('SM' + '0'.repeat(32)).media.list(), 20404, 404);

  const feedback = await c.messages(m.sid).feedback.create({ outcome: 'confirmed' });
  assert.equal(feedback.messageSid, m.sid);
  assert.equal(feedback.outcome, 'confirmed');
  assert.equal((await c.messages(m.sid).feedback.create({ outcome: 'unconfirmed' })).outcome, 'unconfirmed');
  assert.equal((await c.messages(m.sid).feedback.create()).outcome, 'confirmed', 'Outcome defaults to confirmed');
  await expectError(c.messages(m.sid).feedback.create({ outcome: 'maybe' as 'confirmed' }), 21000);
  await expectError(c.messages('SM' + '0'.repeat(32)).feedback.create({ outcome: 'confirmed' }), 20404, 404);
  const metrics = await (await fetch(t.url + '/metrics')).text();
  assert.match(metrics, /^tandem_message_feedback_total\{outcome="confirmed"\} 2$/m);
  assert.match(metrics, /^tandem_message_feedback_total\{outcome="unconfirmed"\} 1$/m);
});
