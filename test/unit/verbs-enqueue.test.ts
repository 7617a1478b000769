// <Enqueue> and <Leave> over real loopback RTP, a real webhook app and real call queues on a temp LMDB: the
// caller's wait document (looped, with Twilio's queue parameters), the ways out of the line (an agent taking the
// caller, <Leave>, the Members API, hang-up, <Hangup>, a full queue), and what `action` hears each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { runVerb } from '../../actors/call/verbs/index.js';
import type { QueueHandoff } from '../../actors/call/verb-context.js';
import type { MediaEndpoint } from '../../protocols/rtp/index.js';
import { waitUntil } from '../helpers/webhook-app.js';
import { ACCOUNT_SID, CALL_SID, harness, loudMs, type Harness } from './verbs-harness.js';

const twiml = (inner: string) => `<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>`;

function requestsTo(h: Harness, path: string) {
  return h.app.requests.filter((r) => r.path === path);
}

/** An agent's side of a <Dial><Queue>, driven by the test. */
function agent(url?: string): QueueHandoff & { readyWith: Promise<boolean>; end(): void } {
  let ready!: (ok: boolean) => void;
  let end!: () => void;
  const readyWith = new Promise<boolean>((r) => (ready = r));
  const over = new Promise<void>((r) => (end = r));
  return { callSid: 'CA' + 'd'.repeat(32), ...(url !== undefined && { url }), method: 'POST', ready, over, readyWith, end };
}

test('the wait document loops with the queue parameters until the Members API takes the caller to its Url', async (t) => {
  const h = await harness(t);
  h.app.respond('/wait', { body: twiml('<Pause length="1"/>') });
  h.app.respond('/moved', { body: twiml('<Say>You were moved.</Say>') });
  const [verb] = h.twiml(`<Response><Enqueue waitUrl="/wait" action="/left">support</Enqueue></Response>`);
  const running = runVerb(verb!, h.ctx);

  await h.app.waitFor(() => requestsTo(h, '/wait').length >= 2, 8_000);
  const q = h.queues.store.named(ACCOUNT_SID, 'support')!;
  assert.match(q.sid, /^QU[0-9a-f]{32}$/, 'the queue was created on demand');
  assert.equal(q.maxSize, 1000);
  const first = requestsTo(h, '/wait')[0]!.params;
  assert.equal(first.QueueSid, q.sid);
  assert.equal(first.QueuePosition, '1');
  assert.equal(first.CurrentQueueSize, '1');
  assert.equal(first.MaxQueueSize, '1000');
  assert.equal(first.CallSid, CALL_SID);
  assert.ok(Number(requestsTo(h, '/wait')[1]!.params.QueueTime) >= 1, 'the second round has waited a second');
  assert.deepEqual(h.queues.members(q.sid).map((m) => m.callSid), [CALL_SID]);

  assert.ok(h.queues.redirect(q.sid, 'Front', `${h.app.url}/moved`, 'POST'));
  const outcome = await running;
  assert.equal(outcome.next, 'document');
  assert.deepEqual(outcome.next === 'document' && outcome.verbs.map((v) => v.verb), ['Say']);
  const left = await h.app.waitFor(() => requestsTo(h, '/left').length === 1);
  assert.equal(left.find((r) => r.path === '/left')!.params.QueueResult, 'redirected');
  assert.equal(h.queues.size(q.sid), 0);
});

test('<Leave> in the wait document: the caller leaves, and action gets QueueResult=leave and goes on', async (t) => {
  const h = await harness(t);
  h.app.respond('/wait', { body: twiml('<Say>We are closed.</Say><Leave/><Pause length="30"/>') });
  h.app.respond('/left', { body: twiml('<Hangup/>') });
  const heard = h.listen();
  const [verb] = h.twiml(`<Response><Enqueue waitUrl="/wait" action="/left">support</Enqueue></Response>`);
  const started = Date.now();
  const outcome = await runVerb(verb!, h.ctx);
  assert.ok(Date.now() - started < 10_000, 'the 30 s pause after <Leave> never ran');
  assert.deepEqual(outcome, { next: 'document', verbs: [{ verb: 'Hangup' }], documentUrl: `${h.app.url}/left` });
  const left = requestsTo(h, '/left')[0]!.params;
  assert.equal(left.QueueResult, 'leave');
  assert.match(left.QueueSid!, /^QU/);
  assert.ok(loudMs(heard.frames) > 300, 'the caller heard the wait document speak');
  assert.equal(h.queues.waiting, 0);
});

test('an agent takes the caller: its <Queue url> plays to the caller first, then action hears bridged once the agent is done', async (t) => {
  const h = await harness(t);
  h.app.respond('/announce', { body: twiml('<Play digits="5"/>') });
  h.app.respond('/left', { body: twiml('<Say>Thanks for calling.</Say>') });
  const digits: string[] = [];
  (h.caller as MediaEndpoint).on('dtmf', (d) => digits.push(d));
  const [verb] = h.twiml(`<Response><Enqueue action="/left">support</Enqueue></Response>`);
  const running = runVerb(verb!, h.ctx);
  await waitUntil(() => h.queues.waiting === 1 || undefined, 5_000, 'the caller to join');
  const q = h.queues.store.named(ACCOUNT_SID, 'support')!;

  const a = agent(`${h.app.url}/announce`);
  const m = await h.queues.take(q.sid, a, new AbortController().signal, 1_000);
  assert.equal(m?.callSid, CALL_SID);
  assert.equal(await a.readyWith, true, 'the caller is ready once the announcement played');
  assert.deepEqual(digits, ['5'], 'the caller heard the agent side\'s announcement');
  const announce = requestsTo(h, '/announce')[0]!.params;
  assert.equal(announce.QueueSid, q.sid);
  assert.equal(announce.DequeingCallSid, a.callSid);
  assert.equal(requestsTo(h, '/left').length, 0, 'action waits for the bridge to end');

  await sleep(1_100);
  a.end();
  const outcome = await running;
  assert.equal(outcome.next, 'document');
  const left = requestsTo(h, '/left')[0]!.params;
  assert.equal(left.QueueResult, 'bridged');
  assert.ok(Number(left.QueueTime) >= 0);
});

test('an agent waiting on an empty queue takes the next caller at once', async (t) => {
  const h = await harness(t);
  const q = await h.queues.store.create(ACCOUNT_SID, 'sales');
  const a = agent();
  const taken = h.queues.take(q.sid, a, new AbortController().signal, 5_000);
  const [verb] = h.twiml(`<Response><Enqueue>sales</Enqueue></Response>`);
  const running = runVerb(verb!, h.ctx);
  assert.equal((await taken)?.callSid, CALL_SID);
  assert.equal(await a.readyWith, true);
  a.end();
  assert.deepEqual(await running, { next: 'continue' }, 'no action: the next verb');

  // Nobody joins: the agent gives up at its timeout.
  const started = Date.now();
  assert.equal(await h.queues.take(q.sid, agent(), new AbortController().signal, 300), undefined);
  assert.ok(Date.now() - started >= 290);
});

test('a full queue: action hears queue-full at once and its TwiML goes on', async (t) => {
  const h = await harness(t);
  const q = await h.queues.store.create(ACCOUNT_SID, 'tiny', 1);
  const other = { sid: 'CA' + 'e'.repeat(32), accountSid: ACCOUNT_SID, media: h.media, signal: new AbortController().signal, isOver: false };
  assert.ok(h.queues.join(q.sid, q.maxSize, other));
  h.app.respond('/left', { body: twiml('<Say>Please call back later.</Say>') });
  const [verb] = h.twiml(`<Response><Enqueue action="/left">tiny</Enqueue></Response>`);
  const outcome = await runVerb(verb!, h.ctx);
  assert.equal(outcome.next, 'document');
  assert.equal(requestsTo(h, '/left')[0]!.params.QueueResult, 'queue-full');
  assert.deepEqual(h.queues.members(q.sid).map((m) => m.callSid), [other.sid], 'the caller already waiting keeps its place');
});

test('hanging up while waiting leaves the queue: action hears hangup, its TwiML is not run', async (t) => {
  const h = await harness(t);
  h.app.respond('/wait', { body: twiml('<Pause length="30"/>') });
  const [verb] = h.twiml(`<Response><Enqueue waitUrl="/wait" action="/left">support</Enqueue></Response>`);
  const running = runVerb(verb!, h.ctx);
  await h.app.waitFor(() => requestsTo(h, '/wait').length === 1);
  h.hangUp();
  assert.deepEqual(await running, { next: 'hangup', reason: 'remote' });
  const left = await h.app.waitFor(() => requestsTo(h, '/left').length === 1);
  assert.equal(left.find((r) => r.path === '/left')!.params.QueueResult, 'hangup');
  assert.equal(h.queues.waiting, 0);
});

test('<Hangup> in the wait document ends the call and tells action hangup; verbs a wait document may not hold are skipped', async (t) => {
  const h = await harness(t);
  h.app.respond('/wait', { body: twiml('<Record maxLength="1"/><Hangup/>') });
  const [verb] = h.twiml(`<Response><Enqueue waitUrl="/wait" action="/left">support</Enqueue></Response>`);
  assert.deepEqual(await runVerb(verb!, h.ctx), { next: 'hangup', reason: 'hangup' });
  const left = await h.app.waitFor(() => requestsTo(h, '/left').length === 1);
  assert.equal(left.find((r) => r.path === '/left')!.params.QueueResult, 'hangup');
  assert.deepEqual(h.notes.map((n) => n.code), [12200]);
  assert.match(h.notes[0]!.detail, /<Record> is not allowed in a waitUrl document/);
});

test('<Leave> outside a queue does nothing and the document goes on', async (t) => {
  const h = await harness(t);
  const [verb] = h.twiml('<Response><Leave/></Response>');
  assert.deepEqual(await runVerb(verb!, h.ctx), { next: 'continue' });
});
