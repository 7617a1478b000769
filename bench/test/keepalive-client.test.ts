// The load generator's keep-alive HTTP/1.1 client against real node:http and node:net servers on 127.0.0.1.
//   node --import tsx --test bench/test/keepalive-client.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { KeepAliveClients, KeepAliveConnection } from '../lib/keepalive-client.js';

interface Served { port: number; connections(): number; close(): Promise<void> }

/** A node:http server on 127.0.0.1:0 that counts the TCP connections it accepts. */
async function httpServer(handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void): Promise<Served> {
  let connections = 0;
  const server = createHttpServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(parts)));
  });
  server.on('connection', () => connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A raw node:net server on 127.0.0.1:0; `onSocket` decides what (if anything) is written back. */
async function netServer(onSocket: (s: Socket) => void): Promise<Served> {
  const sockets = new Set<Socket>();
  const server = createNetServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onSocket(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => sockets.size,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

const FORM = 'content-type: application/x-www-form-urlencoded\r\nauthorization: Basic QUMxOnRva2Vu\r\n';

test('a form POST reaches the server intact (multi-byte UTF-8 included), the answer comes back, and a sequence reuses one connection', async () => {
  const seen: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string; bodyBytes: number }[] = [];
  const srv = await httpServer((req, res, body) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers, body: body.toString('utf8'), bodyBytes: body.length });
    const out = JSON.stringify({ n: seen.length, echo: body.toString('utf8') });
    res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
    res.end(out);
  });
  const c = new KeepAliveConnection('127.0.0.1', srv.port, 2000);
  try {
    const bodies = ['To=%2B15550001&Body=hello', 'To=%2B15550002&Body=héllo wörld €😀', 'To=%2B15550003&Body=日本語'];
    for (const [i, body] of bodies.entries()) {
      const a = await c.request('POST', `/2010-04-01/Accounts/AC1/Messages.json?i=${i}`, FORM, body);
      assert.equal(a.status, 201);
      assert.deepEqual(JSON.parse(a.body), { n: i + 1, echo: body }, 'a multi-byte answer body is decoded whole');
      const s = seen[i]!;
      assert.equal(s.method, 'POST');
      assert.equal(s.url, `/2010-04-01/Accounts/AC1/Messages.json?i=${i}`);
      assert.equal(s.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.equal(s.headers.authorization, 'Basic QUMxOnRva2Vu');
      assert.equal(s.headers.host, `127.0.0.1:${srv.port}`);
      assert.equal(s.headers['content-length'], String(Buffer.byteLength(body)), 'content-length counts bytes, not characters');
      assert.equal(s.bodyBytes, Buffer.byteLength(body));
      assert.equal(s.body, body);
    }
    assert.equal(seen.length, 3);
    assert.equal(srv.connections(), 1, 'three requests in sequence on one TCP connection');
    // A GET without a body carries no content-length and still gets its answer on the same connection.
    const g = await c.request('GET', '/health', '');
    assert.equal(g.status, 201);
    assert.equal(seen[3]!.method, 'GET');
    assert.equal(seen[3]!.headers['content-length'], undefined);
    assert.equal(srv.connections(), 1);
  } finally {
    c.close();
    await srv.close();
  }
});

test('a chunked answer written in pieces is read whole', async () => {
  const srv = await httpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.write('first part, ');
    setTimeout(() => {
      res.write('second part — ü€😀, ');
      setTimeout(() => res.end('end'), 10);
    }, 10);
  });
  const c = new KeepAliveConnection('127.0.0.1', srv.port, 2000);
  try {
    for (let i = 0; i < 2; i++) {
      const a = await c.request('GET', '/chunked', '');
      assert.equal(a.status, 200);
      assert.equal(a.body, 'first part, second part — ü€😀, end');
    }
    assert.equal(srv.connections(), 1, 'a chunked answer leaves the connection reusable');
  } finally {
    c.close();
    await srv.close();
  }
});

test('after an answer with connection: close, the next request on the same connection reconnects and succeeds', async () => {
  let n = 0;
  const srv = await httpServer((_req, res) => {
    n++;
    res.setHeader('connection', 'close');
    res.setHeader('content-type', 'text/plain');
    res.end(`answer ${n}`);
  });
  const c = new KeepAliveConnection('127.0.0.1', srv.port, 2000);
  try {
    const a = await c.request('POST', '/x', FORM, 'a=1');
    assert.deepEqual(a, { status: 200, body: 'answer 1' });
    const b = await c.request('POST', '/x', FORM, 'a=2');
    assert.deepEqual(b, { status: 200, body: 'answer 2' });
    const d = await c.request('POST', '/x', FORM, 'a=3');
    assert.deepEqual(d, { status: 200, body: 'answer 3' });
    assert.equal(srv.connections(), 3, 'one new connection per answer that closed the previous one');
  } finally {
    c.close();
    await srv.close();
  }
});

test('a server that never answers: the request rejects after the timeout, and a second request while one is in flight rejects', async () => {
  let received = '';
  const srv = await netServer((s) => s.on('data', (d: Buffer) => (received += d.toString('latin1'))));
  const c = new KeepAliveConnection('127.0.0.1', srv.port, 200);
  try {
    const t0 = performance.now();
    const first = c.request('POST', '/slow', FORM, 'a=1');
    await assert.rejects(c.request('GET', '/other', ''), /already in flight/);
    await assert.rejects(first, /no answer within 200 ms/);
    const took = performance.now() - t0;
    assert.ok(took >= 190 && took < 900, `rejected after ${took.toFixed(0)} ms`);
    assert.match(received, /^POST \/slow HTTP\/1\.1\r\n/, 'the request did reach the server');
    assert.doesNotMatch(received, /GET \/other/, 'the refused request was not written');
  } finally {
    c.close();
    await srv.close();
  }
});

test('after a timeout, the next request on the same connection reconnects and succeeds', async () => {
  let accepted = 0;
  // The first connection never gets an answer; later ones are answered.
  const srv = await netServer((s) => {
    const silent = ++accepted === 1;
    s.on('data', () => { if (!silent) s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'); });
  });
  const c = new KeepAliveConnection('127.0.0.1', srv.port, 200);
  try {
    await assert.rejects(c.request('GET', '/slow', ''), /no answer within 200 ms/);
    assert.deepEqual(await c.request('GET', '/fast', ''), { status: 200, body: 'ok' });
    assert.equal(accepted, 2);
  } finally {
    c.close();
    await srv.close();
  }
});

test('a server that destroys the socket mid-request: the promise rejects instead of hanging', async () => {
  // node:http server: the connection is destroyed as soon as the request arrives.
  const srv = await httpServer((req) => req.socket.destroy());
  const c = new KeepAliveConnection('127.0.0.1', srv.port, 2000);
  // Raw server: half an answer (head promising 100 bytes, 5 of them sent), then the connection is destroyed.
  const raw = await netServer((s) => s.once('data', () => {
    s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nhello');
    setTimeout(() => s.destroy(), 10);
  }));
  const c2 = new KeepAliveConnection('127.0.0.1', raw.port, 2000);
  try {
    const t0 = performance.now();
    await assert.rejects(c.request('POST', '/boom', FORM, 'a=1'), (e: Error) => !/no answer within/.test(e.message));
    await assert.rejects(c2.request('GET', '/half', ''), (e: Error) => !/no answer within/.test(e.message));
    const took = performance.now() - t0;
    assert.ok(took < 900, `rejected after ${took.toFixed(0)} ms, not at the 2 s timeout`);
  } finally {
    c.close();
    c2.close();
    await srv.close();
    await raw.close();
  }
});

test('a 204 answer has status 204 and an empty body, and the connection stays usable', async () => {
  let n = 0;
  const srv = await httpServer((_req, res) => {
    n++;
    if (n === 1) {
      res.statusCode = 204;
      res.end();
    } else {
      res.setHeader('content-length', '2');
      res.end('ok');
    }
  });
  const c = new KeepAliveConnection('127.0.0.1', srv.port, 2000);
  try {
    assert.deepEqual(await c.request('DELETE', '/thing', ''), { status: 204, body: '' });
    assert.deepEqual(await c.request('GET', '/thing', ''), { status: 200, body: 'ok' }, 'the 204 left nothing behind in the buffer');
    assert.equal(srv.connections(), 1);
  } finally {
    c.close();
    await srv.close();
  }
});

test('connectAll opens every client\'s connection before any request, and the requests then use those connections', async () => {
  const server = await httpServer((_req, res) => res.end('ok'));
  const clients = new KeepAliveClients(`http://127.0.0.1:${server.port}`, 20);
  try {
    await clients.connectAll(3);
    // The server side of the last connect may still be in accept(): wait for it briefly.
    for (let i = 0; i < 50 && server.connections() < 20; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(server.connections(), 20);
    const answers = await Promise.all(clients.connections.map((c) => c.request('GET', '/', '')));
    assert.deepEqual(new Set(answers.map((a) => `${a.status} ${a.body}`)), new Set(['200 ok']));
    assert.equal(server.connections(), 20, 'no request opened a connection of its own');
  } finally {
    clients.close();
    await server.close();
  }
});
