// What conference mixing costs tandem's main thread: ROOMS rooms of SIZE participants, every participant's leg and
// its far-end "phone" in real media workers (as `npm start` runs them), one phone per room talking all the time (a
// looped 440 Hz tone) and the rest silent, the rooms mixed by src/voice/conferences.ts on this thread's media clock.
// Prints the main thread's busy share (event-loop utilisation) with the rooms mixing against the same endpoints with
// no room, per participant, and how much of the talker's audio the listeners received.
//
//   node --import tsx bench/micro/conference-mix.ts [rooms=25] [size=4] [seconds=10]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MediaPlane, PortPool, tone, type MediaEndpoint, type NegotiatedMedia } from '../../protocols/rtp/index.js';
import type { DialConference } from '../../protocols/twiml/index.js';
import { closeTables, openTables } from '../../src/store/db.js';
import { ConferenceStore } from '../../src/voice/conference-store.js';
import { Conferences } from '../../src/voice/conferences.js';

const rooms = Number(process.argv[2] ?? 25);
const size = Number(process.argv[3] ?? 4);
const seconds = Number(process.argv[4] ?? 10);
const ulaw: NegotiatedMedia = { codec: { pt: 0, name: 'PCMU', rate: 8000 }, telephoneEventPt: 101 };
const noun: DialConference = {
  name: '', muted: false, beep: 'false', startConferenceOnEnter: true, endConferenceOnExit: false, waitMethod: 'POST',
  maxParticipants: 250, statusCallbackMethod: 'POST', statusCallbackEvent: [], record: 'do-not-record', recordingStatusCallbackMethod: 'POST', recordingStatusCallbackEvent: ['completed'],
};

async function busyShare(ms: number): Promise<number> {
  const before = performance.eventLoopUtilization();
  await new Promise((r) => setTimeout(r, ms));
  return performance.eventLoopUtilization(before).utilization;
}

const dir = mkdtempSync(join(tmpdir(), 'tandem-conf-bench-'));
const tables = openTables(dir);
const plane = await MediaPlane.start({ workers: 2 });
const pool = new PortPool('42000-44999');
const legs: { leg: MediaEndpoint; phone: MediaEndpoint; heard: number }[] = [];
for (let i = 0; i < rooms * size; i++) {
  const leg = await plane.open({ pool, host: '127.0.0.1', media: ulaw });
  const phone = await plane.open({ pool, host: '127.0.0.1', media: ulaw, sendSilence: true });
  leg.setRemote({ address: '127.0.0.1', port: phone.port });
  phone.setRemote({ address: '127.0.0.1', port: leg.port });
  const entry = { leg, phone, heard: 0 };
  legs.push(entry);
}
const talk = tone([440], 1000, 0.3);
for (let r = 0; r < rooms; r++) void legs[r * size]!.phone.play(talk, { loop: 0 });
// Every leg listens the way a room does, so the baseline pays the same worker → main audio traffic minus the mix.
const drop = () => undefined;
for (const l of legs) l.leg.on('audio', drop);
await new Promise((r) => setTimeout(r, 1_000));
const baseline = await busyShare(seconds * 1000);
for (const l of legs) l.leg.off('audio', drop);

const conferences = new Conferences({ store: new ConferenceStore(tables), postCallback: () => undefined, newRecording: () => ({ sid: '', url: '' }), saveRecording: async () => ({ sid: '', url: '', durationSeconds: 0 }), log: { error: () => undefined } });
for (let r = 0; r < rooms; r++) {
  for (let i = 0; i < size; i++) {
    const l = legs[r * size + i]!;
    await conferences.forCall({ sid: `CA${String(r * size + i).padStart(32, '0')}`, accountSid: 'AC' + '0'.repeat(32), media: l.leg }).join({ ...noun, name: `room-${r}` });
    if (i > 0) l.phone.on('audio', (f: Int16Array) => { if (f.some((v) => Math.abs(v) > 500)) l.heard += f.length; });
  }
}
await new Promise((r) => setTimeout(r, 1_000));
for (const l of legs) l.heard = 0;
const mixing = await busyShare(seconds * 1000);
const listeners = legs.filter((_, i) => i % size !== 0);
const heardShare = listeners.reduce((s, l) => s + l.heard, 0) / (listeners.length * seconds * 8000);

const participants = rooms * size;
const result = {
  rooms,
  size,
  participants,
  main_thread_busy_without_rooms: Number(baseline.toFixed(4)),
  main_thread_busy_mixing: Number(mixing.toFixed(4)),
  main_thread_share_per_participant_pct: Number((((mixing - baseline) / participants) * 100).toFixed(4)),
  listeners_heard_talker_share: Number(heardShare.toFixed(3)),
};
console.log(JSON.stringify(result));
await plane.close();
await closeTables(tables);
rmSync(dir, { recursive: true, force: true });
process.exit(0);
