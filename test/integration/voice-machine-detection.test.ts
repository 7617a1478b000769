// Calls API MachineDetection against real calls: tandem places API calls to other tandem numbers whose TwiML answers
// like an answering machine (a 4 s greeting), like a person (a short "hello", then quiet) or not at all (silence).
// The call's TwiML is fetched only after detection, with AnsweredBy, and the call resource shows answered_by; with
// AsyncAmd the TwiML runs at once and the decision goes to AsyncAmdStatusCallback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { silence, tone } from '../../protocols/rtp/index.js';
import { serveWav } from '../helpers/audio.js';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { startWebhookApp, type WebhookApp } from '../helpers/webhook-app.js';
import { buyVoiceNumber, fetchCall, voiceTwiml } from './voice-helpers.js';

let t: Tandem;
let web: WebhookApp;
let greeting: { url: string; close(): Promise<void> };
let hello: { url: string; close(): Promise<void> };
let quietBreath: { url: string; close(): Promise<void> };
let quiet: { url: string; close(): Promise<void> };

before(async () => {
  t = await startTandem();
  web = await startWebhookApp(() => t.authToken);
  greeting = await serveWav(tone([300, 700], 4000, 0.3));
  hello = await serveWav(tone([300, 700], 600, 0.3));
  quiet = await serveWav(silence(15_000));
  quietBreath = await serveWav(silence(500));
});
after(async () => {
  await greeting.close();
  await hello.close();
  await quiet.close();
  await quietBreath.close();
  await web.close();
  await t.cleanup();
});

test('MachineDetection tells a machine from a person from silence, and the TwiML request carries AnsweredBy', async () => {
  const caller = await buyVoiceNumber(t, {});
  const machine = await buyVoiceNumber(t, { VoiceUrl: web.url + '/machine' });
  const person = await buyVoiceNumber(t, { VoiceUrl: web.url + '/person' });
  const nobody = await buyVoiceNumber(t, { VoiceUrl: web.url + '/nobody' });
  web.respond('/machine', { body: voiceTwiml((r) => { r.play(greeting.url); r.pause({ length: 10 }); }) });
  // A leading <Pause> would hold off the answer (as on Twilio): the person answers, then speaks after a breath.
  web.respond('/person', { body: voiceTwiml((r) => { r.play(quietBreath.url); r.play(hello.url); r.pause({ length: 10 }); }) });
  web.respond('/nobody', { body: voiceTwiml((r) => r.play(quiet.url)) });
  web.respond('/amd', { body: voiceTwiml((r) => r.hangup()) });

  const c = t.client();
  const place = (to: string, extra: Record<string, unknown>) => c.calls.create({ from: caller, to, url: web.url + '/amd', ...extra });
  const calls = await Promise.all([
    place(machine, { machineDetection: 'Enable' }),
    place(machine, { machineDetection: 'DetectMessageEnd' }),
    place(person, { machineDetection: 'Enable' }),
    place(nobody, { machineDetection: 'Enable', machineDetectionSilenceTimeout: 2000 }),
    place(person, {}),
  ]);
  const expected = ['machine_start', 'machine_end_silence', 'human', 'unknown', undefined];
  const reqs = await web.waitFor((rs) => calls.every((call) => rs.some((r) => r.path === '/amd' && r.params.CallSid === call.sid)), 30_000);
  calls.forEach((call, i) => {
    const r = reqs.find((x) => x.path === '/amd' && x.params.CallSid === call.sid)!;
    assert.ok(r.signatureValid);
    assert.equal(r.params.AnsweredBy, expected[i], `call ${i} (${call.sid}) AnsweredBy`);
  });
  // The greeting is 4 s long: DetectMessageEnd waits for its end, Enable decides after 2.4 s of it.
  const at = (i: number) => reqs.find((x) => x.path === '/amd' && x.params.CallSid === calls[i]!.sid)!.at;
  assert.ok(at(1) - at(0) >= 2_000, `the end of the greeting came ${at(1) - at(0)} ms after machine_start`);
  for (const [i, want] of expected.entries()) {
    assert.equal((await fetchCall(t, calls[i]!.sid)).answered_by, want ?? null);
  }
});

test('AsyncAmd: the TwiML runs at once, without AnsweredBy; the decision reaches AsyncAmdStatusCallback, signed, and the call', async () => {
  const caller = await buyVoiceNumber(t, {});
  const machine = await buyVoiceNumber(t, { VoiceUrl: web.url + '/machine2' });
  const person = await buyVoiceNumber(t, { VoiceUrl: web.url + '/person2' });
  web.respond('/machine2', { body: voiceTwiml((r) => { r.play(greeting.url); r.pause({ length: 10 }); }) });
  web.respond('/person2', { body: voiceTwiml((r) => { r.play(quietBreath.url); r.play(hello.url); r.pause({ length: 10 }); }) });
  web.respond('/async', { body: voiceTwiml((r) => r.pause({ length: 6 })) });

  const c = t.client();
  const base = { from: caller, url: web.url + '/async', machineDetection: 'Enable', asyncAmd: 'true' } as const;
  const toMachine = await c.calls.create({ ...base, to: machine, asyncAmdStatusCallback: web.url + '/amd-status' });
  const toPerson = await c.calls.create({ ...base, to: person, asyncAmdStatusCallback: web.url + '/amd-status?via=get', asyncAmdStatusCallbackMethod: 'GET' });
  const unheard = await c.calls.create({ ...base, to: person });
  const reqs = await web.waitFor((rs) => [toMachine, toPerson].every((call) => rs.some((r) => r.path === '/amd-status' && r.params.CallSid === call.sid)), 30_000);
  const twimlAt = (sid: string) => reqs.find((r) => r.path === '/async' && r.params.CallSid === sid);
  for (const [call, want, method] of [[toMachine, 'machine_start', 'POST'], [toPerson, 'human', 'GET']] as const) {
    const status = reqs.find((r) => r.path === '/amd-status' && r.params.CallSid === call.sid)!;
    assert.equal(status.method, method);
    assert.ok(status.signatureValid, 'the AMD callback is signed');
    assert.equal(status.params.AnsweredBy, want);
    assert.equal(status.params.AccountSid, t.accountSid);
    assert.ok(Number(status.params.MachineDetectionDuration) > 0, `MachineDetectionDuration ${status.params.MachineDetectionDuration}`);
    const twiml = twimlAt(call.sid);
    assert.ok(twiml, 'the TwiML was fetched');
    assert.equal(twiml.params.AnsweredBy, undefined, 'the TwiML request comes before any decision');
    assert.ok(twiml.at < status.at, 'the TwiML ran at once, detection beside it');
    assert.equal((await fetchCall(t, call.sid)).answered_by, want);
  }
  // The machine is known 2.4 s into its greeting; the call's TwiML had been running all along.
  const machineStatus = reqs.find((r) => r.path === '/amd-status' && r.params.CallSid === toMachine.sid)!;
  assert.ok(machineStatus.at - twimlAt(toMachine.sid)!.at >= 2_000, `decided ${machineStatus.at - twimlAt(toMachine.sid)!.at} ms after the TwiML ran`);
  assert.ok(Number(machineStatus.params.MachineDetectionDuration) >= 2_000);

  // No callback URL: Twilio's warning 21262, and the result is still on the call.
  const settled = async () => {
    for (let i = 0; i < 100; i++) {
      const call = await fetchCall(t, unheard.sid);
      if (call.answered_by) return call;
      await new Promise((r) => setTimeout(r, 100));
    }
    return fetchCall(t, unheard.sid);
  };
  assert.equal((await settled()).answered_by, 'human');
  const notes = await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Calls/${unheard.sid}/Notifications.json`);
  const { notifications } = (await notes.json()) as { notifications: { error_code: string }[] };
  assert.ok(notifications.some((n) => n.error_code === '21262'), JSON.stringify(notifications));
});

test('MachineDetection or AsyncAmd outside their values or ranges are refused', async () => {
  const caller = await buyVoiceNumber(t, {});
  const c = t.client();
  await assert.rejects(c.calls.create({ from: caller, to: '+15550004001', url: web.url + '/amd', machineDetection: 'Sometimes' }), (e: { status: number }) => e.status === 400);
  await assert.rejects(c.calls.create({ from: caller, to: '+15550004001', url: web.url + '/amd', machineDetection: 'Enable', machineDetectionTimeout: 1 }), (e: { status: number }) => e.status === 400);
  await assert.rejects(c.calls.create({ from: caller, to: '+15550004001', url: web.url + '/amd', machineDetection: 'Enable', asyncAmd: 'maybe' }), (e: { status: number; message: string }) => e.status === 400 && /AsyncAmd/.test(e.message));
  await assert.rejects(c.calls.create({ from: caller, to: '+15550004001', url: web.url + '/amd', machineDetection: 'Enable', asyncAmd: 'true', asyncAmdStatusCallback: 'not a url' }), (e: { status: number; code: number }) => e.status === 400 && e.code === 21609);
});
