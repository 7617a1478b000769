// The Streams resource of a live call (`…/Calls/{CA}/Streams.json`): start a one-way Media Stream, as
// <Start><Stream> does, and stop one by its SID or name. Streams are live state: only a call in progress on this
// node has them, and a stopped stream is gone from the call.
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import type { RouteModule } from './app.js';
import { checkStreamUrl } from '../../protocols/media-stream/index.js';
import { STREAM_TRACKS, type StreamNoun, type StreamTrack } from '../../protocols/twiml/index.js';
import { CallStateError, StreamRefusedError, type Voice } from '../voice/voice.js';
import type { StreamView } from '../voice/media-streams.js';
import { rfc2822 } from '../util/time.js';
import type { CallRecord } from '../store/records.js';
import { ApiError, badRequest, notFound } from './errors.js';
import { method, str, url, type RawParams } from './params.js';

/** Parameter1 … Parameter99, as Twilio takes them. */
const MAX_PARAMETERS = 99;

export function streamJson(s: StreamView): Record<string, unknown> {
  return {
    sid: s.sid,
    account_sid: s.accountSid,
    call_sid: s.callSid,
    name: s.name,
    status: s.status,
    date_updated: rfc2822(s.dateUpdated),
    uri: `/2010-04-01/Accounts/${s.accountSid}/Calls/${s.callSid}/Streams/${s.sid}.json`,
  };
}

function parseCreate(p: RawParams): StreamNoun {
  const streamUrl = str(p, 'Url');
  if (!streamUrl) throw badRequest(21000, "Missing required parameter 'Url'");
  const checked = checkStreamUrl(streamUrl);
  if (!checked.ok) throw badRequest(checked.code, checked.message);
  const track = str(p, 'Track') || 'inbound_track';
  if (!(STREAM_TRACKS as readonly string[]).includes(track)) throw badRequest(21000, `Track must be one of ${STREAM_TRACKS.join(', ')}`);
  const parameters: Record<string, string> = {};
  for (let i = 1; i <= MAX_PARAMETERS; i++) {
    const name = str(p, `Parameter${i}.Name`);
    if (name) parameters[name] = str(p, `Parameter${i}.Value`) ?? '';
  }
  const name = str(p, 'Name');
  const statusCallback = url(p, 'StatusCallback', 21000);
  return {
    url: streamUrl,
    ...(name && { name }),
    track: track as StreamTrack,
    ...(statusCallback && { statusCallback }),
    statusCallbackMethod: method(p, 'StatusCallbackMethod') ?? 'POST',
    parameters,
  };
}

/** The account's call (a live call's sub-resources hang off it); 404 in Twilio's shape when it has none such. */
export function accountCall(voice: Voice, accountSid: string, callSid: string): CallRecord {
  const c = voice.store.get(callSid);
  if (!c || c.accountSid !== accountSid) throw notFound(`The requested resource /2010-04-01/Accounts/${accountSid}/Calls/${callSid}.json was not found`);
  return c;
}

export function registerStreamRoutes(voice: Voice): RouteModule {
  return (app: FastifyInstance, _deps: ApiDeps) => {
    const base = '/2010-04-01/Accounts/:AccountSid/Calls/:CallSid/Streams';

    const callOf = (accountSid: string, callSid: string) => accountCall(voice, accountSid, callSid);

    app.post(`${base}.json`, async (req, reply) => {
      const c = callOf(req.account.sid, (req.params as { CallSid: string }).CallSid);
      const spec = parseCreate((req.body ?? {}) as RawParams);
      try {
        const view = voice.startStream(c.sid, spec);
        reply.code(201);
        return streamJson(view);
      } catch (err) {
        if (err instanceof CallStateError) throw badRequest(21220, `Call is not in-progress. Cannot start a Stream. (${err.message})`);
        if (err instanceof StreamRefusedError) throw badRequest(21000, `Stream not started: ${err.message}`);
        throw err;
      }
    });

    app.post(`${base}/:Sid.json`, async (req) => {
      const { CallSid, Sid } = req.params as { CallSid: string; Sid: string };
      const c = callOf(req.account.sid, CallSid);
      const status = str((req.body ?? {}) as RawParams, 'Status');
      if (status !== 'stopped') throw new ApiError(400, 21000, "Status must be 'stopped'");
      const view = voice.stopStream(c.sid, Sid);
      if (!view) throw notFound(`The requested resource /2010-04-01/Accounts/${req.account.sid}/Calls/${c.sid}/Streams/${Sid}.json was not found`);
      return streamJson(view);
    });
  };
}
