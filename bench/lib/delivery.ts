// Pairs what the bench sent with what arrived at the SMSC: throughput and request→submit_sm latency.
import type { Smsc, Arrivals } from './smsc.js';
import { percentile, round, sleep, sortedCopy } from './stats.js';

/**
 * Waits until `expected` messages with `tag` arrived, or arrivals stall for `stallMs` once they started (before the
 * first one, `firstMs` is allowed), or `maxMs` passes.
 */
export async function collectArrivals(smsc: Smsc, tag: string, expected: number, stallMs = 10_000, maxMs = 300_000, firstMs = 30_000): Promise<Arrivals> {
  const start = Date.now();
  let last = -1;
  let lastChange = start;
  for (;;) {
    const a = await smsc.arrivals(tag);
    const now = Date.now();
    if (a.n >= expected) return a;
    if (a.n !== last) {
      last = a.n;
      lastChange = now;
    }
    const stalled = a.n === 0 ? now - start > Math.max(firstMs, stallMs) : now - lastChange > stallMs;
    if (stalled || now - start > maxMs) return a;
    await sleep(250);
  }
}

export interface PathFigures {
  /** Messages sent per second from the first request to the last submit_sm at the carrier. */
  msgs_per_s: number;
  /** Requests answered with success per second (the API's own rate). */
  accepted_per_s: number;
  /** submit_sm per second between the first and the last arrival. */
  carrier_submit_per_s: number;
  p50_ms: number;
  p99_ms: number;
  accepted: number;
  /** Distinct messages at the carrier. */
  arrived: number;
  /** Arrivals beyond the first for the same message (a gateway sending something twice). */
  duplicates: number;
}

/** `startedAt[i]` is when message i's request (or MO) left; arrivals carry i. */
export function pathFigures(startedAt: ArrayLike<number | null | undefined>, accepted: number, t0: number, t1: number, a: Arrivals): PathFigures {
  const lat: number[] = [];
  let first = Infinity;
  let last = -Infinity;
  const seen = new Set<number>();
  for (let k = 0; k < a.n; k++) {
    const at = a.at[k]!;
    if (seen.has(a.idx[k]!)) continue;
    seen.add(a.idx[k]!);
    if (at < first) first = at;
    if (at > last) last = at;
    const s = startedAt[a.idx[k]!];
    if (typeof s === 'number') lat.push(at - s);
  }
  const sorted = sortedCopy(lat);
  const n = seen.size;
  return {
    msgs_per_s: n > 0 ? round((n * 1000) / Math.max(1, last - t0), 0) : 0,
    accepted_per_s: round((accepted * 1000) / Math.max(1, t1 - t0), 0),
    carrier_submit_per_s: n > 1 ? round((n * 1000) / Math.max(1, last - first), 0) : 0,
    p50_ms: round(percentile(sorted, 50), 1),
    p99_ms: round(percentile(sorted, 99), 1),
    accepted,
    arrived: n,
    duplicates: a.n - n,
  };
}
