// /2010-04-01/Accounts/{AccountSid}/Queues: call queues (src/voice/queue-store.ts) and their Members, the callers
// waiting in one (src/voice/call-queues.ts). A member update (Url, Method) takes that caller, or the one at the
// `Front`, out of the queue to run the TwiML at Url; its <Enqueue> action hears QueueResult=redirected.
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import type { RouteModule } from './app.js';
import type { QueueRecord } from '../store/records.js';
import type { Voice } from '../voice/voice.js';
import type { QueueMember } from '../voice/call-queues.js';
import { QUEUE_MAX_SIZE_LIMIT, QueueNameTakenError } from '../voice/queue-store.js';
import { QUEUE_NAME_MAX } from '../../protocols/twiml/voice-queue.js';
import { rfc2822 } from '../util/time.js';
import { badRequest, notFound } from './errors.js';
import { intParam, method, str, url, type RawParams } from './params.js';
import { pageEnvelope, pageOfList, parsePageRequest, scanPage } from './paging.js';

const base = '/2010-04-01/Accounts/:AccountSid/Queues';

export function registerQueueRoutes(voice: Voice): RouteModule {
  return (app: FastifyInstance, deps: ApiDeps) => {
    const { queues } = voice;
    const store = queues.store;

    const queueJson = (q: QueueRecord): Record<string, unknown> => ({
      account_sid: q.accountSid,
      average_wait_time: queues.averageWait(q.sid),
      current_size: queues.size(q.sid),
      date_created: rfc2822(q.dateCreated),
      date_updated: rfc2822(q.dateUpdated),
      friendly_name: q.friendlyName,
      max_size: q.maxSize,
      sid: q.sid,
      uri: `/2010-04-01/Accounts/${q.accountSid}/Queues/${q.sid}.json`,
      subresource_uris: { members: `/2010-04-01/Accounts/${q.accountSid}/Queues/${q.sid}/Members.json` },
    });

    const memberJson = (q: QueueRecord, m: QueueMember, position: number): Record<string, unknown> => ({
      call_sid: m.callSid,
      date_enqueued: rfc2822(m.enqueuedAt),
      position,
      uri: `/2010-04-01/Accounts/${q.accountSid}/Queues/${q.sid}/Members/${m.callSid}.json`,
      wait_time: m.queueTime(),
      queue_sid: q.sid,
    });

    const queueOf = (accountSid: string, sid: string): QueueRecord => {
      const q = store.of(accountSid, sid);
      if (!q) throw notFound(`The requested resource /2010-04-01/Accounts/${accountSid}/Queues/${sid}.json was not found`);
      return q;
    };

    const memberOf = (q: QueueRecord, callSid: string): { m: QueueMember; position: number } => {
      const m = queues.find(q.sid, callSid);
      if (!m) throw notFound(`The requested resource /2010-04-01/Accounts/${q.accountSid}/Queues/${q.sid}/Members/${callSid}.json was not found`);
      return { m, position: queues.members(q.sid).indexOf(m) + 1 };
    };

    app.post(`${base}.json`, async (req, reply) => {
      const p = (req.body ?? {}) as RawParams;
      const name = friendlyName(p);
      if (name === undefined) throw badRequest(21000, "Missing required parameter 'FriendlyName'");
      const created = await named(() => store.create(req.account.sid, name, maxSize(p)));
      reply.code(201);
      return queueJson(created);
    });

    app.get(`${base}.json`, async (req) => {
      const page = parsePageRequest(req.query as RawParams);
      const sid = req.account.sid;
      const { records, nextAfter } = scanPage(deps.tables.queuesByAccount, [sid, 0, ''], [sid, Number.MAX_SAFE_INTEGER, ''], page, (id) => store.get(id));
      return pageEnvelope('queues', `/2010-04-01/Accounts/${sid}/Queues.json`, {}, page, records.map(queueJson), nextAfter);
    });

    app.get(`${base}/:Sid.json`, async (req) => queueJson(queueOf(req.account.sid, (req.params as { Sid: string }).Sid)));

    app.post(`${base}/:Sid.json`, async (req) => {
      const q = queueOf(req.account.sid, (req.params as { Sid: string }).Sid);
      const p = (req.body ?? {}) as RawParams;
      const name = friendlyName(p);
      const size = maxSize(p);
      return queueJson(await named(() => store.update(q, { ...(name !== undefined && { friendlyName: name }), ...(size !== undefined && { maxSize: size }) })));
    });

    app.delete(`${base}/:Sid.json`, async (req, reply) => {
      const q = queueOf(req.account.sid, (req.params as { Sid: string }).Sid);
      // Callers waiting in it would be stranded: they must be taken out (dequeued, or sent elsewhere) first.
      if (queues.size(q.sid) > 0) throw badRequest(21000, `Queue ${q.sid} has ${queues.size(q.sid)} callers waiting; dequeue them before deleting it`);
      await store.remove(q);
      return reply.code(204).send();
    });

    app.get(`${base}/:Sid/Members.json`, async (req) => {
      const q = queueOf(req.account.sid, (req.params as { Sid: string }).Sid);
      const page = parsePageRequest(req.query as RawParams);
      const line = queues.members(q.sid);
      const { records: items, nextAfter } = pageOfList(line, page, (m) => m.callSid);
      return pageEnvelope(
        'queue_members',
        `/2010-04-01/Accounts/${q.accountSid}/Queues/${q.sid}/Members.json`,
        {},
        page,
        items.map((m) => memberJson(q, m, line.indexOf(m) + 1)),
        nextAfter,
      );
    });

    app.get(`${base}/:Sid/Members/:CallSid.json`, async (req) => {
      const { Sid, CallSid } = req.params as { Sid: string; CallSid: string };
      const q = queueOf(req.account.sid, Sid);
      const { m, position } = memberOf(q, CallSid);
      return memberJson(q, m, position);
    });

    app.post(`${base}/:Sid/Members/:CallSid.json`, async (req) => {
      const { Sid, CallSid } = req.params as { Sid: string; CallSid: string };
      const q = queueOf(req.account.sid, Sid);
      const p = (req.body ?? {}) as RawParams;
      const to = url(p, 'Url', 21000);
      if (!to) throw badRequest(21000, "Missing required parameter 'Url'");
      const { m, position } = memberOf(q, CallSid);
      const json = memberJson(q, m, position);
      queues.redirect(q.sid, m.callSid, to, method(p, 'Method') ?? 'POST');
      return json;
    });
  };
}

function friendlyName(p: RawParams): string | undefined {
  const name = str(p, 'FriendlyName');
  if (name === undefined || name === '') return undefined;
  if (name.length > QUEUE_NAME_MAX) throw badRequest(21000, `FriendlyName must be at most ${QUEUE_NAME_MAX} characters`);
  return name;
}

function maxSize(p: RawParams): number | undefined {
  return intParam(p, 'MaxSize', 1, QUEUE_MAX_SIZE_LIMIT);
}

async function named<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof QueueNameTakenError) throw badRequest(21000, err.message);
    throw err;
  }
}
