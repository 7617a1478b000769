// <Dial>'s child legs: every target rings (in parallel, or one after another with `sequential`), the first to
// answer is bridged to the caller and the others are canceled; the result is what Twilio reports as
// DialCallStatus / DialCallSid / DialCallDuration.
import { bridgeMedia, ringback } from '../../protocols/rtp/index.js';
import type { DialTarget, DialVerb } from '../../protocols/twiml/index.js';
import type { CallSession } from '../../actors/call/call-session.js';
import type { DialResult } from '../../actors/call/verb-context.js';
import type { RingResult } from './dialer.js';
import { xHeadersOf } from './sip-headers.js';
import type { SipNotify } from '../../actors/call/call-leg.js';
import { recordBridge } from './dial-recording.js';

export interface StartedLeg {
  child: CallSession;
  rung: Promise<RingResult>;
  /** The <Dial> noun it calls (for its whisper `url`). */
  target: DialTarget;
}

/** Runs a target's whisper document on the answered leg; true when the called party took the call (bridge it). */
export type RunWhisper = (child: CallSession, url: string, method: 'GET' | 'POST') => Promise<boolean>;

/** Places one child leg (record stored, actor started, ringing); undefined when the target cannot be called. */
export type StartLeg = (parent: CallSession, verb: DialVerb, target: DialTarget) => Promise<StartedLeg | undefined>;

export async function dialTargets(parent: CallSession, verb: DialVerb, startLeg: StartLeg, whisper: RunWhisper, recordingStarted?: () => void): Promise<DialResult> {
  const signal = parent.signal;
  const legs: StartedLeg[] = [];
  const stopAll = () => legs.forEach((l) => void l.child.end('hangup'));
  signal.addEventListener('abort', stopAll, { once: true });
  // An answered caller hears ringback (the `ringTone` country's) until someone takes the call or nobody does; one
  // not yet answered (answerOnBridge) has no media to hear it on.
  let ringing = parent.answered;
  if (ringing) void parent.media.play(ringback(verb.ringTone), { loop: 0 }).catch(() => undefined);
  const stopRinging = () => {
    if (ringing) parent.media.stopPlayback();
    ringing = false;
  };
  try {
    let winner: StartedLeg | undefined;
    const outcomes: RingResult[] = [];
    const batches = verb.sequential ? verb.targets.map((t) => [t]) : [verb.targets];
    for (const batch of batches) {
      if (signal.aborted || winner) break;
      const started = (await Promise.all(batch.map((t) => startLeg(parent, verb, t)))).filter((l): l is StartedLeg => l !== undefined);
      legs.push(...started);
      if (signal.aborted) stopAll();
      winner = await firstAnswer(started, outcomes);
      // The whisper plays to the called party alone. One who does not take the call is not bridged: it counts as
      // no-answer, and a sequential <Dial> goes on to its next target.
      const url = winner?.target.url;
      if (winner && url !== undefined && !(await whisper(winner.child, url, winner.target.method))) {
        await winner.child.end('hangup');
        outcomes.push({ answered: false, status: 'no-answer' });
        winner = undefined;
      }
    }
    stopRinging();
    if (!winner || signal.aborted) {
      const failed: DialResult = { status: signal.aborted ? 'canceled' : summarize(outcomes), childCallSid: winner?.child.sid ?? legs[0]?.child.sid ?? null, durationSeconds: 0 };
      // A <Sip> dial tells its action how the far end answered, as Twilio does.
      const refusal = outcomes.find((o): o is RingResult & { answered: false } => !o.answered && o.sipStatus !== undefined);
      if (verb.targets.some((t) => t.noun === 'Sip') && refusal) failed.params = { DialSipResponseCode: String(refusal.sipStatus), ...sipHeaderParams(refusal.xHeaders) };
      return failed;
    }
    const child = winner.child;
    // answerOnBridge: the caller is answered only now that the callee has.
    await parent.answer();
    if (child.record.sendDigits) await child.media.sendDigits(child.record.sendDigits).catch(() => undefined);
    // Every record-from-… mode records from the bridge: the ringback before it is not part of the call.
    const recording = verb.record !== 'do-not-record' ? recordBridge(parent.media, child.media, [parent.signal, child.signal], recordingStarted) : undefined;
    const unbridge = bridgeMedia(parent.media, child.media);
    const onKey = (d: string) => {
      if (d === '*') void child.end('hangup');
    };
    if (verb.hangupOnStar) parent.media.on('dtmf', onKey);
    const transfer = acceptTransfer(child, verb.referUrl !== undefined);
    await child.ended;
    transfer.stop();
    unbridge();
    parent.media.off('dtmf', onKey);
    const result: DialResult = { status: 'completed', childCallSid: child.sid, durationSeconds: child.record.duration ?? 0 };
    if (transfer.referred) result.referred = transfer.referred;
    if (transfer.refused) result.referRefused = true;
    if (winner.target.noun === 'Sip') {
      const answer = await winner.rung;
      result.params = { DialSipResponseCode: '200', ...(child.record.sipCallId && { DialSipCallId: child.record.sipCallId }), ...sipHeaderParams(answer.xHeaders) };
    }
    if (recording) result.recording = await recording;
    return result;
  } finally {
    stopRinging();
    signal.removeEventListener('abort', stopAll);
    await Promise.all(legs.map((l) => l.child.ended));
  }
}

/**
 * The called party may transfer the caller with a SIP REFER ("Refer to Twilio"). With a referUrl it is taken: 202,
 * a final NOTIFY (the transfer is ours to carry out), and the called leg is let go; the <Dial> then reports the
 * target. Without one it is declined (603) and the call goes on.
 */
function acceptTransfer(child: CallSession, allowed: boolean): { referred?: DialResult['referred']; refused?: true; stop(): void } {
  const leg = child.dialog;
  const state: { referred?: DialResult['referred']; refused?: true; stop(): void } = { stop: () => undefined };
  if (!leg) return state;
  child.onRefer = (req: SipNotify, res: { send(status: number): void }) => {
    const target = referTarget(req.get('refer-to'));
    if (!allowed || !target || state.referred) {
      if (!allowed) state.refused = true;
      res.send(target ? 603 : 400);
      return;
    }
    res.send(202);
    state.referred = { target, xHeaders: xHeadersOf(req) };
    const notify = { method: 'NOTIFY', headers: { Event: 'refer', 'Subscription-State': 'terminated;reason=noresource', 'Content-Type': 'message/sipfrag;version=2.0' }, body: 'SIP/2.0 200 OK\r\n' };
    void (leg.request?.(notify) ?? Promise.resolve()).catch(() => undefined).finally(() => void child.end('hangup'));
  };
  state.stop = () => (child.onRefer = undefined);
  return state;
}

/** The URI a Refer-To header names (`<sip:…>` or bare), without its header parameters. */
function referTarget(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const v = value.trim();
  const inner = v.startsWith('<') ? v.slice(1, v.indexOf('>') > 0 ? v.indexOf('>') : undefined) : v.split(';')[0]!;
  return /^(sips?|tel):\S+$/i.test(inner) ? inner : undefined;
}

/** The far end's X- headers as Twilio hands them to a <Sip> dial's action: DialSipHeader_<name>. */
function sipHeaderParams(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[`DialSipHeader_${name}`] = value;
  return out;
}

/** Resolves with the first leg to answer (the rest are canceled), or undefined once every leg failed. */
function firstAnswer(legs: StartedLeg[], outcomes: RingResult[]): Promise<StartedLeg | undefined> {
  if (legs.length === 0) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let left = legs.length;
    let won = false;
    for (const leg of legs) {
      void leg.rung.then((r) => {
        outcomes.push(r);
        if (r.answered && !won) {
          won = true;
          for (const other of legs) if (other !== leg) void other.child.end('canceled', 'canceled');
          resolve(leg);
        } else if (r.answered) {
          void leg.child.end('hangup');
        }
        if (--left === 0 && !won) resolve(undefined);
      });
    }
  });
}

function summarize(outcomes: RingResult[]): DialResult['status'] {
  const statuses = outcomes.map((o) => (o.answered ? 'completed' : o.status));
  if (statuses.includes('busy')) return 'busy';
  if (statuses.includes('no-answer')) return 'no-answer';
  if (statuses.length > 0 && statuses.every((s) => s === 'canceled')) return 'canceled';
  return 'failed';
}
