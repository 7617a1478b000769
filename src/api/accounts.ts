// /2010-04-01/Accounts: the caller's account, its subaccounts, and their status changes.
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import type { AccountRecord, AccountStatus } from '../store/records.js';
import { rfc2822 } from '../util/time.js';
import { badRequest, ApiError, notFound } from './errors.js';
import { str, type RawParams } from './params.js';
import { pageEnvelope, parsePageRequest, scanPage } from './paging.js';

const BASE = '/2010-04-01/Accounts';

export function accountJson(a: AccountRecord): Record<string, unknown> {
  const uri = `${BASE}/${a.sid}.json`;
  const sub = (name: string) => `${BASE}/${a.sid}/${name}.json`;
  return {
    auth_token: a.authToken,
    date_created: rfc2822(a.dateCreated),
    date_updated: rfc2822(a.dateUpdated),
    friendly_name: a.friendlyName,
    owner_account_sid: a.ownerAccountSid,
    sid: a.sid,
    status: a.status,
    subresource_uris: {
      available_phone_numbers: sub('AvailablePhoneNumbers'),
      calls: sub('Calls'),
      incoming_phone_numbers: sub('IncomingPhoneNumbers'),
      applications: sub('Applications'),
      keys: sub('Keys'),
      messages: sub('Messages'),
      notifications: sub('Notifications'),
      recordings: sub('Recordings'),
      balance: sub('Balance'),
    },
    type: a.type,
    uri,
  };
}

function parseStatus(q: RawParams): AccountStatus | undefined {
  const s = str(q, 'Status');
  if (s === undefined) return undefined;
  if (s === 'active' || s === 'suspended' || s === 'closed') return s;
  throw badRequest(21000, `Status must be active, suspended or closed, got '${s}'`);
}

export function registerAccountRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { accounts, tables } = deps;

  app.get(`${BASE}.json`, async (req) => {
    const q = req.query as RawParams;
    const page = parsePageRequest(q);
    const friendlyName = str(q, 'FriendlyName');
    const status = parseStatus(q);
    const accept = (a: AccountRecord) =>
      (friendlyName === undefined || a.friendlyName === friendlyName) && (status === undefined || a.status === status);
    // The caller itself comes first, then its subaccounts oldest first.
    const self = req.principal;
    const includeSelf = page.after === undefined && page.page === 0 && accept(self);
    const adjusted = { ...page, pageSize: includeSelf ? page.pageSize - 1 : page.pageSize };
    const { records, nextAfter } =
      adjusted.pageSize > 0
        ? scanPage(tables.accountsByOwner, [self.sid, 0, ''], [self.sid, Number.MAX_SAFE_INTEGER, ''], adjusted, (sid) => accounts.get(sid), accept)
        : { records: [], nextAfter: [self.sid, 0, ''] };
    const all = includeSelf ? [self, ...records] : records;
    const filters: Record<string, string> = {};
    if (friendlyName !== undefined) filters.FriendlyName = friendlyName;
    if (status !== undefined) filters.Status = status;
    return pageEnvelope('accounts', `${BASE}.json`, filters, page, all.map(accountJson), nextAfter);
  });

  app.post(`${BASE}.json`, async (req, reply) => {
    const body = (req.body ?? {}) as RawParams;
    if (req.principal.ownerAccountSid !== req.principal.sid) {
      throw new ApiError(403, 20008, 'Subaccounts cannot create subaccounts');
    }
    const fn = str(body, 'FriendlyName');
    if (fn !== undefined && fn.length > 64) throw badRequest(21000, 'FriendlyName must be at most 64 characters');
    const created = await accounts.createSubaccount(req.principal, fn);
    reply.code(201);
    return accountJson(created);
  });

  app.get(`${BASE}/:AccountSid.json`, async (req) => accountJson(req.account));

  app.post(`${BASE}/:AccountSid.json`, async (req) => {
    const body = (req.body ?? {}) as RawParams;
    const target = req.account;
    const status = parseStatus(body);
    const friendlyName = str(body, 'FriendlyName');
    if (status !== undefined && status !== target.status) {
      if (target.sid === req.principal.sid && status !== 'active') {
        // Twilio lets a parent suspend or close its subaccounts, not itself through its own credentials.
        throw new ApiError(403, 20008, 'An account cannot suspend or close itself; use the parent account');
      }
      if (target.status === 'closed') throw badRequest(20008, 'A closed account cannot be reopened');
    }
    return accountJson(await accounts.update(target, { ...(status ? { status } : {}), ...(friendlyName !== undefined ? { friendlyName } : {}) }));
  });

  app.get(`${BASE}/:AccountSid/Balance.json`, async (req) => ({ account_sid: req.account.sid, balance: '0.00', currency: 'USD' }));

  void notFound;
}
