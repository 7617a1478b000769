// The durable side of inbound messaging: MO parts waiting for their siblings, the fingerprints of parts stored
// but not yet acknowledged to the carrier (how a resend after a crash is recognised), and the "webhook still
// owed" marker of each inbound message. Every operation issues its writes in one event turn, so lmdb-js commits
// them together; callers acknowledge the carrier only after the returned promise resolves.
import { createHash } from 'node:crypto';
import type { InboundPart } from '../../../protocols/smpp/mo.js';
import { allWritten, durable, type Tables } from '../../store/db.js';
import type { InboundPendingRecord, MessageRecord, MoPartRecord } from '../../store/records.js';
import type { MessageStore } from '../message-store.js';

/**
 * Identifies one deliver_sm's content from one carrier. A carrier resends the same content when it got no
 * deliver_sm_resp; that resend must map to the same fingerprint.
 */
export function moFingerprint(carrier: string, p: InboundPart): string {
  const c = p.concat;
  return createHash('sha1')
    .update(`${carrier}\0${p.from}\0${p.to}\0${p.dataCoding}\0${c ? `${c.ref}/${c.total}/${c.seq}` : '-'}\0${p.text}`)
    .digest('base64url');
}

/** The parts of one concatenated message share this key (the carrier is left out: parts may come over different binds). */
export function reassemblyKey(p: { from: string; to: string; ref: number; total: number }): string {
  return `${p.to}\0${p.from}\0${p.ref}\0${p.total}`;
}

export class InboundStore {
  constructor(
    private readonly t: Tables,
    private readonly messages: MessageStore,
  ) {}

  /** True when a part with this fingerprint was stored but never acknowledged: this one is the carrier's resend. */
  isUnackedResend(fp: string): boolean {
    return this.t.moUnacked.doesExist(fp);
  }

  /** The carrier has its deliver_sm_resp: a later identical part is a new message, not a resend. */
  acknowledged(fp: string): Promise<boolean> {
    return this.t.moUnacked.remove(fp);
  }

  /**
   * A complete inbound message: the record (in the account's list), its pending-webhook marker, the fingerprint
   * of the part that completed it, and the removal of the parts it was joined from — one commit. Resolves once
   * committed; the caller waits for the flush (flushedSoFar) before acknowledging the carrier.
   */
  createMessage(m: MessageRecord, fp: string | null, joinedParts: [string, number][] = []): Promise<unknown> {
    const writes: Promise<unknown>[] = [
      this.messages.create(m),
      this.t.inboundPending.put(m.sid, { to: m.to, keywordDone: false }),
    ];
    if (fp !== null) writes.push(this.t.moUnacked.put(fp, Date.now()));
    for (const k of joinedParts) writes.push(this.t.moParts.remove(k));
    return allWritten(writes);
  }

  storePart(key: string, part: MoPartRecord, fp: string): Promise<unknown> {
    return durable(this.t, allWritten([this.t.moParts.put([key, part.seq], part), this.t.moUnacked.put(fp, Date.now())]));
  }

  /** Every stored part, grouped by reassembly key (restart recovery). */
  partsByKey(): Map<string, MoPartRecord[]> {
    const groups = new Map<string, MoPartRecord[]>();
    for (const { key, value } of this.t.moParts.getRange({})) {
      const list = groups.get(key[0]) ?? [];
      list.push(value);
      groups.set(key[0], list);
    }
    return groups;
  }

  /** Forget fingerprints of unacknowledged parts older than `before`: their carrier has given up resending. */
  async sweepUnacked(before: number): Promise<number> {
    const stale: string[] = [];
    for (const { key, value } of this.t.moUnacked.getRange({})) if (value < before) stale.push(key);
    await Promise.all(stale.map((k) => this.t.moUnacked.remove(k)));
    return stale.length;
  }

  pending(sid: string): InboundPendingRecord | undefined {
    return this.t.inboundPending.get(sid);
  }

  /** Every inbound message whose webhook is still owed, with the number that owns it. */
  allPending(): { sid: string; to: string }[] {
    return [...this.t.inboundPending.getRange({})].map(({ key, value }) => ({ sid: key, to: value.to }));
  }

  keywordDone(sid: string, to: string): Promise<boolean> {
    return this.t.inboundPending.put(sid, { to, keywordDone: true });
  }

  done(sid: string): Promise<boolean> {
    return this.t.inboundPending.remove(sid);
  }
}
