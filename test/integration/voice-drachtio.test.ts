// TANDEM_DRACHTIO: tandem's voice code talks to an external drachtio server (here a SIP edge run by the test, the
// same wire protocol drachtio-server speaks) instead of starting its own; a caller reaching that server is answered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSipEdge } from '../../protocols/sip/index.js';
import { startTandem } from '../helpers/tandem.js';
import { startWebhookApp } from '../helpers/webhook-app.js';
import { runSipp } from '../sip/sipp.js';
import { buyVoiceNumber, listCalls, voiceTwiml } from './voice-helpers.js';

test('with TANDEM_DRACHTIO, calls arriving at that server run tandem\'s TwiML', async () => {
  const edge = await startSipEdge({ sipHost: '127.0.0.1', sipPort: 0, drachtioPort: 0, secret: 'outside-secret' });
  const t = await startTandem({ env: { TANDEM_DRACHTIO: `127.0.0.1:${edge.drachtioPort}`, TANDEM_DRACHTIO_SECRET: 'outside-secret' } });
  const app = await startWebhookApp(() => t.authToken);
  try {
    assert.equal(edge.stats().apps, 1, 'tandem connected to the external server');
    app.respond('/v', { body: voiceTwiml((r) => { r.say('via drachtio'); r.hangup(); }) });
    const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/v' });
    const sipp = await runSipp({
      scenario: { file: 'voice-tandem-bye.xml', vars: { FROM: '+15550006666' } },
      remote: `127.0.0.1:${edge.sipPort}`,
      extraArgs: ['-s', number],
    });
    assert.equal(sipp.code, 0, sipp.stderr + sipp.errors);
    assert.equal(app.requests[0]?.params.From, '+15550006666');
    const [call] = await listCalls(t);
    assert.equal(call?.status, 'completed');
  } finally {
    await app.close();
    await t.cleanup();
    await edge.close();
  }
});
