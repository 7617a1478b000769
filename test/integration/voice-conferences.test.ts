// Conferences end to end: a running tandem, sandbox handsets calling in and answering over real SIP and RTP, TwiML
// from twilio's VoiceResponse, and the Conferences and Participants API through the official twilio client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { resourceSchema, responseSchema, shapeProblems } from '../helpers/spec-schema.js';
import { startWebhookApp, waitUntil, type WebhookApp } from '../helpers/webhook-app.js';
import { buyVoiceNumber, handsetCallsIn, handsetCallWhere, voiceTwiml } from './voice-helpers.js';
import { powerAt, serveWav } from '../helpers/audio.js';
import { readWav, tone } from '../../protocols/rtp/index.js';

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

test('two callers meet in a conference: the API lists, mutes and removes them and ends the room; callbacks report each step', async () => {
  const client = t.client();
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/standup' });
  app.respond('/standup', {
    body: voiceTwiml((r) => {
      r.dial({ action: app.url + '/standup-done' }).conference(
        {
          beep: 'true', statusCallback: app.url + '/standup-events', statusCallbackEvent: ['start', 'end', 'join', 'leave', 'mute'],
          record: 'record-from-start', recordingStatusCallback: app.url + '/standup-recorded',
        },
        'standup',
      );
    }),
  });
  app.respond('/standup-done', { body: voiceTwiml((r) => { r.say('Bye'); }) });

  const a = await handsetCallsIn(t, '+15550001001', number, { hangupAfterS: 40 });
  const aSid = (await handsetCallWhere(t, (h) => h.id === a && h.call_sid !== null, 'the first caller')).call_sid!;
  const room = await waitUntil(async () => (await client.conferences.list({ friendlyName: 'standup', status: 'in-progress' }))[0], 15_000, 'the room to start');
  assert.match(room.sid, /^CF[0-9a-f]{32}$/);
  const b = await handsetCallsIn(t, '+15550001002', number, { hangupAfterS: 40 });
  const bSid = (await handsetCallWhere(t, (h) => h.id === b && h.call_sid !== null, 'the second caller')).call_sid!;
  const both = await waitUntil(async () => {
    const ps = await client.conferences(room.sid).participants.list();
    return ps.length === 2 ? ps : undefined;
  }, 15_000, 'both in the room');
  assert.deepEqual(both.map((p) => p.callSid).sort(), [aSid, bSid].sort());
  assert.ok(both.every((p) => p.conferenceSid === room.sid && p.status === 'connected' && !p.muted));
  const raw = await (await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Conferences/${room.sid}/Participants/${aSid}.json`)).json();
  assert.deepEqual(shapeProblems(raw, resourceSchema('conference.participant')), []);

  assert.match(await (await fetch(t.url + '/metrics')).text(), /^tandem_conference_participants 2$/m);

  const muted = await client.conferences(room.sid).participants(aSid).update({ muted: true });
  assert.equal(muted.muted, true);
  assert.deepEqual((await client.conferences(room.sid).participants.list({ muted: true })).map((p) => p.callSid), [aSid]);

  // An announcement to the room: its <Say> is mixed over the conversation for everyone.
  app.respond('/announce', { body: voiceTwiml((r) => { r.say('The meeting ends in five minutes'); }) });
  await client.conferences(room.sid).update({ announceUrl: app.url + '/announce' });
  const announced = (await app.waitFor(() => app.requests.some((r) => r.path === '/announce'))).find((r) => r.path === '/announce')!;
  assert.equal(announced.params.ConferenceSid, room.sid);
  assert.equal(announced.signatureValid, true);
  await new Promise((r) => setTimeout(r, 3_000));

  // Removed: the second caller's <Dial> ends, and its action's TwiML plays to them.
  await client.conferences(room.sid).participants(bSid).remove();
  const bDone = await handsetCallWhere(t, (h) => h.id === b && h.status === 'completed', 'the removed caller to hear the action and hang up');
  assert.deepEqual(bDone.verbs, ['Dial conference: standup', 'Say: Bye']);

  const ended = await client.conferences(room.sid).update({ status: 'completed' });
  assert.equal(ended.status, 'completed');
  assert.equal(ended.reasonConferenceEnded, 'conference-ended-via-api');
  const aDone = await handsetCallWhere(t, (h) => h.id === a && h.status === 'completed', 'the first caller to go on after the room ended');
  assert.deepEqual(aDone.verbs, ['Dial conference: standup', 'Say: Bye']);
  assert.ok(aDone.audio_heard_ms >= 1_200, `the first caller heard the join beep and the announcement (${aDone.audio_heard_ms} ms of audio)`);
  const done = (await app.waitFor(() => app.requests.filter((r) => r.path === '/standup-done').length === 2)).filter((r) => r.path === '/standup-done');
  assert.deepEqual(done.map((r) => r.params.DialCallStatus), ['completed', 'completed']);

  const events = (await app.waitFor(() => app.requests.filter((r) => r.path === '/standup-events').length >= 7))
    .filter((r) => r.path === '/standup-events')
    .sort((x, y) => Number(x.params.SequenceNumber) - Number(y.params.SequenceNumber));
  assert.deepEqual(events.map((e) => [e.params.StatusCallbackEvent, e.params.CallSid ?? '']), [
    ['participant-join', aSid],
    ['conference-start', ''],
    ['participant-join', bSid],
    ['participant-mute', aSid],
    ['participant-leave', bSid],
    ['participant-leave', aSid],
    ['conference-end', ''],
  ]);
  assert.ok(events.every((e) => e.signatureValid && e.params.ConferenceSid === room.sid));
  // Shapes once it ended: while live, reason_conference_ended is null (as Twilio's API answers), which the spec's enum omits.
  const rawRoom = await (await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Conferences/${room.sid}.json`)).json();
  assert.deepEqual(shapeProblems(rawRoom, resourceSchema('conference')), []);
  const rawList = await (await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Conferences.json?PageSize=1&Status=completed`)).json();
  assert.deepEqual(shapeProblems(rawList, responseSchema('/2010-04-01/Accounts/{AccountSid}/Conferences.json')), []);
  // Recorded from the start: the room's mix (here, the join beep) as a Conference recording.
  const recorded = (await app.waitFor(() => app.requests.some((r) => r.path === '/standup-recorded'))).find((r) => r.path === '/standup-recorded')!;
  assert.equal(recorded.params.RecordingStatus, 'completed');
  assert.equal(recorded.signatureValid, true);
  const recs = await client.conferences(room.sid).recordings.list();
  assert.deepEqual(recs.map((r) => [r.sid, r.source, r.conferenceSid]), [[recorded.params.RecordingSid, 'Conference', room.sid]]);
  const rawRec = await (await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Conferences/${room.sid}/Recordings/${recs[0]!.sid}.json`)).json();
  assert.deepEqual(shapeProblems(rawRec, resourceSchema('conference.conference_recording')), []);
  const wav = await fetch(recorded.params.RecordingUrl!.replace(/^https?:\/\/[^/]+/, t.url) + '.wav');
  assert.equal(wav.status, 200);
  assert.equal(wav.headers.get('content-type'), 'audio/x-wav');
  const fetched = await client.conferences(room.sid).fetch();
  assert.deepEqual([fetched.status, fetched.friendlyName], ['completed', 'standup']);
});

test('the Participants API adds someone by calling them into a live room; errors have Twilio\'s shape', async () => {
  const client = t.client();
  const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/huddle' });
  app.respond('/huddle', { body: voiceTwiml((r) => { r.dial().conference({ endConferenceOnExit: true }, 'huddle'); }) });
  const host = await handsetCallsIn(t, '+15550001003', number, { hangupAfterS: 40 });
  const room = await waitUntil(async () => (await client.conferences.list({ friendlyName: 'huddle', status: 'in-progress' }))[0], 15_000, 'the room to start');

  const added = await client.conferences(room.sid).participants.create({ from: number, to: '+15551113333', label: 'expert', muted: true });
  assert.match(added.callSid, /^CA/);
  assert.equal(added.status, 'queued');
  const joined = await waitUntil(async () => (await client.conferences(room.sid).participants.list()).find((p) => p.callSid === added.callSid), 20_000, 'the added participant to join');
  assert.equal(joined.label, 'expert');
  assert.equal(joined.muted, true);
  const answered = await handsetCallWhere(t, (h) => h.call_sid === added.callSid, 'the handset to be called');
  assert.equal(answered.direction, 'incoming');
  // An announcement to that participant alone.
  app.respond('/brief', { body: voiceTwiml((r) => { r.say('You are on mute'); }) });
  await client.conferences(room.sid).participants(added.callSid).update({ announceUrl: app.url + '/brief' });
  const brief = (await app.waitFor(() => app.requests.some((r) => r.path === '/brief'))).find((r) => r.path === '/brief')!;
  assert.deepEqual([brief.params.ConferenceSid, brief.params.CallSid], [room.sid, added.callSid]);
  await waitUntil(async () => ((await handsetCallWhere(t, (h) => h.call_sid === added.callSid, 'the added call')).audio_heard_ms >= 800 ? true : undefined), 10_000, 'the participant to hear the announcement');

  // The host has endConferenceOnExit: hanging it up ends the room and the added call with it.
  const hostSid = (await handsetCallWhere(t, (h) => h.id === host, 'the host')).call_sid!;
  await client.calls(hostSid).update({ status: 'completed' });
  await waitUntil(async () => ((await client.conferences(room.sid).fetch()).status === 'completed' ? true : undefined), 15_000, 'the room to end');
  assert.equal((await client.conferences(room.sid).fetch()).reasonConferenceEnded, 'participant-with-end-conference-on-exit-left');

  // By friendly name, as Twilio allows: the room opens for the call, which joins it once answered.
  const byName = await client.conferences('war-room').participants.create({ from: number, to: '+15551114444', startConferenceOnEnter: true });
  assert.match(byName.conferenceSid, /^CF[0-9a-f]{32}$/);
  const warRoom = await waitUntil(async () => {
    const c = await client.conferences(byName.conferenceSid).fetch();
    return c.status === 'in-progress' ? c : undefined;
  }, 20_000, 'the named room to start with the added call');
  assert.equal(warRoom.friendlyName, 'war-room');
  assert.deepEqual((await client.conferences(warRoom.sid).participants.list()).map((p) => p.callSid), [byName.callSid]);
  await client.conferences(warRoom.sid).update({ status: 'completed' });

  const rejects = (p: Promise<unknown>, status: number, code?: number) =>
    assert.rejects(p, (e: { status: number; code: number }) => e.status === status && (code === undefined || e.code === code));
  await rejects(client.conferences('CF' + '0'.repeat(32)).fetch(), 404, 20404);
  await rejects(client.conferences(room.sid).participants(hostSid).fetch(), 404);
  await rejects(client.conferences(room.sid).participants.create({ from: number, to: '+15551113333' }), 400);
  await rejects(client.conferences.list({ status: 'busy' as 'init' }), 400, 20001);
});

test('a participant held with a HoldUrl hears its TwiML, fetched again as it runs out, until taken off hold; coaching is set and cleared', async () => {
  const client = t.client();
  const music = await serveWav(tone([500], 1000, 0.4));
  let roomSid: string | undefined;
  try {
    const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/hold-room' });
    app.respond('/hold-room', { body: voiceTwiml((r) => { r.dial().conference({ beep: 'false' }, 'holdroom'); }) });
    app.respond('/hold-music', { body: voiceTwiml((r) => { r.play(music.url); }) });
    const a = await handsetCallsIn(t, '+15550001011', number, { hangupAfterS: 40 });
    const aSid = (await handsetCallWhere(t, (h) => h.id === a && h.call_sid !== null, 'the first caller')).call_sid!;
    const b = await handsetCallsIn(t, '+15550001012', number, { hangupAfterS: 40 });
    const bSid = (await handsetCallWhere(t, (h) => h.id === b && h.call_sid !== null, 'the second caller')).call_sid!;
    const room = await waitUntil(async () => {
      const [r] = await client.conferences.list({ friendlyName: 'holdroom', status: 'in-progress' });
      return r && (await client.conferences(r.sid).participants.list()).length === 2 ? r : undefined;
    }, 15_000, 'both in the room');
    roomSid = room.sid;

    const heardBefore = (await handsetCallWhere(t, (h) => h.id === a, 'the first caller')).audio_heard_ms;
    await assert.rejects(client.conferences(room.sid).participants(aSid).update({ hold: true, holdUrl: 'not a url' }), (e: { status: number; code: number }) => e.status === 400 && e.code === 21000);
    const held = await client.conferences(room.sid).participants(aSid).update({ hold: true, holdUrl: app.url + '/hold-music' });
    assert.equal(held.hold, true);
    // Twilio's HoldMethod default is GET; the document is signed and asked for again each time it runs out.
    const asks = await app.waitFor((rs) => rs.filter((r) => r.path === '/hold-music').length >= 2, 15_000);
    const first = asks.find((r) => r.path === '/hold-music')!;
    assert.equal(first.method, 'GET');
    assert.equal(first.signatureValid, true);
    assert.equal(first.params.CallSid, aSid);

    // A HoldUrl that names an audio file is played as it is (looped), not asked for TwiML.
    const heardBeforeFile = (await handsetCallWhere(t, (h) => h.id === a, 'the held caller')).audio_heard_ms;
    await client.conferences(room.sid).participants(aSid).update({ holdUrl: music.url });
    await new Promise((r) => setTimeout(r, 2_500));
    const heardFile = (await handsetCallWhere(t, (h) => h.id === a, 'the held caller')).audio_heard_ms - heardBeforeFile;
    assert.ok(heardFile >= 1_200, `the held caller heard ${heardFile} ms of the WAV in 2.5 s (it loops)`);

    // New music while held replaces the old: the next rounds ask the new URL, with the method given.
    app.respond('/hold-music-2', { body: voiceTwiml((r) => { r.play(music.url); }) });
    await client.conferences(room.sid).participants(aSid).update({ holdUrl: app.url + '/hold-music-2', holdMethod: 'POST' });
    const second = (await app.waitFor((rs) => rs.some((r) => r.path === '/hold-music-2'), 15_000)).find((r) => r.path === '/hold-music-2')!;
    assert.equal(second.method, 'POST');
    assert.equal(second.params.CallSid, aSid);

    const back = await client.conferences(room.sid).participants(aSid).update({ hold: false });
    assert.equal(back.hold, false);
    const music1 = app.requests.filter((r) => r.path === '/hold-music').length;
    const music2 = app.requests.filter((r) => r.path === '/hold-music-2').length;
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(app.requests.filter((r) => r.path === '/hold-music').length, music1, 'replaced, the first music is not asked for again');
    assert.equal(app.requests.filter((r) => r.path === '/hold-music-2').length, music2, 'off hold, the music is not asked for again');
    // Nobody talks in the room and it has no beep: what the held caller heard was the music, at least one round of it.
    const heardAfter = (await handsetCallWhere(t, (h) => h.id === a, 'the held caller')).audio_heard_ms;
    assert.ok(heardAfter - heardBefore >= 900, `the held caller heard ${heardAfter - heardBefore} ms of hold music`);

    // Coaching through the Participants API: A coaches B (only B hears A), then stops.
    const coaching = await client.conferences(room.sid).participants(aSid).update({ coaching: true, callSidToCoach: bSid });
    assert.deepEqual([coaching.coaching, coaching.callSidToCoach], [true, bSid]);
    const listed = await client.conferences(room.sid).participants(aSid).fetch();
    assert.deepEqual([listed.coaching, listed.callSidToCoach], [true, bSid]);
    const stopped = await client.conferences(room.sid).participants(aSid).update({ coaching: false });
    assert.deepEqual([stopped.coaching, stopped.callSidToCoach], [false, null]);
    const refused = (e: { status: number; code: number }) => e.status === 400 && e.code === 21000;
    await assert.rejects(client.conferences(room.sid).participants(aSid).update({ coaching: true }), refused);
    await assert.rejects(client.conferences(room.sid).participants(aSid).update({ coaching: true, callSidToCoach: 'CA' + '0'.repeat(32) }), refused);
    await assert.rejects(client.conferences(room.sid).participants(aSid).update({ coaching: true, callSidToCoach: aSid }), refused);
  } finally {
    // However it went, the room ends (its callers go on) and the music server closes, so nothing outlives the test.
    if (roomSid) await client.conferences(roomSid).update({ status: 'completed' }).catch(() => undefined);
    await music.close();
  }
});

test('a room recorded from the start is paused (skip), resumed and stopped through the Conference Recordings API while the room goes on', async () => {
  const client = t.client();
  const low = await serveWav(tone([440], 1000, 0.5));
  const high = await serveWav(tone([1000], 1000, 0.5));
  let roomSid: string | undefined;
  try {
    const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/taped' });
    app.respond('/taped', {
      body: voiceTwiml((r) => {
        r.dial().conference({ beep: 'false', record: 'record-from-start', recordingStatusCallback: app.url + '/taped-recorded' }, 'taped');
      }),
    });
    app.respond('/say-low', { body: voiceTwiml((r) => { r.play(low.url); }) });
    app.respond('/say-high', { body: voiceTwiml((r) => { r.play(high.url); }) });
    await handsetCallsIn(t, '+15550001021', number, { hangupAfterS: 40 });
    const room = await waitUntil(async () => (await client.conferences.list({ friendlyName: 'taped', status: 'in-progress' }))[0], 15_000, 'the room to start');
    roomSid = room.sid;
    const recordings = client.conferences(room.sid).recordings;

    // Live: listed and fetched, in progress, with no duration yet.
    const [live] = await recordings.list();
    assert.ok(live);
    assert.deepEqual([live.status, live.duration, live.source, live.conferenceSid], ['in-progress', null, 'Conference', room.sid]);
    const rawLive = await (await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Conferences/${room.sid}/Recordings/${live.sid}.json`)).json();
    assert.deepEqual(shapeProblems(rawLive, resourceSchema('conference.conference_recording')), []);

    // Paused (skip): the low tone announced meanwhile is left out; resumed: the high tone is in.
    const paused = await recordings('Twilio.CURRENT').update({ status: 'paused', pauseBehavior: 'skip' });
    assert.deepEqual([paused.sid, paused.status], [live.sid, 'paused']);
    await client.conferences(room.sid).update({ announceUrl: app.url + '/say-low' });
    await new Promise((r) => setTimeout(r, 1_800));
    assert.equal((await recordings(live.sid).update({ status: 'in-progress' })).status, 'in-progress');
    await client.conferences(room.sid).update({ announceUrl: app.url + '/say-high' });
    await new Promise((r) => setTimeout(r, 1_800));
    const stopped = await recordings(live.sid).update({ status: 'stopped' });
    assert.equal(stopped.status, 'stopped');

    const cb = (await app.waitFor((rs) => rs.some((r) => r.path === '/taped-recorded'), 10_000)).find((r) => r.path === '/taped-recorded')!;
    assert.deepEqual([cb.params.RecordingStatus, cb.params.RecordingSid, cb.signatureValid], ['completed', live.sid, true]);
    const wav = await fetch(cb.params.RecordingUrl!.replace(/^https?:\/\/[^/]+/, t.url) + '.wav');
    const pcm = readWav(new Uint8Array(await wav.arrayBuffer()));
    assert.ok(powerAt(pcm, 1000) > 20 * Math.max(1, powerAt(pcm, 440)), 'the tone after the resume is recorded, the one during the pause is not');

    // The room goes on unrecorded; the stored recording cannot be changed, and there is no current one.
    assert.equal((await client.conferences(room.sid).fetch()).status, 'in-progress');
    await assert.rejects(recordings(live.sid).update({ status: 'paused' }), (e: { status: number; code: number }) => e.status === 400 && e.code === 21220);
    await assert.rejects(recordings('Twilio.CURRENT').update({ status: 'paused' }), (e: { status: number }) => e.status === 404);
    assert.deepEqual((await recordings.list()).map((r) => [r.sid, r.status]), [[live.sid, 'completed']]);
  } finally {
    if (roomSid) await client.conferences(roomSid).update({ status: 'completed' }).catch(() => undefined);
    await low.close();
    await high.close();
  }
});

test('a participant waiting for the room to start is given new wait music with WaitUrl on a participant update', async () => {
  const client = t.client();
  let roomSid: string | undefined;
  try {
    const number = await buyVoiceNumber(t, { VoiceUrl: app.url + '/lobby' });
    app.respond('/lobby', {
      body: voiceTwiml((r) => { r.dial().conference({ startConferenceOnEnter: false, beep: 'false', waitUrl: app.url + '/lobby-wait-1' }, 'lobby'); }),
    });
    // Each wait document holds the caller a long while, so only the update can move them on to the next one.
    app.respond('/lobby-wait-1', { body: voiceTwiml((r) => { r.pause({ length: 30 }); }) });
    app.respond('/lobby-wait-2', { body: voiceTwiml((r) => { r.pause({ length: 30 }); }) });
    const a = await handsetCallsIn(t, '+15550001031', number, { hangupAfterS: 40 });
    const aSid = (await handsetCallWhere(t, (h) => h.id === a && h.call_sid !== null, 'the waiting caller')).call_sid!;
    await app.waitFor((rs) => rs.some((r) => r.path === '/lobby-wait-1'), 15_000);
    const [room] = await client.conferences.list({ friendlyName: 'lobby', status: 'init' });
    assert.ok(room, 'the room has not started');
    roomSid = room.sid;

    await assert.rejects(client.conferences(room.sid).participants(aSid).update({ waitUrl: 'not a url' }), (e: { status: number; code: number }) => e.status === 400 && e.code === 21000);
    const updated = await client.conferences(room.sid).participants(aSid).update({ waitUrl: app.url + '/lobby-wait-2', waitMethod: 'GET' });
    assert.equal(updated.callSid, aSid);
    const asked = (await app.waitFor((rs) => rs.some((r) => r.path === '/lobby-wait-2'), 5_000)).find((r) => r.path === '/lobby-wait-2')!;
    assert.equal(asked.method, 'GET');
    assert.equal(asked.signatureValid, true);
    assert.equal(asked.params.CallSid, aSid);
    assert.equal(app.requests.filter((r) => r.path === '/lobby-wait-1').length, 1, 'the first wait document was left for the new one');
  } finally {
    if (roomSid) await client.conferences(roomSid).update({ status: 'completed' }).catch(() => undefined);
  }
});
