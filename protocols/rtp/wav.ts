// WAV files in and out of the 8 kHz mono 16-bit form the media path works in.
import alawmulaw from 'alawmulaw';

export class WavError extends Error {
  override name = 'WavError';
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_ALAW = 6;
const FORMAT_MULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;

export interface WavInfo {
  format: 'pcm' | 'float' | 'alaw' | 'mulaw';
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
}

/** Reads a WAV file (PCM 8/16/24/32-bit, 32-bit float, μ-law or A-law; any rate and channel count) as 8 kHz mono. */
export function readWav(file: Uint8Array): Int16Array {
  const { info, samples } = decodeWav(file);
  return resample(downmix(samples, info.channels), info.sampleRate, 8000);
}

/** Reads a WAV file as interleaved 16-bit samples at its own rate, with its format. */
export function decodeWav(file: Uint8Array): { info: WavInfo; samples: Int16Array } {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') {
    throw new WavError('not a RIFF/WAVE file');
  }
  let info: WavInfo | undefined;
  let data: Buffer | undefined;
  for (let off = 12; off + 8 <= buf.length; ) {
    const id = buf.toString('latin1', off, off + 4);
    // Streamed WAVs (espeak-ng --stdout) declare a huge data size they never deliver: clamp to the file.
    const size = Math.min(buf.readUInt32LE(off + 4), buf.length - off - 8);
    const body = buf.subarray(off + 8, off + 8 + size);
    if (id === 'fmt ') info = parseFmt(body);
    else if (id === 'data') data = body;
    if (info && data) break;
    off += 8 + size + (size % 2);
  }
  if (!info) throw new WavError('WAV file has no fmt chunk');
  if (!data) throw new WavError('WAV file has no data chunk');
  return { info, samples: toInt16(data, info) };
}

function parseFmt(body: Buffer): WavInfo {
  if (body.length < 16) throw new WavError('fmt chunk too short');
  let tag = body.readUInt16LE(0);
  const channels = body.readUInt16LE(2);
  const sampleRate = body.readUInt32LE(4);
  const bitsPerSample = body.readUInt16LE(14);
  if (tag === FORMAT_EXTENSIBLE && body.length >= 26) tag = body.readUInt16LE(24); // first two bytes of the SubFormat GUID
  if (channels < 1) throw new WavError('WAV file declares no channels');
  if (sampleRate < 1000 || sampleRate > 384000) throw new WavError(`unsupported sample rate ${sampleRate}`);
  if (tag === FORMAT_PCM && [8, 16, 24, 32].includes(bitsPerSample)) return { format: 'pcm', sampleRate, channels, bitsPerSample };
  if (tag === FORMAT_FLOAT && bitsPerSample === 32) return { format: 'float', sampleRate, channels, bitsPerSample };
  if (tag === FORMAT_MULAW && bitsPerSample === 8) return { format: 'mulaw', sampleRate, channels, bitsPerSample };
  if (tag === FORMAT_ALAW && bitsPerSample === 8) return { format: 'alaw', sampleRate, channels, bitsPerSample };
  throw new WavError(`unsupported WAV format tag ${tag} with ${bitsPerSample} bits per sample (need PCM, float, μ-law or A-law)`);
}

function toInt16(data: Buffer, info: WavInfo): Int16Array {
  if (info.format === 'mulaw') return alawmulaw.mulaw.decode(data);
  if (info.format === 'alaw') return alawmulaw.alaw.decode(data);
  const bytes = info.bitsPerSample / 8;
  const n = Math.floor(data.length / bytes);
  const out = new Int16Array(n);
  if (info.format === 'float') {
    for (let i = 0; i < n; i++) out[i] = Math.round(Math.max(-1, Math.min(1, data.readFloatLE(i * 4))) * 32767);
    return out;
  }
  for (let i = 0; i < n; i++) {
    const o = i * bytes;
    if (bytes === 1) out[i] = ((data[o] as number) - 128) << 8; // 8-bit WAV is unsigned
    else if (bytes === 2) out[i] = data.readInt16LE(o);
    else if (bytes === 3) out[i] = data.readIntLE(o, 3) >> 8;
    else out[i] = data.readInt32LE(o) >> 16;
  }
  return out;
}

/** Averages interleaved channels into one. */
export function downmix(interleaved: Int16Array, channels: number): Int16Array {
  if (channels === 1) return interleaved;
  const n = Math.floor(interleaved.length / channels);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[i * channels + c] as number;
    out[i] = Math.round(sum / channels);
  }
  return out;
}

/**
 * Changes sample rate. Downsampling averages the input samples under each output sample (a box
 * filter, enough to keep most aliasing out of telephone audio); upsampling interpolates linearly.
 */
export function resample(input: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate) return input;
  const n = Math.floor((input.length * toRate) / fromRate);
  const out = new Int16Array(n);
  const step = fromRate / toRate;
  for (let i = 0; i < n; i++) {
    const pos = i * step;
    if (step > 1) {
      const start = Math.floor(pos);
      const end = Math.min(input.length, Math.max(start + 1, Math.floor(pos + step)));
      let sum = 0;
      for (let j = start; j < end; j++) sum += input[j] as number;
      out[i] = Math.round(sum / (end - start));
    } else {
      const j = Math.floor(pos);
      const frac = pos - j;
      const a = input[j] as number;
      const b = input[Math.min(j + 1, input.length - 1)] as number;
      out[i] = Math.round(a + (b - a) * frac);
    }
  }
  return out;
}

/** A canonical 44-byte-header WAV of 16-bit PCM (8 kHz mono unless told otherwise; more channels interleaved). */
export function writeWav(pcm: Int16Array, sampleRate = 8000, channels = 1): Buffer {
  const dataBytes = pcm.length * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'latin1');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'latin1');
  buf.write('fmt ', 12, 'latin1');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(FORMAT_PCM, 20);
  buf.writeUInt16LE(channels, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 2 * channels, 28);
  buf.writeUInt16LE(2 * channels, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'latin1');
  buf.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < pcm.length; i++) buf.writeInt16LE(pcm[i] as number, 44 + i * 2);
  return buf;
}

/** Duration in seconds of 8 kHz audio, for RecordingDuration and friends. */
export function durationSeconds(pcm: Int16Array, sampleRate = 8000): number {
  return pcm.length / sampleRate;
}
