// Recording a live call through the API: `POST …/Calls/{CA}/Recordings.json` starts a recording (as
// <Start><Recording> does, with the API's defaults: both tracks, one channel, no trimming) and
// `POST …/Calls/{CA}/Recordings/{RE}.json` pauses (PauseBehavior skip or silence), resumes or stops it;
// `POST …/Conferences/{CF}/Recordings/{RE}.json` does the same to a live room's recording. `Twilio.CURRENT` names
// the one live recording. Fetching and listing are in recordings.ts.
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import type { RouteModule } from './app.js';
import { CALL_RECORDING_TRACKS, RECORDING_EVENTS, type CallRecordingSpec, type CallRecordingTrack, type RecordingEvent } from '../../protocols/twiml/index.js';
import { CallStateError, type Voice } from '../voice/voice.js';
import { MAX_LIVE_RECORDINGS_PER_CALL, type LiveRecording, type PauseBehavior } from '../voice/live-recordings.js';
import { liveCallRecordingJson, liveConferenceRecordingJson } from './recordings.js';
import { accountCall } from './streams.js';
import type { Recordings } from '../voice/recordings.js';
import { ApiError, badRequest, notFound } from './errors.js';
import { list, method, str, url, type RawParams } from './params.js';

/** The SID that names the call's one live recording. */
const CURRENT = 'Twilio.CURRENT';

function oneOf<T extends string>(p: RawParams, name: string, allowed: readonly T[], fallback: T): T {
  const v = str(p, name);
  if (v === undefined || v === '') return fallback;
  if (!(allowed as readonly string[]).includes(v)) throw badRequest(21000, `${name} must be one of ${allowed.join(', ')}, got '${v}'`);
  return v as T;
}

function parseCreate(p: RawParams): CallRecordingSpec {
  const events = list(p, 'RecordingStatusCallbackEvent').flatMap((e) => e.split(/[\s,]+/)).filter((e) => e !== '');
  for (const e of events) {
    if (!(RECORDING_EVENTS as readonly string[]).includes(e)) throw badRequest(21626, `RecordingStatusCallbackEvent '${e}' is not one of ${RECORDING_EVENTS.join(', ')}`);
  }
  const callback = url(p, 'RecordingStatusCallback', 21609);
  return {
    track: oneOf<CallRecordingTrack>(p, 'RecordingTrack', CALL_RECORDING_TRACKS, 'both'),
    channels: oneOf(p, 'RecordingChannels', ['mono', 'dual'] as const, 'mono'),
    trim: oneOf(p, 'Trim', ['trim-silence', 'do-not-trim'] as const, 'do-not-trim'),
    ...(callback && { recordingStatusCallback: callback }),
    recordingStatusCallbackMethod: method(p, 'RecordingStatusCallbackMethod', 21609) ?? 'POST',
    recordingStatusCallbackEvent: events.length ? ([...new Set(events)] as RecordingEvent[]) : ['completed'],
  };
}

type Change = { to: 'paused'; behavior: PauseBehavior } | { to: 'in-progress' } | { to: 'stopped' };

function parseUpdate(p: RawParams): Change {
  const status = str(p, 'Status');
  if (status === undefined || status === '') throw badRequest(21000, "Missing required parameter 'Status'");
  if (status === 'paused') return { to: 'paused', behavior: oneOf<PauseBehavior>(p, 'PauseBehavior', ['skip', 'silence'], 'silence') };
  if (status === 'in-progress' || status === 'stopped') return { to: status };
  throw badRequest(21000, `Status must be paused, in-progress or stopped, got '${status}'`);
}

export function registerRecordingControlRoutes(voice: Voice, recordings: Recordings): RouteModule {
  return (app: FastifyInstance, _deps: ApiDeps) => {
    const base = '/2010-04-01/Accounts/:AccountSid/Calls/:CallSid/Recordings';

    const callOf = (accountSid: string, callSid: string) => accountCall(voice, accountSid, callSid);

    app.post(`${base}.json`, async (req, reply) => {
      const c = callOf(req.account.sid, (req.params as { CallSid: string }).CallSid);
      const spec = parseCreate((req.body ?? {}) as RawParams);
      let started: LiveRecording | undefined;
      try {
        started = voice.startRecording(c.sid, spec);
      } catch (err) {
        if (err instanceof CallStateError) throw badRequest(21220, `Call is not in-progress. Cannot create a recording. (${err.message})`);
        throw err;
      }
      if (!started) throw badRequest(21220, `Call ${c.sid} already has ${MAX_LIVE_RECORDINGS_PER_CALL} recordings in progress`);
      reply.code(201);
      return liveCallRecordingJson(started.view());
    });

    app.post(`${base}/:Sid.json`, async (req) => {
      const { CallSid, Sid } = req.params as { CallSid: string; Sid: string };
      const c = callOf(req.account.sid, CallSid);
      const change = parseUpdate((req.body ?? {}) as RawParams);
      const recording = pick(voice, recordings, c.sid, Sid, req.account.sid);
      if (change.to === 'paused') return liveCallRecordingJson(await recording.pause(change.behavior));
      if (change.to === 'in-progress') return liveCallRecordingJson(await recording.resume());
      // Stopped at once; stored (and its status callback told) as soon as the audio is written.
      void recording.stop();
      return liveCallRecordingJson({ ...recording.view(), status: 'stopped', dateUpdated: Date.now() });
    });

    app.post('/2010-04-01/Accounts/:AccountSid/Conferences/:ConferenceSid/Recordings/:Sid.json', async (req) => {
      const { ConferenceSid, Sid } = req.params as { ConferenceSid: string; Sid: string };
      const accountSid = req.account.sid;
      const change = parseUpdate((req.body ?? {}) as RawParams);
      const room = voice.conferences.room(accountSid, ConferenceSid);
      const rec = room?.liveRecording;
      if (!room || !rec || (Sid !== CURRENT && Sid !== rec.id.sid)) {
        const stored = recordings.get(Sid);
        if (stored?.conferenceSid === ConferenceSid && stored.accountSid === accountSid) {
          throw badRequest(21220, `Recording ${Sid} is no longer in progress: only a recording in progress or paused can be changed`);
        }
        if (room && Sid === CURRENT) throw notFound(`Conference ${ConferenceSid} has no recording in progress or paused`);
        throw notFound(`The requested resource /2010-04-01/Accounts/${accountSid}/Conferences/${ConferenceSid}/Recordings/${Sid}.json was not found`);
      }
      const before = room.liveRecordingView()!;
      if (change.to === 'paused') rec.pause(change.behavior);
      else if (change.to === 'in-progress') rec.resume();
      else room.stopRecording();
      return liveConferenceRecordingJson(room.liveRecordingView() ?? { ...before, status: 'stopped', dateUpdated: Date.now() });
    });
  };
}

/** The live recording named by SID, or the call's only one for Twilio.CURRENT. */
function pick(voice: Voice, recordings: Recordings, callSid: string, sid: string, accountSid: string): LiveRecording {
  const where = `/2010-04-01/Accounts/${accountSid}/Calls/${callSid}/Recordings/${sid}.json`;
  if (sid === CURRENT) {
    const live = voice.liveRecordings(callSid);
    if (live.length === 0) throw notFound(`Call ${callSid} has no recording in progress or paused`);
    if (live.length > 1) throw new ApiError(400, 16108, `Call ${callSid} has ${live.length} recordings in progress: name one by its SID instead of ${CURRENT}`);
    return live[0]!;
  }
  const r = voice.liveRecording(callSid, sid);
  if (r && r.status !== 'stopped') return r;
  if (r || recordings.get(sid)?.callSid === callSid) throw badRequest(21220, `Recording ${sid} is no longer in progress: only a recording in progress or paused can be changed`);
  throw notFound(`The requested resource ${where} was not found`);
}
