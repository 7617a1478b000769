// Media Streams end to end: a running tandem, its sandbox handset on the far end of real SIP and RTP, a real
// WebSocket app, TwiML from twilio's VoiceResponse, and the Streams API through the official twilio client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import alawmulaw from 'alawmulaw';
import { tone } from '../../protocols/rtp/index.js';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { startWebhookApp, waitUntil, type WebhookApp } from '../helpers/webhook-app.js';
import { startStreamApp, type StreamApp } from '../helpers/stream-app.js';
import { buyVoiceNumber, fetchCall, handsetCalls, voiceTwiml, type HandsetCall } from './voice-helpers.js';


let t: Tandem;
let app: WebhookApp;
let ws: StreamApp;

before(async () => {
  t = await startTandem();
  app = await startWebhookApp(() => t.authToken);
  ws = await startStreamApp(() => t.authToken);
});
after(async () => {
  await ws.close();
  await app.close();
  await t.cleanup();
});

const handset = () => handsetCalls(t);

test('<Connect><Stream>: the handset hears the app, its key reaches the app, the mark comes back, and the app closing goes on to the next verb', async () => {
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/agent' });
  app.respond('/agent', {
    body: voiceTwiml((r) => {
      r.connect().stream({ url: `${ws.url}/agent` }).parameter({ name: 'campaign', value: 'spring' });
      r.say('Goodbye');
    }),
  });
  const first = ws.connections.length;
  const placed = await fetch(t.url + '/sandbox/Calls', {
    method: 'POST',
    body: new URLSearchParams({ From: '+15550003333', To: number, Digits: '7', HangupAfter: '30', DigitsDelayMs: '1500' }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(placed.status, 201);
  const { id } = (await placed.json()) as HandsetCall;
  const c = await ws.connection(first, 15_000);
  assert.equal(c.signatureValid, true);
  const start = (await c.next('start')).start!;
  assert.deepEqual(start.customParameters, { campaign: 'spring' });
  assert.deepEqual(start.tracks, ['inbound']);

  // A second of 600 Hz in 20 ms μ-law messages, then a mark.
  const answer = tone([600], 1000, 0.5);
  for (let i = 0; i < answer.length; i += 160) {
    c.send({ event: 'media', streamSid: start.streamSid, media: { payload: Buffer.from(alawmulaw.mulaw.encode(answer.subarray(i, i + 160))).toString('base64') } });
  }
  c.send({ event: 'mark', streamSid: start.streamSid, mark: { name: 'said-hello' } });
  assert.deepEqual((await c.next('mark')).mark, { name: 'said-hello' });
  assert.deepEqual((await c.next('dtmf')).dtmf, { track: 'inbound_track', digit: '7' });
  // The handset's own audio (its silence) streamed in meanwhile.
  assert.ok(c.messages.filter((m) => m.event === 'media').length >= 40);
  c.socket.close(1000);

  const done = await waitUntil(async () => (await handset()).find((h) => h.id === id && h.status === 'completed'), 20_000, 'the call to end after the Say');
  assert.ok(done.audio_heard_ms >= 800, `the handset heard ${done.audio_heard_ms} ms of audio`);
  assert.deepEqual(done.verbs, [`Connect stream: ${ws.url}/agent`, 'Say: Goodbye']);
  assert.equal(start.callSid, done.call_sid);
});

test('the Streams API with the official client: create forks a live call\'s audio with its parameters, update stops it by name', async () => {
  const client = t.client();
  const from = await buyVoiceNumber(t, {});
  const call = await client.calls.create({ from, to: '+15551114444', twiml: voiceTwiml((r) => r.pause({ length: 30 })) });
  await waitUntil(async () => ((await fetchCall(t, call.sid)).status === 'in-progress' ? true : undefined), 15_000, 'the handset to answer');

  const first = ws.connections.length;
  const stream = await client.calls(call.sid).streams.create({
    url: `${ws.url}/rest`,
    name: 'rest-fork',
    statusCallback: app.url + '/stream-events',
    'parameter1.name': 'crm',
    'parameter1.value': 'lead-9',
  } as Parameters<ReturnType<typeof client.calls>['streams']['create']>[0]);
  assert.match(stream.sid, /^MZ[0-9a-f]{32}$/);
  assert.equal(stream.callSid, call.sid);
  assert.equal(stream.accountSid, t.accountSid);
  assert.equal(stream.name, 'rest-fork');
  assert.equal(stream.status, 'in-progress');

  const c = await ws.connection(first);
  const start = (await c.next('start')).start!;
  assert.equal(start.streamSid, stream.sid);
  assert.equal(start.callSid, call.sid);
  assert.deepEqual(start.customParameters, { crm: 'lead-9' });
  await waitUntil(() => c.messages.filter((m) => m.event === 'media').length >= 10, 5_000, 'media frames');
  const metrics = await (await fetch(t.url + '/metrics')).text();
  assert.match(metrics, /^tandem_media_streams_active 1$/m);

  // One name per call.
  await assert.rejects(client.calls(call.sid).streams.create({ url: `${ws.url}/again`, name: 'rest-fork' }), (e: { status: number; code: number }) => e.status === 400 && e.code === 21000);

  const stopped = await client.calls(call.sid).streams('rest-fork').update({ status: 'stopped' });
  assert.equal(stopped.sid, stream.sid);
  assert.equal(stopped.status, 'stopped');
  await c.next('stop');
  await waitUntil(() => c.closed, 5_000, 'the socket to close');
  await assert.rejects(client.calls(call.sid).streams(stream.sid).update({ status: 'stopped' }), (e: { status: number }) => e.status === 404);

  const events = await app.waitFor((r) => r.filter((x) => x.path === '/stream-events').length >= 2);
  assert.deepEqual(events.filter((x) => x.path === '/stream-events').map((x) => [x.params.StreamEvent, x.params.StreamName, x.signatureValid]), [
    ['stream-started', 'rest-fork', true],
    ['stream-stopped', 'rest-fork', true],
  ]);

  // A wrong scheme is refused at once; a call that is over has no streams.
  await assert.rejects(client.calls(call.sid).streams.create({ url: 'https://example.com/media' }), (e: { status: number; code: number }) => e.status === 400 && e.code === 31922);
  await client.calls(call.sid).update({ status: 'completed' });
  await assert.rejects(client.calls(call.sid).streams.create({ url: `${ws.url}/late` }), (e: { status: number; code: number }) => e.status === 400 && e.code === 21220);
});

test('a <Start><Stream> to an app that is not there is a 31920 notification on the call, and the call runs on', async () => {
  const client = t.client();
  const from = await buyVoiceNumber(t, {});
  const call = await client.calls.create({
    from,
    to: '+15551115555',
    twiml: voiceTwiml((r) => { r.start().stream({ url: `${app.url.replace('http', 'ws')}/no-websocket-here` }); r.say('still here'); r.hangup(); }),
  });
  const done = await waitUntil(async () => (await handset()).find((h) => h.call_sid === call.sid && h.status === 'completed'), 20_000, 'the call to end');
  assert.deepEqual(done.verbs.slice(1), ['Say: still here', 'Hangup']);
  const notes = await waitUntil(async () => {
    const list = await client.calls(call.sid).notifications.list();
    return list.length > 0 ? list : undefined;
  }, 5_000, 'the notification');
  assert.equal(notes[0]!.errorCode, '31920');
});

test('<Start><Stream track="outbound_track"> from a media worker: the app gets what the handset hears (a Say), and no inbound frames', async () => {
  const client = t.client();
  const from = await buyVoiceNumber(t, {});
  const first = ws.connections.length;
  const call = await client.calls.create({
    from,
    to: '+15551116666',
    twiml: voiceTwiml((r) => { r.start().stream({ url: `${ws.url}/heard`, track: 'outbound_track' }); r.say('This is what the handset hears from tandem.'); r.hangup(); }),
  });
  const c = await ws.connection(first, 15_000);
  assert.deepEqual((await c.next('start')).start!.tracks, ['outbound']);
  await c.next('stop', 20_000); // the Hangup ends the stream with the call
  const media = c.messages.filter((m) => m.event === 'media');
  assert.ok(media.length > 25 && media.every((m) => m.media!.track === 'outbound'), `${media.length} outbound frames`);
  const loud = media.filter((m) => {
    const pcm = alawmulaw.mulaw.decode(Buffer.from(m.media!.payload, 'base64'));
    let sum = 0;
    for (const x of pcm) sum += x * x;
    return Math.sqrt(sum / pcm.length) > 300;
  });
  assert.ok(loud.length > 25, `${loud.length} frames of the Say reached the app`);
  const done = await waitUntil(async () => (await handset()).find((h) => h.call_sid === call.sid && h.status === 'completed'), 10_000, 'the call to end');
  assert.ok(done.audio_heard_ms > 500);
});
