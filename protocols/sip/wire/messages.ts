// Leaders of the drachtio wire protocol (pipe-separated tokens, then CRLF and raw SIP),
// decoded into typed values on the way in and built from typed values on the way out.
import { randomUUID } from 'node:crypto';

export type AppMessage =
  | { kind: 'authenticate'; id: string; secret: string; tags: string[] }
  | { kind: 'route'; id: string; verb: string }
  | { kind: 'remove_route'; id: string; verb: string }
  | { kind: 'ping'; id: string }
  | { kind: 'sip'; id: string; txnId: string; dialogId: string; proxy: string; sip: string }
  | { kind: 'proxy'; id: string; txnId: string }
  | { kind: 'unknown'; id: string; type: string };

export class WireParseError extends Error {
  override name = 'WireParseError';
}

export function parseAppMessage(payload: string): AppMessage {
  const crlf = payload.indexOf('\r\n');
  const leader = crlf < 0 ? payload : payload.slice(0, crlf);
  const rest = crlf < 0 ? '' : payload.slice(crlf + 2);
  const t = leader.split('|');
  const id = t[0] ?? '';
  if (!id) throw new WireParseError('missing message id');
  const type = t[1] ?? '';
  switch (type) {
    case 'authenticate':
      return { kind: 'authenticate', id, secret: t[2] ?? '', tags: (t[3] ?? '').split(',').filter(Boolean) };
    case 'route':
    case 'remove_route': {
      const verb = (t[2] ?? '').trim().toLowerCase();
      if (!verb) throw new WireParseError(`${type} without a verb`);
      return { kind: type, id, verb };
    }
    case 'ping':
      return { kind: 'ping', id };
    case 'sip':
      return { kind: 'sip', id, txnId: t[2] ?? '', dialogId: t[3] ?? '', proxy: t[4] ?? '', sip: rest };
    case 'proxy':
      return { kind: 'proxy', id, txnId: t[2] ?? '' };
    default:
      return { kind: 'unknown', id, type };
  }
}

/** `HH:MM:SS.uuuuuu` in UTC, the stack timestamp srf exposes as `req.stackTime`. */
export function stackTime(d = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds() * 1000, 6)}`;
}

export interface SipMeta {
  source: 'network' | 'application';
  bytes: number;
  proto: string;
  address: string;
  port: number;
  txnId: string;
  dialogId: string;
}

export function answer(requestId: string, tokens: string[], sip?: string): string {
  return `${randomUUID()}|response|${requestId}|${tokens.join('|')}${sip !== undefined ? `\r\n${sip}` : ''}`;
}

/** `OK|<source>|<bytes>|<proto>|<addr>|<port>|<time>|<txnId>|<dialogId>|Msg sent:|` + the SIP as sent. */
export function sentEcho(requestId: string, meta: SipMeta, sip: string): string {
  return answer(requestId, [
    'OK', meta.source, String(meta.bytes), meta.proto, meta.address, String(meta.port), stackTime(),
    meta.txnId, meta.dialogId, 'Msg sent:', '',
  ], sip);
}

/** A SIP message pushed to the app; srf needs at least ten tokens, hence the trailing `|`. */
export function sipToApp(meta: SipMeta, sip: string, receivedOn?: { host: string; port: number }): string {
  const tail = receivedOn ? `${receivedOn.host}|${receivedOn.port}` : '';
  return `${randomUUID()}|sip|${meta.source}|${meta.bytes}|${meta.proto}|${meta.address}|${meta.port}|${stackTime()}|` +
    `${meta.txnId}|${meta.dialogId}|${tail}\r\n${sip}`;
}

export type CdrEvent =
  | { type: 'attempt'; source: 'network' | 'application' }
  | { type: 'start'; source: 'network' | 'application'; role: 'uac' | 'uas' }
  | { type: 'stop'; source: 'network' | 'application'; reason: CdrStopReason };

export type CdrStopReason = 'call-rejected' | 'call-canceled' | 'normal-release' | 'ack-timeout' | 'system-error';

export function cdrToApp(ev: CdrEvent, sip: string): string {
  const extra = ev.type === 'start' ? `|${ev.role}` : ev.type === 'stop' ? `|${ev.reason}` : '';
  return `${randomUUID()}|cdr:${ev.type}|${ev.source}|${stackTime()}${extra}\r\n${sip}`;
}
