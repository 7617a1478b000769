// A sender's FIFO of outbound messages, bounded in segments: at most `hours` of traffic at the sender's rate.
export interface QueuedMessage {
  sid: string;
  seq: number;
  segments: number;
  expiresAt: number;
  /** False until the message record is on disk: nothing is sent before the API could have answered 201. */
  durable: boolean;
  /** The record itself while the queue is short (saves a read when it leaves); only this actor changes it. */
  record?: import('../../src/store/records.js').MessageRecord;
}

export class SenderQueue {
  private items: QueuedMessage[] = [];
  private head = 0;
  private segmentTotal = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  get segments(): number {
    return this.segmentTotal;
  }

  /** Would `segments` more still fit under a cap of `capSegments`? */
  fits(segments: number, capSegments: number): boolean {
    return this.segmentTotal + segments <= capSegments;
  }

  push(m: QueuedMessage): void {
    this.items.push(m);
    this.segmentTotal += m.segments;
  }

  peek(): QueuedMessage | undefined {
    return this.items[this.head];
  }

  shift(): QueuedMessage | undefined {
    const m = this.items[this.head];
    if (!m) return undefined;
    this.items[this.head] = undefined as unknown as QueuedMessage;
    this.head++;
    this.segmentTotal -= m.segments;
    // Compact once the consumed prefix dominates, keeping shift O(1) amortised.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return m;
  }

  /**
   * The queued message with this sid. Newest first: it is asked for a message just pushed (its write is on disk, or
   * failed), which a search from the head would reach only after the whole backlog: up to 36,000 entries for a long
   * code's 10 hours, on every message of a bulk send.
   */
  find(sid: string): QueuedMessage | undefined {
    for (let i = this.items.length - 1; i >= this.head; i--) if (this.items[i]!.sid === sid) return this.items[i];
    return undefined;
  }

  /** Remove and return every message whose validity ran out. */
  removeExpired(now: number, keepSid?: string): QueuedMessage[] {
    const expired: QueuedMessage[] = [];
    const kept: QueuedMessage[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const m = this.items[i]!;
      if (m.expiresAt <= now && m.sid !== keepSid) {
        expired.push(m);
        this.segmentTotal -= m.segments;
      } else kept.push(m);
    }
    if (expired.length > 0) {
      this.items = kept;
      this.head = 0;
    }
    return expired;
  }
}

/** Queue capacity in segments: `hours` of traffic at `rate` segments per second (Twilio: 10 hours). */
export function queueCapSegments(rate: number, hours = 10): number {
  return Math.max(1, Math.floor(rate * hours * 3600));
}
