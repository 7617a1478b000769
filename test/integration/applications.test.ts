// TwiML applications through the official twilio client: one Application's URLs answer the texts and calls of the
// numbers that name it (SmsApplicationSid, VoiceApplicationSid), API calls placed with ApplicationSid, and the status
// of messages sent with it; changing the application changes them all at once, deleting it hands the numbers back
// to their own URLs, and an ApplicationSid of no application of the account is 21218.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { rejectsWithCode } from '../helpers/twilio-client.js';
import { startWebhookApp, waitUntil, type WebhookApp } from '../helpers/webhook-app.js';
import { buyNumber, sandboxMessages, textFromHandset } from './messages-inbound-helpers.js';
import { buyVoiceNumber, fetchCall, voiceTwiml } from './voice-helpers.js';
import twilio from 'twilio';

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

const reply = (text: string) => {
  const r = new twilio.twiml.MessagingResponse();
  r.message(text);
  return r.toString();
};


test('applications: create, list, fetch, update and delete with the official client', async () => {
  const c = t.client();
  const made = await c.applications.create({ friendlyName: 'crud', voiceUrl: web.url + '/v', smsUrl: web.url + '/s', smsMethod: 'GET' });
  assert.match(made.sid, /^AP[0-9a-f]{32}$/);
  assert.equal(made.accountSid, t.accountSid);
  assert.equal(made.voiceUrl, web.url + '/v');
  assert.equal(made.voiceMethod, 'POST');
  assert.equal(made.smsMethod, 'GET');
  assert.equal(made.apiVersion, '2010-04-01');
  assert.ok((await c.applications.list({ friendlyName: 'crud' })).some((a) => a.sid === made.sid));
  const updated = await c.applications(made.sid).update({ voiceUrl: web.url + '/v2', messageStatusCallback: web.url + '/ms' });
  assert.equal(updated.voiceUrl, web.url + '/v2');
  assert.equal(updated.smsUrl, web.url + '/s', 'what an update does not name stays');
  assert.equal((await c.applications(made.sid).fetch()).messageStatusCallback, web.url + '/ms');
  assert.equal(await c.applications(made.sid).remove(), true);
  await rejectsWithCode(c.applications(made.sid).fetch(), 404, 20404);
});

test("a number's SmsApplicationSid answers its texts with the application's SmsUrl; an update moves them at once, a delete hands them back", async () => {
  const c = t.client();
  const smsApp = await c.applications.create({ friendlyName: 'texts', smsUrl: web.url + '/app-sms' });
  web.respond('/app-sms', { body: reply('from the app') });
  web.respond('/app-sms-2', { body: reply('from the app, moved') });
  web.respond('/own-sms', { body: reply('from the number') });
  const number = await buyNumber(t, { SmsUrl: web.url + '/own-sms', SmsApplicationSid: smsApp.sid });
  const owned = (await c.incomingPhoneNumbers.list({ phoneNumber: number }))[0]!;
  assert.equal(owned.smsApplicationSid, smsApp.sid);
  assert.equal(owned.smsUrl, web.url + '/own-sms', "the number keeps its own URL; the application's answers");

  const replies = async (body: string) => waitUntil(async () => (await sandboxMessages(t)).find((m) => m.from === number && m.body === body), 10_000, body);
  await textFromHandset(t, '+15550007001', number, 'one');
  await replies('from the app');
  const [hook] = web.requests.filter((r) => r.path === '/app-sms');
  assert.ok(hook!.signatureValid);
  assert.equal(hook!.params.Body, 'one');
  assert.equal(web.requests.filter((r) => r.path === '/own-sms').length, 0);

  await c.applications(smsApp.sid).update({ smsUrl: web.url + '/app-sms-2' });
  await textFromHandset(t, '+15550007002', number, 'two');
  await replies('from the app, moved');

  await c.applications(smsApp.sid).remove();
  await textFromHandset(t, '+15550007003', number, 'three');
  await replies('from the number');

  await rejectsWithCode(c.incomingPhoneNumbers(owned.sid).update({ smsApplicationSid: 'AP' + '0'.repeat(32) }), 400, 21218);
});

test("VoiceApplicationSid answers a number's calls; ApplicationSid places an API call with the application's VoiceUrl and StatusCallback", async () => {
  const c = t.client();
  const voiceApp = await c.applications.create({ friendlyName: 'calls', voiceUrl: web.url + '/app-voice', statusCallback: web.url + '/app-status' });
  web.respond('/app-voice', { body: voiceTwiml((r) => { r.say('application'); r.hangup(); }) });
  const number = await buyVoiceNumber(t, { VoiceUrl: web.url + '/own-voice', VoiceApplicationSid: voiceApp.sid });

  // The sandbox handset calls the number: the application's VoiceUrl is fetched, not the number's.
  const r = await fetch(t.url + '/sandbox/Calls', { method: 'POST', body: new URLSearchParams({ From: '+15550008001', To: number, HangupAfter: '10' }) });
  assert.equal(r.status, 201, await r.clone().text());
  const [inbound] = (await web.waitFor((rs) => rs.some((x) => x.path === '/app-voice' && x.params.Direction === 'inbound'), 15_000)).filter((x) => x.path === '/app-voice');
  assert.ok(inbound!.signatureValid);
  assert.equal(inbound!.params.To, number);
  assert.equal(web.requests.filter((x) => x.path === '/own-voice').length, 0);

  // An API call with ApplicationSid: the application's VoiceUrl runs it, its StatusCallback hears it end.
  const call = await c.calls.create({ from: number, to: '+15550008002', applicationSid: voiceApp.sid });
  await web.waitFor((rs) => rs.some((x) => x.path === '/app-voice' && x.params.CallSid === call.sid), 15_000);
  const [done] = (await web.waitFor((rs) => rs.some((x) => x.path === '/app-status' && x.params.CallSid === call.sid), 15_000)).filter((x) => x.path === '/app-status' && x.params.CallSid === call.sid);
  assert.equal(done!.params.CallStatus, 'completed');
  assert.equal((await fetchCall(t, call.sid)).status, 'completed');

  await rejectsWithCode(c.calls.create({ from: number, to: '+15550008003', applicationSid: 'AP' + '0'.repeat(32) }), 400, 21218);
  // Another account's application is not this account's.
  const sub = await c.api.v2010.accounts.create({ friendlyName: 'other' });
  const foreign = await t.client(sub.sid, sub.authToken).applications.create({ voiceUrl: web.url + '/app-voice' });
  await rejectsWithCode(c.calls.create({ from: number, to: '+15550008004', applicationSid: foreign.sid }), 400, 21218);
});

test("a message sent with ApplicationSid reports its status to the application's MessageStatusCallback", async () => {
  const c = t.client();
  const app = await c.applications.create({ friendlyName: 'status', messageStatusCallback: web.url + '/app-msg-status' });
  const from = await buyNumber(t, {});
  const msg = await c.messages.create({ from, to: '+15550009001', body: 'with an application', applicationSid: app.sid });
  const reqs = await web.waitFor((rs) => rs.some((x) => x.path === '/app-msg-status' && x.params.MessageSid === msg.sid && x.params.MessageStatus === 'delivered'), 15_000);
  assert.ok(reqs.filter((x) => x.path === '/app-msg-status').every((x) => x.signatureValid));
  await rejectsWithCode(c.messages.create({ from, to: '+15550009002', body: 'x', applicationSid: 'AP' + '0'.repeat(32) }), 400, 21218);
});
