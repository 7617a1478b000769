// /2010-04-01/Accounts/{AccountSid}/Keys: the account's standard API keys. Create answers the secret, once
// (Twilio's NewKey); list, fetch, rename and delete (revoke) never show it.
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import type { ApiKeyRecord } from '../store/records.js';
import { rfc2822 } from '../util/time.js';
import { badRequest, notFound } from './errors.js';
import { str, type RawParams } from './params.js';
import { pageEnvelope, parsePageRequest, scanPage } from './paging.js';

const MAX_FRIENDLY_NAME = 64;

export function keyJson(k: ApiKeyRecord): Record<string, unknown> {
  return { sid: k.sid, friendly_name: k.friendlyName, date_created: rfc2822(k.dateCreated), date_updated: rfc2822(k.dateUpdated) };
}

function friendlyName(body: RawParams): string | undefined {
  const name = str(body, 'FriendlyName');
  if (name !== undefined && name.length > MAX_FRIENDLY_NAME) throw badRequest(21000, `FriendlyName must be at most ${MAX_FRIENDLY_NAME} characters`);
  return name;
}

export function registerKeyRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { apiKeys, tables } = deps;
  const base = '/2010-04-01/Accounts/:AccountSid/Keys';

  const keyOf = (accountSid: string, sid: string): ApiKeyRecord => {
    const key = apiKeys.get(sid);
    if (!key || key.accountSid !== accountSid) {
      throw notFound(`The requested resource /2010-04-01/Accounts/${accountSid}/Keys/${sid}.json was not found`);
    }
    return key;
  };

  app.post(`${base}.json`, async (req, reply) => {
    const { key, secret } = await apiKeys.create(req.account.sid, friendlyName((req.body ?? {}) as RawParams));
    reply.code(201);
    return { ...keyJson(key), secret };
  });

  app.get(`${base}.json`, async (req) => {
    const page = parsePageRequest(req.query as RawParams);
    const sid = req.account.sid;
    const { records, nextAfter } = scanPage(tables.apiKeysByAccount, [sid, 0, ''], [sid, Number.MAX_SAFE_INTEGER, ''], page, (id) => apiKeys.get(id));
    return pageEnvelope('keys', `/2010-04-01/Accounts/${sid}/Keys.json`, {}, page, records.map(keyJson), nextAfter);
  });

  app.get(`${base}/:Sid.json`, async (req) => keyJson(keyOf(req.account.sid, (req.params as { Sid: string }).Sid)));

  app.post(`${base}/:Sid.json`, async (req) => {
    const key = keyOf(req.account.sid, (req.params as { Sid: string }).Sid);
    const name = friendlyName((req.body ?? {}) as RawParams);
    return keyJson(name === undefined ? key : await apiKeys.rename(key, name));
  });

  app.delete(`${base}/:Sid.json`, async (req, reply) => {
    await apiKeys.remove(keyOf(req.account.sid, (req.params as { Sid: string }).Sid));
    return reply.code(204).send();
  });
}
