import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { sendWebhook } from '../../protocols/webhook/client.js';
import { closeWebhookAgent, createWebhookAgent } from '../../protocols/webhook/agent.js';

const TOKEN = 'test-auth-token';

interface Seen {
  method: string;
  /** Full URL rebuilt the way a Twilio-validating app does. */
  url: string;
  headers: http.IncomingHttpHeaders;
  params: Record<string, string | string[]>;
  signatureValid: boolean;
  remotePort: number | undefined;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A real app on 127.0.0.1 that checks every request with twilio.validateRequest. */
async function startApp(handler: Handler) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      const url = `http://127.0.0.1:${port}${req.url ?? '/'}`;
      const params: Record<string, string | string[]> = {};
      if (req.method === 'POST') {
        for (const [k, v] of new URLSearchParams(raw)) {
          const prev = params[k];
          params[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
        }
      }
      const signature = String(req.headers['x-twilio-signature'] ?? '');
      seen.push({
        method: req.method ?? '',
        url,
        headers: req.headers,
        params,
        signatureValid: twilio.validateRequest(TOKEN, signature, url, params),
        remotePort: req.socket.remotePort,
      });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}`,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const twiml = (body: string, type = 'text/xml'): Handler => (_req, res) => {
  res.writeHead(200, { 'content-type': type });
  res.end(body);
};

async function closedPort(): Promise<string> {
  const app = await startApp(() => {});
  await app.close();
  return app.base;
}

after(() => closeWebhookAgent());

describe('sendWebhook against a real app', () => {
  test('POST: signed form body that twilio.validateRequest accepts, Twilio headers, TwiML back', async () => {
    const reply = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>hi</Message></Response>';
    const app = await startApp(twiml(reply, 'text/xml; charset=utf-8'));
    try {
      const params = { From: '+15551234567', Body: 'Weather 94110 & more ☀', MediaUrl: ['https://e.x/b', 'https://e.x/a'] };
      const res = await sendWebhook({ url: `${app.base}/sms?acct=1`, method: 'POST', params, authToken: TOKEN, timeoutMs: 2000 });
      assert.ok(res.ok, JSON.stringify(res));
      assert.equal(res.status, 200);
      assert.equal(res.contentType, 'text/xml');
      assert.equal(res.body, reply);
      assert.ok(res.elapsedMs >= 0);
      const [req] = app.seen;
      assert.ok(req);
      assert.equal(req.signatureValid, true);
      assert.equal(req.method, 'POST');
      assert.equal(req.url, `${app.base}/sms?acct=1`);
      assert.deepEqual(req.params, params);
      assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded; charset=UTF-8');
      assert.equal(req.headers['user-agent'], 'TwilioProxy/1.1');
      assert.match(String(req.headers['i-twilio-idempotency-token']), /^[0-9a-f-]{36}$/);
    } finally {
      await app.close();
    }
  });

  test('GET: params appended to the existing query and the signature covers the final URL', async () => {
    const app = await startApp(twiml('<Response/>'));
    try {
      const res = await sendWebhook({
        url: `${app.base}/voice?x=1`, method: 'GET', params: { CallSid: 'CA1', From: '+1 555' }, authToken: TOKEN, timeoutMs: 2000,
      });
      assert.ok(res.ok);
      assert.equal(res.url, `${app.base}/voice?x=1&CallSid=CA1&From=%2B1%20555`);
      const [req] = app.seen;
      assert.equal(req?.method, 'GET');
      assert.equal(req?.url, res.url);
      assert.equal(req?.signatureValid, true);
      assert.equal(new URL(req.url).searchParams.get('From'), '+1 555');
    } finally {
      await app.close();
    }
  });

  test('a URL fragment is neither sent nor signed', async () => {
    const app = await startApp(twiml('<Response/>'));
    try {
      const res = await sendWebhook({ url: `${app.base}/sms#rc=2&rp=all`, method: 'POST', params: { A: '1' }, authToken: TOKEN, timeoutMs: 2000 });
      assert.ok(res.ok);
      assert.equal(app.seen[0]?.url, `${app.base}/sms`);
      assert.equal(app.seen[0]?.signatureValid, true);
    } finally {
      await app.close();
    }
  });

  test('an app that never answers fails with 11200 at the timeout', async () => {
    const app = await startApp(() => {});
    try {
      const res = await sendWebhook({ url: `${app.base}/slow`, method: 'POST', params: {}, authToken: TOKEN, timeoutMs: 300 });
      assert.equal(res.ok, false);
      assert.ok(!res.ok);
      assert.equal(res.code, 11200);
      assert.ok(res.elapsedMs >= 250 && res.elapsedMs < 2000, String(res.elapsedMs));
    } finally {
      await app.close();
    }
  });

  test('a #tt= fragment overrides the total timeout', async () => {
    const app = await startApp(() => {});
    try {
      const res = await sendWebhook({ url: `${app.base}/slow#tt=200`, method: 'GET', params: {}, authToken: TOKEN, timeoutMs: 10_000 });
      assert.ok(!res.ok);
      assert.equal(res.code, 11200);
      assert.ok(res.elapsedMs < 2000, String(res.elapsedMs));
    } finally {
      await app.close();
    }
  });

  test('connection refused is 11205', async () => {
    const res = await sendWebhook({ url: `${await closedPort()}/sms`, method: 'POST', params: {}, authToken: TOKEN, timeoutMs: 2000 });
    assert.ok(!res.ok);
    assert.equal(res.code, 11205);
  });

  test('a connection reset before any response is 11205', async () => {
    const app = await startApp((req) => req.socket.destroy());
    try {
      const res = await sendWebhook({ url: `${app.base}/reset`, method: 'POST', params: { A: '1' }, authToken: TOKEN, timeoutMs: 2000 });
      assert.ok(!res.ok);
      assert.equal(res.code, 11205);
    } finally {
      await app.close();
    }
  });

  test('a connection that drops is retried once with the same idempotency token', async () => {
    let calls = 0;
    const app = await startApp((req, res) => {
      if (++calls === 1) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end('<Response/>');
    });
    try {
      const res = await sendWebhook({ url: `${app.base}/flaky`, method: 'POST', params: { A: '1' }, authToken: TOKEN, timeoutMs: 2000 });
      assert.ok(res.ok, JSON.stringify(res));
      assert.equal(app.seen.length, 2);
      assert.ok(app.seen.every((s) => s.signatureValid));
      const tokens = app.seen.map((s) => s.headers['i-twilio-idempotency-token']);
      assert.equal(tokens[0], tokens[1]);
    } finally {
      await app.close();
    }
  });

  test('#rc=0 turns the retry off; #rp=5xx&rc=2 retries server errors', async () => {
    let calls = 0;
    const app = await startApp((req, res) => {
      calls++;
      if (req.url?.startsWith('/drop')) {
        req.socket.destroy();
        return;
      }
      res.writeHead(calls < 3 ? 503 : 200, { 'content-type': 'text/xml' });
      res.end('<Response/>');
    });
    try {
      const dropped = await sendWebhook({ url: `${app.base}/drop#rc=0`, method: 'POST', params: {}, authToken: TOKEN, timeoutMs: 2000 });
      assert.ok(!dropped.ok);
      assert.equal(dropped.code, 11205);
      assert.equal(calls, 1);
      calls = 0;
      const plain = await sendWebhook({ url: `${app.base}/err`, method: 'POST', params: {}, authToken: TOKEN, timeoutMs: 2000 });
      assert.ok(!plain.ok, 'a 503 is not retried by default');
      assert.equal(calls, 1);
      calls = 0;
      const retried = await sendWebhook({ url: `${app.base}/err#rp=5xx&rc=2`, method: 'POST', params: {}, authToken: TOKEN, timeoutMs: 2000 });
      assert.ok(retried.ok, JSON.stringify(retried));
      assert.equal(calls, 3);
    } finally {
      await app.close();
    }
  });

  test('non-2xx answers are 11200 with the status', async () => {
    for (const status of [500, 404, 302]) {
      const app = await startApp((_req, res) => {
        res.writeHead(status, { 'content-type': 'text/xml', location: '/elsewhere' });
        res.end('<Response/>');
      });
      try {
        const res = await sendWebhook({ url: `${app.base}/x`, method: 'POST', params: {}, authToken: TOKEN, timeoutMs: 2000 });
        assert.ok(!res.ok);
        assert.equal(res.code, 11200);
        assert.equal(res.status, status);
      } finally {
        await app.close();
      }
    }
  });

  test('TwiML with a wrong or missing content type is 12300; an empty 200 is fine', async () => {
    const json = await startApp(twiml('{"reply":"hi"}', 'application/json'));
    const none = await startApp((_req, res) => {
      res.removeHeader('content-type');
      res.end('<Response/>');
    });
    const empty = await startApp((_req, res) => res.end());
    try {
      const a = await sendWebhook({ url: `${json.base}/`, method: 'POST', params: {}, authToken: TOKEN, timeoutMs: 2000 });
      assert.ok(!a.ok);
      assert.equal(a.code, 12300);
      const b = await sendWebhook({ url: `${none.base}/`, method: 'POST', params: {}, authToken: TOKEN, timeoutMs: 2000 });
      assert.ok(!b.ok);
      assert.equal(b.code, 12300);
      const c = await sendWebhook({ url: `${empty.base}/`, method: 'POST', params: {}, authToken: TOKEN, timeoutMs: 2000 });
      assert.ok(c.ok);
      assert.equal(c.body, '');
      // Status callbacks do not care what comes back.
      const d = await sendWebhook({ url: `${json.base}/`, method: 'POST', params: {}, authToken: TOKEN, timeoutMs: 2000, expectTwiml: false });
      assert.ok(d.ok);
      // A messaging caller can opt in to plain-text replies.
      const plain = await startApp(twiml('just text', 'text/plain'));
      try {
        const e = await sendWebhook({
          url: `${plain.base}/`, method: 'POST', params: {}, authToken: TOKEN, timeoutMs: 2000,
          acceptContentTypes: ['text/xml', 'application/xml', 'text/plain'],
        });
        assert.ok(e.ok);
        assert.equal(e.contentType, 'text/plain');
      } finally {
        await plain.close();
      }
    } finally {
      await Promise.all([json.close(), none.close(), empty.close()]);
    }
  });

  test('an oversized body is 11750, with or without Content-Length', async () => {
    const big = `<Response><Message>${'x'.repeat(70_000)}</Message></Response>`;
    const sized = await startApp(twiml(big));
    const chunked = await startApp((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      for (let i = 0; i < 20; i++) res.write('<!-- ' + 'y'.repeat(5000) + ' -->');
      res.end('<Response/>');
    });
    try {
      for (const app of [sized, chunked]) {
        const res = await sendWebhook({ url: `${app.base}/`, method: 'POST', params: {}, authToken: TOKEN, timeoutMs: 2000 });
        assert.ok(!res.ok);
        assert.equal(res.code, 11750);
      }
      const roomy = await sendWebhook({ url: `${sized.base}/`, method: 'POST', params: {}, authToken: TOKEN, timeoutMs: 2000, maxBodyBytes: 100_000 });
      assert.ok(roomy.ok);
      assert.equal(roomy.body, big);
    } finally {
      await Promise.all([sized.close(), chunked.close()]);
    }
  });

  test('consecutive webhooks to one app reuse a keep-alive connection', async () => {
    const app = await startApp(twiml('<Response/>'));
    try {
      for (let i = 0; i < 6; i++) {
        const res = await sendWebhook({ url: `${app.base}/k`, method: 'POST', params: { I: String(i) }, authToken: TOKEN, timeoutMs: 2000 });
        assert.ok(res.ok);
      }
      // undici may alternate between two pooled sockets, but it must not open one per request.
      const ports = new Set(app.seen.map((s) => s.remotePort));
      assert.ok(ports.size <= 2, `${ports.size} connections for 6 requests`);
      assert.ok(app.seen.every((s) => s.signatureValid));
    } finally {
      await app.close();
    }
  });

  test('a pool limited to two connections per origin never opens a third', async () => {
    const held: http.ServerResponse[] = [];
    const app = await startApp((_req, res) => held.push(res));
    const agent = createWebhookAgent({ connectionsPerOrigin: 2 });
    try {
      const pending = Array.from({ length: 5 }, (_, i) =>
        sendWebhook({ url: `${app.base}/p`, method: 'POST', params: { I: String(i) }, authToken: TOKEN, timeoutMs: 3000, dispatcher: agent }),
      );
      // Answer whatever has arrived until all five are done; at most two can ever be waiting.
      let answered = 0;
      const deadline = Date.now() + 3000;
      while (answered < 5 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        assert.ok(held.length <= 2, `${held.length} requests in flight`);
        for (const res of held.splice(0)) {
          res.writeHead(200, { 'content-type': 'text/xml' });
          res.end('<Response/>');
          answered++;
        }
      }
      const results = await Promise.all(pending);
      assert.ok(results.every((r) => r.ok));
      assert.ok(new Set(app.seen.map((s) => s.remotePort)).size <= 2);
    } finally {
      await app.close();
      await agent.close();
    }
  });

  test('a webhook waiting for a pooled connection still fails with 11200 at its own timeout, and is never sent', async () => {
    const held: http.ServerResponse[] = [];
    const app = await startApp((_req, res) => held.push(res));
    const agent = createWebhookAgent({ connectionsPerOrigin: 1 });
    try {
      const first = sendWebhook({ url: `${app.base}/slow`, method: 'POST', params: { I: '1' }, authToken: TOKEN, timeoutMs: 3000, dispatcher: agent });
      const t0 = Date.now();
      const second = await sendWebhook({ url: `${app.base}/late`, method: 'POST', params: { I: '2' }, authToken: TOKEN, timeoutMs: 300, dispatcher: agent });
      const waited = Date.now() - t0;
      assert.ok(!second.ok);
      assert.equal(second.code, 11200);
      assert.ok(waited >= 250 && waited < 1500, `failed after ${waited} ms`);
      // The first one, answered now, is unaffected; the abandoned one never reaches the app.
      for (const res of held.splice(0)) {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end('<Response><Message>ok</Message></Response>');
      }
      const r1 = await first;
      assert.ok(r1.ok);
      assert.equal(r1.body, '<Response><Message>ok</Message></Response>');
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(app.seen.map((x) => new URL(x.url).pathname), ['/slow']);
    } finally {
      await app.close();
      await agent.close();
    }
  });

  test('an unusable URL fails without a request', async () => {
    const res = await sendWebhook({ url: 'ftp://127.0.0.1/x', method: 'POST', params: {}, authToken: TOKEN, timeoutMs: 2000 });
    assert.ok(!res.ok);
    assert.equal(res.code, 11200);
  });
});
