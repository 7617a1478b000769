import { open } from 'lmdb';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { toApiJson } from './api-json.js';
import { US_AREA_CODES } from './dataset-us.js';
import { Inventory } from './inventory.js';
import { prng } from './prng.js';
import type { SearchQuery } from './types.js';

export interface LatencyFigures {
  queries: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /**
   * CPU time per query (process user+system). On a machine whose cores are oversubscribed, wall
   * p99 is mostly time spent waiting to be scheduled; CPU time shows what a search itself costs.
   */
  cpuP50Ms: number;
  cpuP99Ms: number;
  meanResults: number;
}

export interface SearchBenchResult {
  usLocal: number;
  totalNumbers: number;
  seedMs: number;
  reopenMs: number;
  areaCode: LatencyFigures;
  contains: LatencyFigures;
}

const VANITY = ['STORE', 'CALL', 'HELP', 'PIZZA', 'TAXI', 'CASH', 'LAW', 'DOCS', 'FLOWER', 'HOME', 'CARS', 'FOOD'];

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

function measure(inv: Inventory, queries: SearchQuery[]): LatencyFigures {
  const times: number[] = [];
  const cpu: number[] = [];
  let results = 0;
  for (const q of queries) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    // Shaping the JSON is part of what an API search pays for.
    const found = inv.search(q).map(toApiJson);
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    results += found.length;
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const r3 = (x: number): number => Math.round(x * 1000) / 1000;
  return {
    queries: times.length,
    p50Ms: r3(percentile(times, 50)),
    p99Ms: r3(percentile(times, 99)),
    maxMs: r3(times[times.length - 1] ?? 0),
    cpuP50Ms: r3(percentile(cpu, 50)),
    cpuP99Ms: r3(percentile(cpu, 99)),
    meanResults: Math.round((results / Math.max(times.length, 1)) * 10) / 10,
  };
}

/** A reproducible mix of Contains patterns: vanity words, 3–7 digit runs, wildcards, anchors, area-code combos. */
function containsQueries(n: number, rand: () => number): SearchQuery[] {
  const digits = (len: number): string => Array.from({ length: len }, () => String(Math.floor(rand() * 10))).join('');
  const npa = (): string => US_AREA_CODES[Math.floor(rand() * US_AREA_CODES.length)]![0];
  return Array.from({ length: n }, (_, i) => {
    const base: SearchQuery = { country: 'US', type: 'local', pageSize: 30 };
    switch (i % 6) {
      case 0: return { ...base, contains: VANITY[Math.floor(rand() * VANITY.length)]! };
      case 1: return { ...base, contains: digits(3 + Math.floor(rand() * 5)) };
      case 2: return { ...base, contains: `${digits(2)}**` };
      case 3: return { ...base, contains: `${digits(4)}$` };
      case 4: return { ...base, contains: `+${npa()}${digits(2)}` };
      default: return { ...base, areaCode: npa(), contains: digits(2 + Math.floor(rand() * 3)) };
    }
  });
}

/**
 * Seeds `usLocal` US local numbers (plus the proportional toll-free, CA and GB stock) into a fresh
 * LMDB environment in a temp dir, then times AreaCode and Contains searches. Returns the figures and
 * removes the environment.
 */
export async function benchSearch(
  numbersOrOpts: number | { usLocal?: number; queries?: number; seed?: number } = {},
): Promise<SearchBenchResult> {
  const opts = typeof numbersOrOpts === 'number' ? { usLocal: numbersOrOpts } : numbersOrOpts;
  const usLocal = opts.usLocal ?? 1_000_000;
  const nQueries = opts.queries ?? 2_000;
  const dir = await mkdtemp(join(tmpdir(), 'tandem-inv-bench-'));
  try {
    let root = open({ path: dir, mapSize: 8 * 1024 ** 3 });
    const seeded = await new Inventory(root).seedIfEmpty({ usLocal, seed: opts.seed });
    await root.close();

    // Search a reopened environment, as a restarted tandem would: startup must not reseed.
    const t0 = performance.now();
    root = open({ path: dir, mapSize: 8 * 1024 ** 3 });
    const inv = new Inventory(root);
    const again = await inv.seedIfEmpty({ usLocal, seed: opts.seed });
    const reopenMs = performance.now() - t0;

    const rand = prng(opts.seed ?? 7);
    const areaQueries: SearchQuery[] = Array.from({ length: nQueries }, () => ({
      country: 'US', type: 'local', pageSize: 30, areaCode: US_AREA_CODES[Math.floor(rand() * US_AREA_CODES.length)]![0],
    }));
    const containsQs = containsQueries(nQueries, rand);
    measure(inv, areaQueries.slice(0, 100));
    measure(inv, containsQs.slice(0, 100));
    const result: SearchBenchResult = {
      usLocal,
      totalNumbers: again.count,
      seedMs: Math.round(seeded.ms),
      reopenMs: Math.round(reopenMs * 10) / 10,
      areaCode: measure(inv, areaQueries),
      contains: measure(inv, containsQs),
    };
    await root.close();
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// `node --import tsx src/inventory/bench-search.ts [usLocal]` prints the figures as JSON.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? 1_000_000);
  console.log(JSON.stringify(await benchSearch({ usLocal: n }), null, 2));
}
