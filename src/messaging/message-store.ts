// Message records and their indexes. Writes are issued together so one batched LMDB commit carries a message
// and every index entry that points at it; callers await the promise before telling anyone it happened.
import type { Tables } from '../store/db.js';
import type { MessageRecord } from '../store/records.js';

export class MessageStore {
  constructor(private readonly t: Tables) {}

  get(sid: string): MessageRecord | undefined {
    return this.t.messages.get(sid);
  }

  /** A new message: the record, its place in the account's list, and (outbound) its place in the sender's FIFO. */
  create(m: MessageRecord, opts: { outbox?: boolean; scheduled?: boolean } = {}): Promise<unknown> {
    const writes: Promise<unknown>[] = [
      this.t.messages.put(m.sid, m),
      this.t.messagesByAccount.put([m.accountSid, -m.dateCreated, m.sid], m.sid),
    ];
    if (opts.outbox && m.seq !== null) writes.push(this.t.outbox.put([m.from, m.seq], m.sid));
    if (opts.scheduled && m.sendAt !== null) writes.push(this.t.scheduled.put([m.sendAt, m.sid], m.sid));
    return Promise.all(writes);
  }

  save(m: MessageRecord): Promise<boolean> {
    return this.t.messages.put(m.sid, m);
  }

  /** A scheduled message becomes queued in its sender's FIFO in the same commit that retires its schedule entry. */
  promoteScheduled(m: MessageRecord): Promise<unknown> {
    return Promise.all([
      this.t.messages.put(m.sid, m),
      m.seq !== null ? this.t.outbox.put([m.from, m.seq], m.sid) : Promise.resolve(),
      m.sendAt !== null ? this.t.scheduled.remove([m.sendAt, m.sid]) : Promise.resolve(),
    ]);
  }

  /** The message left its sender's queue for good (sent, failed or expired). */
  leaveOutbox(m: MessageRecord): Promise<unknown> {
    return Promise.all([this.t.messages.put(m.sid, m), m.seq !== null ? this.t.outbox.remove([m.from, m.seq]) : Promise.resolve()]);
  }

  cancelScheduled(m: MessageRecord): Promise<unknown> {
    return Promise.all([this.t.messages.put(m.sid, m), m.sendAt !== null ? this.t.scheduled.remove([m.sendAt, m.sid]) : Promise.resolve()]);
  }

  remove(m: MessageRecord): Promise<unknown> {
    return Promise.all([
      this.t.messages.remove(m.sid),
      this.t.messagesByAccount.remove([m.accountSid, -m.dateCreated, m.sid]),
    ]);
  }

  rememberCarrierId(carrier: string, messageId: string, sid: string, from: string, part: number): Promise<boolean> {
    return this.t.carrierIds.put([carrier, messageId], { sid, from, part });
  }

  lookupCarrierId(carrier: string, messageId: string): { sid: string; from: string; part: number } | undefined {
    return this.t.carrierIds.get([carrier, messageId]);
  }

  forgetCarrierId(carrier: string, messageId: string): Promise<boolean> {
    return this.t.carrierIds.remove([carrier, messageId]);
  }

  /** The sender's durable FIFO, oldest first. */
  *outboxOf(sender: string): Iterable<{ seq: number; sid: string }> {
    for (const { key, value } of this.t.outbox.getRange({ start: [sender, -Infinity], end: [sender, Infinity] })) {
      yield { seq: key[1], sid: value };
    }
  }

  /** Every sender that has queued messages (used at start to resume their queues). */
  sendersWithQueuedMessages(): string[] {
    const senders: string[] = [];
    let start: [string, number] | undefined = undefined;
    for (;;) {
      const next: [string, number] | undefined = [...this.t.outbox.getKeys({ ...(start ? { start } : {}), limit: 1 })][0];
      if (!next) return senders;
      senders.push(next[0]);
      start = [next[0], Infinity];
    }
  }

  /** Scheduled messages due at or before `now`. */
  dueScheduled(now: number, limit: number): string[] {
    return [...this.t.scheduled.getRange({ start: [-Infinity, ''], end: [now, '\uffff'], limit })].map(({ value }) => value);
  }

  /** When the sender's last segment reached the carrier: pacing survives restarts because of it. */
  markSent(sender: string, at: number): Promise<boolean> {
    return this.t.senderClock.put(sender, at);
  }

  lastSentAt(sender: string): number | undefined {
    return this.t.senderClock.get(sender);
  }

  optedOut(sender: string, handset: string): boolean {
    return this.t.optOuts.doesExist([sender, handset]);
  }
}
