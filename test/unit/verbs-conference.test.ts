// <Dial><Conference> as a verb: a real call leg over loopback RTP, a real webhook app, real conference rooms. The
// caller waits hearing the waitUrl until someone starts the room, talks until it ends (or they press * with
// hangupOnStar), and the Dial's action hears how it went.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpEndpoint, PortPool, type NegotiatedMedia } from '../../protocols/rtp/index.js';
import { runVerb } from '../../actors/call/verbs/index.js';
import { CONFERENCE_FULL } from '../../actors/call/verbs/conference.js';
import type { DialConference } from '../../protocols/twiml/index.js';
import { waitUntil } from '../helpers/webhook-app.js';
import { ACCOUNT_SID, harness, type Harness } from './verbs-harness.js';
import type { Participant } from '../../src/voice/conferences.js';

const twiml = (inner: string) => `<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>`;
const ulaw: NegotiatedMedia = { codec: { pt: 0, name: 'PCMU', rate: 8000 }, telephoneEventPt: 101 };
let others = 0;

/** Another participant, joined straight through the rooms (its own leg on loopback, nobody on the far end). */
async function other(h: Harness, t: { after(f: () => Promise<void>): void }, noun: Partial<DialConference> = {}): Promise<Participant> {
  const base = 30000 + 2 * Math.floor(Math.random() * 5000);
  const leg = await RtpEndpoint.open({ pool: new PortPool(`${base}-${base + 1}`), media: ulaw });
  t.after(() => leg.close());
  const seat = await h.conferences.forCall({ sid: 'CA' + String(++others).padStart(32, 'f'), accountSid: ACCOUNT_SID, media: leg }).join({
    name: 'standup', muted: false, beep: 'false', startConferenceOnEnter: true, endConferenceOnExit: false,
    waitMethod: 'POST', maxParticipants: 250, statusCallbackMethod: 'POST', statusCallbackEvent: [], record: 'do-not-record', recordingStatusCallbackMethod: 'POST', recordingStatusCallbackEvent: ['completed'], ...noun,
  });
  assert.ok(!('full' in seat));
  return seat as Participant;
}

test('the caller hears the waitUrl until someone starts the room, is in it until it ends, then the action hears completed', async (t) => {
  const h = await harness(t);
  h.app.respond('/wait', { body: twiml('<Pause length="1"/>') });
  h.app.respond('/dialed', { body: twiml('<Say>The meeting is over.</Say>') });
  const [verb] = h.twiml('<Response><Dial action="/dialed"><Conference startConferenceOnEnter="false" waitUrl="/wait">standup</Conference></Dial></Response>');
  const running = runVerb(verb!, h.ctx);
  await h.app.waitFor((r) => r.filter((x) => x.path === '/wait').length >= 2, 8_000);
  assert.ok(h.events.includes('answer'));

  const host = await other(h, t);
  assert.ok(host.started.aborted);
  const waitsBefore = h.app.requests.filter((x) => x.path === '/wait').length;
  await new Promise((r) => setTimeout(r, 1_500));
  assert.equal(h.app.requests.filter((x) => x.path === '/wait').length, waitsBefore, 'no more hold once the room started');
  assert.equal(host.room.participants.size, 2);

  host.room.end('conference-ended-via-api');
  const outcome = await running;
  assert.equal(outcome.next, 'document');
  const dialed = h.app.requests.find((x) => x.path === '/dialed')!.params;
  assert.equal(dialed.DialCallStatus, 'completed');
  assert.ok(Number(dialed.DialCallDuration) >= 1);
});

test('hangupOnStar: * takes the caller out of the room and the document goes on; the room ends as the last one leaves', async (t) => {
  const h = await harness(t);
  const [verb] = h.twiml('<Response><Dial hangupOnStar="true"><Conference>standup</Conference></Dial></Response>');
  const running = runVerb(verb!, h.ctx);
  await waitUntil(() => (h.conferences.participants === 1 ? true : undefined), 5_000, 'the caller to join');
  await h.caller.sendDigits('*');
  assert.deepEqual(await running, { next: 'continue' });
  assert.equal(h.conferences.participants, 0);
});

test('a full room: notification 16020 and the action hears failed', async (t) => {
  const h = await harness(t);
  await other(h, t, { maxParticipants: 2 });
  const second = await other(h, t, { maxParticipants: 2 });
  h.app.respond('/dialed', { body: twiml('<Hangup/>') });
  const [verb] = h.twiml('<Response><Dial action="/dialed"><Conference maxParticipants="2">standup</Conference></Dial></Response>');
  const outcome = await runVerb(verb!, h.ctx);
  assert.deepEqual(outcome, { next: 'document', verbs: [{ verb: 'Hangup' }], documentUrl: `${h.app.url}/dialed` });
  assert.equal(h.app.requests.find((x) => x.path === '/dialed')!.params.DialCallStatus, 'failed');
  assert.deepEqual(h.notes.map((n) => n.code), [CONFERENCE_FULL]);
  second.room.end('conference-ended-via-api');
});
