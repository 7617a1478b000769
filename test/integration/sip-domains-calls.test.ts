// SIP domains end to end, set up with the official twilio client and driven by sipp as the SIP endpoints: a
// softphone registers (401 digest), calls out through the domain (407 digest, or let in by an IP access control list)
// and runs the domain's VoiceUrl with Twilio's SIP parameters, and is rung by <Dial><Sip>user@domain</Sip>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { startWebhookApp, waitUntil, type WebhookApp } from '../helpers/webhook-app.js';
import { prepareSipp, runSipp, freePort, type PeerResult } from '../sip/sipp.js';
import { buyVoiceNumber, callNotifications, handsetCallWhere, handsetCallsIn, listCalls, sipTarget, voiceTwiml } from './voice-helpers.js';

const PASSWORD = 'Softphone2026pass';

interface Setup {
  t: Tandem;
  app: WebhookApp;
  domain: string;
  domainSid: string;
}

/** A tandem with a domain whose calls and registrations are checked against one credential list (alice, bob). */
async function setup(opts: { registration?: boolean; ipAcl?: string } = {}): Promise<Setup> {
  const t = await startTandem();
  const app = await startWebhookApp(() => t.authToken);
  const sip = t.client().api.v2010.accounts(t.accountSid).sip;
  const list = await sip.credentialLists.create({ friendlyName: 'office phones' });
  for (const username of ['alice', 'bob']) await sip.credentialLists(list.sid).credentials.create({ username, password: PASSWORD });
  const domainName = `office-${process.pid}-${Math.floor(Math.random() * 1e6)}.sip.tandem.test`;
  const domain = await sip.domains.create({
    domainName,
    voiceUrl: app.url + '/domain',
    voiceStatusCallbackUrl: app.url + '/status',
    sipRegistration: opts.registration ?? true,
  });
  await sip.domains(domain.sid).auth.calls.credentialListMappings.create({ credentialListSid: list.sid });
  await sip.domains(domain.sid).auth.registrations.credentialListMappings.create({ credentialListSid: list.sid });
  if (opts.ipAcl) {
    const acl = await sip.ipAccessControlLists.create({ friendlyName: 'the office' });
    await sip.ipAccessControlLists(acl.sid).ipAddresses.create({ friendlyName: 'lan', ipAddress: opts.ipAcl, cidrPrefixLength: 8 });
    await sip.domains(domain.sid).auth.calls.ipAccessControlListMappings.create({ ipAccessControlListSid: acl.sid });
  }
  return { t, app, domain: domainName, domainSid: domain.sid };
}

function register(s: Setup, user: string, opts: { password?: string; final?: string; expires?: number; port?: number } = {}): Promise<PeerResult> {
  return runSipp({
    ...(opts.port !== undefined && { port: opts.port }),
    scenario: { file: 'sip-register.xml', vars: { USER: user, DOMAIN: s.domain, PASSWORD: opts.password ?? PASSWORD, EXPIRES: String(opts.expires ?? 600), FINAL: opts.final ?? '200' } },
    remote: sipTarget(s.t),
  });
}

function domainCall(s: Setup, scenario: string, vars: Record<string, string>): Promise<PeerResult> {
  return runSipp({
    scenario: { file: scenario, vars: { USER: 'alice', DOMAIN: s.domain, PASSWORD: PASSWORD, TO: '+15557654321', ...vars } },
    remote: sipTarget(s.t),
    extraArgs: ['-d', '500'],
    killAfterMs: 30_000,
  });
}

async function teardown(s: Setup): Promise<void> {
  await s.app.close();
  await s.t.cleanup();
}

test('a softphone registers with digest auth; a wrong password, an unknown user and a domain without registration are refused', async () => {
  const s = await setup();
  const other = await setup({ registration: false });
  try {
    const ok = await register(s, 'alice');
    assert.equal(ok.code, 0, ok.stderr + ok.errors);
    const wrong = await register(s, 'bob', { password: 'Not-the-password-1', final: '403' });
    assert.equal(wrong.code, 0, wrong.stderr + wrong.errors);
    const unknown = await register(s, 'mallory', { final: '403' });
    assert.equal(unknown.code, 0, unknown.stderr + unknown.errors);
    // A domain without SipRegistration refuses at once (Twilio's 32210), and an unknown domain is 404.
    const disabled = await runSipp({
      scenario: { file: 'sip-register-refused.xml', vars: { USER: 'alice', DOMAIN: other.domain, EXPIRES: '600', FINAL: '403' } },
      remote: sipTarget(other.t),
    });
    assert.equal(disabled.code, 0, disabled.stderr + disabled.errors);
    const nowhere = await runSipp({
      scenario: { file: 'sip-register-refused.xml', vars: { USER: 'alice', DOMAIN: 'nobody.sip.tandem.test', EXPIRES: '600', FINAL: '404' } },
      remote: sipTarget(s.t),
    });
    assert.equal(nowhere.code, 0, nowhere.stderr + nowhere.errors);
  } finally {
    await Promise.all([teardown(s), teardown(other)]);
  }
});

test('an endpoint calls through the domain: 407 digest, then the VoiceUrl runs with SipDomain parameters and X- headers', async () => {
  const s = await setup();
  try {
    s.app.respond('/domain', { body: voiceTwiml((r) => { r.say('hello from the office'); r.pause({ length: 5 }); }) });
    const r = await domainCall(s, 'sip-domain-call-auth.xml', {});
    assert.equal(r.code, 0, r.stderr + r.errors);
    const hook = (await s.app.waitFor((rs) => rs.some((x) => x.path === '/domain'))).find((x) => x.path === '/domain')!;
    const p = hook.params;
    assert.equal(hook.signatureValid, true);
    assert.equal(p.From, `sip:alice@${s.domain}`);
    assert.equal(p.To, `sip:+15557654321@${s.domain}`);
    assert.equal(p.Direction, 'inbound');
    assert.equal(p.SipDomain, s.domain);
    assert.equal(p.SipDomainSid, s.domainSid);
    assert.equal(p.SipUsername, 'alice');
    assert.equal(p.SipSourceIp, '127.0.0.1');
    assert.ok(p.SipCallId, 'SipCallId is the INVITE Call-ID');
    assert.equal(p['SipHeader_X-Customer-Id'], '4242');
    const calls = await waitUntil(async () => {
      const cs = await listCalls(s.t);
      return cs.length === 1 && cs[0]!.status === 'completed' ? cs : undefined;
    }, 15_000, 'the call completed');
    assert.equal(calls[0]!.from, `sip:alice@${s.domain}`);
    assert.equal(calls[0]!.to, `sip:+15557654321@${s.domain}`);
    await s.app.waitFor((rs) => rs.some((x) => x.path === '/status' && x.params.CallStatus === 'completed'));
  } finally {
    await teardown(s);
  }
});

test('calls through the domain are refused with a wrong password, and without one from outside its IP lists; inside them no digest is asked', async () => {
  const withAcl = await setup({ ipAcl: '127.0.0.0' });
  const noAcl = await setup({ ipAcl: '10.0.0.0' });
  try {
    const wrong = await domainCall(noAcl, 'sip-domain-call-auth-refused.xml', { PASSWORD: 'Wrong-password-99', STATUS: '403' });
    assert.equal(wrong.code, 0, wrong.stderr + wrong.errors);
    assert.deepEqual(await listCalls(noAcl.t), [], 'a refused INVITE leaves no call record');
    assert.equal(noAcl.app.requests.length, 0);

    withAcl.app.respond('/domain', { body: voiceTwiml((r) => { r.say('welcome'); r.pause({ length: 5 }); }) });
    const plain = await domainCall(withAcl, 'sip-domain-call-plain.xml', {});
    assert.equal(plain.code, 0, plain.stderr + plain.errors);
    const hook = (await withAcl.app.waitFor((rs) => rs.some((x) => x.path === '/domain'))).find((x) => x.path === '/domain')!;
    assert.equal(hook.params.SipDomain, withAcl.domain);
    assert.equal(hook.params.SipUsername, undefined, 'let in by address, not by a credential');
  } finally {
    await Promise.all([teardown(withAcl), teardown(noAcl)]);
  }
});

test('<Dial><Sip>user@domain</Sip> and the Calls API ring the registered softphone; an unregistered user is warned of (32009) and the Dial fails', async () => {
  const s = await setup();
  try {
    // alice registers from the port her "softphone" (a sipp UAS) then listens on.
    const port = await freePort();
    const reg = await register(s, 'alice', { port });
    assert.equal(reg.code, 0, reg.stderr + reg.errors);
    const softphone = await prepareSipp({ port, scenario: { builtin: 'uas' }, calls: 2, killAfterMs: 60_000 });
    const answering = softphone.start();

    const number = await buyVoiceNumber(s.t, { VoiceUrl: s.app.url + '/reception' });
    s.app.respond('/reception', { body: voiceTwiml((r) => { r.dial({ action: s.app.url + '/after', timeout: 10 }).sip(`sip:alice@${s.domain}`); }) });
    await handsetCallsIn(s.t, '+15550002222', number, { hangupAfterS: 2 });
    const after = (await s.app.waitFor((rs) => rs.some((x) => x.path === '/after'), 20_000)).find((x) => x.path === '/after')!;
    assert.equal(after.params.DialCallStatus, 'completed');

    // The Calls API reaches her too: To is her address of record.
    const apiCall = await s.t.client().calls.create({ to: `sip:alice@${s.domain}`, from: number, twiml: '<Response><Pause length="1"/><Hangup/></Response>' });
    const done = await waitUntil(async () => {
      const c = await s.t.client().calls(apiCall.sid).fetch();
      return c.status === 'completed' ? c : undefined;
    }, 20_000, 'the API call to the softphone completed');
    assert.equal(done.to, `sip:alice@${s.domain}`);
    assert.ok(Number(done.duration) >= 1, `answered and talked: ${done.duration}`);
    const uas = await answering.done;
    assert.equal(uas.code, 0, uas.stderr + uas.errors);

    s.app.respond('/reception', { body: voiceTwiml((r) => { r.dial({ action: s.app.url + '/after2', timeout: 5 }).sip(`sip:bob@${s.domain}`); }) });
    await handsetCallsIn(s.t, '+15550003333', number, { hangupAfterS: 5 });
    const after2 = (await s.app.waitFor((rs) => rs.some((x) => x.path === '/after2'), 20_000)).find((x) => x.path === '/after2')!;
    assert.equal(after2.params.DialCallStatus, 'failed');
    const warnings = await callNotifications(s.t, after2.params.CallSid!);
    assert.ok(warnings.some((n) => n.error_code === '32009' && n.message_text.includes('bob')), JSON.stringify(warnings));
    await handsetCallWhere(s.t, (h) => h.from === '+15550003333' && h.status === 'completed', 'the caller hung up');
  } finally {
    await teardown(s);
  }
});

test('<Dial><Client> and the Calls API To=client:… ring the device registered as that user, with its <Parameter>s as X- headers; an unregistered client is warned of (32009)', async () => {
  const s = await setup();
  try {
    const port = await freePort();
    const reg = await register(s, 'alice', { port });
    assert.equal(reg.code, 0, reg.stderr + reg.errors);
    // The softphone fails the call unless the INVITE carries X-Floor: 3 (the client's <Parameter>).
    const softphone = await prepareSipp({ port, scenario: { file: 'uas-client.xml', vars: { HEADER: 'Floor', VALUE: '3' } }, killAfterMs: 40_000 });
    const answering = softphone.start();

    const number = await buyVoiceNumber(s.t, { VoiceUrl: s.app.url + '/reception' });
    s.app.respond('/reception', {
      body: voiceTwiml((r) => {
        const client = r.dial({ action: s.app.url + '/after', timeout: 10 }).client();
        client.identity('alice');
        client.parameter({ name: 'Floor', value: '3' });
      }),
    });
    await handsetCallsIn(s.t, '+15550004444', number, { hangupAfterS: 2 });
    const after = (await s.app.waitFor((rs) => rs.some((x) => x.path === '/after'), 20_000)).find((x) => x.path === '/after')!;
    assert.equal(after.params.DialCallStatus, 'completed');
    const uas = await answering.done;
    assert.equal(uas.code, 0, uas.stderr + uas.errors);
    const [leg] = await listCalls(s.t, `?ParentCallSid=${after.params.CallSid}`);
    assert.equal(leg?.to, 'client:alice', 'the leg is to the client, as Twilio shows it');
    assert.equal(leg?.direction, 'outbound-dial');

    // The Calls API reaches her by her client name too.
    const again = await prepareSipp({ port, scenario: { builtin: 'uas' }, killAfterMs: 40_000 });
    const answeringAgain = again.start();
    const apiCall = await s.t.client().calls.create({ to: 'client:alice', from: number, twiml: '<Response><Pause length="1"/><Hangup/></Response>' });
    assert.equal(apiCall.to, 'client:alice');
    const done = await waitUntil(async () => {
      const c = await s.t.client().calls(apiCall.sid).fetch();
      return c.status === 'completed' ? c : undefined;
    }, 20_000, 'the API call to the client completed');
    assert.ok(Number(done.duration) >= 1, `answered and talked: ${done.duration}`);
    const uas2 = await answeringAgain.done;
    assert.equal(uas2.code, 0, uas2.stderr + uas2.errors);

    // Nobody registered as carol: the Dial fails and the account is told why.
    s.app.respond('/reception', { body: voiceTwiml((r) => { r.dial({ action: s.app.url + '/after2', timeout: 5 }).client('carol'); }) });
    await handsetCallsIn(s.t, '+15550005555', number, { hangupAfterS: 5 });
    const after2 = (await s.app.waitFor((rs) => rs.some((x) => x.path === '/after2'), 20_000)).find((x) => x.path === '/after2')!;
    assert.equal(after2.params.DialCallStatus, 'failed');
    const warnings = await callNotifications(s.t, after2.params.CallSid!);
    assert.ok(warnings.some((n) => n.error_code === '32009' && new URLSearchParams(n.message_text).get('Msg')?.includes('client:carol is not registered')), JSON.stringify(warnings));

    // A client name with a space is not an address: 21211.
    await assert.rejects(s.t.client().calls.create({ to: 'client:no one', from: number, twiml: '<Response/>' }), (e: { code?: number }) => e.code === 21211);
  } finally {
    await teardown(s);
  }
});

test('<Refer> hands a SIP domain call to another address: the phone gets the REFER, reports the new call, and the action hears how it went', async () => {
  const s = await setup({ ipAcl: '127.0.0.0' });
  try {
    s.app.respond('/domain', { body: voiceTwiml((r) => { r.refer({ action: s.app.url + '/referred' }).sip('sip:reception@pbx.example.com?X-Ticket=77'); }) });
    s.app.respond('/referred', { body: voiceTwiml((r) => r.hangup()) });
    const phone = await domainCall(s, 'sip-domain-call-refer.xml', { REFER_TO_RE: 'sip:reception@pbx\\.example\\.com\\?X-Ticket=77', NOTIFY: '200 OK' });
    assert.equal(phone.code, 0, phone.stderr + phone.errors);
    const referred = (await s.app.waitFor((rs) => rs.some((x) => x.path === '/referred'), 10_000)).find((x) => x.path === '/referred')!;
    assert.equal(referred.signatureValid, true);
    assert.deepEqual([referred.params.ReferCallStatus, referred.params.ReferSipResponseCode, referred.params.NotifySipResponseCode], ['in-progress', '202', '200']);

    // A call that is not a SIP leg (the sandbox handset over the trunk side) cannot be referred: 13801, and the call goes on.
    const number = await buyVoiceNumber(s.t, { VoiceUrl: s.app.url + '/pstn' });
    s.app.respond('/pstn', { body: voiceTwiml((r) => { r.refer().sip('sip:reception@pbx.example.com'); r.say('still here'); }) });
    await handsetCallsIn(s.t, '+15550007777', number, { hangupAfterS: 5 });
    const pstn = (await s.app.waitFor((rs) => rs.some((x) => x.path === '/pstn'), 10_000)).find((x) => x.path === '/pstn')!;
    const h = await handsetCallWhere(s.t, (c) => c.from === '+15550007777' && c.status === 'completed', 'the handset call over');
    assert.deepEqual(h.verbs, ['Refer: sip:reception@pbx.example.com', 'Say: still here']);
    const warnings = await callNotifications(s.t, pstn.params.CallSid!);
    assert.deepEqual(warnings.map((n) => n.error_code), ['13801']);
  } finally {
    await teardown(s);
  }
});

test('the Calls API rings every device registered as the client at once: the first to answer takes the call, the other is canceled', async () => {
  const s = await setup();
  try {
    // Two devices registered as alice: the desk phone rings until it is canceled, the softphone answers.
    const deskPort = await freePort();
    const softPort = await freePort();
    assert.equal((await register(s, 'alice', { port: deskPort })).code, 0);
    assert.equal((await register(s, 'alice', { port: softPort })).code, 0);
    const desk = await prepareSipp({ port: deskPort, scenario: { file: 'uas-ring-cancelled.xml' }, killAfterMs: 30_000 });
    const soft = await prepareSipp({ port: softPort, scenario: { builtin: 'uas' }, killAfterMs: 30_000 });
    const ringing = desk.start();
    const answering = soft.start();

    const number = await buyVoiceNumber(s.t, {});
    const apiCall = await s.t.client().calls.create({ to: 'client:alice', from: number, twiml: '<Response><Pause length="1"/><Hangup/></Response>' });
    const done = await waitUntil(async () => {
      const c = await s.t.client().calls(apiCall.sid).fetch();
      return c.status === 'completed' ? c : undefined;
    }, 20_000, 'the API call to the client completed');
    assert.ok(Number(done.duration) >= 1, `answered and talked: ${done.duration}`);
    const answered = await answering.done;
    assert.equal(answered.code, 0, answered.stderr + answered.errors);
    const canceled = await ringing.done;
    assert.equal(canceled.code, 0, `the desk phone rang and was canceled: ${canceled.stderr}${canceled.errors}`);
  } finally {
    await teardown(s);
  }
});
