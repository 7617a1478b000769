import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SipMessage, parseSipMessage, topBranch } from '../../protocols/sip/sip/message.js';
import {
  TransactionLayer, type Clock, type ClientTransaction, type ServerTransaction, type TransactionEvents,
} from '../../protocols/sip/sip/transaction.js';

/** Manual clock: timers fire only when the test advances time. */
class FakeClock implements Clock {
  now = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void { this.timers.delete(h as number); }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.now = next[1].at;
      next[1].fn();
    }
    this.now = end;
  }
}

const T = { t1: 500, t2: 4000, t4: 5000 };

function setup() {
  const clock = new FakeClock();
  const log: string[] = [];
  const events: TransactionEvents = {
    onAckTimeout: () => log.push('ack-timeout'),
    onNoFinalResponse: () => log.push('no-final'),
    onResponse: (_t, res, retrans) => log.push(`response ${res.status}${retrans ? ' retrans' : ''}`),
    onClientTimeout: (_t, reason) => log.push(`client ${reason}`),
    onTerminated: () => log.push('terminated'),
  };
  const layer = new TransactionLayer(events, clock, T);
  const sent: { at: number; text: string }[] = [];
  const send = async (b: Buffer) => { sent.push({ at: clock.now, text: b.toString() }); };
  return { clock, log, layer, sent, send };
}

function req(method: string, branch = 'z9hG4bKtest1'): SipMessage {
  return parseSipMessage([
    `${method} sip:bob@127.0.0.1 SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:5070;branch=${branch}`,
    'From: <sip:a@b>;tag=f1', 'To: <sip:bob@127.0.0.1>', 'Call-ID: c1', `CSeq: 1 ${method}`, 'Content-Length: 0', '', '',
  ].join('\r\n'));
}

function resFor(r: SipMessage, status: number, toTag = 't9'): SipMessage {
  const res = SipMessage.response(status, 'X');
  for (const n of ['via', 'from', 'call-id', 'cseq']) res.add(n, r.get(n)!);
  res.add('To', `${r.get('to')};tag=${toTag}`);
  return res;
}

describe('SIP transactions (RFC 3261 timers on a fake clock)', () => {
  test('server INVITE: a 2xx is retransmitted at T1, 2T1, 4T1… capped at T2 until the ACK arrives', () => {
    const { clock, layer, sent, send, log } = setup();
    const st: ServerTransaction = layer.createServer('s1', req('INVITE'), false, send);
    st.respond(resFor(st.request, 200));
    clock.advance(8000);
    assert.deepEqual(sent.map((s) => s.at), [0, 500, 1500, 3500, 7500]);
    st.ack();
    clock.advance(20_000);
    assert.equal(sent.length, 5);
    assert.ok(!log.includes('ack-timeout'));
    assert.equal(layer.counts.server, 0);
  });

  test('server INVITE: with no ACK, timer H (64·T1) reports an ACK timeout once and frees the transaction', () => {
    const { clock, layer, send, log } = setup();
    const st = layer.createServer('s1', req('INVITE'), false, send);
    st.respond(resFor(st.request, 200));
    clock.advance(64 * 500 - 1);
    assert.ok(!log.includes('ack-timeout'));
    clock.advance(1);
    assert.deepEqual(log.filter((l) => l === 'ack-timeout'), ['ack-timeout']);
    assert.equal(layer.counts.server, 0);
  });

  test('server INVITE over TCP: no retransmissions, but the ACK timeout still applies', () => {
    const { clock, layer, sent, send, log } = setup();
    const st = layer.createServer('s1', req('INVITE'), true, send);
    st.respond(resFor(st.request, 200));
    clock.advance(40_000);
    assert.equal(sent.length, 1);
    assert.ok(log.includes('ack-timeout'));
  });

  test('server INVITE non-2xx: retransmitted until ACK, then confirmed and freed after T4', () => {
    const { clock, layer, sent, send } = setup();
    const st = layer.createServer('s1', req('INVITE'), false, send);
    st.respond(resFor(st.request, 486));
    clock.advance(600);
    assert.equal(sent.length, 2);
    assert.equal(layer.matchServer(req('ACK')), st, 'ACK with the same branch matches the INVITE transaction');
    st.ack();
    assert.equal(st.state, 'confirmed');
    clock.advance(5000);
    assert.equal(st.state, 'terminated');
    assert.equal(sent.length, 2);
  });

  test('server non-INVITE: a retransmitted request gets the last response again; timer J frees it', () => {
    const { clock, layer, sent, send } = setup();
    const st = layer.createServer('s1', req('BYE'), false, send);
    st.respond(resFor(st.request, 200));
    layer.matchServer(req('BYE'))?.retransmission();
    assert.equal(sent.length, 2);
    assert.equal(sent[1]!.text, sent[0]!.text);
    clock.advance(64 * 500);
    assert.equal(layer.counts.server, 0);
  });

  test('client INVITE: timer A doubles, timer B gives up after 64·T1 with a timeout', () => {
    const { clock, layer, sent, send, log } = setup();
    const ct: ClientTransaction = layer.createClient('c1', req('INVITE'), false, send);
    ct.start();
    clock.advance(32_000);
    assert.deepEqual(sent.map((s) => s.at), [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert.deepEqual(log, ['client timeout', 'terminated']);
  });

  test('client INVITE: a non-2xx is ACKed in the transaction (same branch, To-tag) and reported once', () => {
    const { clock, layer, sent, send, log } = setup();
    const ct = layer.createClient('c1', req('INVITE', 'z9hG4bKabc'), false, send);
    ct.start();
    const res = resFor(ct.request, 407);
    layer.matchClient(res)?.receive(res);
    layer.matchClient(res)?.receive(res);
    const acks = sent.filter((s) => s.text.startsWith('ACK '));
    assert.equal(acks.length, 2, 'ACK repeated for the retransmitted final response');
    const ack = parseSipMessage(acks[0]!.text);
    assert.equal(topBranch(ack), 'z9hG4bKabc');
    assert.match(ack.get('to')!, /tag=t9/);
    assert.equal(ack.get('cseq'), '1 ACK');
    assert.deepEqual(log, ['response 407']);
    clock.advance(32_000);
    assert.equal(layer.counts.client, 0);
  });

  test('client INVITE: 2xx retransmissions reach the TU marked as such, so it can re-send its ACK', () => {
    const { layer, send, log } = setup();
    const ct = layer.createClient('c1', req('INVITE'), false, send);
    ct.start();
    const ok = resFor(ct.request, 200);
    ct.receive(ok);
    ct.receive(ok);
    assert.deepEqual(log, ['response 200', 'response 200 retrans']);
  });

  test('client non-INVITE: timer E caps at T2, timer F times out; a provisional response moves E to T2', () => {
    const a = setup();
    a.layer.createClient('c1', req('OPTIONS'), false, a.send).start();
    a.clock.advance(32_000);
    assert.deepEqual(a.sent.map((s) => s.at).slice(0, 6), [0, 500, 1500, 3500, 7500, 11500]);
    assert.ok(a.log.includes('client timeout'));

    const b = setup();
    const ct = b.layer.createClient('c2', req('BYE'), false, b.send);
    ct.start();
    ct.receive(resFor(ct.request, 100));
    b.clock.advance(9000);
    assert.deepEqual(b.sent.map((s) => s.at), [0, 4000, 8000]);
  });

  test('an app that never answers a non-INVITE gets the edge to answer after 64·T1', () => {
    const { clock, layer, send, log } = setup();
    layer.createServer('s1', req('INFO'), false, send);
    clock.advance(64 * 500);
    assert.ok(log.includes('no-final'));
  });
});
