// Conference records (CF…) in LMDB: one per room while it lasts, kept once completed, newest first per account (the
// Conferences list's order). Participants are live state (conferences.ts). A room that was live when tandem
// stopped cannot go on (its calls died with the process): it is closed at start.
import type { Tables } from '../store/db.js';
import type { ConferenceRecord } from '../store/records.js';
import { newSid } from '../util/sid.js';

export class ConferenceStore {
  constructor(readonly t: Tables) {}

  get(sid: string): ConferenceRecord | undefined {
    return this.t.conferences.get(sid);
  }

  /** A new room of `friendlyName`, status `init`; the record to store with save(). */
  fresh(accountSid: string, friendlyName: string): ConferenceRecord {
    const now = Date.now();
    return { sid: newSid('CF', now), accountSid, friendlyName, status: 'init', reasonConferenceEnded: null, callSidEndingConference: null, dateCreated: now, dateUpdated: now };
  }

  async save(c: ConferenceRecord): Promise<void> {
    await Promise.all([this.t.conferences.put(c.sid, c), this.t.conferencesByAccount.put([c.accountSid, -c.dateCreated, c.sid], c.sid)]);
  }

  /** Closes every room left live by a stop or crash; how many. */
  async closeStale(): Promise<number> {
    const now = Date.now();
    const stale = [...this.t.conferences.getRange({})].map((e) => e.value).filter((c) => c.status !== 'completed');
    for (const c of stale) await this.save({ ...c, status: 'completed', reasonConferenceEnded: 'last-participant-left', dateUpdated: now });
    return stale.length;
  }
}
