// The audio part of SDP offer/answer (RFC 3264) for G.711 plus RFC 4733 telephone-events.
import { createRequire } from 'node:module';
import type { G711Codec } from './g711.js';

// sdp-transform ships no types and types/ has no declaration for it yet; loading it through
// require keeps the untyped surface to the few fields read below.
interface SdpTransformMedia {
  type: string;
  port: number;
  protocol: string;
  payloads?: string | number;
  connection?: { version: number; ip: string };
  rtp?: { payload: number; codec: string; rate?: number; encoding?: number | string }[];
  fmtp?: { payload: number; config: string }[];
  direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  ptime?: number;
}
interface SdpTransformSession {
  connection?: { version: number; ip: string };
  direction?: SdpTransformMedia['direction'];
  media?: SdpTransformMedia[];
}
const sdpTransform = createRequire(import.meta.url)('sdp-transform') as { parse(sdp: string): SdpTransformSession };

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdpCodec {
  pt: number;
  /** 'PCMU' and 'PCMA' upper-case, 'telephone-event' lower-case, anything else as the SDP spells it. */
  name: 'PCMU' | 'PCMA' | 'telephone-event' | (string & {});
  rate: number;
  fmtp?: string;
}

export interface SdpMedia {
  address: string;
  port: number;
  /** In the order of the m= line, which is the remote's preference. */
  codecs: SdpCodec[];
  direction: MediaDirection;
  ptime?: number;
}

export interface NegotiatedMedia {
  codec: { pt: number; name: G711Codec; rate: 8000 };
  /** Absent when the remote offered no 8 kHz telephone-event: digits cannot be sent or heard in-band. */
  telephoneEventPt?: number;
}

/** Thrown for SDP we cannot use; SIP answers it with 488 Not Acceptable Here. */
export class SdpError extends Error {
  override name = 'SdpError';
}

// RFC 3551 static types, used when an offer lists 0 or 8 without an rtpmap line (legal, and common).
const STATIC_CODECS: Record<number, { name: string; rate: number }> = {
  0: { name: 'PCMU', rate: 8000 },
  3: { name: 'GSM', rate: 8000 },
  8: { name: 'PCMA', rate: 8000 },
  9: { name: 'G722', rate: 8000 },
  13: { name: 'CN', rate: 8000 },
  18: { name: 'G729', rate: 8000 },
};

function canonicalName(name: string): string {
  const upper = name.toUpperCase();
  if (upper === 'PCMU' || upper === 'PCMA') return upper;
  if (upper === 'TELEPHONE-EVENT') return 'telephone-event';
  return name;
}

/** Parses the first audio stream of an SDP body; throws SdpError when there is none or it is unusable. */
export function parseSdp(text: string): SdpMedia {
  let session: SdpTransformSession;
  try {
    session = sdpTransform.parse(text);
  } catch (err) {
    throw new SdpError(`unparseable SDP: ${(err as Error).message}`);
  }
  const audio = (session.media ?? []).find((m) => m.type === 'audio');
  if (!audio) throw new SdpError('SDP has no audio stream');
  if (!/^RTP\/AVP$/i.test(audio.protocol)) throw new SdpError(`unsupported media protocol ${audio.protocol}`);
  if (!Number.isInteger(audio.port) || audio.port < 0 || audio.port > 65535) throw new SdpError(`bad audio port ${audio.port}`);
  const address = audio.connection?.ip ?? session.connection?.ip;
  if (!address) throw new SdpError('SDP has no connection address for audio');

  const rtpmap = new Map((audio.rtp ?? []).map((r) => [r.payload, r]));
  const fmtp = new Map((audio.fmtp ?? []).map((f) => [f.payload, f.config]));
  const codecs: SdpCodec[] = [];
  for (const token of String(audio.payloads ?? '').trim().split(/\s+/)) {
    const pt = Number(token);
    if (token === '' || !Number.isInteger(pt) || pt < 0 || pt > 127) continue;
    const mapped = rtpmap.get(pt);
    const known = mapped ? { name: mapped.codec, rate: mapped.rate ?? 8000 } : STATIC_CODECS[pt];
    if (!known) continue;
    const codec: SdpCodec = { pt, name: canonicalName(known.name), rate: known.rate };
    const config = fmtp.get(pt);
    if (config !== undefined) codec.fmtp = config;
    codecs.push(codec);
  }

  const media: SdpMedia = { address, port: audio.port, codecs, direction: audio.direction ?? session.direction ?? 'sendrecv' };
  if (audio.ptime !== undefined) media.ptime = audio.ptime;
  return media;
}

/**
 * Picks the codec for a call: PCMU if offered, else PCMA (both at 8 kHz), plus the remote's own
 * telephone-event payload type. Throws SdpError when neither G.711 law is on offer or the stream is
 * rejected (port 0).
 */
export function negotiate(remote: SdpMedia): NegotiatedMedia {
  if (remote.port === 0) throw new SdpError('audio stream rejected (port 0)');
  const g711 = (name: G711Codec) => remote.codecs.find((c) => c.name === name && c.rate === 8000);
  const chosen = g711('PCMU') ?? g711('PCMA');
  if (!chosen) {
    const offered = remote.codecs.map((c) => `${c.name}/${c.rate}`).join(', ') || 'nothing';
    throw new SdpError(`no common codec: we need PCMU or PCMA at 8000 Hz, remote offered ${offered}`);
  }
  const result: NegotiatedMedia = { codec: { pt: chosen.pt, name: chosen.name as G711Codec, rate: 8000 } };
  const dtmf = remote.codecs.find((c) => c.name === 'telephone-event' && c.rate === 8000);
  if (dtmf) result.telephoneEventPt = dtmf.pt;
  return result;
}

export interface BuildSdpOptions {
  /** IPv4 or IPv6 address the remote should send RTP to. */
  address: string;
  port: number;
  /** o= session id and version; keep the id per call and bump the version on every re-offer. */
  sessionId?: string | number;
  sessionVersion?: number;
  direction?: MediaDirection;
  username?: string;
}

function ipVersion(address: string): 'IP4' | 'IP6' {
  return address.includes(':') ? 'IP6' : 'IP4';
}

function sdpBody(opts: BuildSdpOptions, codecs: SdpCodec[]): string {
  const ip = ipVersion(opts.address);
  const id = String(opts.sessionId ?? Math.floor(Math.random() * 1e9));
  const lines = [
    'v=0',
    `o=${opts.username ?? 'tandem'} ${id} ${opts.sessionVersion ?? 1} IN ${ip} ${opts.address}`,
    's=tandem',
    `c=IN ${ip} ${opts.address}`,
    't=0 0',
    `m=audio ${opts.port} RTP/AVP ${codecs.map((c) => c.pt).join(' ')}`,
  ];
  for (const c of codecs) {
    lines.push(`a=rtpmap:${c.pt} ${c.name}/${c.rate}`);
    if (c.fmtp !== undefined) lines.push(`a=fmtp:${c.pt} ${c.fmtp}`);
  }
  lines.push('a=ptime:20', `a=${opts.direction ?? 'sendrecv'}`);
  return lines.join('\r\n') + '\r\n';
}

/** Our offer: PCMU, PCMA and telephone-event (PT 101 unless told otherwise; the answer's PT wins). */
export function buildOffer(opts: BuildSdpOptions & { telephoneEventPt?: number }): string {
  return sdpBody(opts, [
    { pt: 0, name: 'PCMU', rate: 8000 },
    { pt: 8, name: 'PCMA', rate: 8000 },
    { pt: opts.telephoneEventPt ?? 101, name: 'telephone-event', rate: 8000, fmtp: '0-16' },
  ]);
}

/** Our answer to a negotiated offer: the chosen codec and, when offered, telephone-event on the remote's PT. */
export function buildAnswer(opts: BuildSdpOptions, negotiated: NegotiatedMedia): string {
  const codecs: SdpCodec[] = [{ pt: negotiated.codec.pt, name: negotiated.codec.name, rate: 8000 }];
  if (negotiated.telephoneEventPt !== undefined) {
    codecs.push({ pt: negotiated.telephoneEventPt, name: 'telephone-event', rate: 8000, fmtp: '0-16' });
  }
  return sdpBody(opts, codecs);
}

/** The direction to answer with: the mirror of the offer's (RFC 3264 §6.1). */
export function answerDirection(offered: MediaDirection): MediaDirection {
  return offered === 'sendonly' ? 'recvonly' : offered === 'recvonly' ? 'sendonly' : offered;
}
