// <Gather> with a caller pressing real RFC 4733 keys over loopback RTP and a real webhook app behind `action`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { runVerb, SPEECH_UNSUPPORTED } from '../../actors/call/verbs/index.js';
import { waitUntil } from '../helpers/webhook-app.js';
import { ACCOUNT_SID, CALL_SID, harness } from './verbs-harness.js';

const NEXT = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>You chose well.</Say><Hangup/></Response>';

test('Gather: keys pressed during the prompt stop it (barge-in), are posted signed to action with FinishedOnKey, and its TwiML replaces the document', async (t) => {
  const h = await harness(t);
  h.app.respond('/menu', { body: NEXT });
  const heard = h.listen();
  const [gather] = h.twiml(
    `<Response><Gather action="${h.app.url}/menu" timeout="3"><Say loop="0">Press one, then two, then pound.</Say></Gather><Say>Never reached.</Say></Response>`,
  );
  const running = runVerb(gather!, h.ctx);
  // espeak-ng runs first (cold cache): wait until the caller has heard 300 ms of the prompt.
  await waitUntil(() => heard.frames.length > 15 || undefined, 5_000, 'the prompt to play');
  const pressedAt = performance.now();
  await h.caller.sendDigits('12#');
  const outcome = await running;
  assert.equal(outcome.next, 'document');
  if (outcome.next !== 'document') return;
  assert.equal(outcome.documentUrl, `${h.app.url}/menu`);
  assert.deepEqual(outcome.verbs.map((v) => v.verb), ['Say', 'Hangup']);

  // Barge-in: the prompt (looping forever) stopped within a few frames of the first key's arrival.
  const afterKey = heard.at.filter((a) => a > pressedAt + 300).length;
  assert.ok(afterKey <= 3, `${afterKey} prompt frames arrived well after the first key`);

  const [req] = h.app.requests;
  assert.equal(h.app.requests.length, 1);
  assert.equal(req!.method, 'POST');
  assert.equal(req!.path, '/menu');
  assert.equal(req!.signatureValid, true);
  assert.equal(req!.params.Digits, '12');
  assert.equal(req!.params.FinishedOnKey, '#');
  assert.equal(req!.params.CallSid, CALL_SID);
  assert.equal(req!.params.AccountSid, ACCOUNT_SID);
});

test('Gather: no key within timeout after the prompt falls through to the next verb without a request', async (t) => {
  const h = await harness(t);
  const verbs = h.twiml(`<Response><Gather timeout="1"><Say>Hi.</Say></Gather><Pause length="0"/></Response>`);
  const t0 = performance.now();
  const outcome = await runVerb(verbs[0]!, h.ctx);
  const took = performance.now() - t0;
  const sayMs = ((await h.ctx.tts.synthesize('Hi.', { voice: 'man', language: 'en-US' })).length / 8000) * 1000;
  assert.deepEqual(outcome, { next: 'continue' });
  assert.ok(took >= sayMs + 950 && took < sayMs + 2500, `gather took ${took} ms for ${sayMs} ms of prompt + 1 s timeout`);
  assert.equal(h.app.requests.length, 0);
  assert.deepEqual(h.events, ['answer']);

  const all = await h.runCall(verbs);
  assert.deepEqual(all.outcome, { next: 'end-of-document' }, 'the document went on to its last verb');
});

test('Gather: numDigits ends input at the nth key; the default action is the current document (GET when asked)', async (t) => {
  const h = await harness(t);
  h.app.respond('/voice', { body: NEXT });
  const [gather] = h.twiml('<Response><Gather numDigits="2" method="GET" timeout="5"/></Response>');
  const running = runVerb(gather!, h.ctx);
  await sleep(50);
  const t0 = performance.now();
  await h.caller.sendDigits('479');
  const outcome = await running;
  assert.ok(performance.now() - t0 < 1500, 'ends at the second key, not after the timeout');
  assert.equal(outcome.next, 'document');
  const [req] = h.app.requests;
  assert.equal(req!.method, 'GET');
  assert.equal(req!.path, '/voice');
  assert.equal(req!.params.Digits, '47');
  assert.equal(req!.params.FinishedOnKey, '');
  assert.equal(req!.signatureValid, true);
});

test('Gather: keys after the prompt wait `timeout` from each key, then post what was pressed', async (t) => {
  const h = await harness(t);
  h.app.respond('/voice', { body: NEXT });
  const [gather] = h.twiml('<Response><Gather timeout="1" finishOnKey=""/></Response>');
  const running = runVerb(gather!, h.ctx);
  await sleep(600);
  await h.caller.sendDigits('5');
  await sleep(600); // longer than the time left from the start, shorter than timeout from the key
  await h.caller.sendDigits('#');
  const outcome = await running;
  assert.equal(outcome.next, 'document');
  assert.equal(h.app.requests[0]!.params.Digits, '5#', 'finishOnKey="" makes # an ordinary digit');
});

test('Gather: # alone is empty input (falls through); actionOnEmptyResult posts it anyway', async (t) => {
  const h = await harness(t);
  h.app.respond('/voice', { body: NEXT });
  const [plain] = h.twiml('<Response><Gather timeout="5"/></Response>');
  const running = runVerb(plain!, h.ctx);
  await sleep(50);
  await h.caller.sendDigits('#');
  assert.deepEqual(await running, { next: 'continue' });
  assert.equal(h.app.requests.length, 0);

  const [eager] = h.twiml('<Response><Gather timeout="1" actionOnEmptyResult="true"/></Response>');
  const outcome = await runVerb(eager!, h.ctx);
  assert.equal(outcome.next, 'document');
  assert.equal(h.app.requests.length, 1);
  assert.equal(h.app.requests[0]!.params.Digits, '');
});

test('Gather bargeIn="false": a key does not cut the prompt short, and is still gathered', async (t) => {
  const h = await harness(t);
  h.app.respond('/voice', { body: NEXT });
  const prompt = await h.ctx.tts.synthesize('Please listen to all of these options.', { voice: 'man', language: 'en-US' });
  const promptMs = (prompt.length / 8000) * 1000;
  const [gather] = h.twiml('<Response><Gather bargeIn="false" numDigits="1"><Say>Please listen to all of these options.</Say></Gather></Response>');
  const t0 = performance.now();
  const running = runVerb(gather!, h.ctx);
  await sleep(200);
  await h.caller.sendDigits('3');
  const outcome = await running;
  assert.ok(performance.now() - t0 >= promptMs - 60, 'the prompt played to its end');
  assert.equal(outcome.next, 'document');
  assert.equal(h.app.requests[0]!.params.Digits, '3');
});

test('Gather input="speech": a 13334 notification says speech is unsupported; keys are not taken and it ends with no input', async (t) => {
  const h = await harness(t);
  const [speech] = h.twiml('<Response><Gather input="speech" timeout="1"/></Response>');
  const running = runVerb(speech!, h.ctx);
  await sleep(50);
  await h.caller.sendDigits('1');
  assert.deepEqual(await running, { next: 'continue' });
  assert.equal(h.app.requests.length, 0);
  assert.equal(h.notes[0]?.code, SPEECH_UNSUPPORTED);
  assert.match(h.notes[0]!.detail, /speech recognition is not supported/);

  h.app.respond('/voice', { body: NEXT });
  const [both] = h.twiml('<Response><Gather input="dtmf speech" numDigits="1" timeout="3"/></Response>');
  const running2 = runVerb(both!, h.ctx);
  await sleep(50);
  await h.caller.sendDigits('9');
  assert.equal((await running2).next, 'document');
  assert.equal(h.app.requests[0]!.params.Digits, '9', '"dtmf speech" gathers keys');
  assert.equal(h.notes.filter((n) => n.code === SPEECH_UNSUPPORTED).length, 2);
});

test('Gather: hang-up during the prompt ends it at once with no request', async (t) => {
  const h = await harness(t);
  const [gather] = h.twiml('<Response><Gather><Say loop="0">Hold on.</Say><Pause length="20"/></Gather></Response>');
  const running = runVerb(gather!, h.ctx);
  await sleep(300);
  const t0 = performance.now();
  h.hangUp();
  assert.deepEqual(await running, { next: 'hangup', reason: 'remote' });
  assert.ok(performance.now() - t0 < 200);
  assert.equal(h.app.requests.length, 0);
});
