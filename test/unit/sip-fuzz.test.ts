// Hostile-input test: thousands of deterministically mutated SIP messages and wire frames.
// Parsers may only fail with their own error types, and a live edge fed the same garbage over
// UDP and TCP must keep answering and hold no leftover state afterwards.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { SipParseError, parseSipMessage, validateForTransaction } from '../../protocols/sip/sip/message.js';
import { StreamFramer } from '../../protocols/sip/sip/transport.js';
import { FrameDecoder, FrameError } from '../../protocols/sip/wire/framing.js';
import { WireParseError, parseAppMessage } from '../../protocols/sip/wire/messages.js';
import { startSipEdge } from '../../protocols/sip/index.js';
import { prng } from '../../src/inventory/prng.js';

const CORPUS = [
  [
    'INVITE sip:100@127.0.0.1:5060 SIP/2.0', 'Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKfuzz1;rport',
    'From: "Fuzz, Caller" <sip:fuzz@127.0.0.1:5999>;tag=fz1', 'To: <sip:100@127.0.0.1>', 'Call-ID: fuzz-1@127.0.0.1',
    'CSeq: 1 INVITE', 'Contact: <sip:fuzz@127.0.0.1:5999>', 'Max-Forwards: 70', 'Content-Type: application/sdp',
    'Content-Length: 64', '', 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n',
  ].join('\r\n'),
  [
    'SIP/2.0 180 Ringing', 'v: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKabc', 'f: <sip:a@b>;tag=1', 't: <sip:c@d>;tag=2',
    'i: x', 'CSeq: 7 INVITE', 'l: 0', '', '',
  ].join('\r\n'),
  [
    'BYE sip:fuzz@127.0.0.1:5999 SIP/2.0', 'Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKbye, SIP/2.0/UDP 10.0.0.1',
    'Route: <sip:p1;lr>,<sip:p2;lr>', 'From: <sip:a@b>;tag=1', 'To: <sip:c@d>;tag=2', 'Call-ID: y', 'CSeq: 2 BYE',
    'Subject: folded', ' continuation', 'Content-Length: 0', '', '',
  ].join('\r\n'),
];

const NASTY = ['\r\n', '\r\n\r\n', ':', ';', ',', '<', '>', '"', '\\', '\0', 'SIP/2.0', 'Content-Length: 99999999',
  'l: -1', 'Via: ', 'z9hG4bK', ' ', '\t', '%', '\u00ff', '🎉', '9'.repeat(40), '\r\n__proto__: x', '\r\nconstructor: y'];

function mutate(rand: () => number, input: Buffer): Buffer {
  let b = Buffer.from(input);
  const ops = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < ops; i++) {
    const pos = Math.floor(rand() * (b.length + 1));
    switch (Math.floor(rand() * 7)) {
      case 0: if (b.length) b[Math.min(pos, b.length - 1)] = Math.floor(rand() * 256); break;
      case 1: b = Buffer.concat([b.subarray(0, pos), Buffer.from(NASTY[Math.floor(rand() * NASTY.length)]!), b.subarray(pos)]); break;
      case 2: b = Buffer.concat([b.subarray(0, pos), b.subarray(Math.min(b.length, pos + Math.floor(rand() * 40)))]); break;
      case 3: b = b.subarray(0, pos); break;
      case 4: { const len = Math.floor(rand() * 60); b = Buffer.concat([b.subarray(0, pos + len), b.subarray(pos, pos + len), b.subarray(pos + len)]); break; }
      case 5: b = Buffer.concat([b, Buffer.from('X-Pad: ' + 'A'.repeat(Math.floor(rand() * 9000)) + '\r\n')]); break;
      default: b = Buffer.from(b.toString('latin1').replace(/\d+/, String(Math.floor(rand() * 1e9))), 'latin1');
    }
  }
  return b;
}

describe('SIP edge under hostile input', () => {
  test('5,000 mutated SIP messages only ever fail with SipParseError', () => {
    const rand = prng(0x5eed);
    let parsed = 0;
    for (let i = 0; i < 5000; i++) {
      const input = mutate(rand, Buffer.from(CORPUS[i % CORPUS.length]!));
      try {
        const m = parseSipMessage(input, { requireFullBody: i % 2 === 0 });
        validateForTransaction(m);
        m.serialize();
        parsed++;
      } catch (err) {
        assert.ok(err instanceof SipParseError, `iteration ${i}: ${(err as Error).stack}`);
      }
    }
    assert.ok(parsed > 100, 'some mutations stay valid, so the valid path is fuzzed too');
  });

  test('mutated TCP byte streams and drachtio frames fail only with the framers\' own errors', () => {
    const rand = prng(42);
    for (let i = 0; i < 1500; i++) {
      const framer = new StreamFramer();
      const bytes = mutate(rand, Buffer.from(CORPUS[i % CORPUS.length]! + CORPUS[(i + 1) % CORPUS.length]!));
      try {
        for (let off = 0; off < bytes.length;) {
          const n = 1 + Math.floor(rand() * 200);
          for (const m of framer.push(bytes.subarray(off, off + n))) {
            try { parseSipMessage(m); } catch (e) { assert.ok(e instanceof SipParseError); }
          }
          off += n;
        }
      } catch (err) {
        assert.match((err as Error).message, /too large/);
      }
      const payload = `id${i}|sip|t|d\r\n${CORPUS[i % CORPUS.length]}`;
      const frame = mutate(rand, Buffer.from(`${Buffer.byteLength(payload)}#${payload}`));
      try {
        for (const p of new FrameDecoder().push(frame)) {
          try { parseAppMessage(p); } catch (e) { assert.ok(e instanceof WireParseError); }
        }
      } catch (err) {
        assert.ok(err instanceof FrameError, (err as Error).stack);
      }
    }
  });

  test('a live edge fed mutated datagrams and TCP garbage keeps answering and leaks no state', async () => {
    const edge = await startSipEdge({
      sipHost: '127.0.0.1', sipPort: 0, drachtioPort: 0, secret: 's', timers: { t1: 10, t2: 40, t4: 40 },
    });
    const sock = dgram.createSocket('udp4');
    const replies: string[] = [];
    sock.on('message', (m) => replies.push(m.toString()));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    try {
      const rand = prng(7);
      for (let i = 0; i < 2000; i++) {
        sock.send(mutate(rand, Buffer.from(CORPUS[i % CORPUS.length]!)), edge.sipPort, '127.0.0.1');
        if (i % 200 === 0) await new Promise((r) => setImmediate(r));
      }
      for (let i = 0; i < 20; i++) {
        const c = net.connect({ host: '127.0.0.1', port: edge.sipPort });
        c.on('error', () => {});
        c.end(mutate(rand, Buffer.from(CORPUS[i % CORPUS.length]!.repeat(3))));
      }
      // The control port must shrug off garbage too.
      const ctl = net.connect({ host: '127.0.0.1', port: edge.drachtioPort });
      ctl.on('error', () => {});
      ctl.end('GET / HTTP/1.1\r\nHost: x\r\n\r\n');

      await new Promise((r) => setTimeout(r, 300));
      replies.length = 0;
      const options = [
        'OPTIONS sip:ping@127.0.0.1 SIP/2.0', `Via: SIP/2.0/UDP 127.0.0.1:${sock.address().port};branch=z9hG4bKalive`,
        'From: <sip:t@127.0.0.1>;tag=alive', 'To: <sip:ping@127.0.0.1>', 'Call-ID: alive', 'CSeq: 1 OPTIONS',
        'Content-Length: 0', '', '',
      ].join('\r\n');
      sock.send(options, edge.sipPort, '127.0.0.1');
      const deadline = Date.now() + 2000;
      while (!replies.some((r) => r.includes('Call-ID: alive')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const alive = replies.find((r) => r.includes('Call-ID: alive'));
      assert.match(alive ?? '', /^SIP\/2\.0 200 OK/);

      // Every transaction started by the garbage runs out within 64·T1; nothing may remain.
      const end = Date.now() + 3000;
      while (Date.now() < end) {
        const s = edge.stats();
        if (s.serverTransactions + s.clientTransactions + s.dialogs === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const s = edge.stats();
      assert.equal(s.serverTransactions, 0);
      assert.equal(s.clientTransactions, 0);
      assert.equal(s.dialogs, 0);
      assert.ok(s.malformed > 100, `malformed counted (${s.malformed})`);
    } finally {
      sock.close();
      await edge.close();
    }
  });
});
