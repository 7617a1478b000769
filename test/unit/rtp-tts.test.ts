import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { espeakVoice, SILENT_MS_PER_CHAR, TextToSpeech } from '../../protocols/rtp/tts.js';
import { rms } from '../../protocols/rtp/tone.js';

test('Twilio voices and languages map to espeak-ng voices', () => {
  assert.equal(espeakVoice(), 'en-us');
  assert.equal(espeakVoice('man', 'en-GB'), 'en-gb');
  assert.equal(espeakVoice('woman', 'fr-FR'), 'fr-fr+f3');
  assert.equal(espeakVoice('alice', 'es-ES'), 'es+f3');
  assert.equal(espeakVoice('alice', 'de-DE'), 'de+f3');
  assert.equal(espeakVoice('Polly.Joanna', 'en-US'), 'en-us+f3');
  assert.equal(espeakVoice('Polly.Matthew-Neural', 'en-US'), 'en-us');
  assert.equal(espeakVoice('Google.es-MX-Standard-A'), 'es-419');
  assert.equal(espeakVoice('man', 'sv-SE'), 'sv');
  assert.equal(espeakVoice('man', 'xx-YY'), 'en-us');
});

test('without espeak-ng: one warning, and silence of about the spoken length', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-tts-'));
  const warnings: string[] = [];
  const tts = new TextToSpeech({ cacheDir: dir, espeakPath: join(dir, 'no-such-espeak'), logger: { warn: (m) => warnings.push(m) } });
  const a = await tts.synthesize('Hello there');
  const b = await tts.synthesize('Second message');
  assert.equal(a.length, ('Hello there'.length * SILENT_MS_PER_CHAR * 8000) / 1000);
  assert.equal(rms(a), 0);
  assert.equal(b.length, ('Second message'.length * SILENT_MS_PER_CHAR * 8000) / 1000);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /not found.*silence.*espeak-ng/);
  assert.deepEqual(await readdir(dir), []); // silence is not cached: installing espeak-ng later takes effect
  await rm(dir, { recursive: true });
});

// espeak-ng is part of the machine contract (DESIGN.md "Running for real"; .ci installs it).
test('with espeak-ng: speech at 8 kHz, cached on disk and served from the cache', async () => {
  assert.equal(spawnSync('espeak-ng', ['--version']).status, 0, 'espeak-ng must be installed for <Say>');
  const dir = await mkdtemp(join(tmpdir(), 'tandem-tts-'));
  const tts = new TextToSpeech({ cacheDir: dir });
  const speech = await tts.synthesize('Thank you for calling', { voice: 'alice', language: 'en-GB' });
  assert.ok(speech.length > 4000 && speech.length < 40000, `length ${speech.length}`); // 0.5–5 s
  assert.ok(rms(speech) > 300, 'audible');
  const files = await readdir(dir);
  assert.equal(files.length, 1);
  // A fresh instance with a broken espeak path still answers from the cache.
  const cachedOnly = new TextToSpeech({ cacheDir: dir, espeakPath: join(dir, 'missing'), logger: { warn: () => undefined } });
  assert.deepEqual(await cachedOnly.synthesize('Thank you for calling', { voice: 'alice', language: 'en-GB' }), speech);
  await rm(dir, { recursive: true });
});

test('SSML from a <Say> is spoken by espeak-ng: a <break> is that much silence, unknown tags are skipped, not read out', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-tts-'));
  const tts = new TextToSpeech({ cacheDir: dir });
  const plain = await tts.synthesize('Hello world', { ssml: 'Hello world' });
  const paused = await tts.synthesize('Hello world', { ssml: 'Hello <break time="1500ms"/> world' });
  const gapMs = ((paused.length - plain.length) / 8000) * 1000;
  assert.ok(gapMs > 1_300 && gapMs < 1_800, `the break added ${gapMs} ms`);
  // A tag espeak-ng does not know (Amazon's) is left out: the speech is as long as without it.
  const wrapped = await tts.synthesize('Hello world', { ssml: '<amazon:effect name="whispered">Hello world</amazon:effect>' });
  assert.ok(Math.abs(wrapped.length - plain.length) < 800, `${wrapped.length} samples against ${plain.length}`);
  // Text and SSML are cached apart: the same words with and without a break are two entries.
  assert.equal((await readdir(dir)).length, 3);
  await rm(dir, { recursive: true });
});
