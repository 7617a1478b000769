import { test } from 'node:test';
import assert from 'node:assert/strict';
import alawmulaw from 'alawmulaw';
import { decodeWav, readWav, resample, writeWav, WavError } from '../../protocols/rtp/wav.js';
import { rms, tone } from '../../protocols/rtp/tone.js';

function wavHeader(tag: number, channels: number, rate: number, bits: number, dataBytes: number, declaredData = dataBytes): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(tag, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE((rate * channels * bits) / 8, 28);
  h.writeUInt16LE((channels * bits) / 8, 32);
  h.writeUInt16LE(bits, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(declaredData, 40);
  return h;
}

/** Frequency of the strongest sine, by counting zero crossings. */
function frequency(pcm: Int16Array, rate: number): number {
  let crossings = 0;
  for (let i = 1; i < pcm.length; i++) if ((pcm[i - 1]! < 0) !== (pcm[i]! < 0)) crossings++;
  return (crossings / 2) * (rate / pcm.length);
}

test('8 kHz mono 16-bit WAV round-trips sample for sample', () => {
  const pcm = Int16Array.from([0, 1, -1, 32767, -32768, 1234, -4321]);
  const file = writeWav(pcm);
  assert.equal(file.length, 44 + pcm.length * 2);
  assert.deepEqual(decodeWav(file).info, { format: 'pcm', sampleRate: 8000, channels: 1, bitsPerSample: 16 });
  assert.deepEqual(readWav(file), pcm);
});

test('a 44.1 kHz stereo file comes out as 8 kHz mono with the same pitch and length', () => {
  const rate = 44100;
  const n = rate; // one second
  const data = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) {
    const s = Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 10000);
    data.writeInt16LE(s, i * 4);
    data.writeInt16LE(s, i * 4 + 2);
  }
  const pcm = readWav(Buffer.concat([wavHeader(1, 2, rate, 16, data.length), data]));
  assert.ok(Math.abs(pcm.length - 8000) <= 1, `length ${pcm.length}`);
  assert.ok(Math.abs(frequency(pcm, 8000) - 440) < 5, `frequency ${frequency(pcm, 8000)}`);
  assert.ok(rms(pcm) > 6000, `level ${rms(pcm)}`); // a 10000-peak sine has rms ≈ 7071
});

test('μ-law (tag 7) and A-law (tag 6) files decode to the same audio', () => {
  const src = tone([1000], 200, 0.5);
  const ulaw = Buffer.from(alawmulaw.mulaw.encode(src));
  const alaw = Buffer.from(alawmulaw.alaw.encode(src));
  const fromU = readWav(Buffer.concat([wavHeader(7, 1, 8000, 8, ulaw.length), ulaw]));
  const fromA = readWav(Buffer.concat([wavHeader(6, 1, 8000, 8, alaw.length), alaw]));
  assert.equal(fromU.length, src.length);
  for (let i = 0; i < src.length; i++) {
    assert.ok(Math.abs(fromU[i]! - src[i]!) <= Math.abs(src[i]!) / 16 + 8, `μ-law sample ${i}`);
    assert.ok(Math.abs(fromA[i]! - src[i]!) <= Math.abs(src[i]!) / 16 + 16, `A-law sample ${i}`);
  }
});

test('a streamed WAV declaring more data than it holds (espeak-ng --stdout) reads what is there', () => {
  const data = Buffer.alloc(2 * 2205);
  const pcm = readWav(Buffer.concat([wavHeader(1, 1, 22050, 16, data.length, 0x7ffff000), data]));
  assert.equal(pcm.length, 800);
});

test('upsampling interpolates and keeps duration', () => {
  assert.deepEqual(resample(Int16Array.from([0, 100, 200, 300]), 4000, 8000), Int16Array.from([0, 50, 100, 150, 200, 250, 300, 300]));
});

test('files that are not usable WAV are refused with a reason', () => {
  assert.throws(() => readWav(Buffer.from('not a wav file at all')), WavError);
  assert.throws(() => readWav(Buffer.concat([wavHeader(2, 1, 8000, 4, 0)])), /format tag 2/);
});
