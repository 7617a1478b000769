// The verbs that steer the call rather than its audio: Dial's action, Hangup, Reject, Redirect, unsupported
// verbs, and runDocument's order, with a real webhook app answering the action URLs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDocument, runVerb, UNSUPPORTED_VERB } from '../../actors/call/verbs/index.js';
import { harness } from './verbs-harness.js';
import { concat, silence, tone } from '../../protocols/rtp/index.js';

test('Reject: the call is never answered; busy and rejected reach ctx.reject and end the call', async (t) => {
  const h = await harness(t);
  const [busy] = h.twiml('<Response><Reject reason="busy"/><Say>never</Say></Response>');
  assert.deepEqual(await runVerb(busy!, h.ctx), { next: 'hangup', reason: 'busy' });
  const [plain] = h.twiml('<Response><Reject/></Response>');
  assert.deepEqual(await runVerb(plain!, h.ctx), { next: 'hangup', reason: 'rejected' });
  assert.deepEqual(h.events, ['reject:busy', 'reject:rejected'], 'no answer before either');

  const whole = await runDocument(h.twiml('<Response><Reject reason="busy"/><Say>never</Say></Response>'), h.ctx);
  assert.deepEqual(whole, { next: 'hangup', reason: 'busy' });
  assert.ok(!h.events.includes('answer'));
});

test('Hangup answers (as Twilio does) and ends the call; verbs after it do not run', async (t) => {
  const h = await harness(t);
  const heard = h.listen();
  const outcome = await runDocument(h.twiml('<Response><Hangup/><Say>never</Say></Response>'), h.ctx);
  assert.deepEqual(outcome, { next: 'hangup', reason: 'hangup' });
  assert.deepEqual(h.events, ['answer']);
  assert.equal(heard.frames.length, 0);
});

test('Redirect: the TwiML at the URL replaces the document (POST by default, GET when asked), signed', async (t) => {
  const h = await harness(t);
  h.app.respond('/next', { body: '<Response><Redirect method="GET">/last</Redirect></Response>' });
  h.app.respond('/last', { body: '<Response><Hangup/></Response>' });
  const { outcome, documents } = await h.runCall(h.twiml(`<Response><Redirect>${h.app.url}/next</Redirect><Say>never</Say></Response>`));
  assert.deepEqual(outcome, { next: 'hangup', reason: 'hangup' });
  assert.deepEqual(documents, [`${h.app.url}/next`, `${h.app.url}/last`]);
  assert.deepEqual(h.app.requests.map((r) => [r.method, r.path, r.signatureValid]), [['POST', '/next', true], ['GET', '/last', true]]);
});

test('Dial with action: ctx.dial places the call, then DialCallStatus, DialCallSid and DialCallDuration are posted', async (t) => {
  const h = await harness(t);
  h.app.respond('/dialed', { body: '<Response><Say>Bye.</Say></Response>' });
  const [dial] = h.twiml(`<Response><Dial action="${h.app.url}/dialed" timeout="10" callerId="+15005550009"><Number>+15005550123</Number></Dial></Response>`);
  const outcome = await runVerb(dial!, h.ctx);
  assert.equal(outcome.next, 'document');
  assert.deepEqual(h.events, ['answer', 'dial']);
  assert.equal(h.dialed[0]!.targets[0]!.noun, 'Number');
  const req = h.app.requests[0]!;
  assert.equal(req.signatureValid, true);
  assert.equal(req.params.DialCallStatus, 'completed');
  assert.equal(req.params.DialCallSid, 'CA' + 'c'.repeat(32));
  assert.equal(req.params.DialCallDuration, '7');
});

test('Refer: the target goes to ctx.refer; the action hears ReferCallStatus and the SIP codes; a call that is not a SIP leg is 13801', async (t) => {
  const h = await harness(t);
  h.app.respond('/referred', { body: '<Response><Hangup/></Response>' });
  const [refer] = h.twiml(`<Response><Refer action="${h.app.url}/referred"><Sip>sip:reception@pbx.example.com?X-Ticket=77</Sip></Refer></Response>`);
  h.referResult = { referStatus: 202, notifyStatus: 200 };
  assert.equal((await runVerb(refer!, h.ctx)).next, 'document');
  assert.deepEqual(h.referred, ['sip:reception@pbx.example.com?X-Ticket=77']);
  assert.deepEqual(h.events, ['answer']);
  const req = h.app.requests.find((r) => r.path === '/referred')!;
  assert.equal(req.signatureValid, true);
  assert.deepEqual([req.params.ReferCallStatus, req.params.ReferSipResponseCode, req.params.NotifySipResponseCode], ['in-progress', '202', '200']);

  // The target was busy; the REFER itself refused; no action: the next verb runs.
  h.app.requests.length = 0;
  h.referResult = { referStatus: 202, notifyStatus: 486 };
  await runVerb(refer!, h.ctx);
  assert.equal(h.app.requests[0]!.params.ReferCallStatus, 'busy');
  h.app.requests.length = 0;
  h.referResult = { referStatus: 403 };
  await runVerb(refer!, h.ctx);
  assert.deepEqual([h.app.requests[0]!.params.ReferCallStatus, h.app.requests[0]!.params.ReferSipResponseCode, h.app.requests[0]!.params.NotifySipResponseCode], ['failed', '403', undefined]);
  const [bare] = h.twiml('<Response><Refer><Sip>sip:desk@pbx.example.com</Sip></Refer></Response>');
  assert.deepEqual(await runVerb(bare!, h.ctx), { next: 'continue' });

  // Not a SIP leg: Twilio's 13801, and the document goes on.
  h.referResult = undefined;
  assert.deepEqual(await runVerb(bare!, h.ctx), { next: 'continue' });
  assert.deepEqual(h.notes.map((n) => n.code), [13801]);
});

test('Dial referUrl: a transfer by the called party runs the referUrl TwiML (told the target and X- headers) instead of the action; without one, 13802', async (t) => {
  const h = await harness(t);
  h.app.respond('/transfer', { body: '<Response><Say>Moving you</Say></Response>' });
  const [dial] = h.twiml(`<Response><Dial referUrl="${h.app.url}/transfer" referMethod="GET" action="${h.app.url}/dialed"><Sip>sip:desk@pbx.example.com</Sip></Dial></Response>`);
  h.dialResult = { status: 'completed', childCallSid: 'CA' + 'c'.repeat(32), durationSeconds: 3, referred: { target: 'sip:+15551112222@pbx.example.com', xHeaders: { 'X-Ticket': '77' } } };
  const outcome = await runVerb(dial!, h.ctx);
  assert.equal(outcome.next, 'document');
  assert.deepEqual(h.app.requests.map((r) => [r.path, r.method]), [['/transfer', 'GET']]);
  assert.equal(h.app.requests[0]!.params.ReferTransferTarget, 'sip:+15551112222@pbx.example.com');
  assert.equal(h.app.requests[0]!.params['SipHeader_X-Ticket'], '77');

  h.app.requests.length = 0;
  h.app.respond('/dialed', { body: '<Response/>' });
  const [plain] = h.twiml(`<Response><Dial action="${h.app.url}/dialed"><Sip>sip:desk@pbx.example.com</Sip></Dial></Response>`);
  h.dialResult = { status: 'completed', childCallSid: 'CA' + 'c'.repeat(32), durationSeconds: 3, referRefused: true };
  await runVerb(plain!, h.ctx);
  assert.deepEqual(h.notes.map((n) => n.code), [13802]);
  assert.deepEqual(h.app.requests.map((r) => r.path), ['/dialed'], 'the call went on: the action hears how the dial ended');
});

test('Dial without action continues with the next verb; answerOnBridge leaves answering to the dial; busy is reported', async (t) => {
  const h = await harness(t);
  h.dialResult = { status: 'busy', childCallSid: null, durationSeconds: 0 };
  const verbs = h.twiml('<Response><Dial answerOnBridge="true">+15005550123</Dial><Hangup/></Response>');
  assert.deepEqual(await runVerb(verbs[0]!, h.ctx), { next: 'continue' });
  assert.deepEqual(h.events, ['dial'], 'answerOnBridge: not answered before the dial');
  assert.equal(h.app.requests.length, 0);

  h.app.respond('/dialed', { body: '<Response/>' });
  const [withAction] = h.twiml(`<Response><Dial action="${h.app.url}/dialed">+15005550123</Dial></Response>`);
  await runVerb(withAction!, h.ctx);
  const req = h.app.requests[0]!;
  assert.equal(req.params.DialCallStatus, 'busy');
  assert.equal(req.params.DialCallSid, undefined, 'no child call, no DialCallSid');
});

test('Unsupported verbs: a 12200 warning names them and the document goes on', async (t) => {
  const h = await harness(t);
  const outcome = await runDocument(h.twiml('<Response><Pay/><Dial><Sim>DE00000000000000000000000000000000</Sim></Dial><Hangup/></Response>'), h.ctx);
  assert.deepEqual(outcome, { next: 'hangup', reason: 'hangup' });
  assert.deepEqual(h.notes.map((n) => n.code), [UNSUPPORTED_VERB, UNSUPPORTED_VERB]);
  assert.match(h.notes[0]!.detail, /<Pay>/);
  assert.match(h.notes[1]!.detail, /<Sim> inside <Dial>/);
  assert.ok(!h.events.includes('dial'));
});

test('runDocument: verbs run in order; an aborted call stops between verbs', async (t) => {
  const h = await harness(t);
  const heard = h.listen();
  const doc = h.twiml('<Response><Pause length="0"/><Say>One.</Say><Pause length="5"/><Say>Two.</Say></Response>');
  const running = runDocument(doc, h.ctx);
  const one = await h.ctx.tts.synthesize('One.', { voice: 'man', language: 'en-US' });
  await new Promise((r) => setTimeout(r, (one.length / 8000) * 1000 + 400));
  h.hangUp();
  assert.deepEqual(await running, { next: 'hangup', reason: 'remote' });
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(Math.abs(heard.frames.length * 160 - one.length) <= 320, 'only "One." was spoken');
});

test('Dial record: the bridged audio is stored (source DialVerb); the action hears RecordingUrl/Sid/Duration; recordingStatusCallback is told', async (t) => {
  const h = await harness(t);
  h.dialResult = { status: 'completed', childCallSid: 'CA' + 'c'.repeat(32), durationSeconds: 2, recording: tone([440], 2000, 0.5) };
  h.app.respond('/dialed', { body: '<Response/>' });
  const [dial] = h.twiml(
    `<Response><Dial record="record-from-answer" action="${h.app.url}/dialed" recordingStatusCallback="${h.app.url}/rec">+15005550123</Dial></Response>`,
  );
  await runVerb(dial!, h.ctx);
  const action = h.app.requests.find((r) => r.path === '/dialed')!;
  assert.equal(action.params.DialCallStatus, 'completed');
  const sid = action.params.RecordingSid!;
  assert.match(sid, /^RE[0-9a-f]{32}$/);
  assert.equal(action.params.RecordingDuration, '2');
  assert.equal(action.params.RecordingUrl, h.recordings.url(h.recordings.get(sid)!));
  assert.equal(h.recordings.get(sid)!.source, 'DialVerb');
  const [status] = (await h.app.waitFor((rs) => rs.some((r) => r.path === '/rec'))).filter((r) => r.path === '/rec');
  assert.equal(status!.signatureValid, true);
  assert.equal(status!.params.RecordingStatus, 'completed');
  assert.equal(status!.params.RecordingSid, sid);
  assert.equal(status!.params.RecordingSource, 'DialVerb');
  assert.deepEqual(h.notes, []);

  // recordingStatusCallbackEvent with in-progress: told at the bridge, then completed, under one SID.
  h.app.requests.length = 0;
  const [told] = h.twiml(
    `<Response><Dial record="record-from-answer" action="${h.app.url}/dialed" recordingStatusCallback="${h.app.url}/rec" recordingStatusCallbackEvent="in-progress completed">+15005550123</Dial></Response>`,
  );
  await runVerb(told!, h.ctx);
  const told2 = (await h.app.waitFor((rs) => rs.filter((r) => r.path === '/rec').length >= 2)).filter((r) => r.path === '/rec');
  const toldSid = h.app.requests.find((r) => r.path === '/dialed')!.params.RecordingSid!;
  // Here the bridge ends the moment it starts, so the two callbacks race each other over HTTP: compare them unordered.
  const byStatus = new Map(told2.map((r) => [r.params.RecordingStatus, r.params]));
  assert.deepEqual([...byStatus.keys()].sort(), ['completed', 'in-progress']);
  for (const p of byStatus.values()) assert.deepEqual([p.RecordingSid, p.RecordingSource], [toldSid, 'DialVerb']);
  assert.equal(byStatus.get('in-progress')!.RecordingUrl, h.recordings.url(h.recordings.get(toldSid)!));

  // trim="trim-silence": the silence around the conversation is cut (2 s of tone inside 3 s of silence → 2 s).
  h.dialResult = { status: 'completed', childCallSid: 'CA' + 'c'.repeat(32), durationSeconds: 5, recording: concat([silence(1500), tone([440], 2000, 0.5), silence(1500)]) };
  h.app.requests.length = 0;
  const [trimmed] = h.twiml(`<Response><Dial record="record-from-answer" trim="trim-silence" action="${h.app.url}/dialed">+15005550123</Dial></Response>`);
  await runVerb(trimmed!, h.ctx);
  assert.equal(h.app.requests.find((r) => r.path === '/dialed')!.params.RecordingDuration, '2');

  // A dial that was never bridged has nothing to store: no recording parameters.
  h.dialResult = { status: 'busy', childCallSid: null, durationSeconds: 0 };
  h.app.requests.length = 0;
  await runVerb(dial!, h.ctx);
  assert.equal(h.app.requests.find((r) => r.path === '/dialed')!.params.RecordingSid, undefined);
});
