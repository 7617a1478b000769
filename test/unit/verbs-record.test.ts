// <Record>: the caller hears the beep, talks (a tone over real RTP), goes quiet or presses a key; the WAV stored
// by Recordings holds the caller's tone, the action URL and the recordingStatusCallback hear about it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { concat, readWav, rms, silence, tone } from '../../protocols/rtp/index.js';
import { runVerb, trimSilence } from '../../actors/call/verbs/index.js';
import { waitUntil } from '../helpers/webhook-app.js';
import { ACCOUNT_SID, CALL_SID, harness, zeroCrossingHz } from './verbs-harness.js';

const NEXT = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Thanks.</Say></Response>';

test('Record: beep, the caller talks then goes quiet; the WAV holds the talk with silence trimmed; action and status callback get the recording', async (t) => {
  const h = await harness(t);
  h.app.respond('/recorded', { body: NEXT });
  const heard = h.listen();
  const [record] = h.twiml(
    `<Response><Record action="${h.app.url}/recorded" timeout="1" maxLength="20" recordingStatusCallback="${h.app.url}/rec-status"/></Response>`,
  );
  const running = runVerb(record!, h.ctx);
  // The caller waits for the beep, then says 1.2 s of 440 Hz and stays quiet (sending silence, as phones do).
  await waitUntil(() => heard.frames.length >= 25 || undefined, 3_000, 'the beep');
  const beepHeard = concat(heard.frames.slice(0, 25));
  assert.ok(rms(beepHeard) > 5000, `beep RMS ${rms(beepHeard)}`);
  assert.ok(Math.abs(zeroCrossingHz(beepHeard.subarray(80, beepHeard.length - 80)) - 1000) < 20, 'the beep is 1 kHz');
  await sleep(300);
  const talkStart = performance.now();
  void h.caller.play(concat([tone([440], 1200, 0.5), silence(3000)]));
  const outcome = await running;
  const took = performance.now() - talkStart;
  h.caller.stopPlayback();
  assert.ok(took >= 2100 && took < 3500, `ended ${took} ms after the talk began: 1.2 s talk + 1 s silence`);
  assert.equal(outcome.next, 'document');

  const [req] = h.app.requests.filter((r) => r.path === '/recorded');
  assert.ok(req);
  assert.equal(req.signatureValid, true);
  const sid = req.params.RecordingSid!;
  assert.match(sid, /^RE[0-9a-f]{32}$/);
  assert.equal(req.params.RecordingUrl, `http://127.0.0.1:1/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${sid}`);
  assert.equal(req.params.RecordingDuration, '1');
  assert.equal(req.params.Digits, undefined, 'ended by silence: no key');

  const rec = h.recordings.get(sid)!;
  assert.equal(rec.callSid, CALL_SID);
  assert.equal(rec.source, 'RecordVerb');
  const pcm = readWav(readFileSync(h.recordings.filePath(rec)));
  const seconds = pcm.length / 8000;
  assert.ok(seconds >= 1.1 && seconds <= 1.3, `trimmed recording is ${seconds} s for 1.2 s of talk`);
  assert.ok(Math.abs(zeroCrossingHz(pcm.subarray(400, pcm.length - 400)) - 440) < 10, 'the WAV holds the 440 Hz tone');
  assert.ok(rms(pcm) > 8000);

  const [status] = await h.app.waitFor((rs) => rs.some((r) => r.path === '/rec-status'), 3_000);
  const cb = h.app.requests.find((r) => r.path === '/rec-status')!;
  assert.ok(status);
  assert.equal(cb.signatureValid, true);
  assert.deepEqual(
    { ...cb.params, RecordingStartTime: undefined },
    {
      AccountSid: ACCOUNT_SID, CallSid: CALL_SID, RecordingSid: sid, RecordingUrl: req.params.RecordingUrl,
      RecordingStatus: 'completed', RecordingDuration: '1', RecordingChannels: '1', RecordingSource: 'RecordVerb',
      ErrorCode: '0', RecordingStartTime: undefined,
    },
  );
  assert.match(cb.params.RecordingStartTime!, /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
});

test('Record: finishOnKey ends it with Digits; playBeep="false" plays nothing; do-not-trim keeps the silence', async (t) => {
  const h = await harness(t);
  h.app.respond('/voice', { body: NEXT });
  const heard = h.listen();
  const [record] = h.twiml('<Response><Record playBeep="false" trim="do-not-trim" timeout="0" finishOnKey="*"/></Response>');
  const running = runVerb(record!, h.ctx);
  await sleep(100);
  await h.caller.play(concat([silence(500), tone([700], 500, 0.5)]));
  await h.caller.sendDigits('1*');
  const outcome = await running;
  assert.equal(outcome.next, 'document');
  assert.equal(heard.frames.length, 0, 'no beep');
  const req = h.app.requests[0]!;
  assert.equal(req.path, '/voice', 'action defaults to the document URL');
  assert.equal(req.params.Digits, '*');
  const pcm = readWav(readFileSync(h.recordings.filePath(h.recordings.get(req.params.RecordingSid!)!)));
  assert.ok(pcm.length / 8000 >= 0.95, `untrimmed recording keeps the leading silence: ${pcm.length / 8000} s`);
  assert.ok(rms(pcm.subarray(0, 3200)) < 50, 'it starts silent');
});

test('Record: nothing but silence is absent: no action request, the next verb runs, "absent" status callback', async (t) => {
  const h = await harness(t);
  const [record] = h.twiml(
    `<Response><Record playBeep="false" timeout="1" recordingStatusCallback="${h.app.url}/rec-status" recordingStatusCallbackEvent="completed absent"/></Response>`,
  );
  const running = runVerb(record!, h.ctx);
  void h.caller.play(silence(2000));
  assert.deepEqual(await running, { next: 'continue' });
  h.caller.stopPlayback();
  await h.app.waitFor((rs) => rs.length > 0, 3_000);
  assert.deepEqual(h.app.requests.map((r) => [r.path, r.params.RecordingStatus]), [['/rec-status', 'absent']]);
  assert.equal(h.recordings.byAccount.getCount(), 0);
});

test('Record: recordingStatusCallbackEvent="in-progress completed" tells of the start, then the end, under one RecordingSid', async (t) => {
  const h = await harness(t);
  const [record] = h.twiml(
    `<Response><Record playBeep="false" timeout="1" recordingStatusCallback="${h.app.url}/rec-status" recordingStatusCallbackEvent="in-progress completed"/></Response>`,
  );
  const running = runVerb(record!, h.ctx);
  // The start is told while the caller is still being recorded.
  const [started] = await h.app.waitFor((rs) => rs.some((r) => r.path === '/rec-status'), 3_000);
  void h.caller.play(concat([tone([440], 800, 0.5), silence(2000)]));
  assert.equal(started!.signatureValid, true);
  assert.equal(started!.params.RecordingStatus, 'in-progress');
  assert.equal(started!.params.RecordingSource, 'RecordVerb');
  assert.equal(started!.params.RecordingChannels, '1');
  assert.equal(started!.params.CallSid, CALL_SID);
  assert.match(started!.params.RecordingStartTime!, /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
  const sid = started!.params.RecordingSid!;
  assert.match(sid, /^RE[0-9a-f]{32}$/);
  assert.equal(started!.params.RecordingUrl, `http://127.0.0.1:1/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${sid}`);
  assert.equal(h.recordings.get(sid), undefined, 'nothing is stored while it records');
  await running;
  h.caller.stopPlayback();
  const statuses = (await h.app.waitFor((rs) => rs.filter((r) => r.path === '/rec-status').length >= 2, 3_000)).filter((r) => r.path === '/rec-status');
  assert.deepEqual(statuses.map((r) => [r.params.RecordingStatus, r.params.RecordingSid]), [['in-progress', sid], ['completed', sid]]);
  assert.equal(h.recordings.get(sid)?.source, 'RecordVerb', 'the stored recording has the SID the start announced');
});

test('Record: maxLength cuts a caller who keeps talking', async (t) => {
  const h = await harness(t);
  h.app.respond('/voice', { body: NEXT });
  const [record] = h.twiml('<Response><Record playBeep="false" maxLength="1" timeout="5"/></Response>');
  const t0 = performance.now();
  const running = runVerb(record!, h.ctx);
  void h.caller.play(tone([500], 3000, 0.5));
  await running;
  h.caller.stopPlayback();
  const took = performance.now() - t0;
  assert.ok(took >= 990 && took < 1800, `stopped after ${took} ms`);
  const pcm = readWav(readFileSync(h.recordings.filePath(h.recordings.get(h.app.requests[0]!.params.RecordingSid!)!)));
  assert.ok(pcm.length <= 8000, `at most 1 s recorded, got ${pcm.length / 8000} s`);
});

test('Record: a hang-up keeps what was said and tells the action URL with Digits=hangup', async (t) => {
  const h = await harness(t);
  const [record] = h.twiml('<Response><Record playBeep="false" timeout="0"/></Response>');
  const running = runVerb(record!, h.ctx);
  await h.caller.play(tone([440], 600, 0.5));
  await sleep(100);
  h.hangUp();
  assert.deepEqual(await running, { next: 'hangup', reason: 'remote' });
  const req = h.app.requests[0]!;
  assert.equal(req.params.Digits, 'hangup');
  assert.equal(req.params.CallStatus, 'completed');
  assert.ok(h.recordings.get(req.params.RecordingSid!));
});

test('trimSilence drops quiet frames at both ends only', () => {
  const pcm = concat([silence(200), tone([440], 100, 0.5), silence(100), tone([440], 100, 0.5), silence(300)]);
  const trimmed = trimSilence(pcm);
  assert.equal(trimmed.length, 300 * 8);
  assert.equal(trimSilence(silence(500)).length, 0);
});
