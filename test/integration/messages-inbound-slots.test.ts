// Inbound webhooks are limited per origin (TANDEM_WEBHOOK_SLOTS_PER_ORIGIN): a slow app gets no more requests at once
// than its slots, its texts are still all answered in the order they came, and another app's webhooks are not held up
// behind it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { startWebhookApp, waitUntil, type WebhookApp } from '../helpers/webhook-app.js';
import { buyNumber, sandboxMessages, textFromHandset } from './messages-inbound-helpers.js';

const SLOTS = 2;
const SLOW_MS = 1_000;
let t: Tandem;
let slow: WebhookApp;
let fast: WebhookApp;

before(async () => {
  t = await startTandem({ env: { TANDEM_WEBHOOK_SLOTS_PER_ORIGIN: String(SLOTS) } });
  slow = await startWebhookApp(() => t.authToken);
  fast = await startWebhookApp(() => t.authToken);
});
after(async () => {
  await slow.close();
  await fast.close();
  await t.cleanup();
});

const reply = (text: string): string => {
  const r = new twilio.twiml.MessagingResponse();
  r.message(text);
  return r.toString();
};

test("a slow app gets at most its origin's slots at once, all its texts answered in order; another app is not held up", async () => {
  const slowNumber = await buyNumber(t, { SmsUrl: slow.url + '/sms' });
  const fastNumber = await buyNumber(t, { SmsUrl: fast.url + '/sms' });
  slow.respond('/sms', { delayMs: SLOW_MS, body: reply('slow reply') });
  fast.respond('/sms', { body: reply('fast reply') });

  const sentAt = Date.now();
  for (let i = 0; i < 6; i++) await textFromHandset(t, `+1555000710${i}`, slowNumber, `slow ${i}`);
  await textFromHandset(t, '+15550007200', fastNumber, 'fast');

  // The other app's webhook comes while the slow app still works through its backlog (6 texts, 2 at a time, 1 s each).
  const [fastHit] = await fast.waitFor((rs) => rs.length >= 1, 5_000);
  assert.ok(fastHit!.at - sentAt < 3 * SLOW_MS, `the fast app was called ${fastHit!.at - sentAt} ms after the texts, not after the slow app's backlog`);
  assert.ok(slow.requests.length < 6, 'the slow app was still working through its backlog then');
  const during = await slotGauges();
  assert.ok(during.active >= SLOTS, `the slow app holds all its slots (${during.active} held)`);
  assert.ok(during.waiting >= 1, `texts waiting for a slot show in /metrics (${during.waiting})`);

  const hits = await slow.waitFor((rs) => rs.length >= 6, 10_000);
  assert.deepEqual(hits.map((r) => r.params.Body), ['slow 0', 'slow 1', 'slow 2', 'slow 3', 'slow 4', 'slow 5'], 'started in the order the texts came');
  assert.ok(hits.every((r) => r.signatureValid));
  // Never more than SLOTS at once: any SLOTS + 1 consecutive arrivals span at least one answer's delay.
  for (let i = SLOTS; i < hits.length; i++) {
    assert.ok(hits[i]!.at - hits[i - SLOTS]!.at >= SLOW_MS - 50, `request ${i} came ${hits[i]!.at - hits[i - SLOTS]!.at} ms after request ${i - SLOTS}`);
  }
  const replies = await waitUntil(async () => {
    const got = (await sandboxMessages(t)).filter((m) => m.from === slowNumber);
    return got.length >= 6 ? got : undefined;
  }, 10_000, 'six replies from the slow app');
  assert.deepEqual(new Set(replies.map((m) => m.body)), new Set(['slow reply']));
  assert.ok((await sandboxMessages(t)).some((m) => m.from === fastNumber && m.body === 'fast reply'));
  assert.deepEqual(await waitUntil(async () => {
    const g = await slotGauges();
    return g.active === 0 ? g : undefined;
  }, 5_000, 'every slot released'), { active: 0, waiting: 0 });
});

async function slotGauges(): Promise<{ active: number; waiting: number }> {
  const text = await (await fetch(t.url + '/metrics')).text();
  const read = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { active: read('tandem_inbound_webhook_slots_active'), waiting: read('tandem_inbound_webhook_slots_waiting') };
}
