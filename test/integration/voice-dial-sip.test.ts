// <Dial><Sip> to a SIP endpoint outside tandem (a sipp UAS), called from the sandbox handset: custom headers written
// on the URI reach the INVITE as headers (not in its Request-URI), headers Twilio would not send are warned of
// (13252), and the action hears DialSipResponseCode, DialSipCallId and the far end's X- headers, as on Twilio.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { startWebhookApp, type WebhookApp } from '../helpers/webhook-app.js';
import { prepareSipp, freePort } from '../sip/sipp.js';
import { buyVoiceNumber, callNotifications, handsetCallsIn, listCalls, voiceTwiml } from './voice-helpers.js';

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

test('<Sip> URI headers: X- and the standard ones Twilio passes go on the INVITE, others are 13252; the action hears the SIP outcome', async () => {
  const port = await freePort();
  // The far end fails the call unless the INVITE carries X-Customer: 42.
  const far = await prepareSipp({ port, scenario: { file: 'uas-client.xml', vars: { HEADER: 'Customer', VALUE: '42' } }, killAfterMs: 30_000 });
  const answering = far.start();
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/to-sip' });
  const uri = `sip:desk@127.0.0.1:${port}`;
  app.respond('/to-sip', { body: voiceTwiml((r) => { r.dial({ action: app.url + '/sip-done', timeout: 10 }).sip(`${uri}?X-Customer=42&Bad-Header=1`); }) });
  app.respond('/sip-done', { body: voiceTwiml((r) => r.hangup()) });
  await handsetCallsIn(t, '+15550006001', number, { hangupAfterS: 2 });
  const done = (await app.waitFor((rs) => rs.some((r) => r.path === '/sip-done'), 20_000)).find((r) => r.path === '/sip-done')!;
  const uas = await answering.done;
  assert.equal(uas.code, 0, uas.stderr + uas.errors);
  assert.equal(done.params.DialCallStatus, 'completed');
  assert.equal(done.params.DialSipResponseCode, '200');
  assert.ok((done.params.DialSipCallId ?? '').length > 0, 'the SIP Call-ID of the leg');
  assert.equal(done.params['DialSipHeader_X-Answered-By'], 'desk', "the X- headers of the far end's answer");
  const [leg] = await listCalls(t, `?ParentCallSid=${done.params.CallSid}`);
  assert.equal(leg?.to, uri, 'the leg is to the address, without its headers');
  const warnings = await callNotifications(t, done.params.CallSid!);
  assert.deepEqual(warnings.map((n) => n.error_code), ['13252']);
  assert.match(new URLSearchParams(warnings[0]!.message_text).get('Msg') ?? '', /Bad-Header/);

  // A far end that refuses: the action hears its status code.
  const busyPort = await freePort();
  const busy = await prepareSipp({ port: busyPort, scenario: { file: 'voice-uas-busy.xml' }, killAfterMs: 30_000 });
  const refusing = busy.start();
  app.respond('/to-sip', { body: voiceTwiml((r) => { r.dial({ action: app.url + '/sip-busy', timeout: 10 }).sip(`sip:desk@127.0.0.1:${busyPort}`); }) });
  await handsetCallsIn(t, '+15550006002', number, { hangupAfterS: 5 });
  const refused = (await app.waitFor((rs) => rs.some((r) => r.path === '/sip-busy'), 20_000)).find((r) => r.path === '/sip-busy')!;
  assert.equal(refused.params.DialCallStatus, 'busy');
  assert.equal(refused.params.DialSipResponseCode, '486');
  assert.equal(refused.params['DialSipHeader_X-Reason'], 'on-another-call');
  await refusing.done;
});
