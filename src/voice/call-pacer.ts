// Outbound calls per account leave in FIFO order at a steady rate (Twilio: 1 call/s by default), with a bounded
// queue (24 hours of calls at that rate; beyond it the API answers 22005 Call Queue Full).

interface Waiting {
  sid: string;
  start: () => void;
}

interface AccountQueue {
  items: Waiting[];
  nextAt: number;
  timer: NodeJS.Timeout | undefined;
}

export class CallQueueFullError extends Error {}

export class CallPacer {
  private readonly queues = new Map<string, AccountQueue>();
  private readonly intervalMs: number;
  readonly maxQueued: number;

  constructor(callsPerSecond: number) {
    this.intervalMs = 1000 / callsPerSecond;
    this.maxQueued = Math.max(1, Math.floor(86_400 * callsPerSecond));
  }

  /** Queues a call's start behind the account's earlier calls; throws CallQueueFullError past the bound. */
  enqueue(accountSid: string, sid: string, start: () => void): void {
    let q = this.queues.get(accountSid);
    if (!q) {
      q = { items: [], nextAt: 0, timer: undefined };
      this.queues.set(accountSid, q);
    }
    if (q.items.length >= this.maxQueued) throw new CallQueueFullError(`more than ${this.maxQueued} calls queued for ${accountSid}`);
    q.items.push({ sid, start });
    this.pump(accountSid, q);
  }

  /** Takes a call out of its queue (canceled before it left); false when it already left or was never queued. */
  remove(accountSid: string, sid: string): boolean {
    const q = this.queues.get(accountSid);
    if (!q) return false;
    const i = q.items.findIndex((w) => w.sid === sid);
    if (i < 0) return false;
    q.items.splice(i, 1);
    return true;
  }

  queued(accountSid: string): number {
    return this.queues.get(accountSid)?.items.length ?? 0;
  }

  close(): void {
    for (const q of this.queues.values()) clearTimeout(q.timer);
    this.queues.clear();
  }

  private pump(accountSid: string, q: AccountQueue): void {
    if (q.timer) return;
    const now = Date.now();
    if (q.nextAt <= now) {
      const w = q.items.shift();
      if (!w) {
        this.queues.delete(accountSid);
        return;
      }
      q.nextAt = Math.max(now, q.nextAt) + this.intervalMs;
      // A call that starts late keeps its slot: the rate never bursts above the limit to catch up.
      if (q.nextAt < now) q.nextAt = now + this.intervalMs;
      w.start();
      if (q.items.length === 0) return;
    }
    q.timer = setTimeout(() => {
      q.timer = undefined;
      this.pump(accountSid, q);
    }, Math.max(0, q.nextAt - Date.now()));
  }
}
