// Inbound calls end to end: sipp dials a tandem number over SIP, tandem asks the owner's app (a real HTTP server
// checking X-Twilio-Signature) for TwiML built with twilio's VoiceResponse, runs it, and reports the call.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { startWebhookApp, waitUntil, type WebhookApp } from '../helpers/webhook-app.js';
import { buyVoiceNumber, callNotifications, callTandem, fetchCall, form, listCalls, voiceTwiml, type CallJson } from './voice-helpers.js';

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

const ofPath = (path: string) => app.requests.filter((r) => r.path === path);

test('inbound call: signed webhook with Twilio voice parameters, answered, caller hangs up, call completed', async () => {
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/answer', StatusCallback: app.url + '/status' });
  app.respond('/answer', { body: voiceTwiml((r) => { r.say('Hello from tandem'); r.pause({ length: 10 }); }) });

  const sipp = await callTandem(t, 'voice-caller-bye.xml', number, { from: '+12125550111', holdMs: 1500 });
  assert.equal(sipp.code, 0, sipp.stderr + sipp.errors);

  const [req] = ofPath('/answer');
  assert.ok(req, 'VoiceUrl requested');
  assert.ok(req.signatureValid, 'X-Twilio-Signature validates with the account auth token');
  assert.equal(req.method, 'POST');
  const p = req.params;
  assert.match(p.CallSid!, /^CA[0-9a-f]{32}$/);
  assert.equal(p.AccountSid, t.accountSid);
  assert.equal(p.From, '+12125550111');
  assert.equal(p.To, number);
  assert.equal(p.Caller, '+12125550111');
  assert.equal(p.Called, number);
  assert.equal(p.CallStatus, 'ringing');
  assert.equal(p.Direction, 'inbound');
  assert.equal(p.ApiVersion, '2010-04-01');
  // Where each side is, under both the From/To and the Caller/Called names: the caller's area code gives its state.
  assert.deepEqual([p.FromCity, p.FromState, p.FromZip, p.FromCountry], ['', 'NY', '', 'US']);
  assert.deepEqual([p.CallerCity, p.CallerState, p.CallerZip, p.CallerCountry], ['', 'NY', '', 'US']);
  assert.equal(p.ToCountry, 'US');
  assert.match(p.ToState!, /^[A-Z]{2}$/);
  assert.match(p.ToCity!, /^[A-Z][A-Z .]+$/, 'the number\'s city, in upper case as Twilio sends it');
  assert.match(p.ToZip!, /^\d{5}$/);
  assert.deepEqual([p.CalledCity, p.CalledState, p.CalledZip, p.CalledCountry], [p.ToCity, p.ToState, p.ToZip, p.ToCountry]);

  const [status] = (await app.waitFor((rs) => rs.some((r) => r.path === '/status'))).filter((r) => r.path === '/status');
  assert.ok(status!.signatureValid);
  assert.equal(status!.params.CallSid, p.CallSid);
  assert.equal(status!.params.CallStatus, 'completed');
  assert.equal(status!.params.CallerState, 'NY', 'status callbacks carry the geo parameters too');
  assert.equal(status!.params.CalledCity, p.ToCity);
  assert.ok(Number(status!.params.CallDuration) >= 1, `CallDuration ${status!.params.CallDuration}`);

  const call = await fetchCall(t, p.CallSid!);
  assert.equal(call.status, 'completed');
  assert.equal(call.direction, 'inbound');
  assert.equal(call.from, '+12125550111');
  assert.equal(call.to, number);
  assert.ok(Number(call.duration) >= 1 && Number(call.duration) <= 4, `duration ${call.duration}`);
  assert.ok(call.start_time && call.end_time);
  assert.ok(Date.parse(call.end_time) >= Date.parse(call.start_time));
  const listed = await listCalls(t, `?To=${encodeURIComponent(number)}`);
  assert.deepEqual(listed.map((c) => c.sid), [p.CallSid]);
});

test('a number nobody owns gets 404 and no call is created', async () => {
  const before = (await listCalls(t)).length;
  const sipp = await callTandem(t, 'voice-refused.xml', '+15009998888', { vars: { STATUS: '404' } });
  assert.equal(sipp.code, 0, sipp.stderr + sipp.errors);
  assert.equal((await listCalls(t)).length, before);
});

test('<Hangup> after <Say>: tandem hangs up, the call is completed', async () => {
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/hangup' });
  app.respond('/hangup', { body: voiceTwiml((r) => { r.say('Goodbye'); r.hangup(); r.say('never said'); }) });
  const sipp = await callTandem(t, 'voice-tandem-bye.xml', number);
  assert.equal(sipp.code, 0, sipp.stderr + sipp.errors);
  const sid = ofPath('/hangup')[0]!.params.CallSid!;
  const call = await waitUntil(async () => { const c = await fetchCall(t, sid); return c.status === 'completed' ? c : undefined; }, 10_000, 'completed');
  assert.equal(call.direction, 'inbound');
});

test('<Reject reason="busy"> answers 486 without answering; the call is busy', async () => {
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/busy' });
  app.respond('/busy', { body: voiceTwiml((r) => r.reject({ reason: 'busy' })) });
  const sipp = await callTandem(t, 'voice-refused.xml', number, { vars: { STATUS: '486' } });
  assert.equal(sipp.code, 0, sipp.stderr + sipp.errors);
  const sid = ofPath('/busy')[0]!.params.CallSid!;
  const call = await waitUntil(async () => { const c = await fetchCall(t, sid); return c.status === 'busy' ? c : undefined; }, 10_000, 'busy');
  assert.equal(call.start_time, null);
  assert.equal(call.duration, null);
});

test('<Reject> (rejected) answers 603; the call ends no-answer', async () => {
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/rejected' });
  app.respond('/rejected', { body: voiceTwiml((r) => r.reject()) });
  const sipp = await callTandem(t, 'voice-refused.xml', number, { vars: { STATUS: '603' } });
  assert.equal(sipp.code, 0, sipp.stderr + sipp.errors);
  const sid = ofPath('/rejected')[0]!.params.CallSid!;
  await waitUntil(async () => ((await fetchCall(t, sid)).status === 'no-answer' ? true : undefined), 10_000, 'no-answer');
});

test('caller gives up while tandem waits for the app: CANCEL answered 487, the call is canceled', async () => {
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/slow' });
  app.respond('/slow', { delayMs: 2500, body: voiceTwiml((r) => r.say('too late')) });
  const sipp = await callTandem(t, 'uac-cancel.xml', number);
  assert.equal(sipp.code, 0, sipp.stderr + sipp.errors);
  const sid = ofPath('/slow')[0]!.params.CallSid!;
  const call = await waitUntil(async () => { const c = await fetchCall(t, sid); return c.status === 'canceled' ? c : undefined; }, 6000, 'canceled');
  assert.equal(call.start_time, null);
});

test('<Redirect> fetches the next document (signed, same CallSid) and runs it', async () => {
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/r1' });
  app.respond('/r1', { body: voiceTwiml((r) => { r.say('one'); r.redirect({ method: 'POST' }, app.url + '/r2'); }) });
  app.respond('/r2', { body: voiceTwiml((r) => r.hangup()) });
  const sipp = await callTandem(t, 'voice-tandem-bye.xml', number);
  assert.equal(sipp.code, 0, sipp.stderr + sipp.errors);
  const [r1] = ofPath('/r1');
  const [r2] = ofPath('/r2');
  assert.ok(r2, 'redirect target requested');
  assert.ok(r2.signatureValid);
  assert.equal(r2.params.CallSid, r1!.params.CallSid);
  assert.equal(r2.params.CallStatus, 'in-progress');
});

test('<Pause> first delays the answer; the call is answered by the <Say> after it', async () => {
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/pause' });
  app.respond('/pause', { body: voiceTwiml((r) => { r.pause({ length: 1 }); r.say('now'); }) });
  const t0 = Date.now();
  const sipp = await callTandem(t, 'voice-tandem-bye.xml', number);
  assert.equal(sipp.code, 0, sipp.stderr + sipp.errors);
  assert.ok(Date.now() - t0 >= 1000, 'the pause took its second');
  const sid = ofPath('/pause')[0]!.params.CallSid!;
  const call = await waitUntil(async () => { const c = await fetchCall(t, sid); return c.status === 'completed' ? c : undefined; }, 10_000, 'completed');
  assert.ok(call.start_time);
});

test('bad TwiML: 12100 notification for the call, application-error prompt, then tandem hangs up', async () => {
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/broken' });
  app.respond('/broken', { body: '<Response><Say>unclosed</Response>' });
  const sipp = await callTandem(t, 'voice-tandem-bye.xml', number);
  assert.equal(sipp.code, 0, sipp.stderr + sipp.errors);
  const sid = ofPath('/broken')[0]!.params.CallSid!;
  const notes = await waitUntil(async () => { const n = await callNotifications(t, sid); return n.length ? n : undefined; }, 10_000, 'notification');
  assert.equal(notes[0]!.error_code, '12100');
  assert.equal((await fetchCall(t, sid)).status, 'completed');
  const sub = await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Calls/${sid}/Notifications.json`);
  assert.equal(sub.status, 200);
  const subNotes = ((await sub.json()) as { notifications: { error_code: string; call_sid: string }[] }).notifications;
  assert.deepEqual(subNotes.map((n) => [n.error_code, n.call_sid]), [['12100', sid]]);
});

test('dead VoiceUrl: the fallback is asked (ErrorCode, ErrorUrl) and its TwiML runs; 11200 is noted', async () => {
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/dead', VoiceFallbackUrl: app.url + '/fallback' });
  app.respond('/dead', { status: 500, body: 'boom' });
  app.respond('/fallback', { body: voiceTwiml((r) => { r.say('fallback'); r.hangup(); }) });
  const sipp = await callTandem(t, 'voice-tandem-bye.xml', number);
  assert.equal(sipp.code, 0, sipp.stderr + sipp.errors);
  const [fb] = ofPath('/fallback');
  assert.ok(fb, 'fallback requested');
  assert.ok(fb.signatureValid);
  assert.equal(fb.params.ErrorCode, '11200');
  assert.equal(fb.params.ErrorUrl, app.url + '/dead');
  const notes = await waitUntil(async () => { const n = await callNotifications(t, fb.params.CallSid!); return n.length ? n : undefined; }, 10_000, 'notification');
  assert.equal(notes[0]!.error_code, '11200');
});

test('an inbound call still ringing is canceled through the API: the caller gets 480, the call is canceled', async () => {
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/ringing' });
  app.respond('/ringing', { delayMs: 3000, body: voiceTwiml((r) => r.say('too late')) });
  const caller = callTandem(t, 'voice-refused.xml', number, { vars: { STATUS: '480' } });
  const [req] = (await app.waitFor((rs) => rs.some((r) => r.path === '/ringing'))).filter((r) => r.path === '/ringing');
  const sid = req!.params.CallSid!;
  const r = await form(t, `/2010-04-01/Accounts/${t.accountSid}/Calls/${sid}.json`, { Status: 'canceled' });
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal(((await r.json()) as CallJson).status, 'canceled');
  const sipp = await caller;
  assert.equal(sipp.code, 0, sipp.stderr + sipp.errors);
});

test('a re-INVITE (hold) during the call is answered 200 with SDP and the call goes on until the caller hangs up', async () => {
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/hold' });
  app.respond('/hold', { body: voiceTwiml((r) => { r.say('please hold'); r.pause({ length: 10 }); }) });
  const sipp = await callTandem(t, 'voice-caller-hold.xml', number, { holdMs: 800 });
  assert.equal(sipp.code, 0, sipp.stderr + sipp.errors);
  const sid = ofPath('/hold')[0]!.params.CallSid!;
  const call = await waitUntil(async () => { const c = await fetchCall(t, sid); return c.status === 'completed' ? c : undefined; }, 10_000, 'completed');
  assert.ok(Number(call.duration) >= 1);
});

test('VoiceMethod=GET: the parameters travel in the query string and the signature still validates', async () => {
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/get-doc?tenant=7', VoiceMethod: 'GET' });
  app.respond('/get-doc', { body: voiceTwiml((r) => r.hangup()) });
  const sipp = await callTandem(t, 'voice-tandem-bye.xml', number, { from: '+15550001234' });
  assert.equal(sipp.code, 0, sipp.stderr + sipp.errors);
  const [req] = ofPath('/get-doc');
  assert.equal(req!.method, 'GET');
  assert.ok(req!.signatureValid);
  assert.equal(req!.params.tenant, '7');
  assert.equal(req!.params.From, '+15550001234');
  assert.equal(req!.params.CallStatus, 'ringing');
});
