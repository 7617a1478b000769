// Call queues end to end: a running tandem, its sandbox handset calling in and answering over real SIP and RTP,
// TwiML from twilio's VoiceResponse, and the Queues and Members API through the official twilio client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { resourceSchema, shapeProblems } from '../helpers/spec-schema.js';
import { startWebhookApp, waitUntil, type WebhookApp } from '../helpers/webhook-app.js';
import { buyVoiceNumber, fetchCall, handsetCallsIn, handsetCallWhere, voiceTwiml } from './voice-helpers.js';

let t: Tandem;
let app: WebhookApp;

before(async () => {
  t = await startTandem();
  app = await startWebhookApp(() => t.authToken);
});
after(async () => {
  await app.close();
  await t.cleanup();
});

/** The sandbox handset calls `to`; its entry in the handset's log. */

const requests = (path: string, callSid?: string) => app.requests.filter((r) => r.path === path && (callSid === undefined || r.params.CallSid === callSid));

test('an agent\'s <Dial><Queue> waits for the next caller, announces the agent to them, bridges the two, and both actions hear how it went', async () => {
  const client = t.client();
  const queue = await client.queues.create({ friendlyName: 'support' });
  assert.match(queue.sid, /^QU[0-9a-f]{32}$/);
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/support' });
  app.respond('/support', { body: voiceTwiml((r) => { r.enqueue({ action: app.url + '/support-left', waitUrl: app.url + '/support-wait' }, 'support'); }) });
  app.respond('/support-wait', { body: voiceTwiml((r) => { r.pause({ length: 1 }); }) });
  app.respond('/announce', { body: voiceTwiml((r) => { r.play({ digits: '9' }); }) });
  app.respond('/agent-dialed', { body: voiceTwiml((r) => { r.hangup(); }) });

  // The agent: an API call to the sandbox handset, whose TwiML dials the queue while it is still empty.
  const agentCall = await client.calls.create({
    from: number,
    to: '+15551112222',
    twiml: voiceTwiml((r) => { r.dial({ action: app.url + '/agent-dialed', timeout: 40 }).queue({ url: app.url + '/announce' }, 'support'); }),
  });
  await waitUntil(async () => ((await fetchCall(t, agentCall.sid)).status === 'in-progress' ? true : undefined), 15_000, 'the agent to answer');

  // The caller presses 4 and 2 once connected: the agent must hear them through the bridge.
  const id = await handsetCallsIn(t, '+15550004444', number, { digits: '42', digitsDelayMs: 6_000, hangupAfterS: 9 });
  const caller = await handsetCallWhere(t, (h) => h.id === id && h.call_sid !== null, 'the caller\'s CallSid');
  const announce = (await app.waitFor(() => requests('/announce').length === 1, 15_000)).find((r) => r.path === '/announce')!;
  assert.equal(announce.params.QueueSid, queue.sid);
  assert.equal(announce.params.DequeingCallSid, agentCall.sid);
  assert.equal(announce.params.CallSid, caller.call_sid);
  assert.equal(announce.signatureValid, true);

  const done = await handsetCallWhere(t, (h) => h.id === id && h.status === 'completed', 'the caller to hang up');
  assert.equal(done.digits_heard, '9', 'the caller heard the announcement');
  assert.deepEqual(done.verbs, ['Enqueue: support']);
  const agentEnd = await handsetCallWhere(t, (h) => h.call_sid === agentCall.sid && h.status === 'completed', 'the agent\'s call to end');
  assert.equal(agentEnd.digits_heard, '42', 'the caller\'s keys reached the agent through the bridge');

  const dialed = (await app.waitFor(() => requests('/agent-dialed').length === 1)).find((r) => r.path === '/agent-dialed')!.params;
  assert.equal(dialed.DialCallStatus, 'completed');
  assert.equal(dialed.DialCallSid, caller.call_sid);
  assert.equal(dialed.QueueSid, queue.sid);
  const left = (await app.waitFor(() => requests('/support-left').length === 1)).find((r) => r.path === '/support-left')!.params;
  assert.equal(left.QueueResult, 'bridged');
  assert.equal(left.QueueSid, queue.sid);
  assert.equal(left.CallSid, caller.call_sid);
});

test('callers wait in order; the Members API lists one and moves it on; a full queue and <Leave> go on with what follows', async () => {
  const client = t.client();
  const queue = await client.queues.create({ friendlyName: 'billing', maxSize: 1 });
  assert.equal(queue.maxSize, 1);
  assert.equal(queue.currentSize, 0);
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/billing' });
  app.respond('/billing', { body: voiceTwiml((r) => { r.enqueue({ action: app.url + '/billing-left', waitUrl: app.url + '/billing-wait' }, 'billing'); r.say('Goodbye'); }) });
  app.respond('/billing-wait', { body: voiceTwiml((r) => { r.pause({ length: 1 }); }) });
  app.respond('/billing-left', { body: voiceTwiml((r) => { r.say('We are busy'); }) });
  app.respond('/moved', { body: voiceTwiml((r) => { r.say('Moved'); }) });

  const first = await handsetCallsIn(t, '+15550005555', number, { hangupAfterS: 30 });
  const firstSid = (await handsetCallWhere(t, (h) => h.id === first && h.call_sid !== null, 'the first caller\'s CallSid')).call_sid!;
  await app.waitFor(() => requests('/billing-wait', firstSid).length >= 2, 15_000);
  const wait = requests('/billing-wait', firstSid)[0]!.params;
  assert.deepEqual([wait.QueueSid, wait.QueuePosition, wait.CurrentQueueSize, wait.MaxQueueSize], [queue.sid, '1', '1', '1']);

  const members = await client.queues(queue.sid).members.list();
  assert.deepEqual(members.map((m) => [m.callSid, m.position, m.queueSid]), [[firstSid, 1, queue.sid]]);
  const raw = await (await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Queues/${queue.sid}/Members/${firstSid}.json`)).json();
  assert.deepEqual(shapeProblems(raw, resourceSchema('queue.member')), [], 'a member as Twilio\'s spec shapes it');
  const front = await client.queues(queue.sid).members('Front').fetch();
  assert.equal(front.callSid, firstSid);
  assert.ok(front.waitTime >= 1);
  const busy = await client.queues(queue.sid).fetch();
  assert.equal(busy.currentSize, 1);
  assert.ok(busy.averageWaitTime >= 1);
  assert.match(await (await fetch(t.url + '/metrics')).text(), /^tandem_queue_callers_waiting 1$/m);

  // The queue holds one: the second caller is told so by action's TwiML at once.
  const second = await handsetCallsIn(t, '+15550006666', number, { hangupAfterS: 10 });
  const secondEnd = await handsetCallWhere(t, (h) => h.id === second && h.status === 'completed', 'the second caller to hear the queue is full');
  assert.deepEqual(secondEnd.verbs, ['Enqueue: billing', 'Say: We are busy']);
  assert.equal(requests('/billing-left', secondEnd.call_sid!)[0]!.params.QueueResult, 'queue-full');

  // The Members API moves the first caller on to another document.
  const moved = await client.queues(queue.sid).members('Front').update({ url: app.url + '/moved' });
  assert.equal(moved.callSid, firstSid);
  const firstEnd = await handsetCallWhere(t, (h) => h.id === first && h.status === 'completed', 'the first caller to be moved on and hung up');
  assert.deepEqual(firstEnd.verbs, ['Enqueue: billing', 'Say: Moved']);
  assert.equal(requests('/billing-left', firstSid)[0]!.params.QueueResult, 'redirected');
  assert.equal((await client.queues(queue.sid).fetch()).currentSize, 0);
  await assert.rejects(client.queues(queue.sid).members(firstSid).fetch(), (e: { status: number }) => e.status === 404);

  // <Leave> from the wait document, with no action: the caller goes on with the verb after <Enqueue>.
  const closed = await buyVoiceNumber(t, { VoiceUrl: app.url + '/closed' });
  app.respond('/closed', { body: voiceTwiml((r) => { r.enqueue({ waitUrl: app.url + '/closed-wait' }, 'billing'); r.say('Goodbye'); }) });
  app.respond('/closed-wait', { body: voiceTwiml((r) => { r.say('We are closed'); r.leave(); }) });
  const third = await handsetCallsIn(t, '+15550007777', closed, { hangupAfterS: 20 });
  const thirdEnd = await handsetCallWhere(t, (h) => h.id === third && h.status === 'completed', 'the third caller to leave the queue');
  assert.deepEqual(thirdEnd.verbs, ['Enqueue: billing', 'Say: Goodbye']);
  assert.ok(thirdEnd.audio_heard_ms > 1_000, 'the caller heard the wait document and the goodbye');
  assert.equal((await client.queues(queue.sid).fetch()).currentSize, 0);
});

test('the Queues API with the official client: create, list, update, delete, and Twilio-shaped errors', async () => {
  const client = t.client();
  const q = await client.queues.create({ friendlyName: 'sales', maxSize: 20 });
  assert.equal(q.friendlyName, 'sales');
  assert.equal(q.accountSid, t.accountSid);
  assert.equal(q.averageWaitTime, 0);
  assert.ok((await client.queues.list()).some((x) => x.sid === q.sid));
  const updated = await client.queues(q.sid).update({ friendlyName: 'sales-east', maxSize: 5000 });
  assert.deepEqual([updated.friendlyName, updated.maxSize], ['sales-east', 5000]);

  const rejects = (p: Promise<unknown>, status: number, code?: number) =>
    assert.rejects(p, (e: { status: number; code: number }) => e.status === status && (code === undefined || e.code === code));
  await rejects(client.queues.create({ friendlyName: 'sales-east' }), 400, 21000);
  await rejects(client.queues.create({ friendlyName: 'big', maxSize: 5001 }), 400, 21000);
  await rejects(client.queues.create({ friendlyName: 'x'.repeat(65) }), 400, 21000);
  await rejects(client.queues(q.sid).members('Front').fetch(), 404);
  await rejects(client.queues(q.sid).members('Front').update({ url: app.url + '/nowhere' }), 404);

  await client.queues(q.sid).remove();
  await rejects(client.queues(q.sid).fetch(), 404, 20404);
});
