// Call queues (QU…) as records: created through the Queues API or on demand by <Enqueue>, named uniquely within an
// account. Few, and looked up by name on every <Enqueue> and <Dial><Queue>: cached in memory, written through to
// LMDB. Who is waiting in a queue is live state (call-queues.ts), not stored: calls do not survive a restart.
import type { Tables } from '../store/db.js';
import type { QueueRecord } from '../store/records.js';
import { newSid } from '../util/sid.js';

/** Twilio's default and ceiling for a queue's MaxSize. */
export const QUEUE_DEFAULT_MAX_SIZE = 1000;
export const QUEUE_MAX_SIZE_LIMIT = 5000;

/** Another queue of the account already has that name. */
export class QueueNameTakenError extends Error {}

export class QueueStore {
  private readonly bySid = new Map<string, QueueRecord>();
  /** `${accountSid} ${friendlyName}` → sid */
  private readonly byName = new Map<string, string>();

  constructor(private readonly t: Tables) {
    for (const { value } of t.queues.getRange({})) this.remember(value);
  }

  get(sid: string): QueueRecord | undefined {
    return this.bySid.get(sid);
  }

  /** The queue `sid` if it belongs to `accountSid`. */
  of(accountSid: string, sid: string): QueueRecord | undefined {
    const q = this.bySid.get(sid);
    return q?.accountSid === accountSid ? q : undefined;
  }

  named(accountSid: string, friendlyName: string): QueueRecord | undefined {
    const sid = this.byName.get(nameKey(accountSid, friendlyName));
    return sid === undefined ? undefined : this.bySid.get(sid);
  }

  /** Stored before it resolves; the name is taken at once, so two creates of one name cannot both succeed. */
  async create(accountSid: string, friendlyName: string, maxSize = QUEUE_DEFAULT_MAX_SIZE): Promise<QueueRecord> {
    if (this.named(accountSid, friendlyName)) throw new QueueNameTakenError(`A queue named '${friendlyName}' already exists`);
    const now = Date.now();
    const q: QueueRecord = { sid: newSid('QU', now), accountSid, friendlyName, maxSize, dateCreated: now, dateUpdated: now };
    this.remember(q);
    await Promise.all([this.t.queues.put(q.sid, q), this.t.queuesByAccount.put([accountSid, now, q.sid], q.sid)]);
    return q;
  }

  /** The account's queue of that name, created (with the default MaxSize) if it has none: what <Enqueue> does. */
  async ensure(accountSid: string, friendlyName: string): Promise<QueueRecord> {
    return this.named(accountSid, friendlyName) ?? (await this.create(accountSid, friendlyName));
  }

  async update(q: QueueRecord, patch: { friendlyName?: string; maxSize?: number }): Promise<QueueRecord> {
    if (patch.friendlyName !== undefined && patch.friendlyName !== q.friendlyName && this.named(q.accountSid, patch.friendlyName)) {
      throw new QueueNameTakenError(`A queue named '${patch.friendlyName}' already exists`);
    }
    const updated: QueueRecord = { ...q, ...patch, dateUpdated: Date.now() };
    this.byName.delete(nameKey(q.accountSid, q.friendlyName));
    this.remember(updated);
    await this.t.queues.put(q.sid, updated);
    return updated;
  }

  async remove(q: QueueRecord): Promise<void> {
    this.bySid.delete(q.sid);
    this.byName.delete(nameKey(q.accountSid, q.friendlyName));
    await Promise.all([this.t.queues.remove(q.sid), this.t.queuesByAccount.remove([q.accountSid, q.dateCreated, q.sid])]);
  }

  private remember(q: QueueRecord): void {
    this.bySid.set(q.sid, q);
    this.byName.set(nameKey(q.accountSid, q.friendlyName), q.sid);
  }
}

function nameKey(accountSid: string, friendlyName: string): string {
  return `${accountSid} ${friendlyName}`;
}
