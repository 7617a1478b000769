// Who may call in: with a carriers file, only its SIP trunks' addresses. The same sipp caller on 127.0.0.1 is
// refused with 403 by a tandem whose only trunk is 127.0.0.2, and answered by one whose trunk is 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { startWebhookApp } from '../helpers/webhook-app.js';
import { buyVoiceNumber, callTandem, listCalls, voiceTwiml } from './voice-helpers.js';

async function tandemWithTrunkAt(address: string): Promise<Tandem> {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-carriers-'));
  const file = join(dir, 'carriers.json');
  writeFileSync(file, JSON.stringify({ smpp: [], sipTrunks: [{ name: 'carrier', host: address, port: 5060, addresses: [address] }] }));
  return startTandem({ env: { TANDEM_CARRIERS: file } });
}

test('an INVITE from outside the configured trunks gets 403; from a trunk address it is answered', async () => {
  const [refusing, accepting] = await Promise.all([tandemWithTrunkAt('127.0.0.2'), tandemWithTrunkAt('127.0.0.1')]);
  const app = await startWebhookApp(() => accepting.authToken);
  try {
    app.respond('/hello', { body: voiceTwiml((r) => { r.say('hello'); r.hangup(); }) });
    const refusedNumber = await buyVoiceNumber(refusing, { VoiceUrl: app.url + '/hello' });
    const acceptedNumber = await buyVoiceNumber(accepting, { VoiceUrl: app.url + '/hello' });

    const refused = await callTandem(refusing, 'voice-refused.xml', refusedNumber, { vars: { STATUS: '403' } });
    assert.equal(refused.code, 0, refused.stderr + refused.errors);
    assert.deepEqual(await listCalls(refusing), [], 'no call record for a refused source');

    const answered = await callTandem(accepting, 'voice-tandem-bye.xml', acceptedNumber);
    assert.equal(answered.code, 0, answered.stderr + answered.errors);
    assert.equal((await listCalls(accepting)).length, 1);
    assert.equal(app.requests.length, 1, 'only the accepting tandem asked the app');
  } finally {
    await app.close();
    await Promise.all([refusing.cleanup(), accepting.cleanup()]);
  }
});
