// The per-origin slots that inbound message handling takes before its webhook: at most N per origin at once, the
// rest started in the order they asked, and one origin's backlog never delays another origin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebhookSlots, webhookOrigin } from '../../src/messaging/inbound/webhook-slots.js';

test('an origin runs at most its slots at once; the rest start in the order they asked, as slots are released', () => {
  const slots = new WebhookSlots(2);
  const started: number[] = [];
  for (let i = 0; i < 5; i++) slots.acquire('http://a', () => started.push(i));
  assert.deepEqual(started, [0, 1]);
  assert.deepEqual(slots.load('http://a'), { active: 2, waiting: 3 });
  slots.release('http://a');
  assert.deepEqual(started, [0, 1, 2]);
  slots.release('http://a');
  slots.release('http://a');
  assert.deepEqual(started, [0, 1, 2, 3, 4]);
  assert.deepEqual(slots.load('http://a'), { active: 2, waiting: 0 });
  slots.release('http://a');
  slots.release('http://a');
  assert.deepEqual(slots.load('http://a'), { active: 0, waiting: 0 });
  assert.throws(() => slots.release('http://a'), /no slot/);
});

test("a full origin does not hold up another origin's work", () => {
  const slots = new WebhookSlots(1);
  const started: string[] = [];
  slots.acquire('http://slow', () => started.push('slow 1'));
  slots.acquire('http://slow', () => started.push('slow 2'));
  slots.acquire('http://fast', () => started.push('fast 1'));
  assert.deepEqual(started, ['slow 1', 'fast 1']);
  slots.release('http://fast');
  slots.acquire('http://fast', () => started.push('fast 2'));
  assert.deepEqual(started, ['slow 1', 'fast 1', 'fast 2']);
  assert.deepEqual(slots.totals(), { active: 2, waiting: 1 });
});

test('a long backlog drains in order through many releases', () => {
  const slots = new WebhookSlots(3);
  const started: number[] = [];
  for (let i = 0; i < 5_000; i++) slots.acquire('o', () => started.push(i));
  while (slots.load('o').active > 0) slots.release('o');
  assert.equal(started.length, 5_000);
  assert.ok(started.every((v, i) => v === i), 'every callback ran once, in the order it asked');
});

test('origins are scheme, host and port; no URL is its own origin', () => {
  assert.equal(webhookOrigin('https://app.example.com/sms?x=1#rc=2'), 'https://app.example.com');
  assert.equal(webhookOrigin('http://127.0.0.1:8080/a'), 'http://127.0.0.1:8080');
  assert.equal(webhookOrigin(null), '');
  assert.equal(webhookOrigin('not a url'), '');
  assert.throws(() => new WebhookSlots(0), RangeError);
});
