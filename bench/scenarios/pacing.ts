// pacing: 5,000 long-code senders (1 segment/s each) with a queue of messages each; how close the aggregate comes
// to the ideal 5,000/s and whether any sender ever puts two messages into one second at the carrier.
// The queues are filled while the carrier is down (its port reserved, the SMSC not yet started), so what is
// measured is the pacer and the pipe behind it, not how fast the API can feed 5,000 queues.
import { join } from 'node:path';
import { clientPool, http, runLoad } from '../lib/http.js';
import { freePort } from '../lib/ports.js';
import { sampleRss } from '../lib/procs.js';
import { startSmsc, type Smsc } from '../lib/smsc.js';
import { startTandem, type Tandem } from '../lib/tandem.js';
import { collectArrivals } from '../lib/delivery.js';
import { percentile, round, sortedCopy, waitFor } from '../lib/stats.js';
import type { Figures, Scenario, ScenarioContext } from '../lib/scenario.js';

const SENDERS = 5_000;
const RATE = 1; // long code: 1 segment per second
const CONCURRENCY = 64;

/** Most arrivals of one sender inside any window shorter than 1 s. */
export function maxInOneSecond(sortedTimes: number[]): number {
  let best = 0;
  let i = 0;
  for (let j = 0; j < sortedTimes.length; j++) {
    while (sortedTimes[j]! - sortedTimes[i]! >= 1_000) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

export const pacing: Scenario = {
  name: 'pacing',
  async run(ctx: ScenarioContext): Promise<Figures> {
    const windowS = ctx.quick ? 10 : 30;
    const perSender = windowS * RATE + 3;
    const dir = ctx.tmpDir('pacing');
    const carrierPort = await freePort();
    const live: { tandem?: Tandem; smsc?: Smsc } = {};
    try {
      const t = await startTandem({ dataDir: join(dir, 'data'), carrier: { port: carrierPort }, seedUsLocal: 20_000 });
      live.tandem = t;
      ctx.log(`  buying ${SENDERS} long-code senders…`);
      const tb = Date.now();
      const senders = (await t.buyNumbers(SENDERS, {})).map((n) => n.e164);
      ctx.log(`  bought in ${((Date.now() - tb) / 1000).toFixed(1)} s`);

      ctx.log(`  queueing ${perSender} messages on each sender with the carrier down…`);
      const pool = clientPool(t.url, CONCURRENCY);
      const queued = new Map<string, number>();
      const total = SENDERS * perSender;
      let fill;
      try {
        fill = await runLoad({
          count: total,
          concurrency: CONCURRENCY,
          maxMs: ctx.quick ? 45_000 : 300_000,
          task: async (i) => {
            // Round-robin: every sender gets its k-th message before any gets its (k+1)-th.
            const from = senders[i % SENDERS]!;
            const r = await http(t.api('/Messages.json'), {
              method: 'POST',
              dispatcher: pool,
              headers: { authorization: t.authHeader, 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({ From: from, To: '+1555' + String(3_000_000 + (i % SENDERS)).padStart(7, '0'), Body: `p:${i}` }).toString(),
            });
            if (r.status !== 201) return `${r.status} ${r.body.slice(0, 200)}`;
            queued.set(from, (queued.get(from) ?? 0) + 1);
            return true;
          },
        });
      } finally {
        await pool.close();
      }
      const fillS = (fill.t1 - fill.t0) / 1000;
      ctx.log(`  queued ${fill.ok} messages in ${fillS.toFixed(1)} s (${Math.round(fill.ok / fillS)}/s)${fill.failed ? `, ${fill.failed} refused: ${fill.firstError}` : ''}`);

      // The carrier comes up: every sender starts at once.
      const rss = sampleRss(t.proc.pid);
      live.smsc = await startSmsc(carrierPort);
      const smsc = live.smsc;
      // tandem re-binds with a back-off: the clock for each sender starts at its own first arrival anyway.
      const tw = Date.now();
      await waitFor(async () => ((await smsc.stats()).bound >= 1 ? true : undefined), 90_000, 'tandem to bind to the carrier', 50);
      ctx.log(`  carrier up; tandem bound after ${((Date.now() - tw) / 1000).toFixed(1)} s`);
      const arrivals = await collectArrivals(live.smsc, 'p', fill.ok, 5_000, (perSender + 60) * 1_000);
      const rssPeak = rss.stop().peakMb;

      const bySender = new Map<string, number[]>();
      for (let k = 0; k < arrivals.n; k++) {
        const from = arrivals.from[k]!;
        let list = bySender.get(from);
        if (!list) bySender.set(from, (list = []));
        list.push(arrivals.at[k]!);
      }
      // Judged over the configured window, or less when the API could not fill the queues in time.
      const filled = [...queued.values()].sort((a, b) => a - b);
      const judgedS = Math.max(1, Math.min(windowS, (filled[Math.floor(filled.length / 2)] ?? 1) - 1));
      let counted = 0;
      let inWindow = 0;
      let maxPerSecond = 0;
      const gaps: number[] = [];
      for (const [from, times] of bySender) {
        times.sort((a, b) => a - b);
        maxPerSecond = Math.max(maxPerSecond, maxInOneSecond(times));
        for (let k = 1; k < times.length; k++) gaps.push(times[k]! - times[k - 1]!);
        // Only senders that had more queued than the window can carry are judged on rate.
        if ((queued.get(from) ?? 0) <= judgedS * RATE) continue;
        counted++;
        const end = times[0]! + judgedS * 1_000;
        for (const at of times) if (at < end) inWindow++;
      }
      const ideal = counted * RATE;
      const aggregate = inWindow / judgedS;
      const g = sortedCopy(gaps);
      const result: Figures = {
        workload: { senders: SENDERS, rate_per_sender: RATE, window_s: windowS, queued_per_sender: perSender, carrier: 'started after the queues were filled' },
        tandem: {
          window_judged_s: judgedS,
          rate_vs_ideal: ideal > 0 ? round(aggregate / ideal, 3) : undefined,
          aggregate_per_s: round(aggregate, 0),
          ideal_per_s: ideal,
          max_per_sender_per_s: maxPerSecond,
          senders_judged: counted,
          gap_p50_ms: round(percentile(g, 50), 0),
          gap_min_ms: round(percentile(g, 0), 0),
          queued: fill.ok,
          queue_fill_per_s: round(fill.ok / fillS, 0),
          arrived: arrivals.n,
          rss_mb: round(rssPeak, 1),
        },
      };
      ctx.log(`  ${round(aggregate, 0)}/s of ideal ${ideal}/s over ${judgedS} s from each sender's first message; max ${maxPerSecond} per sender in any 1 s; gaps p50 ${round(percentile(g, 50), 0)} ms, min ${round(percentile(g, 0), 0)} ms`);
      return result;
    } finally {
      if (live.tandem) await live.tandem.stop();
      if (live.smsc) await live.smsc.stop();
    }
  },
};
