// The fastify app: Twilio's form-encoded requests in, Twilio's JSON and error shape out.
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import formbody from '@fastify/formbody';
import type { ApiDeps } from './deps.js';
import { flushedSoFar } from '../store/db.js';
import { ApiError } from './errors.js';
import { registerAuth } from './auth.js';
import { registerConcurrencyLimit } from './concurrency.js';
import { registerAccountRoutes } from './accounts.js';
import { registerKeyRoutes } from './keys.js';
import { registerApplicationRoutes } from './applications.js';
import { registerMessagingServiceRoutes } from './messaging-services.js';

export type RouteModule = (app: FastifyInstance, deps: ApiDeps) => void;

export async function buildApp(deps: ApiDeps, logger: FastifyServerOptions['logger'], modules: RouteModule[] = []): Promise<FastifyInstance> {
  const app = Fastify({
    logger,
    // One line per request at 6,000 requests/s would cost more than the request; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    keepAliveTimeout: 65_000,
    forceCloseConnections: 'idle',
  });
  await app.register(formbody);
  // DELETE from the Twilio client carries no body; JSON bodies are accepted for convenience.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    if (err instanceof ApiError) {
      deps.metrics.httpRequests.inc({ route: req.routeOptions.url ?? 'unknown', status: String(err.status) });
      return reply.code(err.status).send(err.toJSON());
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) req.log.error({ err }, 'unhandled API error');
    const e = new ApiError(status, status === 500 ? 20500 : 21000, status === 500 ? 'Internal Server Error' : err.message);
    return reply.code(status).send(e.toJSON());
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new ApiError(404, 20404, `The requested resource ${req.url.split('?')[0]} was not found`);
    return reply.code(404).send(e.toJSON());
  });
  // A change the API answers for (a message accepted, a number bought, a call queued) is on disk before the answer
  // leaves: the routes await their commits, and this waits for the flush that follows them (see store/db.ts).
  // Callback hooks, not async ones: they run on every request (an async hook costs a promise each time).
  app.addHook('onSend', (req, _reply, payload, done) => {
    if (req.method === 'GET' || req.method === 'HEAD') return done(null, payload);
    flushedSoFar(deps.tables).then(() => done(null, payload), done);
  });
  app.addHook('onResponse', (req, reply, done) => {
    if (reply.statusCode < 400) deps.metrics.httpRequests.inc({ route: req.routeOptions.url ?? 'unknown', status: String(reply.statusCode) });
    done();
  });

  app.get('/healthz', async (_req, reply) => {
    if (!deps.isReady()) return reply.code(503).send({ status: 'starting' });
    // Still 200 with a carrier down: tandem keeps accepting and queueing, and re-binds on its own (a restart would not help).
    return { status: 'ok', carriers: deps.carriers() };
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  registerAuth(app, deps.accounts, deps.apiKeys);
  registerConcurrencyLimit(app, deps.config.apiConcurrency);
  registerAccountRoutes(app, deps);
  registerKeyRoutes(app, deps);
  registerApplicationRoutes(app, deps);
  registerMessagingServiceRoutes(app, deps);
  for (const m of modules) m(app, deps);
  return app;
}
