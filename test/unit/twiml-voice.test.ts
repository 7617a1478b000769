import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { parseVoiceTwiml } from '../../protocols/twiml/voice.js';
import type { VoiceVerb } from '../../protocols/twiml/voice-types.js';

const { VoiceResponse } = twilio.twiml;
const DOC = 'https://app.example.com/voice/answer';

function verbs(xml: string, documentUrl?: string): VoiceVerb[] {
  const res = parseVoiceTwiml(xml, documentUrl === undefined ? {} : { documentUrl });
  if (!res.ok) assert.fail(`expected a parse, got ${res.code}: ${res.message}`);
  return res.verbs;
}

function codeOf(xml: string): number | undefined {
  const res = parseVoiceTwiml(xml);
  return res.ok ? undefined : res.code;
}

const wrap = (inner: string) => `<Response>${inner}</Response>`;

describe('voice TwiML built by the twilio package', () => {
  test('Say, Play, Pause with their defaults and explicit values', () => {
    const r = new VoiceResponse();
    r.say('Hello there');
    r.say({ voice: 'Polly.Joanna', language: 'en-GB', loop: 0 }, 'Again');
    r.play('https://e.x/a.wav');
    r.play({ digits: 'ww1234#', loop: 2 });
    r.pause();
    r.pause({ length: 3 });
    assert.deepEqual(verbs(r.toString()), [
      { verb: 'Say', text: 'Hello there', voice: 'man', language: 'en-US', loop: 1 },
      { verb: 'Say', text: 'Again', voice: 'Polly.Joanna', language: 'en-GB', loop: 0 },
      { verb: 'Play', url: 'https://e.x/a.wav', loop: 1 },
      { verb: 'Play', digits: 'ww1234#', loop: 2 },
      { verb: 'Pause', length: 1 },
      { verb: 'Pause', length: 3 },
    ]);
  });

  test('Gather defaults, its action defaulting to the document URL, and nested prompts', () => {
    const r = new VoiceResponse();
    const g = r.gather({ numDigits: 1 });
    g.say('Press 1');
    g.pause({ length: 1 });
    g.play('/beep.wav');
    const [gather] = verbs(r.toString(), DOC);
    assert.deepEqual(gather, {
      verb: 'Gather',
      action: DOC,
      method: 'POST',
      timeout: 5,
      finishOnKey: '#',
      numDigits: 1,
      input: ['dtmf'],
      actionOnEmptyResult: false,
      language: 'en-US',
      profanityFilter: true,
      bargeIn: true,
      partialResultCallbackMethod: 'POST',
      children: [
        { verb: 'Say', text: 'Press 1', voice: 'man', language: 'en-US', loop: 1 },
        { verb: 'Pause', length: 1 },
        { verb: 'Play', url: 'https://app.example.com/beep.wav', loop: 1 },
      ],
    });
  });

  test('Gather with speech input, empty finishOnKey and every common attribute', () => {
    const r = new VoiceResponse();
    r.gather({
      input: ['dtmf', 'speech'], action: '/g', method: 'GET', timeout: 7, finishOnKey: '', actionOnEmptyResult: true,
      speechTimeout: 'auto', hints: 'yes, no', bargeIn: false,
    });
    const [g] = verbs(r.toString(), DOC);
    assert.ok(g?.verb === 'Gather');
    assert.equal(g.action, 'https://app.example.com/g');
    assert.equal(g.method, 'GET');
    assert.equal(g.timeout, 7);
    assert.equal(g.finishOnKey, '');
    assert.deepEqual(g.input, ['dtmf', 'speech']);
    assert.equal(g.actionOnEmptyResult, true);
    assert.equal(g.speechTimeout, 'auto');
    assert.equal(g.hints, 'yes, no');
    assert.equal(g.bargeIn, false);
    assert.equal(g.numDigits, undefined);
  });

  test('Record defaults and values', () => {
    const r = new VoiceResponse();
    r.record();
    r.record({
      action: 'https://e.x/rec', maxLength: 30, playBeep: false, timeout: 0, finishOnKey: '*',
      recordingStatusCallback: 'https://e.x/rs', recordingStatusCallbackMethod: 'GET',
      recordingStatusCallbackEvent: ['in-progress', 'completed'], trim: 'do-not-trim',
    });
    const [plain, custom] = verbs(r.toString());
    assert.deepEqual(plain, {
      verb: 'Record', method: 'POST', timeout: 5, finishOnKey: '1234567890*#', maxLength: 3600, playBeep: true,
      trim: 'trim-silence', recordingStatusCallbackMethod: 'POST', recordingStatusCallbackEvent: ['completed'],
      transcribe: false,
    });
    assert.deepEqual(custom, {
      verb: 'Record', action: 'https://e.x/rec', method: 'POST', timeout: 0, finishOnKey: '*', maxLength: 30,
      playBeep: false, trim: 'do-not-trim', recordingStatusCallback: 'https://e.x/rs',
      recordingStatusCallbackMethod: 'GET', recordingStatusCallbackEvent: ['in-progress', 'completed'], transcribe: false,
    });
  });

  test('Dial with a bare number gets defaults; nouns keep their own attributes', () => {
    const r = new VoiceResponse();
    r.dial('+15551112222');
    const d = r.dial({ callerId: '+15550001111', timeout: 20, action: '/after', hangupOnStar: true, record: 'record-from-answer' });
    d.number({ sendDigits: 'ww1', statusCallback: 'https://e.x/cb', statusCallbackEvent: ['initiated', 'answered'] }, '+15552223333');
    d.sip({ username: 'u', password: 'p' }, 'sip:alice@example.com');
    d.client('bob');
    const [bare, full] = verbs(r.toString(), DOC);
    assert.deepEqual(bare, {
      verb: 'Dial',
      targets: [{ noun: 'Number', number: '+15551112222', method: 'POST', statusCallbackMethod: 'POST', statusCallbackEvent: ['completed'] }],
      method: 'POST', timeout: 30, timeLimit: 14400, hangupOnStar: false, record: 'do-not-record', trim: 'do-not-trim',
      answerOnBridge: false, sequential: false, referMethod: 'POST', recordingStatusCallbackMethod: 'POST', recordingStatusCallbackEvent: ['completed'],
    });
    assert.ok(full?.verb === 'Dial');
    assert.equal(full.action, 'https://app.example.com/after');
    assert.equal(full.callerId, '+15550001111');
    assert.equal(full.timeout, 20);
    assert.equal(full.hangupOnStar, true);
    assert.equal(full.record, 'record-from-answer');
    assert.deepEqual(full.targets, [
      {
        noun: 'Number', number: '+15552223333', sendDigits: 'ww1', method: 'POST', statusCallback: 'https://e.x/cb',
        statusCallbackMethod: 'POST', statusCallbackEvent: ['initiated', 'answered'],
      },
      { noun: 'Sip', uri: 'sip:alice@example.com', username: 'u', password: 'p', method: 'POST', statusCallbackMethod: 'POST', statusCallbackEvent: ['completed'] },
      { noun: 'Client', identity: 'bob', parameters: {}, method: 'POST', statusCallbackMethod: 'POST', statusCallbackEvent: ['completed'] },
    ]);
  });

  test('Hangup, Reject and Redirect', () => {
    const r = new VoiceResponse();
    r.reject();
    r.reject({ reason: 'busy' });
    r.redirect({ method: 'GET' }, '/next');
    r.hangup();
    assert.deepEqual(verbs(r.toString(), DOC), [
      { verb: 'Reject', reason: 'rejected' },
      { verb: 'Reject', reason: 'busy' },
      { verb: 'Redirect', url: 'https://app.example.com/next', method: 'GET' },
      { verb: 'Hangup' },
    ]);
  });

  test('valid but unsupported verbs and Dial nouns come back as Unsupported', () => {
    const r = new VoiceResponse();
    r.enqueue({ workflowSid: 'WW' + '0'.repeat(32) }, 'support');
    r.dial().sim('DE' + '0'.repeat(32));
    r.connect().room('my-room');
    r.start().siprec({ connectorName: 'c' });
    assert.deepEqual(verbs(r.toString()), [
      { verb: 'Unsupported', name: 'Enqueue workflowSid' },
      { verb: 'Unsupported', name: 'Sim', within: 'Dial' },
      { verb: 'Unsupported', name: 'Room', within: 'Connect' },
      { verb: 'Unsupported', name: 'Siprec', within: 'Start' },
    ]);
  });

  test('Enqueue, Leave and Dial with a Queue: names, URLs resolved against the document, methods', () => {
    const r = new VoiceResponse();
    r.enqueue({ action: '/left', method: 'GET', waitUrl: 'hold.xml', waitUrlMethod: 'GET' }, 'support');
    r.enqueue('sales');
    r.leave();
    r.dial({ timeout: 20, action: '/dialed' }).queue({ url: 'https://app.example.com/announce', method: 'GET' }, 'support');
    const [full, plain, leave, dial] = verbs(r.toString(), 'https://app.example.com/voice/answer');
    assert.deepEqual(full, {
      verb: 'Enqueue', queue: 'support', action: 'https://app.example.com/left', method: 'GET',
      waitUrl: 'https://app.example.com/voice/hold.xml', waitUrlMethod: 'GET',
    });
    assert.deepEqual(plain, { verb: 'Enqueue', queue: 'sales', method: 'POST', waitUrlMethod: 'POST' });
    assert.deepEqual(leave, { verb: 'Leave' });
    if (dial?.verb !== 'Dial') return assert.fail('expected a Dial');
    assert.deepEqual(dial.targets, []);
    assert.deepEqual(dial.queue, { name: 'support', url: 'https://app.example.com/announce', method: 'GET' });
    assert.equal(dial.timeout, 20);
  });

  test('Dial with a Conference: defaults, explicit attributes, events and the room name', () => {
    const r = new VoiceResponse();
    r.dial().conference('standup');
    r.dial({ hangupOnStar: true }).conference({
      muted: true, beep: 'onExit', startConferenceOnEnter: false, endConferenceOnExit: true, waitUrl: 'hold.xml', waitMethod: 'GET',
      maxParticipants: 10, statusCallback: '/events', statusCallbackEvent: ['start', 'join', 'mute'], participantLabel: 'host',
      record: 'record-from-start', recordingStatusCallback: '/recorded', recordingStatusCallbackEvent: ['completed', 'absent'],
    }, 'board');
    const [plain, full] = verbs(r.toString(), 'https://app.example.com/voice/answer');
    if (plain?.verb !== 'Dial' || full?.verb !== 'Dial') return assert.fail('expected two Dials');
    assert.deepEqual(plain.targets, []);
    assert.deepEqual(plain.conference, {
      name: 'standup', muted: false, beep: 'true', startConferenceOnEnter: true, endConferenceOnExit: false, waitMethod: 'POST',
      maxParticipants: 250, statusCallbackMethod: 'POST', statusCallbackEvent: [],
      record: 'do-not-record', recordingStatusCallbackMethod: 'POST', recordingStatusCallbackEvent: ['completed'],
    });
    assert.deepEqual(full.conference, {
      name: 'board', muted: true, beep: 'onExit', startConferenceOnEnter: false, endConferenceOnExit: true,
      waitUrl: 'https://app.example.com/voice/hold.xml', waitMethod: 'GET', maxParticipants: 10,
      statusCallback: 'https://app.example.com/events', statusCallbackMethod: 'POST', statusCallbackEvent: ['start', 'join', 'mute'],
      participantLabel: 'host', record: 'record-from-start', recordingStatusCallback: 'https://app.example.com/recorded',
      recordingStatusCallbackMethod: 'POST', recordingStatusCallbackEvent: ['completed', 'absent'],
    });
    assert.equal(full.hangupOnStar, true);
  });

  test('conference TwiML errors carry Twilio\'s Dial->Conference codes', () => {
    assert.equal(codeOf(wrap('<Dial><Conference muted="yes">r</Conference></Dial>')), 13230);
    assert.equal(codeOf(wrap('<Dial><Conference endConferenceOnExit="1">r</Conference></Dial>')), 13231);
    assert.equal(codeOf(wrap('<Dial><Conference startConferenceOnEnter="no">r</Conference></Dial>')), 13232);
    assert.equal(codeOf(wrap('<Dial><Conference waitUrl="ftp://x/y">r</Conference></Dial>')), 13233);
    assert.equal(codeOf(wrap('<Dial><Conference waitMethod="PUT">r</Conference></Dial>')), 13234);
    assert.equal(codeOf(wrap('<Dial><Conference beep="loud">r</Conference></Dial>')), 13235);
    assert.equal(codeOf(wrap('<Dial><Conference maxParticipants="251">r</Conference></Dial>')), 12200);
    assert.equal(codeOf(wrap('<Dial><Conference record="always">r</Conference></Dial>')), 12200);
    assert.equal(codeOf(wrap('<Dial><Conference></Conference></Dial>')), 12200);
    assert.equal(codeOf(wrap('<Dial><Conference>a</Conference><Queue>b</Queue></Dial>')), 13215);
    assert.equal(codeOf(wrap('<Dial><Conference coach="alice">r</Conference></Dial>')), 12200);
  });

  test('Refer holds exactly one SIP URI to transfer to', () => {
    assert.deepEqual(verbs(wrap('<Refer action="https://app.example.com/done" method="GET"><Sip>sip:desk@pbx.example.com?X-A=1</Sip></Refer>')), [
      { verb: 'Refer', uri: 'sip:desk@pbx.example.com?X-A=1', action: 'https://app.example.com/done', method: 'GET' },
    ]);
    assert.equal(codeOf(wrap('<Refer></Refer>')), 12200);
    assert.equal(codeOf(wrap('<Refer><Sip>+15551234567</Sip></Refer>')), 12200);
    assert.equal(codeOf(wrap('<Refer><Number>+15551234567</Number></Refer>')), 12200);
  });

  test('Conference coach names the call SID the participant coaches', () => {
    const sid = 'CA' + 'a'.repeat(32);
    const [dial] = verbs(wrap(`<Dial><Conference coach="${sid}">r</Conference></Dial>`)) as { conference?: { coach?: string } }[];
    assert.equal(dial!.conference!.coach, sid);
  });

  test('queue TwiML errors carry Twilio\'s Enqueue and Dial->Queue codes', () => {
    assert.equal(codeOf(wrap('<Enqueue></Enqueue>')), 14204);
    assert.equal(codeOf(wrap(`<Enqueue>${'q'.repeat(65)}</Enqueue>`)), 14205);
    assert.equal(codeOf(wrap(`<Enqueue>${'q'.repeat(64)}</Enqueue>`)), undefined);
    assert.equal(codeOf(wrap('<Enqueue method="PUT">q</Enqueue>')), 14201);
    assert.equal(codeOf(wrap('<Enqueue waitUrl="ftp://x/y">q</Enqueue>')), 14202);
    assert.equal(codeOf(wrap('<Enqueue action="mailto:a@b">q</Enqueue>')), 14203);
    assert.equal(codeOf(wrap('<Enqueue waitUrlMethod="DELETE">q</Enqueue>')), 14206);
    assert.equal(codeOf(wrap('<Dial><Queue></Queue></Dial>')), 14212);
    assert.equal(codeOf(wrap(`<Dial><Queue>${'q'.repeat(65)}</Queue></Dial>`)), 14213);
    assert.equal(codeOf(wrap('<Dial><Queue>a</Queue><Number>+15005550006</Number></Dial>')), 13215);
    assert.equal(codeOf(wrap('<Dial><Queue>a</Queue><Queue>b</Queue></Dial>')), 13215);
    assert.equal(codeOf(wrap('<Leave>now</Leave>')), 12200);
  });

  test('Start, Stop and Connect with a Stream: url, name, track, status callback and parameters', () => {
    const r = new VoiceResponse();
    const fork = r.start().stream({ url: 'wss://app.example.com/fork', name: 'fork', track: 'both_tracks', statusCallback: '/streams', statusCallbackMethod: 'GET' });
    fork.parameter({ name: 'lang', value: 'en' });
    fork.parameter({ name: 'empty', value: '' });
    r.stop().stream({ name: 'fork' });
    const c = r.connect({ action: '/after' });
    c.stream({ url: 'ws://127.0.0.1:9000/agent' }).parameter({ name: 'agent', value: 'sales' });
    r.stop().stream({});
    assert.deepEqual(verbs(r.toString(), 'https://app.example.com/voice'), [
      {
        verb: 'Start',
        stream: { url: 'wss://app.example.com/fork', name: 'fork', track: 'both_tracks', statusCallback: 'https://app.example.com/streams', statusCallbackMethod: 'GET', parameters: { lang: 'en', empty: '' } },
      },
      { verb: 'Stop', name: 'fork' },
      {
        verb: 'Connect',
        stream: { url: 'ws://127.0.0.1:9000/agent', track: 'inbound_track', statusCallbackMethod: 'POST', parameters: { agent: 'sales' } },
        action: 'https://app.example.com/after',
        method: 'POST',
      },
      { verb: 'Stop' },
    ]);
  });

  test('a Stream without a url, a Connect stream of the outbound track, or two nouns in one Start are 12200', () => {
    const noUrl = new VoiceResponse();
    noUrl.start().stream({ name: 'x' });
    const outbound = new VoiceResponse();
    outbound.connect().stream({ url: 'wss://e.x/s', track: 'outbound_track' });
    const two = '<Response><Start><Stream url="wss://e.x/a"/><Stream url="wss://e.x/b"/></Start></Response>';
    for (const xml of [noUrl.toString(), outbound.toString(), two]) {
      const parsed = parseVoiceTwiml(xml);
      assert.equal(parsed.ok, false, xml);
      if (!parsed.ok) assert.equal(parsed.code, 12200, xml);
    }
  });

  test('SSML inside Say is kept for speech, escaped as it was written, and flattened to its text', () => {
    const r = new VoiceResponse();
    const s = r.say('Hello');
    s.break({ time: "1s" });
    s.emphasis('world & "friends"');
    s.sayAs({ 'interpret-as': 'characters' }, 'abc');
    assert.deepEqual(verbs(r.toString())[0], {
      verb: 'Say',
      text: 'Hello world & "friends" abc',
      ssml: 'Hello<break time="1s"/><emphasis>world &amp; "friends"</emphasis><say-as interpret-as="characters">abc</say-as>',
      voice: 'man',
      language: 'en-US',
      loop: 1,
    });
    // Plain text has no SSML to speak.
    assert.equal((verbs(new VoiceResponse().say('Just words').toString())[0] as { ssml?: string }).ssml, undefined);
  });
});

describe('hand-written voice TwiML', () => {
  test('pretty-printed with comments, Client identity and parameters, clamped Dial limits', () => {
    const xml = `<?xml version="1.0"?>
<Response>
  <!-- greet -->
  <Say language="fr-FR">
    Bonjour &amp; bienvenue
  </Say>
  <Dial timeout="9999" timeLimit="999999">
    <Client>
      <Identity>alice</Identity>
      <Parameter name="team" value="blue"/>
    </Client>
  </Dial>
</Response>`;
    const [say, dial] = verbs(xml);
    assert.deepEqual(say, { verb: 'Say', text: 'Bonjour & bienvenue', voice: 'man', language: 'fr-FR', loop: 1 });
    assert.ok(dial?.verb === 'Dial');
    assert.equal(dial.timeout, 600);
    assert.equal(dial.timeLimit, 86400);
    assert.deepEqual(dial.targets[0], {
      noun: 'Client', identity: 'alice', parameters: { team: 'blue' }, method: 'POST', statusCallbackMethod: 'POST', statusCallbackEvent: ['completed'],
    });
  });

  test('formatted numbers are accepted as written', () => {
    const [dial] = verbs(wrap('<Dial>(415) 555-1212</Dial>'));
    assert.ok(dial?.verb === 'Dial');
    assert.equal(dial.targets[0]?.noun === 'Number' && dial.targets[0].number, '(415) 555-1212');
  });

  test('an empty document means no verbs', () => {
    assert.deepEqual(parseVoiceTwiml(''), { ok: true, verbs: [] });
    assert.deepEqual(parseVoiceTwiml(new VoiceResponse().toString()), { ok: true, verbs: [] });
  });
});

describe('broken voice TwiML fails whole, with Twilio codes', () => {
  const cases: [string, number][] = [
    ['<Response><Say>unclosed</Response>', 12100],
    ['<Say>hi</Say>', 12102],
    [wrap('<Bogus/>'), 12200],
    [wrap('<Message>sms in a call</Message>'), 12200],
    [wrap('<Say>ok</Say>stray'), 12200],
    [wrap('<Hangup>now</Hangup>'), 12200],
    [wrap('<Play/>'), 12200],
    [wrap('<Redirect></Redirect>'), 12200],
    [wrap('<Gather input="keys"/>'), 12200],
    [wrap('<Dial method="PUT">+15551234567</Dial>'), 13210],
    [wrap('<Dial timeout="soon">+15551234567</Dial>'), 13212],
    [wrap('<Dial hangupOnStar="yes">+15551234567</Dial>'), 13213],
    [wrap('<Dial callerId="a b">+15551234567</Dial>'), 13214],
    [wrap('<Dial><Say>no</Say></Dial>'), 13215],
    [wrap('<Dial>+15551234567<Number>+15551234568</Number></Dial>'), 13215],
    [wrap('<Dial timeLimit="-1">+15551234567</Dial>'), 13216],
    [wrap('<Dial record="always">+15551234567</Dial>'), 13217],
    [wrap('<Dial><Number method="PUT">+15551234567</Number></Dial>'), 13221],
    [wrap('<Dial><Number sendDigits="12x">+15551234567</Number></Dial>'), 13222],
    [wrap('<Dial>call mom</Dial>'), 13223],
    [wrap('<Dial/>'), 13223],
    [wrap('<Gather finishOnKey="##"/>'), 13310],
    [wrap('<Gather finishOnKey="x"/>'), 13310],
    [wrap('<Gather method="PATCH"/>'), 13312],
    [wrap('<Gather timeout="1.5"/>'), 13313],
    [wrap('<Gather timeout="0"/>'), 13313],
    [wrap('<Gather numDigits="0"/>'), 13314],
    [wrap('<Gather><Record/></Gather>'), 13320],
    [wrap('<Gather><Say loop="-1">x</Say></Gather>'), 13322],
    [wrap('<Gather speechTimeout="later"/>'), 13327],
    [wrap('<Gather actionOnEmptyResult="maybe"/>'), 13338],
    [wrap('<Play loop="twice">https://e.x/a.wav</Play>'), 13410],
    [wrap('<Say loop="-1">x</Say>'), 13510],
    [wrap('<Say voice="bad voice">x</Say>'), 13511],
    [wrap('<Say>   </Say>'), 13520],
    [wrap('<Record method="PUT"/>'), 13610],
    [wrap('<Record timeout="x"/>'), 13611],
    [wrap('<Record maxLength="0"/>'), 13612],
    [wrap('<Record finishOnKey="a"/>'), 13613],
    [wrap('<Record transcribe="sure"/>'), 13614],
    [wrap('<Record playBeep="1"/>'), 13616],
    [wrap('<Redirect method="PUT">https://e.x/</Redirect>'), 13710],
    [wrap('<Reject reason="declined"/>'), 13810],
    [wrap('<Pause length="abc"/>'), 13910],
  ];
  for (const [xml, code] of cases) {
    test(`${code}: ${xml.replace('<Response>', '').replace('</Response>', '')}`, () => {
      const res = parseVoiceTwiml(xml);
      assert.equal(res.ok, false);
      assert.equal(res.ok ? undefined : res.code, code);
      assert.ok(!res.ok && res.message.length > 0);
    });
  }

  test('no partial result: good verbs before a bad one are not returned', () => {
    const res = parseVoiceTwiml(wrap('<Say>hello</Say><Play>https://e.x/a.wav</Play><Pause length="x"/>'));
    assert.deepEqual(Object.keys(res).sort(), ['code', 'message', 'ok']);
  });

  test('codeOf helper sanity: a good document has no code', () => {
    assert.equal(codeOf(wrap('<Hangup/>')), undefined);
  });
});
