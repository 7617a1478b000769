// One Media Stream's WebSocket to the app (undici's client): opened with the handshake signed as Twilio signs it
// (X-Twilio-Signature over the URL), a deadline on the opening handshake, and a bounded send buffer: audio the
// app does not read fast enough is dropped, never queued without end.
import { WebSocket } from 'undici';
import { computeSignature } from '../webhook/index.js';

/** Twilio's codes for a stream that could not connect. */
export const StreamCode = {
  ConnectionTimeout: 31901,
  HandshakeError: 31920,
  SchemeNotSupported: 31922,
  MalformedUrl: 31923,
  ProtocolError: 31924,
  MalformedMessage: 31950,
} as const;

export type OpenResult = { ok: true; socket: StreamSocket } | { ok: false; code: number; message: string };

export interface OpenOptions {
  url: string;
  authToken: string;
  timeoutMs: number;
  /** Bytes the socket may hold unsent before audio frames are dropped. */
  maxBufferedBytes: number;
}

/** Checks a stream URL as Twilio does (31922, 31923); tandem also takes ws:// for an app on the same host. */
export function checkStreamUrl(url: string): { ok: true } | { ok: false; code: number; message: string } {
  if (!URL.canParse(url)) return { ok: false, code: StreamCode.MalformedUrl, message: `Stream url "${url}" is not a URL` };
  const scheme = new URL(url).protocol;
  if (scheme !== 'wss:' && scheme !== 'ws:') {
    return { ok: false, code: StreamCode.SchemeNotSupported, message: `Stream url "${url}": the scheme must be wss (or ws), not ${scheme.slice(0, -1)}` };
  }
  return { ok: true };
}

export class StreamSocket {
  private closed = false;
  /** Audio frames dropped because the app read too slowly. */
  dropped = 0;

  private constructor(
    private readonly ws: WebSocket,
    private readonly maxBufferedBytes: number,
  ) {}

  static open(o: OpenOptions): Promise<OpenResult> {
    const checked = checkStreamUrl(o.url);
    if (!checked.ok) return Promise.resolve(checked);
    return new Promise((resolve) => {
      const ws = new WebSocket(o.url, { headers: { 'X-Twilio-Signature': computeSignature(o.authToken, o.url, null) } });
      const settle = (r: OpenResult) => {
        clearTimeout(timer);
        ws.removeEventListener('open', onOpen);
        ws.removeEventListener('close', onClose);
        resolve(r);
      };
      const onOpen = () => settle({ ok: true, socket: new StreamSocket(ws, o.maxBufferedBytes) });
      const onClose = () => settle({ ok: false, code: StreamCode.HandshakeError, message: `the WebSocket handshake with ${o.url} failed (refused, or not answered with 101)` });
      const timer = setTimeout(() => {
        settle({ ok: false, code: StreamCode.ConnectionTimeout, message: `${o.url} did not complete the WebSocket handshake within ${o.timeoutMs} ms` });
        ws.close();
      }, o.timeoutMs);
      ws.addEventListener('open', onOpen);
      ws.addEventListener('close', onClose);
      ws.addEventListener('error', () => undefined); // 'close' follows and says it
    });
  }

  /** Text from the app, and binary frames (which Twilio's protocol has none of). */
  onMessage(fn: (text: string | undefined) => void): void {
    this.ws.addEventListener('message', (e) => fn(typeof e.data === 'string' ? e.data : undefined));
  }

  /** The app (or the network) closed the socket; `clean` when it closed it with a close frame. */
  onClose(fn: (clean: boolean, code: number) => void): void {
    this.ws.addEventListener('close', (e) => {
      this.closed = true;
      fn(e.wasClean, e.code);
    });
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends a control message (start, mark, stop): always, however full the buffer. */
  send(text: string): void {
    if (this.isOpen) this.ws.send(text);
  }

  /** Sends an audio frame unless the app has fallen too far behind; false when it was dropped. */
  sendAudio(text: string): boolean {
    if (!this.isOpen) return false;
    if (this.ws.bufferedAmount > this.maxBufferedBytes) {
      this.dropped++;
      return false;
    }
    this.ws.send(text);
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.ws.close(1000);
    } catch {
      // already closing
    }
  }
}
