// Generated audio at 8 kHz: beeps, silence, DTMF tones (for peers without telephone-event), and a
// loudness measure the Record verb can use to find silence.
import type { DtmfDigit } from './dtmf.js';

export const SAMPLE_RATE = 8000;

export function samplesFor(ms: number): number {
  return Math.max(0, Math.round((ms * SAMPLE_RATE) / 1000));
}

export function silence(ms: number): Int16Array {
  return new Int16Array(samplesFor(ms));
}

/** A sum of sines at `amplitude` (0–1 of full scale, split between the tones), with 5 ms ramps so it does not click. */
export function tone(frequencies: readonly number[], ms: number, amplitude = 0.3): Int16Array {
  const n = samplesFor(ms);
  const out = new Int16Array(n);
  const ramp = Math.min(samplesFor(5), Math.floor(n / 2));
  const peak = (amplitude * 32767) / Math.max(1, frequencies.length);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (const f of frequencies) v += Math.sin((2 * Math.PI * f * i) / SAMPLE_RATE);
    const envelope = ramp === 0 ? 1 : Math.min(1, i / ramp, (n - 1 - i) / ramp);
    out[i] = Math.round(v * peak * envelope);
  }
  return out;
}

/** The beep <Record playBeep> plays: 1 kHz for half a second. */
export function beep(ms = 500, frequency = 1000): Int16Array {
  return tone([frequency], ms, 0.4);
}

const DTMF_ROWS = [697, 770, 852, 941] as const;
const DTMF_COLS = [1209, 1336, 1477, 1633] as const;
const KEYPAD = ['123A', '456B', '789C', '*0#D'] as const;

/** The in-band dual tone of a key (ITU-T Q.23). */
export function dtmfTone(digit: DtmfDigit, ms = 160): Int16Array {
  const row = KEYPAD.findIndex((r) => r.includes(digit));
  const col = row < 0 ? -1 : (KEYPAD[row] as string).indexOf(digit);
  const low = DTMF_ROWS[row];
  const high = DTMF_COLS[col];
  if (low === undefined || high === undefined) throw new RangeError(`"${digit}" is not a DTMF digit`);
  return tone([low, high], ms, 0.5);
}

/** Root-mean-square level of a frame, 0 (silence) to 32767 (full-scale square wave). */
export function rms(frame: Int16Array): number {
  if (frame.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < frame.length; i++) {
    const s = frame[i] as number;
    sum += s * s;
  }
  return Math.sqrt(sum / frame.length);
}

export function concat(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Two 8 kHz tracks that end together as one interleaved stereo track (a first, b second; silence before the later). */
export function interleaveEndAligned(a: Int16Array, b: Int16Array): Int16Array {
  const n = Math.max(a.length, b.length);
  const out = new Int16Array(n * 2);
  const offA = n - a.length;
  const offB = n - b.length;
  for (let i = 0; i < a.length; i++) out[(offA + i) * 2] = a[i]!;
  for (let i = 0; i < b.length; i++) out[(offB + i) * 2 + 1] = b[i]!;
  return out;
}

/** The sum of two 8 kHz tracks that end together (the shorter one starts later), clipped to 16 bits. */
export function mixEndAligned(a: Int16Array, b: Int16Array): Int16Array {
  const n = Math.max(a.length, b.length);
  const out = new Int16Array(n);
  const offA = n - a.length;
  const offB = n - b.length;
  for (let i = 0; i < n; i++) {
    const s = (i >= offA ? a[i - offA]! : 0) + (i >= offB ? b[i - offB]! : 0);
    out[i] = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
  }
  return out;
}
