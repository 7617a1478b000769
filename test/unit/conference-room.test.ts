// Conference rooms with real parts: each participant is a real RtpEndpoint leg with a "phone" endpoint on the far
// end of loopback UDP, the mix runs on this thread's real media clock, records go to a temp LMDB, and status
// callbacks reach a real webhook app. What the phones hear is what a caller would.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RtpEndpoint, PortPool, tone, type NegotiatedMedia } from '../../protocols/rtp/index.js';
import { StatusCallbackSender } from '../../protocols/webhook/index.js';
import type { DialConference } from '../../protocols/twiml/index.js';
import type { ConferenceSeat } from '../../actors/call/verb-context.js';
import { closeTables, openTables } from '../../src/store/db.js';
import { ConferenceStore } from '../../src/voice/conference-store.js';
import { Conferences, type Participant } from '../../src/voice/conferences.js';
import { Recordings } from '../../src/voice/recordings.js';
import { readWav } from '../../protocols/rtp/index.js';
import { startWebhookApp, type WebhookApp } from '../helpers/webhook-app.js';
import { loudMs, zeroCrossingHz } from './verbs-harness.js';
import { concat } from '../../protocols/rtp/tone.js';

const ACCOUNT = 'AC' + '1'.repeat(32);
const TOKEN = 'conference-test-token';
const ulaw: NegotiatedMedia = { codec: { pt: 0, name: 'PCMU', rate: 8000 }, telephoneEventPt: 101 };

interface Phone {
  sid: string;
  leg: RtpEndpoint;
  phone: RtpEndpoint;
  heard: Int16Array[];
}

async function setup(t: TestContext) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-conf-'));
  const tables = openTables(dataDir);
  const base = 20000 + 2 * Math.floor(Math.random() * 10000);
  const pool = new PortPool(`${base}-${base + 99}`);
  const app = await startWebhookApp(() => TOKEN);
  const sender = new StatusCallbackSender({ timeoutMs: 3_000 });
  const recordings = new Recordings({ root: tables.root, dataDir, publicUrl: 'http://127.0.0.1:1' });
  const conferences = new Conferences({
    store: new ConferenceStore(tables),
    postCallback: (_a, req) => void sender.post({ ...req, authToken: TOKEN }),
    ...recordings.conferenceRecorder(),
    log: { error: () => undefined },
  });
  const phones: Phone[] = [];
  t.after(async () => {
    for (const p of phones) {
      await p.leg.close();
      await p.phone.close();
    }
    await app.close();
    await closeTables(tables);
    rmSync(dataDir, { recursive: true, force: true });
  });
  let n = 0;
  return {
    conferences,
    tables,
    recordings,
    app,
    async phone(): Promise<Phone> {
      const leg = await RtpEndpoint.open({ pool, media: ulaw });
      const phone = await RtpEndpoint.open({ pool, media: ulaw });
      leg.setRemote({ address: '127.0.0.1', port: phone.port });
      phone.setRemote({ address: '127.0.0.1', port: leg.port });
      const p: Phone = { sid: 'CA' + String(++n).padStart(32, '0'), leg, phone, heard: [] };
      phone.on('audio', (f) => p.heard.push(f));
      phones.push(p);
      return p;
    },
    async join(p: Phone, noun: Partial<DialConference> = {}): Promise<Participant> {
      const seat = await conferences.forCall({ sid: p.sid, accountSid: ACCOUNT, media: p.leg }).join(room(noun));
      assert.ok(!('full' in seat), 'joined');
      return seat as ConferenceSeat as Participant;
    },
  };
}

function room(noun: Partial<DialConference>): DialConference {
  return {
    name: 'standup', muted: false, beep: 'false', startConferenceOnEnter: true, endConferenceOnExit: false,
    waitMethod: 'POST', maxParticipants: 250, statusCallbackMethod: 'POST', statusCallbackEvent: [], record: 'do-not-record', recordingStatusCallbackMethod: 'POST', recordingStatusCallbackEvent: ['completed'], ...noun,
  };
}

/** Plays `ms` of `hz` from a phone, then what each phone heard meanwhile. */
async function speak(from: Phone, hz: number, ms: number, all: Phone[]): Promise<Int16Array[][]> {
  for (const p of all) p.heard.length = 0;
  assert.equal(await from.phone.play(tone([hz], ms, 0.4)), 'done');
  await sleep(200);
  return all.map((p) => [...p.heard]);
}

test('everyone hears the one who speaks, never themselves; a muted participant is not heard; one on hold hears nothing', async (t) => {
  const s = await setup(t);
  const [a, b, c] = [await s.phone(), await s.phone(), await s.phone()];
  const pa = await s.join(a);
  await s.join(b);
  const pc = await s.join(c);
  assert.ok(pa.started.aborted, 'the first participant started it');

  let [atA, atB, atC] = await speak(a, 600, 800, [a, b, c]);
  for (const heard of [atB!, atC!]) {
    assert.ok(loudMs(heard) >= 600, `a listener heard ${loudMs(heard)} ms of the speaker`);
    assert.ok(Math.abs(zeroCrossingHz(concat(heard.filter((f) => loudMs([f]) > 0))) - 600) < 40, 'and heard 600 Hz');
  }
  assert.ok(loudMs(atA!) < 100, `the speaker heard ${loudMs(atA!)} ms of itself`);

  pa.room.setMuted(pa, true);
  [, atB] = await speak(a, 600, 500, [a, b]);
  assert.ok(loudMs(atB!) < 60, 'a muted participant is not heard');

  pc.room.setHold(pc, true);
  [atA, , atC] = await speak(b, 400, 500, [a, b, c]);
  assert.ok(loudMs(atA!) >= 350, 'the muted one still hears');
  assert.ok(loudMs(atC!) < 60, 'the one on hold hears nothing');
});

test('a coach is heard by the participant they coach alone, hears everyone, and is not in the recording; stopping makes them heard by all', async (t) => {
  const s = await setup(t);
  const [agent, customer, supervisor] = [await s.phone(), await s.phone(), await s.phone()];
  const pa = await s.join(agent, { record: 'record-from-start', recordingStatusCallback: `${s.app.url}/coached` });
  await s.join(customer);
  const ps = await s.join(supervisor, { coach: agent.sid });
  assert.equal(ps.coaching, agent.sid);

  let [atAgent, atCustomer, atSupervisor] = await speak(supervisor, 700, 600, [agent, customer, supervisor]);
  assert.ok(loudMs(atAgent!) >= 450, `the coached agent heard ${loudMs(atAgent!)} ms of the coach`);
  assert.ok(Math.abs(zeroCrossingHz(concat(atAgent!.filter((f) => loudMs([f]) > 0))) - 700) < 40, 'and heard 700 Hz');
  assert.ok(loudMs(atCustomer!) < 60, `the customer heard ${loudMs(atCustomer!)} ms of the coach`);
  assert.ok(loudMs(atSupervisor!) < 60, 'the coach does not hear themselves');

  // The coach hears the call: both the agent and the customer.
  [, , atSupervisor] = await speak(customer, 400, 500, [agent, customer, supervisor]);
  assert.ok(loudMs(atSupervisor!) >= 350, `the coach heard ${loudMs(atSupervisor!)} ms of the customer`);
  [, , atSupervisor] = await speak(agent, 500, 500, [agent, customer, supervisor]);
  assert.ok(loudMs(atSupervisor!) >= 350, `the coach heard ${loudMs(atSupervisor!)} ms of the agent`);

  // Barge in: coaching stops, and everyone hears the supervisor.
  pa.room.setCoaching(ps, undefined);
  [atAgent, atCustomer] = await speak(supervisor, 900, 500, [agent, customer]);
  assert.ok(loudMs(atAgent!) >= 350 && loudMs(atCustomer!) >= 350, `after coaching: agent ${loudMs(atAgent!)} ms, customer ${loudMs(atCustomer!)} ms`);

  // The room's recording has the call and the barge-in, not the whispered coaching.
  pa.room.end('conference-ended-via-api');
  const got = (await s.app.waitFor((r) => r.some((x) => x.path === '/coached'))).find((x) => x.path === '/coached')!.params;
  const pcm = readWav(await s.recordings.readWav(s.recordings.get(got.RecordingSid!)!));
  const hz: number[] = [];
  for (let i = 0; i + 160 <= pcm.length; i += 160) {
    const f = pcm.subarray(i, i + 160);
    if (loudMs([f]) > 0) hz.push(zeroCrossingHz(f));
  }
  const near = (target: number) => hz.filter((h) => Math.abs(h - target) < 40).length;
  assert.ok(near(400) > 10 && near(500) > 10 && near(900) > 10, `the customer, the agent and the barge-in are recorded: ${near(400)}/${near(500)}/${near(900)} frames`);
  assert.ok(near(700) <= 2, `${near(700)} frames of the coaching were recorded`);
});

test('a room waits for a participant who starts it, ends when one with endConferenceOnExit leaves, and reports each step', async (t) => {
  const s = await setup(t);
  const [a, b] = [await s.phone(), await s.phone()];
  const events = { statusCallback: `${s.app.url}/conf`, statusCallbackEvent: ['start', 'end', 'join', 'leave'] as DialConference['statusCallbackEvent'] };
  const pa = await s.join(a, { startConferenceOnEnter: false, ...events });
  assert.equal(pa.started.aborted, false, 'a participant who does not start it waits');
  const sid = pa.conferenceSid;
  assert.match(sid, /^CF[0-9a-f]{32}$/);
  assert.equal(s.tables.conferences.get(sid)?.status, 'init');

  const pb = await s.join(b, { endConferenceOnExit: true, beep: 'true' });
  assert.ok(pa.started.aborted && pb.started.aborted);
  const [atA] = await speak(b, 500, 300, [a]);
  assert.ok(loudMs(atA!) >= 200);

  pb.leave();
  assert.ok(pa.left.aborted, 'everyone leaves when the conference ends');
  await pa.room.whenSaved();
  const done = s.tables.conferences.get(sid)!;
  assert.equal(done.status, 'completed');
  assert.equal(done.reasonConferenceEnded, 'participant-with-end-conference-on-exit-left');
  assert.equal(done.callSidEndingConference, b.sid);

  const got = await s.app.waitFor((r) => r.filter((x) => x.path === '/conf').length === 6);
  // Each callback is its own request: they are put in order by their SequenceNumber, as an app would.
  const calls = got.filter((x) => x.path === '/conf').sort((x, y) => Number(x.params.SequenceNumber) - Number(y.params.SequenceNumber));
  assert.deepEqual(calls.map((x) => [x.params.StatusCallbackEvent, x.params.CallSid ?? '']), [
    ['participant-join', a.sid],
    ['participant-join', b.sid],
    ['conference-start', ''],
    ['participant-leave', b.sid],
    ['participant-leave', a.sid],
    ['conference-end', ''],
  ]);
  assert.ok(calls.every((x) => x.signatureValid && x.params.ConferenceSid === sid && x.params.FriendlyName === 'standup'));
  assert.deepEqual(calls.map((x) => x.params.SequenceNumber), ['0', '1', '2', '3', '4', '5'], 'numbered from 0 with no gap');
  assert.equal(calls[5]!.params.ReasonConferenceEnded, 'participant-with-end-conference-on-exit-left');

  // The name is free again: the next join opens a new room.
  const again = await s.join(a);
  assert.notEqual(again.conferenceSid, sid);
  again.leave();
});

test('a join beep is heard by those already in the room; a full room refuses the next caller', async (t) => {
  const s = await setup(t);
  const [a, b, c] = [await s.phone(), await s.phone(), await s.phone()];
  await s.join(a, { beep: 'true', maxParticipants: 2 });
  a.heard.length = 0;
  await s.join(b, { maxParticipants: 2 });
  await sleep(500);
  assert.ok(loudMs(a.heard) >= 200, `the one in the room heard ${loudMs(a.heard)} ms of beep`);
  assert.ok(Math.abs(zeroCrossingHz(concat(a.heard.filter((f) => loudMs([f]) > 0))) - 880) < 40, 'at 880 Hz');
  const refused = await s.conferences.forCall({ sid: c.sid, accountSid: ACCOUNT, media: c.leg }).join(room({ maxParticipants: 2 }));
  assert.ok('full' in refused);
});

test('record-from-start: the room\'s whole mix is stored as a Conference recording when it ends, and recordingStatusCallback is told', async (t) => {
  const s = await setup(t);
  const [a, b] = [await s.phone(), await s.phone()];
  const pa = await s.join(a, { record: 'record-from-start', recordingStatusCallback: `${s.app.url}/recorded` });
  await s.join(b);
  await speak(a, 600, 600, [b]);
  await speak(b, 400, 600, [a]);
  pa.room.end('conference-ended-via-api');
  const got = (await s.app.waitFor((r) => r.some((x) => x.path === '/recorded'))).find((x) => x.path === '/recorded')!.params;
  assert.equal(got.RecordingStatus, 'completed');
  assert.equal(got.RecordingSource, 'Conference');
  assert.equal(got.ConferenceSid, pa.conferenceSid);
  const rec = s.recordings.get(got.RecordingSid!)!;
  assert.equal(rec.conferenceSid, pa.conferenceSid);
  assert.equal(rec.callSid, null);
  assert.ok(Number(got.RecordingDuration) >= 1);
  // Both voices are in it, one after the other.
  const pcm = readWav(await s.recordings.readWav(rec));
  const frames: Int16Array[] = [];
  for (let i = 0; i + 160 <= pcm.length; i += 160) frames.push(pcm.subarray(i, i + 160));
  const voiced = frames.filter((f) => loudMs([f]) > 0);
  assert.ok(voiced.length * 20 >= 1_000, `${voiced.length * 20} ms of the two voices recorded`);
  const hz = voiced.map((f) => zeroCrossingHz(f));
  assert.ok(hz.some((h) => Math.abs(h - 600) < 60) && hz.some((h) => Math.abs(h - 400) < 60), 'both tones are in the mix');
});

test('record-from-start with recordingStatusCallbackEvent="in-progress completed": the start is told when the room starts, under the SID it is stored as', async (t) => {
  const s = await setup(t);
  const [a, b] = [await s.phone(), await s.phone()];
  const pa = await s.join(a, { record: 'record-from-start', recordingStatusCallback: `${s.app.url}/rec`, recordingStatusCallbackEvent: ['in-progress', 'completed'] });
  await s.join(b);
  const [started] = (await s.app.waitFor((r) => r.some((x) => x.path === '/rec'))).filter((x) => x.path === '/rec');
  assert.equal(started!.params.RecordingStatus, 'in-progress');
  assert.equal(started!.params.ConferenceSid, pa.conferenceSid);
  assert.equal(started!.signatureValid, true);
  const sid = started!.params.RecordingSid!;
  assert.match(sid, /^RE[0-9a-f]{32}$/);
  await speak(a, 600, 600, [b]);
  pa.room.end('conference-ended-via-api');
  const both = (await s.app.waitFor((r) => r.filter((x) => x.path === '/rec').length >= 2)).filter((x) => x.path === '/rec');
  assert.deepEqual(both.map((x) => [x.params.RecordingStatus, x.params.RecordingSid]), [['in-progress', sid], ['completed', sid]]);
  assert.equal(both[1]!.params.RecordingUrl, started!.params.RecordingUrl);
  assert.equal(s.recordings.get(sid)?.conferenceSid, pa.conferenceSid);
});
