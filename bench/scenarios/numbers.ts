// numbers: a tandem whose inventory holds 1,000,000 US local numbers (fewer with --quick): AreaCode and Contains
// search latency through the API (one client, so each figure is a request's own latency), buy-and-release
// throughput, start-up time on the existing data dir, and RSS.
import { join } from 'node:path';
import { Pool } from 'undici';
import { US_AREA_CODES } from '../../src/inventory/dataset-us.js';
import { http, runLoad } from '../lib/http.js';
import { memoryOf } from '../lib/procs.js';
import { startTandem, type Tandem } from '../lib/tandem.js';
import { median, percentile, round, sortedCopy } from '../lib/stats.js';
import type { Figures, Scenario, ScenarioContext } from '../lib/scenario.js';

const VANITY = ['STORE', 'CALL', 'HELP', 'PIZZA', 'TAXI', 'CASH', 'LAW', 'DOCS', 'FLOWER', 'HOME', 'CARS', 'FOOD'];

/** A small deterministic generator, so every run asks the same questions. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function queries(n: number): { areaCode: string[]; contains: string[] } {
  const rand = lcg(7);
  const npa = (): string => US_AREA_CODES[Math.floor(rand() * US_AREA_CODES.length)]![0];
  const digits = (len: number): string => Array.from({ length: len }, () => String(Math.floor(rand() * 10))).join('');
  const areaCode = Array.from({ length: n }, () => `AreaCode=${npa()}`);
  // Vanity words, digit runs, wildcards, an end anchor, and AreaCode + Contains together.
  const contains = Array.from({ length: n }, (_, i) => {
    switch (i % 5) {
      case 0: return `Contains=${VANITY[Math.floor(rand() * VANITY.length)]!}`;
      case 1: return `Contains=${digits(3 + Math.floor(rand() * 4))}`;
      case 2: return `Contains=${digits(2)}**`;
      case 3: return `Contains=${encodeURIComponent(`${digits(4)}$`)}`;
      default: return `AreaCode=${npa()}&Contains=${digits(2 + Math.floor(rand() * 3))}`;
    }
  });
  return { areaCode, contains };
}

async function latency(t: Tandem, pool: Pool, qs: string[]): Promise<{ p50_ms: number; p99_ms: number; max_ms: number; queries: number; mean_results: number; errors: number }> {
  const times: number[] = [];
  let results = 0;
  let errors = 0;
  for (const q of qs) {
    const t0 = performance.now();
    const r = await http(t.api(`/AvailablePhoneNumbers/US/Local.json?${q}&PageSize=30`), { dispatcher: pool, headers: { authorization: t.authHeader } });
    times.push(performance.now() - t0);
    if (r.status !== 200) errors++;
    else results += (JSON.parse(r.body) as { available_phone_numbers: unknown[] }).available_phone_numbers.length;
  }
  const s = sortedCopy(times);
  return { p50_ms: round(percentile(s, 50), 2), p99_ms: round(percentile(s, 99), 2), max_ms: round(percentile(s, 100), 2), queries: qs.length, mean_results: round(results / qs.length, 1), errors };
}

export const numbers: Scenario = {
  name: 'numbers',
  async run(ctx: ScenarioContext): Promise<Figures> {
    const inventory = ctx.quick ? 200_000 : 1_000_000;
    const nq = ctx.quick ? 300 : 1_000;
    const dataDir = join(ctx.tmpDir('numbers'), 'data');
    const live: { tandem?: Tandem } = {};
    try {
      ctx.log(`  first start: seeding ${inventory.toLocaleString('en-US')} US local numbers…`);
      let t = await startTandem({ dataDir, seedUsLocal: inventory });
      live.tandem = t;
      const firstStartMs = t.startMs;
      const creds = { sid: t.sid, token: t.token };
      await t.stop();
      live.tandem = undefined;

      // Start-up on the existing data dir: what a restart costs.
      const startups: number[] = [];
      for (let i = 0; i < (ctx.quick ? 1 : 3); i++) {
        t = await startTandem({ dataDir, seedUsLocal: inventory, credentials: creds });
        live.tandem = t;
        startups.push(t.startMs);
        if (i < (ctx.quick ? 0 : 2)) {
          await t.stop();
          live.tandem = undefined;
        }
      }
      const rssIdle = memoryOf(t.proc.pid)?.rssMb;

      const pool = new Pool(t.url, { connections: 8 });
      const qs = queries(nq);
      await latency(t, pool, qs.areaCode.slice(0, 50));
      const area = await latency(t, pool, qs.areaCode);
      const contains = await latency(t, pool, qs.contains);
      ctx.log(`  AreaCode p50 ${area.p50_ms} ms, p99 ${area.p99_ms} ms; Contains p50 ${contains.p50_ms} ms, p99 ${contains.p99_ms} ms (${nq} each, one client)`);

      const codes = US_AREA_CODES.map((a) => a[0]);
      const seconds = ctx.quick ? 5 : 15;
      const br = await runLoad({
        count: 1_000_000,
        concurrency: 8,
        maxMs: seconds * 1_000,
        task: async (i) => {
          const headers = { authorization: t.authHeader, 'content-type': 'application/x-www-form-urlencoded' };
          const b = await http(t.api('/IncomingPhoneNumbers.json'), { method: 'POST', dispatcher: pool, headers, body: `AreaCode=${codes[i % codes.length]!}` });
          if (b.status !== 201) return `buy ${b.status} ${b.body.slice(0, 120)}`;
          const sid = (JSON.parse(b.body) as { sid: string }).sid;
          const d = await http(t.api(`/IncomingPhoneNumbers/${sid}.json`), { method: 'DELETE', dispatcher: pool, headers: { authorization: t.authHeader } });
          return d.status === 204 || `release ${d.status}`;
        },
      });
      await pool.close();
      const brPerS = round((br.ok * 1000) / (br.t1 - br.t0), 0);
      const rss = memoryOf(t.proc.pid);
      ctx.log(`  buy+release ${brPerS} pairs/s (8 clients); start-up ${round(median(startups), 0)} ms on existing data (first start with seeding ${round(firstStartMs, 0)} ms); RSS ${round(rss?.rssMb ?? NaN, 0)} MB`);
      return {
        inventory,
        tandem: {
          area_code_search: area,
          contains_search: contains,
          buy_release_per_s: brPerS,
          buy_release_failed: br.failed,
          startup_ms: round(median(startups), 0),
          startup_runs_ms: startups.map((x) => round(x, 0)),
          first_start_with_seeding_ms: round(firstStartMs, 0),
          rss_idle_mb: rssIdle === undefined ? undefined : round(rssIdle, 1),
          rss_mb: rss ? round(rss.rssMb, 1) : undefined,
          rss_peak_mb: rss ? round(rss.hwmMb, 1) : undefined,
        },
      };
    } finally {
      if (live.tandem) await live.tandem.stop();
    }
  },
};
