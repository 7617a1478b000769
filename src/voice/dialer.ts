// Rings the far end of an outbound leg (Calls API or <Dial>): INVITE through srf with our SDP offer, digest
// credentials for a challenging carrier, ringing/answered status, the ring timeout, and SIP failures mapped to
// Twilio's call statuses.
import type Srf from 'drachtio-srf';
import { buildOffer, negotiate, parseSdp } from '../../protocols/rtp/index.js';
import type { CallSession } from '../../actors/call/call-session.js';
import type { VoiceDeps } from '../../actors/call/voice-deps.js';
import type { CallStatus } from '../store/records.js';
import { xHeadersOf } from './sip-headers.js';

export interface SipTarget {
  /** Request-URI, e.g. sip:+15551234567@127.0.0.1:5070 */
  uri: string;
  auth?: { username: string; password: string };
  headers?: Record<string, string>;
}

/** `xHeaders`: the X- headers of the far end's final response (a <Sip> dial's action hears them as DialSipHeader_…). */
export type RingResult = { answered: true; xHeaders?: Record<string, string> } | { answered: false; status: CallStatus; sipStatus?: number; xHeaders?: Record<string, string> };


/** SIP final response → Twilio call status (when the call was not canceled by us). */
export function statusForSipFailure(status: number): CallStatus {
  if (status === 486 || status === 600) return 'busy';
  if (status === 408 || status === 480 || status === 487 || status === 603) return 'no-answer';
  return 'failed';
}

export async function ring(s: CallSession, deps: VoiceDeps, target: SipTarget): Promise<RingResult> {
  const offer = buildOffer({ address: deps.rtpAdvertise, port: s.media.port });
  let invite: Srf.SrfRequest | undefined;
  let why: 'canceled' | 'timeout' | undefined;
  const cancel = (reason: 'canceled' | 'timeout') => {
    why ??= reason;
    try {
      invite?.cancel();
    } catch {
      // already answered or gone; the UAC promise settles either way
    }
  };
  s.cancelInvite = () => cancel('canceled');
  const timer = setTimeout(() => cancel('timeout'), s.record.timeoutS * 1000);
  let ringing = false;
  const markRinging = async () => {
    if (ringing) return;
    ringing = true;
    await s.update({ status: 'ringing' }, 'ringing');
  };
  try {
    await s.update({}, 'initiated');
    const dialog = await deps.srf.createUAC(
      target.uri,
      {
        localSdp: offer,
        callingNumber: s.record.from,
        headers: { 'X-Twilio-CallSid': s.sid, ...target.headers },
        ...(target.auth && { auth: target.auth }),
      },
      {
        cbRequest: (err, req) => {
          if (err) return;
          invite = req;
          if (why) cancel(why);
        },
        cbProvisional: (res) => {
          if (res.status === 180 || res.status === 183) void markRinging();
        },
      },
    );
    clearTimeout(timer);
    s.cancelInvite = undefined;
    if (s.isOver) {
      await dialog.destroy().catch(() => undefined);
      return { answered: false, status: 'canceled' };
    }
    try {
      const answer = parseSdp(dialog.remote.sdp);
      s.media.setMedia(negotiate(answer));
      s.media.setRemote(answer);
    } catch (err) {
      deps.log.warn({ err, callSid: s.sid }, 'far end answered with unusable SDP; hanging up');
      await dialog.destroy().catch(() => undefined);
      return { answered: false, status: 'failed', sipStatus: 488 };
    }
    await markRinging();
    s.connected(dialog);
    await s.update({ status: 'in-progress', startTime: Date.now(), sipCallId: dialog.sip.callId }, 'answered');
    return { answered: true, xHeaders: xHeadersOf((dialog as { res?: unknown }).res) };
  } catch (err) {
    clearTimeout(timer);
    s.cancelInvite = undefined;
    const sipStatus = (err as { status?: number }).status;
    if (why === 'canceled') return { answered: false, status: 'canceled', ...(sipStatus && { sipStatus }) };
    if (why === 'timeout') return { answered: false, status: 'no-answer', ...(sipStatus && { sipStatus }) };
    if (typeof sipStatus === 'number') return { answered: false, status: statusForSipFailure(sipStatus), sipStatus, xHeaders: xHeadersOf((err as { res?: unknown }).res) };
    deps.log.warn({ err, callSid: s.sid, uri: target.uri }, 'outbound INVITE failed');
    return { answered: false, status: 'failed' };
  }
}
