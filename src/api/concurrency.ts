// A bound on the API requests one account has in flight at once (TANDEM_API_CONCURRENCY). Past it a request is
// answered at once with Twilio's 429 / 20429, which is safe to retry (the official clients' `autoRetry` does), so
// a runaway sender gets a clear answer instead of making every other caller of the switch wait behind it.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ApiError } from './errors.js';

/**
 * Counts each authenticated request from its headers until its response is finished or its connection is gone
 * (`close` on the response covers both, so a client that hangs up never holds a slot). Registered after the auth
 * hook, whose `principal` it counts by; unauthenticated routes (/healthz, /metrics, /sandbox) are not counted.
 */
export function registerConcurrencyLimit(app: FastifyInstance, limit: number): void {
  if (limit <= 0) return;
  const inFlight = new Map<string, number>();
  const release = (sid: string): void => {
    const n = inFlight.get(sid)! - 1;
    if (n === 0) inFlight.delete(sid);
    else inFlight.set(sid, n);
  };
  app.addHook('onRequest', (req, reply: FastifyReply, done) => {
    const principal = req.principal;
    if (principal === null) return done();
    const sid = principal.sid;
    const n = inFlight.get(sid) ?? 0;
    if (n >= limit) {
      return done(new ApiError(429, 20429, `Too Many Requests: account ${sid} already has ${limit} API requests in progress (TANDEM_API_CONCURRENCY); retry later`));
    }
    inFlight.set(sid, n + 1);
    reply.raw.once('close', () => release(sid));
    done();
  });
}
