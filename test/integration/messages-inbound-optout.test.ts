// Opt-out keywords on a tandem number: STOP-class words block the handset (durably), START-class words lift the
// block, HELP/INFO get the help text; the owner's webhook still sees each message, with OptOutType.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { startWebhookApp, waitUntil, type WebhookApp } from '../helpers/webhook-app.js';
import { buyNumber, notificationsFor, sandboxMessages, sleep, textFromHandset } from './messages-inbound-helpers.js';

let t: Tandem;
let app: WebhookApp;

const STOP_REPLY = 'You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.';
const START_REPLY = 'You have successfully been re-subscribed to messages from this number. Reply HELP for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply.';
const HELP_REPLY = 'Reply STOP to unsubscribe. Msg&Data Rates May Apply.';

before(async () => {
  t = await startTandem();
  app = await startWebhookApp(() => t.authToken);
  const r = new twilio.twiml.MessagingResponse();
  r.message('app says hi');
  app.respond('/kw', { body: r.toString() });
});
after(async () => {
  await app.close();
  await t.cleanup();
});

async function repliesTo(number: string, handset: string): Promise<string[]> {
  return (await sandboxMessages(t)).filter((m) => m.from === number && m.to === handset).map((m) => m.body);
}

async function webhookFor(body: string, from: string) {
  const rs = await app.waitFor((all) => all.some((r) => r.path === '/kw' && r.params.Body === body && r.params.From === from));
  return rs.filter((r) => r.path === '/kw' && r.params.Body === body && r.params.From === from).at(-1)!;
}

async function expect21610(number: string, handset: string): Promise<void> {
  await assert.rejects(t.client().messages.create({ from: number, to: handset, body: 'promo' }), (e: { status: number; code: number }) => {
    assert.equal(e.status, 400);
    assert.equal(e.code, 21610);
    return true;
  });
}

test('STOP opts out: confirmation, webhook with OptOutType, app reply dropped, API sends refused with 21610; START opts back in', async () => {
  const number = await buyNumber(t, { SmsUrl: app.url + '/kw' });
  const handset = '+15550002001';
  await textFromHandset(t, handset, number, '  stop ');
  const hook = await webhookFor('  stop ', handset);
  assert.ok(hook.signatureValid);
  assert.equal(hook.params.OptOutType, 'STOP');
  await waitUntil(async () => (await repliesTo(number, handset)).includes(STOP_REPLY) || undefined, 10_000, 'STOP confirmation');
  await sleep(300);
  assert.deepEqual(await repliesTo(number, handset), [STOP_REPLY], 'the app\'s TwiML reply is dropped');
  await expect21610(number, handset);

  // A TwiML reply to an opted-out handset is refused too, and the owner sees why.
  await textFromHandset(t, handset, number, 'what happened?');
  const later = await webhookFor('what happened?', handset);
  assert.equal(later.params.OptOutType, undefined);
  const notes = await waitUntil(async () => {
    const n = await notificationsFor(t, later.params.MessageSid!);
    return n.length > 0 ? n : undefined;
  }, 10_000, '21610 notification');
  assert.equal(notes[0]!.error_code, '21610');
  // HELP gets no help text while opted out.
  await textFromHandset(t, handset, number, 'help');
  await webhookFor('help', handset);
  await sleep(300);
  assert.deepEqual(await repliesTo(number, handset), [STOP_REPLY]);

  await textFromHandset(t, handset, number, 'Unstop');
  const back = await webhookFor('Unstop', handset);
  assert.equal(back.params.OptOutType, 'START');
  await waitUntil(async () => (await repliesTo(number, handset)).includes(START_REPLY) || undefined, 10_000, 'START confirmation');
  const sent = await t.client().messages.create({ from: number, to: handset, body: 'welcome back' });
  assert.equal(sent.status, 'queued');
  // After opting in, the app's reply goes out as usual (after the confirmation).
  await waitUntil(async () => {
    const r = await repliesTo(number, handset);
    return r.filter((b) => b === 'app says hi').length >= 1 && r.includes('welcome back') ? r : undefined;
  }, 10_000, 'app reply and API send');
  const r = await repliesTo(number, handset);
  assert.ok(r.indexOf(START_REPLY) < r.indexOf('app says hi'));
});

test('every opt-out word counts, whole message only, case-insensitive; opt-outs are per sender', async () => {
  const number = await buyNumber(t, { SmsUrl: app.url + '/kw' });
  const other = await buyNumber(t, {});
  const words = ['STOPALL', 'unsubscribe', 'Cancel', 'END', 'quit', 'revoke', 'OptOut'];
  for (const [i, w] of words.entries()) await textFromHandset(t, `+1555000210${i}`, number, w);
  await textFromHandset(t, '+15550002199', number, 'STOP PLEASE');
  const plain = await webhookFor('STOP PLEASE', '+15550002199');
  assert.equal(plain.params.OptOutType, undefined);
  for (const [i, w] of words.entries()) {
    const hook = await webhookFor(w, `+1555000210${i}`);
    assert.equal(hook.params.OptOutType, 'STOP', w);
    await waitUntil(async () => (await repliesTo(number, `+1555000210${i}`)).includes(STOP_REPLY) || undefined, 10_000, `${w} confirmation`);
    await expect21610(number, `+1555000210${i}`);
  }
  // Not opted out: the handset that wrote more than the keyword, and the same handset towards another sender.
  await t.client().messages.create({ from: number, to: '+15550002199', body: 'still subscribed' });
  await t.client().messages.create({ from: other, to: '+15550002100', body: 'other sender' });
});

test('HELP and INFO get the help text; YES opts in; the webhook sees OptOutType and the app still replies', async () => {
  const number = await buyNumber(t, { SmsUrl: app.url + '/kw' });
  await textFromHandset(t, '+15550002201', number, 'HELP');
  await textFromHandset(t, '+15550002202', number, 'info');
  for (const [h, w] of [['+15550002201', 'HELP'], ['+15550002202', 'info']] as const) {
    const hook = await webhookFor(w, h);
    assert.equal(hook.params.OptOutType, 'HELP');
    const got = await waitUntil(async () => {
      const r = await repliesTo(number, h);
      return r.length >= 2 ? r : undefined;
    }, 10_000, 'help text and app reply');
    assert.deepEqual(got, [HELP_REPLY, 'app says hi']);
  }
  await textFromHandset(t, '+15550002203', number, 'stop');
  await waitUntil(async () => (await repliesTo(number, '+15550002203')).includes(STOP_REPLY) || undefined, 10_000, 'STOP confirmation');
  await textFromHandset(t, '+15550002203', number, 'yes');
  assert.equal((await webhookFor('yes', '+15550002203')).params.OptOutType, 'START');
  await waitUntil(async () => (await repliesTo(number, '+15550002203')).includes(START_REPLY) || undefined, 10_000, 'START confirmation');
  await t.client().messages.create({ from: number, to: '+15550002203', body: 'allowed again' });
});

test('the opt-out list survives a restart', async () => {
  const number = await buyNumber(t, {});
  await textFromHandset(t, '+15550002301', number, 'STOP');
  await waitUntil(async () => (await repliesTo(number, '+15550002301')).includes(STOP_REPLY) || undefined, 10_000, 'STOP confirmation');
  t = await t.restart();
  await expect21610(number, '+15550002301');
});
