// The sandbox carrier: a real SMPP server (node-smpp) that tandem binds to like any carrier. It answers
// submit_sm, records what it received (multi-part messages joined), sends delivery receipts with the
// outcomes of the magic test numbers, and plays a handset sending MO text, retrying unacknowledged
// deliver_sm as a carrier does.
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { smpp, STATUS, nextSequence, writeBatched, type PDU, type Server, type Session } from '../../protocols/smpp/wire.js';
import { encodeDeliverSm, encodeSubmitSmResp, smFields, type SmFields } from '../../protocols/smpp/pdu-encode.js';
import { readWithFastDecoder } from '../../protocols/smpp/pdu-decode.js';
import { planSegments } from '../../protocols/smpp/encoding.js';
import { buildSubmitParts } from '../../protocols/smpp/udh.js';
import { decodeMo } from '../../protocols/smpp/mo.js';
import { fromSmppAddress } from '../../protocols/smpp/address.js';
import { STAT_TO_STATE, formatReceiptText, type DlrStat } from '../../protocols/smpp/dlr.js';
import type { SmppLogger } from '../../protocols/smpp/esme-session.js';

export interface SandboxMessage {
  from: string;
  to: string;
  body: string;
  segments: number;
  /** ISO 8601 with milliseconds: when the last part arrived. */
  received_at: string;
}

export interface SandboxSubmit {
  from: string;
  to: string;
  /** Empty when the submit was refused. */
  messageId: string;
  commandStatus: number;
  part?: { ref: number; total: number; seq: number };
  /** Epoch ms of arrival. */
  at: number;
}

export interface SandboxSmscStats {
  submits: number;
  rejected: number;
  dlrsSent: number;
  mosSent: number;
  binds: number;
  /** [epoch second, submit_sm received in that second], last 10 minutes. */
  perSecond: Array<[number, number]>;
}

export interface SandboxSmscOptions {
  port: number;
  host?: string;
  /** Delay before a receipt is sent. Default 50 ms. */
  dlrDelayMs?: number;
  logger?: SmppLogger;
  /** Oldest recorded messages are forgotten past this. Default 100,000. */
  maxMessages?: number;
  /** A deliver_sm not acknowledged within this long is sent again. Default 3 s. */
  deliverRetryMs?: number;
  /** Unacknowledged deliver_sm per ESME session. Default 500. */
  deliverWindow?: number;
}

/** Destination -> the receipt the sandbox reports for it. */
const MAGIC_DLR: Record<string, { stat: DlrStat; err: string } | null> = {
  '+15005550003': { stat: 'UNDELIV', err: '003' },
  '+15005550005': { stat: 'UNDELIV', err: '005' },
  '+15005550006': { stat: 'UNDELIV', err: '006' },
  '+15005550008': { stat: 'UNDELIV', err: '008' },
  '+15005550009': null, // never a receipt
};
/** Destination refused at submit time (ESME_RSUBMITFAIL): a permanent rejection. */
export const SANDBOX_REJECT_TO = '+15005550007';
const DELIVERED = { stat: 'DELIVRD' as DlrStat, err: '000' };
const MAX_DELIVER_ATTEMPTS = 10;

interface Peer {
  session: Session;
  bindType: 'transceiver' | 'transmitter' | 'receiver' | null;
  /** deliver_sm sent on this session awaiting deliver_sm_resp, in send order (= deadline order). */
  inflight: Map<number, Delivery>;
}

interface Delivery {
  fields: SmFields;
  attempts: number;
  deadline: number;
  /** Sent back on the submitting session when possible (receipts). */
  preferred?: Session;
  onAck?: () => void;
  onGiveUp?: (why: string) => void;
}

interface DueReceipt {
  due: number;
  session: Session;
  messageId: string;
  from: string;
  to: string;
  outcome: { stat: DlrStat; err: string };
  submittedAt: number;
  text: string;
}

interface Partial {
  parts: Array<string | undefined>;
  have: number;
  from: string;
  to: string;
  firstAt: number;
}

export class SandboxSmsc extends EventEmitter<{ submit: [SandboxSubmit]; message: [SandboxMessage] }> {
  private readonly opts: Required<Omit<SandboxSmscOptions, 'logger'>>;
  private readonly log: SmppLogger;
  private server: Server | null = null;
  private readonly peers = new Map<Session, Peer>();
  private receivers: Peer[] = [];
  private recorded: SandboxMessage[] = [];
  private readonly partials = new Map<string, Partial>();
  private readonly outbox: Delivery[] = [];
  private outboxHead = 0;
  private readonly idPrefix = randomBytes(4).toString('hex');
  private idCounter = 0;
  private moRef = Math.floor(Math.random() * 256);
  private throttleLeft = 0;
  private rr = 0;
  private sweepTimer: NodeJS.Timeout | null = null;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private dueReceipts: DueReceipt[] = [];
  private receiptTimer: NodeJS.Timeout | null = null;
  private readonly pendingMo = new Set<(err: Error) => void>();
  private readonly counters = { submits: 0, rejected: 0, dlrsSent: 0, mosSent: 0, binds: 0 };
  private perSecond: Array<[number, number]> = [];

  constructor(opts: SandboxSmscOptions) {
    super();
    this.opts = {
      port: opts.port,
      host: opts.host ?? '127.0.0.1',
      dlrDelayMs: opts.dlrDelayMs ?? 50,
      maxMessages: opts.maxMessages ?? 100_000,
      deliverRetryMs: opts.deliverRetryMs ?? 3_000,
      deliverWindow: opts.deliverWindow ?? 500,
    };
    this.log = opts.logger ?? {};
  }

  /** Listens; resolves with the bound port (useful with port 0). */
  start(): Promise<number> {
    if (this.server) return Promise.resolve((this.server.address() as AddressInfo).port);
    const server = smpp.createServer((session) => this.onSession(session));
    this.server = server;
    this.sweepTimer = setInterval(() => this.sweep(), 250);
    this.sweepTimer.unref();
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        server.on('error', (err: Error) => this.log.error?.(`sandbox smsc: ${err.message}`));
        const port = (server.address() as AddressInfo).port;
        this.log.info?.(`sandbox SMSC listening on ${this.opts.host}:${port}`);
        resolve(port);
      });
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    if (this.receiptTimer) clearTimeout(this.receiptTimer);
    this.receiptTimer = null;
    this.dueReceipts = [];
    for (const fail of [...this.pendingMo]) fail(new Error('sandbox SMSC stopped'));
    this.pendingMo.clear();
    this.outbox.length = 0;
    this.outboxHead = 0;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const peer of this.peers.values()) peer.session.destroy();
    await closed;
  }

  /** Completed messages in arrival order (multi-part ones once their last part arrived). */
  messages(): SandboxMessage[] {
    return this.recorded.slice();
  }

  stats(): SandboxSmscStats {
    return { ...this.counters, perSecond: this.perSecond.slice() };
  }

  clear(): void {
    this.recorded = [];
    this.partials.clear();
  }

  /** Answers the next `n` submit_sm with ESME_RTHROTTLED (0x58). */
  throttleNext(n: number): void {
    this.throttleLeft = n;
  }

  /** Cuts every ESME connection, as a carrier restart would. */
  dropBinds(): void {
    for (const peer of this.peers.values()) peer.session.destroy();
  }

  /** Number of ESME sessions currently bound. */
  get boundSessions(): number {
    let n = 0;
    for (const p of this.peers.values()) if (p.bindType) n++;
    return n;
  }

  /** True when some bound session can take deliver_sm (MO and receipts). */
  get hasReceiver(): boolean {
    return this.receivers.length > 0;
  }

  /**
   * A handset texts `to`: the body goes out as deliver_sm (UDH parts when long) to a bound
   * receiver/transceiver. Resolves when the ESME acknowledged every part; unacknowledged parts are
   * resent after deliverRetryMs (so the ESME may see duplicates, as with a real carrier).
   */
  sendMo(from: string, to: string, body: string): Promise<void> {
    const plan = planSegments(body);
    this.moRef = (this.moRef + 1) & 0xff;
    const parts = buildSubmitParts(plan, this.moRef);
    return new Promise<void>((resolve, reject) => {
      let left = parts.shortMessages.length;
      let failed = false;
      const fail = (err: Error): void => {
        if (failed) return;
        failed = true;
        this.pendingMo.delete(fail);
        reject(err);
      };
      this.pendingMo.add(fail);
      for (const sm of parts.shortMessages) {
        this.enqueue({
          fields: smFields(from, to, parts.esmClass, 0, parts.dataCoding, sm),
          attempts: 0,
          deadline: 0,
          onAck: () => {
            this.counters.mosSent++;
            if (--left === 0 && !failed) {
              this.pendingMo.delete(fail);
              resolve();
            }
          },
          onGiveUp: (why) => fail(new Error(`MO part not acknowledged: ${why}`)),
        });
      }
    });
  }

  // ---- sessions ----

  private onSession(session: Session): void {
    readWithFastDecoder(session);
    const peer: Peer = { session, bindType: null, inflight: new Map() };
    this.peers.set(session, peer);
    session.socket.setNoDelay(true);
    session.on('error', (err: Error) => {
      // A decode error leaves node-smpp's reader stuck; drop the connection like a carrier would.
      this.log.debug?.(`sandbox smsc session error: ${err.message}`);
      session.destroy();
    });
    session.on('close', () => this.onSessionClosed(peer));
    session.on('pdu', (pdu: PDU) => this.onPdu(peer, pdu));
  }

  private onSessionClosed(peer: Peer): void {
    this.peers.delete(peer.session);
    peer.bindType = null;
    this.refreshReceivers();
    if (peer.inflight.size > 0) {
      // Undelivered on a dead link: send again first, on whatever binds next.
      const again = [...peer.inflight.values()];
      peer.inflight.clear();
      this.outbox.splice(this.outboxHead, 0, ...again);
    }
    this.pumpDeliveries();
  }

  private onPdu(peer: Peer, pdu: PDU): void {
    const session = peer.session;
    switch (pdu.command) {
      case 'bind_transceiver':
      case 'bind_transmitter':
      case 'bind_receiver':
        peer.bindType = pdu.command.slice(5) as Peer['bindType'];
        this.refreshReceivers();
        this.counters.binds++;
        session.send(pdu.response({ system_id: 'TANDEM-SANDBOX' }));
        this.pumpDeliveries();
        return;
      case 'submit_sm':
        if (!peer.bindType || peer.bindType === 'receiver') {
          session.send(pdu.response({ command_status: 0x04 /* ESME_RINVBNDSTS */ }));
          return;
        }
        this.onSubmit(session, pdu);
        return;
      case 'deliver_sm_resp':
        this.onDeliverResp(peer, pdu);
        return;
      case 'enquire_link':
        session.send(pdu.response());
        return;
      case 'unbind':
        peer.bindType = null;
        this.refreshReceivers();
        session.send(pdu.response(), () => session.close());
        return;
      case 'enquire_link_resp':
      case 'unbind_resp':
      case 'generic_nack':
        return;
      default:
        if (!pdu.isResponse()) session.send(pdu.response({ command_status: 0x03 /* ESME_RINVCMDID */ }));
    }
  }

  // ---- submit_sm ----

  private onSubmit(session: Session, pdu: PDU): void {
    const now = Date.now();
    this.counters.submits++;
    this.countSecond(now);
    const from = fromSmppAddress(pdu.source_addr_ton, pdu.source_addr);
    const to = fromSmppAddress(pdu.dest_addr_ton, pdu.destination_addr);

    if (this.throttleLeft > 0 || to === SANDBOX_REJECT_TO) {
      const status = this.throttleLeft > 0 ? STATUS.THROTTLED : STATUS.SUBMITFAIL;
      if (this.throttleLeft > 0) this.throttleLeft--;
      this.counters.rejected++;
      writeBatched(session, encodeSubmitSmResp(status, pdu.sequence_number, ''));
      this.emit('submit', { from, to, messageId: '', commandStatus: status, at: now });
      return;
    }

    const messageId = this.idPrefix + (++this.idCounter).toString(16);
    writeBatched(session, encodeSubmitSmResp(0, pdu.sequence_number, messageId));

    const part = decodeMo(pdu);
    const submitted: SandboxSubmit = { from, to, messageId, commandStatus: 0, at: now };
    if (part.concat) submitted.part = part.concat;
    this.emit('submit', submitted);
    this.record(from, to, part.text, part.concat, now);

    const outcome = to in MAGIC_DLR ? MAGIC_DLR[to] : DELIVERED;
    const wants = (pdu.registered_delivery ?? 0) & 0x03;
    if (!outcome || wants === 0) return;
    const success = outcome.stat === 'DELIVRD';
    if ((wants === 2 && success) || (wants === 3 && !success)) return;
    this.dueReceipts.push({ due: now + this.opts.dlrDelayMs, session, messageId, from, to, outcome, submittedAt: now, text: part.text });
    if (!this.receiptTimer) this.receiptTimer = setTimeout(this.flushReceipts, this.opts.dlrDelayMs);
  }

  /**
   * Every receipt waits the same delay, so arrival order is due order: one timer serves them all and
   * the receipts due together leave in one batch (one TCP write) instead of one timer each.
   */
  private readonly flushReceipts = (): void => {
    this.receiptTimer = null;
    const now = Date.now();
    let i = 0;
    for (; i < this.dueReceipts.length; i++) {
      const r = this.dueReceipts[i]!;
      if (r.due > now) break;
      this.sendReceipt(r.session, r.messageId, r.from, r.to, r.outcome.stat, r.outcome.err, new Date(r.submittedAt), r.text);
    }
    this.dueReceipts.splice(0, i);
    const next = this.dueReceipts[0];
    if (next) this.receiptTimer = setTimeout(this.flushReceipts, Math.max(1, next.due - now));
  };

  private record(from: string, to: string, text: string, concat: SandboxSubmit['part'], now: number): void {
    if (!concat) {
      this.push({ from, to, body: text, segments: 1, received_at: new Date(now).toISOString() });
      return;
    }
    const key = `${from}|${to}|${concat.ref}|${concat.total}`;
    let p = this.partials.get(key);
    if (!p) {
      p = { parts: new Array(concat.total), have: 0, from, to, firstAt: now };
      this.partials.set(key, p);
    }
    if (p.parts[concat.seq - 1] === undefined) p.have++;
    p.parts[concat.seq - 1] = text;
    if (p.have < concat.total) return;
    this.partials.delete(key);
    this.push({ from, to, body: p.parts.join(''), segments: concat.total, received_at: new Date(now).toISOString() });
  }

  private push(m: SandboxMessage): void {
    this.recorded.push(m);
    if (this.recorded.length > this.opts.maxMessages * 1.1) {
      this.recorded.splice(0, this.recorded.length - this.opts.maxMessages);
    }
    this.emit('message', m);
  }

  private countSecond(now: number): void {
    const sec = Math.floor(now / 1000);
    const last = this.perSecond[this.perSecond.length - 1];
    if (last && last[0] === sec) last[1]++;
    else {
      this.perSecond.push([sec, 1]);
      if (this.perSecond.length > 600) this.perSecond.splice(0, this.perSecond.length - 600);
    }
  }

  // ---- deliver_sm (receipts and MO) ----

  private sendReceipt(
    session: Session,
    messageId: string,
    from: string,
    to: string,
    stat: DlrStat,
    err: string,
    submitDate: Date,
    text: string,
  ): void {
    // The receipt travels back: from the handset (original destination) to the sender.
    const receipt = formatReceiptText({
      id: messageId,
      stat,
      err,
      submitDate,
      doneDate: new Date(),
      text: text.replace(/[^\x20-\x7e]/g, '?'),
    });
    const fields = smFields(to, from, 0x04, 0, 0, Buffer.from(receipt, 'latin1'));
    fields.receiptedMessageId = messageId;
    fields.messageState = STAT_TO_STATE[stat];
    this.enqueue({
      fields,
      attempts: 0,
      deadline: 0,
      preferred: session,
      onAck: () => this.counters.dlrsSent++,
      onGiveUp: (why) => this.log.warn?.(`sandbox smsc: receipt for ${messageId} dropped: ${why}`),
    });
  }

  private enqueue(d: Delivery): void {
    this.outbox.push(d);
    this.pumpDeliveries();
  }

  private pumpDeliveries(): void {
    while (this.outboxHead < this.outbox.length) {
      const d = this.outbox[this.outboxHead]!;
      const peer = this.pickReceiver(d.preferred);
      if (!peer) break;
      this.outboxHead++;
      this.sendDelivery(peer, d);
    }
    if (this.outboxHead === this.outbox.length) {
      this.outbox.length = 0;
      this.outboxHead = 0;
    } else if (this.outboxHead > 1024) {
      this.outbox.splice(0, this.outboxHead);
      this.outboxHead = 0;
    }
  }

  /** Sessions that can take deliver_sm, kept as an array so picking one allocates nothing. */
  private refreshReceivers(): void {
    this.receivers = [...this.peers.values()].filter(canReceive);
  }

  private pickReceiver(preferred: Session | undefined): Peer | undefined {
    if (preferred) {
      const p = this.peers.get(preferred);
      if (p && canReceive(p) && p.inflight.size < this.opts.deliverWindow) return p;
    }
    const all = this.receivers;
    for (let i = 0; i < all.length; i++) {
      const p = all[(this.rr + i) % all.length]!;
      if (canReceive(p) && p.inflight.size < this.opts.deliverWindow) {
        this.rr = (this.rr + i + 1) % all.length;
        return p;
      }
    }
    return undefined;
  }

  private sendDelivery(peer: Peer, d: Delivery): void {
    d.attempts++;
    d.deadline = Date.now() + this.opts.deliverRetryMs;
    const seq = nextSequence(peer.session);
    if (!writeBatched(peer.session, encodeDeliverSm(seq, d.fields))) {
      this.retry(d, 'socket not writable');
      return;
    }
    peer.inflight.set(seq, d);
  }

  private onDeliverResp(peer: Peer, pdu: PDU): void {
    const d = peer.inflight.get(pdu.sequence_number);
    if (!d) return;
    peer.inflight.delete(pdu.sequence_number);
    if (pdu.command_status === STATUS.OK) d.onAck?.();
    else {
      // A refusal is retried later, as carriers do, rather than dropped.
      const t = setTimeout(() => {
        this.retryTimers.delete(t);
        this.retry(d, `deliver_sm_resp 0x${pdu.command_status.toString(16)}`);
      }, Math.min(1_000, this.opts.deliverRetryMs));
      this.retryTimers.add(t);
    }
    this.pumpDeliveries();
  }

  private retry(d: Delivery, why: string): void {
    if (d.attempts >= MAX_DELIVER_ATTEMPTS) {
      d.onGiveUp?.(why);
      return;
    }
    this.outbox.push(d);
    this.pumpDeliveries();
  }

  private sweep(): void {
    const now = Date.now();
    let expired = false;
    for (const peer of this.peers.values()) {
      for (const [seq, d] of peer.inflight) {
        if (d.deadline > now) break;
        peer.inflight.delete(seq);
        expired = true;
        if (d.attempts >= MAX_DELIVER_ATTEMPTS) d.onGiveUp?.('no deliver_sm_resp');
        else this.outbox.push(d);
      }
    }
    if (expired) this.pumpDeliveries();
    // Parts of a message that never completed are forgotten after ten minutes.
    if (this.partials.size > 0) {
      for (const [key, p] of this.partials) if (now - p.firstAt > 600_000) this.partials.delete(key);
    }
  }
}

function canReceive(p: Peer): boolean {
  return p.bindType === 'transceiver' || p.bindType === 'receiver';
}
