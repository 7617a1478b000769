// The sandbox handset (no TANDEM_SIP_TRUNK): tandem's outbound calls reach a SIP phone inside tandem that answers
// and listens, and the handset can call tandem numbers and press keys. Also <Dial> between two tandem numbers and
// to the handset, and the per-account pacing of API calls; ringback while a <Dial> rings; and <Dial><Sip> to a SIP
// endpoint outside tandem (a sipp UAS): its URI headers on the INVITE, 13252 for the ones Twilio would not send, and
// the SIP outcome (DialSipResponseCode, DialSipCallId, the far end's X- headers) at the action.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readWav, tone } from '../../protocols/rtp/index.js';
import { powerAt, serveWav } from '../helpers/audio.js';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { prepareSipp, freePort } from '../sip/sipp.js';
import { startWebhookApp, waitUntil, type WebhookApp } from '../helpers/webhook-app.js';
import { buyVoiceNumber, callTandem, fetchCall, form, handsetCalls, callNotifications, handsetCallsIn, handsetCallWhere, listCalls, voiceTwiml, type CallJson, type HandsetCall } from './voice-helpers.js';


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

const handset = () => handsetCalls(t);

async function createCall(params: Record<string, string | string[]>): Promise<CallJson> {
  const r = await form(t, `/2010-04-01/Accounts/${t.accountSid}/Calls.json`, params);
  assert.equal(r.status, 201, await r.clone().text());
  return (await r.json()) as CallJson;
}

test('an API call with no trunk rings the sandbox handset, which hears the Say and the digits; GET /sandbox/Calls.json shows it', async () => {
  const from = await buyVoiceNumber(t, {});
  const created = await createCall({
    From: from,
    To: '+15551112222',
    Twiml: voiceTwiml((r) => { r.say('Welcome to the sandbox'); r.play({ digits: '12#' }); r.hangup(); }),
  });
  const heard = await waitUntil(async () => (await handset()).find((c) => c.call_sid === created.sid && c.status === 'completed'), 15_000, 'handset call completed');
  assert.equal(heard.direction, 'incoming');
  assert.equal(heard.to, '+15551112222');
  assert.equal(heard.hung_up_by, 'tandem');
  assert.equal(heard.digits_heard, '12#');
  assert.ok(heard.audio_heard_ms > 300, `heard ${heard.audio_heard_ms} ms of audio`);
  assert.deepEqual(heard.verbs, ['Say: Welcome to the sandbox', 'Play digits: 12#', 'Hangup']);
  const call = await waitUntil(async () => { const c = await fetchCall(t, created.sid); return c.status === 'completed' ? c : undefined; }, 10_000, 'completed');
  assert.equal(call.direction, 'outbound-api');
});

test('Record=true on an API call: what tandem played to the handset is recorded (source OutboundAPI) and RecordingStatusCallback is told', async () => {
  const audio = await serveWav(tone([880], 1500, 0.5));
  try {
    const from = await buyVoiceNumber(t, {});
    const toneUrl = audio.url;
    const created = await createCall({
      From: from,
      To: '+15551113333',
      Record: 'true',
      RecordingStatusCallback: app.url + '/call-recording',
      Twiml: voiceTwiml((r) => { r.play(toneUrl); r.hangup(); }),
    });
    const [status] = (await app.waitFor((rs) => rs.some((r) => r.path === '/call-recording'), 15_000)).filter((r) => r.path === '/call-recording');
    assert.ok(status!.signatureValid);
    assert.equal(status!.params.CallSid, created.sid);
    assert.equal(status!.params.RecordingStatus, 'completed');
    assert.equal(status!.params.RecordingSource, 'OutboundAPI');
    const sid = status!.params.RecordingSid!;
    const listed = (await (await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Calls/${created.sid}/Recordings.json`)).json()) as { recordings: { sid: string; source: string }[] };
    assert.deepEqual(listed.recordings.map((r) => [r.sid, r.source]), [[sid, 'OutboundAPI']]);
    const pcm = readWav(readFileSync(join(t.dataDir, 'recordings', t.accountSid, `${sid}.wav`)));
    const seconds = pcm.length / 8000;
    assert.ok(seconds >= 1.3 && seconds <= 3, `the call lasted ~1.5 s, the recording ${seconds} s`);
    assert.ok(powerAt(pcm, 880) > 50 * powerAt(pcm, 1_300), 'the played 880 Hz tone is in the recording');

    // RecordingStatusCallbackEvent "in-progress completed": the answer is told too, under the SID the recording keeps.
    const again = await createCall({
      From: from,
      To: '+15551113334',
      Record: 'true',
      RecordingStatusCallback: app.url + '/call-recording-2',
      RecordingStatusCallbackEvent: 'in-progress completed',
      Twiml: voiceTwiml((r) => { r.play(toneUrl); r.hangup(); }),
    });
    const both = (await app.waitFor((rs) => rs.filter((r) => r.path === '/call-recording-2').length >= 2, 15_000)).filter((r) => r.path === '/call-recording-2');
    assert.deepEqual(both.map((r) => r.params.RecordingStatus), ['in-progress', 'completed']);
    assert.ok(both.every((r) => r.signatureValid && r.params.CallSid === again.sid && r.params.RecordingSource === 'OutboundAPI'));
    assert.equal(both[0]!.params.RecordingSid, both[1]!.params.RecordingSid);
    assert.equal(both[0]!.params.RecordingUrl, both[1]!.params.RecordingUrl);
    assert.ok(both[1]!.at - both[0]!.at >= 1_000, 'in-progress came at the answer, completed after the 1.5 s call');
  } finally {
    await audio.close();
  }
});

test('POST /sandbox/Calls: the handset calls a tandem number and presses digits that a <Gather> collects', async () => {
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/ivr' });
  app.respond('/ivr', { body: voiceTwiml((r) => { r.gather({ action: app.url + '/gathered', finishOnKey: '#', timeout: 5 }).say('Enter your code'); r.say('nothing entered'); }) });
  app.respond('/gathered', { body: voiceTwiml((r) => { r.say('Thanks'); r.hangup(); }) });
  const r = await fetch(t.url + '/sandbox/Calls', {
    method: 'POST',
    body: new URLSearchParams({ From: '+15550002222', To: number, Digits: '42#', HangupAfter: '20', DigitsDelayMs: '300' }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(r.status, 201, await r.clone().text());
  const placed = (await r.json()) as HandsetCall;
  assert.equal(placed.direction, 'outgoing');
  const [g] = (await app.waitFor((rs) => rs.some((x) => x.path === '/gathered'), 15_000)).filter((x) => x.path === '/gathered');
  assert.ok(g!.signatureValid);
  assert.equal(g!.params.Digits, '42');
  assert.equal(g!.params.From, '+15550002222');
  const done = await waitUntil(async () => (await handset()).find((c) => c.id === placed.id && c.status === 'completed'), 10_000, 'handset call over');
  assert.equal(done.hung_up_by, 'tandem');
  assert.equal(done.digits_sent, '42#');
  assert.equal(done.call_sid, g!.params.CallSid);
  assert.deepEqual(done.verbs, ['Gather: Say: Enter your code', 'Say: Thanks', 'Hangup']);
});

test('<Dial> to another tandem number bridges the two; the caller hanging up tears down both legs', async () => {
  const b = await buyVoiceNumber(t, { VoiceUrl: app.url + '/b' });
  const a = await buyVoiceNumber(t, { VoiceUrl: app.url + '/a' });
  app.respond('/a', { body: voiceTwiml((r) => r.dial({ action: app.url + '/dialed' }, b)) });
  app.respond('/b', { body: voiceTwiml((r) => { r.say('You reached B'); r.pause({ length: 20 }); }) });
  app.respond('/dialed', { body: voiceTwiml((r) => r.hangup()) });
  const sipp = await callTandem(t, 'voice-caller-bye.xml', a, { from: '+15550003333', holdMs: 2500 });
  assert.equal(sipp.code, 0, sipp.stderr + sipp.errors);
  const parentSid = app.requests.find((r) => r.path === '/a')!.params.CallSid!;
  const [bReq] = (await app.waitFor((rs) => rs.some((r) => r.path === '/b'))).filter((r) => r.path === '/b');
  assert.equal(bReq!.params.From, '+15550003333', 'B sees the original caller (Dial callerId default)');
  const children = await waitUntil(async () => {
    const cs = await listCalls(t, `?ParentCallSid=${parentSid}`);
    return cs.length === 1 && cs[0]!.status !== 'in-progress' && cs[0]!.status !== 'ringing' ? cs : undefined;
  }, 10_000, 'child leg over');
  assert.equal(children[0]!.direction, 'outbound-dial');
  assert.equal(children[0]!.to, b);
  assert.equal(children[0]!.status, 'completed');
  const bCall = await waitUntil(async () => { const c = await fetchCall(t, bReq!.params.CallSid!); return c.status === 'completed' ? c : undefined; }, 10_000, 'B completed');
  assert.equal(bCall.direction, 'inbound');
  assert.equal((await fetchCall(t, parentSid)).status, 'completed');
});

test('while a <Dial> rings, the answered caller hears ringback in its ringTone country\'s cadence; with answerOnBridge, nothing', async () => {
  // B rings for 3 s (a leading <Pause> holds off its answer, as on Twilio) and never answers.
  const b = await buyVoiceNumber(t, { VoiceUrl: app.url + '/rb-b' });
  app.respond('/rb-b', { body: voiceTwiml((r) => { r.pause({ length: 3 }); r.hangup(); }) });
  app.respond('/rb-done', { body: voiceTwiml((r) => r.hangup()) });
  const heard: Record<string, number> = {};
  for (const [i, ringTone] of (['us', 'uk', 'bridge'] as const).entries()) {
    const a = await buyVoiceNumber(t, { VoiceUrl: app.url + `/rb-a-${ringTone}` });
    // The last one also names a ringTone Twilio does not know (the helper's types refuse it, so it is written out):
    // warning 13220, and it would ring as us were the caller answered.
    const body = ringTone === 'bridge'
      ? `<Response><Dial answerOnBridge="true" ringTone="xx" timeout="10" action="${app.url}/rb-done">${b}</Dial></Response>`
      : voiceTwiml((r) => { r.dial({ ringTone, timeout: 10, action: app.url + '/rb-done' }, b); });
    app.respond(`/rb-a-${ringTone}`, { body });
    const id = await handsetCallsIn(t, `+1555000440${i}`, a, { hangupAfterS: 20 });
    heard[ringTone] = (await handsetCallWhere(t, (h) => h.id === id && h.status === 'completed', `the ${ringTone} caller done`, 30_000)).audio_heard_ms;
  }
  // us: 2 s on, 4 s off, so about 2 s of the 3 s ring; uk: 0.4 on, 0.2 off, 0.4 on, 2 off, about 0.8 s.
  assert.ok(heard.us! >= 1_500 && heard.us! <= 2_600, `us ringback: ${heard.us} ms heard`);
  assert.ok(heard.uk! >= 500 && heard.uk! <= 1_700, `uk ringback: ${heard.uk} ms heard`);
  assert.ok(heard.us! > heard.uk! + 300, 'the two countries ring differently');
  assert.equal(heard.bridge, 0, 'a caller not yet answered hears nothing in-band');
  const bridged = app.requests.find((r) => r.path === '/rb-a-bridge')!.params.CallSid!;
  assert.deepEqual((await callNotifications(t, bridged)).map((n) => n.error_code), ['13220']);
});

test('<Number url> whisper: the called party hears it first and presses 1 to take the call, then the two are bridged', async () => {
  const b = await buyVoiceNumber(t, { VoiceUrl: app.url + '/w-callee' });
  const a = await buyVoiceNumber(t, { VoiceUrl: app.url + '/w-caller' });
  app.respond('/w-caller', { body: voiceTwiml((r) => r.dial({ action: app.url + '/w-dialed' }).number({ url: app.url + '/whisper' }, b)) });
  // The called party (another tandem number): answers with a greeting, then presses 1, then stays on the line.
  app.respond('/w-callee', { body: voiceTwiml((r) => { r.say('Hello'); r.play({ digits: 'w1' }); r.pause({ length: 20 }); }) });
  app.respond('/whisper', { body: voiceTwiml((r) => { r.gather({ numDigits: 1, timeout: 8, action: app.url + '/w-accept' }).say('Press 1 to take the call'); r.hangup(); }) });
  app.respond('/w-accept', { body: '<Response/>' });
  app.respond('/w-dialed', { body: voiceTwiml((r) => r.hangup()) });
  const sipp = await callTandem(t, 'voice-caller-bye.xml', a, { from: '+15550004444', holdMs: 8000 });
  assert.equal(sipp.code, 0, sipp.stderr + sipp.errors);

  const parentSid = app.requests.find((r) => r.path === '/w-caller')!.params.CallSid!;
  const whisper = app.requests.find((r) => r.path === '/whisper');
  assert.ok(whisper, 'the whisper URL was fetched');
  assert.ok(whisper.signatureValid);
  const [child] = await listCalls(t, `?ParentCallSid=${parentSid}`);
  assert.equal(whisper.params.CallSid, child!.sid, "the whisper runs on the called party's leg, not the caller's");
  const accept = app.requests.find((r) => r.path === '/w-accept');
  assert.equal(accept?.params.Digits, '1', 'the called party took the call');
  const [dialed] = (await app.waitFor((rs) => rs.some((r) => r.path === '/w-dialed'))).filter((r) => r.path === '/w-dialed');
  assert.equal(dialed!.params.DialCallStatus, 'completed', 'bridged once the whisper ended');
  assert.equal(dialed!.params.DialCallSid, child!.sid);
});

test('<Number url> whisper that hangs up (the called party declines): not bridged, the action hears DialCallStatus=no-answer', async () => {
  const b = await buyVoiceNumber(t, { VoiceUrl: app.url + '/d-callee' });
  const a = await buyVoiceNumber(t, { VoiceUrl: app.url + '/d-caller' });
  app.respond('/d-caller', { body: voiceTwiml((r) => r.dial({ action: app.url + '/d-dialed' }).number({ url: app.url + '/d-whisper' }, b)) });
  app.respond('/d-callee', { body: voiceTwiml((r) => { r.say('Hello'); r.pause({ length: 20 }); }) });
  app.respond('/d-whisper', { body: voiceTwiml((r) => { r.say('Declined'); r.hangup(); }) });
  app.respond('/d-dialed', { body: voiceTwiml((r) => { r.say('Nobody took the call'); r.hangup(); }) });
  const sipp = await callTandem(t, 'voice-tandem-bye.xml', a, { from: '+15550005555' });
  assert.equal(sipp.code, 0, sipp.stderr + sipp.errors);
  const [dialed] = (await app.waitFor((rs) => rs.some((r) => r.path === '/d-dialed'))).filter((r) => r.path === '/d-dialed');
  assert.equal(dialed!.params.DialCallStatus, 'no-answer');
  const bReq = app.requests.find((r) => r.path === '/d-callee')!;
  const bCall = await waitUntil(async () => { const c = await fetchCall(t, bReq.params.CallSid!); return c.status === 'completed' ? c : undefined; }, 10_000, 'the called party hung up on');
  assert.equal(bCall.direction, 'inbound');
});

test('a sequential <Dial> whose first called party declines in the whisper goes on to the next target and bridges it', async () => {
  const b = await buyVoiceNumber(t, { VoiceUrl: app.url + '/s-first' });
  const c = await buyVoiceNumber(t, { VoiceUrl: app.url + '/s-second' });
  const a = await buyVoiceNumber(t, { VoiceUrl: app.url + '/s-caller' });
  app.respond('/s-caller', {
    body: voiceTwiml((r) => {
      const d = r.dial({ sequential: true, action: app.url + '/s-dialed' });
      d.number({ url: app.url + '/s-whisper' }, b);
      d.number(c);
    }),
  });
  app.respond('/s-first', { body: voiceTwiml((r) => { r.say('Hello'); r.pause({ length: 20 }); }) });
  app.respond('/s-second', { body: voiceTwiml((r) => { r.say('Second here'); r.pause({ length: 20 }); }) });
  app.respond('/s-whisper', { body: voiceTwiml((r) => r.hangup()) });
  app.respond('/s-dialed', { body: voiceTwiml((r) => r.hangup()) });
  const sipp = await callTandem(t, 'voice-caller-bye.xml', a, { from: '+15550006666', holdMs: 6000 });
  assert.equal(sipp.code, 0, sipp.stderr + sipp.errors);
  const parentSid = app.requests.find((r) => r.path === '/s-caller')!.params.CallSid!;
  const [dialed] = (await app.waitFor((rs) => rs.some((r) => r.path === '/s-dialed'))).filter((r) => r.path === '/s-dialed');
  assert.equal(dialed!.params.DialCallStatus, 'completed', 'the second target was bridged');
  const children = await listCalls(t, `?ParentCallSid=${parentSid}`);
  const second = children.find((x) => x.to === c);
  assert.ok(second, 'the second target was called');
  assert.equal(dialed!.params.DialCallSid, second.sid);
  assert.ok(app.requests.some((r) => r.path === '/s-whisper'), 'the first target heard its whisper');
});

test('<Dial> to an outside number with no trunk rings the sandbox handset; when it hangs up the action URL hears DialCallStatus', async () => {
  const a = await buyVoiceNumber(t, { VoiceUrl: app.url + '/dial-out' });
  app.respond('/dial-out', { body: voiceTwiml((r) => r.dial({ action: app.url + '/dial-out-done', timeLimit: 2 }, '+15554443333')) });
  app.respond('/dial-out-done', { body: voiceTwiml((r) => r.hangup()) });
  const sipp = await callTandem(t, 'voice-tandem-bye.xml', a, { from: '+15550004444' });
  assert.equal(sipp.code, 0, sipp.stderr + sipp.errors);
  const [done] = app.requests.filter((r) => r.path === '/dial-out-done');
  assert.ok(done, 'Dial action requested');
  assert.equal(done.params.DialCallStatus, 'completed');
  assert.match(done.params.DialCallSid!, /^CA[0-9a-f]{32}$/);
  const leg = (await handset()).find((c) => c.call_sid === done.params.DialCallSid);
  assert.ok(leg, 'the handset took the dialed leg');
  assert.equal(leg.to, '+15554443333');
});

test('API calls of one account leave one per second, in the order they were created', async () => {
  const from = await buyVoiceNumber(t, {});
  const sids: string[] = [];
  for (let i = 0; i < 3; i++) sids.push((await createCall({ From: from, To: `+1555777000${i}`, Twiml: voiceTwiml((r) => r.hangup()) })).sid);
  const legs = await waitUntil(async () => {
    const all = await handset();
    const mine = sids.map((s) => all.find((c) => c.call_sid === s));
    return mine.every((c) => c !== undefined) ? (mine as HandsetCall[]) : undefined;
  }, 15_000, 'three calls at the handset');
  const starts = legs.map((c) => Date.parse(c.started_at));
  // Arrival at the handset jitters with the machine's load; the pacer's 1 s spacing shows in the span of three.
  assert.ok(starts[1]! - starts[0]! >= 500 && starts[2]! - starts[1]! >= 500, `FIFO, spaced: ${starts.join(', ')}`);
  assert.ok(starts[2]! - starts[0]! >= 1700, `three calls span ${starts[2]! - starts[0]!} ms`);
});

test('<Dial> with two numbers rings both: the busy one loses, the handset answers and is bridged; a lone busy target gives DialCallStatus=busy', async () => {
  const busy = await buyVoiceNumber(t, { VoiceUrl: app.url + '/busy-b' });
  const a = await buyVoiceNumber(t, { VoiceUrl: app.url + '/two' });
  app.respond('/busy-b', { body: voiceTwiml((r) => r.reject({ reason: 'busy' })) });
  app.respond('/two', {
    body: voiceTwiml((r) => {
      const d = r.dial({ action: app.url + '/two-done', timeLimit: 2 });
      d.number(busy);
      d.number('+15556667777');
    }),
  });
  app.respond('/two-done', { body: voiceTwiml((r) => r.dial({ action: app.url + '/busy-done' }, busy)) });
  app.respond('/busy-done', { body: voiceTwiml((r) => r.hangup()) });
  const sipp = await callTandem(t, 'voice-tandem-bye.xml', a, { from: '+15550005555' });
  assert.equal(sipp.code, 0, sipp.stderr + sipp.errors);
  const [two] = app.requests.filter((r) => r.path === '/two-done');
  assert.equal(two!.params.DialCallStatus, 'completed');
  const winner = await fetchCall(t, two!.params.DialCallSid!);
  assert.equal(winner.to, '+15556667777');
  assert.equal(winner.parent_call_sid, two!.params.CallSid);
  const [lone] = app.requests.filter((r) => r.path === '/busy-done');
  assert.equal(lone!.params.DialCallStatus, 'busy');
  assert.equal((await fetchCall(t, lone!.params.DialCallSid!)).status, 'busy');
});

test('the official twilio client: calls.create, fetch, update with Twiml (redirect) and Status=completed, list, remove', async () => {
  const from = await buyVoiceNumber(t, {});
  const c = t.client();
  const call = await c.calls.create({ from, to: '+15559990000', twiml: voiceTwiml((r) => r.pause({ length: 30 })) });
  assert.equal(call.status, 'queued');
  assert.equal(call.direction, 'outbound-api');
  await waitUntil(async () => ((await c.calls(call.sid).fetch()).status === 'in-progress' ? true : undefined), 10_000, 'in-progress');
  const redirected = await c.calls(call.sid).update({ twiml: voiceTwiml((r) => { r.say('Redirected by the API'); r.pause({ length: 30 }); }) });
  assert.equal(redirected.status, 'in-progress');
  await waitUntil(async () => ((await handset()).find((h) => h.call_sid === call.sid)?.verbs.includes('Say: Redirected by the API') ? true : undefined), 10_000, 'redirect heard');
  const done = await c.calls(call.sid).update({ status: 'completed' });
  assert.equal(done.status, 'completed');
  assert.ok(done.endTime instanceof Date);
  const listed = await c.calls.list({ to: '+15559990000', limit: 5 });
  assert.deepEqual(listed.map((x) => x.sid), [call.sid]);
  const leg = await waitUntil(async () => (await handset()).find((h) => h.call_sid === call.sid && h.status === 'completed'), 10_000, 'handset hung up on');
  assert.equal(leg.hung_up_by, 'tandem');
  assert.equal(await c.calls(call.sid).remove(), true);
  await assert.rejects(c.calls(call.sid).fetch(), (e: { status?: number }) => e.status === 404);
});

test('the running tandem serves the Recordings resource (account and per-call lists)', async () => {
  const all = await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Recordings.json`);
  assert.equal(all.status, 200);
  assert.ok(Array.isArray(((await all.json()) as { recordings: unknown[] }).recordings));
  const perCall = await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Calls/CA${'0'.repeat(32)}/Recordings.json`);
  assert.equal(perCall.status, 200);
});

test('an API call to another tandem number stays inside tandem: its app answers and hears the digits the caller plays', async () => {
  const b = await buyVoiceNumber(t, { VoiceUrl: app.url + '/callee' });
  const a = await buyVoiceNumber(t, {});
  app.respond('/callee', { body: voiceTwiml((r) => { r.gather({ action: app.url + '/callee-got', finishOnKey: '#', timeout: 5 }); }) });
  app.respond('/callee-got', { body: voiceTwiml((r) => r.hangup()) });
  const created = await createCall({ From: a, To: b, Twiml: voiceTwiml((r) => { r.play({ digits: 'ww73#' }); r.pause({ length: 10 }); }) });
  const [got] = (await app.waitFor((rs) => rs.some((r) => r.path === '/callee-got'), 15_000)).filter((r) => r.path === '/callee-got');
  assert.equal(got!.params.Digits, '73');
  assert.equal(got!.params.From, a);
  assert.equal(got!.params.To, b);
  assert.equal(got!.params.Direction, 'inbound');
  const caller = await waitUntil(async () => { const c = await fetchCall(t, created.sid); return c.status === 'completed' ? c : undefined; }, 10_000, 'caller completed');
  assert.equal(caller.direction, 'outbound-api');
  assert.ok(!(await handset()).some((h) => h.call_sid === created.sid), 'the sandbox handset was not involved');
});

test('<Sip> URI headers: X- and the standard ones Twilio passes go on the INVITE, others are 13252; the action hears the SIP outcome', async () => {
  const port = await freePort();
  // The far end fails the call unless the INVITE carries X-Customer: 42.
  const far = await prepareSipp({ port, scenario: { file: 'uas-client.xml', vars: { HEADER: 'Customer', VALUE: '42' } }, killAfterMs: 30_000 });
  const answering = far.start();
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/to-sip' });
  const uri = `sip:desk@127.0.0.1:${port}`;
  app.respond('/to-sip', { body: voiceTwiml((r) => { r.dial({ action: app.url + '/sip-done', timeout: 10 }).sip(`${uri}?X-Customer=42&Bad-Header=1`); }) });
  app.respond('/sip-done', { body: voiceTwiml((r) => r.hangup()) });
  await handsetCallsIn(t, '+15550006001', number, { hangupAfterS: 2 });
  const done = (await app.waitFor((rs) => rs.some((r) => r.path === '/sip-done'), 20_000)).find((r) => r.path === '/sip-done')!;
  const uas = await answering.done;
  assert.equal(uas.code, 0, uas.stderr + uas.errors);
  assert.equal(done.params.DialCallStatus, 'completed');
  assert.equal(done.params.DialSipResponseCode, '200');
  assert.ok((done.params.DialSipCallId ?? '').length > 0, 'the SIP Call-ID of the leg');
  assert.equal(done.params['DialSipHeader_X-Answered-By'], 'desk', "the X- headers of the far end's answer");
  const [leg] = await listCalls(t, `?ParentCallSid=${done.params.CallSid}`);
  assert.equal(leg?.to, uri, 'the leg is to the address, without its headers');
  const warnings = await callNotifications(t, done.params.CallSid!);
  assert.deepEqual(warnings.map((n) => n.error_code), ['13252']);
  assert.match(new URLSearchParams(warnings[0]!.message_text).get('Msg') ?? '', /Bad-Header/);

  // A far end that refuses: the action hears its status code.
  const busyPort = await freePort();
  const busy = await prepareSipp({ port: busyPort, scenario: { file: 'voice-uas-busy.xml' }, killAfterMs: 30_000 });
  const refusing = busy.start();
  app.respond('/to-sip', { body: voiceTwiml((r) => { r.dial({ action: app.url + '/sip-busy', timeout: 10 }).sip(`sip:desk@127.0.0.1:${busyPort}`); }) });
  await handsetCallsIn(t, '+15550006002', number, { hangupAfterS: 5 });
  const refused = (await app.waitFor((rs) => rs.some((r) => r.path === '/sip-busy'), 20_000)).find((r) => r.path === '/sip-busy')!;
  assert.equal(refused.params.DialCallStatus, 'busy');
  assert.equal(refused.params.DialSipResponseCode, '486');
  assert.equal(refused.params['DialSipHeader_X-Reason'], 'on-another-call');
  await refusing.done;
});

test('a called SIP phone that transfers the caller with REFER: tandem takes it (202, NOTIFY, BYE) and the caller runs the referUrl TwiML', async () => {
  const port = await freePort();
  const desk = await prepareSipp({ port, scenario: { file: 'uas-refer.xml', vars: { REFER_TO: 'sip:+15551112222@pbx.example.com' } }, killAfterMs: 30_000 });
  const transferring = desk.start();
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/to-desk' });
  app.respond('/to-desk', { body: voiceTwiml((r) => { r.dial({ referUrl: app.url + '/transfer', action: app.url + '/desk-done' }).sip(`sip:desk@127.0.0.1:${port}`); }) });
  app.respond('/transfer', { body: voiceTwiml((r) => { r.say('Transferring you now'); r.hangup(); }) });
  const id = await handsetCallsIn(t, '+15550008001', number, { hangupAfterS: 20 });
  const transfer = (await app.waitFor((rs) => rs.some((r) => r.path === '/transfer'), 20_000)).find((r) => r.path === '/transfer')!;
  assert.equal(transfer.signatureValid, true);
  assert.equal(transfer.params.ReferTransferTarget, 'sip:+15551112222@pbx.example.com');
  assert.equal(transfer.params['SipHeader_X-Ticket'], '77');
  const uas = await transferring.done;
  assert.equal(uas.code, 0, uas.stderr + uas.errors);
  const caller = await handsetCallWhere(t, (h) => h.id === id && h.status === 'completed', 'the transferred caller done');
  assert.deepEqual(caller.verbs, [`Dial: sip:desk@127.0.0.1:${port}`, 'Say: Transferring you now', 'Hangup']);
  assert.equal(app.requests.some((r) => r.path === '/desk-done'), false, 'the referUrl, not the action, tells what follows');
});

test('a REFER from a called phone on a <Dial> without referUrl is declined (603, 13802) and the call goes on to its end', async () => {
  const port = await freePort();
  const desk = await prepareSipp({ port, scenario: { file: 'uas-refer-declined.xml', vars: { REFER_TO: 'sip:+15551112222@pbx.example.com' } }, killAfterMs: 30_000 });
  const declining = desk.start();
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/to-desk-2' });
  app.respond('/to-desk-2', { body: voiceTwiml((r) => { r.dial({ action: app.url + '/desk-2-done' }).sip(`sip:desk@127.0.0.1:${port}`); }) });
  app.respond('/desk-2-done', { body: voiceTwiml((r) => r.hangup()) });
  await handsetCallsIn(t, '+15550008002', number, { hangupAfterS: 3 });
  const done = (await app.waitFor((rs) => rs.some((r) => r.path === '/desk-2-done'), 20_000)).find((r) => r.path === '/desk-2-done')!;
  assert.equal(done.params.DialCallStatus, 'completed');
  assert.ok(Number(done.params.DialCallDuration) >= 2, `the call went on after the REFER: ${done.params.DialCallDuration} s`);
  const uas = await declining.done;
  assert.equal(uas.code, 0, uas.stderr + uas.errors);
  assert.deepEqual((await callNotifications(t, done.params.CallSid!)).map((n) => n.error_code), ['13802']);
});
