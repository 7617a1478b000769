// Network → app: requests and responses arriving on the SIP ports. Drachtio-server's
// behaviour reproduced here: 100 Trying before the app sees an INVITE, 503 when no app
// routes a method (200 for OPTIONS), 481 for unknown dialogs, CANCEL answered 200 + 487.
import { Dialog } from '../sip/dialog.js';
import {
  SipMessage, SipParseError, buildResponse, canonicalName, getTag, parseCSeq, parseSipMessage, parseVia, splitList,
  validateForTransaction,
} from '../sip/message.js';
import type { ServerTransaction } from '../sip/transaction.js';
import type { Flow } from '../sip/transport.js';
import { EdgeContext, type EdgeDialog } from './context.js';

/** Above this many live server transactions new requests get a stateless 503 (flood guard). */
const MAX_SERVER_TRANSACTIONS = 20_000;

/** Option tags a peer may put in Require; the edge implements none beyond base RFC 3261. */
const SUPPORTED_EXTENSIONS = new Set<string>();

export function handleNetworkData(ctx: EdgeContext, data: Buffer, flow: Flow): void {
  if (isKeepalive(data)) return;
  ctx.counters.received++;
  let msg: SipMessage;
  try {
    msg = parseSipMessage(data, { requireFullBody: flow.proto === 'udp' });
    validateForTransaction(msg);
  } catch (err) {
    ctx.counters.malformed++;
    if (err instanceof SipParseError) rejectMalformed(ctx, data, flow, err.message);
    else ctx.log.warn(`unexpected parse failure: ${(err as Error).message}`);
    return;
  }
  try {
    if (msg.isRequest) stampVia(msg, flow);
    if (msg.isRequest) handleRequest(ctx, msg, flow);
    else handleResponse(ctx, msg);
  } catch (err) {
    ctx.log.error(`error handling ${msg.isRequest ? msg.method : msg.status} from ${flow.address}:${flow.port}: ${(err as Error).stack}`);
  }
}

/**
 * RFC 3261 §18.2.1 / RFC 3581: record where the request really came from in its top Via
 * (`received`, and `rport` when asked), so responses show peers their NAT mapping.
 */
function stampVia(req: SipMessage, flow: Flow): void {
  const h = req.headers.find((x) => canonicalName(x.name) === 'via');
  if (!h) return;
  const [top, ...rest] = splitList(h.value);
  const via = top ? parseVia(top) : undefined;
  if (!top || !via) return;
  let stamped = top;
  if (via.params.has('rport') && !via.params.get('rport')) stamped = stamped.replace(/;\s*rport(?=;|$)/i, `;rport=${flow.port}`);
  if (!via.params.has('received') && (via.host !== flow.address || via.params.has('rport'))) stamped += `;received=${flow.address}`;
  h.value = [stamped, ...rest].join(', ');
}

/** RFC 5626 CRLF keepalives carry no message. */
function isKeepalive(data: Buffer): boolean {
  for (const b of data) if (b !== 0x0d && b !== 0x0a) return false;
  return true;
}

/** RFC 3261 §8.2: a request we can still answer gets 400; anything else is dropped silently. */
function rejectMalformed(ctx: EdgeContext, data: Buffer, flow: Flow, reason: string): void {
  let m: SipMessage;
  try {
    m = parseSipMessage(data, { requireFullBody: false });
  } catch {
    return;
  }
  if (!m.isRequest || m.method === 'ACK') return;
  if (!m.get('via') || !m.get('call-id') || !m.get('from') || !m.get('to') || !m.get('cseq')) return;
  const res = buildResponse(m, 400);
  res.reason = `Bad Request (${reason.replace(/[\r\n]/g, ' ')})`;
  ctx.sendQuiet(res.serialize(), ctx.flowTarget(flow));
}

function respondNew(ctx: EdgeContext, req: SipMessage, flow: Flow, status: number, extra?: (r: SipMessage) => void): void {
  const txn = ctx.layer.createServer(ctx.newTxnId(), req, flow.proto === 'tcp', (b) => ctx.send(b, ctx.responseTarget(flow, req)));
  ctx.servers.set(txn.id, { txn, flow });
  const res = buildResponse(req, status, txn.toTag);
  extra?.(res);
  txn.respond(res);
}

function createTxn(ctx: EdgeContext, req: SipMessage, flow: Flow): ServerTransaction {
  return ctx.layer.createServer(ctx.newTxnId(), req, flow.proto === 'tcp', (b) => ctx.send(b, ctx.responseTarget(flow, req)));
}

function handleRequest(ctx: EdgeContext, req: SipMessage, flow: Flow): void {
  if (req.method === 'ACK') return handleAck(ctx, req, flow);
  const existing = ctx.layer.matchServer(req);
  if (existing) {
    existing.retransmission();
    return;
  }
  if (ctx.layer.counts.server >= MAX_SERVER_TRANSACTIONS) {
    const busy = buildResponse(req, 503, ctx.newTag());
    busy.add('Retry-After', '5');
    ctx.sendQuiet(busy.serialize(), ctx.flowTarget(flow));
    return;
  }
  if (req.method === 'CANCEL') return handleCancel(ctx, req, flow);
  const mf = req.get('max-forwards');
  if (mf !== undefined && /^\d+$/.test(mf) && Number(mf) === 0) return respondNew(ctx, req, flow, 483);
  const toTag = getTag(req.get('to'));
  if (toTag) return handleInDialog(ctx, req, flow, toTag);

  const unsupported = req.getAll('require').flatMap((v) => v.split(',')).map((o) => o.trim().toLowerCase())
    .filter((o) => o && !SUPPORTED_EXTENSIONS.has(o));
  if (unsupported.length) {
    // RFC 3261 §8.2.2.3: a required extension we do not implement (e.g. 100rel) is refused.
    return respondNew(ctx, req, flow, 420, (r) => r.add('Unsupported', unsupported.join(', ')));
  }
  const txn = createTxn(ctx, req, flow);
  ctx.servers.set(txn.id, { txn, flow });
  if (req.method === 'INVITE') txn.respond(buildResponse(req, 100));
  const app = ctx.apps.pick(req.method.toLowerCase());
  if (!app) {
    const res = buildResponse(req, req.method === 'OPTIONS' ? 200 : 503, txn.toTag);
    if (req.method === 'OPTIONS') {
      res.add('Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE');
      res.add('Accept', 'application/sdp');
    }
    txn.respond(res);
    return;
  }
  if (req.method === 'INVITE' && !req.get('contact')) {
    txn.respond(buildResponse(req, 400, txn.toTag));
    return;
  }
  ctx.servers.set(txn.id, { txn, flow, app });
  if (req.method === 'INVITE') ctx.cdr({ type: 'attempt', source: 'network' }, req);
  ctx.toApp(app, {
    source: 'network', proto: flow.proto, address: flow.address, port: flow.port,
    txnId: txn.id, dialogId: '',
  }, req, { host: ctx.host, port: ctx.port });
}

function handleAck(ctx: EdgeContext, ack: SipMessage, flow: Flow): void {
  const txn = ctx.layer.matchServer(ack);
  if (txn && txn.isInvite && txn.state === 'completed') {
    txn.ack();
    return;
  }
  const d = findDialog(ctx, ack);
  if (!d) return;
  const seq = parseCSeq(ack.get('cseq'))?.seq;
  if (!d.awaitingAck || d.awaitingAck.cseq !== seq) return; // retransmitted or stray ACK
  d.awaitingAck.txn.ack();
  d.awaitingAck = undefined;
  ctx.toAppDeferred(d.owner, {
    source: 'network', proto: flow.proto, address: flow.address, port: flow.port,
    txnId: ctx.newTxnId(), dialogId: d.id,
  }, ack);
}

function findDialog(ctx: EdgeContext, req: SipMessage): EdgeDialog | undefined {
  return ctx.dialogs.find(req.get('call-id') ?? '', getTag(req.get('to')) ?? '', getTag(req.get('from')) ?? '');
}

function handleCancel(ctx: EdgeContext, cancel: SipMessage, flow: Flow): void {
  const invite = ctx.layer.matchServer(cancel, 'INVITE');
  if (!invite) return respondNew(ctx, cancel, flow, 481);
  respondNew(ctx, cancel, flow, 200);
  if (!invite.isPending) return; // final response already sent: the CANCEL has no effect (RFC 3261 §9.2)
  const rec = ctx.servers.get(invite.id);
  const res487 = buildResponse(invite.request, 487, invite.toTag);
  invite.respond(res487);
  ctx.cdr({ type: 'stop', source: 'network', reason: 'call-canceled' }, res487);
  // srf matches the CANCEL to its pending INVITE by Call-ID and rejects createUAS with 487.
  ctx.toApp(rec?.app, {
    source: 'network', proto: flow.proto, address: flow.address, port: flow.port,
    txnId: invite.id, dialogId: '',
  }, cancel);
}

function handleInDialog(ctx: EdgeContext, req: SipMessage, flow: Flow, toTag: string): void {
  const d = findDialog(ctx, req);
  if (!d || d.localTag !== toTag) return respondNew(ctx, req, flow, 481);
  const seq = parseCSeq(req.get('cseq'))?.seq ?? 0;
  if (seq <= d.remoteCseq && d.remoteCseq !== 0) return respondNew(ctx, req, flow, 500);
  if (req.method === 'INVITE' && d.pendingReinvite && d.pendingReinvite.state !== 'terminated' &&
      d.pendingReinvite.state !== 'completed' && d.pendingReinvite.state !== 'accepted') {
    return respondNew(ctx, req, flow, 491); // glare with our own re-INVITE (RFC 3261 §14.2)
  }
  if (req.method === 'INVITE' && d.awaitingAck) {
    return respondNew(ctx, req, flow, 500, (r) => r.add('Retry-After', '1'));
  }
  d.remoteCseq = seq;
  if (req.method === 'BYE' && d.awaitingAck) {
    // A BYE proves the peer got our 2xx even if its ACK was lost: stop retransmitting.
    d.awaitingAck.txn.ack();
    d.awaitingAck = undefined;
  }
  // BYEs crossed: ours is on its way and the app already forgot the dialog.
  if (d.terminating && req.method === 'BYE') return respondNew(ctx, req, flow, 200);
  const app = d.owner && !d.owner.closed ? d.owner : undefined;
  if (!app) {
    if (req.method === 'BYE') {
      ctx.dialogs.remove(d);
      return respondNew(ctx, req, flow, 200);
    }
    return respondNew(ctx, req, flow, 481);
  }
  const txn = createTxn(ctx, req, flow);
  ctx.servers.set(txn.id, { txn, flow, app, dialog: d });
  if (req.method === 'INVITE') txn.respond(buildResponse(req, 100));
  if (req.method === 'BYE') ctx.cdr({ type: 'stop', source: 'network', reason: 'normal-release' }, req);
  ctx.toAppDeferred(app, {
    source: 'network', proto: flow.proto, address: flow.address, port: flow.port,
    txnId: txn.id, dialogId: d.id,
  }, req);
}

function handleResponse(ctx: EdgeContext, res: SipMessage): void {
  const txn = ctx.layer.matchClient(res);
  if (txn) {
    txn.receive(res);
    return;
  }
  // A 2xx to INVITE retransmitted after the client transaction ended: repeat our ACK.
  const cseq = parseCSeq(res.get('cseq'));
  if (res.status >= 200 && res.status < 300 && cseq?.method === 'INVITE') {
    const d = ctx.dialogs.find(res.get('call-id') ?? '', getTag(res.get('from')) ?? '', getTag(res.get('to')) ?? '');
    if (d?.lastAck && d.lastAck.cseq === cseq.seq) ctx.sendQuiet(d.lastAck.bytes, d.lastAck.target);
  }
}

/** Dialog state for a UAS 2xx we just sent. */
export function uasDialog(ctx: EdgeContext, txn: ServerTransaction, res: SipMessage, flow: Flow): EdgeDialog {
  const req = txn.request;
  return new Dialog({
    role: 'uas',
    callId: req.get('call-id') ?? '',
    localTag: getTag(res.get('to')) ?? txn.toTag,
    remoteTag: getTag(req.get('from')) ?? '',
    localParty: res.get('to') ?? '',
    remoteParty: req.get('from') ?? '',
    remoteTarget: EdgeContext.contactOf(req) ?? req.uri,
    routeSet: req.getAll('record-route'),
    localCseq: Math.floor(Math.random() * 10_000) + 1,
    remoteCseq: EdgeContext.cseqOf(req),
    proto: flow.proto,
    flow: ctx.flowTarget(flow),
  });
}
