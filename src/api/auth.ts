// HTTP Basic on every /2010-04-01 route: AccountSid:AuthToken, or an API key's KeySid:Secret (src/accounts/api-keys.ts).
// The account named in the path must be the caller itself or one of its subaccounts; anything else is invisible
// (404), never leaked. A key acts for its own account alone, and, being a standard key, never on the Accounts or
// Keys resources (which show and make credentials): 401 20003 there, as Twilio answers.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import type { Accounts } from '../accounts/accounts.js';
import type { ApiKeys } from '../accounts/api-keys.js';
import type { AccountRecord, ApiKeyRecord } from '../store/records.js';
import { ApiError, notFound } from './errors.js';

const PUBLIC_RECORDING = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Recordings\/RE[0-9a-f]{32}(?:\.wav)?$/;

function credentials(req: FastifyRequest): { user: string; pass: string } | undefined {
  const h = req.headers.authorization;
  if (!h || !h.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(h.slice(6), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { user: decoded.slice(0, i), pass: decoded.slice(i + 1) };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The REST API: Twilio's 2010-04-01 paths and the newer v1 / v2 ones (Messaging Services, Lookup), which name no account. */
const isApi = (url: string): boolean => url.startsWith('/2010-04-01') || url.startsWith('/v1/') || url.startsWith('/v2/');

/** Routes a standard API key may not use: they list, make or show credentials (an account's auth_token, keys). */
function credentialRoute(url: string | undefined): boolean {
  return url === '/2010-04-01/Accounts.json' || url === '/2010-04-01/Accounts/:AccountSid.json' || (url?.startsWith('/2010-04-01/Accounts/:AccountSid/Keys') ?? false);
}

export function registerAuth(app: FastifyInstance, accounts: Accounts, apiKeys: ApiKeys): void {
  // Slots on every request, so setting them does not change the object's shape per request.
  app.decorateRequest('principal', null as unknown as AccountRecord);
  app.decorateRequest('account', null as unknown as AccountRecord);
  app.decorateRequest('apiKey', null);

  // Callback hooks, not async ones: these run on every request, and an async hook costs a promise and its
  // settlement each time.
  app.addHook('onRequest', (req, _reply, done) => {
    if (!isApi(req.url)) return done();
    // Recording audio is served without credentials, as Twilio does by default, so apps and players can fetch a
    // RecordingUrl directly. The SIDs are unguessable; the recording's JSON still needs credentials.
    const media = req.method === 'GET' && !req.headers.authorization ? PUBLIC_RECORDING.exec(req.url.split('?')[0]!) : null;
    if (media) {
      const owner = accounts.get(media[1]!);
      if (owner) {
        req.principal = owner;
        req.account = owner;
        return done();
      }
    }
    const c = credentials(req);
    let principal: AccountRecord | undefined;
    let key: ApiKeyRecord | undefined;
    if (c?.user.startsWith('SK')) {
      key = apiKeys.verify(c.user, c.pass);
      principal = key && accounts.get(key.accountSid);
    } else if (c) {
      principal = accounts.get(c.user);
      if (principal && !sameSecret(principal.authToken, c.pass)) principal = undefined;
    }
    if (!principal) return done(new ApiError(401, 20003, 'Authenticate'));
    if (principal.status !== 'active') {
      return done(new ApiError(401, 20005, `Account not active: ${principal.sid} is ${principal.status}`));
    }
    req.principal = principal;
    req.account = principal;
    req.apiKey = key ?? null;
    done();
  });

  // Runs after routing, when the path's AccountSid is known.
  app.addHook('preHandler', (req, _reply, done) => {
    if (!isApi(req.url)) return done();
    if (req.apiKey !== null && credentialRoute(req.routeOptions.url)) {
      return done(new ApiError(401, 20003, 'Authenticate: a standard API key cannot use the Accounts or Keys resources; use the Auth Token'));
    }
    const sid = (req.params as { AccountSid?: string } | undefined)?.AccountSid;
    if (sid === undefined) return done();
    const target = accounts.get(sid);
    // A key acts for its own account; the Auth Token also for the account's subaccounts.
    if (!target || !(req.apiKey !== null ? target.sid === req.principal.sid : accounts.canAct(req.principal, target))) {
      return done(notFound(`The requested resource /2010-04-01/Accounts/${sid} was not found`));
    }
    // A closed account's resources are read-only; the account resource itself explains why it cannot reopen.
    const isAccountResource = req.routeOptions.url === '/2010-04-01/Accounts/:AccountSid.json';
    if (target.status === 'closed' && req.method !== 'GET' && !isAccountResource) {
      return done(new ApiError(401, 20005, `Account not active: ${target.sid} is closed`));
    }
    req.account = target;
    done();
  });
}
