// The Twilio Media Streams wire protocol: the JSON text messages tandem sends to a stream's WebSocket app, and the
// ones a bidirectional app may send back (media, mark, clear), parsed once into typed values.

export interface StreamStart {
  streamSid: string;
  accountSid: string;
  callSid: string;
  tracks: ('inbound' | 'outbound')[];
  customParameters: Record<string, string>;
}

/** Builds the messages of one stream, numbering them (`sequenceNumber` counts from 1 after `connected`). */
export class StreamMessages {
  private sequence = 0;

  constructor(private readonly streamSid: string) {}

  connected(): string {
    return JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' });
  }

  start(s: StreamStart): string {
    return JSON.stringify({
      event: 'start',
      sequenceNumber: this.next(),
      start: {
        accountSid: s.accountSid,
        streamSid: s.streamSid,
        callSid: s.callSid,
        tracks: s.tracks,
        customParameters: s.customParameters,
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
      streamSid: this.streamSid,
    });
  }

  /** One frame of μ-law audio: `chunk` counts frames from 1, `timestamp` is ms since the stream started. */
  media(track: 'inbound' | 'outbound', chunk: number, timestampMs: number, mulaw: Uint8Array): string {
    const payload = Buffer.from(mulaw.buffer, mulaw.byteOffset, mulaw.byteLength).toString('base64');
    return `{"event":"media","sequenceNumber":"${this.next()}","media":{"track":"${track}","chunk":"${chunk}","timestamp":"${timestampMs}","payload":"${payload}"},"streamSid":"${this.streamSid}"}`;
  }

  dtmf(digit: string): string {
    return JSON.stringify({ event: 'dtmf', streamSid: this.streamSid, sequenceNumber: this.next(), dtmf: { track: 'inbound_track', digit } });
  }

  /** The app's mark, sent back once the audio queued before it has played (or was cleared). */
  mark(name: string): string {
    return JSON.stringify({ event: 'mark', sequenceNumber: this.next(), streamSid: this.streamSid, mark: { name } });
  }

  stop(accountSid: string, callSid: string): string {
    return JSON.stringify({ event: 'stop', sequenceNumber: this.next(), streamSid: this.streamSid, stop: { accountSid, callSid } });
  }

  private next(): string {
    return String(++this.sequence);
  }
}

/** What a bidirectional stream's app may send. */
export type AppMessage =
  /** μ-law audio to play to the caller, queued behind what is already playing. */
  | { event: 'media'; mulaw: Uint8Array }
  | { event: 'mark'; name: string }
  | { event: 'clear' };

export type AppMessageResult = { ok: true; message: AppMessage } | { ok: false; problem: string };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Parses one text message from the app; anything that is not a well-formed media, mark or clear is a problem. */
export function parseAppMessage(text: string): AppMessageResult {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'a message is not JSON' };
  }
  if (typeof m !== 'object' || m === null) return { ok: false, problem: 'a message is not a JSON object' };
  const o = m as Record<string, unknown>;
  switch (o.event) {
    case 'media': {
      const payload = (o.media as Record<string, unknown> | undefined)?.payload;
      if (typeof payload !== 'string' || payload.length % 4 !== 0 || !BASE64.test(payload)) {
        return { ok: false, problem: 'a media message needs media.payload: base64 audio/x-mulaw at 8000 Hz' };
      }
      return { ok: true, message: { event: 'media', mulaw: Buffer.from(payload, 'base64') } };
    }
    case 'mark': {
      const name = (o.mark as Record<string, unknown> | undefined)?.name;
      if (typeof name !== 'string' || name === '') return { ok: false, problem: 'a mark message needs mark.name' };
      return { ok: true, message: { event: 'mark', name } };
    }
    case 'clear':
      return { ok: true, message: { event: 'clear' } };
    default:
      return { ok: false, problem: `event ${JSON.stringify(o.event)} is not one of media, mark and clear` };
  }
}
