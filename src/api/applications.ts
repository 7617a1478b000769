// /2010-04-01/Accounts/{AccountSid}/Applications: TwiML applications (src/applications/applications.ts), and the
// one parser of an ApplicationSid parameter that numbers, calls and messages share.
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import type { ApplicationRecord } from '../store/records.js';
import type { ApplicationSettings, Applications } from '../applications/applications.js';
import { rfc2822 } from '../util/time.js';
import { badRequest, notFound } from './errors.js';
import { bool, readWebhooks, str, type RawParams } from './params.js';
import { pageEnvelope, parsePageRequest, scanPage } from './paging.js';

export function applicationJson(a: ApplicationRecord): Record<string, unknown> {
  return {
    account_sid: a.accountSid,
    api_version: a.apiVersion,
    date_created: rfc2822(a.dateCreated),
    date_updated: rfc2822(a.dateUpdated),
    friendly_name: a.friendlyName,
    message_status_callback: a.messageStatusCallback,
    sid: a.sid,
    sms_fallback_method: a.smsFallbackMethod,
    sms_fallback_url: a.smsFallbackUrl,
    sms_method: a.smsMethod,
    sms_status_callback: a.smsStatusCallback,
    sms_url: a.smsUrl,
    status_callback: a.statusCallback,
    status_callback_method: a.statusCallbackMethod,
    uri: `/2010-04-01/Accounts/${a.accountSid}/Applications/${a.sid}.json`,
    voice_caller_id_lookup: a.voiceCallerIdLookup,
    voice_fallback_method: a.voiceFallbackMethod,
    voice_fallback_url: a.voiceFallbackUrl,
    voice_method: a.voiceMethod,
    voice_url: a.voiceUrl,
    public_application_connect_enabled: a.publicApplicationConnectEnabled,
  };
}

/**
 * `param` (an ApplicationSid) as an application of `accountSid`: undefined when absent, null when given empty (to
 * clear it), 21218 when it names no application of the account.
 */
export function applicationParam(p: RawParams, param: string, apps: Applications, accountSid: string): ApplicationRecord | null | undefined {
  const sid = str(p, param);
  if (sid === undefined) return undefined;
  if (sid === '') return null;
  const app = apps.of(accountSid, sid);
  if (!app) throw badRequest(21218, `${param} ${sid} is not an application of this account.`);
  return app;
}

function parseSettings(p: RawParams): ApplicationSettings {
  const s: ApplicationSettings = {};
  const name = str(p, 'FriendlyName');
  if (name !== undefined) {
    if (name.length > 64) throw badRequest(21000, 'FriendlyName must be at most 64 characters.');
    s.friendlyName = name;
  }
  const apiVersion = str(p, 'ApiVersion');
  if (apiVersion !== undefined && apiVersion !== '') {
    if (apiVersion !== '2010-04-01') throw badRequest(21000, `ApiVersion must be 2010-04-01, got '${apiVersion}'.`);
    s.apiVersion = apiVersion;
  }
  const urls = [
    ['VoiceUrl', 'voiceUrl'],
    ['VoiceFallbackUrl', 'voiceFallbackUrl'],
    ['StatusCallback', 'statusCallback'],
    ['SmsUrl', 'smsUrl'],
    ['SmsFallbackUrl', 'smsFallbackUrl'],
    ['SmsStatusCallback', 'smsStatusCallback'],
    ['MessageStatusCallback', 'messageStatusCallback'],
  ] as const;
  const methods = [
    ['VoiceMethod', 'voiceMethod'],
    ['VoiceFallbackMethod', 'voiceFallbackMethod'],
    ['StatusCallbackMethod', 'statusCallbackMethod'],
    ['SmsMethod', 'smsMethod'],
    ['SmsFallbackMethod', 'smsFallbackMethod'],
  ] as const;
  readWebhooks(p, s, urls, methods);
  const lookup = bool(p, 'VoiceCallerIdLookup');
  if (lookup !== undefined) s.voiceCallerIdLookup = lookup;
  const connect = bool(p, 'PublicApplicationConnectEnabled');
  if (connect !== undefined) s.publicApplicationConnectEnabled = connect;
  return s;
}

export function registerApplicationRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { applications, tables } = deps;
  const base = '/2010-04-01/Accounts/:AccountSid/Applications';

  const appOf = (accountSid: string, sid: string): ApplicationRecord => {
    const a = applications.of(accountSid, sid);
    if (!a) throw notFound(`The requested resource /2010-04-01/Accounts/${accountSid}/Applications/${sid}.json was not found`);
    return a;
  };

  app.post(`${base}.json`, async (req, reply) => {
    const created = await applications.create(req.account.sid, parseSettings((req.body ?? {}) as RawParams));
    reply.code(201);
    return applicationJson(created);
  });

  app.get(`${base}.json`, async (req) => {
    const q = req.query as RawParams;
    const page = parsePageRequest(q);
    const friendlyName = str(q, 'FriendlyName');
    const sid = req.account.sid;
    const { records, nextAfter } = scanPage(
      tables.applicationsByAccount,
      [sid, 0, ''],
      [sid, Number.MAX_SAFE_INTEGER, ''],
      page,
      (id) => applications.get(id),
      (a) => friendlyName === undefined || a.friendlyName === friendlyName,
    );
    const filters: Record<string, string> = friendlyName !== undefined ? { FriendlyName: friendlyName } : {};
    return pageEnvelope('applications', `/2010-04-01/Accounts/${sid}/Applications.json`, filters, page, records.map(applicationJson), nextAfter);
  });

  app.get(`${base}/:Sid.json`, async (req) => applicationJson(appOf(req.account.sid, (req.params as { Sid: string }).Sid)));

  app.post(`${base}/:Sid.json`, async (req) => {
    const a = appOf(req.account.sid, (req.params as { Sid: string }).Sid);
    return applicationJson(await applications.update(a, parseSettings((req.body ?? {}) as RawParams)));
  });

  app.delete(`${base}/:Sid.json`, async (req, reply) => {
    await applications.remove(appOf(req.account.sid, (req.params as { Sid: string }).Sid));
    return reply.code(204).send();
  });
}
