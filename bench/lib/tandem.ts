// Starts tandem exactly as `npm start` does (its node flags read from package.json), configured
// through its env vars, on free ports and a data dir of the scenario's, and drives its REST API.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'undici';
import { US_AREA_CODES } from '../../src/inventory/dataset-us.js';
import { freePort } from './ports.js';
import { startNode, type Proc } from './procs.js';
import { http, runLoad } from './http.js';
import { sleep } from './stats.js';

/**
 * The node flags of `npm start` (package.json's start script), so the bench runs tandem as users do:
 * - `--max-semi-space-size=32`: a 32 MB young generation, because the message path allocates short-lived objects
 *   fast and V8's default 16 MB scavenged every few hundred messages (GC was ~10 % of the CPU profile);
 * - `--no-allocation-site-pretenuring`: after a backlog (a burst, a flat-out run) V8 starts allocating the objects of
 *   the message path's busiest sites straight in the old generation; dead there until the next full GC, they keep the
 *   young objects they point at alive through every scavenge. At 1,000 MO/s after a flat-out run, each scavenge kept
 *   3.6–3.8 MB and paused 13–19 ms (plus 28–50 ms on V8's helper threads); without it 1.6 MB and 9 ms (11–15 ms).
 */
const START_FLAGS = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start
  .split(/\s+/)
  .filter((arg) => arg.startsWith('--') && arg !== '--import');

export interface TandemOptions {
  dataDir: string;
  /** SMPP carrier to bind to; omitted = tandem's embedded sandbox SMSC. */
  carrier?: { port: number; binds?: number; window?: number };
  seedUsLocal?: number;
  actorIdleMs?: number;
  nodeArgs?: string[];
  /** Reuse the credentials (and so the data dir's account) of an earlier start. */
  credentials?: { sid: string; token: string };
}

export interface Tandem {
  url: string;
  sid: string;
  token: string;
  proc: Proc;
  /** From spawn to the first 200 from /healthz. */
  startMs: number;
  authHeader: string;
  api(path: string): string;
  /** Buys `count` SMS-capable numbers (AreaCode rotation), each configured with `settings`. */
  buyNumbers(count: number, settings: Record<string, string>): Promise<{ e164: string; sid: string }[]>;
  stop(): Promise<void>;
}

export async function startTandem(opts: TandemOptions): Promise<Tandem> {
  const port = await freePort();
  const sid = opts.credentials?.sid ?? 'AC' + randomBytes(16).toString('hex');
  const token = opts.credentials?.token ?? randomBytes(16).toString('hex');
  const env: Record<string, string> = {
    TANDEM_DATA_DIR: opts.dataDir,
    TANDEM_HTTP_HOST: '127.0.0.1',
    TANDEM_HTTP_PORT: String(port),
    TANDEM_ACCOUNT_SID: sid,
    TANDEM_AUTH_TOKEN: token,
    TANDEM_SANDBOX_SMPP_PORT: String(await freePort()),
    TANDEM_SIP_PORT: String(await freePort()),
    TANDEM_DRACHTIO_PORT: String(await freePort()),
    TANDEM_SEED_US_LOCAL: String(opts.seedUsLocal ?? 20_000),
    TANDEM_LOG_LEVEL: 'warn',
  };
  if (opts.actorIdleMs !== undefined) env.TANDEM_ACTOR_IDLE_MS = String(opts.actorIdleMs);
  if (opts.carrier) {
    const file = join(opts.dataDir, '..', `carriers-${port}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        smpp: [{ name: 'bench', host: '127.0.0.1', port: opts.carrier.port, systemId: 'tandem', password: 'bench', binds: opts.carrier.binds ?? 2, window: opts.carrier.window ?? 200, prefixes: ['+'] }],
      }),
    );
    env.TANDEM_CARRIERS = file;
  }
  const t0 = performance.now();
  // BENCH_CPU_PROF=<dir>: every tandem the bench starts writes a V8 CPU profile there when it exits.
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
  // BENCH_TANDEM_NODE_ARGS="--flag …": more node flags for tandem, for experiments.
  const extra = process.env.BENCH_TANDEM_NODE_ARGS ? process.env.BENCH_TANDEM_NODE_ARGS.split(' ') : [];
  const proc = startNode('tandem', 'src/main.ts', env, [...START_FLAGS, ...prof, ...extra, ...(opts.nodeArgs ?? [])]);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`tandem exited with ${proc.child.exitCode} during start:\n${proc.output().slice(-4000)}`);
    const ok = await http(url + '/healthz').then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await proc.stop(1_000);
      throw new Error(`tandem was not ready within 300 s:\n${proc.output().slice(-4000)}`);
    }
    await sleep(20);
  }
  const startMs = performance.now() - t0;
  const authHeader = 'Basic ' + Buffer.from(`${sid}:${token}`).toString('base64');
  const api = (path: string): string => `${url}/2010-04-01/Accounts/${sid}${path}`;

  const buyNumbers = async (count: number, settings: Record<string, string>): Promise<{ e164: string; sid: string }[]> => {
    const pool = new Pool(url, { connections: 32 });
    const codes = US_AREA_CODES.map((a) => a[0]);
    const bought: { e164: string; sid: string }[] = [];
    let code = 0;
    try {
      const out = await runLoad({
        count: count * 4,
        concurrency: 32,
        maxMs: 600_000,
        task: async () => {
          if (bought.length >= count) return true;
          const ac = codes[code % codes.length]!;
          const r = await http(api('/IncomingPhoneNumbers.json'), {
            method: 'POST',
            dispatcher: pool,
            headers: { authorization: authHeader, 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ AreaCode: ac, ...settings }).toString(),
          });
          if (r.status === 201) {
            if (bought.length >= count) return true;
            const j = JSON.parse(r.body) as { phone_number: string; sid: string; capabilities?: { sms?: boolean } };
            // Some inventory numbers are voice-only: they stay bought but are no use as senders.
            if (j.capabilities?.sms === false) return true;
            bought.push({ e164: j.phone_number, sid: j.sid });
            return true;
          }
          // This area code ran dry: move on to the next one.
          if (r.status === 400 && /21452/.test(r.body)) {
            if (codes[code % codes.length] === ac) code++;
            return true;
          }
          return `buy ${ac}: ${r.status} ${r.body.slice(0, 200)}`;
        },
      });
      if (bought.length < count) throw new Error(`bought only ${bought.length} of ${count} numbers (${out.firstError ?? 'inventory ran out'})`);
    } finally {
      await pool.close();
    }
    return bought.slice(0, count);
  };

  return { url, sid, token, proc, startMs, authHeader, api, buyNumbers, stop: () => proc.stop(30_000) };
}
