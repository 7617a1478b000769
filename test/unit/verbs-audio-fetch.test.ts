// AudioFetcher, the part of <Play> that turns a URL into 8 kHz audio: content sniffing, size limit, one download
// for concurrent plays, and the MP3 path through a configured decoder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tone, writeWav } from '../../protocols/rtp/index.js';
import { AudioFetcher, AudioFetchError } from '../../src/voice/audio-fetch.js';
import { audioServer, zeroCrossingHz } from './verbs-harness.js';

test('AudioFetcher: a WAV served as application/octet-stream is recognised by its bytes; concurrent fetches download once', async (t) => {
  const pcm = tone([800], 300, 0.5);
  const files = await audioServer(t, { '/a': { type: 'application/octet-stream', body: writeWav(pcm) } });
  const fetcher = new AudioFetcher({ timeoutMs: 2_000 });
  const [x, y] = await Promise.all([fetcher.fetch(`${files.url}/a`), fetcher.fetch(`${files.url}/a`)]);
  assert.deepEqual(x, pcm);
  assert.equal(x, y);
  assert.equal(files.hits.get('/a'), 1);
  assert.equal(fetcher.stats().cachedUrls, 1);
});

test('AudioFetcher: files over maxBytes and refused connections fail with their Twilio codes', async (t) => {
  const files = await audioServer(t, { '/big.wav': { type: 'audio/wav', body: writeWav(tone([800], 2000)) } });
  const fetcher = new AudioFetcher({ timeoutMs: 2_000, maxBytes: 10_000 });
  await assert.rejects(fetcher.fetch(`${files.url}/big.wav`), (e) => e instanceof AudioFetchError && e.code === 11200 && /limit/.test(e.message));
  await assert.rejects(fetcher.fetch('http://127.0.0.1:1/x.wav'), (e) => e instanceof AudioFetchError && e.code === 11205);
  await assert.rejects(fetcher.fetch('ftp://127.0.0.1/x.wav'), (e) => e instanceof AudioFetchError && e.code === 11200);
});

test('AudioFetcher: with an MP3 decoder configured, audio/mpeg is decoded, downmixed and resampled to 8 kHz', async (t) => {
  const files = await audioServer(t, { '/s.mp3': { type: 'audio/mpeg', body: Buffer.from([0xff, 0xfb, 0x90, 0x00, 1, 2, 3]) } });
  // Stands in for the MP3 package (which returns planar float channels): 48 kHz stereo, 500 Hz, 0.5 s.
  const rate = 48000;
  const left = new Float32Array(rate / 2).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 500 * i) / rate));
  const seen: number[] = [];
  const fetcher = new AudioFetcher({
    mp3: async (bytes) => {
      seen.push(bytes.length);
      return { channelData: [left, left], sampleRate: rate };
    },
  });
  const pcm = await fetcher.fetch(`${files.url}/s.mp3`);
  assert.deepEqual(seen, [7], 'the decoder got the downloaded bytes');
  assert.equal(pcm.length, 4000);
  assert.ok(Math.abs(zeroCrossingHz(pcm) - 500) < 10);
});

test('AudioFetcher: a real MP3 (encoded by lame at 44.1 kHz stereo) plays as the same tone at 8 kHz', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, readFileSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'tandem-mp3-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'in.wav'), writeWav(tone([700], 1000, 0.5)));
  // lame (Debian package, installed by the test setup) makes a genuine MPEG-1 Layer III file.
  execFileSync('lame', ['--quiet', '--resample', '44.1', '-m', 'j', join(dir, 'in.wav'), join(dir, 'out.mp3')]);
  const files = await audioServer(t, { '/prompt.mp3': { type: 'audio/mpeg', body: readFileSync(join(dir, 'out.mp3')) } });
  const pcm = await new AudioFetcher({ timeoutMs: 5_000 }).fetch(`${files.url}/prompt.mp3`);
  assert.ok(pcm.length >= 7600 && pcm.length <= 9600, `about a second of audio, got ${pcm.length} samples`);
  assert.ok(Math.abs(zeroCrossingHz(pcm.subarray(800, 7200)) - 700) < 15, `700 Hz tone, got ${zeroCrossingHz(pcm.subarray(800, 7200))}`);
});
