// Rings the far end of an outbound leg (Calls API or <Dial>): INVITE through srf with our SDP offer, digest
// credentials for a challenging carrier, ringing/answered status, the ring timeout, and SIP failures mapped to
// Twilio's call statuses. A leg to a user with several registered devices forks: each is sent the INVITE, the first
// to answer takes the call, the others are canceled (or hung up on, had they answered too).
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

/** Rings `targets` at once (one, usually); the first to answer is the leg's far end. */
export async function ring(s: CallSession, deps: VoiceDeps, targets: SipTarget | readonly SipTarget[]): Promise<RingResult> {
  const list = Array.isArray(targets) ? targets : [targets as SipTarget];
  const offer = buildOffer({ address: deps.rtpAdvertise, port: s.media.port });
  const invites: (Srf.SrfRequest | undefined)[] = list.map(() => undefined);
  let why: 'canceled' | 'timeout' | undefined;
  let winner = -1;
  const cancelOne = (i: number) => {
    try {
      invites[i]?.cancel();
    } catch {
      // already answered or gone; the UAC promise settles either way
    }
  };
  const cancel = (reason: 'canceled' | 'timeout') => {
    why ??= reason;
    for (let i = 0; i < list.length; i++) cancelOne(i);
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
    const attempts = list.map((target, i) =>
      deps.srf.createUAC(
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
            invites[i] = req;
            if (why || (winner !== -1 && winner !== i)) cancelOne(i);
          },
          cbProvisional: (res) => {
            if (res.status === 180 || res.status === 183) void markRinging();
          },
        },
      ),
    );
    const first = await firstAnswered(attempts);
    winner = first.index;
    const dialog = first.value;
    for (let i = 0; i < attempts.length; i++) {
      if (i === winner) continue;
      cancelOne(i);
      // A device that answered as well is hung up on at once.
      attempts[i]!.then((d) => d.destroy().catch(() => undefined), () => undefined);
    }
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
  } catch (failures) {
    clearTimeout(timer);
    s.cancelInvite = undefined;
    const err = telling(failures as unknown[]);
    const sipStatus = (err as { status?: number }).status;
    if (why === 'canceled') return { answered: false, status: 'canceled', ...(sipStatus && { sipStatus }) };
    if (why === 'timeout') return { answered: false, status: 'no-answer', ...(sipStatus && { sipStatus }) };
    if (typeof sipStatus === 'number') return { answered: false, status: statusForSipFailure(sipStatus), sipStatus, xHeaders: xHeadersOf((err as { res?: unknown }).res) };
    deps.log.warn({ err, callSid: s.sid, uri: list.map((t) => t.uri).join(', ') }, 'outbound INVITE failed');
    return { answered: false, status: 'failed' };
  }
}

/** The first of `attempts` to resolve, with its place; rejects with every failure once all have failed. */
function firstAnswered<T>(attempts: readonly Promise<T>[]): Promise<{ value: T; index: number }> {
  return new Promise((resolve, reject) => {
    const failures: unknown[] = [];
    let failed = 0;
    attempts.forEach((p, index) =>
      p.then(
        (value) => resolve({ value, index }),
        (err: unknown) => {
          failures[index] = err;
          if (++failed === attempts.length) reject(failures);
        },
      ),
    );
  });
}

/** Of the ways every device failed, the one the call reports: a busy device first, then a SIP refusal, then the first. */
function telling(failures: readonly unknown[]): unknown {
  const status = (e: unknown) => (e as { status?: number } | undefined)?.status;
  return failures.find((e) => status(e) === 486 || status(e) === 600) ?? failures.find((e) => typeof status(e) === 'number') ?? failures[0];
}
