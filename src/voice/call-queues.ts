// Who waits in which call queue, live: each queue's line of callers in the order they joined, the agents whose
// <Dial><Queue> waits on an empty queue for the next caller, and the ways out of a line (an agent takes the caller,
// <Leave>, the Members API, hang-up). A caller waits on the node its call runs on; the queue records themselves are
// in queue-store.ts.
import type { MediaEndpoint } from '../../protocols/rtp/index.js';
import type { CallQueueAccess, QueueDeparture, QueueHandoff, QueueMembership } from '../../actors/call/verb-context.js';
import type { QueueStore } from './queue-store.js';

/** The call behind a queued caller: what an agent bridges to, and how the queue tells a hang-up from a redirect. */
export interface QueueLeg {
  readonly sid: string;
  readonly accountSid: string;
  readonly media: MediaEndpoint;
  /** Aborts when the call ends or is redirected: an agent's bridge to it ends then. */
  readonly signal: AbortSignal;
  readonly isOver: boolean;
}

export class QueueMember implements QueueMembership {
  readonly enqueuedAt = Date.now();
  departure: QueueDeparture | undefined;
  private leftAt: number | undefined;
  private readonly abort = new AbortController();

  constructor(
    readonly queueSid: string,
    readonly leg: QueueLeg,
    private readonly queues: CallQueues,
  ) {}

  get callSid(): string {
    return this.leg.sid;
  }

  get leaving(): AbortSignal {
    return this.abort.signal;
  }

  queueTime(): number {
    return Math.round(((this.leftAt ?? Date.now()) - this.enqueuedAt) / 1000);
  }

  waitParams(): Record<string, string> {
    return this.queues.waitParams(this);
  }

  abandon(kind?: 'hangup'): void {
    this.depart(kind === 'hangup' || this.leg.isOver ? { kind: 'hangup' } : { kind: 'redirected' });
  }

  /** Out of the line, once; false when it had left already. */
  depart(d: QueueDeparture): boolean {
    if (this.departure) return false;
    this.departure = d;
    this.leftAt = Date.now();
    this.queues.remove(this);
    this.abort.abort();
    return true;
  }
}

type Waiter = (m: QueueMember) => void;

export class CallQueues {
  private readonly lines = new Map<string, QueueMember[]>();
  /** Agents waiting on an empty queue, first come first served. */
  private readonly agents = new Map<string, Waiter[]>();

  constructor(readonly store: QueueStore) {}

  /** The queues as `leg`'s verbs see them: join one, leave it. */
  forCall(leg: QueueLeg): CallQueueAccess {
    let current: QueueMember | undefined;
    return {
      enqueue: async (name) => {
        const q = await this.store.ensure(leg.accountSid, name);
        const m = this.join(q.sid, q.maxSize, leg);
        if (!m) return { full: true, queueSid: q.sid };
        current = m;
        return m;
      },
      leave: () => current?.depart({ kind: 'leave' }) ?? false,
    };
  }

  /** The caller joins the end of the line, or goes straight to an agent already waiting; undefined when full. */
  join(queueSid: string, maxSize: number, leg: QueueLeg): QueueMember | undefined {
    let line = this.lines.get(queueSid);
    if (!line) this.lines.set(queueSid, (line = []));
    if (line.length >= maxSize) return undefined;
    const m = new QueueMember(queueSid, leg, this);
    line.push(m);
    this.agents.get(queueSid)?.shift()?.(m);
    return m;
  }

  /**
   * An agent takes the caller at the front (dequeued to `agent`), waiting up to `timeoutMs` for one to join an
   * empty queue. Undefined when none came in time or `signal` aborted first.
   */
  take(queueSid: string, agent: QueueHandoff, signal: AbortSignal, timeoutMs: number): Promise<QueueMember | undefined> {
    const front = this.lines.get(queueSid)?.[0];
    if (front) {
      front.depart({ kind: 'dequeued', agent });
      return Promise.resolve(front);
    }
    if (signal.aborted || timeoutMs <= 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let waiters = this.agents.get(queueSid);
      if (!waiters) this.agents.set(queueSid, (waiters = []));
      const done = (m: QueueMember | undefined) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        const list = this.agents.get(queueSid);
        const i = list?.indexOf(waiter) ?? -1;
        if (i >= 0) list!.splice(i, 1);
        if (list?.length === 0) this.agents.delete(queueSid);
        resolve(m);
      };
      const waiter: Waiter = (m) => {
        m.depart({ kind: 'dequeued', agent });
        done(m);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const onAbort = () => done(undefined);
      signal.addEventListener('abort', onAbort, { once: true });
      waiters.push(waiter);
    });
  }

  /** The Members API: the caller (by CallSid, or `Front`) leaves the line to run `url`; undefined when not waiting. */
  redirect(queueSid: string, callSid: string, url: string, method: 'GET' | 'POST'): QueueMember | undefined {
    const m = this.find(queueSid, callSid);
    if (m) m.depart({ kind: 'redirected', to: { url, method } });
    return m;
  }

  /** Callers waiting, front first. */
  members(queueSid: string): readonly QueueMember[] {
    return this.lines.get(queueSid) ?? [];
  }

  /** A waiting caller by CallSid, or the front one for `Front`. */
  find(queueSid: string, callSid: string): QueueMember | undefined {
    const line = this.members(queueSid);
    return callSid === 'Front' ? line[0] : line.find((m) => m.callSid === callSid);
  }

  size(queueSid: string): number {
    return this.members(queueSid).length;
  }

  /** Whole seconds the callers waiting now have waited, on average (Twilio's average_wait_time); 0 when none. */
  averageWait(queueSid: string): number {
    const line = this.members(queueSid);
    if (line.length === 0) return 0;
    const now = Date.now();
    return Math.round(line.reduce((sum, m) => sum + (now - m.enqueuedAt), 0) / line.length / 1000);
  }

  /** Callers waiting in every queue of this node (for /metrics). */
  get waiting(): number {
    let n = 0;
    for (const line of this.lines.values()) n += line.length;
    return n;
  }

  waitParams(m: QueueMember): Record<string, string> {
    const line = this.members(m.queueSid);
    return {
      QueueSid: m.queueSid,
      QueuePosition: String(line.indexOf(m) + 1),
      QueueTime: String(m.queueTime()),
      AvgQueueTime: String(this.averageWait(m.queueSid)),
      CurrentQueueSize: String(line.length),
      MaxQueueSize: String(this.store.get(m.queueSid)?.maxSize ?? 0),
    };
  }

  /** Called by a member as it departs. */
  remove(m: QueueMember): void {
    const line = this.lines.get(m.queueSid);
    const i = line?.indexOf(m) ?? -1;
    if (i >= 0) line!.splice(i, 1);
    if (line?.length === 0) this.lines.delete(m.queueSid);
  }
}
