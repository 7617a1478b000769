// Media Streams with a caller talking and listening over real loopback RTP and a real WebSocket app (`ws`):
// <Start><Stream> forks the caller's audio, <Connect><Stream> also plays the app's audio, answers its marks and
// obeys clear, and streams that cannot connect are notifications while the call goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer } from 'node:http';
import alawmulaw from 'alawmulaw';
import { concat, tone } from '../../protocols/rtp/index.js';
import { runVerb } from '../../actors/call/verbs/index.js';
import { powerAt } from '../helpers/audio.js';
import { startStreamApp, type StreamApp, type StreamMessage } from '../helpers/stream-app.js';
import { waitUntil } from '../helpers/webhook-app.js';
import { ACCOUNT_SID, AUTH_TOKEN, CALL_SID, harness, zeroCrossingHz } from './verbs-harness.js';

async function streamApp(t: { after(fn: () => Promise<void>): void }): Promise<StreamApp> {
  const app = await startStreamApp(() => AUTH_TOKEN);
  t.after(() => app.close());
  return app;
}

/** The caller's audio as the app received it: every media payload, decoded. */
function inboundAudio(messages: StreamMessage[]): Int16Array {
  return concat(messages.filter((m) => m.event === 'media').map((m) => alawmulaw.mulaw.decode(Buffer.from(m.media!.payload, 'base64'))));
}

/** `pcm` as the app sends it: 20 ms μ-law media messages. */
function mediaMessages(streamSid: string, pcm: Int16Array): object[] {
  const out: object[] = [];
  for (let i = 0; i < pcm.length; i += 160) {
    out.push({ event: 'media', streamSid, media: { payload: Buffer.from(alawmulaw.mulaw.encode(pcm.subarray(i, i + 160))).toString('base64') } });
  }
  return out;
}

test('<Start><Stream>: the caller\'s audio reaches the app as numbered μ-law frames, the document goes on, and <Stop> ends the stream', async (t) => {
  const h = await harness(t);
  const ws = await streamApp(t);
  const [start, pause, stop] = h.twiml(
    `<Response><Start><Stream url="${ws.url}/fork?lang=en" name="fork" statusCallback="${h.app.url}/streams"><Parameter name="ticket" value="42"/></Stream></Start>` +
      `<Pause length="1"/><Stop><Stream name="fork"/></Stop></Response>`,
  );
  assert.deepEqual(await runVerb(start!, h.ctx), { next: 'continue' }); // one-way: it does not hold the call
  const c = await ws.connection();
  assert.equal(c.path, '/fork?lang=en');
  assert.equal(c.signatureValid, true, 'the handshake carries X-Twilio-Signature over the stream URL');
  const begun = await c.next('start');
  void h.caller.play(tone([440], 600));
  await runVerb(pause!, h.ctx);
  await runVerb(stop!, h.ctx);
  await waitUntil(() => c.closed, 3_000, 'the stream socket to close');

  assert.deepEqual(c.messages[0], { event: 'connected', protocol: 'Call', version: '1.0.0' });
  const sid = begun.start!.streamSid;
  assert.match(sid, /^MZ[0-9a-f]{32}$/);
  assert.deepEqual(begun.start, {
    accountSid: ACCOUNT_SID, streamSid: sid, callSid: CALL_SID, tracks: ['inbound'], customParameters: { ticket: '42' },
    mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
  });
  // Every message after `connected` is numbered from 1 without a gap and names the stream.
  assert.deepEqual(c.messages.slice(1).map((m) => Number(m.sequenceNumber)), c.messages.slice(1).map((_, i) => i + 1));
  assert.ok(c.messages.slice(1).every((m) => m.streamSid === sid));
  const media = c.messages.filter((m) => m.event === 'media');
  assert.ok(media.length >= 30, `${media.length} media frames in a second of call`);
  assert.deepEqual(media.map((m) => Number(m.media!.chunk)), media.map((_, i) => i + 1));
  assert.ok(media.every((m) => m.media!.track === 'inbound' && Buffer.from(m.media!.payload, 'base64').length === 160));
  const heard = inboundAudio(c.messages);
  assert.ok(powerAt(heard, 440) > 50 * powerAt(heard, 1000), 'the app heard the caller\'s 440 Hz tone');
  assert.deepEqual(c.messages.at(-1), { event: 'stop', sequenceNumber: String(c.messages.length - 1), streamSid: sid, stop: { accountSid: ACCOUNT_SID, callSid: CALL_SID } });

  const callbacks = await h.app.waitFor((r) => r.filter((x) => x.path === '/streams').length >= 2);
  assert.deepEqual(callbacks.map((r) => r.params.StreamEvent), ['stream-started', 'stream-stopped']);
  for (const r of callbacks) {
    assert.equal(r.signatureValid, true);
    assert.equal(r.params.StreamSid, sid);
    assert.equal(r.params.StreamName, 'fork');
    assert.equal(r.params.CallSid, CALL_SID);
  }
  assert.deepEqual(h.notes, []);
});

test('<Connect><Stream>: the app\'s audio plays to the caller, its mark comes back once played, keys reach it, and its close goes on to action', async (t) => {
  const h = await harness(t);
  const ws = await streamApp(t);
  h.app.respond('/after', { body: '<Response><Hangup/></Response>' });
  const heard = h.listen();
  const [connect] = h.twiml(`<Response><Connect action="${h.app.url}/after"><Stream url="${ws.url}/agent"/></Connect></Response>`);
  const running = runVerb(connect!, h.ctx);
  const c = await ws.connection();
  const sid = (await c.next('start')).start!.streamSid;

  const sentAt = performance.now();
  for (const m of mediaMessages(sid, tone([1000], 600))) c.send(m);
  c.send({ event: 'mark', streamSid: sid, mark: { name: 'greeting-done' } });
  const mark = await c.next('mark');
  const markAfterMs = performance.now() - sentAt;
  assert.deepEqual(mark.mark, { name: 'greeting-done' });
  assert.ok(markAfterMs >= 450, `the mark came back ${markAfterMs.toFixed(0)} ms after 600 ms of audio was sent: before it played`);
  const loud = heard.frames.filter((f) => Math.abs(zeroCrossingHz(f) - 1000) < 100);
  assert.ok(loud.length >= 25, `the caller heard ${loud.length} frames of the app's 1 kHz tone`);

  await h.caller.sendDigits('5');
  const dtmf = await c.next('dtmf');
  assert.deepEqual(dtmf.dtmf, { track: 'inbound_track', digit: '5' });

  let settled = false;
  void running.then(() => (settled = true));
  await sleep(200);
  assert.equal(settled, false, '<Connect> holds the call while the app keeps the socket open');
  c.socket.close(1000);
  const outcome = await running;
  assert.equal(outcome.next, 'document');
  if (outcome.next === 'document') assert.deepEqual(outcome.verbs.map((v) => v.verb), ['Hangup']);
  const [after] = h.app.requests.filter((r) => r.path === '/after');
  assert.equal(after?.signatureValid, true);
  assert.equal(after?.params.CallSid, CALL_SID);
});

test('<Connect><Stream>: clear empties the queued audio at once and answers the marks it dropped', async (t) => {
  const h = await harness(t);
  const ws = await streamApp(t);
  const heard = h.listen();
  const [connect, next] = h.twiml(`<Response><Connect><Stream url="${ws.url}/"/></Connect><Pause length="0"/></Response>`);
  const running = runVerb(connect!, h.ctx);
  const c = await ws.connection();
  const sid = (await c.next('start')).start!.streamSid;
  for (const m of mediaMessages(sid, tone([700], 5_000))) c.send(m);
  c.send({ event: 'mark', streamSid: sid, mark: { name: 'long-answer' } });
  await waitUntil(() => heard.frames.some((f) => Math.abs(zeroCrossingHz(f) - 700) < 80), 3_000, 'the caller to hear the answer');
  const clearedAt = performance.now();
  c.send({ event: 'clear', streamSid: sid });
  const mark = await c.next('mark', 2_000);
  assert.equal(mark.mark!.name, 'long-answer');
  assert.ok(performance.now() - clearedAt < 1_000, 'the dropped mark came back right after clear, not after 5 s of audio');
  const before = heard.frames.filter((f, i) => heard.at[i]! < clearedAt && Math.abs(zeroCrossingHz(f) - 700) < 80).length;
  await sleep(500);
  const after = heard.frames.filter((f, i) => heard.at[i]! > clearedAt + 100 && Math.abs(zeroCrossingHz(f) - 700) < 80).length;
  assert.ok(before > 0);
  assert.equal(after, 0, 'the caller no longer hears the cleared audio');
  c.socket.close(1000);
  assert.deepEqual(await running, { next: 'continue' }); // no action: the next verb follows
  assert.ok(next);
});

test('streams that cannot connect are notifications with Twilio\'s codes, and the call goes on', async (t) => {
  const h = await harness(t);
  const refusing = createServer((_req, res) => res.writeHead(404).end('no websockets here'));
  await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', () => r()));
  t.after(() => new Promise<void>((r) => refusing.close(() => r())));
  const port = (refusing.address() as { port: number }).port;
  const [notWs, http, bad] = h.twiml(
    `<Response><Connect><Stream url="ws://127.0.0.1:${port}/media" statusCallback="${h.app.url}/streams"/></Connect>` +
      `<Start><Stream url="https://app.example.com/media"/></Start><Start><Stream url="wss://bad host/"/></Start></Response>`,
  );
  const t0 = performance.now();
  assert.deepEqual(await runVerb(notWs!, h.ctx), { next: 'continue' });
  assert.ok(performance.now() - t0 < 1_500, 'a refused handshake does not hold the call');
  await runVerb(http!, h.ctx);
  await runVerb(bad!, h.ctx);
  await waitUntil(() => h.notes.length >= 3, 2_000, 'three notifications');
  assert.deepEqual(h.notes.map((n) => n.code).sort(), [31920, 31922, 31923]);
  const [error] = await h.app.waitFor((r) => r.some((x) => x.path === '/streams'));
  assert.equal(error!.params.StreamEvent, 'stream-error');
  assert.match(error!.params.StreamError ?? '', /handshake/);
});

test('<Start><Stream>: an app that talks back on a one-way stream gets one 31924 warning; the hang-up stops the stream', async (t) => {
  const h = await harness(t);
  const ws = await streamApp(t);
  const [start] = h.twiml(`<Response><Start><Stream url="${ws.url}/"/></Start></Response>`);
  await runVerb(start!, h.ctx);
  const c = await ws.connection();
  const sid = (await c.next('start')).start!.streamSid;
  for (const m of mediaMessages(sid, tone([500], 100))) c.send(m);
  await waitUntil(() => h.notes.length > 0, 2_000, 'the warning');
  await sleep(100);
  assert.deepEqual(h.notes.map((n) => n.code), [31924]);
  h.hangUp();
  await c.next('stop', 2_000);
  await waitUntil(() => c.closed, 2_000, 'the socket to close with the call');
});

test('<Start><Stream track="both_tracks">: the app gets what the caller says as inbound and what the caller hears as outbound, each numbered', async (t) => {
  const h = await harness(t);
  const ws = await streamApp(t);
  const [start] = h.twiml(`<Response><Start><Stream url="${ws.url}/" track="both_tracks"/></Start></Response>`);
  await runVerb(start!, h.ctx);
  const c = await ws.connection();
  assert.deepEqual((await c.next('start')).start!.tracks, ['inbound', 'outbound']);
  void h.caller.play(tone([440], 600));
  await h.media.play(tone([900], 600));
  await sleep(200);
  h.ctx.streams.stop();
  await waitUntil(() => c.closed, 3_000, 'the socket to close');
  const of = (track: string) => c.messages.filter((m) => m.event === 'media' && m.media!.track === track);
  for (const track of ['inbound', 'outbound']) {
    const frames = of(track);
    assert.ok(frames.length >= 30, `${frames.length} ${track} frames`);
    assert.deepEqual(frames.map((m) => Number(m.media!.chunk)), frames.map((_, i) => i + 1), `${track} chunks count from 1`);
  }
  const inbound = inboundAudio(of('inbound'));
  const outbound = inboundAudio(of('outbound'));
  assert.ok(powerAt(inbound, 440) > 20 * powerAt(inbound, 900), 'inbound is the caller');
  assert.ok(powerAt(outbound, 900) > 20 * powerAt(outbound, 440), 'outbound is what tandem played');
});
