// One ESME session to one carrier: connect, bind, keep alive, re-bind after loss, and a bounded,
// rate-limited window of submit_sm with per-PDU response timeouts. No business rules: callers decide
// what to send and what a result means for a message.
import { EventEmitter } from 'node:events';
import {
  smpp,
  STATUS,
  isThrottleStatus,
  isRetryableStatus,
  writeBatched,
  flushTurn,
  nextSequence,
  type PDU,
  type Session,
} from './wire.js';
import { encodeSubmitSm, encodeEmptyIdResponse, smFields, type SubmitSmFields } from './pdu-encode.js';
import { readWithFastDecoder } from './pdu-decode.js';
import { isDeliveryReceipt, parseDeliveryReceipt, type DeliveryReceipt } from './dlr.js';
import { decodeMo, type DefaultAlphabet, type InboundPart } from './mo.js';
import type { SarTlvs } from './udh.js';

export type BindType = 'transceiver' | 'transmitter' | 'receiver';

export interface SmppLogger {
  debug?(msg: string, ...rest: unknown[]): void;
  info?(msg: string, ...rest: unknown[]): void;
  warn?(msg: string, ...rest: unknown[]): void;
  error?(msg: string, ...rest: unknown[]): void;
}

export interface EsmeSessionOptions {
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType?: string;
  /** Default transceiver. */
  bindType?: BindType;
  /** Outstanding submit_sm without a response. Default 100. */
  window?: number;
  /** Submits waiting for window/rate/bind; beyond this submit() answers retryable 'queue_full'. Default max(5,000, 10 × window). */
  maxQueued?: number;
  /** A queued submit that cannot be sent within this long resolves retryable 'queue_timeout'. Default 30 s. */
  queueTimeoutMs?: number;
  /** Per-PDU submit_sm_resp timeout. Default 10 s. */
  responseTimeoutMs?: number;
  /** enquire_link after this long without inbound traffic. Default 30 s. */
  enquireLinkIntervalMs?: number;
  /** No enquire_link_resp within this long drops the link. Default 10 s. */
  enquireLinkTimeoutMs?: number;
  connectTimeoutMs?: number;
  bindTimeoutMs?: number;
  /** Re-bind backoff: first delay and cap. Defaults 250 ms, 30 s. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Max submit_sm per second; unset = as fast as the window allows. */
  maxSubmitRate?: number;
  /** After a throttle response: stop sending this long, then resume at a reduced rate. Default 1 s. */
  throttlePauseMs?: number;
  /** How to read data_coding 0 in MO from this carrier. Default 'gsm7' (GSM 03.38, per SMPP). */
  defaultAlphabet?: DefaultAlphabet;
  logger?: SmppLogger;
}

export interface SubmitParams {
  /** E.164 ('+1555…'), a short code (digits) or an alphanumeric sender. */
  from: string;
  to: string;
  shortMessage: Buffer;
  dataCoding: number;
  esmClass?: number;
  /** registered_delivery; default 1 (receipt on final outcome). */
  registeredDelivery?: number;
  /** sar_* TLVs, for carriers that want them instead of a UDH. */
  sar?: Required<SarTlvs>;
  /** SMPP absolute or relative time string. */
  validityPeriod?: string;
}

export type SubmitFailureReason = 'status' | 'timeout' | 'unbound' | 'queue_full' | 'queue_timeout' | 'closed';

export type SubmitResult =
  /** `answeredAt`: performance.now() when the submit_sm_resp was read, before any queue on tandem's side. */
  | { ok: true; messageId: string; answeredAt: number }
  | {
      ok: false;
      /** The carrier's command_status; -1 when the failure is local (see reason). */
      commandStatus: number;
      retryable: boolean;
      reason: SubmitFailureReason;
    };

export type DeliverEvent =
  /**
   * `ack` sends deliver_sm_resp (status 0 = accepted); call it only once the event is durably stored.
   * A receipt can arrive before the submit() promise of its message has been handled by the caller
   * (both come off the same socket read), so receivers must tolerate a receipt for an id not yet known.
   */
  | { kind: 'dlr'; dlr: DeliveryReceipt; ack: DeliverAck }
  | { kind: 'mo'; mo: InboundPart; ack: DeliverAck };

/**
 * Sends the deliver_sm_resp. Writes are batched per event-loop turn, so `onWritten` says when it has actually left
 * for the carrier: what depends on the carrier having its answer (forgetting a resend fingerprint) waits for it.
 * Never called when the session was replaced meanwhile (the carrier then resends).
 */
export type DeliverAck = (status?: number, onWritten?: () => void) => void;

export interface EsmeSessionEvents {
  bound: [];
  unbound: [reason: string];
  deliver_sm: [event: DeliverEvent];
  error: [err: Error];
}

interface Waiting {
  params: SubmitParams;
  resolve: (r: SubmitResult) => void;
  deadline: number;
}

interface InFlight {
  resolve: (r: SubmitResult) => void;
  deadline: number;
}

const LOCAL = -1;
const TIMEOUT_RESULT: SubmitResult = { ok: false, commandStatus: LOCAL, retryable: true, reason: 'timeout' };
const UNBOUND_RESULT: SubmitResult = { ok: false, commandStatus: LOCAL, retryable: true, reason: 'unbound' };
const QUEUE_FULL_RESULT: SubmitResult = { ok: false, commandStatus: LOCAL, retryable: true, reason: 'queue_full' };
const QUEUE_TIMEOUT_RESULT: SubmitResult = { ok: false, commandStatus: LOCAL, retryable: true, reason: 'queue_timeout' };
const CLOSED_RESULT: SubmitResult = { ok: false, commandStatus: LOCAL, retryable: true, reason: 'closed' };

type State = 'idle' | 'connecting' | 'binding' | 'bound' | 'unbinding' | 'closed';

export class EsmeSession extends EventEmitter<EsmeSessionEvents> {
  private readonly o: Required<Omit<EsmeSessionOptions, 'maxSubmitRate' | 'logger' | 'systemType' | 'defaultAlphabet'>> & {
    maxSubmitRate: number;
    systemType: string;
    defaultAlphabet: DefaultAlphabet;
  };
  private readonly log: SmppLogger;
  private state: State = 'idle';
  private session: Session | null = null;
  /** Increments per connection so late callbacks from an old socket are ignored. */
  private generation = 0;

  // Waiting submits: an array used as a FIFO with a moving head (no shift()).
  private queue: Array<Waiting | undefined> = [];
  private qHead = 0;
  // In-flight submits in send order; all share one timeout, so Map order is deadline order.
  private inflight = new Map<number, InFlight>();

  // Token bucket; rate = Infinity when unlimited.
  private rate: number;
  private tokens = 1;
  private lastRefill = 0;
  private pausedUntil = 0;
  private lastThrottleAt = 0;
  // Achieved submit rate, measured over ~1 s windows, to know what "half as fast" means.
  private sentInWindow = 0;
  private windowStart = Date.now();
  private measuredRate = 0;

  private pumpTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private stepTimer: NodeJS.Timeout | null = null;
  private attempts = 0;
  private lastInboundAt = 0;
  private enquireSentAt = 0;
  private closePromise: Promise<void> | null = null;
  private startWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];

  constructor(opts: EsmeSessionOptions) {
    super();
    const window = clampInt(opts.window ?? 100, 1, 10_000);
    this.o = {
      host: opts.host,
      port: opts.port,
      systemId: opts.systemId,
      password: opts.password,
      systemType: opts.systemType ?? '',
      bindType: opts.bindType ?? 'transceiver',
      window,
      maxQueued: opts.maxQueued ?? Math.max(5_000, window * 10),
      queueTimeoutMs: opts.queueTimeoutMs ?? 30_000,
      responseTimeoutMs: opts.responseTimeoutMs ?? 10_000,
      enquireLinkIntervalMs: opts.enquireLinkIntervalMs ?? 30_000,
      enquireLinkTimeoutMs: opts.enquireLinkTimeoutMs ?? 10_000,
      connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
      bindTimeoutMs: opts.bindTimeoutMs ?? 10_000,
      reconnectMinMs: opts.reconnectMinMs ?? 250,
      reconnectMaxMs: opts.reconnectMaxMs ?? 30_000,
      maxSubmitRate: opts.maxSubmitRate && opts.maxSubmitRate > 0 ? opts.maxSubmitRate : Infinity,
      throttlePauseMs: opts.throttlePauseMs ?? 1_000,
      defaultAlphabet: opts.defaultAlphabet ?? 'gsm7',
    };
    this.rate = this.o.maxSubmitRate;
    this.log = opts.logger ?? {};
  }

  /** Running totals for metrics. */
  readonly counters = {
    submitted: 0,
    accepted: 0,
    rejected: 0,
    throttled: 0,
    timedOut: 0,
    lostOnUnbind: 0,
    binds: 0,
    bindFailures: 0,
    deliverSm: 0,
  };

  /** True while bound and able to submit. */
  get ready(): boolean {
    return this.state === 'bound' && this.o.bindType !== 'receiver';
  }

  /** submit_sm sent and not yet answered. */
  get inFlight(): number {
    return this.inflight.size;
  }

  /** submit() calls waiting for the window, the rate limit or a bind. */
  get queued(): number {
    return this.queue.length - this.qHead;
  }

  /** Current submit rate limit (per second); Infinity when unlimited. Lowered after throttling. */
  get currentRate(): number {
    return this.rate;
  }

  /**
   * Connects and binds; resolves on the first successful bind (retrying with backoff meanwhile),
   * rejects if close() comes first.
   */
  start(): Promise<void> {
    if (this.state === 'bound') return Promise.resolve();
    if (this.state === 'closed' || this.state === 'unbinding') return Promise.reject(new Error('session closed'));
    const bound = new Promise<void>((resolve, reject) => this.startWaiters.push({ resolve, reject }));
    if (this.state === 'idle' && !this.sweepTimer) {
      this.sweepTimer = setInterval(() => this.sweep(), Math.max(20, Math.min(250, this.o.responseTimeoutMs / 4)));
      this.sweepTimer.unref();
      this.connect();
    }
    return bound;
  }

  submit(params: SubmitParams): Promise<SubmitResult> {
    if (this.state === 'closed' || this.state === 'unbinding') return Promise.resolve(CLOSED_RESULT);
    if (this.o.bindType === 'receiver') return Promise.resolve(UNBOUND_RESULT);
    if (this.queue.length - this.qHead >= this.o.maxQueued) return Promise.resolve(QUEUE_FULL_RESULT);
    return new Promise<SubmitResult>((resolve) => {
      this.queue.push({ params, resolve, deadline: Date.now() + this.o.queueTimeoutMs });
      this.pump();
    });
  }

  /** Sends the PDUs written so far in this turn now (see wire.ts flushTurn): for callers in the check phase. */
  flush(): void {
    if (this.session) flushTurn(this.session);
  }

  /**
   * Graceful stop: no new submits, waits (up to `drainMs`) for in-flight responses, unbinds, closes.
   * Queued submits resolve retryable 'closed' so the caller can send them through another bind.
   */
  close(drainMs = 2_000): Promise<void> {
    if (this.closePromise) return this.closePromise;
    this.closePromise = this.doClose(drainMs);
    return this.closePromise;
  }

  private async doClose(drainMs: number): Promise<void> {
    const wasBound = this.state === 'bound';
    this.state = 'unbinding';
    this.clearTimer('reconnectTimer');
    this.clearTimer('pumpTimer');
    this.failQueued(CLOSED_RESULT);
    const until = Date.now() + drainMs;
    while (wasBound && this.inflight.size > 0 && Date.now() < until && this.session) await sleep(10);
    const session = this.session;
    if (session && wasBound) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1_000);
        const sent = session.send(new smpp.PDU('unbind'), () => {
          clearTimeout(t);
          resolve();
        });
        if (!sent) {
          clearTimeout(t);
          resolve();
        }
      });
    }
    this.state = 'closed';
    this.teardown('closed');
    this.clearTimer('sweepTimer');
    if (wasBound) this.emit('unbound', 'closed');
    for (const w of this.startWaiters.splice(0)) w.reject(new Error('session closed before it bound'));
  }

  // ---- connection lifecycle ----

  private connect(): void {
    if (this.state === 'closed' || this.state === 'unbinding') return;
    this.state = 'connecting';
    const gen = ++this.generation;
    const session = smpp.connect({ host: this.o.host, port: this.o.port });
    readWithFastDecoder(session);
    this.session = session;
    session.socket.setNoDelay(true);
    session.socket.setKeepAlive(true, 30_000);
    this.stepTimer = setTimeout(() => {
      if (gen === this.generation) this.dropLink('connect timeout');
    }, this.o.connectTimeoutMs);

    session.on('connect', () => {
      if (gen !== this.generation) return;
      this.clearTimer('stepTimer');
      this.bind(session, gen);
    });
    session.on('pdu', (pdu: PDU) => {
      if (gen === this.generation) this.onPdu(session, pdu);
    });
    session.on('error', (err: Error) => {
      if (gen !== this.generation) return;
      this.log.warn?.(`smpp ${this.o.host}:${this.o.port} session error: ${err.message}`);
      // Socket errors close the socket anyway; a PDU decode error leaves node-smpp's reader stuck
      // (its _busy flag stays set), so in both cases the link is dropped and re-bound.
      this.dropLink(`session error: ${err.message}`);
    });
    session.on('close', () => {
      if (gen === this.generation) this.onClose('socket closed');
    });
  }

  private bind(session: Session, gen: number): void {
    this.state = 'binding';
    const command = `bind_${this.o.bindType}`;
    const pdu = new smpp.PDU(command, {
      system_id: this.o.systemId,
      password: this.o.password,
      system_type: this.o.systemType,
      interface_version: 0x34,
    });
    this.stepTimer = setTimeout(() => {
      if (gen === this.generation) this.dropLink('bind timeout');
    }, this.o.bindTimeoutMs);
    session.send(pdu, (resp) => {
      if (gen !== this.generation) return;
      this.clearTimer('stepTimer');
      if (resp.command_status !== STATUS.OK) {
        this.counters.bindFailures++;
        this.emitError(new Error(`bind to ${this.o.host}:${this.o.port} refused, command_status 0x${resp.command_status.toString(16)}`));
        this.dropLink('bind refused');
        return;
      }
      this.state = 'bound';
      this.attempts = 0;
      this.counters.binds++;
      this.lastInboundAt = Date.now();
      this.enquireSentAt = 0;
      this.tokens = Math.min(1, this.bucketSize());
      this.lastRefill = Date.now();
      this.log.info?.(`smpp bound ${this.o.bindType} to ${this.o.host}:${this.o.port} as ${this.o.systemId}`);
      this.emit('bound');
      for (const w of this.startWaiters.splice(0)) w.resolve();
      this.pump();
    });
  }

  /** Destroys the socket; the close handler fails in-flight PDUs and schedules a re-bind. */
  private dropLink(reason: string): void {
    const session = this.session;
    if (!session) return;
    this.log.warn?.(`smpp ${this.o.host}:${this.o.port} dropping link: ${reason}`);
    const gen = this.generation;
    session.destroy();
    // destroy() emits 'close' asynchronously; make the state change now so nothing else uses the socket.
    if (gen === this.generation) this.onClose(reason);
  }

  private onClose(reason: string, destroy = true): void {
    const wasBound = this.state === 'bound';
    this.teardown(reason, destroy);
    if (wasBound) this.emit('unbound', reason);
    if (this.state === 'closed' || this.state === 'unbinding') return;
    this.state = 'idle';
    this.scheduleReconnect();
  }

  /** Forget the current socket and fail whatever was in flight on it. */
  private teardown(reason: string, destroy = true): void {
    this.generation++;
    this.clearTimer('stepTimer');
    this.clearTimer('pumpTimer');
    const session = this.session;
    this.session = null;
    if (session && destroy) session.destroy();
    if (this.inflight.size > 0) {
      this.log.warn?.(`smpp ${this.o.host}:${this.o.port} ${this.inflight.size} submits in flight lost: ${reason}`);
      const lost = [...this.inflight.values()];
      this.counters.lostOnUnbind += lost.length;
      this.inflight.clear();
      for (const f of lost) f.resolve(UNBOUND_RESULT);
    }
  }

  private scheduleReconnect(): void {
    const base = Math.min(this.o.reconnectMaxMs, this.o.reconnectMinMs * 2 ** Math.min(this.attempts, 20));
    this.attempts++;
    // ±20 % jitter so many binds to one carrier do not reconnect in lockstep.
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  // ---- inbound PDUs ----

  private onPdu(session: Session, pdu: PDU): void {
    this.lastInboundAt = Date.now();
    switch (pdu.command) {
      case 'submit_sm_resp':
        this.onSubmitResp(pdu.sequence_number, pdu.command_status, pdu.message_id);
        return;
      case 'generic_nack':
        // A nack for one of our submits answers it; any other nack is just logged.
        if (this.inflight.has(pdu.sequence_number)) {
          this.onSubmitResp(pdu.sequence_number, pdu.command_status || STATUS.SYSERR, undefined);
        } else this.log.warn?.(`smpp generic_nack 0x${pdu.command_status.toString(16)} seq ${pdu.sequence_number}`);
        return;
      case 'enquire_link':
        session.send(pdu.response());
        return;
      case 'enquire_link_resp':
        this.enquireSentAt = 0;
        return;
      case 'deliver_sm':
      case 'data_sm': // some carriers send receipts and MO as data_sm; same fields, same handling
        this.onDeliverSm(session, pdu);
        return;
      case 'unbind': {
        this.log.info?.(`smpp ${this.o.host}:${this.o.port} carrier unbound us`);
        // Answer, let the answer drain, then close; the session itself is abandoned right away.
        session.send(pdu.response(), () => session.close());
        const gen = this.generation;
        this.onClose('carrier unbind', false);
        if (gen !== this.generation) setTimeout(() => session.destroy(), 1_000).unref();
        return;
      }
      case 'unbind_resp':
        return;
      default:
        if (!pdu.isResponse()) session.send(pdu.response({ command_status: 0x03 /* ESME_RINVCMDID */ }));
    }
  }

  private onSubmitResp(seq: number, status: number, messageId: string | undefined): void {
    const f = this.inflight.get(seq);
    if (!f) return; // answered after its timeout: already resolved as retryable
    this.inflight.delete(seq);
    if (status === STATUS.OK) {
      this.counters.accepted++;
      f.resolve({ ok: true, messageId: messageId ?? '', answeredAt: performance.now() });
    } else {
      this.counters.rejected++;
      if (isThrottleStatus(status)) {
        this.counters.throttled++;
        this.onThrottled();
      }
      f.resolve({ ok: false, commandStatus: status, retryable: isRetryableStatus(status), reason: 'status' });
    }
    this.pump();
  }

  private onDeliverSm(session: Session, pdu: PDU): void {
    this.counters.deliverSm++;
    const gen = this.generation;
    let answered = false;
    const ack = (status = 0, onWritten?: () => void): void => {
      if (answered) return;
      answered = true;
      // An ack after a reconnect would reach the wrong session; the carrier resends instead.
      if (gen !== this.generation) return;
      // deliver_sm_resp / data_sm_resp: 0x80000000 | command_id, empty message_id.
      writeBatched(session, encodeEmptyIdResponse((pdu.command_id | 0x80000000) >>> 0, status, pdu.sequence_number), onWritten);
    };
    if (this.listenerCount('deliver_sm') === 0) {
      // Nobody can store it: leave it unanswered so the carrier redelivers.
      this.log.warn?.('smpp deliver_sm received with no listener; not acknowledged');
      return;
    }
    try {
      if (isDeliveryReceipt(pdu)) {
        const dlr = parseDeliveryReceipt(pdu);
        if (!dlr) {
          this.log.warn?.('smpp delivery receipt without a message id; acknowledged and dropped');
          ack(0);
          return;
        }
        this.emit('deliver_sm', { kind: 'dlr', dlr, ack });
      } else {
        this.emit('deliver_sm', { kind: 'mo', mo: decodeMo(pdu, this.o.defaultAlphabet), ack });
      }
    } catch (err) {
      this.emitError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  // ---- outbound flow: window, rate, timeouts ----

  private pump(): void {
    if (this.state !== 'bound' || this.o.bindType === 'receiver' || this.pumpTimer) return;
    const session = this.session;
    if (!session) return;
    const now = Date.now();
    if (now < this.pausedUntil) {
      this.armPump(this.pausedUntil - now);
      return;
    }
    this.refill(now);
    while (this.qHead < this.queue.length && this.inflight.size < this.o.window) {
      if (this.tokens < 1) {
        this.armPump(Math.max(1, Math.ceil(((1 - this.tokens) / this.rate) * 1000)));
        break;
      }
      const w = this.queue[this.qHead]!;
      this.queue[this.qHead++] = undefined;
      if (w.deadline < now) {
        w.resolve(QUEUE_TIMEOUT_RESULT);
        continue;
      }
      if (!this.send(session, w)) {
        // Socket not writable: put it back at the head and let the close handler re-bind.
        this.queue[--this.qHead] = w;
        break;
      }
      this.tokens -= 1;
    }
    this.compactQueue();
  }

  private send(session: Session, w: Waiting): boolean {
    const p = w.params;
    const seq = nextSequence(session);
    const fields: SubmitSmFields = smFields(p.from, p.to, p.esmClass ?? 0, p.registeredDelivery ?? 1, p.dataCoding, p.shortMessage);
    if (p.validityPeriod) fields.validityPeriod = p.validityPeriod;
    if (p.sar) fields.sar = { ref: p.sar.sar_msg_ref_num, total: p.sar.sar_total_segments, seq: p.sar.sar_segment_seqnum };
    if (!writeBatched(session, encodeSubmitSm(seq, fields))) return false;
    this.sentInWindow++;
    this.counters.submitted++;
    this.inflight.set(seq, { resolve: w.resolve, deadline: Date.now() + this.o.responseTimeoutMs });
    return true;
  }

  private refill(now: number): void {
    if (this.rate === Infinity) {
      this.tokens = Infinity;
      return;
    }
    const size = this.bucketSize();
    if (this.tokens > size) this.tokens = size;
    this.tokens = Math.min(size, this.tokens + ((now - this.lastRefill) * this.rate) / 1000);
    this.lastRefill = now;
  }

  /** Burst allowance: a tenth of a second's worth, at least one. */
  private bucketSize(): number {
    return this.rate === Infinity ? Infinity : Math.max(1, this.rate / 10);
  }

  private armPump(ms: number): void {
    if (this.pumpTimer) return;
    this.pumpTimer = setTimeout(() => {
      this.pumpTimer = null;
      this.pump();
    }, ms);
  }

  private compactQueue(): void {
    if (this.qHead === this.queue.length) {
      this.queue.length = 0;
      this.qHead = 0;
    } else if (this.qHead > 1024 && this.qHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.qHead);
      this.qHead = 0;
    }
  }

  /**
   * The carrier says slow down: pause briefly, then continue at half the rate we were achieving.
   * sweep() raises the rate again by half every quiet second until the configured maximum.
   */
  private onThrottled(): void {
    const now = Date.now();
    if (now - this.lastThrottleAt < this.o.throttlePauseMs / 2 && this.pausedUntil > now) return;
    this.lastThrottleAt = now;
    const elapsed = Math.max(1, now - this.windowStart);
    const current = (this.sentInWindow * 1000) / elapsed;
    const achieved = Math.min(this.rate, Math.max(this.measuredRate, current, 2));
    this.rate = Math.max(1, achieved / 2);
    this.tokens = 0;
    this.lastRefill = now + this.o.throttlePauseMs;
    this.pausedUntil = now + this.o.throttlePauseMs;
    this.log.warn?.(`smpp ${this.o.host}:${this.o.port} throttled; pausing then limiting to ${this.rate.toFixed(1)}/s`);
  }

  /** Periodic: response timeouts, queue deadlines, keepalive, throttle recovery. */
  private sweep(): void {
    const now = Date.now();
    if (this.inflight.size > 0) {
      let expired = 0;
      for (const [seq, f] of this.inflight) {
        if (f.deadline > now) break;
        this.inflight.delete(seq);
        f.resolve(TIMEOUT_RESULT);
        expired++;
        this.counters.timedOut++;
      }
      if (expired > 0) {
        this.log.warn?.(`smpp ${this.o.host}:${this.o.port} ${expired} submit_sm_resp timed out`);
        this.pump();
      }
    }
    if (this.state !== 'bound' && this.queue.length > this.qHead) this.expireQueued(now);

    if (this.state === 'bound' && this.session) {
      if (this.enquireSentAt && now - this.enquireSentAt > this.o.enquireLinkTimeoutMs) {
        this.dropLink('enquire_link timeout');
      } else if (!this.enquireSentAt && now - this.lastInboundAt >= this.o.enquireLinkIntervalMs) {
        this.enquireSentAt = now;
        this.session.send(new smpp.PDU('enquire_link'));
      }
    }

    if (now - this.windowStart >= 1_000) {
      this.measuredRate = (this.sentInWindow * 1000) / (now - this.windowStart);
      this.sentInWindow = 0;
      this.windowStart = now;
    }
    if (this.rate < this.o.maxSubmitRate && now - this.lastThrottleAt >= 1_000 + this.o.throttlePauseMs) {
      const next = this.rate * 1.5;
      // Demand well below the limit means the limit is no longer what holds us back: lift it.
      const idle = this.measuredRate < this.rate * 0.5 && this.queued === 0;
      this.rate = idle || next >= this.o.maxSubmitRate ? this.o.maxSubmitRate : next;
      this.lastThrottleAt = now - this.o.throttlePauseMs; // one step per second
    }
  }

  /** While unbound, queued submits past their deadline resolve rather than wait for a bind forever. */
  private expireQueued(now: number): void {
    for (let i = this.qHead; i < this.queue.length; i++) {
      const w = this.queue[i];
      if (w && w.deadline < now) {
        this.queue[i] = undefined;
        w.resolve(QUEUE_TIMEOUT_RESULT);
      }
    }
    this.queue = this.queue.filter((w, i) => i >= this.qHead && w !== undefined);
    this.qHead = 0;
  }

  private failQueued(result: SubmitResult): void {
    const waiting = this.queue.slice(this.qHead);
    this.queue = [];
    this.qHead = 0;
    for (const w of waiting) w?.resolve(result);
  }

  private emitError(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else this.log.error?.(err.message);
  }

  private clearTimer(name: 'pumpTimer' | 'sweepTimer' | 'reconnectTimer' | 'stepTimer'): void {
    const t = this[name];
    if (t) {
      clearTimeout(t);
      this[name] = null;
    }
  }
}

function clampInt(n: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.floor(n)));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
