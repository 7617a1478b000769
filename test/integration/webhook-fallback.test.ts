import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { fetchTwiml } from '../../protocols/webhook/fallback.js';
import { StatusCallbackSender } from '../../protocols/webhook/status-callback.js';
import { closeWebhookAgent } from '../../protocols/webhook/agent.js';
import { parseMessagingTwiml, type MessagingVerb } from '../../protocols/twiml/messaging.js';

const TOKEN = 'fallback-token';

interface Seen {
  path: string;
  params: Record<string, string>;
  signatureValid: boolean;
}

/** A real app on 127.0.0.1; every request is checked with twilio.validateRequest. */
async function startApp(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      const url = `http://127.0.0.1:${port}${req.url ?? '/'}`;
      const params = req.method === 'POST' ? Object.fromEntries(new URLSearchParams(raw)) : {};
      const signatureValid = twilio.validateRequest(TOKEN, String(req.headers['x-twilio-signature']), url, params);
      seen.push({ path: req.url ?? '', params: req.method === 'POST' ? params : Object.fromEntries(new URL(url).searchParams), signatureValid });
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

const xml = (body: string) => (_req: http.IncomingMessage, res: http.ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/xml' });
  res.end(body);
};
const status = (code: number) => (_req: http.IncomingMessage, res: http.ServerResponse) => {
  res.writeHead(code);
  res.end();
};

const REPLY = new twilio.twiml.MessagingResponse();
REPLY.message('from the app');
const PARAMS = { MessageSid: 'SM' + '1'.repeat(32), From: '+15551230000', Body: 'hello' };

after(() => closeWebhookAgent());

describe('fetchTwiml with a fallback URL', () => {
  test('a working primary answers and the fallback is never called', async () => {
    const primary = await startApp(xml(REPLY.toString()));
    const fallback = await startApp(xml('<Response/>'));
    try {
      const res = await fetchTwiml({ url: `${primary.base}/sms`, method: 'POST' }, { url: `${fallback.base}/fb`, method: 'POST' }, PARAMS, TOKEN, 2000);
      assert.ok(res.ok);
      assert.equal(res.answeredBy, 'primary');
      assert.equal(res.value, REPLY.toString());
      assert.equal(fallback.seen.length, 0);
      assert.equal(primary.seen[0]?.signatureValid, true);
    } finally {
      await Promise.all([primary.close(), fallback.close()]);
    }
  });

  test('a failing primary (500) sends the same params plus ErrorCode and ErrorUrl to the fallback', async () => {
    const primary = await startApp(status(500));
    const fallback = await startApp(xml(REPLY.toString()));
    try {
      const primaryUrl = `${primary.base}/sms?v=2`;
      const res = await fetchTwiml({ url: `${primaryUrl}#tt=3000`, method: 'POST' }, { url: `${fallback.base}/fb`, method: 'POST' }, PARAMS, TOKEN, 2000);
      assert.ok(res.ok);
      assert.equal(res.answeredBy, 'fallback');
      assert.equal(res.url, `${fallback.base}/fb`);
      assert.equal(res.primaryError?.code, 11200);
      assert.equal(res.primaryError?.status, 500);
      const [req] = fallback.seen;
      assert.ok(req);
      assert.equal(req.signatureValid, true);
      assert.deepEqual(req.params, { ...PARAMS, ErrorCode: '11200', ErrorUrl: primaryUrl });
    } finally {
      await Promise.all([primary.close(), fallback.close()]);
    }
  });

  test('a refused primary reports 11205 to a GET fallback, signed over its query string', async () => {
    const dead = await startApp(() => {});
    await dead.close();
    const fallback = await startApp(xml(REPLY.toString()));
    try {
      const res = await fetchTwiml({ url: `${dead.base}/sms`, method: 'POST' }, { url: `${fallback.base}/fb?x=1`, method: 'GET' }, PARAMS, TOKEN, 2000);
      assert.ok(res.ok);
      assert.equal(res.answeredBy, 'fallback');
      assert.equal(res.primaryError?.code, 11205);
      const [req] = fallback.seen;
      assert.equal(req?.signatureValid, true);
      assert.equal(req?.params['ErrorCode'], '11205');
      assert.equal(req?.params['ErrorUrl'], `${dead.base}/sms`);
      assert.equal(req?.params['x'], '1');
    } finally {
      await fallback.close();
    }
  });

  test('a primary that times out falls back within the timeout', async () => {
    const primary = await startApp(() => {});
    const fallback = await startApp(xml(REPLY.toString()));
    try {
      const started = Date.now();
      const res = await fetchTwiml({ url: `${primary.base}/slow`, method: 'POST' }, { url: `${fallback.base}/fb`, method: 'POST' }, PARAMS, TOKEN, 300);
      assert.ok(res.ok);
      assert.equal(res.primaryError?.code, 11200);
      assert.ok(Date.now() - started < 2000);
    } finally {
      await Promise.all([primary.close(), fallback.close()]);
    }
  });

  test('unparsable TwiML from the primary counts as a failure and is reported as its parse code', async () => {
    const primary = await startApp(xml('<Response><Message>unclosed</Response>'));
    const fallback = await startApp(xml(REPLY.toString()));
    try {
      const res = await fetchTwiml<MessagingVerb[]>(
        { url: `${primary.base}/sms`, method: 'POST' },
        { url: `${fallback.base}/fb`, method: 'POST' },
        PARAMS,
        TOKEN,
        2000,
        { parse: (body) => { const r = parseMessagingTwiml(body); return r.ok ? { ok: true, value: r.verbs } : r; } },
      );
      assert.ok(res.ok);
      assert.equal(res.answeredBy, 'fallback');
      assert.deepEqual(res.value, [{ verb: 'Message', body: 'from the app', media: [], method: 'POST' }]);
      assert.equal(res.primaryError?.code, 12100);
      assert.equal(fallback.seen[0]?.params['ErrorCode'], '12100');
    } finally {
      await Promise.all([primary.close(), fallback.close()]);
    }
  });

  test('both failing returns both errors; no fallback configured returns the primary error', async () => {
    const primary = await startApp(status(503));
    const fallback = await startApp((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    try {
      const both = await fetchTwiml({ url: `${primary.base}/a`, method: 'POST' }, { url: `${fallback.base}/b`, method: 'POST' }, PARAMS, TOKEN, 2000);
      assert.ok(!both.ok);
      assert.equal(both.primaryError.code, 11200);
      assert.equal(both.primaryError.status, 503);
      assert.equal(both.fallbackError?.code, 12300);
      const alone = await fetchTwiml({ url: `${primary.base}/a`, method: 'GET' }, undefined, PARAMS, TOKEN, 2000);
      assert.ok(!alone.ok);
      assert.equal(alone.primaryError.code, 11200);
      assert.equal(alone.fallbackError, undefined);
    } finally {
      await Promise.all([primary.close(), fallback.close()]);
    }
  });
});

describe('status callbacks', () => {
  test('delivered signed, body ignored, and beyond maxInFlight dropped and counted without waiting', async () => {
    const held: http.ServerResponse[] = [];
    const app = await startApp((_req, res) => held.push(res));
    try {
      const failures: string[] = [];
      const sender = new StatusCallbackSender({ maxInFlight: 2, timeoutMs: 2000, onFailure: (req) => failures.push(req.params['MessageStatus'] as string) });
      const post = (s: string) => sender.post({ url: `${app.base}/status`, method: 'POST', params: { MessageStatus: s }, authToken: TOKEN });
      const first = post('sent');
      const second = post('delivered');
      const third = await post('read');
      assert.deepEqual(third, { sent: false, reason: 'overflow' });
      assert.deepEqual(sender.stats, { inFlight: 2, delivered: 0, failed: 0, dropped: 1 });
      assert.deepEqual(failures, ['read']);

      while (held.length < 2) await new Promise((r) => setTimeout(r, 5));
      for (const res of held) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ignored":true}');
      }
      const outcomes = await Promise.all([first, second]);
      assert.ok(outcomes.every((o) => o.sent && o.result.ok));
      assert.deepEqual(sender.stats, { inFlight: 0, delivered: 2, failed: 0, dropped: 1 });
      assert.ok(app.seen.every((s) => s.signatureValid));
      assert.deepEqual(app.seen.map((s) => s.params['MessageStatus']).sort(), ['delivered', 'sent']);
    } finally {
      await app.close();
    }
  });

  test('a dead callback URL is counted as failed, never thrown', async () => {
    const dead = await startApp(() => {});
    await dead.close();
    const sender = new StatusCallbackSender({ timeoutMs: 1000 });
    const outcome = await sender.post({ url: `${dead.base}/status`, method: 'POST', params: { CallStatus: 'completed' }, authToken: TOKEN });
    assert.ok(outcome.sent && !outcome.result.ok);
    assert.equal(outcome.result.ok ? undefined : outcome.result.code, 11205);
    assert.deepEqual(sender.stats, { inFlight: 0, delivered: 0, failed: 1, dropped: 0 });
  });
});
