// /2010-04-01/Accounts/{AccountSid}/Conferences: conference rooms (src/voice/conference-store.ts, newest first; a live
// one as src/voice/conferences.ts has it now) and their Participants: list, fetch, mute or hold one, remove one, end
// the conference (Status=completed), announce to the room or to one participant (AnnounceUrl: its Say and Play), and
// add one by calling them into it (an API call whose TwiML joins the room).
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import type { RouteModule } from './app.js';
import type { ConferenceRecord } from '../store/records.js';
import type { Voice } from '../voice/voice.js';
import type { Participant, Room } from '../voice/conferences.js';
import { CallQueueFullError } from '../voice/call-pacer.js';
import { rfc2822 } from '../util/time.js';
import { isSid } from '../util/sid.js';
import { escapeXml } from '../util/xml.js';
import { badRequest, notFound } from './errors.js';
import { bool, intParam, list, method, str, url, type RawParams } from './params.js';
import { pageEnvelope, pageOfList, parsePageRequest, scanPage } from './paging.js';
import { ownedBy, parseCreate } from './calls.js';
import { CONFERENCE_MAX_PARTICIPANTS } from '../../protocols/twiml/voice-conference.js';

const base = '/2010-04-01/Accounts/:AccountSid/Conferences';
/** How long past its ring timeout a room opened for an added participant waits for them to join. */
const ROOM_GRACE_S = 30;
const STATUSES = new Set(['init', 'in-progress', 'completed']);
const EVENTS = new Set(['start', 'end', 'join', 'leave', 'mute', 'hold', 'modify', 'speaker', 'announcement']);

export function conferenceJson(c: ConferenceRecord): Record<string, unknown> {
  const path = `/2010-04-01/Accounts/${c.accountSid}/Conferences/${c.sid}`;
  return {
    account_sid: c.accountSid,
    api_version: '2010-04-01',
    call_sid_ending_conference: c.callSidEndingConference,
    date_created: rfc2822(c.dateCreated),
    date_updated: rfc2822(c.dateUpdated),
    friendly_name: c.friendlyName,
    reason_conference_ended: c.reasonConferenceEnded,
    region: 'us1',
    sid: c.sid,
    status: c.status,
    subresource_uris: { participants: `${path}/Participants.json`, recordings: `${path}/Recordings.json` },
    uri: `${path}.json`,
  };
}

function participantJson(room: Room, p: Participant): Record<string, unknown> {
  return {
    account_sid: room.record.accountSid,
    call_sid: p.callSid,
    call_sid_to_coach: p.coaching ?? null,
    coaching: p.coaching !== undefined,
    conference_sid: room.sid,
    date_created: rfc2822(p.joinedAt),
    date_updated: rfc2822(p.dateUpdated),
    end_conference_on_exit: p.endConferenceOnExit,
    hold: p.hold,
    label: p.label,
    muted: p.muted,
    queue_time: '0',
    start_conference_on_enter: p.startConferenceOnEnter,
    status: 'connected',
    uri: `/2010-04-01/Accounts/${room.record.accountSid}/Conferences/${room.sid}/Participants/${p.callSid}.json`,
  };
}

export function registerConferenceRoutes(voice: Voice): RouteModule {
  return (app: FastifyInstance, deps: ApiDeps) => {
    const { conferences } = voice;

    /** The record as it is now: a live room's own, else the stored one. */
    const current = (accountSid: string, sid: string): ConferenceRecord => {
      const c = conferences.room(accountSid, sid)?.record ?? conferences.store.get(sid);
      if (!c || c.accountSid !== accountSid) throw notFound(`The requested resource /2010-04-01/Accounts/${accountSid}/Conferences/${sid}.json was not found`);
      return c;
    };

    const liveRoom = (accountSid: string, sid: string): Room => {
      current(accountSid, sid);
      const room = conferences.room(accountSid, sid);
      if (!room) throw badRequest(21000, `Conference ${sid} is not in progress: a participant can only be added to a live conference`);
      return room;
    };

    const participantOf = (accountSid: string, sid: string, callSid: string): { room: Room; p: Participant } => {
      const room = conferences.room(accountSid, sid);
      const p = room?.participants.get(callSid);
      if (!room || !p) throw notFound(`The requested resource /2010-04-01/Accounts/${accountSid}/Conferences/${sid}/Participants/${callSid}.json was not found`);
      return { room, p };
    };

    /** Fetches an AnnounceUrl in the background and plays what it says; a failure is a notification on the account. */
    const announce = (room: Room, target: { url: string; method: 'GET' | 'POST' }, play: (pcm: Int16Array) => void, callSid?: string) => {
      const accountSid = room.record.accountSid;
      void voice.announce(accountSid, target, { ConferenceSid: room.sid, FriendlyName: room.record.friendlyName, ...(callSid && { CallSid: callSid }) }).then((a) => {
        if (a.ok) return play(a.pcm);
        voice.notify({ accountSid, callSid: callSid ?? null, errorCode: a.code, text: `Conference ${room.sid} announcement ${target.url}: ${a.message}` });
      });
    };

    app.get(`${base}.json`, async (req) => {
      const q = req.query as RawParams;
      const page = parsePageRequest(q);
      const name = str(q, 'FriendlyName');
      const status = str(q, 'Status');
      if (status !== undefined && !STATUSES.has(status)) throw badRequest(20001, `Status must be one of init, in-progress, completed`);
      const sid = req.account.sid;
      const { records, nextAfter } = scanPage(
        deps.tables.conferencesByAccount,
        [sid, -Infinity, ''],
        [sid, Infinity, ''],
        page,
        (id) => conferences.room(sid, id)?.record ?? conferences.store.get(id),
        (c) => (name === undefined || c.friendlyName === name) && (status === undefined || c.status === status),
      );
      const filters: Record<string, string> = { ...(name !== undefined && { FriendlyName: name }), ...(status !== undefined && { Status: status }) };
      return pageEnvelope('conferences', `/2010-04-01/Accounts/${sid}/Conferences.json`, filters, page, records.map(conferenceJson), nextAfter);
    });

    app.get(`${base}/:Sid.json`, async (req) => conferenceJson(current(req.account.sid, (req.params as { Sid: string }).Sid)));

    app.post(`${base}/:Sid.json`, async (req) => {
      const sid = (req.params as { Sid: string }).Sid;
      const p = (req.body ?? {}) as RawParams;
      const announceUrl = url(p, 'AnnounceUrl', 21000);
      const status = str(p, 'Status');
      if (announceUrl) {
        const room = liveRoom(req.account.sid, sid);
        announce(room, { url: announceUrl, method: method(p, 'AnnounceMethod') ?? 'POST' }, (pcm) => room.announce(pcm));
      }
      if (status !== undefined && status !== 'completed') throw badRequest(20001, "Status can only be 'completed'");
      if (status === 'completed') {
        const room = conferences.room(req.account.sid, sid);
        if (room) {
          room.end('conference-ended-via-api');
          await room.whenSaved();
        }
      }
      return conferenceJson(current(req.account.sid, sid));
    });

    app.get(`${base}/:Sid/Participants.json`, async (req) => {
      const sid = (req.params as { Sid: string }).Sid;
      const c = current(req.account.sid, sid);
      const q = req.query as RawParams;
      const page = parsePageRequest(q);
      const muted = bool(q, 'Muted');
      const hold = bool(q, 'Hold');
      const room = conferences.room(req.account.sid, sid);
      const all = room ? [...room.participants.values()].filter((p) => (muted === undefined || p.muted === muted) && (hold === undefined || p.hold === hold)) : [];
      const { records, nextAfter } = pageOfList(all, page, (p) => p.callSid);
      return pageEnvelope('participants', `/2010-04-01/Accounts/${c.accountSid}/Conferences/${c.sid}/Participants.json`, {}, page, records.map((p) => participantJson(room!, p)), nextAfter);
    });

    app.get(`${base}/:Sid/Participants/:CallSid.json`, async (req) => {
      const { Sid, CallSid } = req.params as { Sid: string; CallSid: string };
      const { room, p } = participantOf(req.account.sid, Sid, CallSid);
      return participantJson(room, p);
    });

    app.post(`${base}/:Sid/Participants/:CallSid.json`, async (req) => {
      const { Sid, CallSid } = req.params as { Sid: string; CallSid: string };
      const { room, p } = participantOf(req.account.sid, Sid, CallSid);
      const body = (req.body ?? {}) as RawParams;
      const announceUrl = url(body, 'AnnounceUrl', 21000);
      if (announceUrl) {
        // To this participant alone: it plays on their leg, ahead of the room's mix.
        announce(room, { url: announceUrl, method: method(body, 'AnnounceMethod') ?? 'POST' }, (pcm) => void p.leg.media.play(pcm).catch(() => undefined), p.callSid);
      }
      // WaitUrl (+ WaitMethod, POST by default as for <Conference>): what this participant hears until the room starts.
      const waitUrl = url(body, 'WaitUrl', 21000);
      const waitMusic = waitUrl ? { url: waitUrl, method: method(body, 'WaitMethod') ?? 'POST' } : undefined;
      const coaching = parseCoaching(body, p.coaching !== undefined);
      if (coaching !== undefined && coaching !== null && !room.participants.has(coaching)) {
        throw badRequest(21000, `CallSidToCoach ${coaching} is not a participant of conference ${room.sid}`);
      }
      if (coaching === p.callSid) throw badRequest(21000, 'A participant cannot coach itself');
      const muted = bool(body, 'Muted');
      const hold = bool(body, 'Hold');
      // HoldUrl's TwiML (<Play>, <Say>, <Pause>, <Redirect>) plays while the participant is held; HoldMethod is GET by default, as on Twilio.
      const holdUrl = url(body, 'HoldUrl', 21000);
      const music = holdUrl ? { url: holdUrl, method: method(body, 'HoldMethod') ?? 'GET' } : undefined;
      if (muted !== undefined) room.setMuted(p, muted);
      if (coaching !== undefined) room.setCoaching(p, coaching ?? undefined);
      if (hold !== undefined || (music && p.hold)) room.setHold(p, hold ?? true, music);
      if (waitMusic) p.setWait(waitMusic);
      return participantJson(room, p);
    });

    app.delete(`${base}/:Sid/Participants/:CallSid.json`, async (req, reply) => {
      const { Sid, CallSid } = req.params as { Sid: string; CallSid: string };
      const { room, p } = participantOf(req.account.sid, Sid, CallSid);
      room.leave(p, true);
      return reply.code(204).send();
    });

    // Adds a participant: tandem calls `To` from `From`, and the answered call joins this conference. As on Twilio,
    // the conference may be named by its friendly name instead of its SID: a room of that name is opened if none is
    // live, and ends again if the call never joins it.
    app.post(`${base}/:Sid/Participants.json`, async (req, reply) => {
      const sid = (req.params as { Sid: string }).Sid;
      const body = (req.body ?? {}) as RawParams;
      const byName = !isSid(sid, 'CF');
      const coach = parseCoaching(body, false);
      const twiml = joinTwiml(byName ? sid : liveRoom(req.account.sid, sid).record.friendlyName, body, coach);
      const c = parseCreate({ ...body, Twiml: twiml, Url: '' }, ownedBy(deps, req.account.sid), undefined);
      const room = byName ? await conferences.open(req.account.sid, sid) : liveRoom(req.account.sid, sid);
      if (byName && room.participants.size === 0) room.endIfStillEmpty((c.timeoutS + ROOM_GRACE_S) * 1000);
      if (coach && !room.participants.has(coach)) throw badRequest(21000, `CallSidToCoach ${coach} is not a participant of conference ${room.sid}`);
      try {
        const call = await voice.createCall(req.account.sid, c);
        reply.code(201);
        return {
          account_sid: call.accountSid,
          call_sid: call.sid,
          call_sid_to_coach: coach ?? null,
          coaching: coach !== undefined && coach !== null,
          conference_sid: room.sid,
          date_created: rfc2822(call.dateCreated),
          date_updated: rfc2822(call.dateUpdated),
          end_conference_on_exit: bool(body, 'EndConferenceOnExit') ?? false,
          hold: false,
          label: str(body, 'Label') ?? null,
          muted: bool(body, 'Muted') ?? false,
          queue_time: '0',
          start_conference_on_enter: bool(body, 'StartConferenceOnEnter') ?? true,
          status: 'queued',
          uri: `/2010-04-01/Accounts/${call.accountSid}/Conferences/${room.sid}/Participants/${call.sid}.json`,
        };
      } catch (err) {
        if (err instanceof CallQueueFullError) throw badRequest(22005, 'Call Queue Full');
        throw err;
      }
    });
  };
}

/**
 * `Coaching` and `CallSidToCoach`: the SID to coach, null to stop coaching, undefined to leave it as it is. As on
 * Twilio, Coaching=true needs CallSidToCoach (unless already coaching someone on an update).
 */
function parseCoaching(p: RawParams, coachingNow: boolean): string | null | undefined {
  const coaching = bool(p, 'Coaching');
  const target = str(p, 'CallSidToCoach');
  if (coaching === false) return null;
  if (target !== undefined && target !== '' && !isSid(target, 'CA')) throw badRequest(21000, `CallSidToCoach ${target} is not a call SID`);
  if (coaching === true && !target && !coachingNow) throw badRequest(21000, 'Coaching=true needs CallSidToCoach');
  return target || undefined;
}

/** The TwiML that joins an added participant to the room with the request's conference settings. */
function joinTwiml(room: string, p: RawParams, coach: string | null | undefined): string {
  const attrs: [string, string][] = [];
  const flag = (param: string, attr: string) => {
    const v = bool(p, param);
    if (v !== undefined) attrs.push([attr, String(v)]);
  };
  flag('Muted', 'muted');
  flag('StartConferenceOnEnter', 'startConferenceOnEnter');
  flag('EndConferenceOnExit', 'endConferenceOnExit');
  const beep = str(p, 'Beep');
  if (beep) {
    if (!['true', 'false', 'onEnter', 'onExit'].includes(beep)) throw badRequest(21000, 'Beep must be true, false, onEnter or onExit');
    attrs.push(['beep', beep]);
  }
  const waitUrl = url(p, 'WaitUrl', 21000);
  if (waitUrl) attrs.push(['waitUrl', waitUrl]);
  const waitMethod = str(p, 'WaitMethod');
  if (waitMethod) attrs.push(['waitMethod', waitMethod]);
  const max = intParam(p, 'MaxParticipants', 2, CONFERENCE_MAX_PARTICIPANTS);
  if (max !== undefined) attrs.push(['maxParticipants', String(max)]);
  const label = str(p, 'Label');
  if (label) attrs.push(['participantLabel', label]);
  if (coach) attrs.push(['coach', coach]);
  const callback = url(p, 'ConferenceStatusCallback', 21000);
  if (callback) attrs.push(['statusCallback', callback]);
  const callbackMethod = str(p, 'ConferenceStatusCallbackMethod');
  if (callbackMethod) attrs.push(['statusCallbackMethod', callbackMethod]);
  const events = list(p, 'ConferenceStatusCallbackEvent').flatMap((e) => e.split(/[\s,]+/)).filter((e) => e !== '');
  for (const e of events) if (!EVENTS.has(e)) throw badRequest(21000, `ConferenceStatusCallbackEvent '${e}' is not a conference event`);
  if (events.length) attrs.push(['statusCallbackEvent', events.join(' ')]);
  const a = attrs.map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
  return `<Response><Dial><Conference${a}>${escapeXml(room)}</Conference></Dial></Response>`;
}
