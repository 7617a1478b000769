// App → network: srf sends bare SIP (start line, the headers the app set, a Content-Length
// computed from JS string length). The edge fills in what drachtio-server would — Via, To-tag,
// Contact, Max-Forwards, From-tag, Call-ID, CSeq, Content-Type, byte-exact Content-Length —
// sends it through a transaction and echoes the message as sent ("Msg sent:").
import { Dialog } from '../sip/dialog.js';
import {
  SipMessage, SipParseError, canonicalName, getTag, parseCSeq, parseNameAddr, parseSipMessage, parseUri, withTag,
} from '../sip/message.js';
import type { ClientTransaction } from '../sip/transaction.js';
import type { Target } from '../sip/transport.js';
import type { AppSession, SipAppMessage } from '../wire/app-session.js';
import { answer, sentEcho } from '../wire/messages.js';
import { EdgeContext, type EdgeDialog } from './context.js';
import { uasDialog } from './inbound.js';
import { protoOf, resolveTarget, uriFromHeader } from './resolve.js';

/** Headers the stack owns on responses; whatever the app put there is ignored. */
const IMMUTABLE_ON_RESPONSE = new Set(['via', 'route', 'record-route', 'rseq', 'content-length', 'from', 'to', 'call-id', 'cseq']);
/** Headers the stack owns on in-dialog requests. */
const OWNED_IN_DIALOG = new Set(['via', 'from', 'to', 'call-id', 'cseq', 'route', 'max-forwards', 'content-length']);

function nok(app: AppSession, id: string, reason: string): void {
  app.send(answer(id, ['NOK', reason]));
}

export async function handleAppSip(ctx: EdgeContext, app: AppSession, m: SipAppMessage): Promise<void> {
  let msg: SipMessage;
  try {
    msg = parseSipMessage(m.sip, { bodyIsRemainder: true });
  } catch (err) {
    return nok(app, m.id, `malformed SIP message: ${err instanceof SipParseError ? err.message : 'error'}`);
  }
  try {
    if (!msg.isRequest) return sendResponse(ctx, app, m, msg);
    if (m.dialogId) return await sendInDialog(ctx, app, m, msg);
    if (msg.method === 'CANCEL') return sendCancel(ctx, app, m, msg);
    if (msg.method === 'ACK') return nok(app, m.id, 'ACK for a non-success response is sent by the stack');
    if (msg.method === 'PRACK') return nok(app, m.id, 'PRACK (100rel) is not supported by this edge');
    return await sendNewRequest(ctx, app, m, msg);
  } catch (err) {
    ctx.log.error(`failed to send app message: ${(err as Error).stack}`);
    nok(app, m.id, 'internal error sending message');
  }
}

function defaultContentType(out: SipMessage): string | undefined {
  if (out.body.length === 0 || out.has('content-type')) return undefined;
  if (out.body.subarray(0, 3).toString('latin1') === 'v=0') {
    out.add('Content-Type', 'application/sdp');
    return undefined;
  }
  return 'missing content-type';
}

function sendResponse(ctx: EdgeContext, app: AppSession, m: SipAppMessage, appRes: SipMessage): void {
  const rec = ctx.servers.get(m.txnId);
  const txn = rec?.txn;
  if (!rec || !txn || txn.request.method === 'CANCEL' || !txn.isPending || rec.app !== app) {
    return nok(app, m.id, 'Response not sent due to unknown transaction');
  }
  const req = txn.request;
  const status = appRes.status;
  const out = SipMessage.response(status, appRes.reason || 'OK');
  for (const v of req.getAll('via')) out.add('Via', v);
  out.add('From', req.get('from') ?? '');
  const appToTag = getTag(appRes.get('to'));
  const toValue = req.get('to') ?? '';
  out.add('To', status > 100 && !getTag(toValue) ? withTag(toValue, appToTag ?? txn.toTag) : toValue);
  out.add('Call-ID', req.get('call-id') ?? '');
  out.add('CSeq', req.get('cseq') ?? '');
  const dialogCreating = (req.method === 'INVITE' || req.method === 'SUBSCRIBE') && status > 100 && status < 300;
  if (dialogCreating) for (const rr of req.getAll('record-route')) out.add('Record-Route', rr);
  for (const h of appRes.headers) {
    if (!IMMUTABLE_ON_RESPONSE.has(canonicalName(h.name))) out.add(h.name, h.value);
  }
  if (dialogCreating && !out.has('contact')) out.add('Contact', `<${ctx.contactUri(rec.flow.proto)}>`);
  out.body = appRes.body;
  defaultContentType(out);

  const bytes = txn.respond(out);
  let dialogId = '';
  if (req.method === 'INVITE' && status >= 200 && status < 300) {
    let d = rec.dialog;
    if (d) {
      d.remoteTarget = EdgeContext.contactOf(req) ?? d.remoteTarget;
    } else {
      d = uasDialog(ctx, txn, out, rec.flow);
      d.owner = app;
      ctx.dialogs.add(d);
      rec.dialog = d;
      ctx.cdr({ type: 'start', source: 'network', role: 'uas' }, out);
    }
    d.awaitingAck = { txn, cseq: EdgeContext.cseqOf(req) };
    dialogId = d.id;
  } else if (req.method === 'INVITE' && status >= 300 && !rec.dialog) {
    ctx.cdr({ type: 'stop', source: 'network', reason: 'call-rejected' }, out);
  } else if (req.method === 'BYE' && status >= 200 && rec.dialog) {
    ctx.dialogs.remove(rec.dialog);
  }
  app.send(sentEcho(m.id, {
    source: 'application', bytes: bytes.length, proto: rec.flow.proto, address: rec.flow.address, port: rec.flow.port,
    txnId: txn.id, dialogId,
  }, out.toString()));
}

async function sendNewRequest(ctx: EdgeContext, app: AppSession, m: SipAppMessage, req: SipMessage): Promise<void> {
  if (!parseUri(req.uri)) return nok(app, m.id, 'invalid request-uri');
  const firstRoute = req.getAll('route')[0];
  const nextHop = m.proxy || (firstRoute ? uriFromHeader(firstRoute) : req.uri);
  const target = await resolveTarget(nextHop, protoOf(req.uri, 'udp'));
  if (!target) return nok(app, m.id, `unable to resolve ${nextHop}`);
  if (ctx.isSelf(target)) return nok(app, m.id, 'request-uri points to this server');
  const proto = target.proto;
  const selfHost = ctx.hostPort;

  req.remove('via').remove('content-length');
  req.prepend('Via', ctx.via(proto));
  if (!req.has('max-forwards')) req.add('Max-Forwards', '70');
  // srf writes `sip:<callingNumber>@localhost` into From and Contact: that means "this server".
  const local = (v: string) => v.replace(/@localhost(?=[;>]|$)/, `@${selfHost}`);
  const from = req.get('from');
  const fromValue = from ? bracketed(local(from)) : `<sip:${selfHost}>`;
  req.set('From', withTag(fromValue, ctx.newTag()));
  const contact = req.get('contact');
  if (contact && /@localhost(?=[;>]|$)/.test(contact)) {
    const uri = parseNameAddr(bracketed(local(contact)))?.uri ?? '';
    req.set('Contact', `<${uri}${proto === 'tcp' && !/;transport=/i.test(uri) ? ';transport=tcp' : ''}>`);
  }
  if (!req.has('to')) req.add('To', `<${req.uri}>`);
  if (!req.has('call-id')) req.add('Call-ID', `${ctx.newTxnId()}@${ctx.host}`);
  const cseq = parseCSeq(req.get('cseq'));
  if (!cseq || cseq.method !== req.method) req.set('CSeq', `${cseq?.seq ?? 1} ${req.method}`);
  if ((req.method === 'INVITE' || req.method === 'SUBSCRIBE' || req.method === 'REFER') && !req.has('contact')) {
    req.add('Contact', `<${ctx.contactUri(proto)}>`);
  }
  const ctErr = defaultContentType(req);
  if (ctErr) return nok(app, m.id, ctErr);

  const txn = ctx.layer.createClient(ctx.newTxnId(), req, proto === 'tcp', (b) => ctx.send(b, target));
  ctx.clients.set(txn.id, { txn, target, app });
  const bytes = txn.start();
  if (req.method === 'INVITE') ctx.cdr({ type: 'attempt', source: 'application' }, req);
  app.send(sentEcho(m.id, {
    source: 'application', bytes: bytes.length, proto, address: target.host, port: target.port, txnId: txn.id, dialogId: '',
  }, req.toString()));
}

function sendCancel(ctx: EdgeContext, app: AppSession, m: SipAppMessage, appCancel: SipMessage): void {
  const rec = ctx.clients.get(m.txnId);
  const inv = rec?.txn;
  if (!rec || !inv || !inv.isInvite || (inv.state !== 'calling' && inv.state !== 'proceeding')) {
    return nok(app, m.id, 'unknown transaction or final response already received');
  }
  const cancel = buildCancel(inv);
  for (const h of appCancel.headers) {
    if (['reason', 'x-'].some((p) => canonicalName(h.name).startsWith(p))) cancel.add(h.name, h.value);
  }
  const target = rec.target;
  const txn = ctx.layer.createClient(ctx.newTxnId(), cancel, target.proto === 'tcp', (b) => ctx.send(b, target));
  ctx.clients.set(txn.id, { txn, target });
  const bytes = txn.start();
  app.send(sentEcho(m.id, {
    source: 'application', bytes: bytes.length, proto: target.proto, address: target.host, port: target.port,
    txnId: txn.id, dialogId: '',
  }, cancel.toString()));
}

/** RFC 3261 §9.1: CANCEL copies the INVITE's Request-URI, top Via, From, To, Call-ID, Route. */
function buildCancel(inv: ClientTransaction): SipMessage {
  const req = inv.request;
  const cancel = SipMessage.request('CANCEL', req.uri);
  const via = req.getAll('via')[0];
  if (via) cancel.add('Via', via);
  cancel.add('Max-Forwards', '70');
  cancel.add('From', req.get('from') ?? '');
  cancel.add('To', req.get('to') ?? '');
  cancel.add('Call-ID', req.get('call-id') ?? '');
  cancel.add('CSeq', `${EdgeContext.cseqOf(req)} CANCEL`);
  for (const r of req.getAll('route')) cancel.add('Route', r);
  return cancel;
}

async function sendInDialog(ctx: EdgeContext, app: AppSession, m: SipAppMessage, appReq: SipMessage): Promise<void> {
  const d = ctx.dialogs.get(m.dialogId);
  if (!d || d.owner !== app) return nok(app, m.id, 'unable to find dialog for dialog id provided');
  const target = await ctx.dialogTarget(d);
  if (!target) return nok(app, m.id, 'unable to resolve the remote target');
  const method = appReq.method;

  if (method === 'ACK') {
    const ack = ctx.inDialogRequest(d, 'ACK', d.lastInviteCseq);
    copyAppHeaders(appReq, ack);
    ack.body = appReq.body;
    defaultContentType(ack);
    const bytes = ack.serialize();
    d.lastAck = { cseq: d.lastInviteCseq, bytes, target };
    ctx.sendQuiet(bytes, target);
    app.send(sentEcho(m.id, {
      source: 'application', bytes: bytes.length, proto: target.proto, address: target.host, port: target.port,
      txnId: ctx.newTxnId(), dialogId: d.id,
    }, ack.toString()));
    return;
  }
  if (d.terminating) return nok(app, m.id, 'unable to find dialog for dialog id provided');
  if (method === 'INVITE' && d.pendingReinvite && isPending(d.pendingReinvite)) {
    return nok(app, m.id, 'a re-INVITE is already in progress');
  }
  // srf's digest retry bumps CSeq itself; any other CSeq from the app is ignored.
  const appSeq = parseCSeq(appReq.get('cseq'))?.seq;
  const seq = appSeq !== undefined && appSeq > d.localCseq ? appSeq : d.localCseq + 1;
  d.localCseq = seq;
  const uri = appReq.uri.includes('placeholder') ? d.remoteTarget : appReq.uri;
  const req = ctx.inDialogRequest(d, method, seq, uri);
  copyAppHeaders(appReq, req);
  if ((method === 'INVITE' || method === 'SUBSCRIBE' || method === 'REFER') && !req.has('contact')) {
    req.add('Contact', `<${ctx.contactUri(d.proto)}>`);
  }
  req.body = appReq.body;
  const ctErr = defaultContentType(req);
  if (ctErr) return nok(app, m.id, ctErr);

  if (method === 'BYE') {
    d.terminating = true;
    const pending = d.pendingReinvite;
    if (pending && pending.state === 'proceeding') {
      const cancelTxn = ctx.layer.createClient(ctx.newTxnId(), buildCancel(pending), target.proto === 'tcp', (b) => ctx.send(b, target));
      ctx.clients.set(cancelTxn.id, { txn: cancelTxn, target });
      cancelTxn.start();
    }
    ctx.cdr({ type: 'stop', source: 'application', reason: 'normal-release' }, req);
  }
  const txn = ctx.layer.createClient(ctx.newTxnId(), req, target.proto === 'tcp', (b) => ctx.send(b, target));
  ctx.clients.set(txn.id, { txn, target, app, dialog: d });
  if (method === 'INVITE') {
    d.pendingReinvite = txn;
    d.lastInviteCseq = seq;
  }
  const bytes = txn.start();
  app.send(sentEcho(m.id, {
    source: 'application', bytes: bytes.length, proto: target.proto, address: target.host, port: target.port,
    txnId: txn.id, dialogId: d.id,
  }, req.toString()));
}

/** A bare addr-spec gets angle brackets so header params (tag) cannot be read as URI params. */
function bracketed(v: string): string {
  const t = v.trim();
  return t.includes('<') || /;tag=/i.test(t) ? t : `<${t}>`;
}

function isPending(t: ClientTransaction): boolean {
  return t.state === 'calling' || t.state === 'proceeding' || t.state === 'trying';
}

function copyAppHeaders(from: SipMessage, to: SipMessage): void {
  for (const h of from.headers) {
    if (!OWNED_IN_DIALOG.has(canonicalName(h.name))) to.add(h.name, h.value);
  }
}

/** Responses from the network to requests the app (or the edge) sent. */
export function onClientResponse(ctx: EdgeContext, txn: ClientTransaction, res: SipMessage, retrans: boolean): void {
  const rec = ctx.clients.get(txn.id);
  if (!rec) return;
  const method = txn.request.method;
  const flowMeta = { proto: rec.target.proto, address: rec.target.host, port: rec.target.port };
  if (retrans) {
    const d = rec.dialog ?? findUacDialog(ctx, res);
    if (d?.lastAck && d.lastAck.cseq === EdgeContext.cseqOf(res)) ctx.sendQuiet(d.lastAck.bytes, d.lastAck.target);
    return;
  }
  if (method === 'CANCEL' || !rec.app) {
    // Edge-originated requests (BYE on ACK timeout, CANCEL): nobody upstream to tell,
    // but a 2xx to an orphaned INVITE still needs ACK and BYE so the far end is not left up.
    if (method === 'INVITE' && res.status >= 200 && res.status < 300 && !rec.dialog) orphan2xx(ctx, txn, res, rec.target);
    return;
  }
  let dialogId = '';
  if (method === 'INVITE' && res.status >= 200 && res.status < 300) {
    let d = rec.dialog;
    if (d) {
      d.remoteTarget = EdgeContext.contactOf(res) ?? d.remoteTarget;
      if (d.pendingReinvite === txn) d.pendingReinvite = undefined;
    } else {
      if (rec.app.closed) return orphan2xx(ctx, txn, res, rec.target);
      d = uacDialog(ctx, txn, res, rec.target);
      d.owner = rec.app;
      ctx.dialogs.add(d);
      rec.dialog = d;
      ctx.cdr({ type: 'start', source: 'application', role: 'uac' }, res);
    }
    dialogId = d.id;
  } else if (method === 'INVITE' && res.status >= 300) {
    if (rec.dialog?.pendingReinvite === txn) rec.dialog.pendingReinvite = undefined;
    else if (!rec.dialog && res.status !== 401 && res.status !== 407) {
      ctx.cdr({ type: 'stop', source: 'application', reason: res.status === 487 ? 'call-canceled' : 'call-rejected' }, res);
    }
  } else if (method === 'BYE' && res.status >= 200 && rec.dialog) {
    ctx.dialogs.remove(rec.dialog);
  }
  ctx.toApp(rec.app, {
    source: 'network', ...flowMeta, txnId: txn.id, dialogId,
  }, res);
}

function findUacDialog(ctx: EdgeContext, res: SipMessage): EdgeDialog | undefined {
  return ctx.dialogs.find(res.get('call-id') ?? '', getTag(res.get('from')) ?? '', getTag(res.get('to')) ?? '');
}

function uacDialog(ctx: EdgeContext, txn: ClientTransaction, res: SipMessage, target: Target): EdgeDialog {
  const req = txn.request;
  const seq = EdgeContext.cseqOf(req);
  const d = new Dialog<AppSession>({
    role: 'uac',
    callId: req.get('call-id') ?? '',
    localTag: getTag(req.get('from')) ?? '',
    remoteTag: getTag(res.get('to')) ?? '',
    localParty: req.get('from') ?? '',
    remoteParty: res.get('to') ?? '',
    remoteTarget: EdgeContext.contactOf(res) ?? req.uri,
    routeSet: res.getAll('record-route').reverse(),
    localCseq: seq,
    remoteCseq: 0,
    proto: target.proto,
    flow: target,
  });
  d.lastInviteCseq = seq;
  return d;
}

function orphan2xx(ctx: EdgeContext, txn: ClientTransaction, res: SipMessage, target: Target): void {
  const d = uacDialog(ctx, txn, res, target);
  const ack = ctx.inDialogRequest(d, 'ACK', d.lastInviteCseq);
  ctx.sendQuiet(ack.serialize(), target);
  void ctx.edgeHangup(d, 'application gone', false);
}
