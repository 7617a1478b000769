// Outbound calls through a SIP trunk (TANDEM_SIP_TRUNK) played by sipp: the Calls API places them (paced per
// account), the carrier may challenge with 401 or 407 (credentials from the carriers file), the answered call
// runs the app's TwiML, and live calls can be redirected, hung up or canceled through the API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { startWebhookApp, waitUntil, type WebhookApp } from '../helpers/webhook-app.js';
import { freePort, prepareSipp, type PeerResult } from '../sip/sipp.js';
import { resourceSchema, shapeProblems } from '../helpers/spec-schema.js';
import { buyVoiceNumber, fetchCall, form, listCalls, voiceTwiml, type CallJson } from './voice-helpers.js';

let t: Tandem;
let app: WebhookApp;
let carrierPort: number;
let from: string;

before(async () => {
  carrierPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tandem-carriers-'));
  const file = join(dir, 'carriers.json');
  writeFileSync(file, JSON.stringify({
    smpp: [],
    sipTrunks: [{ name: 'carrier', host: '127.0.0.1', port: carrierPort, addresses: ['127.0.0.1'], username: 'trunkuser', password: 's3cret' }],
  }));
  t = await startTandem({ env: { TANDEM_CARRIERS: file, TANDEM_SIP_TRUNK: `127.0.0.1:${carrierPort}` } });
  app = await startWebhookApp(() => t.authToken);
  from = await buyVoiceNumber(t, {});
});
after(async () => {
  await app.close();
  await t.cleanup();
});

const calls = () => `/2010-04-01/Accounts/${t.accountSid}/Calls.json`;

function assertMatchesSchema(name: string, value: unknown) {
  assert.deepEqual(shapeProblems(value, resourceSchema(name)), []);
}

async function create(params: Record<string, string | string[]>): Promise<CallJson> {
  const r = await form(t, calls(), { From: from, ...params });
  assert.equal(r.status, 201, await r.clone().text());
  return (await r.json()) as CallJson;
}

async function carrier(scenario: { builtin: string } | { file: string }) {
  const peer = (await prepareSipp({ scenario, port: carrierPort })).start();
  // sipp needs a moment to bind its port on a loaded machine; tandem must not dial before it listens.
  await until(() => udpPortTaken(carrierPort), 5000);
  return peer;
}

/** Whether some socket is bound to the UDP port (read from /proc, so probing never races sipp's own bind). */
async function udpPortTaken(port: number): Promise<boolean> {
  const hex = ':' + port.toString(16).toUpperCase().padStart(4, '0');
  const table = await readFile('/proc/net/udp', 'utf8');
  return table.split('\n').some((line) => line.trim().split(/\s+/)[1]?.endsWith(hex));
}

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('sipp did not bind its port');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function settled(sid: string, status = 'completed'): Promise<CallJson> {
  return waitUntil(async () => { const c = await fetchCall(t, sid); return c.status === status ? c : undefined; }, 10_000, `call ${status}`);
}

function ok(r: PeerResult) {
  assert.equal(r.code, 0, r.stderr + r.errors);
}

test('outbound call to the trunk: answered, TwiML from Url (signed, outbound-api), tandem hangs up; status callbacks in order', async () => {
  const peer = await carrier({ builtin: 'uas' });
  app.respond('/out', { body: voiceTwiml((r) => { r.say('Hello from the API'); r.hangup(); }) });
  const created = await create({
    To: '+15557654321', Url: app.url + '/out', StatusCallback: app.url + '/cb',
    StatusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
  });
  assert.equal(created.status, 'queued');
  assert.equal(created.direction, 'outbound-api');
  assertMatchesSchema('call', created);
  ok(await peer.done);

  const call = await settled(created.sid);
  assert.ok(Number(call.duration) >= 0);
  assert.ok(call.start_time && call.end_time);
  assertMatchesSchema('call', call);

  const [doc] = app.requests.filter((r) => r.path === '/out');
  assert.ok(doc!.signatureValid);
  assert.equal(doc!.params.CallSid, created.sid);
  assert.equal(doc!.params.Direction, 'outbound-api');
  assert.equal(doc!.params.CallStatus, 'in-progress');
  assert.equal(doc!.params.From, from);
  assert.equal(doc!.params.To, '+15557654321');

  const cbs = (await app.waitFor((rs) => rs.filter((r) => r.path === '/cb').length >= 4)).filter((r) => r.path === '/cb');
  assert.deepEqual(cbs.map((r) => r.params.CallStatus), ['initiated', 'ringing', 'in-progress', 'completed']);
  assert.deepEqual(cbs.map((r) => r.params.SequenceNumber), ['0', '1', '2', '3']);
  assert.ok(cbs.every((r) => r.signatureValid && r.params.CallSid === created.sid && r.params.CallbackSource === 'call-progress-events'));
  assert.ok(cbs[3]!.params.CallDuration !== undefined);
});

for (const status of [401, 407] as const) {
  test(`outbound call to a carrier challenging with ${status}: digest credentials from the carriers file, call connects`, async () => {
    const peer = await carrier({ file: `uas-${status}.xml` });
    const created = await create({ To: '+15551234567', Twiml: voiceTwiml((r) => { r.say('authenticated'); r.hangup(); }) });
    ok(await peer.done);
    await settled(created.sid);
  });
}

test('only completed is reported when no StatusCallbackEvent is given', async () => {
  const peer = await carrier({ builtin: 'uas' });
  const created = await create({ To: '+15557654322', Twiml: voiceTwiml((r) => r.hangup()), StatusCallback: app.url + '/only-completed' });
  ok(await peer.done);
  const [cb] = (await app.waitFor((rs) => rs.some((r) => r.path === '/only-completed'))).filter((r) => r.path === '/only-completed');
  assert.equal(cb!.params.CallStatus, 'completed');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(app.requests.filter((r) => r.path === '/only-completed').length, 1);
  await settled(created.sid);
});

test('live call redirected with Url: the running verb stops, the new document runs', async () => {
  const peer = await carrier({ builtin: 'uas' });
  app.respond('/long', { body: voiceTwiml((r) => r.pause({ length: 30 })) });
  app.respond('/moved', { body: voiceTwiml((r) => r.hangup()) });
  const created = await create({ To: '+15557654323', Url: app.url + '/long' });
  await waitUntil(async () => (await fetchCall(t, created.sid)).status === 'in-progress' && app.requests.some((r) => r.path === '/long') ? true : undefined, 10_000, 'in-progress');
  const t0 = Date.now();
  const r = await form(t, `/2010-04-01/Accounts/${t.accountSid}/Calls/${created.sid}.json`, { Url: app.url + '/moved', Method: 'POST' });
  assert.equal(r.status, 200, await r.clone().text());
  ok(await peer.done);
  assert.ok(Date.now() - t0 < 5000, 'the 30 s pause was cut short');
  const [moved] = app.requests.filter((x) => x.path === '/moved');
  assert.equal(moved!.params.CallSid, created.sid);
  await settled(created.sid);
});

test('live call hung up with Status=completed; a finished call cannot be updated (21220) but can be deleted', async () => {
  const peer = await carrier({ builtin: 'uas' });
  const created = await create({ To: '+15557654324', Twiml: voiceTwiml((r) => r.pause({ length: 30 })) });
  await waitUntil(async () => ((await fetchCall(t, created.sid)).status === 'in-progress' ? true : undefined), 10_000, 'in-progress');
  await new Promise((r) => setTimeout(r, 300));
  const path = `/2010-04-01/Accounts/${t.accountSid}/Calls/${created.sid}.json`;
  const r = await form(t, path, { Status: 'completed' });
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal(((await r.json()) as CallJson).status, 'completed');
  ok(await peer.done);
  const again = await form(t, path, { Status: 'completed' });
  assert.equal(again.status, 400);
  assert.equal(((await again.json()) as { code: number }).code, 21220);
  const del = await t.fetch(path, { method: 'DELETE' });
  assert.equal(del.status, 204);
  assert.equal((await t.fetch(path)).status, 404);
});

test('a ringing call canceled through the API: CANCEL to the carrier, status canceled', async () => {
  const peer = await carrier({ file: 'uas-ring-cancelled.xml' });
  const created = await create({ To: '+15557654325', Twiml: voiceTwiml((r) => r.hangup()) });
  await waitUntil(async () => ((await fetchCall(t, created.sid)).status === 'ringing' ? true : undefined), 10_000, 'ringing');
  const r = await form(t, `/2010-04-01/Accounts/${t.accountSid}/Calls/${created.sid}.json`, { Status: 'canceled' });
  assert.equal(r.status, 200, await r.clone().text());
  ok(await peer.done);
  const call = await settled(created.sid, 'canceled');
  assert.equal(call.duration, null);
});

test('Calls list: filters by To and Status, StartTime, paging with next_page_uri', async () => {
  const all = await listCalls(t, '?PageSize=1000');
  assert.ok(all.length >= 5);
  const byTo = await listCalls(t, '?To=%2B15557654321');
  assert.equal(byTo.length, 1);
  const canceled = await listCalls(t, '?Status=canceled');
  assert.ok(canceled.length >= 1 && canceled.every((c) => c.status === 'canceled'));
  const today = new Date().toISOString().slice(0, 10);
  const started = await listCalls(t, `?StartTime%3E=${today}`);
  assert.ok(started.length >= 1 && started.every((c) => c.start_time !== null));
  const page1 = await t.fetch(`${calls()}?PageSize=2`);
  const body = (await page1.json()) as { calls: CallJson[]; next_page_uri: string | null };
  assert.equal(body.calls.length, 2);
  assert.ok(body.next_page_uri);
  const page2 = (await (await t.fetch(body.next_page_uri)).json()) as { calls: CallJson[] };
  assert.ok(page2.calls.length >= 1);
  assert.ok(!page2.calls.some((c) => body.calls.some((d) => d.sid === c.sid)));
});

test('create validation: From must be the account\'s number (21210), To must be a number (21211), Url or Twiml required', async () => {
  const bad = async (params: Record<string, string>, code: number) => {
    const r = await form(t, calls(), params);
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { code: number }).code, code);
  };
  await bad({ To: '+15557654321', From: '+15550009999', Twiml: '<Response/>' }, 21210);
  await bad({ To: 'nope', From: from, Twiml: '<Response/>' }, 21211);
  await bad({ To: '+15557654321', From: from }, 21205);
});

test('the carrier answers 486: the call ends busy, no TwiML is fetched, completed callback says busy', async () => {
  const peer = await carrier({ file: 'voice-uas-busy.xml' });
  const created = await create({ To: '+15557654326', Url: app.url + '/never', StatusCallback: app.url + '/busy-cb' });
  ok(await peer.done);
  const call = await settled(created.sid, 'busy');
  assert.equal(call.duration, null);
  const [cb] = (await app.waitFor((rs) => rs.some((r) => r.path === '/busy-cb'))).filter((r) => r.path === '/busy-cb');
  assert.equal(cb!.params.CallStatus, 'busy');
  assert.equal(app.requests.filter((r) => r.path === '/never').length, 0);
});

test('nobody answers within Timeout: CANCEL to the carrier, the call ends no-answer', async () => {
  const peer = await carrier({ file: 'uas-ring-cancelled.xml' });
  const t0 = Date.now();
  const created = await create({ To: '+15557654327', Twiml: voiceTwiml((r) => r.hangup()), Timeout: '2' });
  ok(await peer.done);
  await settled(created.sid, 'no-answer');
  assert.ok(Date.now() - t0 >= 1800, 'rang for the 2 s Timeout');
});
