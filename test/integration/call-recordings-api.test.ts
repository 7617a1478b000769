// Recording a live call through the API, with the official twilio client against a running tandem whose sandbox
// handset is on the far end of real SIP and RTP: start (201, in-progress, listed and fetched while it runs), pause
// with PauseBehavior skip or silence, resume, stop (Twilio.CURRENT when only one is live), the stored WAV and the
// signed status callbacks; and the errors a Twilio user would get.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readWav, rms, tone } from '../../protocols/rtp/index.js';
import { powerAt, serveWav } from '../helpers/audio.js';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { resourceSchema, shapeProblems } from '../helpers/spec-schema.js';
import { startWebhookApp, waitUntil, type WebhookApp } from '../helpers/webhook-app.js';
import { buyVoiceNumber, fetchCall, voiceTwiml } from './voice-helpers.js';

let t: Tandem;
let app: WebhookApp;
let audio: { url: string; close(): Promise<void> };

before(async () => {
  t = await startTandem();
  app = await startWebhookApp(() => t.authToken);
  audio = await serveWav(tone([440], 1000, 0.5));
});
after(async () => {
  await audio.close();
  await app.close();
  await t.cleanup();
});

type TwilioError = { status: number; code: number };
const is = (status: number, code: number) => (e: TwilioError) => e.status === status && e.code === code;

/** An answered API call to the sandbox handset that hears a 440 Hz tone, looped, until it is hung up. */
async function liveCall(from: string, to: string): Promise<string> {
  const call = await t.client().calls.create({ from, to, twiml: voiceTwiml((r) => { r.play({ loop: 0 }, audio.url); }) });
  await waitUntil(async () => ((await fetchCall(t, call.sid)).status === 'in-progress' ? true : undefined), 15_000, 'the call to be answered');
  return call.sid;
}

/** Seconds of (near) silence in the recording, counted in 20 ms frames. */
function silentSeconds(pcm: Int16Array): number {
  let frames = 0;
  for (let i = 0; i + 160 <= pcm.length; i += 160) if (rms(pcm.subarray(i, i + 160)) < 300) frames++;
  return frames * 0.02;
}

test('Call Recordings API: two recordings of one live call, one paused with skip and one with silence; stopped, stored and announced', async () => {
  const client = t.client();
  const from = await buyVoiceNumber(t, {});
  const callSid = await liveCall(from, '+15551117001');
  const calls = client.calls(callSid);

  const skip = await calls.recordings.create({
    recordingStatusCallback: app.url + '/rec-skip',
    recordingStatusCallbackEvent: ['in-progress', 'completed'],
  });
  assert.match(skip.sid, /^RE[0-9a-f]{32}$/);
  assert.equal(skip.status, 'in-progress');
  assert.equal(skip.source, 'StartCallRecordingAPI');
  assert.equal(skip.callSid, callSid);
  assert.equal(skip.channels, 1);
  assert.equal(skip.track, 'both');
  assert.equal(skip.duration, null);
  const silence = await calls.recordings.create({ recordingStatusCallback: app.url + '/rec-silence', recordingChannels: 'dual' });
  assert.equal(silence.channels, 2);

  // Live recordings are fetched and listed while they run; Twilio.CURRENT is ambiguous with two.
  assert.equal((await calls.recordings(skip.sid).fetch()).status, 'in-progress');
  const raw = await (await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Calls/${callSid}/Recordings/${skip.sid}.json`)).json();
  assert.deepEqual(shapeProblems(raw, resourceSchema('call.call_recording')), []);
  assert.deepEqual((await calls.recordings.list()).map((r) => r.sid).sort(), [skip.sid, silence.sid].sort());
  assert.equal((await client.recordings(silence.sid).fetch()).status, 'in-progress');
  await assert.rejects(calls.recordings('Twilio.CURRENT').update({ status: 'paused' }), is(400, 16108));

  await sleep(1_000);
  const paused = await calls.recordings(skip.sid).update({ status: 'paused', pauseBehavior: 'skip' });
  assert.equal(paused.status, 'paused');
  await calls.recordings(silence.sid).update({ status: 'paused' }); // PauseBehavior defaults to silence
  assert.equal((await calls.recordings(silence.sid).fetch()).status, 'paused');
  await sleep(1_500);
  assert.equal((await calls.recordings(skip.sid).update({ status: 'in-progress' })).status, 'in-progress');
  await calls.recordings(silence.sid).update({ status: 'in-progress' });
  await sleep(1_000);

  const stopped = await calls.recordings(silence.sid).update({ status: 'stopped' });
  assert.equal(stopped.status, 'stopped');
  // With one left live, Twilio.CURRENT names it.
  const current = await calls.recordings('Twilio.CURRENT').update({ status: 'stopped' });
  assert.equal(current.sid, skip.sid);

  const skipCbs = (await app.waitFor((rs) => rs.filter((r) => r.path === '/rec-skip').length >= 2, 10_000)).filter((r) => r.path === '/rec-skip');
  assert.deepEqual(skipCbs.map((r) => r.params.RecordingStatus), ['in-progress', 'completed']);
  assert.ok(skipCbs.every((r) => r.signatureValid && r.params.RecordingSid === skip.sid && r.params.CallSid === callSid && r.params.RecordingSource === 'StartCallRecordingAPI'));
  const [silenceCb] = (await app.waitFor((rs) => rs.some((r) => r.path === '/rec-silence'), 10_000)).filter((r) => r.path === '/rec-silence');
  assert.equal(silenceCb!.params.RecordingStatus, 'completed', 'only completed by default');
  assert.equal(silenceCb!.params.RecordingChannels, '2');

  // Skip left the pause out: ~2 s of tone. Silence kept it: ~3.5 s with ~1.5 s of silence in it.
  const skipped = readWav(readFileSync(join(t.dataDir, 'recordings', t.accountSid, `${skip.sid}.wav`)));
  const kept = readWav(readFileSync(join(t.dataDir, 'recordings', t.accountSid, `${silence.sid}.wav`)));
  const skippedS = skipped.length / 8000;
  const keptS = kept.length / 8000;
  assert.ok(skippedS >= 1.7 && skippedS <= 2.6, `skip: ${skippedS} s recorded of ~3.5 s`);
  assert.ok(silentSeconds(skipped) < 0.3, `skip: ${silentSeconds(skipped)} s silent`);
  assert.ok(powerAt(skipped, 440) > 50 * Math.max(1, powerAt(skipped, 1_300)), 'the played tone is in the recording');
  assert.ok(keptS >= 3.2 && keptS <= 4.2, `silence: ${keptS} s recorded`);
  assert.ok(silentSeconds(kept) >= 1.3 && silentSeconds(kept) <= 1.9, `silence: ${silentSeconds(kept)} s silent for a 1.5 s pause`);

  // Stored now: fetched from the store with its duration; a stored recording cannot be changed.
  const stored = await calls.recordings(skip.sid).fetch();
  assert.equal(stored.status, 'completed');
  assert.equal(stored.track, 'both');
  assert.ok(Number(stored.duration) >= 2 && Number(stored.duration) <= 3, `duration ${stored.duration}`);
  await assert.rejects(calls.recordings(skip.sid).update({ status: 'paused' }), is(400, 21220));
  await assert.rejects(calls.recordings('Twilio.CURRENT').update({ status: 'paused' }), is(404, 20404));
  await calls.update({ status: 'completed' });
});

test('Call Recordings API: a recording still running when the call ends is stored; bad input and calls not in progress get Twilio errors', async () => {
  const client = t.client();
  const from = await buyVoiceNumber(t, {});
  const callSid = await liveCall(from, '+15551117002');
  const calls = client.calls(callSid);

  await assert.rejects(calls.recordings.create({ recordingTrack: 'sideways' }), is(400, 21000));
  await assert.rejects(calls.recordings.create({ recordingStatusCallbackEvent: ['finished'] }), is(400, 21626));
  await assert.rejects(client.calls('CA' + '0'.repeat(32)).recordings.create(), is(404, 20404));
  const r = await calls.recordings.create({ recordingTrack: 'outbound', trim: 'trim-silence', recordingStatusCallback: app.url + '/rec-end' });
  await assert.rejects(calls.recordings(r.sid).update({ status: 'finished' as 'stopped' }), is(400, 21000));
  await assert.rejects(calls.recordings('RE' + '0'.repeat(32)).update({ status: 'paused' }), is(404, 20404));

  await sleep(1_200);
  await calls.update({ status: 'completed' });
  const [cb] = (await app.waitFor((rs) => rs.some((x) => x.path === '/rec-end'), 10_000)).filter((x) => x.path === '/rec-end');
  assert.equal(cb!.params.RecordingStatus, 'completed');
  assert.equal(cb!.params.RecordingSid, r.sid);
  const stored = await client.recordings(r.sid).fetch();
  assert.equal(stored.callSid, callSid);
  const pcm = readWav(readFileSync(join(t.dataDir, 'recordings', t.accountSid, `${r.sid}.wav`)));
  assert.ok(pcm.length / 8000 >= 0.9, `${pcm.length / 8000} s until the hang-up`);
  assert.ok(powerAt(pcm, 440) > 50 * Math.max(1, powerAt(pcm, 1_300)), 'what tandem played (the outbound track) is recorded');

  await assert.rejects(calls.recordings.create(), is(400, 21220));
});
