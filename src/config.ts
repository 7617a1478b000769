// One typed configuration. Every value has an embedded default so `npm start` works on a fresh machine;
// environment variables (the runtime contract in DESIGN.md) override them.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { DEFAULT_SLOTS_PER_ORIGIN } from './messaging/inbound/webhook-slots.js';

export interface Config {
  dataDir: string;
  httpHost: string;
  httpPort: number;
  publicUrl: string;
  accountSid: string | undefined;
  authToken: string | undefined;
  carriersFile: string | undefined;
  sandboxSmppPort: number;
  sipHost: string;
  sipPort: number;
  drachtioPort: number;
  drachtio: string | undefined;
  drachtioSecret: string;
  sipTrunk: string | undefined;
  rtpPorts: { min: number; max: number };
  /** Worker threads carrying RTP (TANDEM_MEDIA_WORKERS); 0 runs media on the main thread. */
  mediaWorkers: number;
  /** How many US local numbers the inventory is seeded with on first start. */
  seedUsLocal: number;
  /** Idle time after which a number actor is passivated to its snapshot. */
  actorIdleMs: number;
  webhookTimeoutMs: number;
  /** Inbound messages one webhook origin has in hand at once, across all numbers (see webhook-slots.ts). */
  webhookSlotsPerOrigin: number;
  /** How long a Verify code may be checked (Twilio: ten minutes). */
  verifyTtlMs: number;
  /** API requests one account may have in flight at once (src/api/concurrency.ts); 0 = no bound. */
  apiConcurrency: number;
  logLevel: string;
}

export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, dflt: number, min = 0, max = 65535): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got '${raw}'`);
  }
  return n;
}

function portRange(raw: string | undefined): { min: number; max: number } {
  const m = /^(\d+)-(\d+)$/.exec(raw ?? '40000-40999');
  const min = Number(m?.[1]);
  const max = Number(m?.[2]);
  if (!m || min < 1 || max > 65535 || min >= max) {
    throw new ConfigError(`TANDEM_RTP_PORTS must look like 40000-40999, got '${raw}'`);
  }
  return { min, max };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const httpHost = env.TANDEM_HTTP_HOST || '127.0.0.1';
  const httpPort = int(env, 'TANDEM_HTTP_PORT', 3000);
  const sid = env.TANDEM_ACCOUNT_SID || undefined;
  if (sid !== undefined && !/^AC[0-9a-f]{32}$/i.test(sid)) {
    throw new ConfigError(`TANDEM_ACCOUNT_SID must be AC followed by 32 hex digits, got '${sid}'`);
  }
  return {
    dataDir: resolve(env.TANDEM_DATA_DIR || './data'),
    httpHost,
    httpPort,
    publicUrl: (env.TANDEM_PUBLIC_URL || `http://${httpHost}:${httpPort}`).replace(/\/+$/, ''),
    accountSid: sid === undefined ? undefined : 'AC' + sid.slice(2).toLowerCase(),
    authToken: env.TANDEM_AUTH_TOKEN || undefined,
    carriersFile: env.TANDEM_CARRIERS || undefined,
    sandboxSmppPort: int(env, 'TANDEM_SANDBOX_SMPP_PORT', 2775),
    sipHost: env.TANDEM_SIP_HOST || '127.0.0.1',
    sipPort: int(env, 'TANDEM_SIP_PORT', 5060),
    drachtioPort: int(env, 'TANDEM_DRACHTIO_PORT', 9022),
    drachtio: env.TANDEM_DRACHTIO || undefined,
    drachtioSecret: env.TANDEM_DRACHTIO_SECRET || 'cymru',
    sipTrunk: env.TANDEM_SIP_TRUNK || undefined,
    rtpPorts: portRange(env.TANDEM_RTP_PORTS),
    mediaWorkers: int(env, 'TANDEM_MEDIA_WORKERS', Math.min(2, availableParallelism()), 0, 64),
    seedUsLocal: int(env, 'TANDEM_SEED_US_LOCAL', 100_000, 0, 10_000_000),
    actorIdleMs: int(env, 'TANDEM_ACTOR_IDLE_MS', 60_000, 10, 86_400_000),
    webhookTimeoutMs: int(env, 'TANDEM_WEBHOOK_TIMEOUT_MS', 15_000, 100, 600_000),
    webhookSlotsPerOrigin: int(env, 'TANDEM_WEBHOOK_SLOTS_PER_ORIGIN', DEFAULT_SLOTS_PER_ORIGIN, 1, 100_000),
    apiConcurrency: int(env, 'TANDEM_API_CONCURRENCY', 1_000, 0, 1_000_000),
    verifyTtlMs: int(env, 'TANDEM_VERIFY_TTL_S', 600, 1, 86_400) * 1000,
    logLevel: env.TANDEM_LOG_LEVEL || 'info',
  };
}
