// Durable reassembly of concatenated inbound messages (UDH 8/16-bit references or sar_* TLVs, all reduced to
// ConcatInfo by protocols/smpp). Each part is stored before the carrier gets its deliver_sm_resp; the part that
// completes a message is stored as the message itself. Parts still missing after the timeout: the message is
// delivered as what arrived, flagged. Groups survive restarts: they are reloaded and their timers re-armed.
import type { InboundPart } from '../../../protocols/smpp/mo.js';
import type { MoPartRecord } from '../../store/records.js';
import { reassemblyKey, type InboundStore } from './mo-store.js';

/** A joined message: its parts in order; `missing` > 0 when the timeout delivered it incomplete. */
export interface JoinedMessage {
  parts: MoPartRecord[];
  total: number;
  missing: number;
  /** Index keys of the parts already stored, to remove in the commit that creates the message. */
  storedKeys: [string, number][];
}

/** Makes the joined message durable (and acts on it once it is); `fp` is the completing part's fingerprint. */
export type DeliverJoined = (m: JoinedMessage, fp: string | null) => Promise<unknown>;

interface Group {
  key: string;
  parts: Map<number, MoPartRecord>;
  /** Parts whose write has been issued (they are in moParts, or soon will be). */
  stored: Set<number>;
  firstAt: number;
  timer: NodeJS.Timeout | null;
  lastWrite: Promise<unknown>;
}

export const DEFAULT_REASSEMBLY_TIMEOUT_MS = 60_000;
/**
 * After a restart, a half-joined message waits at least this long (capped by the timeout) even if its timeout
 * ran out while tandem was down: the parts tandem never acknowledged are on their way again from the carrier.
 */
const RESTART_GRACE_MS = 15_000;
/** Completed messages remembered (per process), so a late resend of one of their parts does not start a new one. */
const MAX_RECENT = 10_000;

export class Reassembler {
  private readonly groups = new Map<string, Group>();
  /** key → until when a part for that key belongs to a message already delivered. */
  private readonly recent = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly store: InboundStore,
    private readonly deliver: DeliverJoined,
    private readonly timeoutMs = DEFAULT_REASSEMBLY_TIMEOUT_MS,
    private readonly onError: (err: unknown, key: string) => void = () => undefined,
  ) {}

  /** Reload the groups left from before a restart; their timeouts keep counting from their first part. */
  restore(): number {
    for (const [key, parts] of this.store.partsByKey()) {
      const first = parts[0]!;
      const g = this.group(key, first.firstAt, Math.min(this.timeoutMs, RESTART_GRACE_MS));
      for (const p of parts) {
        g.parts.set(p.seq, p);
        g.stored.add(p.seq);
      }
      if (g.parts.size >= first.total) this.complete(g, null);
    }
    return this.groups.size;
  }

  get openGroups(): number {
    return this.groups.size;
  }

  /** Takes one part; resolves once it is durable, so the carrier may be acknowledged. */
  accept(carrier: string, p: InboundPart, fp: string): Promise<unknown> {
    const c = p.concat!;
    const key = reassemblyKey({ from: p.from, to: p.to, ref: c.ref, total: c.total });
    const now = Date.now();
    const done = this.recent.get(key);
    if (done !== undefined) {
      // A part of a message already joined, resent because its acknowledgement was lost.
      if (done > now) return Promise.resolve();
      this.recent.delete(key);
    }
    const g = this.groups.get(key) ?? this.group(key, now);
    // The same part again (its acknowledgement was lost): it is already stored, or about to be.
    if (g.parts.has(c.seq)) return g.lastWrite;
    const rec: MoPartRecord = { carrier, from: p.from, to: p.to, ref: c.ref, total: c.total, seq: c.seq, text: p.text, firstAt: g.firstAt, at: now };
    g.parts.set(c.seq, rec);
    if (g.parts.size >= c.total) return this.complete(g, fp);
    g.stored.add(c.seq);
    g.lastWrite = this.store.storePart(key, rec, fp);
    return g.lastWrite;
  }

  private group(key: string, firstAt: number, minWaitMs = 0): Group {
    const g: Group = { key, parts: new Map(), stored: new Set(), firstAt, timer: null, lastWrite: Promise.resolve() };
    this.groups.set(key, g);
    if (!this.closed) {
      g.timer = setTimeout(() => this.expire(g), Math.max(minWaitMs, firstAt + this.timeoutMs - Date.now()));
      g.timer.unref();
    }
    return g;
  }

  private complete(g: Group, fp: string | null): Promise<unknown> {
    this.retire(g);
    if (this.recent.size >= MAX_RECENT) {
      const now = Date.now();
      for (const [k, until] of this.recent) if (until <= now || this.recent.size >= MAX_RECENT) this.recent.delete(k);
    }
    this.recent.set(g.key, Date.now() + this.timeoutMs);
    return this.join(g, fp);
  }

  private join(g: Group, fp: string | null): Promise<unknown> {
    const parts = [...g.parts.values()].sort((a, b) => a.seq - b.seq);
    const total = parts[0]!.total;
    const joined: JoinedMessage = { parts, total, missing: total - parts.length, storedKeys: [...g.stored].map((s) => [g.key, s]) };
    const written = this.deliver(joined, fp);
    written.catch((err: unknown) => this.onError(err, g.key));
    return written;
  }

  private expire(g: Group): void {
    g.timer = null;
    if (this.groups.get(g.key) !== g || g.parts.size === 0) return;
    // A part arriving from now on starts a new message. The last part write must land before the join removes it.
    this.retire(g);
    void g.lastWrite.then(() => this.join(g, null), () => this.join(g, null));
  }

  private retire(g: Group): void {
    if (g.timer) clearTimeout(g.timer);
    g.timer = null;
    if (this.groups.get(g.key) === g) this.groups.delete(g.key);
  }

  close(): void {
    this.closed = true;
    for (const g of this.groups.values()) if (g.timer) clearTimeout(g.timer);
  }
}
