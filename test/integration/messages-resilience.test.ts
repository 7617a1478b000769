// Nothing accepted is lost: a carrier that drops its binds mid-burst, and tandem killed with SIGKILL while messages
// are queued. The carrier here is a real SMPP server in the test process (our SandboxSmsc), configured through
// TANDEM_CARRIERS exactly as a user configures a real carrier, so it outlives tandem's crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxSmsc } from '../../src/sandbox/smsc.js';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { freePort } from '../helpers/ports.js';
import { waitUntil } from '../helpers/webhook-app.js';

async function carrierAndTandem(prefixes = ['+1']): Promise<{ smsc: SandboxSmsc; t: Tandem; dir: string; port: number }> {
  const port = await freePort();
  const smsc = new SandboxSmsc({ port, host: '127.0.0.1', dlrDelayMs: 20 });
  await smsc.start();
  const dir = mkdtempSync(join(tmpdir(), 'tandem-carriers-'));
  const file = join(dir, 'carriers.json');
  writeFileSync(
    file,
    JSON.stringify({
      smpp: [{ name: 'acme', host: '127.0.0.1', port, systemId: 'tandem', password: 'pw', binds: 2, window: 50, prefixes }],
    }),
  );
  const t = await startTandem({ env: { TANDEM_CARRIERS: file } });
  return { smsc, t, dir, port };
}

async function buy(t: Tandem, rate: string): Promise<string> {
  const [n] = await t.client().availablePhoneNumbers('US').local.list({ areaCode: 415, smsEnabled: true, limit: 1 });
  const r = await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/IncomingPhoneNumbers.json`, {
    method: 'POST',
    body: new URLSearchParams({ PhoneNumber: n!.phoneNumber, TandemSendRate: rate }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(r.status, 201);
  return n!.phoneNumber;
}

test('a carrier that drops its binds mid-burst: tandem re-binds and every message arrives, in order', async () => {
  const { smsc, t, dir } = await carrierAndTandem();
  try {
    const from = await buy(t, '200');
    const c = t.client();
    const total = 150;
    const sids: string[] = [];
    for (let i = 0; i < total; i++) sids.push((await c.messages.create({ from, to: '+15551230000', body: `burst ${i}` })).sid);
    await waitUntil(() => (smsc.messages().length >= 30 ? true : undefined), 10_000, 'first part of the burst');
    smsc.dropBinds();
    // Count distinct bodies: a submit repeated after the drop must not make the wait end one message early.
    await waitUntil(() => (new Set(smsc.messages().filter((m) => m.from === from).map((m) => m.body)).size >= total ? true : undefined), 30_000, 'all messages after re-bind');
    const bodies = smsc.messages().filter((m) => m.from === from).map((m) => m.body);
    // Dedupe keeps the first arrival: a submit in flight when the bind dropped may be sent again (never answered).
    const firstSeen = [...new Set(bodies)];
    assert.equal(firstSeen.length, total, 'none lost');
    assert.deepEqual(firstSeen, Array.from({ length: total }, (_, i) => `burst ${i}`), 'FIFO order kept across the re-bind');
    assert.ok(bodies.length - total <= 2, `at most the in-flight submits repeated, got ${bodies.length - total}`);
    const last = await waitUntil(async () => {
      const m = await c.messages(sids.at(-1)!).fetch();
      return m.status === 'delivered' ? m : undefined;
    }, 10_000, 'last delivered');
    assert.equal(last.status, 'delivered');
  } finally {
    await t.cleanup();
    await smsc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tandem killed with SIGKILL while messages are queued: after restart all are sent, in order', async () => {
  const { smsc, t: first, dir } = await carrierAndTandem();
  let t = first;
  try {
    const from = await buy(t, '5');
    const c = t.client();
    const total = 25;
    for (let i = 0; i < total; i++) await c.messages.create({ from, to: '+15559870000', body: `crash ${i}` });
    await waitUntil(() => (smsc.messages().filter((m) => m.from === from).length >= 3 ? true : undefined), 5_000, 'a few sent');
    await t.kill();
    const before = smsc.messages().filter((m) => m.from === from).length;
    assert.ok(before < total, 'the kill happened with messages still queued');
    t = await t.restart();
    await waitUntil(() => (new Set(smsc.messages().filter((m) => m.from === from).map((m) => m.body)).size >= total ? true : undefined), 20_000, 'all sent after restart');
    const bodies = [...new Set(smsc.messages().filter((m) => m.from === from).map((m) => m.body))];
    assert.deepEqual(bodies, Array.from({ length: total }, (_, i) => `crash ${i}`));
    // Pacing held across the restart too: 5 segments/s at most in any second.
    const times = smsc.messages().filter((m) => m.from === from).map((m) => Date.parse(m.received_at));
    for (let i = 5; i < times.length; i++) assert.ok(times[i]! - times[i - 5]! >= 990, `no burst after restart: ${JSON.stringify(times.map((x) => x - times[0]!))}`);
    const list = await t.client().messages.list({ from });
    assert.equal(list.length, total, 'every accepted message is still a resource');
  } finally {
    await t.cleanup();
    await smsc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an alpha sender's queue outlives SIGKILL too: after restart the rest go, in order, and the service still sends as its name", async () => {
  const { smsc, t: first, dir } = await carrierAndTandem(['+']);
  let t = first;
  try {
    const c = t.client();
    const service = await c.messaging.v1.services.create({ friendlyName: 'brand' });
    await c.messaging.v1.services(service.sid).alphaSenders.create({ alphaSender: 'ACME' });
    // 10 segments/s: 40 messages take about 4 s, so the kill finds most of them queued.
    const total = 40;
    for (let i = 0; i < total; i++) await c.messages.create({ messagingServiceSid: service.sid, to: '+447700900100', body: `alpha ${i}` });
    await waitUntil(() => (smsc.messages().filter((m) => m.from === 'ACME').length >= 3 ? true : undefined), 5_000, 'a few sent');
    await t.kill();
    assert.ok(smsc.messages().filter((m) => m.from === 'ACME').length < total, 'the kill happened with messages still queued');
    t = await t.restart();
    await waitUntil(() => (new Set(smsc.messages().filter((m) => m.from === 'ACME').map((m) => m.body)).size >= total ? true : undefined), 20_000, 'all sent after restart');
    assert.deepEqual([...new Set(smsc.messages().filter((m) => m.from === 'ACME').map((m) => m.body))], Array.from({ length: total }, (_, i) => `alpha ${i}`));
    const after = await t.client().messages.create({ messagingServiceSid: service.sid, to: '+447700900101', body: 'after the restart' });
    assert.equal(after.from, 'ACME');
  } finally {
    await t.cleanup();
    await smsc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('carriers by longest prefix, the next one when a carrier has no bind up; throttling slows, never loses', async () => {
  const portA = await freePort();
  const portB = await freePort();
  const us = new SandboxSmsc({ port: portA, host: '127.0.0.1', dlrDelayMs: 10 });
  const world = new SandboxSmsc({ port: portB, host: '127.0.0.1', dlrDelayMs: 10 });
  await us.start();
  await world.start();
  const dir = mkdtempSync(join(tmpdir(), 'tandem-carriers-'));
  const file = join(dir, 'carriers.json');
  writeFileSync(
    file,
    JSON.stringify({
      smpp: [
        { name: 'us', host: '127.0.0.1', port: portA, systemId: 'a', password: 'a', prefixes: ['+1'] },
        { name: 'world', host: '127.0.0.1', port: portB, systemId: 'b', password: 'b', prefixes: ['+'] },
      ],
    }),
  );
  const t = await startTandem({ env: { TANDEM_CARRIERS: file } });
  try {
    const from = await buy(t, '100');
    const c = t.client();
    await c.messages.create({ from, to: '+15551112222', body: 'to the US' });
    await c.messages.create({ from, to: '+447700900123', body: 'to the UK' });
    await waitUntil(() => (us.messages().length === 1 && world.messages().length === 1 ? true : undefined), 5_000, 'routing');
    assert.equal(us.messages()[0]!.body, 'to the US');
    assert.equal(world.messages()[0]!.body, 'to the UK');

    us.throttleNext(5);
    for (let i = 0; i < 10; i++) await c.messages.create({ from, to: '+15551112222', body: `throttled ${i}` });
    await waitUntil(() => (us.messages().filter((m) => m.body.startsWith('throttled')).length === 10 ? true : undefined), 15_000, 'throttled messages');
    assert.deepEqual(
      us.messages().filter((m) => m.body.startsWith('throttled')).map((m) => m.body),
      Array.from({ length: 10 }, (_, i) => `throttled ${i}`),
      'retried in order',
    );

    // The US carrier goes away for good: +1 traffic fails over to the catch-all carrier.
    await us.stop();
    await c.messages.create({ from, to: '+15551112222', body: 'failed over' });
    await waitUntil(() => (world.messages().some((m) => m.body === 'failed over') ? true : undefined), 15_000, 'failover');
  } finally {
    await t.cleanup();
    await world.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a dead status callback URL never slows the sender queue, and its owner sees it once as a notification', async () => {
  const { smsc, t, dir } = await carrierAndTandem();
  try {
    const from = await buy(t, '100');
    const c = t.client();
    const dead = `http://127.0.0.1:${await freePort()}/gone`;
    const started = Date.now();
    for (let i = 0; i < 30; i++) await c.messages.create({ from, to: '+15551239999', body: `cb ${i}`, statusCallback: dead });
    await waitUntil(() => (smsc.messages().filter((m) => m.from === from).length === 30 ? true : undefined), 5_000, 'all sent');
    assert.ok(Date.now() - started < 5_000);
    const last = (await c.messages.list({ from, limit: 1 }))[0]!;
    await waitUntil(async () => ((await c.messages(last.sid).fetch()).status === 'delivered' ? true : undefined), 5_000, 'delivered');
    // The owner sees the dead URL once (11205, connection failure) in the Notifications list, not 90 times (three
    // status changes of 30 messages within the minute).
    const sent = new Set((await c.messages.list({ from })).map((m) => m.sid));
    const notes = (await c.notifications.list()).filter((n) => n.requestUrl === dead);
    assert.equal(notes.length, 1, 'one notification for the dead callback URL');
    assert.equal(notes[0]!.errorCode, '11205');
    const text = new URLSearchParams(notes[0]!.messageText);
    assert.ok(sent.has(text.get('MessageSid') ?? ''), 'it names one of the messages whose callback failed');
    assert.match(text.get('Msg') ?? '', /^Status callback failed/);
    // Every failure is still counted, and none was dropped unsent.
    const metrics = await (await t.fetch('/metrics')).text();
    const failed = Number(/^tandem_webhook_duration_seconds_count\{outcome="11205"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
    assert.ok(failed >= 60, `status callback failures counted (${failed})`);
    assert.match(metrics, /^tandem_status_callbacks_dropped_total 0$/m);
  } finally {
    await t.cleanup();
    await smsc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('/healthz shows each carrier\'s binds: down while the carrier is away (still 200, sends queue up), up again after', async () => {
  const { smsc, t, dir, port } = await carrierAndTandem();
  let back: SandboxSmsc | undefined;
  try {
    const health = async () => {
      const r = await t.fetch('/healthz');
      assert.equal(r.status, 200);
      return (await r.json()) as { status: string; carriers: { name: string; binds: number; ready: number }[] };
    };
    await waitUntil(async () => ((await health()).carriers[0]?.ready === 2 ? true : undefined), 10_000, 'both binds up');
    assert.deepEqual(await health(), { status: 'ok', carriers: [{ name: 'acme', binds: 2, ready: 2 }] });

    const from = await buy(t, '100');
    await smsc.stop();
    await waitUntil(async () => ((await health()).carriers[0]?.ready === 0 ? true : undefined), 10_000, 'binds down');
    const m = await t.client().messages.create({ from, to: '+15551230001', body: 'waits for the carrier' });
    assert.equal(m.status, 'queued');

    back = new SandboxSmsc({ port, host: '127.0.0.1', dlrDelayMs: 20 });
    await back.start();
    await waitUntil(async () => ((await health()).carriers[0]?.ready === 2 ? true : undefined), 30_000, 'binds up again');
    await waitUntil(() => (back!.messages().some((x) => x.body === 'waits for the carrier') ? true : undefined), 15_000, 'queued message sent');
  } finally {
    await t.cleanup();
    await back?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a destination no configured carrier serves is refused at once with 21408, not queued to expire", async () => {
  const { smsc, t, dir } = await carrierAndTandem();
  try {
    const from = await buy(t, '100');
    const c = t.client();
    await assert.rejects(c.messages.create({ from, to: '+447700900123', body: 'nobody carries +44 here' }), (e: { status: number; code: number; message: string }) => {
      assert.equal(e.status, 400);
      assert.equal(e.code, 21408);
      assert.match(e.message, /\+447700900123/);
      return true;
    });
    assert.deepEqual(await c.messages.list({ from }), [], 'nothing was accepted');
    // The carrier's own prefix still goes.
    await c.messages.create({ from, to: '+15551238888', body: 'the US is served' });
    await waitUntil(() => (smsc.messages().some((m) => m.body === 'the US is served') ? true : undefined), 5_000, 'sent');
  } finally {
    await t.cleanup();
    await smsc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
