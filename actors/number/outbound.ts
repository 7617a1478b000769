// A number's outbound side: its FIFO sender queue, its segment pacer, and the one message it has at the carrier
// at a time (so the carrier sees this sender's segments in the order the API accepted them, retries included).
import { planSegments } from '../../protocols/smpp/encoding.js';
import { buildSubmitParts, type SubmitParts } from '../../protocols/smpp/udh.js';
import { dlrOutcome, type DeliveryReceipt } from '../../protocols/smpp/dlr.js';
import type { RoutedResult } from '../../src/carriers/router.js';
import type { MessageRecord } from '../../src/store/records.js';
import { errorMessage, submitErrorCode } from '../../src/messaging/error-codes.js';
import type { EntityContext } from '../registry.js';
import { SegmentPacer } from './pacer.js';
import { SenderQueue, queueCapSegments } from './sender-queue.js';
import type { NumberDeps, NumberMsg } from './messages.js';

interface InFlight {
  record: MessageRecord;
  parts: SubmitParts;
  /** The segment being (or next to be) submitted. */
  part: number;
  attempts: number;
  awaitingCarrier: boolean;
  issuedAt: number;
}

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 10_000;
const EXPIRY_SWEEP_MS = 1_000;
/** A short queue keeps its records in memory; a long backlog is read back from LMDB as it drains. */
const KEEP_RECORDS_BELOW = 64;
const CLOCK_WRITE_MS = 100;

/** Validity counts from when the message joined the queue: creation, or its SendAt for a scheduled one. */
function expiresAt(m: MessageRecord): number {
  return (m.sendAt ?? m.dateCreated) + m.validityMs;
}

export type EnqueueResult = { ok: true } | { ok: false; code: number; message: string };

export class Outbound {
  readonly queue = new SenderQueue();
  private readonly pacer: SegmentPacer;
  private inflight: InFlight | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private clockWrittenAt = 0;

  constructor(
    readonly sender: string,
    private rate: number,
    private readonly deps: NumberDeps,
    private readonly ctx: EntityContext<NumberMsg>,
  ) {
    const last = deps.store.lastSentAt(sender);
    this.pacer = new SegmentPacer(rate, performance.now(), last === undefined ? undefined : Math.max(0, Date.now() - last));
  }

  get idle(): boolean {
    return this.queue.length === 0 && this.inflight === null && this.timer === null && this.sweepTimer === null;
  }

  setRate(rate: number): void {
    this.rate = rate;
    this.pacer.setRate(rate);
  }

  capSegments(): number {
    return queueCapSegments(this.rate);
  }

  /** Queue a message already written to the outbox (restart recovery). */
  restore(m: MessageRecord): void {
    this.queue.push({ sid: m.sid, seq: m.seq ?? 0, segments: m.numSegments, expiresAt: expiresAt(m), durable: true });
  }

  /**
   * Accept a new message at the tail of the queue, or refuse it when 10 hours of traffic are already waiting.
   * The record is written durably here; `reply` fires only once it is on disk.
   */
  enqueue(m: MessageRecord, seq: number, reply: (r: EnqueueResult) => void, fromSchedule: boolean): boolean {
    if (!this.queue.fits(m.numSegments, this.capSegments())) {
      if (!fromSchedule && m.messagingServiceSid === null) {
        reply({ ok: false, code: 21611, message: `This 'From' number has exceeded the maximum number of queued messages` });
        return false;
      }
      // As on Twilio, a Messaging Service's send is taken and then fails with 30001, and a scheduled message has no
      // caller left to refuse: either way the message is kept, failed, and its callback says so.
      this.overflow(m, fromSchedule, reply);
      return false;
    }
    m.seq = seq;
    const written = fromSchedule ? this.deps.store.promoteScheduled(m) : this.deps.store.create(m, { outbox: true });
    this.queue.push({
      sid: m.sid,
      seq,
      segments: m.numSegments,
      expiresAt: expiresAt(m),
      durable: false,
      ...(this.queue.length < KEEP_RECORDS_BELOW ? { record: m } : {}),
    });
    written.then(
      () => {
        reply({ ok: true });
        this.reenter('durable', () => this.markDurable(m.sid));
      },
      (err: unknown) => {
        this.notStored(m, err, reply);
        this.reenter('drop', () => this.drop(m.sid));
      },
    );
    return true;
  }

  private overflow(m: MessageRecord, fromSchedule: boolean, reply: (r: EnqueueResult) => void): void {
    m.status = 'failed';
    m.errorCode = 30001;
    m.errorMessage = `${errorMessage(30001)}: ${this.sender} already has 10 hours of traffic queued`;
    m.dateUpdated = Date.now();
    this.deps.metrics.messagesSent.inc({ status: 'overflow' });
    if (fromSchedule) {
      void this.deps.store.cancelScheduled(m).then(() => this.deps.callbacks.statusChanged(m));
      reply({ ok: true });
      return;
    }
    // Answered once the failed record is on disk, as any accepted message is.
    this.deps.store.create(m).then(
      () => {
        reply({ ok: true });
        this.deps.callbacks.statusChanged(m);
      },
      (err: unknown) => this.notStored(m, err, reply),
    );
  }

  /** The write of a new message failed: logged, and the caller is told it was not taken. */
  private notStored(m: MessageRecord, err: unknown, reply: (r: EnqueueResult) => void): void {
    this.ctx.log.error({ err, sid: m.sid }, 'message could not be stored');
    reply({ ok: false, code: 20500, message: 'Internal Server Error: the message could not be stored' });
  }

  private markDurable(sid: string): void {
    const q = this.queue.find(sid);
    if (q) q.durable = true;
    this.pump();
  }

  private drop(sid: string): void {
    const q = this.queue.find(sid);
    if (q) q.expiresAt = -1; // removed by the next expiry pass without a status change
    this.queue.removeExpired(0);
    this.pump();
  }

  private tick(): void {
    this.timer = null;
    if (this.inflight && !this.inflight.awaitingCarrier) this.submitNext();
    else this.pump();
  }

  /** Start on the head of the queue if nothing is at the carrier and the pacer allows. */
  pump(): void {
    if (this.inflight || this.timer) return;
    this.armExpirySweep();
    for (;;) {
      const head = this.queue.peek();
      if (!head || !head.durable) return;
      const now = Date.now();
      if (head.expiresAt <= now) {
        this.queue.shift();
        this.expire(head.sid);
        continue;
      }
      // Wait for the pacer with the message still queued, so its validity can still run out meanwhile.
      const wait = this.pacer.wait(performance.now());
      if (wait > 0) {
        this.arm(Math.min(wait, Math.max(1, head.expiresAt - now + 1)));
        return;
      }
      const record = head.record ?? this.deps.store.get(head.sid);
      if (!record || record.status !== 'queued') {
        // Deleted or canceled while waiting: it simply leaves the queue.
        this.queue.shift();
        if (record) void this.deps.store.leaveOutbox(record);
        continue;
      }
      const plan = planSegments(record.body);
      this.inflight = {
        record,
        parts: buildSubmitParts(plan, head.seq & 0xff),
        part: record.carrierIds.length,
        attempts: 0,
        awaitingCarrier: false,
        issuedAt: 0,
      };
      if (this.inflight.part === 0) {
        record.status = 'sending';
        this.deps.callbacks.statusChanged(record);
      }
      this.submitNext();
      return;
    }
  }

  private submitNext(): void {
    const f = this.inflight!;
    const wait = this.pacer.wait(performance.now());
    if (wait > 0) {
      this.arm(wait);
      return;
    }
    f.issuedAt = performance.now();
    this.pacer.take(f.issuedAt);
    f.awaitingCarrier = true;
    const part = f.part;
    const sid = f.record.sid;
    this.deps.carriers
      .submit(f.record.to, {
        from: f.record.from,
        to: f.record.to,
        shortMessage: f.parts.shortMessages[part]!,
        dataCoding: f.parts.dataCoding,
        esmClass: f.parts.esmClass,
        registeredDelivery: 1,
      })
      .then((result) => this.reenter('submitted', () => this.submitted(sid, part, result)));
  }

  private submitted(sid: string, part: number, result: RoutedResult): void {
    const f = this.inflight;
    if (!f || f.record.sid !== sid || f.part !== part) return;
    f.awaitingCarrier = false;
    const r = f.record;
    if (result.ok) {
      // When the answer was read, not when it got here: the bind's mailbox and this actor's turn add nothing to
      // the carrier's arrival time, so they must not widen the gap to the next segment.
      this.pacer.settle(f.issuedAt, result.answeredAt);
      r.carrierIds[part] = result.messageId;
      void this.deps.store.rememberCarrierId(result.carrier, result.messageId, r.sid, r.from, part);
      // The durable clock only needs to be as fine as the pacing it protects: at most every 100 ms per sender.
      const wall = Date.now();
      if (wall - this.clockWrittenAt >= CLOCK_WRITE_MS) {
        this.clockWrittenAt = wall;
        void this.deps.store.markSent(r.from, wall);
      }
      if (part === 0) r.dateSent = Date.now();
      r.dateUpdated = Date.now();
      this.deps.metrics.segmentsSubmitted.inc();
      if (part + 1 < f.parts.shortMessages.length) {
        f.part++;
        f.attempts = 0;
        void this.deps.store.save({ ...r, status: 'queued' });
        this.submitNext();
        return;
      }
      // An early receipt may already have settled the outcome while later segments were still going out.
      if (r.status === 'sending') r.status = r.segmentsDelivered >= r.numSegments ? 'delivered' : 'sent';
      this.finish(r);
      return;
    }
    if (result.retryable) {
      f.attempts++;
      this.deps.metrics.submitRetries.inc();
      this.arm(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(f.attempts - 1, 6)));
      return;
    }
    r.status = 'failed';
    r.errorCode = submitErrorCode(result.commandStatus);
    r.errorMessage = errorMessage(r.errorCode);
    r.dateUpdated = Date.now();
    this.deps.notify(r, `carrier ${result.carrier} rejected the message (command_status 0x${result.commandStatus.toString(16)})`);
    this.finish(r);
  }

  /** A delivery receipt for one segment of one of this sender's messages. */
  receipt(sid: string, dlr: DeliveryReceipt, ack: () => void): void {
    const outcome = dlrOutcome(dlr.stat, dlr.err);
    const inflightRecord = this.inflight?.record.sid === sid ? this.inflight.record : undefined;
    const r = inflightRecord ?? this.deps.store.get(sid);
    if (!r || outcome === null || r.status === 'delivered' || r.status === 'undelivered' || r.status === 'failed') {
      ack();
      return;
    }
    if (dlr.doneDate) r.rawDlrDoneDate = dlr.doneDate;
    r.dateUpdated = Date.now();
    let changed = false;
    if (outcome.status === 'delivered') {
      r.segmentsDelivered++;
      if (r.segmentsDelivered >= r.numSegments && r.status === 'sent') {
        r.status = 'delivered';
        changed = true;
      }
    } else {
      r.status = outcome.status;
      r.errorCode = outcome.errorCode;
      r.errorMessage = outcome.errorCode !== null ? errorMessage(outcome.errorCode) : null;
      changed = true;
      this.deps.notify(r, `carrier reported ${dlr.stat} (err ${dlr.err})`);
    }
    if (inflightRecord) {
      // Still submitting later segments: the outcome is folded in when the message leaves the queue.
      ack();
      return;
    }
    void this.deps.store.save(r).then(() => {
      ack();
      if (changed) this.deps.callbacks.statusChanged(r);
    });
  }

  private finish(r: MessageRecord): void {
    this.inflight = null;
    this.queue.shift();
    void this.deps.store.leaveOutbox(r).then(() => {
      // The carrier took it before any receipt could arrive: the app sees `sent` first, as from Twilio.
      if (r.status === 'delivered' || r.status === 'undelivered') {
        this.deps.callbacks.statusChanged({ ...r, status: 'sent', errorCode: null, errorMessage: null });
      }
      this.deps.callbacks.statusChanged(r);
    });
    this.deps.metrics.messagesSent.inc({ status: r.status });
    this.pump();
  }

  private expire(sid: string): void {
    const r = this.deps.store.get(sid);
    if (!r || r.status !== 'queued') return;
    r.status = 'failed';
    r.errorCode = 30001;
    r.errorMessage = `${errorMessage(30001)}: still queued when its ValidityPeriod ran out`;
    r.dateUpdated = Date.now();
    this.deps.metrics.messagesSent.inc({ status: 'expired' });
    void this.deps.store.leaveOutbox(r).then(() => this.deps.callbacks.statusChanged(r));
  }

  /**
   * The continuation of this actor's own I/O or timer (a commit, a submit_sm_resp, the pacer's wake-up) runs
   * directly rather than as a mailbox message. That is safe: JavaScript runs it alone, as the mailbox would; the
   * actor cannot be passivated meanwhile (pending work keeps it from being idle, see `idle`); and it saves a
   * mailbox dispatch per step of every message (three or more per message at thousands of messages a second).
   */
  private reenter(step: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.ctx.log.error({ err, sender: this.sender, step }, 'number actor step failed');
    }
  }

  private arm(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.reenter('tick', () => this.tick()), Math.max(1, Math.ceil(ms)));
  }

  /** Messages deep in a long queue must still fail when their validity runs out, not only when they reach the head. */
  private armExpirySweep(): void {
    if (this.sweepTimer || this.queue.length < 2) return;
    this.sweepTimer = setTimeout(() => {
      this.sweepTimer = null;
      this.reenter('sweep', () => this.sweep());
    }, EXPIRY_SWEEP_MS);
  }

  private sweep(): void {
    const now = Date.now();
    // The message at the carrier is past the point of expiring: it is kept whatever its validity.
    for (const m of this.queue.removeExpired(now, this.inflight?.record.sid)) this.expire(m.sid);
    this.pump();
    this.armExpirySweep();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.timer = null;
    this.sweepTimer = null;
  }
}
