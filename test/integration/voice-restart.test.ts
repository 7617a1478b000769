// A call live when tandem dies cannot resume (its SIP dialog and media died with the process): after the restart
// its record is closed (completed, with an end time) instead of showing in-progress forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem } from '../helpers/tandem.js';
import { startWebhookApp, waitUntil } from '../helpers/webhook-app.js';
import { prepareSipp } from '../sip/sipp.js';
import { buyVoiceNumber, fetchCall, form, sipTarget, voiceTwiml, type CallJson } from './voice-helpers.js';

test('a call in progress at a crash is completed at the next start', async () => {
  let t = await startTandem();
  const app = await startWebhookApp(() => t.authToken);
  try {
    app.respond('/long', { body: voiceTwiml((r) => { r.say('hold on'); r.pause({ length: 30 }); }) });
    const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/long' });
    const caller = (await prepareSipp({
      scenario: { file: 'voice-caller-bye.xml', vars: { FROM: '+15550007777' } },
      remote: sipTarget(t),
      extraArgs: ['-s', number, '-d', '20000'],
    })).start();
    const sid = (await app.waitFor((rs) => rs.some((r) => r.path === '/long'))).find((r) => r.path === '/long')!.params.CallSid!;
    await waitUntil(async () => ((await fetchCall(t, sid)).status === 'in-progress' ? true : undefined), 10_000, 'in-progress');
    await t.kill();
    t = await t.restart();
    const call = await fetchCall(t, sid);
    assert.equal(call.status, 'completed');
    assert.ok(call.end_time && call.start_time);
    assert.ok(Number(call.duration) >= 0);
    caller.kill();
  } finally {
    await app.close();
    await t.cleanup();
  }
});

test('API calls still queued at a crash are placed after the restart, in order', async () => {
  let t = await startTandem({ env: { TANDEM_CALLS_PER_SECOND: '0.2' } });
  try {
    const from = await buyVoiceNumber(t, {});
    const sids: string[] = [];
    for (const to of ['+15558880001', '+15558880002', '+15558880003']) {
      const r = await form(t, `/2010-04-01/Accounts/${t.accountSid}/Calls.json`, { From: from, To: to, Twiml: voiceTwiml((x) => x.hangup()) });
      assert.equal(r.status, 201);
      sids.push(((await r.json()) as CallJson).sid);
    }
    await t.kill();
    t = await t.restart({ TANDEM_CALLS_PER_SECOND: '5' });
    const calls = await waitUntil(async () => {
      const cs = await Promise.all(sids.map((s) => fetchCall(t, s)));
      return cs.slice(1).every((c) => c.status === 'completed') ? cs : undefined;
    }, 15_000, 'queued calls placed');
    assert.ok(Date.parse(calls[1]!.start_time!) <= Date.parse(calls[2]!.start_time!), 'FIFO after the restart');
  } finally {
    await t.cleanup();
  }
});

test('a graceful stop hangs up live calls with a BYE and stores them completed', async () => {
  let t = await startTandem();
  const app = await startWebhookApp(() => t.authToken);
  try {
    app.respond('/stay', { body: voiceTwiml((r) => { r.say('stay on the line'); r.pause({ length: 30 }); }) });
    const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/stay' });
    const caller = (await prepareSipp({
      scenario: { file: 'voice-tandem-bye.xml', vars: { FROM: '+15550009999' } },
      remote: sipTarget(t),
      extraArgs: ['-s', number],
    })).start();
    const sid = (await app.waitFor((rs) => rs.some((r) => r.path === '/stay'))).find((r) => r.path === '/stay')!.params.CallSid!;
    await waitUntil(async () => ((await fetchCall(t, sid)).status === 'in-progress' ? true : undefined), 10_000, 'in-progress');
    assert.equal(await t.stop(), 0);
    const r = await caller.done;
    assert.equal(r.code, 0, 'the caller got a BYE: ' + r.stderr + r.errors);
    t = await t.restart();
    assert.equal((await fetchCall(t, sid)).status, 'completed');
  } finally {
    await app.close();
    await t.cleanup();
  }
});
