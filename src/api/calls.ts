// /2010-04-01/Accounts/{AccountSid}/Calls: place, list, fetch, update (redirect, hang up, cancel), delete.
import { dateFilter, echoFilters } from './date-filter.js';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import type { RouteModule } from './app.js';
import type { ApplicationRecord, CallEvent, CallRecord, CallStatus } from '../store/records.js';
import { applicationParam } from './applications.js';
import { MACHINE_DETECTION_DEFAULTS, type MachineDetectionSettings } from '../voice/machine-detection.js';
import { rfc2822 } from '../util/time.js';
import { ApiError, badRequest, notFound } from './errors.js';
import { parseUri } from '../../protocols/sip/sip/message.js';
import { intParam, list, method, normalizePhoneNumber, str, url, type RawParams } from './params.js';
import { pageEnvelope, parsePageRequest, scanPage } from './paging.js';
import { CallStateError, type CallUpdate, type NewCall, type Voice } from '../voice/voice.js';
import type { RecordingEvent } from '../../protocols/twiml/index.js';
import { CallQueueFullError } from '../voice/call-pacer.js';
import { formatNumber } from '../voice/voice-params.js';
import { isFinal } from '../voice/call-store.js';
import { notificationJson } from './notifications.js';

const STATUSES: ReadonlySet<string> = new Set<CallStatus>(['queued', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled']);
const EVENTS: ReadonlySet<string> = new Set<CallEvent>(['initiated', 'ringing', 'answered', 'completed']);
const MAX_TWIML_CHARS = 4000;
const SEND_DIGITS = /^[0-9A-D#*wW]{1,32}$/;

export function callJson(c: CallRecord): Record<string, unknown> {
  const base = `/2010-04-01/Accounts/${c.accountSid}/Calls/${c.sid}`;
  return {
    account_sid: c.accountSid,
    answered_by: c.answeredBy ?? null,
    api_version: '2010-04-01',
    caller_name: null,
    date_created: rfc2822(c.dateCreated),
    date_updated: rfc2822(c.dateUpdated),
    direction: c.direction,
    duration: c.duration === null ? null : String(c.duration),
    end_time: rfc2822(c.endTime),
    forwarded_from: null,
    from: c.from,
    from_formatted: formatNumber(c.from),
    group_sid: null,
    parent_call_sid: c.parentCallSid,
    phone_number_sid: c.phoneNumberSid,
    price: null,
    price_unit: 'USD',
    queue_time: String(c.queueTimeMs ?? 0),
    sid: c.sid,
    start_time: rfc2822(c.startTime),
    status: c.status,
    subresource_uris: {
      notifications: `${base}/Notifications.json`,
      recordings: `${base}/Recordings.json`,
      payments: `${base}/Payments.json`,
      events: `${base}/Events.json`,
      siprec: `${base}/Siprec.json`,
      streams: `${base}/Streams.json`,
      transcriptions: `${base}/Transcriptions.json`,
      user_defined_message_subscriptions: `${base}/UserDefinedMessageSubscriptions.json`,
      user_defined_messages: `${base}/UserDefinedMessages.json`,
    },
    to: c.to,
    to_formatted: formatNumber(c.to),
    trunk_sid: null,
    uri: `${base}.json`,
  };
}

/**
 * A phone number; a SIP URI (a registered user of one of the account's SIP domains, or any SIP address); or
 * `client:identity` (Twilio's limit of 121 characters, no spaces), a device registered as that user.
 */
function parseCallee(raw: string): string | null {
  const t = raw.trim();
  if (/^sips?:/i.test(t)) return parseUri(t) ? t : null;
  if (t.startsWith('client:')) return /^client:[^\s\x00-\x1f]{1,121}$/.test(t) ? t : null;
  return normalizePhoneNumber(raw);
}

/** `app`: the request's ApplicationSid, already checked to be the account's: its voice URLs stand in for Url. */
export function parseCreate(p: RawParams, ownsNumber: (e164: string) => boolean, app: ApplicationRecord | null | undefined): NewCall {
  const toRaw = str(p, 'To');
  const fromRaw = str(p, 'From');
  if (!toRaw) throw badRequest(21201, "No 'To' number is specified");
  if (!fromRaw) throw badRequest(21213, "No 'From' number is specified");
  const to = parseCallee(toRaw);
  if (!to) throw badRequest(21211, `The 'To' number ${toRaw} is not a valid phone number, SIP URI or client identifier.`);
  const from = normalizePhoneNumber(fromRaw);
  if (!from) throw badRequest(21212, `The 'From' number ${fromRaw} is not a valid phone number.`);
  if (!ownsNumber(from)) throw badRequest(21210, `The source phone number provided, ${from}, is not yet verified for your account.`);
  const given = url(p, 'Url', 21205) ?? null;
  const twiml = str(p, 'Twiml');
  const fromApp = !given && (twiml === undefined || twiml === '') ? (app ?? undefined) : undefined;
  if (!given && (twiml === undefined || twiml === '') && !fromApp) throw badRequest(21205, 'Url, Twiml or ApplicationSid is required');
  if (fromApp && !fromApp.voiceUrl) throw badRequest(21205, `Application ${fromApp.sid} has no VoiceUrl`);
  const u = given ?? fromApp?.voiceUrl ?? null;
  if (!u && twiml !== undefined && twiml.length > MAX_TWIML_CHARS) throw badRequest(21205, `Twiml must be at most ${MAX_TWIML_CHARS} characters`);
  const events = list(p, 'StatusCallbackEvent').flatMap((e) => e.split(/[\s,]+/)).filter((e) => e !== '');
  for (const e of events) if (!EVENTS.has(e)) throw badRequest(21626, `StatusCallbackEvent '${e}' is not one of initiated, ringing, answered, completed`);
  const recording = parseRecording(p);
  const machineDetection = parseMachineDetection(p);
  const asyncAmd = machineDetection ? parseAsyncAmd(p) : undefined;
  const sendDigits = str(p, 'SendDigits');
  if (sendDigits !== undefined && sendDigits !== '' && !SEND_DIGITS.test(sendDigits)) {
    throw badRequest(21630, 'SendDigits may hold up to 32 of 0-9, A-D, #, * and w/W pauses');
  }
  return {
    to,
    from,
    url: u,
    method: fromApp?.voiceMethod ?? method(p, 'Method', 21206) ?? 'POST',
    fallbackUrl: fromApp ? fromApp.voiceFallbackUrl : (url(p, 'FallbackUrl', 21207) ?? null),
    fallbackMethod: fromApp?.voiceFallbackMethod ?? method(p, 'FallbackMethod', 21208) ?? 'POST',
    twiml: u ? null : (twiml ?? null),
    // The request's own StatusCallback wins over the application's, as on Twilio.
    statusCallback: url(p, 'StatusCallback', 21609) ?? app?.statusCallback ?? null,
    statusCallbackMethod: method(p, 'StatusCallbackMethod', 21609) ?? app?.statusCallbackMethod ?? 'POST',
    statusCallbackEvents: events.length ? [...new Set(events)] as CallEvent[] : ['completed'],
    timeoutS: intParam(p, 'Timeout', 1, 600) ?? 60,
    sendDigits: sendDigits || null,
    timeLimitS: intParam(p, 'TimeLimit', 1, 86_400) ?? 14_400,
    ...(recording && { recording }),
    ...(machineDetection && { machineDetection }),
    ...(asyncAmd && { asyncAmd }),
  };
}

/** `MachineDetection=Enable|DetectMessageEnd` and its tuning, within Twilio's ranges; undefined when not asked for. */
function parseMachineDetection(p: RawParams): MachineDetectionSettings | undefined {
  const mode = str(p, 'MachineDetection');
  if (mode === undefined || mode === '') return undefined;
  if (mode !== 'Enable' && mode !== 'DetectMessageEnd') throw badRequest(21000, `MachineDetection must be Enable or DetectMessageEnd, got '${mode}'`);
  const d = MACHINE_DETECTION_DEFAULTS;
  const timeoutS = intParam(p, 'MachineDetectionTimeout', 3, 59);
  return {
    mode,
    timeoutMs: timeoutS === undefined ? d.timeoutMs : timeoutS * 1000,
    speechThresholdMs: intParam(p, 'MachineDetectionSpeechThreshold', 1000, 6000) ?? d.speechThresholdMs,
    speechEndThresholdMs: intParam(p, 'MachineDetectionSpeechEndThreshold', 500, 5000) ?? d.speechEndThresholdMs,
    silenceTimeoutMs: intParam(p, 'MachineDetectionSilenceTimeout', 2000, 10_000) ?? d.silenceTimeoutMs,
  };
}

/** `AsyncAmd=true` with its AsyncAmdStatusCallback (+ Method); undefined for detection that runs before the TwiML. */
function parseAsyncAmd(p: RawParams): NonNullable<NewCall['asyncAmd']> | undefined {
  const flag = (str(p, 'AsyncAmd') ?? '').toLowerCase();
  if (flag !== '' && flag !== 'true' && flag !== 'false') throw badRequest(21000, `AsyncAmd must be true or false, got '${flag}'`);
  if (flag !== 'true') return undefined;
  return {
    statusCallback: url(p, 'AsyncAmdStatusCallback', 21609) ?? null,
    statusCallbackMethod: method(p, 'AsyncAmdStatusCallbackMethod', 21609) ?? 'POST',
  };
}

const RECORDING_EVENTS = new Set(['in-progress', 'completed', 'absent']);

/** `Record=true` and its RecordingStatusCallback settings; undefined when the call is not to be recorded. */
function parseRecording(p: RawParams): NonNullable<NewCall['recording']> | undefined {
  if ((str(p, 'Record') ?? '').toLowerCase() !== 'true') return undefined;
  const events = list(p, 'RecordingStatusCallbackEvent').flatMap((e) => e.split(/[\s,]+/)).filter((e) => e !== '');
  for (const e of events) if (!RECORDING_EVENTS.has(e)) throw badRequest(21626, `RecordingStatusCallbackEvent '${e}' is not one of in-progress, completed, absent`);
  return {
    statusCallback: url(p, 'RecordingStatusCallback', 21609) ?? null,
    statusCallbackMethod: method(p, 'RecordingStatusCallbackMethod', 21609) ?? 'POST',
    statusCallbackEvents: events.length ? ([...new Set(events)] as RecordingEvent[]) : ['completed'],
  };
}

function parseUpdate(p: RawParams): CallUpdate {
  const u: CallUpdate = {};
  const status = str(p, 'Status');
  if (status !== undefined && status !== '') {
    if (status !== 'completed' && status !== 'canceled') throw badRequest(21218, `Status can be updated to 'completed' or 'canceled', not '${status}'`);
    u.status = status;
  }
  const target = url(p, 'Url', 21205);
  const twiml = str(p, 'Twiml');
  if (target) {
    u.redirect = { kind: 'url', url: target, method: method(p, 'Method', 21206) ?? 'POST', fallbackUrl: url(p, 'FallbackUrl', 21207) ?? null, fallbackMethod: method(p, 'FallbackMethod', 21208) ?? 'POST' };
  } else if (twiml !== undefined && twiml !== '') {
    if (twiml.length > MAX_TWIML_CHARS) throw badRequest(21205, `Twiml must be at most ${MAX_TWIML_CHARS} characters`);
    u.redirect = { kind: 'twiml', twiml };
  }
  const cb = url(p, 'StatusCallback', 21609);
  if (cb !== undefined) u.statusCallback = cb;
  const cbMethod = method(p, 'StatusCallbackMethod', 21609);
  if (cbMethod !== undefined) u.statusCallbackMethod = cbMethod;
  return u;
}

/** Whether a number is one of the account's: a call's From must be. */
export function ownedBy(deps: ApiDeps, accountSid: string): (e164: string) => boolean {
  return (e164) => {
    const sid = deps.tables.numberByE164.get(e164);
    return sid !== undefined && deps.tables.numbers.get(sid)?.accountSid === accountSid;
  };
}

export function registerCallRoutes(voice: Voice): RouteModule {
  return (app: FastifyInstance, deps: ApiDeps) => {
    const base = '/2010-04-01/Accounts/:AccountSid/Calls';

    app.post(`${base}.json`, async (req, reply) => {
      const body = (req.body ?? {}) as RawParams;
      const c = parseCreate(body, ownedBy(deps, req.account.sid), applicationParam(body, 'ApplicationSid', deps.applications, req.account.sid));
      try {
        const record = await voice.createCall(req.account.sid, c);
        reply.code(201);
        return callJson(record);
      } catch (err) {
        if (err instanceof CallQueueFullError) throw badRequest(22005, 'Call Queue Full');
        throw err;
      }
    });

    app.get(`${base}.json`, async (req) => {
      const q = req.query as RawParams;
      const page = parsePageRequest(q);
      const norm = (k: string) => {
        const v = str(q, k);
        return v ? (normalizePhoneNumber(v) ?? v) : undefined;
      };
      const to = norm('To');
      const from = norm('From');
      const status = str(q, 'Status');
      if (status && !STATUSES.has(status)) throw badRequest(21000, `Status '${status}' is not a call status`);
      const parent = str(q, 'ParentCallSid');
      const start = dateFilter(q, 'StartTime');
      const end = dateFilter(q, 'EndTime');
      const accept = (c: CallRecord) =>
        (to === undefined || c.to === to) &&
        (from === undefined || c.from === from) &&
        (!status || c.status === status) &&
        (!parent || c.parentCallSid === parent) &&
        start(c.startTime) &&
        end(c.endTime);
      const sid = req.account.sid;
      const { records, nextAfter } = scanPage(deps.tables.callsByAccount, [sid, -Infinity, ''], [sid, Infinity, ''], page, (id) => voice.store.get(id), accept);
      const filters = echoFilters(q, ['To', 'From', 'Status', 'ParentCallSid', 'StartTime', 'StartTime<', 'StartTime>', 'EndTime', 'EndTime<', 'EndTime>']);
      return pageEnvelope('calls', `/2010-04-01/Accounts/${sid}/Calls.json`, filters, page, records.map(callJson), nextAfter);
    });

    const load = (accountSid: string, sid: string): CallRecord => {
      const c = voice.store.get(sid);
      if (!c || c.accountSid !== accountSid) throw notFound(`The requested resource /2010-04-01/Accounts/${accountSid}/Calls/${sid}.json was not found`);
      return c;
    };

    app.get(`${base}/:Sid.json`, async (req) => callJson(load(req.account.sid, (req.params as { Sid: string }).Sid)));

    app.post(`${base}/:Sid.json`, async (req) => {
      const c = load(req.account.sid, (req.params as { Sid: string }).Sid);
      const u = parseUpdate((req.body ?? {}) as RawParams);
      try {
        return callJson(await voice.update(c, u));
      } catch (err) {
        if (err instanceof CallStateError) throw badRequest(21220, `Call is not in-progress. Cannot redirect. (${err.message})`);
        throw err;
      }
    });

    // The call's own notifications (the account's list filtered by CallSid, newest first).
    app.get(`${base}/:Sid/Notifications.json`, async (req) => {
      const c = load(req.account.sid, (req.params as { Sid: string }).Sid);
      const page = parsePageRequest(req.query as RawParams);
      const sid = req.account.sid;
      const { records, nextAfter } = scanPage(
        deps.tables.notificationsByAccount,
        [sid, -Infinity, ''],
        [sid, Infinity, ''],
        page,
        (id) => deps.tables.notifications.get(id),
        (n) => n.callSid === c.sid,
      );
      return pageEnvelope('notifications', `/2010-04-01/Accounts/${sid}/Calls/${c.sid}/Notifications.json`, {}, page, records.map((n) => notificationJson(n, false)), nextAfter);
    });

    app.delete(`${base}/:Sid.json`, async (req, reply) => {
      const c = load(req.account.sid, (req.params as { Sid: string }).Sid);
      if (!isFinal(c.status)) throw new ApiError(400, 21220, `Call ${c.sid} is ${c.status}; hang it up before deleting it.`);
      await voice.store.remove(c);
      reply.code(204);
      return null;
    });
  };
}
