// Twilio Verify through the official client (verify.twilio.com is rewritten to tandem like every Twilio host): a
// service sends a one-time code by text (read back at the sandbox carrier), checks it, resends the same code,
// enforces Twilio's send and check limits, expires codes, sends per country through a Messaging Service, and keeps
// a pending verification across a restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { rejectsWithCode } from '../helpers/twilio-client.js';
import { waitUntil } from '../helpers/webhook-app.js';
import { buyNumber, sandboxMessages, textFromHandset } from './messages-inbound-helpers.js';

/** Seconds a code may be checked in the expiry test's own tandem, so expiry can be watched (Twilio's ten minutes elsewhere). */
const TTL_S = 3;

let t: Tandem;
let number: string;

before(async () => {
  t = await startTandem();
  number = await buyNumber(t, {});
});
after(async () => {
  await t.cleanup();
});

/** The codes the sandbox handset `to` was sent, oldest first, with who sent them. */
async function codesAt(to: string, count: number, at: Tandem = t): Promise<{ code: string; from: string; body: string }[]> {
  return waitUntil(async () => {
    const got = (await sandboxMessages(at)).filter((m) => m.to === to && /verification code is: \d+$/.test(m.body));
    return got.length >= count ? got.map((m) => ({ code: /(\d+)$/.exec(m.body)![1]!, from: m.from, body: m.body })) : undefined;
  }, 10_000, `${count} code(s) at ${to}`);
}

test('a code goes out by text from the account\'s number, a wrong one is refused, the right one approves', async () => {
  const v2 = t.client().verify.v2;
  const service = await v2.services.create({ friendlyName: 'Acme' });
  assert.match(service.sid, /^VA[0-9a-f]{32}$/);
  assert.equal(service.codeLength, 6);
  assert.equal((await v2.services(service.sid).fetch()).friendlyName, 'Acme');
  assert.ok((await v2.services.list()).some((s) => s.sid === service.sid));

  const to = '+15550008001';
  const started = await v2.services(service.sid).verifications.create({ to, channel: 'sms' });
  assert.match(started.sid, /^VE[0-9a-f]{32}$/);
  assert.equal(started.status, 'pending');
  assert.equal(started.valid, false);
  assert.equal(started.to, to);
  assert.equal(started.channel, 'sms');
  assert.equal(started.sendCodeAttempts.length, 1);
  const [sent] = await codesAt(to, 1);
  assert.equal(sent!.from, number);
  assert.match(sent!.body, /^Your Acme verification code is: \d{6}$/);
  // The text is an ordinary message of the account's.
  assert.ok((await t.client().messages.list({ to })).some((m) => m.body === sent!.body));

  const wrong = await v2.services(service.sid).verificationChecks.create({ to, code: sent!.code === '000000' ? '111111' : '000000' });
  assert.equal(wrong.status, 'pending');
  assert.equal(wrong.valid, false);
  const right = await v2.services(service.sid).verificationChecks.create({ to, code: sent!.code });
  assert.equal(right.status, 'approved');
  assert.equal(right.valid, true);
  assert.equal(right.sid, started.sid);
  // Done: nothing left to check, and the verification reads approved.
  await rejectsWithCode(v2.services(service.sid).verificationChecks.create({ to, code: sent!.code }), 404, 20404);
  assert.equal((await v2.services(service.sid).verifications(started.sid).fetch()).status, 'approved');
});

test('a second start within the window resends the same code; five sends at most, five wrong checks at most', async () => {
  const v2 = t.client().verify.v2;
  const service = await v2.services.create({ friendlyName: 'Limits', codeLength: 4 });
  const to = '+15550008002';
  const first = await v2.services(service.sid).verifications.create({ to, channel: 'sms' });
  const again = await v2.services(service.sid).verifications.create({ to, channel: 'sms' });
  assert.equal(again.sid, first.sid);
  assert.equal(again.sendCodeAttempts.length, 2);
  const codes = await codesAt(to, 2);
  assert.match(codes[0]!.code, /^\d{4}$/);
  assert.equal(codes[1]!.code, codes[0]!.code, 'the same code again');
  for (let i = 0; i < 3; i++) await v2.services(service.sid).verifications.create({ to, channel: 'sms' });
  await rejectsWithCode(v2.services(service.sid).verifications.create({ to, channel: 'sms' }), 429, 60203);

  const wrongCode = codes[0]!.code === '0000' ? '1111' : '0000';
  for (let i = 0; i < 5; i++) assert.equal((await v2.services(service.sid).verificationChecks.create({ verificationSid: first.sid, code: wrongCode })).status, 'pending');
  await rejectsWithCode(v2.services(service.sid).verificationChecks.create({ verificationSid: first.sid, code: codes[0]!.code }), 429, 60202);
  assert.equal((await v2.services(service.sid).verifications(first.sid).fetch()).status, 'max_attempts_reached');
});

test('two starts racing for one number share one verification and one code', async () => {
  const v2 = t.client().verify.v2;
  const service = await v2.services.create({ friendlyName: 'Race' });
  const to = '+15550008020';
  const [a, b] = await Promise.all([1, 2].map(() => v2.services(service.sid).verifications.create({ to, channel: 'sms' })));
  assert.equal(a!.sid, b!.sid);
  assert.equal((await v2.services(service.sid).verifications(a!.sid).fetch()).sendCodeAttempts.length, 2);
  const codes = await codesAt(to, 2);
  assert.equal(codes[0]!.code, codes[1]!.code);
});

test('canceled, or past its time, a code no longer checks; a new start sends a new one', async () => {
  const short = await startTandem({ env: { TANDEM_VERIFY_TTL_S: String(TTL_S) } });
  try {
    await buyNumber(short, {});
    const v2 = short.client().verify.v2;
    const service = await v2.services.create({ friendlyName: 'Expiry' });
    const to = '+15550008003';
    const v = await v2.services(service.sid).verifications.create({ to, channel: 'sms' });
    // By number, as Twilio allows; at once, well inside the code's few seconds.
    assert.equal((await v2.services(service.sid).verifications(to).update({ status: 'canceled' })).status, 'canceled');
    const [sent] = await codesAt(to, 1, short);
    await rejectsWithCode(v2.services(service.sid).verificationChecks.create({ to, code: sent!.code }), 404, 20404);
    assert.equal((await v2.services(service.sid).verifications(v.sid).fetch()).status, 'canceled');

    const next = await v2.services(service.sid).verifications.create({ to, channel: 'sms' });
    assert.notEqual(next.sid, v.sid);
    const [, second] = await codesAt(to, 2, short);
    await new Promise((r) => setTimeout(r, TTL_S * 1000 + 300));
    await rejectsWithCode(v2.services(service.sid).verificationChecks.create({ to, code: second!.code }), 404, 20404);
    assert.equal((await v2.services(service.sid).verifications(next.sid).fetch()).status, 'expired');
  } finally {
    await short.cleanup();
  }
});

test('Channel=call reads the code out in a call from the account\'s voice number; the same code checks', async () => {
  const c = t.client();
  const service = await c.verify.v2.services.create({ friendlyName: 'Acme' });
  const to = '+15550008010';
  const v = await c.verify.v2.services(service.sid).verifications.create({ to, channel: 'call' });
  assert.equal(v.channel, 'call');
  assert.equal(v.sendCodeAttempts[0]!.channel, 'call');
  // The sandbox handset answers and reports what it heard.
  const heard = await waitUntil(async () => {
    const calls = ((await (await fetch(t.url + '/sandbox/Calls.json')).json()) as { calls: { to: string; status: string; verbs: string[] }[] }).calls;
    return calls.find((x) => x.to === to && x.status === 'completed');
  }, 20_000, 'the verification call at the handset');
  const said = heard.verbs.find((x) => x.startsWith('Say: Your Acme verification code is: '));
  assert.ok(said, JSON.stringify(heard.verbs));
  const code = /is: ([\d, ]+)\.$/.exec(said)![1]!.replace(/[, ]/g, '');
  assert.match(code, /^\d{6}$/);
  const call = (await c.calls.list({ to }))[0]!;
  assert.equal(call.from, number);
  // A text sent next carries the same code, and it checks.
  const again = await c.verify.v2.services(service.sid).verifications.create({ to, channel: 'sms' });
  assert.equal(again.sid, v.sid);
  assert.deepEqual(again.sendCodeAttempts.map((a) => a.channel), ['call', 'sms']);
  assert.equal((await codesAt(to, 1))[0]!.code, code);
  assert.equal((await c.verify.v2.services(service.sid).verificationChecks.create({ to, code })).status, 'approved');
});

test('a Messaging Configuration sends a country\'s codes through its Messaging Service (here as an alpha sender)', async () => {
  const c = t.client();
  const messaging = await c.messaging.v1.services.create({ friendlyName: 'otp abroad' });
  await c.messaging.v1.services(messaging.sid).alphaSenders.create({ alphaSender: 'AcmeOTP' });
  const service = await c.verify.v2.services.create({ friendlyName: 'Acme' });
  const conf = await c.verify.v2.services(service.sid).messagingConfigurations.create({ country: 'DE', messagingServiceSid: messaging.sid });
  assert.equal(conf.country, 'DE');
  assert.equal(conf.messagingServiceSid, messaging.sid);
  assert.deepEqual((await c.verify.v2.services(service.sid).messagingConfigurations.list()).map((x) => x.country), ['DE']);

  await c.verify.v2.services(service.sid).verifications.create({ to: '+4915112340001', channel: 'sms' });
  const [abroad] = await codesAt('+4915112340001', 1);
  assert.equal(abroad!.from, 'AcmeOTP');
  // Other countries still go from the account's number.
  await c.verify.v2.services(service.sid).verifications.create({ to: '+15550008004', channel: 'sms' });
  assert.equal((await codesAt('+15550008004', 1))[0]!.from, number);

  await rejectsWithCode(c.verify.v2.services(service.sid).messagingConfigurations.create({ country: 'XX', messagingServiceSid: messaging.sid }), 400, 60200);
  await rejectsWithCode(c.verify.v2.services(service.sid).messagingConfigurations.create({ country: 'FR', messagingServiceSid: 'MG' + '0'.repeat(32) }), 400, 60200);
  await c.verify.v2.services(service.sid).messagingConfigurations('DE').remove();
  await rejectsWithCode(c.verify.v2.services(service.sid).messagingConfigurations('DE').fetch(), 404, 20404);
});

test('bad requests get Verify\'s 60200; a pending code outlives a restart', async () => {
  const v2 = t.client().verify.v2;
  await rejectsWithCode(v2.services.create({ friendlyName: 'x', codeLength: 3 }), 400, 60200);
  const service = await v2.services.create({ friendlyName: 'Restart' });
  await rejectsWithCode(v2.services(service.sid).verifications.create({ to: '+15550008005', channel: 'email' }), 400, 60200);
  await rejectsWithCode(v2.services(service.sid).verifications.create({ to: '+15550008005', channel: 'whatsapp' }), 400, 60200);
  await rejectsWithCode(v2.services(service.sid).verifications.create({ to: 'not a number', channel: 'sms' }), 400, 60200);
  await rejectsWithCode(v2.services(service.sid).verifications.create({ to: '+15550008005', channel: 'sms', customCode: '123456' }), 400, 60200);
  await rejectsWithCode(v2.services('VA' + '0'.repeat(32)).verifications.create({ to: '+15550008005', channel: 'sms' }), 404, 20404);
  // A handset that opted out of the number gets no code, and the start says why (Twilio's 21610), storing nothing.
  await textFromHandset(t, '+15550008030', number, 'STOP');
  // The STOP confirmation reaches the handset once the opt-out is stored.
  await waitUntil(async () => ((await sandboxMessages(t)).some((m) => m.from === number && m.to === '+15550008030') ? true : undefined), 10_000, 'the STOP confirmation');
  await rejectsWithCode(v2.services(service.sid).verifications.create({ to: '+15550008030', channel: 'sms' }), 400, 21610);
  await rejectsWithCode(v2.services(service.sid).verificationChecks.create({ to: '+15550008030', code: '123456' }), 404, 20404);

  const to = '+15550008006';
  await v2.services(service.sid).verifications.create({ to, channel: 'sms' });
  const [sent] = await codesAt(to, 1);
  t = await t.restart();
  const after = await t.client().verify.v2.services(service.sid).verificationChecks.create({ to, code: sent!.code });
  assert.equal(after.status, 'approved');
});
