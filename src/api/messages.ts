// /2010-04-01/Accounts/{AccountSid}/Messages: send, list, fetch, redact or cancel, delete; and the two subresources
// every message names, Media (always empty: tandem carries SMS only) and Feedback.
import { dateFilter, echoFilters } from './date-filter.js';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import type { MessageRecord } from '../store/records.js';
import { rfc2822 } from '../util/time.js';
import { ApiError, badRequest, notFound } from './errors.js';
import { normalizePhoneNumber, str, type RawParams } from './params.js';
import { pageEnvelope, parsePageRequest, scanPage } from './paging.js';
import { parseOutbound } from '../messaging/send.js';
import { throughService } from '../messaging/through-service.js';
import { applicationParam } from './applications.js';

export function messageJson(m: MessageRecord): Record<string, unknown> {
  const uri = `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}.json`;
  return {
    account_sid: m.accountSid,
    api_version: '2010-04-01',
    body: m.body,
    date_created: rfc2822(m.dateCreated),
    date_sent: rfc2822(m.dateSent),
    date_updated: rfc2822(m.dateUpdated),
    direction: m.direction,
    error_code: m.errorCode,
    error_message: m.errorMessage,
    from: m.from,
    messaging_service_sid: m.messagingServiceSid ?? null,
    num_media: String(m.numMedia),
    num_segments: String(m.numSegments),
    price: null,
    price_unit: 'USD',
    sid: m.sid,
    // In-memory 'sending' is never stored; what is stored is what the API shows.
    status: m.status,
    subresource_uris: {
      media: `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}/Media.json`,
      feedback: `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}/Feedback.json`,
    },
    to: m.to,
    uri,
  };
}

export function registerMessageRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const messaging = deps.messaging;
  const base = '/2010-04-01/Accounts/:AccountSid/Messages';

  app.post(`${base}.json`, async (req, reply) => {
    const body = (req.body ?? {}) as RawParams;
    const parsed = parseOutbound(body, Date.now());
    const request = throughService(parsed, req.account.sid, deps.services, deps.geo);
    // An ApplicationSid's MessageStatusCallback reports the message's status unless the request names its own.
    const app = applicationParam(body, 'ApplicationSid', deps.applications, req.account.sid);
    if (app && request.statusCallback === null) request.statusCallback = app.messageStatusCallback;
    const m = await messaging.sender.send(req.account, request);
    reply.code(201);
    return messageJson(m);
  });

  app.get(`${base}.json`, async (req) => {
    const q = req.query as RawParams;
    const page = parsePageRequest(q);
    const toRaw = str(q, 'To');
    const fromRaw = str(q, 'From');
    const to = toRaw ? (normalizePhoneNumber(toRaw) ?? toRaw) : undefined;
    const from = fromRaw ? (normalizePhoneNumber(fromRaw) ?? fromRaw) : undefined;
    const sentFilter = dateFilter(q, 'DateSent');
    const accept = (m: MessageRecord) =>
      (to === undefined || m.to === to) &&
      (from === undefined || m.from === from) &&
      sentFilter(m.dateSent ?? (m.direction === 'inbound' ? m.dateCreated : null));
    const sid = req.account.sid;
    const { records, nextAfter } = scanPage(
      deps.tables.messagesByAccount,
      [sid, -Infinity, ''],
      [sid, Infinity, ''],
      page,
      (id) => messaging.store.get(id),
      accept,
    );
    const filters = echoFilters(q, ['To', 'From', 'DateSent', 'DateSent<', 'DateSent>']);
    return pageEnvelope('messages', `/2010-04-01/Accounts/${sid}/Messages.json`, filters, page, records.map(messageJson), nextAfter);
  });

  const load = (accountSid: string, sid: string): MessageRecord => {
    const m = messaging.store.get(sid);
    if (!m || m.accountSid !== accountSid) throw notFound(`The requested resource /2010-04-01/Accounts/${accountSid}/Messages/${sid}.json was not found`);
    return m;
  };

  app.get(`${base}/:Sid.json`, async (req) => messageJson(load(req.account.sid, (req.params as { Sid: string }).Sid)));

  app.post(`${base}/:Sid.json`, async (req) => {
    const m = load(req.account.sid, (req.params as { Sid: string }).Sid);
    const p = (req.body ?? {}) as RawParams;
    const status = str(p, 'Status');
    const body = str(p, 'Body');
    if (status !== undefined) {
      if (status !== 'canceled') throw badRequest(21000, "Status can only be updated to 'canceled'.");
      if (m.status !== 'scheduled') throw badRequest(30409, `Message ${m.sid} is ${m.status}; only scheduled messages can be canceled.`);
      const canceled: MessageRecord = { ...m, status: 'canceled', dateUpdated: Date.now() };
      await messaging.store.cancelScheduled(canceled);
      messaging.callbacks.statusChanged(canceled);
      return messageJson(canceled);
    }
    if (body !== undefined) {
      if (body !== '') throw badRequest(21000, "Body can only be updated to '' (redaction).");
      if (m.status === 'queued' || m.status === 'sending' || m.status === 'scheduled' || m.status === 'accepted') {
        throw badRequest(21000, `Message ${m.sid} is ${m.status}; it can be redacted once it has been sent.`);
      }
      const redacted: MessageRecord = { ...m, body: '', dateUpdated: Date.now() };
      await messaging.store.save(redacted);
      return messageJson(redacted);
    }
    return messageJson(m);
  });

  app.delete(`${base}/:Sid.json`, async (req, reply) => {
    const m = load(req.account.sid, (req.params as { Sid: string }).Sid);
    if (m.status === 'queued' || m.status === 'sending' || m.status === 'accepted') {
      throw new ApiError(400, 20009, `Message ${m.sid} is ${m.status} and cannot be deleted until it has been sent.`);
    }
    if (m.status === 'scheduled') await messaging.store.cancelScheduled({ ...m, status: 'canceled' });
    await messaging.store.remove(m);
    reply.code(204);
    return null;
  });

  // Every message's subresource_uris name these two, so a client following them must not meet a 404.
  app.get(`${base}/:Sid/Media.json`, async (req) => {
    const m = load(req.account.sid, (req.params as { Sid: string }).Sid);
    const page = parsePageRequest(req.query as RawParams);
    return pageEnvelope('media_list', `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}/Media.json`, {}, page, [], undefined);
  });
  const noMedia = (req: { account: { sid: string }; params: unknown }): never => {
    const { Sid, MediaSid } = req.params as { Sid: string; MediaSid: string };
    const m = load(req.account.sid, Sid);
    throw notFound(`The requested resource /2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}/Media/${MediaSid}.json was not found`);
  };
  app.get(`${base}/:Sid/Media/:MediaSid.json`, async (req) => noMedia(req));
  app.delete(`${base}/:Sid/Media/:MediaSid.json`, async (req) => noMedia(req));

  // Twilio feeds Feedback into its deliverability insights; tandem has none, so an outcome is counted at /metrics.
  const feedbackCount = deps.metrics.counter('tandem_message_feedback_total', 'Message Feedback reported through the API, by outcome', ['outcome']);
  app.post(`${base}/:Sid/Feedback.json`, async (req) => {
    const m = load(req.account.sid, (req.params as { Sid: string }).Sid);
    const outcome = str((req.body ?? {}) as RawParams, 'Outcome') || 'confirmed';
    if (outcome !== 'confirmed' && outcome !== 'unconfirmed') throw badRequest(21000, `Outcome must be 'confirmed' or 'unconfirmed', got '${outcome}'.`);
    feedbackCount.inc({ outcome });
    const now = rfc2822(Date.now());
    return {
      account_sid: m.accountSid,
      message_sid: m.sid,
      outcome,
      date_created: now,
      date_updated: now,
      uri: `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}/Feedback.json`,
    };
  });
}
