// The composition root: builds every part of the switch in dependency order and stops them in reverse.
import type { Logger } from 'pino';
import nact from 'nact';
import type { Config } from './config.js';
import { openTables, closeTables } from './store/db.js';
import { LmdbPersistenceEngine } from './store/nact-persistence.js';
import { Accounts } from './accounts/accounts.js';
import { Metrics } from './metrics.js';
import { buildApp } from './api/app.js';

export interface RunningSwitch {
  url: string;
  accountSid: string;
  authToken: string;
  stop(): Promise<void>;
}

export async function startSwitch(config: Config, log: Logger): Promise<RunningSwitch> {
  const t0 = performance.now();
  const stops: (() => Promise<void>)[] = [];
  let ready = false;

  const tables = openTables(config.dataDir);
  stops.push(() => closeTables(tables));
  const metrics = new Metrics();
  const accounts = new Accounts(tables);
  const { account, created } = await accounts.ensureDefault(config.accountSid, config.authToken);

  const engine = new LmdbPersistenceEngine(tables.actorEvents, tables.actorSnapshots);
  const system = nact.start(nact.configurePersistence(engine as never));
  stops.push(async () => nact.stop(system));

  const app = await buildApp({ config, tables, accounts, metrics, isReady: () => ready }, { level: config.logLevel, base: { svc: 'tandem' } } as never);
  await app.listen({ host: config.httpHost, port: config.httpPort });
  // The HTTP server closes first: it stops taking requests and finishes the ones in flight.
  stops.push(() => app.close());

  ready = true;
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.httpPort;
  const url = `http://${config.httpHost}:${port}`;
  log.info({ url, ms: Math.round(performance.now() - t0), dataDir: config.dataDir }, 'tandem ready');
  // Printed plainly (not only as a log line) so a new user sees the credentials right after `npm start`.
  process.stdout.write(
    `\ntandem is ready at ${url}\n` +
      `  AccountSid ${account.sid}\n  AuthToken  ${account.authToken}${created ? '   (generated now, stored in ' + config.dataDir + ')' : ''}\n\n`,
  );

  return {
    url,
    accountSid: account.sid,
    authToken: account.authToken,
    async stop() {
      for (const s of stops.reverse()) await s();
    },
  };
}
