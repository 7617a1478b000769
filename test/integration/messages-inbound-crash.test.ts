// Inbound messages survive crashes. SIGKILL while the webhook is in flight: after restart the webhook is called
// again, exactly once. SIGKILL in the middle of a burst of MO from a carrier that outlives tandem (a real SMPP
// server in this process, configured through TANDEM_CARRIERS): parts stored but never acknowledged are resent by
// the carrier and recognised, so every text becomes exactly one inbound message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import twilio from 'twilio';
import { SandboxSmsc } from '../../src/sandbox/smsc.js';
import { startTandem } from '../helpers/tandem.js';
import { freePort } from '../helpers/ports.js';
import { startWebhookApp, waitUntil } from '../helpers/webhook-app.js';
import { buyNumber, sandboxMessages, sleep, textFromHandset } from './messages-inbound-helpers.js';

test('SIGKILL after the MO is stored, while its webhook is in flight: after restart the webhook is called once more', async () => {
  let t = await startTandem();
  const app = await startWebhookApp(() => t.authToken);
  try {
    const number = await buyNumber(t, { SmsUrl: app.url + '/slow' });
    app.respond('/slow', { delayMs: 20_000 });
    await textFromHandset(t, '+15550004001', number, 'are you there?');
    const [first] = await app.waitFor((rs) => rs.some((r) => r.path === '/slow'));
    await t.kill();

    const r = new twilio.twiml.MessagingResponse();
    r.message('back again');
    app.respond('/slow', { body: r.toString() });
    t = await t.restart();
    const again = await app.waitFor((rs) => rs.filter((x) => x.path === '/slow').length >= 2, 15_000);
    const second = again.filter((x) => x.path === '/slow')[1]!;
    assert.equal(second.params.MessageSid, first!.params.MessageSid);
    assert.equal(second.params.Body, 'are you there?');
    assert.ok(second.signatureValid);
    await waitUntil(async () => (await sandboxMessages(t)).find((m) => m.from === number && m.body === 'back again'), 10_000, 'reply after restart');
    // Done means done: neither another webhook nor another inbound message.
    await sleep(1_500);
    assert.equal(app.requests.filter((x) => x.path === '/slow').length, 2);
    const inbound = await t.client().messages.list({ to: number });
    assert.equal(inbound.length, 1);
    assert.equal(inbound[0]!.status, 'received');
  } finally {
    await app.close();
    await t.cleanup();
  }
});

test('SIGKILL during a burst of MO: the carrier resends what was not acknowledged; every text becomes one message', async () => {
  const port = await freePort();
  const smsc = new SandboxSmsc({ port, host: '127.0.0.1', dlrDelayMs: 20, deliverRetryMs: 1_000 });
  await smsc.start();
  const dir = mkdtempSync(join(tmpdir(), 'tandem-carriers-'));
  const file = join(dir, 'carriers.json');
  writeFileSync(file, JSON.stringify({ smpp: [{ name: 'acme', host: '127.0.0.1', port, systemId: 'tandem', password: 'pw', binds: 2, window: 50, prefixes: ['+1'] }] }));
  let t = await startTandem({ env: { TANDEM_CARRIERS: file } });
  const app = await startWebhookApp(() => t.authToken);
  try {
    const number = await buyNumber(t, { SmsUrl: app.url + '/burst' });
    const N = 300;
    const bodies = Array.from({ length: N }, (_, i) => (i % 3 === 0 ? `long text ${i} ` + 'z'.repeat(200) : `text ${i}`));
    const sent = bodies.map((b, i) => smsc.sendMo(`+1555100${String(i).padStart(4, '0')}`, number, b).catch((e: unknown) => e));
    await app.waitFor((rs) => rs.filter((r) => r.path === '/burst').length >= 20, 20_000);
    await t.kill();
    t = await t.restart();
    // A text counts as handed over once tandem acknowledged all its parts. (The sandbox carrier gives up on a text
    // after ten failed attempts, some of them burnt on the dead socket while tandem was down: those texts may or
    // may not have reached tandem, but never twice.)
    const outcomes = await Promise.all(sent);
    const acked = bodies.filter((_, i) => !(outcomes[i] instanceof Error));
    assert.ok(acked.length >= 20);
    await app.waitFor((all) => {
      const seen = new Set(all.filter((r) => r.path === '/burst').map((r) => r.params.Body));
      return acked.every((b) => seen.has(b));
    }, 30_000);
    await sleep(1_000);
    const byBody = new Map<string, Set<string>>();
    for (const r of app.requests.filter((x) => x.path === '/burst')) {
      assert.ok(r.signatureValid);
      const sids = byBody.get(r.params.Body!) ?? new Set();
      sids.add(r.params.MessageSid!);
      byBody.set(r.params.Body!, sids);
    }
    const dup = [...byBody].filter(([, sids]) => sids.size > 1);
    assert.deepEqual(dup, [], 'no text became two inbound messages');
    const listed = await t.client().messages.list({ to: number });
    assert.equal(listed.length, byBody.size, 'one inbound message per text, each with its webhook');
    assert.deepEqual(new Set(listed.map((m) => m.body)), new Set(byBody.keys()));
  } finally {
    await app.close();
    await t.cleanup();
    await smsc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
