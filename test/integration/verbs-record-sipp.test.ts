// <Record> end to end: sipp dials a tandem number, waits out the beep, streams 1.5 s of a 440 Hz μ-law tone and
// falls silent; tandem records until the silence timeout, stores the WAV and posts the action URL (whose <Hangup/>
// ends the call with a BYE to sipp). The stored WAV holds the caller's tone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import alawmulaw from 'alawmulaw';
import { readWav, rms, tone } from '../../protocols/rtp/index.js';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { powerAt, serveWav } from '../helpers/audio.js';
import { startWebhookApp, type WebhookApp } from '../helpers/webhook-app.js';
import { freePort, freeMediaPort } from '../sip/sipp.js';
import { buyVoiceNumber, voiceTwiml } from './voice-helpers.js';

let t: Tandem;
let app: WebhookApp;
let dir: string;

before(async () => {
  t = await startTandem();
  app = await startWebhookApp(() => t.authToken);
  dir = mkdtempSync(join(tmpdir(), 'verbs-record-sipp-'));
});
after(async () => {
  await app.close();
  await t.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** An 8 kHz μ-law WAV (format tag 7), what sipp's rtp_stream sends as PT 0. */
function ulawWav(pcm: Int16Array): Buffer {
  const data = Buffer.from(alawmulaw.mulaw.encode(pcm));
  const h = Buffer.alloc(46);
  h.write('RIFF', 0, 'latin1'); h.writeUInt32LE(38 + data.length, 4); h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1'); h.writeUInt32LE(18, 16); h.writeUInt16LE(7, 20); h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24); h.writeUInt32LE(8000, 28); h.writeUInt16LE(1, 32); h.writeUInt16LE(8, 34); h.writeUInt16LE(0, 36);
  h.write('data', 38, 'latin1'); h.writeUInt32LE(data.length, 42);
  return Buffer.concat([h, data]);
}

const SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="caller talks into a Record">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:+15550002222@[local_ip]:[local_port]>;tag=[pid]rec[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:+15550002222@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=caller 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [rtpstream_audio_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:+15550002222@[local_ip]:[local_port]>;tag=[pid]rec[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <pause milliseconds="900"/>
  <nop><action><exec rtp_stream="tone.wav,1,0"/></action></nop>
  <recv request="BYE" timeout="15000"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
`;

/** sipp calls `number`, waits 0.9 s after the answer, streams 1.5 s of a 440 Hz tone, and waits for tandem's BYE. */
async function callerTalks(number: string): Promise<void> {
  writeFileSync(join(dir, 'tone.wav'), ulawWav(tone([440], 1500, 0.5)));
  writeFileSync(join(dir, 'record.xml'), SCENARIO);
  const port = await freePort();
  const mediaPort = await freeMediaPort();
  const sipp = spawn('sipp', ['-nostdin', '-m', '1', '-timeout', '30s', '-timeout_error', '-i', '127.0.0.1', '-p', String(port),
    '-mi', '127.0.0.1', '-mp', String(mediaPort), '-sf', 'record.xml', '-s', number, `127.0.0.1:${t.env.TANDEM_SIP_PORT}`], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  sipp.stdout.on('data', (d: Buffer) => (output += d.toString()));
  sipp.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const killer = setTimeout(() => sipp.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => sipp.on('close', resolve));
  clearTimeout(killer);
  assert.equal(code, 0, `sipp: the call ended with tandem's BYE\n${output.slice(-2000)}`);
}

test('Record over SIP: the stored WAV holds the caller\'s 440 Hz tone; the action URL is told; <Hangup/> ends the call', async () => {
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/answer' });
  app.respond('/answer', {
    body: voiceTwiml((r) => { r.record({ timeout: 1, maxLength: 20, action: app.url + '/recorded', recordingStatusCallback: app.url + '/recording-status' }); }),
  });
  app.respond('/recorded', { body: voiceTwiml((r) => { r.hangup(); }) });
  await callerTalks(number);

  const recorded = app.requests.find((r) => r.path === '/recorded');
  assert.ok(recorded, 'action URL requested');
  assert.ok(recorded.signatureValid);
  const sid = recorded.params.RecordingSid!;
  assert.match(sid, /^RE[0-9a-f]{32}$/);
  assert.equal(recorded.params.RecordingUrl, `${t.url}/2010-04-01/Accounts/${t.accountSid}/Recordings/${sid}`);
  const duration = Number(recorded.params.RecordingDuration);
  assert.ok(duration >= 1 && duration <= 2, `RecordingDuration ${duration}`);

  const wav = readFileSync(join(t.dataDir, 'recordings', t.accountSid, `${sid}.wav`));
  const pcm = readWav(wav);
  const seconds = pcm.length / 8000;
  // sipp starts talking 0.9 s after the answer, while the 0.5 s beep plays: most of the 1.5 s tone is recorded.
  assert.ok(seconds >= 0.9 && seconds <= 1.6, `recording is ${seconds} s`);
  let crossings = 0;
  for (let i = 1; i < pcm.length; i++) if ((pcm[i - 1]! < 0) !== (pcm[i]! < 0)) crossings++;
  const hz = (crossings / 2) * (8000 / pcm.length);
  assert.ok(Math.abs(hz - 440) < 15, `the recording is the caller's 440 Hz tone (heard ${hz} Hz)`);
  assert.ok(rms(pcm) > 8000, `loud enough: RMS ${rms(pcm)}`);

  // recordingStatusCallback (default event: completed) reaches the app, signed, naming the same recording.
  const [status] = (await app.waitFor((rs) => rs.some((r) => r.path === '/recording-status'))).filter((r) => r.path === '/recording-status');
  assert.ok(status!.signatureValid, 'signed with the account token');
  assert.equal(status!.method, 'POST');
  assert.equal(status!.params.RecordingStatus, 'completed');
  assert.equal(status!.params.RecordingSid, sid);
  assert.equal(status!.params.RecordingUrl, recorded.params.RecordingUrl);
  assert.equal(status!.params.CallSid, recorded.params.CallSid);
  assert.equal(status!.params.AccountSid, t.accountSid);
  const notes = (await (await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Notifications.json`)).json()) as { notifications: { error_code: string }[] };
  assert.deepEqual(notes.notifications.map((n) => n.error_code), [], 'no notification: nothing failed');
});

test('<Dial record> over SIP: the recording holds both parties (the caller\'s 440 Hz, the callee\'s 880 Hz); the action and recordingStatusCallback name it', async () => {
  // The callee is another tandem number that plays an 880 Hz tone, served here, then hangs up.
  const audio = await serveWav(tone([880], 2500, 0.5));
  try {
    const b = await buyVoiceNumber(t, { VoiceUrl: app.url + '/callee' });
    const a = await buyVoiceNumber(t, { VoiceUrl: app.url + '/caller' });
    const toneUrl = audio.url;
    app.respond('/callee', { body: voiceTwiml((r) => { r.play(toneUrl); r.hangup(); }) });
    app.respond('/caller', {
      body: voiceTwiml((r) => {
        r.dial({ record: 'record-from-answer', action: app.url + '/dialed', recordingStatusCallback: app.url + '/dial-recording' }, b);
      }),
    });
    app.respond('/dialed', { body: voiceTwiml((r) => { r.hangup(); }) });
    await callerTalks(a);

    const dialed = app.requests.find((r) => r.path === '/dialed');
    assert.ok(dialed, 'the Dial action was requested');
    assert.equal(dialed.params.DialCallStatus, 'completed');
    const sid = dialed.params.RecordingSid!;
    assert.match(sid, /^RE[0-9a-f]{32}$/);
    assert.equal(dialed.params.RecordingUrl, `${t.url}/2010-04-01/Accounts/${t.accountSid}/Recordings/${sid}`);
    const [status] = (await app.waitFor((rs) => rs.some((r) => r.path === '/dial-recording'))).filter((r) => r.path === '/dial-recording');
    assert.ok(status!.signatureValid);
    assert.equal(status!.params.RecordingSid, sid);
    assert.equal(status!.params.RecordingSource, 'DialVerb');

    const pcm = readWav(readFileSync(join(t.dataDir, 'recordings', t.accountSid, `${sid}.wav`)));
    const seconds = pcm.length / 8000;
    assert.ok(seconds >= 1.8 && seconds <= 3.5, `the bridged call is ~2.5 s, the recording ${seconds} s`);
    const caller = powerAt(pcm, 440);
    const callee = powerAt(pcm, 880);
    const neither = powerAt(pcm, 1_300);
    assert.ok(caller > 50 * neither, `the caller's 440 Hz is in the recording (${caller.toFixed(0)} against ${neither.toFixed(0)} at 1,300 Hz)`);
    assert.ok(callee > 50 * neither, `the callee's 880 Hz is in the recording (${callee.toFixed(0)} against ${neither.toFixed(0)} at 1,300 Hz)`);
  } finally {
    await audio.close();
  }
});
