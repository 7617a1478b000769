// <Say>, <Play> and <Pause> as the caller hears them, over real RTP on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { concat, TextToSpeech, tone, writeWav } from '../../protocols/rtp/index.js';
import { SILENT_MS_PER_CHAR } from '../../protocols/rtp/tts.js';
import { runVerb } from '../../actors/call/verbs/index.js';
import { audioServer, harness, loudMs, zeroCrossingHz } from './verbs-harness.js';

test('Say: the call is answered and the caller hears speech as long as the synthesized audio', async (t) => {
  const h = await harness(t);
  const heard = h.listen();
  const [say] = h.twiml('<Response><Say voice="alice">Thank you for calling tandem.</Say></Response>');
  const expected = await h.ctx.tts.synthesize('Thank you for calling tandem.', { voice: 'alice', language: 'en-US' });
  const startedAt = performance.now();
  assert.deepEqual(await runVerb(say!, h.ctx), { next: 'continue' });
  const tookMs = performance.now() - startedAt;
  await sleep(80);
  assert.deepEqual(h.events, ['answer']);
  const speechMs = (expected.length / 8000) * 1000;
  assert.ok(speechMs > 800, `espeak-ng made ${speechMs} ms of speech`);
  assert.ok(tookMs >= speechMs - 60, `Say returned after ${tookMs} ms, the speech is ${speechMs} ms`);
  const receivedMs = heard.frames.length * 20;
  assert.ok(Math.abs(receivedMs - speechMs) <= 60, `caller received ${receivedMs} ms of audio for ${speechMs} ms of speech`);
  assert.ok(loudMs(heard.frames) > speechMs * 0.4, `only ${loudMs(heard.frames)} ms of it was audible`);
});

test('Say with SSML: the caller hears the words with the <break> between them as silence', async (t) => {
  const h = await harness(t);
  const plain = await h.ctx.tts.synthesize('One two.', { voice: 'man', language: 'en-US' });
  const heard = h.listen();
  const [say] = h.twiml('<Response><Say>One <break time="2s"/> two.</Say></Response>');
  const startedAt = performance.now();
  await runVerb(say!, h.ctx);
  const tookMs = performance.now() - startedAt;
  const plainMs = (plain.length / 8000) * 1000;
  assert.ok(tookMs - plainMs > 1_700, `the Say took ${tookMs} ms, the words alone ${plainMs} ms`);
  // Loud, then a quiet stretch of about the break's length, then loud again.
  const loud = heard.frames.map((f) => loudMs([f]) > 0);
  const first = loud.indexOf(true);
  const last = loud.lastIndexOf(true);
  let longestQuiet = 0;
  for (let i = first, run = 0; i <= last; i++) {
    run = loud[i] ? 0 : run + 1;
    longestQuiet = Math.max(longestQuiet, run);
  }
  assert.ok(longestQuiet * 20 >= 1_700, `the longest quiet between the words was ${longestQuiet * 20} ms`);
});

test('Say loop="2" speaks twice; loop="0" speaks until the call ends', async (t) => {
  const h = await harness(t);
  const once = await h.ctx.tts.synthesize('One two.', { voice: 'man', language: 'en-US' });
  const onceMs = (once.length / 8000) * 1000;
  const heard = h.listen();
  const [twice] = h.twiml('<Response><Say loop="2">One two.</Say></Response>');
  await runVerb(twice!, h.ctx);
  await sleep(80);
  assert.ok(Math.abs(heard.frames.length * 20 - 2 * onceMs) <= 80, `heard ${heard.frames.length * 20} ms for 2 × ${onceMs} ms`);

  const [forever] = h.twiml('<Response><Say loop="0">One two.</Say></Response>');
  const running = runVerb(forever!, h.ctx);
  await sleep(onceMs * 2.5);
  const before = heard.frames.length;
  h.hangUp();
  assert.deepEqual(await running, { next: 'hangup', reason: 'remote' });
  await sleep(100);
  assert.ok(before * 20 > 4 * onceMs, 'still speaking after more than two rounds');
  assert.ok(heard.frames.length - before <= 4, 'speech stops promptly at hang-up');
});

test('Play: a WAV served over HTTP (44.1 kHz stereo) reaches the caller as the same tone at 8 kHz, fetched once for two plays', async (t) => {
  const h = await harness(t);
  // 600 Hz for 0.6 s at 44.1 kHz, stereo, written by hand: Play must resample and downmix.
  const rate = 44100;
  const n = Math.round(rate * 0.6);
  const wav = Buffer.alloc(44 + n * 4);
  wav.write('RIFF', 0, 'latin1'); wav.writeUInt32LE(36 + n * 4, 4); wav.write('WAVE', 8, 'latin1');
  wav.write('fmt ', 12, 'latin1'); wav.writeUInt32LE(16, 16); wav.writeUInt16LE(1, 20); wav.writeUInt16LE(2, 22);
  wav.writeUInt32LE(rate, 24); wav.writeUInt32LE(rate * 4, 28); wav.writeUInt16LE(4, 32); wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'latin1'); wav.writeUInt32LE(n * 4, 40);
  for (let i = 0; i < n; i++) {
    const v = Math.round(Math.sin((2 * Math.PI * 600 * i) / rate) * 12000);
    wav.writeInt16LE(v, 44 + i * 4);
    wav.writeInt16LE(v, 46 + i * 4);
  }
  const files = await audioServer(t, { '/tone.wav': { type: 'audio/x-wav', body: wav } });
  const heard = h.listen();
  const [play] = h.twiml(`<Response><Play loop="2">${files.url}/tone.wav</Play></Response>`);
  assert.deepEqual(await runVerb(play!, h.ctx), { next: 'continue' });
  await sleep(80);
  assert.deepEqual(h.events, ['answer']);
  assert.ok(Math.abs(heard.frames.length - 60) <= 2, `heard ${heard.frames.length} frames of 2 × 0.6 s`);
  const pcm = concat(heard.frames);
  const hz = zeroCrossingHz(pcm.subarray(800, pcm.length - 800));
  assert.ok(Math.abs(hz - 600) < 15, `heard ${hz} Hz`);
  assert.ok(loudMs(heard.frames) >= 1100);

  await runVerb(play!, h.ctx);
  assert.equal(files.hits.get('/tone.wav'), 1, 'the second Play is served from the cache');
});

test('Play: a missing file is 11200, a non-audio type and an MP3 with no audio frames are 13420; the call goes on', async (t) => {
  const h = await harness(t);
  const files = await audioServer(t, {
    '/page.html': { type: 'text/html', body: Buffer.from('<html></html>') },
    '/song.mp3': { type: 'audio/mpeg', body: Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 0]) },
  });
  for (const [path, code] of [['/missing.wav', 11200], ['/page.html', 13420], ['/song.mp3', 13420]] as const) {
    const [play] = h.twiml(`<Response><Play>${files.url}${path}</Play></Response>`);
    assert.deepEqual(await runVerb(play!, h.ctx), { next: 'continue' });
    const note = h.notes.at(-1);
    assert.equal(note?.code, code, `${path}: ${JSON.stringify(note)}`);
    assert.ok(note!.detail.includes(path));
  }
  assert.match(h.notes.at(-1)!.detail, /MP3/);
});

test('Play digits: the caller receives the keys in order, with w as a half-second wait', async (t) => {
  const h = await harness(t);
  const keys: { digit: string; at: number }[] = [];
  h.caller.on('dtmf', (digit) => keys.push({ digit, at: performance.now() }));
  const [play] = h.twiml('<Response><Play digits="12w#"/></Response>');
  assert.deepEqual(await runVerb(play!, h.ctx), { next: 'continue' });
  await sleep(100);
  assert.deepEqual(keys.map((k) => k.digit), ['1', '2', '#']);
  const gap12 = keys[1]!.at - keys[0]!.at;
  const gap2h = keys[2]!.at - keys[1]!.at;
  assert.ok(gap2h - gap12 >= 400, `the w adds half a second: ${gap12} ms then ${gap2h} ms`);
});

test('Pause: silence for its length without answering; a hang-up ends it at once', async (t) => {
  const h = await harness(t);
  const [pause] = h.twiml('<Response><Pause length="1"/></Response>');
  const t0 = performance.now();
  assert.deepEqual(await runVerb(pause!, h.ctx), { next: 'continue' });
  const took = performance.now() - t0;
  assert.ok(took >= 990 && took < 1800, `paused ${took} ms`);
  assert.deepEqual(h.events, [], 'a Pause does not answer the call');

  const [long] = h.twiml('<Response><Pause length="30"/></Response>');
  const t1 = performance.now();
  const running = runVerb(long!, h.ctx);
  await sleep(100);
  h.hangUp();
  assert.deepEqual(await running, { next: 'hangup', reason: 'remote' });
  assert.ok(performance.now() - t1 < 500);
});

test('Play tone WAV at 8 kHz: what the caller records matches what was served (RMS within G.711 error)', async (t) => {
  const h = await harness(t);
  const sent = tone([1000], 500, 0.5);
  const files = await audioServer(t, { '/beep.wav': { type: 'audio/wav', body: writeWav(sent), headers: { 'cache-control': 'no-store' } } });
  const heard = h.listen();
  const outcome = await h.runCall(h.twiml(`<Response><Play>${files.url}/beep.wav</Play><Play>${files.url}/beep.wav</Play></Response>`));
  assert.deepEqual(outcome.outcome, { next: 'end-of-document' });
  await sleep(80);
  assert.equal(files.hits.get('/beep.wav'), 2, 'Cache-Control: no-store is fetched every time');
  const pcm = concat(heard.frames);
  const rmsOf = (x: Int16Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
  assert.ok(Math.abs(rmsOf(pcm.subarray(0, 4000)) - rmsOf(sent)) / rmsOf(sent) < 0.08);
});

test('Say without espeak-ng: one clear warning, and silence as long as the speech would be', async (t) => {
  const h = await harness(t);
  const warnings: string[] = [];
  const tts = new TextToSpeech({ cacheDir: join(h.dataDir, 'no-espeak'), espeakPath: join(h.dataDir, 'no-such-espeak-ng'), logger: { warn: (m) => warnings.push(m) } });
  const ctx = { ...h.ctx, tts };
  const heard = h.listen();
  const text = 'Your call is important to us.';
  const [say] = h.twiml(`<Response><Say>${text}</Say><Say>${text}</Say></Response>`);
  const t0 = performance.now();
  assert.deepEqual(await runVerb(say!, ctx), { next: 'continue' });
  await runVerb(say!, ctx);
  const took = performance.now() - t0;
  const expectedMs = 2 * text.length * SILENT_MS_PER_CHAR;
  assert.ok(took >= expectedMs - 60 && took < expectedMs + 1000, `took ${took} ms for ${expectedMs} ms of silence`);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /espeak-ng/);
  await sleep(60);
  assert.equal(loudMs(heard.frames, 50), 0, 'the caller hears silence');
});
