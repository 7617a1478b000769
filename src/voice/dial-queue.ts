// <Dial><Queue>: the agent's side of a call queue. It takes the caller at the front of the named queue (waiting up
// to the Dial's `timeout` for one to join an empty queue), lets that caller's leg hear the <Queue url> first, then
// bridges the two until either hangs up, the agent presses * (hangupOnStar) or timeLimit runs out. A caller who hangs
// up before being connected is skipped for the next one. The dequeued caller's <Enqueue> then tells its action.
import { bridgeMedia } from '../../protocols/rtp/index.js';
import type { DialQueue, DialVerb } from '../../protocols/twiml/index.js';
import type { CallSession } from '../../actors/call/call-session.js';
import type { DialResult, QueueHandoff } from '../../actors/call/verb-context.js';
import type { NewNotification } from '../notifications/notifications.js';
import type { CallQueues, QueueMember } from './call-queues.js';
import { recordBridge } from './dial-recording.js';
import { aborted } from '../../actors/call/verbs/wait-documents.js';

/** Twilio's "Dial: cannot call this destination", used for a queue name the account does not have. */
const NO_SUCH_QUEUE = 13224;

class Handoff implements QueueHandoff {
  readonly url?: string;
  readonly method: 'GET' | 'POST';
  readonly isReady: Promise<boolean>;
  readonly over: Promise<void>;
  private settle!: (ok: boolean) => void;
  private finish!: () => void;

  constructor(readonly callSid: string, target: DialQueue) {
    if (target.url !== undefined) this.url = target.url;
    this.method = target.method;
    this.isReady = new Promise((r) => (this.settle = r));
    this.over = new Promise((r) => (this.finish = r));
  }

  ready(ok: boolean): void {
    this.settle(ok);
  }

  end(): void {
    this.finish();
  }
}

export async function dialQueue(parent: CallSession, verb: DialVerb, queues: CallQueues, notify: (n: NewNotification) => void, recordingStarted?: () => void): Promise<DialResult> {
  const target = verb.queue!;
  const q = queues.store.named(parent.accountSid, target.name);
  if (!q) {
    notify({ accountSid: parent.accountSid, callSid: parent.sid, errorCode: NO_SUCH_QUEUE, text: `Dial: this account has no queue named '${target.name}'` });
    return { status: 'failed', childCallSid: null, durationSeconds: 0 };
  }
  const deadline = Date.now() + verb.timeout * 1000;
  for (;;) {
    const handoff = new Handoff(parent.sid, target);
    const m = await queues.take(q.sid, handoff, parent.signal, deadline - Date.now());
    if (!m) return { status: parent.signal.aborted ? 'canceled' : 'no-answer', childCallSid: null, durationSeconds: 0, params: { QueueSid: q.sid } };
    const gone = () => false;
    const ready = await Promise.race([handoff.isReady, aborted(parent.signal).then(gone), aborted(m.leg.signal).then(gone)]);
    if (ready && !parent.signal.aborted && !m.leg.signal.aborted) return bridge(parent, verb, q.sid, m, handoff, recordingStarted);
    handoff.end();
    if (parent.signal.aborted) return { status: 'canceled', childCallSid: m.callSid, durationSeconds: 0, params: { QueueSid: q.sid } };
    // That caller hung up (or was taken elsewhere) before being connected: the next one, while time is left.
  }
}

async function bridge(parent: CallSession, verb: DialVerb, queueSid: string, m: QueueMember, handoff: Handoff, recordingStarted?: () => void): Promise<DialResult> {
  // answerOnBridge: the agent is answered only now.
  await parent.answer();
  const leave = new AbortController();
  const until = [parent.signal, m.leg.signal, leave.signal];
  const recording = verb.record !== 'do-not-record' ? recordBridge(parent.media, m.leg.media, until, recordingStarted) : undefined;
  const unbridge = bridgeMedia(parent.media, m.leg.media);
  const bridgedAt = Date.now();
  const onKey = (d: string) => {
    if (d === '*') leave.abort();
  };
  if (verb.hangupOnStar) parent.media.on('dtmf', onKey);
  const limit = setTimeout(() => leave.abort(), verb.timeLimit * 1000);
  await Promise.race(until.map(aborted));
  clearTimeout(limit);
  unbridge();
  parent.media.off('dtmf', onKey);
  handoff.end();
  const result: DialResult = {
    status: 'completed',
    childCallSid: m.callSid,
    durationSeconds: Math.round((Date.now() - bridgedAt) / 1000),
    params: { QueueSid: queueSid, DequeuedCallSid: m.callSid, DequeuedCallQueueTime: String(m.queueTime()) },
  };
  if (recording) result.recording = await recording;
  return result;
}
