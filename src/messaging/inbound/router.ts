// Inbound messages from carriers: each MO part is stored (or joined into its message) durably, then the carrier
// gets its deliver_sm_resp, then the message goes to the mailbox of the number that received it. A resend of a
// part stored but never acknowledged (tandem crashed in between) is acknowledged and dropped. A message for a
// number nobody owns is acknowledged, logged and counted: retrying it could never succeed.
import { newMessageRecord } from '../message-record.js';
import type { NumberDirectory } from '../../numbers/directory.js';
import type { Counter } from 'prom-client';
import type { InboundPart } from '../../../protocols/smpp/mo.js';
import type { DeliverAck } from '../../../protocols/smpp/esme-session.js';
import type { NumberMsg } from '../../../actors/number/messages.js';
import { flushedSoFar, type Tables } from '../../store/db.js';
import type { MessageRecord, NumberRecord } from '../../store/records.js';
import { errorMessage } from '../error-codes.js';
import type { NewNotification } from '../../notifications/notifications.js';
import { moFingerprint, type InboundStore } from './mo-store.js';
import { Reassembler, DEFAULT_REASSEMBLY_TIMEOUT_MS, type JoinedMessage } from './reassembly.js';

/** How long a stored-but-unacknowledged part's fingerprint is kept for recognising the carrier's resend. */
export const RESEND_WINDOW_MS = 10 * 60_000;
/**
 * An acknowledgement can also reach the carrier too late (tandem overloaded, bind dropped): it then resends a part
 * tandem already took. An identical part (same carrier, handset, number, text, concat position) within this long
 * after the acknowledgement is taken for such a resend. The price: a handset sending the very same text twice within
 * these seconds is heard once. Without it, an overloaded tandem turns late acks into duplicate webhooks, which
 * add load, which makes more acks late.
 */
export const DEFAULT_RESEND_GRACE_MS = 10_000;
const SWEEP_MS = 60_000;
const MISSING_SEGMENT = 30009;

export interface InboundRouterLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface InboundRouterOptions {
  tables: Tables;
  store: InboundStore;
  numbers: { tell(key: string, msg: NumberMsg): void };
  notify(n: NewNotification): void;
  log: InboundRouterLog;
  metrics: {
    /** Inbound messages created (complete or flagged). */
    received: Counter;
    /** MO parts for a number nobody owns. */
    unknownNumber: Counter;
    /** Carrier resends recognised and dropped. */
    duplicates: Counter;
  };
  reassemblyTimeoutMs?: number;
  resendGraceMs?: number;
  /** Decoded number records by E.164 (the switch's shared cache); without it each lookup reads LMDB. */
  directory?: NumberDirectory;
}

export class InboundRouter {
  private readonly reassembler: Reassembler;
  /** Parts being written right now, by fingerprint: a resend that overtakes the write waits for it. */
  private readonly writing = new Map<string, Promise<unknown>>();
  /** Acknowledged parts whose fingerprint removal is not committed yet (the durable entry no longer counts). */
  private readonly forgetting = new Set<string>();
  /** Fingerprint → until when an identical part counts as a late resend; insertion order = expiry order. */
  private readonly recentlyAcked = new Map<string, number>();
  private readonly graceMs: number;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly o: InboundRouterOptions) {
    this.graceMs = o.resendGraceMs ?? DEFAULT_RESEND_GRACE_MS;
    this.reassembler = new Reassembler(
      o.store,
      (joined, fp) => this.deliverJoined(joined, fp),
      o.reassemblyTimeoutMs ?? DEFAULT_REASSEMBLY_TIMEOUT_MS,
      (err, key) => o.log.error({ err, key }, 'reassembled inbound message could not be stored'),
    );
  }

  /** Reload half-assembled messages and hand every message whose webhook is still owed back to its number. */
  start(): { groups: number; pending: number } {
    const groups = this.reassembler.restore();
    const pending = this.o.store.allPending();
    for (const { sid, to } of pending) this.o.numbers.tell(to, { type: 'inbound', sid });
    const sweep = () => void this.o.store.sweepUnacked(Date.now() - RESEND_WINDOW_MS).catch(() => undefined);
    sweep();
    this.sweeper = setInterval(sweep, SWEEP_MS);
    this.sweeper.unref();
    return { groups, pending: pending.length };
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.reassembler.close();
  }

  handle(carrier: string, part: InboundPart, ack: DeliverAck): void {
    try {
      this.route(carrier, part, ack);
    } catch (err) {
      // Left unacknowledged: the carrier sends it again.
      this.o.log.error({ err, carrier, from: part.from, to: part.to }, 'inbound SMS could not be handled; not acknowledged');
    }
  }

  private route(carrier: string, part: InboundPart, ack: DeliverAck): void {
    const number = this.owner(part.to);
    if (!number) {
      this.o.metrics.unknownNumber.inc();
      this.o.log.warn({ carrier, from: part.from, to: part.to }, 'inbound SMS for a number no account owns; acknowledged and dropped');
      ack();
      return;
    }
    const fp = moFingerprint(carrier, part);
    const inFlight = this.writing.get(fp);
    if (inFlight) {
      this.o.metrics.duplicates.inc();
      inFlight.then(() => ack(), () => undefined);
      return;
    }
    const recent = this.recentlyAcked.get(fp);
    if (recent !== undefined && recent > Date.now()) {
      this.o.metrics.duplicates.inc();
      ack();
      return;
    }
    if (!this.forgetting.has(fp) && this.o.store.isUnackedResend(fp)) {
      this.o.metrics.duplicates.inc();
      this.o.log.info({ carrier, from: part.from, to: part.to }, 'carrier resent an inbound part already stored; acknowledged and dropped');
      ack(0, () => this.forget(fp));
      return;
    }
    const written = part.concat ? this.reassembler.accept(carrier, part, fp) : this.deliverSingle(number, part, fp);
    this.writing.set(fp, written);
    written.then(
      () => {
        this.writing.delete(fp);
        // The stored fingerprint goes only once the acknowledgement has left: a crash before that must still
        // recognise the carrier's resend.
        ack(0, () => this.forget(fp));
      },
      (err: unknown) => {
        // Left unacknowledged: the carrier sends it again.
        this.writing.delete(fp);
        this.o.log.error({ err, carrier, from: part.from, to: part.to }, 'inbound SMS could not be stored; not acknowledged');
      },
    );
  }

  private forget(fp: string): void {
    const now = Date.now();
    for (const [k, until] of this.recentlyAcked) {
      if (until > now) break;
      this.recentlyAcked.delete(k);
    }
    if (this.graceMs > 0) {
      this.recentlyAcked.delete(fp);
      this.recentlyAcked.set(fp, now + this.graceMs);
    }
    this.forgetting.add(fp);
    const done = () => this.forgetting.delete(fp);
    this.o.store.acknowledged(fp).then(done, done);
  }

  private owner(e164: string): NumberRecord | undefined {
    if (this.o.directory) return this.o.directory.byE164(e164);
    const sid = this.o.tables.numberByE164.get(e164);
    return sid ? this.o.tables.numbers.get(sid) : undefined;
  }

  private deliverSingle(number: NumberRecord, part: InboundPart, fp: string): Promise<unknown> {
    const m = inboundRecord(number, part.from, part.to, part.text, 1);
    return this.o.store.createMessage(m, fp).then(() => this.dispatchThenFlush(m));
  }

  private deliverJoined(j: JoinedMessage, fp: string | null): Promise<unknown> {
    const first = j.parts[0]!;
    const number = this.owner(first.to);
    if (!number) {
      // Released while its parts were waiting: nobody can receive it any more.
      this.o.metrics.unknownNumber.inc();
      this.o.log.warn({ from: first.from, to: first.to }, 'reassembled SMS for a number no account owns any more; dropped');
      return Promise.all(j.storedKeys.map((k) => this.o.tables.moParts.remove(k)));
    }
    const m = inboundRecord(number, first.from, first.to, j.parts.map((p) => p.text).join(''), j.total);
    if (j.missing > 0) {
      m.errorCode = MISSING_SEGMENT;
      m.errorMessage = `${errorMessage(MISSING_SEGMENT)}: ${j.missing} of ${j.total} parts never arrived`;
    }
    return this.o.store.createMessage(m, fp, j.storedKeys).then(() => {
      if (j.missing > 0) {
        this.o.notify({
          accountSid: m.accountSid,
          errorCode: MISSING_SEGMENT,
          log: 1,
          messageSid: m.sid,
          text: `Inbound message from ${m.from} delivered incomplete: ${j.missing} of ${j.total} segments missing after the reassembly timeout`,
        });
      }
      return this.dispatchThenFlush(m);
    });
  }

  /**
   * The number starts on the message as soon as it is committed (readable); the carrier's acknowledgement waits for
   * the flush to disk as well. A power cut in between means a resend and a second webhook, never a lost message.
   */
  private dispatchThenFlush(m: MessageRecord): Promise<void> {
    this.dispatch(m);
    return flushedSoFar(this.o.tables);
  }

  private dispatch(m: MessageRecord): void {
    this.o.metrics.received.inc();
    this.o.numbers.tell(m.to, { type: 'inbound', sid: m.sid });
  }
}

/** `number` as the directory shows it: its Messaging Service, if it sends for one, is the message's too. */
export function inboundRecord(number: Pick<NumberRecord, 'accountSid' | 'messagingServiceSid'>, from: string, to: string, body: string, segments: number): MessageRecord {
  const now = Date.now();
  const accountSid = number.accountSid;
  const messagingServiceSid = number.messagingServiceSid ?? null;
  return newMessageRecord({ accountSid, from, to, body, status: 'received', direction: 'inbound', numSegments: segments, dateSent: now, messagingServiceSid }, now);
}
