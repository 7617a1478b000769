// HTTP Basic with AccountSid:AuthToken on every /2010-04-01 route. The account named in the path must be the
// caller itself or one of its subaccounts; anything else is invisible (404), never leaked.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import type { Accounts } from '../accounts/accounts.js';
import type { AccountRecord } from '../store/records.js';
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

export function registerAuth(app: FastifyInstance, accounts: Accounts): void {
  // Slots on every request, so setting them does not change the object's shape per request.
  app.decorateRequest('principal', null as unknown as AccountRecord);
  app.decorateRequest('account', null as unknown as AccountRecord);

  // Callback hooks, not async ones: these run on every request, and an async hook costs a promise and its
  // settlement each time.
  app.addHook('onRequest', (req, _reply, done) => {
    if (!req.url.startsWith('/2010-04-01')) return done();
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
    const principal = c ? accounts.get(c.user) : undefined;
    if (!c || !principal || !sameSecret(principal.authToken, c.pass)) {
      return done(new ApiError(401, 20003, 'Authenticate'));
    }
    if (principal.status !== 'active') {
      return done(new ApiError(401, 20005, `Account not active: ${principal.sid} is ${principal.status}`));
    }
    req.principal = principal;
    req.account = principal;
    done();
  });

  // Runs after routing, when the path's AccountSid is known.
  app.addHook('preHandler', (req, _reply, done) => {
    if (!req.url.startsWith('/2010-04-01')) return done();
    const sid = (req.params as { AccountSid?: string } | undefined)?.AccountSid;
    if (sid === undefined) return done();
    const target = accounts.get(sid);
    if (!target || !accounts.canAct(req.principal, target)) {
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
