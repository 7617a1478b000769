// RFC 3261 §17 transaction state machines (with the RFC 6026 "Accepted" state for 2xx to
// INVITE), timers A–K on an injectable clock so tests can drive time by hand.
import { randomBytes } from 'node:crypto';
import { SipMessage, parseCSeq, parseVia, topBranch } from './message.js';

export interface Clock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  setTimeout: (fn, ms) => { const t = setTimeout(fn, ms); t.unref?.(); return t; },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface TimerConfig { t1: number; t2: number; t4: number }
export const DEFAULT_TIMERS: TimerConfig = { t1: 500, t2: 4000, t4: 5000 };

/**
 * How long an INVITE may ring (either direction) before the edge gives up on it. Longer than the
 * 600 s ring timeout Twilio allows for Dial and Calls, so apps always time out first.
 */
const APP_ANSWER_LIMIT_INVITE_MS = 660_000;

export type ServerState = 'trying' | 'proceeding' | 'completed' | 'accepted' | 'confirmed' | 'terminated';
export type ClientState = 'calling' | 'trying' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

export function newBranch(): string { return 'z9hG4bK' + randomBytes(10).toString('hex'); }

export interface TransactionEvents {
  /** 2xx to INVITE was never ACKed within timer H. */
  onAckTimeout(txn: ServerTransaction): void;
  /** The app never gave a final response in time. */
  onNoFinalResponse(txn: ServerTransaction): void;
  /** A response the TU must see (first of each status, and 2xx retransmissions to INVITE). */
  onResponse(txn: ClientTransaction, res: SipMessage, retransmission: boolean): void;
  /** Timer B/F fired or the transport failed. */
  onClientTimeout(txn: ClientTransaction, reason: 'timeout' | 'transport'): void;
  onTerminated(txn: ServerTransaction | ClientTransaction): void;
}

type Sender = (data: Buffer) => Promise<void>;

class Timers {
  private handles = new Map<string, unknown>();
  constructor(private clock: Clock) {}
  start(name: string, ms: number, fn: () => void): void {
    this.stop(name);
    this.handles.set(name, this.clock.setTimeout(() => { this.handles.delete(name); fn(); }, ms));
  }
  stop(name: string): void {
    const h = this.handles.get(name);
    if (h !== undefined) { this.clock.clearTimeout(h); this.handles.delete(name); }
  }
  stopAll(): void { for (const n of [...this.handles.keys()]) this.stop(n); }
}

function serverKey(m: SipMessage): string {
  const via = parseVia(m.getAll('via')[0] ?? '');
  const branch = via?.params.get('branch') ?? '';
  const method = m.method === 'ACK' ? 'INVITE' : m.method;
  if (branch.startsWith('z9hG4bK')) return `${branch}|${via?.host}:${via?.port ?? ''}|${method}`;
  // RFC 2543 peers: fall back to the dialog-ish identity of the request
  const cseq = parseCSeq(m.get('cseq'));
  return `2543|${m.get('call-id')}|${cseq?.seq}|${method}|${branch}`;
}

export class ServerTransaction {
  state: ServerState;
  lastResponse?: SipMessage;
  private lastBytes?: Buffer;
  private timers: Timers;
  /** Per-transaction To-tag, identical on every 18x/2xx (drachtio behaviour). */
  readonly toTag = randomBytes(6).toString('hex');

  constructor(
    readonly layer: TransactionLayer,
    readonly id: string,
    readonly key: string,
    readonly request: SipMessage,
    readonly reliable: boolean,
    private readonly send: Sender,
  ) {
    this.state = request.method === 'INVITE' ? 'proceeding' : 'trying';
    this.timers = new Timers(layer.clock);
    const limit = request.method === 'INVITE' ? APP_ANSWER_LIMIT_INVITE_MS : 64 * layer.t.t1;
    this.timers.start('app', limit, () => {
      if (this.isPending) layer.events.onNoFinalResponse(this);
    });
  }

  get isInvite(): boolean { return this.request.method === 'INVITE'; }
  get isPending(): boolean { return this.state === 'trying' || this.state === 'proceeding'; }

  /** A retransmitted request arrived: repeat our last response, if any. */
  retransmission(): void {
    if (this.lastBytes && this.state !== 'terminated' && this.state !== 'confirmed') this.transmit(this.lastBytes);
  }

  respond(res: SipMessage): Buffer {
    const bytes = res.serialize();
    if (!this.isPending) return bytes;
    this.lastResponse = res;
    this.lastBytes = bytes;
    this.transmit(bytes);
    const t = this.layer.t;
    if (res.status < 200) {
      this.state = 'proceeding';
      return bytes;
    }
    this.timers.stop('app');
    if (!this.isInvite) {
      this.state = 'completed';
      this.timers.start('J', this.reliable ? 0 : 64 * t.t1, () => this.terminate());
      return bytes;
    }
    this.state = res.status < 300 ? 'accepted' : 'completed';
    if (!this.reliable) this.scheduleG(t.t1);
    this.timers.start('H', 64 * t.t1, () => {
      if (this.state === 'accepted') this.layer.events.onAckTimeout(this);
      this.terminate();
    });
    return bytes;
  }

  private scheduleG(interval: number): void {
    this.timers.start('G', interval, () => {
      if ((this.state === 'completed' || this.state === 'accepted') && this.lastBytes) {
        this.transmit(this.lastBytes);
        this.scheduleG(Math.min(interval * 2, this.layer.t.t2));
      }
    });
  }

  /** ACK matched this transaction (same branch for non-2xx, same dialog+CSeq for 2xx). */
  ack(): void {
    if (this.state !== 'completed' && this.state !== 'accepted') return;
    this.state = 'confirmed';
    this.timers.stop('G');
    this.timers.stop('H');
    this.timers.start('I', this.reliable ? 0 : this.layer.t.t4, () => this.terminate());
  }

  private transmit(bytes: Buffer): void {
    this.send(bytes).catch(() => { /* transport errors are reported by the transport layer */ });
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.timers.stopAll();
    this.layer.remove(this);
    this.layer.events.onTerminated(this);
  }
}

export class ClientTransaction {
  state: ClientState;
  private timers: Timers;
  private seenStatuses = new Set<number>();
  ackBytes?: Buffer;

  constructor(
    readonly layer: TransactionLayer,
    readonly id: string,
    readonly key: string,
    readonly request: SipMessage,
    readonly reliable: boolean,
    private readonly send: Sender,
  ) {
    this.state = request.method === 'INVITE' ? 'calling' : 'trying';
    this.timers = new Timers(layer.clock);
  }

  get isInvite(): boolean { return this.request.method === 'INVITE'; }
  get branch(): string { return topBranch(this.request) ?? ''; }

  start(): Buffer {
    const bytes = this.request.serialize();
    const t = this.layer.t;
    this.transmit(bytes);
    if (!this.reliable) this.scheduleRetransmit(bytes, t.t1);
    this.timers.start(this.isInvite ? 'B' : 'F', 64 * t.t1, () => this.fail('timeout'));
    return bytes;
  }

  private scheduleRetransmit(bytes: Buffer, interval: number): void {
    // Timer A doubles without bound; timer E caps at T2 (and sits at T2 once proceeding).
    this.timers.start('AE', interval, () => {
      if (this.state !== 'calling' && this.state !== 'trying' && this.state !== 'proceeding') return;
      this.transmit(bytes);
      const next = this.isInvite ? interval * 2 : Math.min(interval * 2, this.layer.t.t2);
      this.scheduleRetransmit(bytes, next);
    });
  }

  private fail(reason: 'timeout' | 'transport'): void {
    if (this.state === 'terminated' || this.state === 'completed' || this.state === 'accepted') return;
    this.layer.events.onClientTimeout(this, reason);
    this.terminate();
  }

  transportError(): void { this.fail('transport'); }

  receive(res: SipMessage): void {
    const t = this.layer.t;
    const retrans = this.seenStatuses.has(res.status);
    this.seenStatuses.add(res.status);
    if (res.status < 200) {
      if (this.state === 'calling' || this.state === 'trying' || this.state === 'proceeding') {
        if (this.isInvite) {
          this.timers.stop('AE');
          // No final answer ever: give up eventually rather than hold state forever.
          this.timers.start('B', APP_ANSWER_LIMIT_INVITE_MS, () => this.fail('timeout'));
        } else if (this.state === 'trying' && !this.reliable) {
          this.timers.stop('AE');
          this.scheduleRetransmit(this.request.serialize(), t.t2);
        }
        this.state = 'proceeding';
        if (!retrans) this.layer.events.onResponse(this, res, false);
      }
      return;
    }
    if (!this.isInvite) {
      if (this.state === 'trying' || this.state === 'proceeding') {
        this.state = 'completed';
        this.timers.stopAll();
        this.timers.start('K', this.reliable ? 0 : t.t4, () => this.terminate());
        this.layer.events.onResponse(this, res, false);
      }
      return;
    }
    if (res.status < 300) {
      if (this.state === 'calling' || this.state === 'proceeding') {
        this.state = 'accepted';
        this.timers.stopAll();
        this.timers.start('M', 64 * t.t1, () => this.terminate());
        this.layer.events.onResponse(this, res, false);
      } else if (this.state === 'accepted') {
        this.layer.events.onResponse(this, res, true);
      }
      return;
    }
    if (this.state === 'calling' || this.state === 'proceeding') {
      this.state = 'completed';
      this.timers.stopAll();
      this.ackBytes = buildNon2xxAck(this.request, res).serialize();
      this.transmit(this.ackBytes);
      this.timers.start('D', this.reliable ? 0 : 32_000 > 64 * t.t1 ? 64 * t.t1 : 32_000, () => this.terminate());
      this.layer.events.onResponse(this, res, false);
    } else if (this.state === 'completed' && this.ackBytes) {
      this.transmit(this.ackBytes);
    }
  }

  private transmit(bytes: Buffer): void {
    this.send(bytes).catch(() => this.fail('transport'));
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.timers.stopAll();
    this.layer.remove(this);
    this.layer.events.onTerminated(this);
  }
}

/** RFC 3261 §17.1.1.3: ACK for a non-2xx lives in the INVITE transaction (same branch). */
export function buildNon2xxAck(invite: SipMessage, res: SipMessage): SipMessage {
  const ack = SipMessage.request('ACK', invite.uri);
  const via = invite.getAll('via')[0];
  if (via) ack.add('Via', via);
  ack.add('Max-Forwards', '70');
  for (const name of ['from', 'call-id']) {
    const v = invite.get(name);
    if (v) ack.add(name === 'from' ? 'From' : 'Call-ID', v);
  }
  const to = res.get('to');
  if (to) ack.add('To', to);
  const cseq = parseCSeq(invite.get('cseq'));
  ack.add('CSeq', `${cseq?.seq ?? 1} ACK`);
  for (const r of invite.getAll('route')) ack.add('Route', r);
  return ack;
}

export class TransactionLayer {
  private servers = new Map<string, ServerTransaction>();
  private clients = new Map<string, ClientTransaction>();
  private serversById = new Map<string, ServerTransaction>();
  private clientsById = new Map<string, ClientTransaction>();

  constructor(readonly events: TransactionEvents, readonly clock: Clock = realClock, readonly t: TimerConfig = DEFAULT_TIMERS) {}

  /** Existing server transaction for this request (retransmission, ACK or CANCEL target). */
  matchServer(req: SipMessage, asMethod?: string): ServerTransaction | undefined {
    if (!asMethod) return this.servers.get(serverKey(req));
    const probe = req.clone();
    probe.method = asMethod;
    return this.servers.get(serverKey(probe));
  }

  createServer(id: string, req: SipMessage, reliable: boolean, send: Sender): ServerTransaction {
    const txn = new ServerTransaction(this, id, serverKey(req), req, reliable, send);
    this.servers.set(txn.key, txn);
    this.serversById.set(id, txn);
    return txn;
  }

  matchClient(res: SipMessage): ClientTransaction | undefined {
    const branch = topBranch(res);
    const cseq = parseCSeq(res.get('cseq'));
    if (!branch || !cseq) return undefined;
    return this.clients.get(`${branch}|${cseq.method}`);
  }

  createClient(id: string, req: SipMessage, reliable: boolean, send: Sender): ClientTransaction {
    const key = `${topBranch(req)}|${req.method}`;
    const txn = new ClientTransaction(this, id, key, req, reliable, send);
    this.clients.set(key, txn);
    this.clientsById.set(id, txn);
    return txn;
  }

  serverById(id: string): ServerTransaction | undefined { return this.serversById.get(id); }
  clientById(id: string): ClientTransaction | undefined { return this.clientsById.get(id); }

  remove(txn: ServerTransaction | ClientTransaction): void {
    if (txn instanceof ServerTransaction) {
      if (this.servers.get(txn.key) === txn) this.servers.delete(txn.key);
      if (this.serversById.get(txn.id) === txn) this.serversById.delete(txn.id);
    } else {
      if (this.clients.get(txn.key) === txn) this.clients.delete(txn.key);
      if (this.clientsById.get(txn.id) === txn) this.clientsById.delete(txn.id);
    }
  }

  get counts(): { server: number; client: number } {
    return { server: this.servers.size, client: this.clients.size };
  }

  /** Shutdown: stop every timer without notifying anyone. */
  clear(): void {
    for (const t of [...this.servers.values()]) t.terminate();
    for (const t of [...this.clients.values()]) t.terminate();
  }
}
