// Shared state of one edge instance: sockets, transactions, dialogs and the bookkeeping that
// ties each transaction to the app connection it belongs to.
import { randomBytes, randomUUID } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { Dialog, DialogStore } from '../sip/dialog.js';
import { SipMessage, buildResponse, parseCSeq, parseNameAddr, parseVia, getTag } from '../sip/message.js';
import {
  ClientTransaction, ServerTransaction, TransactionLayer, newBranch,
  type Clock, type TimerConfig, type TransactionEvents,
} from '../sip/transaction.js';
import { SipTransport, type Flow, type Proto, type Target } from '../sip/transport.js';
import type { AppServer, AppSession } from '../wire/app-session.js';
import { cdrToApp, sipToApp, type CdrEvent, type SipMeta } from '../wire/messages.js';
import { resolveTarget, uriFromHeader } from './resolve.js';

export interface EdgeLogger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  debug(msg: string): void;
}

export type EdgeDialog = Dialog<AppSession>;

function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

/** Address to advertise in Via/Contact: the bind address, or for a wildcard the first external IPv4. */
export function advertisedHost(bindHost: string): string {
  if (bindHost !== '0.0.0.0' && bindHost !== '::') return bindHost;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export interface ServerRecord {
  txn: ServerTransaction;
  flow: Flow;
  app?: AppSession;
  /** Set for requests inside an existing dialog. */
  dialog?: EdgeDialog;
}

export interface ClientRecord {
  txn: ClientTransaction;
  target: Target;
  app?: AppSession;
  dialog?: EdgeDialog;
}

export interface EdgeCounters {
  received: number;
  sent: number;
  malformed: number;
  appMessages: number;
}

export class EdgeContext implements TransactionEvents {
  readonly layer: TransactionLayer;
  readonly dialogs = new DialogStore<AppSession>();
  readonly servers = new Map<string, ServerRecord>();
  readonly clients = new Map<string, ClientRecord>();
  readonly counters: EdgeCounters = { received: 0, sent: 0, malformed: 0, appMessages: 0 };
  transport!: SipTransport;
  apps!: AppServer;
  /** Filled by outbound.ts; kept here to avoid a circular import. */
  onClientResponse: (ctx: EdgeContext, txn: ClientTransaction, res: SipMessage, retrans: boolean) => void = () => {};

  /**
   * `host` is the address written into Via/Contact (what peers can reach); `bindHost` is what the
   * sockets listen on, which may be a wildcard.
   */
  constructor(readonly host: string, readonly bindHost: string, readonly log: EdgeLogger, clock: Clock, timers: TimerConfig) {
    this.layer = new TransactionLayer(this, clock, timers);
  }

  get port(): number { return this.transport.port; }

  /** `host:port` as it appears in URIs and Via (IPv6 bracketed). */
  get hostPort(): string {
    return `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  contactUri(proto: Proto, user?: string): string {
    return `sip:${user ? `${user}@` : ''}${this.hostPort}${proto === 'tcp' ? ';transport=tcp' : ''}`;
  }

  via(proto: Proto, branch = newBranch()): string {
    return `SIP/2.0/${proto.toUpperCase()} ${this.hostPort};branch=${branch};rport`;
  }

  newTag(): string { return randomBytes(5).toString('hex'); }
  newTxnId(): string { return randomUUID(); }

  isSelf(t: Target): boolean {
    if (t.port !== this.port) return false;
    if (t.host === this.host || t.host === this.bindHost) return true;
    const wildcard = this.bindHost === '0.0.0.0' || this.bindHost === '::';
    return wildcard && (/^127\./.test(t.host) || t.host === '::1' || localAddresses().has(t.host));
  }

  send(data: Buffer, target: Target): Promise<void> {
    this.counters.sent++;
    return this.transport.send(data, target);
  }

  sendQuiet(data: Buffer, target: Target): void {
    this.send(data, target).catch((e: Error) => this.log.debug(`send to ${target.host}:${target.port} failed: ${e.message}`));
  }

  /** Responses go back where the request came from (symmetric response routing, RFC 3581). */
  flowTarget(flow: Flow): Target {
    return { proto: flow.proto, host: flow.address, port: flow.port };
  }

  /**
   * Where a response to `req` goes: the flow it came on; over TCP, if that connection has closed,
   * a new connection to the source address and the Via sent-by port (RFC 3261 §18.2.2).
   */
  responseTarget(flow: Flow, req: SipMessage): Target {
    const t = this.flowTarget(flow);
    if (flow.proto !== 'tcp' || this.transport.hasConnection(t)) return t;
    const via = parseVia(req.getAll('via')[0] ?? '');
    return { proto: 'tcp', host: flow.address, port: via?.port ?? 5060 };
  }

  toApp(app: AppSession | undefined, meta: Omit<SipMeta, 'bytes'>, msg: SipMessage, receivedOn?: { host: string; port: number }): void {
    if (!app || app.closed) return;
    this.counters.appMessages++;
    const wire = msg.serialize();
    app.send(sipToApp({ ...meta, bytes: wire.length }, wire.toString('utf8'), receivedOn));
  }

  /**
   * In-dialog requests reach the app two event-loop turns later. srf resolves createUAS/createUAC
   * from the 2xx echo, but the app attaches its dialog listeners in a promise continuation; a BYE
   * or ACK read from the same socket chunk as that echo would hit the dialog before anyone listens.
   * One turn lets an echo written in this turn's poll phase be read on the next; the second turn
   * writes the request after that read. Order among in-dialog requests is kept (FIFO).
   */
  toAppDeferred(app: AppSession | undefined, meta: Omit<SipMeta, 'bytes'>, msg: SipMessage): void {
    setImmediate(() => setImmediate(() => this.toApp(app, meta, msg)));
  }

  cdr(ev: CdrEvent, msg: SipMessage): void {
    const listeners = this.apps.listeners(`cdr:${ev.type}`);
    if (listeners.length === 0) return;
    const payload = cdrToApp(ev, msg.toString());
    for (const a of listeners) a.send(payload);
  }

  /** Where an in-dialog request goes: the live TCP flow, else the first route, else the remote target. */
  async dialogTarget(d: EdgeDialog): Promise<Target | undefined> {
    const first = d.routeSet[0];
    const uri = first !== undefined ? uriFromHeader(first) : d.remoteTarget;
    const resolved = await resolveTarget(uri, d.proto);
    if (d.proto === 'tcp' && this.transport.hasConnection(d.flow)) return d.flow;
    return resolved ?? d.flow;
  }

  /** Build a request inside a dialog with the headers RFC 3261 §12.2.1.1 prescribes. */
  inDialogRequest(d: EdgeDialog, method: string, cseq: number, uri = d.remoteTarget): SipMessage {
    const req = SipMessage.request(method, uri);
    req.add('Via', this.via(d.proto));
    req.add('Max-Forwards', '70');
    req.add('From', d.localParty);
    req.add('To', d.remoteParty);
    req.add('Call-ID', d.callId);
    req.add('CSeq', `${cseq} ${method}`);
    for (const r of d.routeSet) req.add('Route', r);
    return req;
  }

  /** The edge hangs up by itself (ACK timeout, app gone): BYE to the peer, notice to the app. */
  async edgeHangup(d: EdgeDialog, reason: string, notifyApp: boolean): Promise<void> {
    if (d.terminating) return;
    d.terminating = true;
    this.dialogs.remove(d);
    const bye = this.inDialogRequest(d, 'BYE', ++d.localCseq);
    bye.add('Reason', `SIP;cause=200;text="${reason}"`);
    const target = await this.dialogTarget(d);
    if (target) {
      const txn = this.layer.createClient(this.newTxnId(), bye, target.proto === 'tcp', (b) => this.send(b, target));
      this.clients.set(txn.id, { txn, target });
      txn.start();
    }
    if (notifyApp && d.owner) {
      // What the app sees is a BYE "from" the peer, so From/To are the peer's view.
      const notice = SipMessage.request('BYE', this.contactUri(d.proto));
      notice.add('Via', this.via(d.proto));
      notice.add('From', d.remoteParty);
      notice.add('To', d.localParty);
      notice.add('Call-ID', d.callId);
      notice.add('CSeq', `${d.remoteCseq + 1} BYE`);
      notice.add('Reason', `SIP;cause=200;text="${reason}"`);
      this.toApp(d.owner, {
        source: 'application', proto: d.proto, address: this.host, port: this.port,
        txnId: 'unsolicited', dialogId: d.id,
      }, notice);
    }
  }

  // ---- TransactionEvents ----

  onAckTimeout(txn: ServerTransaction): void {
    const rec = this.servers.get(txn.id);
    const d = rec?.dialog ?? this.dialogForServerTxn(txn);
    // The call may already be over (BYE crossed the missing ACK): nothing left to tear down.
    if (!d || d.terminating || this.dialogs.get(d.id) !== d) return;
    this.log.warn(`no ACK for 2xx in dialog ${d.id}; hanging up`);
    if (txn.lastResponse) this.cdr({ type: 'stop', source: 'network', reason: 'ack-timeout' }, txn.lastResponse);
    void this.edgeHangup(d, 'ACK timeout', true);
  }

  private dialogForServerTxn(txn: ServerTransaction): EdgeDialog | undefined {
    const res = txn.lastResponse;
    if (!res) return undefined;
    const callId = res.get('call-id') ?? '';
    return this.dialogs.find(callId, getTag(res.get('to')) ?? '', getTag(res.get('from')) ?? '');
  }

  onNoFinalResponse(txn: ServerTransaction): void {
    const status = txn.isInvite ? 480 : 500;
    txn.respond(buildResponse(txn.request, status, txn.toTag));
  }

  onResponse(txn: ClientTransaction, res: SipMessage, retransmission: boolean): void {
    this.onClientResponse(this, txn, res, retransmission);
  }

  onClientTimeout(txn: ClientTransaction, reason: 'timeout' | 'transport'): void {
    const res = buildResponse(txn.request, reason === 'timeout' ? 408 : 503);
    this.onClientResponse(this, txn, res, false);
  }

  onTerminated(txn: ServerTransaction | ClientTransaction): void {
    if (txn instanceof ServerTransaction) this.servers.delete(txn.id);
    else this.clients.delete(txn.id);
  }

  /** The app connection dropped: its calls cannot be controlled any more, so end them. */
  appGone(app: AppSession): void {
    for (const rec of this.servers.values()) {
      if (rec.app === app && rec.txn.isPending) rec.txn.respond(buildResponse(rec.txn.request, 503, rec.txn.toTag));
    }
    for (const d of this.dialogs.all()) {
      if (d.owner === app) void this.edgeHangup(d, 'application gone', false);
    }
  }

  /** Peer's Contact URI from a request or a 2xx. */
  static contactOf(m: SipMessage): string | undefined {
    const c = m.getAll('contact')[0];
    return c ? parseNameAddr(c)?.uri : undefined;
  }

  static cseqOf(m: SipMessage): number { return parseCSeq(m.get('cseq'))?.seq ?? 0; }
}
