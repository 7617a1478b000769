// A call live when tandem dies cannot resume (its SIP dialog and media died with the process): after the restart
// its record is closed (completed, with an end time) instead of showing in-progress forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem } from '../helpers/tandem.js';
import { startWebhookApp, waitUntil } from '../helpers/webhook-app.js';
import { prepareSipp } from '../sip/sipp.js';
import { buyVoiceNumber, fetchCall, sipTarget, voiceTwiml } from './voice-helpers.js';

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
