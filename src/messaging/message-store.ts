// Message records and their indexes. Writes are issued together so one batched LMDB commit carries a message
// and every index entry that points at it; callers await the promise before telling anyone it happened.
import { allWritten, type Tables } from '../store/db.js';
import type { MessageRecord } from '../store/records.js';
import { copyMessage } from './message-record.js';
import { RecentMap } from '../util/recent-map.js';

/**
 * Records written in the last few seconds of traffic, as written. A message is read back moments after each
 * write (its receipt after `sent`, an inbound text by its number right after it is stored), and decoding a
 * record from LMDB costs ~10 µs against a copy's fraction of one.
 */
const RECENT_RECORDS = 10_000;

/** Carrier ids of the segments submitted in the last seconds, per carrier: a receipt finds its message without a read. */
const RECENT_CARRIER_IDS = 20_000;

type CarrierIdEntry = { sid: string; from: string; part: number };

export class MessageStore {
  private readonly recent = new RecentMap<string, MessageRecord>(RECENT_RECORDS);
  /**
   * Per carrier, by the carrier's id. Receipts follow their submit within seconds; from here they skip LMDB's read and
   * decode (~2 % of the main thread under outbound load) and need not wait for the commit that indexes the id. (Not
   * one map keyed `carrier + id`: every such key is a new string to flatten and hash on each set and lookup.)
   */
  private readonly recentCarrierIds = new Map<string, RecentMap<string, CarrierIdEntry>>();

  constructor(private readonly t: Tables) {}

  /** Callers mutate the records they get and then save them: each gets its own copy. */
  get(sid: string): MessageRecord | undefined {
    const m = this.recent.get(sid);
    return m ? copyMessage(m) : this.t.messages.get(sid);
  }

  /** Writes the record and keeps it as written for the next reads; a failed write is forgotten again. */
  private put(m: MessageRecord): Promise<boolean> {
    // Replaced in place, so the cache forgets records in the order they were first written (a message's writes all
    // come within seconds of each other).
    this.recent.set(m.sid, copyMessage(m));
    const written = this.t.messages.put(m.sid, m);
    written.catch(() => this.recent.delete(m.sid));
    return written;
  }

  /** A new message: the record, its place in the account's list, and (outbound) its place in the sender's FIFO. */
  create(m: MessageRecord, opts: { outbox?: boolean; scheduled?: boolean } = {}): Promise<unknown> {
    const writes: Promise<unknown>[] = [
      this.put(m),
      this.t.messagesByAccount.put([m.accountSid, -m.dateCreated, m.sid], m.sid),
    ];
    if (opts.outbox && m.seq !== null) writes.push(this.t.outbox.put([m.from, m.seq], m.sid));
    if (opts.scheduled && m.sendAt !== null) writes.push(this.t.scheduled.put([m.sendAt, m.sid], m.sid));
    return allWritten(writes);
  }

  save(m: MessageRecord): Promise<boolean> {
    return this.put(m);
  }

  /** A scheduled message becomes queued in its sender's FIFO in the same commit that retires its schedule entry. */
  promoteScheduled(m: MessageRecord): Promise<unknown> {
    const writes = [this.put(m)];
    if (m.seq !== null) writes.push(this.t.outbox.put([m.from, m.seq], m.sid));
    if (m.sendAt !== null) writes.push(this.t.scheduled.remove([m.sendAt, m.sid]));
    return allWritten(writes);
  }

  /** The message left its sender's queue for good (sent, failed or expired). */
  leaveOutbox(m: MessageRecord): Promise<unknown> {
    return m.seq !== null ? allWritten([this.put(m), this.t.outbox.remove([m.from, m.seq])]) : this.put(m);
  }

  cancelScheduled(m: MessageRecord): Promise<unknown> {
    return m.sendAt !== null ? allWritten([this.put(m), this.t.scheduled.remove([m.sendAt, m.sid])]) : this.put(m);
  }

  remove(m: MessageRecord): Promise<unknown> {
    this.recent.delete(m.sid);
    return allWritten([this.t.messages.remove(m.sid), this.t.messagesByAccount.remove([m.accountSid, -m.dateCreated, m.sid])]);
  }

  rememberCarrierId(carrier: string, messageId: string, sid: string, from: string, part: number): Promise<boolean> {
    const entry: CarrierIdEntry = { sid, from, part };
    let recent = this.recentCarrierIds.get(carrier);
    if (!recent) this.recentCarrierIds.set(carrier, (recent = new RecentMap(RECENT_CARRIER_IDS)));
    // Kept even if the write fails: the carrier did take the segment under this id, so a receipt for it is real.
    recent.set(messageId, entry);
    return this.t.carrierIds.put([carrier, messageId], entry);
  }

  lookupCarrierId(carrier: string, messageId: string): CarrierIdEntry | undefined {
    return this.recentCarrierIds.get(carrier)?.get(messageId) ?? this.t.carrierIds.get([carrier, messageId]);
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
