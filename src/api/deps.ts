// What the HTTP layer may call. Route modules get this and nothing else: they map HTTP onto these services.
import type { Config } from '../config.js';
import type { Tables } from '../store/db.js';
import type { Accounts } from '../accounts/accounts.js';
import type { Metrics } from '../metrics.js';
import type { AccountRecord } from '../store/records.js';

export interface ApiDeps {
  config: Config;
  tables: Tables;
  accounts: Accounts;
  metrics: Metrics;
  /** True once every part of the switch has started; /healthz answers 503 before. */
  isReady(): boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The account whose credentials authenticated the request. */
    principal: AccountRecord;
    /** The account named in the path (the principal itself or one of its subaccounts). */
    account: AccountRecord;
  }
}
