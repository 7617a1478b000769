// Durable call records: the record, its place in the account's list, and the live-call marker, written together.
import type { Tables } from '../store/db.js';
import type { CallRecord, CallStatus } from '../store/records.js';

export const FINAL_STATUSES: ReadonlySet<CallStatus> = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

export function isFinal(status: CallStatus): boolean {
  return FINAL_STATUSES.has(status);
}

export class CallStore {
  constructor(private readonly t: Tables) {}

  get(sid: string): CallRecord | undefined {
    return this.t.calls.get(sid);
  }

  /** Stores a new call; resolves once it is on disk. */
  async create(c: CallRecord): Promise<void> {
    // Issued in one event turn, so lmdb-js commits them as one batch.
    await Promise.all([
      this.t.calls.put(c.sid, c),
      this.t.callsByAccount.put([c.accountSid, -c.dateCreated, c.sid], c.sid),
      isFinal(c.status) ? Promise.resolve(true) : this.t.liveCalls.put(c.sid, c.dateCreated),
    ]);
  }

  /** Saves the record as given (the live marker follows its status); resolves once durable. */
  async save(c: CallRecord): Promise<void> {
    await Promise.all([this.t.calls.put(c.sid, c), isFinal(c.status) ? this.t.liveCalls.remove(c.sid) : Promise.resolve(true)]);
  }

  async remove(c: CallRecord): Promise<void> {
    await Promise.all([
      this.t.calls.remove(c.sid),
      this.t.callsByAccount.remove([c.accountSid, -c.dateCreated, c.sid]),
      this.t.liveCalls.remove(c.sid),
    ]);
  }

  /** Calls that were live when tandem last stopped or crashed. */
  liveSids(): string[] {
    return [...this.t.liveCalls.getKeys({ snapshot: false })].map(String);
  }
}
