// /2010-04-01/Accounts/{AccountSid}/Recordings and /Calls/{CallSid}/Recordings: list (newest first, CallSid and
// DateCreated filters, paging), fetch as JSON, fetch the audio (`.wav`, or no extension: Twilio serves WAV there
// too), delete (record and audio). A live call's recordings still in progress or paused (call-recordings.ts starts
// and changes them) are fetched and listed too, first, until they are stored.
import type { FastifyReply } from 'fastify';
import type { RouteModule } from './app.js';
import { defaultTrack, type RecordingRecord, type Recordings } from '../voice/recordings.js';
import type { LiveRecordingLookup, LiveRecordingView } from '../voice/live-recordings.js';
import { rfc2822 } from '../util/time.js';
import { badRequest, notFound } from './errors.js';
import { str, type RawParams } from './params.js';
import { pageEnvelope, parsePageRequest, scanPage } from './paging.js';

function common(r: RecordingRecord): Record<string, unknown> {
  return {
    account_sid: r.accountSid,
    api_version: '2010-04-01',
    call_sid: r.callSid,
    conference_sid: r.conferenceSid ?? null,
    date_created: rfc2822(r.dateCreated),
    date_updated: rfc2822(r.dateUpdated),
    start_time: rfc2822(r.startTime),
    duration: String(r.durationSeconds),
    sid: r.sid,
    price: null,
    price_unit: 'USD',
    status: r.status,
    channels: r.channels,
    source: r.source,
    error_code: null,
    encryption_details: null,
  };
}

/** Twilio's api.v2010.account.recording. */
export function recordingJson(r: RecordingRecord, recordings: Recordings): Record<string, unknown> {
  const path = recordings.path(r);
  return {
    ...common(r),
    uri: `${path}.json`,
    subresource_uris: {
      add_on_results: `${path}/AddOnResults.json`,
      transcriptions: `${path}/Transcriptions.json`,
    },
    media_url: recordings.url(r),
  };
}

/** Twilio's api.v2010.account.call.call_recording: the same recording seen under its call. */
export function callRecordingJson(r: RecordingRecord): Record<string, unknown> {
  return {
    ...common(r),
    uri: `/2010-04-01/Accounts/${r.accountSid}/Calls/${r.callSid}/Recordings/${r.sid}.json`,
    track: r.track ?? defaultTrack(r.source),
  };
}

/** A live recording's fields: no duration or price until it is stored (Twilio's in-progress example). */
function liveCommon(v: LiveRecordingView): Record<string, unknown> {
  return {
    account_sid: v.accountSid,
    api_version: '2010-04-01',
    call_sid: v.callSid,
    conference_sid: v.conferenceSid,
    date_created: rfc2822(v.dateCreated),
    date_updated: rfc2822(v.dateUpdated),
    start_time: rfc2822(v.startTime),
    duration: null,
    sid: v.sid,
    price: null,
    price_unit: null,
    status: v.status,
    channels: v.channels,
    source: v.source,
    error_code: null,
    encryption_details: null,
  };
}

/** A live recording under its call. */
export function liveCallRecordingJson(v: LiveRecordingView): Record<string, unknown> {
  return { ...liveCommon(v), track: v.track, uri: `/2010-04-01/Accounts/${v.accountSid}/Calls/${v.callSid}/Recordings/${v.sid}.json` };
}

/** A live room's recording under its conference. */
export function liveConferenceRecordingJson(v: LiveRecordingView): Record<string, unknown> {
  return { ...liveCommon(v), uri: `/2010-04-01/Accounts/${v.accountSid}/Conferences/${v.conferenceSid}/Recordings/${v.sid}.json` };
}

function liveRecordingJson(v: LiveRecordingView, recordings: Recordings): Record<string, unknown> {
  const path = recordings.path(v);
  return {
    ...liveCommon(v),
    uri: `${path}.json`,
    subresource_uris: { add_on_results: `${path}/AddOnResults.json`, transcriptions: `${path}/Transcriptions.json` },
    media_url: recordings.url(v),
  };
}

const NO_LIVE: LiveRecordingLookup = { ofCall: () => [], ofConference: () => [], ofAccount: () => [], find: () => undefined };

/** Twilio's api.v2010.account.conference.conference_recording. */
export function conferenceRecordingJson(r: RecordingRecord): Record<string, unknown> {
  return { ...common(r), uri: `/2010-04-01/Accounts/${r.accountSid}/Conferences/${r.conferenceSid}/Recordings/${r.sid}.json` };
}

const DAY = 86_400_000;

/** DateCreated filters take YYYY-MM-DD (the spec) or a full ISO date-time (what twilio-node sends). */
function dateBound(raw: string | undefined, name: string): { day: boolean; t: number } | undefined {
  if (raw === undefined || raw === '') return undefined;
  const day = /^\d{4}-\d{2}-\d{2}$/.test(raw);
  const t = Date.parse(day ? raw + 'T00:00:00Z' : raw);
  if (Number.isNaN(t)) throw badRequest(21000, `${name} must be a date (YYYY-MM-DD) or an ISO 8601 date-time, got '${raw}'`);
  return { day, t };
}

function dateFilter(q: RawParams): (r: Pick<RecordingRecord, 'dateCreated'>) => boolean {
  const on = dateBound(str(q, 'DateCreated'), 'DateCreated');
  const before = dateBound(str(q, 'DateCreated<'), 'DateCreated<');
  const after = dateBound(str(q, 'DateCreated>'), 'DateCreated>');
  return (r) => {
    const d = r.dateCreated;
    if (on && (d < on.t || d >= on.t + (on.day ? DAY : 1000))) return false;
    if (before && d > before.t + (before.day ? DAY - 1 : 0)) return false;
    if (after && d < after.t) return false;
    return true;
  };
}

function filtersOf(q: RawParams, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of names) {
    const v = str(q, k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** `RE….json`, `RE….wav`, `RE…` (audio), `RE….mp3` → sid and what is asked for. */
function parseFile(file: string): { sid: string; as: 'json' | 'wav' | 'mp3' } {
  const m = /^(RE[0-9a-fA-F]{32})(?:\.(json|wav|mp3))?$/.exec(file);
  if (!m) return { sid: '', as: 'json' };
  return { sid: m[1]!, as: (m[2] as 'json' | 'wav' | 'mp3' | undefined) ?? 'wav' };
}

export function recordingRoutes(recordings: Recordings, live: LiveRecordingLookup = NO_LIVE): RouteModule {
  return (app) => {
    const base = '/2010-04-01/Accounts/:AccountSid/Recordings';
    const callBase = '/2010-04-01/Accounts/:AccountSid/Calls/:CallSid/Recordings';

    const confBase = '/2010-04-01/Accounts/:AccountSid/Conferences/:ConferenceSid/Recordings';

    const load = (accountSid: string, file: string, callSid?: string, conferenceSid?: string) => {
      const { sid, as } = parseFile(file);
      const r = sid ? recordings.get(sid) : undefined;
      const where = callSid
        ? `/2010-04-01/Accounts/${accountSid}/Calls/${callSid}/Recordings/${file}`
        : conferenceSid
          ? `/2010-04-01/Accounts/${accountSid}/Conferences/${conferenceSid}/Recordings/${file}`
          : `/2010-04-01/Accounts/${accountSid}/Recordings/${file}`;
      if (!r || r.accountSid !== accountSid || (callSid !== undefined && r.callSid !== callSid) || (conferenceSid !== undefined && r.conferenceSid !== conferenceSid)) {
        throw notFound(`The requested resource ${where} was not found`);
      }
      return { r, as };
    };

    /** A recording still in progress or paused on a live call of the account (and of that call, when one is named). */
    const liveOne = (accountSid: string, file: string, callSid?: string, conferenceSid?: string): { v: LiveRecordingView; as: 'json' | 'wav' | 'mp3' } | undefined => {
      const { sid, as } = parseFile(file);
      const v = sid ? live.find(sid) : undefined;
      if (!v || v.accountSid !== accountSid || (callSid !== undefined && v.callSid !== callSid) || (conferenceSid !== undefined && v.conferenceSid !== conferenceSid)) return undefined;
      if (as !== 'json') throw notFound(`Recording ${v.sid} is ${v.status}: its audio is served once it is stopped and stored`);
      return { v, as };
    };

    /** Live recordings go first on a list's first page (they are the newest), filtered as the stored ones are. */
    const liveFirst = (q: RawParams, views: LiveRecordingView[]): LiveRecordingView[] => {
      const page = parsePageRequest(q);
      if (page.page !== 0 || page.after !== undefined) return [];
      const byDate = dateFilter(q);
      return views.filter((v) => byDate({ dateCreated: v.dateCreated })).reverse();
    };

    const sendAudio = async (r: RecordingRecord, as: 'json' | 'wav' | 'mp3', reply: FastifyReply) => {
      if (as === 'mp3') throw notFound(`Recording ${r.sid} is kept as WAV only; fetch ${recordings.path(r)}.wav`);
      let wav: Buffer;
      try {
        wav = await recordings.readWav(r);
      } catch {
        throw notFound(`The audio of recording ${r.sid} is no longer stored`);
      }
      reply.header('content-type', 'audio/x-wav');
      reply.header('content-length', String(wav.length));
      return reply.send(wav);
    };

    app.get(`${base}.json`, async (req) => {
      const q = req.query as RawParams;
      const page = parsePageRequest(q);
      const callSid = str(q, 'CallSid');
      const byDate = dateFilter(q);
      const sid = req.account.sid;
      const { records, nextAfter } =
        callSid !== undefined && callSid !== ''
          ? scanPage(recordings.byCall, [callSid, -Infinity, ''], [callSid, Infinity, ''], page, (id) => recordings.get(id), (r) => r.accountSid === sid && byDate(r))
          : scanPage(recordings.byAccount, [sid, -Infinity, ''], [sid, Infinity, ''], page, (id) => recordings.get(id), byDate);
      return pageEnvelope(
        'recordings',
        `/2010-04-01/Accounts/${sid}/Recordings.json`,
        filtersOf(q, ['CallSid', 'DateCreated', 'DateCreated<', 'DateCreated>']),
        page,
        [
          ...liveFirst(q, live.ofAccount(sid).filter((v) => !callSid || v.callSid === callSid)).map((v) => liveRecordingJson(v, recordings)),
          ...records.map((r) => recordingJson(r, recordings)),
        ],
        nextAfter,
      );
    });

    app.get(`${base}/:File`, async (req, reply) => {
      const file = (req.params as { File: string }).File;
      const l = liveOne(req.account.sid, file);
      if (l) return liveRecordingJson(l.v, recordings);
      const { r, as } = load(req.account.sid, file);
      if (as === 'json') return recordingJson(r, recordings);
      return sendAudio(r, as, reply);
    });

    app.delete(`${base}/:File`, async (req, reply) => {
      const { r } = load(req.account.sid, (req.params as { File: string }).File);
      await recordings.remove(r);
      reply.code(204);
      return null;
    });

    app.get(`${callBase}.json`, async (req) => {
      const q = req.query as RawParams;
      const page = parsePageRequest(q);
      const callSid = (req.params as { CallSid: string }).CallSid;
      const sid = req.account.sid;
      const byDate = dateFilter(q);
      const { records, nextAfter } = scanPage(
        recordings.byCall,
        [callSid, -Infinity, ''],
        [callSid, Infinity, ''],
        page,
        (id) => recordings.get(id),
        (r) => r.accountSid === sid && byDate(r),
      );
      return pageEnvelope(
        'recordings',
        `/2010-04-01/Accounts/${sid}/Calls/${callSid}/Recordings.json`,
        filtersOf(q, ['DateCreated', 'DateCreated<', 'DateCreated>']),
        page,
        [...liveFirst(q, live.ofCall(callSid).filter((v) => v.accountSid === sid)).map(liveCallRecordingJson), ...records.map(callRecordingJson)],
        nextAfter,
      );
    });

    app.get(`${confBase}.json`, async (req) => {
      const q = req.query as RawParams;
      const page = parsePageRequest(q);
      const conferenceSid = (req.params as { ConferenceSid: string }).ConferenceSid;
      const sid = req.account.sid;
      const byDate = dateFilter(q);
      const { records, nextAfter } = scanPage(
        recordings.byConference,
        [conferenceSid, -Infinity, ''],
        [conferenceSid, Infinity, ''],
        page,
        (id) => recordings.get(id),
        (r) => r.accountSid === sid && byDate(r),
      );
      return pageEnvelope(
        'recordings',
        `/2010-04-01/Accounts/${sid}/Conferences/${conferenceSid}/Recordings.json`,
        filtersOf(q, ['DateCreated', 'DateCreated<', 'DateCreated>']),
        page,
        [...liveFirst(q, live.ofConference(conferenceSid).filter((v) => v.accountSid === sid)).map(liveConferenceRecordingJson), ...records.map(conferenceRecordingJson)],
        nextAfter,
      );
    });

    app.get(`${confBase}/:File`, async (req, reply) => {
      const p = req.params as { File: string; ConferenceSid: string };
      const l = liveOne(req.account.sid, p.File, undefined, p.ConferenceSid);
      if (l) return liveConferenceRecordingJson(l.v);
      const { r, as } = load(req.account.sid, p.File, undefined, p.ConferenceSid);
      if (as === 'json') return conferenceRecordingJson(r);
      return sendAudio(r, as, reply);
    });

    app.get(`${callBase}/:File`, async (req, reply) => {
      const p = req.params as { File: string; CallSid: string };
      const l = liveOne(req.account.sid, p.File, p.CallSid);
      if (l) return liveCallRecordingJson(l.v);
      const { r, as } = load(req.account.sid, p.File, p.CallSid);
      if (as === 'json') return callRecordingJson(r);
      return sendAudio(r, as, reply);
    });

    app.delete(`${callBase}/:File`, async (req, reply) => {
      const p = req.params as { File: string; CallSid: string };
      const { r } = load(req.account.sid, p.File, p.CallSid);
      await recordings.remove(r);
      reply.code(204);
      return null;
    });
  };
}
