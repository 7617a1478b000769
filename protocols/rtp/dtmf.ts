// RFC 4733 telephone-events: the 4-byte payload, a receiver that reports each digit once, and the
// per-tick plan a sender follows to press a string of digits.

export type DtmfDigit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D';

const DIGITS: readonly DtmfDigit[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D'];

export function eventToDigit(event: number): DtmfDigit | undefined {
  return DIGITS[event];
}

export function digitToEvent(digit: string): number | undefined {
  const i = DIGITS.indexOf(digit.toUpperCase() as DtmfDigit);
  return i < 0 ? undefined : i;
}

export interface TelephoneEvent {
  event: number;
  end: boolean;
  /** 0–63, in -dBm0 (so 10 is louder than 20). */
  volume: number;
  /** In RTP timestamp units (1/8000 s) since the event's timestamp. */
  duration: number;
}

export const TELEPHONE_EVENT_LENGTH = 4;

export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent | undefined {
  if (payload.length < TELEPHONE_EVENT_LENGTH) return undefined;
  const flags = payload[1] as number;
  return {
    event: payload[0] as number,
    end: (flags & 0x80) !== 0,
    volume: flags & 0x3f,
    duration: (((payload[2] as number) << 8) | (payload[3] as number)) >>> 0,
  };
}

export function writeTelephoneEvent(buf: Uint8Array, offset: number, ev: TelephoneEvent): void {
  buf[offset] = ev.event & 0xff;
  buf[offset + 1] = (ev.end ? 0x80 : 0) | (ev.volume & 0x3f);
  buf[offset + 2] = (ev.duration >> 8) & 0xff;
  buf[offset + 3] = ev.duration & 0xff;
}

/**
 * Reports each digit once. Every packet of an event shares (ssrc, timestamp) and the end packet is
 * sent three times, so a digit counts when the first E=1 packet of a (ssrc, timestamp) arrives.
 */
export class DtmfDetector {
  private readonly seen = new Set<string>();
  /** Events from a few seconds back are all that can still be retransmitted. */
  private static readonly MEMORY = 64;

  /** Feed every telephone-event payload; returns the digit when this packet completes a new one. */
  onPacket(ssrc: number, timestamp: number, payload: Uint8Array): DtmfDigit | undefined {
    const ev = parseTelephoneEvent(payload);
    if (!ev || !ev.end) return undefined;
    const digit = eventToDigit(ev.event);
    if (digit === undefined) return undefined;
    const key = `${ssrc >>> 0}:${timestamp >>> 0}`;
    if (this.seen.has(key)) return undefined;
    this.seen.add(key);
    if (this.seen.size > DtmfDetector.MEMORY) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return digit;
  }
}

export interface DtmfSendOptions {
  /** How long each key is held, in ms (rounded to 20 ms packets). Default 160. */
  toneMs?: number;
  /** Quiet time after each key, in ms. Default 100. */
  gapMs?: number;
  /** RFC 4733 volume, 0–63 -dBm0. Default 10. */
  volume?: number;
}

/** What one 20 ms tick sends while pressing digits: an event packet, or nothing. */
export type DtmfStep =
  | { kind: 'event'; event: TelephoneEvent; /** first packet of the event: M=1 and a new timestamp */ first: boolean }
  | { kind: 'pause' };

export const PACKET_MS = 20;
const SAMPLES_PER_PACKET = 160;

/**
 * Turns a Twilio-style digit string (0–9, *, #, A–D; 'w' pauses 0.5 s, 'W' 1 s) into one step per
 * 20 ms tick. Throws RangeError on any other character, before anything is sent.
 */
export function planDigits(digits: string, opts: DtmfSendOptions = {}): DtmfStep[] {
  const toneTicks = Math.max(1, Math.round((opts.toneMs ?? 160) / PACKET_MS));
  const gapTicks = Math.max(0, Math.round((opts.gapMs ?? 100) / PACKET_MS));
  const volume = opts.volume ?? 10;
  const steps: DtmfStep[] = [];
  const pause = (ms: number) => {
    for (let i = 0; i < ms / PACKET_MS; i++) steps.push({ kind: 'pause' });
  };
  for (const ch of digits) {
    if (ch === 'w') { pause(500); continue; }
    if (ch === 'W') { pause(1000); continue; }
    const event = digitToEvent(ch);
    if (event === undefined) throw new RangeError(`"${ch}" is not a DTMF digit (0-9, *, #, A-D, w, W)`);
    for (let t = 1; t <= toneTicks; t++) {
      steps.push({ kind: 'event', first: t === 1, event: { event, end: false, volume, duration: t * SAMPLES_PER_PACKET } });
    }
    // RFC 4733 §2.5.1.4: the end packet goes out three times so one loss does not lose the digit.
    for (let r = 0; r < 3; r++) {
      steps.push({ kind: 'event', first: false, event: { event, end: true, volume, duration: toneTicks * SAMPLES_PER_PACKET } });
    }
    pause(gapTicks * PACKET_MS);
  }
  return steps;
}
