// <Start><Recording> and <Stop><Recording>: a recording that runs beside the TwiML over real RTP. Twilio's TwiML
// defaults (both tracks, two channels, silence trimmed) put the caller on the first channel and what tandem played on
// the second; a <Record> in the middle records beside it; <Stop><Recording name> ends it, and a recording still
// running when the call ends is stored then.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeWav, readWav, tone } from '../../protocols/rtp/index.js';
import { runVerb } from '../../actors/call/verbs/index.js';
import { powerAt } from '../helpers/audio.js';
import { CALL_SID, harness } from './verbs-harness.js';

/** The two channels of an interleaved stereo WAV. */
function channels(file: Buffer): { left: Int16Array; right: Int16Array; count: number } {
  const { info, samples } = decodeWav(file);
  const n = samples.length / info.channels;
  const left = new Int16Array(n);
  const right = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    left[i] = samples[i * info.channels]!;
    right[i] = samples[i * info.channels + 1] ?? 0;
  }
  return { left, right, count: info.channels };
}

test('<Start><Recording>: dual channels by default, the caller on the first and what tandem played on the second; <Stop> by name ends it and the status callback hears in-progress and completed', async (t) => {
  const h = await harness(t);
  const verbs = h.twiml(
    `<Response><Start><Recording name="whole" recordingStatusCallback="${h.app.url}/rec" recordingStatusCallbackEvent="in-progress completed"/></Start></Response>`,
  );
  assert.equal(verbs[0]!.verb, 'StartRecording');
  assert.equal((await runVerb(verbs[0]!, h.ctx)).next, 'continue');
  // tandem plays 1 kHz to the caller while the caller says 440 Hz.
  void h.caller.play(tone([440], 1200, 0.5));
  await h.ctx.media.play(tone([1000], 1200, 0.5));
  await sleep(200);
  const [stop] = h.twiml('<Response><Stop><Recording name="whole"/></Stop></Response>');
  assert.equal((await runVerb(stop!, h.ctx)).next, 'continue');

  const cbs = await h.app.waitFor((rs) => rs.filter((r) => r.path === '/rec').length >= 2, 5_000);
  const [started, completed] = cbs.filter((r) => r.path === '/rec');
  assert.equal(started!.params.RecordingStatus, 'in-progress');
  assert.equal(completed!.params.RecordingStatus, 'completed');
  assert.ok(started!.signatureValid && completed!.signatureValid);
  assert.equal(completed!.params.RecordingSid, started!.params.RecordingSid);
  assert.equal(completed!.params.RecordingSource, 'StartCallRecordingTwiML');
  assert.equal(completed!.params.RecordingChannels, '2');
  assert.equal(completed!.params.CallSid, CALL_SID);

  const rec = h.recordings.get(completed!.params.RecordingSid!)!;
  assert.equal(rec.channels, 2);
  assert.equal(rec.track, 'both');
  const { left, right, count } = channels(readFileSync(h.recordings.filePath(rec)));
  assert.equal(count, 2);
  assert.ok(powerAt(left, 440) > 20 * powerAt(left, 1000), 'the first channel holds what the caller said (440 Hz)');
  assert.ok(powerAt(right, 1000) > 20 * powerAt(right, 440), 'the second channel holds what tandem played (1 kHz)');
  const seconds = left.length / 8000;
  assert.ok(seconds >= 1.0 && seconds <= 1.8, `silence trimmed: ${seconds} s for 1.2 s of sound`);
});

test('<Start><Recording channels="mono">: records beside a <Record>, and is stored when the call ends without a <Stop>', async (t) => {
  const h = await harness(t);
  const [start] = h.twiml(`<Response><Start><Recording channels="mono" trim="do-not-trim" recordingStatusCallback="${h.app.url}/rec"/></Start></Response>`);
  await runVerb(start!, h.ctx);
  h.app.respond('/recorded', { body: '<Response/>' });
  const [record] = h.twiml(`<Response><Record action="${h.app.url}/recorded" timeout="1" maxLength="3" playBeep="false"/></Response>`);
  const recording = runVerb(record!, h.ctx);
  void h.caller.play(tone([440], 800, 0.5));
  await recording;
  const [recorded] = h.app.requests.filter((r) => r.path === '/recorded');
  const verbRecording = readWav(readFileSync(h.recordings.filePath(h.recordings.get(recorded!.params.RecordingSid!)!)));
  assert.ok(powerAt(verbRecording, 440) > 1000 * Math.max(1, powerAt(verbRecording, 1500)), 'the <Record> got the caller');

  await h.hangUp();
  const [cb] = (await h.app.waitFor((rs) => rs.some((r) => r.path === '/rec'), 5_000)).filter((r) => r.path === '/rec');
  assert.equal(cb!.params.RecordingStatus, 'completed');
  assert.equal(cb!.params.RecordingChannels, '1');
  const whole = h.recordings.get(cb!.params.RecordingSid!)!;
  assert.notEqual(whole.sid, recorded!.params.RecordingSid);
  const pcm = readWav(readFileSync(h.recordings.filePath(whole)));
  assert.ok(powerAt(pcm, 440) > 100 * Math.max(1, powerAt(pcm, 1500)), 'the caller is in the call recording too, recorded alongside the <Record>');
  assert.ok(pcm.length / 8000 >= 0.8, `untrimmed: ${pcm.length / 8000} s`);
});
