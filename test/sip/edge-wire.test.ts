// The drachtio control protocol as the edge speaks it, and the edge's own SIP answers
// (503 with no route, 481 for unknown dialogs), checked with real sockets.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import Srf from 'drachtio-srf';
import { startSipEdge, type SipEdge } from '../../protocols/sip/index.js';
import { FrameDecoder, encodeFrame } from '../../protocols/sip/wire/framing.js';
import { SECRET, connectSrf, eventually, startHarness } from './harness.js';

/** Minimal drachtio client speaking raw frames, to see exactly what the edge answers. */
class RawApp {
  private sock!: net.Socket;
  private decoder = new FrameDecoder();
  readonly received: string[] = [];
  closed = false;

  async connect(port: number): Promise<void> {
    this.sock = net.connect({ host: '127.0.0.1', port });
    this.sock.on('data', (d: Buffer) => { this.received.push(...this.decoder.push(d)); });
    this.sock.on('close', () => { this.closed = true; });
    await new Promise<void>((r) => this.sock.once('connect', () => r()));
  }

  /** Sends `<id>|<body>` and waits for the response quoting that id. */
  async call(body: string): Promise<string[]> {
    const id = randomUUID();
    this.sock.write(encodeFrame(`${id}|${body}`));
    let found: string | undefined;
    await eventually(() => (found = this.received.find((m) => m.split('|')[2] === id)) !== undefined, 2000, `answer to ${body.slice(0, 30)}`);
    return found!.split('\r\n')[0]!.split('|').slice(3);
  }

  close(): void { this.sock.destroy(); }
}

function udpExchange(port: number, msg: string, expect: number, ms = 2000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const got: string[] = [];
    const timer = setTimeout(() => { s.close(); reject(new Error(`got ${got.length} of ${expect} replies: ${got.join('|')}`)); }, ms);
    s.on('message', (m) => {
      got.push(m.toString());
      if (got.length >= expect) { clearTimeout(timer); s.close(); resolve(got); }
    });
    s.bind(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.send(Buffer.from(msg.replace(/LOCALPORT/g, String(p))), port, '127.0.0.1');
    });
  });
}

function request(method: string, opts: { toTag?: string; callId?: string } = {}): string {
  const callId = opts.callId ?? randomUUID();
  return [
    `${method} sip:100@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:LOCALPORT;branch=z9hG4bK${randomUUID().slice(0, 8)};rport`,
    'From: <sip:a@127.0.0.1>;tag=abc',
    `To: <sip:100@127.0.0.1>${opts.toTag ? `;tag=${opts.toTag}` : ''}`,
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
    'Contact: <sip:a@127.0.0.1:LOCALPORT>',
    'Max-Forwards: 70',
    'Content-Length: 0',
    '', '',
  ].join('\r\n');
}

const statusOf = (m: string) => Number(/^SIP\/2\.0 (\d{3})/.exec(m)?.[1]);

describe('SIP edge, control protocol and stack answers', () => {
  test('srf with a wrong secret is refused and never counts as a connected app', async () => {
    const edge = await startSipEdge({ sipHost: '127.0.0.1', sipPort: 0, drachtioPort: 0, secret: SECRET });
    const srf = new Srf();
    try {
      await assert.rejects(connectSrf(srf, edge.drachtioPort, 'not-the-secret'), /failed to authenticate/);
      assert.equal(edge.stats().apps, 0);
    } finally {
      try { srf.disconnect(); } catch { /* closed by the edge */ }
      await edge.close();
    }
  });

  test('raw client: wrong secret gets NO and the socket is closed', async () => {
    const edge = await startSipEdge({ sipHost: '127.0.0.1', sipPort: 0, drachtioPort: 0, secret: SECRET });
    const app = new RawApp();
    try {
      await app.connect(edge.drachtioPort);
      assert.deepEqual(await app.call('authenticate|nope|'), ['NO', 'incorrect secret']);
      await eventually(() => app.closed, 2000, 'socket close');
    } finally {
      app.close();
      await edge.close();
    }
  });

  test('authenticate answers OK with the SIP hostports; ping answers pong; routes are a set', async () => {
    let edge: SipEdge | undefined;
    const app = new RawApp();
    try {
      edge = await startSipEdge({ sipHost: '127.0.0.1', sipPort: 0, drachtioPort: 0, secret: SECRET });
      await app.connect(edge.drachtioPort);
      const auth = await app.call(`authenticate|${SECRET}|`);
      assert.equal(auth[0], 'OK');
      assert.equal(auth[1], `udp/127.0.0.1:${edge.sipPort},tcp/127.0.0.1:${edge.sipPort}`);
      assert.match(auth[2] ?? '', /^v\d+\.\d+\.\d+/);
      assert.deepEqual(await app.call('ping'), ['OK', 'pong']);
      // srf re-sends every route on each registration, so a duplicate must not count twice
      assert.deepEqual(await app.call('route|message'), ['OK']);
      assert.deepEqual(await app.call('route|message'), ['OK']);
      assert.deepEqual(await app.call('remove_route|message'), ['OK']);
      const replies = await udpExchange(edge.sipPort, request('MESSAGE'), 1);
      assert.equal(statusOf(replies[0]!), 503);
    } finally {
      app.close();
      await edge?.close();
    }
  });

  test('in-dialog request for an unknown dialog id gets NOK, a response for an unknown transaction gets NOK', async () => {
    const edge = await startSipEdge({ sipHost: '127.0.0.1', sipPort: 0, drachtioPort: 0, secret: SECRET });
    const app = new RawApp();
    try {
      await app.connect(edge.drachtioPort);
      await app.call(`authenticate|${SECRET}|`);
      const bye = await app.call('sip||nosuch;from-tag=x\r\nBYE sip:placeholder SIP/2.0\r\nContent-Length: 0\r\n\r\n');
      assert.deepEqual(bye, ['NOK', 'unable to find dialog for dialog id provided']);
      const res = await app.call('sip|nosuchtxn|\r\nSIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n');
      assert.deepEqual(res, ['NOK', 'Response not sent due to unknown transaction']);
    } finally {
      app.close();
      await edge.close();
    }
  });

  test('INVITE that no app routes gets 100 Trying then 503', async () => {
    const h = await startHarness(() => {});
    try {
      const replies = await udpExchange(h.edge.sipPort, request('INVITE'), 2);
      assert.deepEqual(replies.map(statusOf), [100, 503]);
    } finally {
      await h.close();
    }
  });

  test('an INVITE that requires 100rel is refused with 420 and Unsupported: 100rel', async () => {
    const h = await startHarness((srf) => { srf.invite((_req, res) => res.send(486)); });
    try {
      const invite = request('INVITE').replace('Max-Forwards: 70', 'Max-Forwards: 70\r\nRequire: 100rel');
      const replies = await udpExchange(h.edge.sipPort, invite, 1);
      assert.equal(statusOf(replies[0]!), 420);
      assert.match(replies[0]!, /\r\nUnsupported: 100rel\r\n/);
    } finally {
      await h.close();
    }
  });

  test('BYE for a dialog the edge does not know gets 481', async () => {
    const h = await startHarness(() => {});
    try {
      const replies = await udpExchange(h.edge.sipPort, request('BYE', { toTag: 'unknown' }), 1);
      assert.equal(statusOf(replies[0]!), 481);
    } finally {
      await h.close();
    }
  });

  test('the app\'s 200 goes out with Via, To-tag, Contact, Content-Type and a byte-exact Content-Length', async () => {
    const sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=Zoë Café ☎\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
    const h = await startHarness((srf) => {
      srf.invite((req, res) => { void srf.createUAS(req, res, { localSdp: sdp }).catch(() => {}); });
    });
    try {
      const invite = request('INVITE');
      const replies = await udpExchange(h.edge.sipPort, invite, 2);
      const ok = replies.find((r) => statusOf(r) === 200)!;
      const [head, body] = ok.split('\r\n\r\n') as [string, string];
      assert.match(head, /\r\nVia: SIP\/2\.0\/UDP 127\.0\.0\.1:\d+;branch=z9hG4bK\w+;rport=\d+;received=127\.0\.0\.1\r\n/);
      assert.match(head, /\r\nTo: <sip:100@127\.0\.0\.1>;tag=\w+/);
      assert.match(head, new RegExp(`\\r\\nContact: <sip:127\\.0\\.0\\.1:${h.edge.sipPort}>`));
      assert.match(head, /\r\nContent-Type: application\/sdp/);
      assert.equal(Number(/Content-Length: (\d+)/.exec(head)?.[1]), Buffer.byteLength(body));
      assert.equal(body, sdp);
    } finally {
      await h.close();
    }
  });

  test('a request from the app gets Via, Max-Forwards, From-tag and Contact; a 486 is ACKed by the edge', async () => {
    const far = dgram.createSocket('udp4');
    const got: string[] = [];
    await new Promise<void>((r) => far.bind(0, '127.0.0.1', () => r()));
    const h = await startHarness(() => {});
    try {
      far.on('message', (m, rinfo) => {
        const text = m.toString();
        got.push(text);
        if (text.startsWith('INVITE ')) {
          const hdr = (n: string) => new RegExp(`^${n}: (.*)$`, 'mi').exec(text)?.[1] ?? '';
          const busy = ['SIP/2.0 486 Busy Here', `Via: ${hdr('Via')}`, `From: ${hdr('From')}`, `To: ${hdr('To')};tag=far1`,
            `Call-ID: ${hdr('Call-ID')}`, `CSeq: ${hdr('CSeq')}`, 'Content-Length: 0', '', ''].join('\r\n');
          far.send(busy, rinfo.port, rinfo.address);
        }
      });
      await assert.rejects(
        h.srf.createUAC(`sip:bob@127.0.0.1:${far.address().port}`, { localSdp: 'v=0\r\n', callingNumber: '5551000' }),
        (err: { status?: number }) => err.status === 486,
      );
      await eventually(() => got.some((m) => m.startsWith('ACK ')), 2000, 'ACK for the 486');
      const invite = got.find((m) => m.startsWith('INVITE '))!;
      assert.match(invite, /\r\nVia: SIP\/2\.0\/UDP 127\.0\.0\.1:\d+;branch=z9hG4bK\w+;rport/);
      assert.match(invite, /\r\nMax-Forwards: 70/);
      // srf writes sip:<callingNumber>@localhost; the edge puts its real address there
      assert.match(invite, /\r\ncontact: <sip:5551000@127\.0\.0\.1:\d+>/i);
      assert.match(invite, /\r\nFrom: <sip:5551000@127\.0\.0\.1:\d+>;tag=\w+/);
      const ack = got.find((m) => m.startsWith('ACK '))!;
      const branch = (t: string) => /branch=(\w+)/.exec(t)?.[1];
      assert.equal(branch(ack), branch(invite), 'non-2xx ACK shares the INVITE branch');
      assert.match(ack, /To: [^\r]*tag=far1/);
    } finally {
      far.close();
      await h.close();
    }
  });

  test('in-dialog requests follow the route set and remote target: BYE goes via the Record-Route hop', async () => {
    const caller = dgram.createSocket('udp4');
    const proxy = dgram.createSocket('udp4');
    const atCaller: string[] = [];
    const atProxy: string[] = [];
    await new Promise<void>((r) => caller.bind(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => proxy.bind(0, '127.0.0.1', () => r()));
    const callerPort = caller.address().port;
    const proxyPort = proxy.address().port;
    const h = await startHarness((srf) => {
      srf.invite((req, res) => {
        void srf.createUAS(req, res, { localSdp: 'v=0\r\n' }).then((d) => setTimeout(() => { void d.destroy(); }, 100));
      });
    });
    try {
      caller.on('message', (m) => atCaller.push(m.toString()));
      proxy.on('message', (m, rinfo) => {
        const text = m.toString();
        atProxy.push(text);
        if (text.startsWith('BYE ')) {
          const hdr = (n: string) => new RegExp(`^${n}: (.*)$`, 'mi').exec(text)?.[1] ?? '';
          proxy.send(['SIP/2.0 200 OK', `Via: ${hdr('Via')}`, `From: ${hdr('From')}`, `To: ${hdr('To')}`,
            `Call-ID: ${hdr('Call-ID')}`, `CSeq: ${hdr('CSeq')}`, 'Content-Length: 0', '', ''].join('\r\n'), rinfo.port, rinfo.address);
        }
      });
      const invite = request('INVITE')
        .replace(/LOCALPORT/g, String(callerPort))
        .replace('Max-Forwards: 70', `Max-Forwards: 70\r\nRecord-Route: <sip:127.0.0.1:${proxyPort};lr>`);
      caller.send(invite, h.edge.sipPort, '127.0.0.1');
      await eventually(() => atCaller.some((m) => statusOf(m) === 200), 2000, '200 OK');
      const ok = atCaller.find((m) => statusOf(m) === 200)!;
      assert.match(ok, new RegExp(`Record-Route: <sip:127\\.0\\.0\\.1:${proxyPort};lr>`), 'Record-Route echoed in the 2xx');
      const toTag = /^To: .*;tag=(\w+)/m.exec(ok)![1];
      const ack = invite.replace(/^INVITE /, 'ACK ').replace('CSeq: 1 INVITE', 'CSeq: 1 ACK')
        .replace('To: <sip:100@127.0.0.1>', `To: <sip:100@127.0.0.1>;tag=${toTag}`).replace(/branch=\w+/, 'branch=z9hG4bKack1');
      caller.send(ack, h.edge.sipPort, '127.0.0.1');
      await eventually(() => atProxy.some((m) => m.startsWith('BYE ')), 3000, 'BYE at the route hop');
      const bye = atProxy.find((m) => m.startsWith('BYE '))!;
      assert.match(bye, new RegExp(`^BYE sip:a@127\\.0\\.0\\.1:${callerPort} SIP/2\\.0`), 'Request-URI is the remote target');
      assert.match(bye, new RegExp(`\\r\\nRoute: <sip:127\\.0\\.0\\.1:${proxyPort};lr>`));
      assert.match(bye, new RegExp(`\\r\\nTo: <sip:a@127\\.0\\.0\\.1>;tag=abc`), 'To is the caller with its tag');
      assert.match(bye, new RegExp(`\\r\\nFrom: <sip:100@127\\.0\\.0\\.1>;tag=${toTag}`), 'From carries our tag');
      assert.equal(atCaller.filter((m) => m.startsWith('BYE ')).length, 0, 'nothing bypasses the route set');
      await eventually(() => h.edge.stats().dialogs === 0, 2000, 'dialog removal');
    } finally {
      caller.close();
      proxy.close();
      await h.close();
    }
  });

  test('when the app disconnects, the edge hangs up its calls with BYE', async () => {
    let answered = false;
    const h = await startHarness((srf) => {
      srf.invite((req, res) => { void srf.createUAS(req, res, { localSdp: 'v=0\r\n' }).then(() => { answered = true; }); });
    });
    const s = dgram.createSocket('udp4');
    const got: string[] = [];
    try {
      s.on('message', (m) => got.push(m.toString()));
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
      const port = s.address().port;
      s.send(Buffer.from(request('INVITE').replace(/LOCALPORT/g, String(port))), h.edge.sipPort, '127.0.0.1');
      await eventually(() => answered && got.some((m) => statusOf(m) === 200), 2000, '200 OK');
      h.srf.disconnect();
      await eventually(() => got.some((m) => m.startsWith('BYE ')), 3000, 'BYE from edge');
      await eventually(() => h.edge.stats().dialogs === 0, 2000, 'dialog cleanup');
    } finally {
      s.close();
      await h.close();
    }
  });
});
