// inbound: MO from the SMSC (deliver_sm) → the gateway → the webhook app (one <Message>, or Kannel's text reply)
// → reply submit_sm back at the same SMSC. Flat out, then paced at 1,000 MO/s; tandem and Kannel in turn.
// MO→reply latency is measured inside the SMSC process (MO sent → reply arrived, one clock).
import { join } from 'node:path';
import { startKannel } from '../lib/kannel.js';
import { cpuBudget, sampleRss, waitQuiet, type Proc } from '../lib/procs.js';
import { FreshSmsc, type Smsc } from '../lib/smsc.js';
import { startTandem, type Tandem } from '../lib/tandem.js';
import { startWebhookApp, type WebhookApp } from '../lib/webhook-app.js';
import { collectArrivals, pathFigures } from '../lib/delivery.js';
import { alternate, medianOf, type Figures, type Scenario, type ScenarioContext } from '../lib/scenario.js';
import { percentile, round, sleep, sortedCopy, waitFor } from '../lib/stats.js';


const NUMBERS = 200;
const KEYS = [
  'replies_per_s',
  'p50_ms',
  'p99_ms',
  'replies_per_s_at_1000',
  'p50_ms_at_1000',
  'p99_ms_at_1000',
  'p50_ms_to_webhook_at_1000',
  'p99_ms_to_webhook_at_1000',
  'p50_ms_webhook_to_reply_at_1000',
  'p99_ms_webhook_to_reply_at_1000',
  'cpu_us_per_reply',
  'main_thread_cpu_us_per_reply',
  'carrier_cpu_us_per_reply',
  'webhook_app_cpu_us_per_reply',
  'machine_cpu_us_per_reply',
  'machine_busy_cores',
  'cold_replies_per_s',
  'cold_p99_ms',
  'quiet_after_warm_up_ms',
  'rss_mb',
  'lost',
  'duplicate_replies',
] as const;
type Run = Partial<Record<(typeof KEYS)[number], number>>;

interface Load {
  /** MO sent flat out to a freshly started gateway before anything is measured (reported as `cold_*`). */
  warmCount: number;
  flatCount: number;
  pacedCount: number;
  /** Bound on each phase, replies included. */
  phaseMs: number;
}

async function waitBound(smsc: Smsc): Promise<void> {
  await waitFor(async () => ((await smsc.stats()).bound >= 1 ? true : undefined), 30_000, 'the gateway to bind to the SMSC', 50);
}

interface MoFigures {
  replies_per_s?: number;
  p50_ms?: number;
  p99_ms?: number;
  /** The same latency cut where the webhook app saw the MO: MO sent → webhook, webhook → reply at the carrier. */
  split?: { toWebhook: { p50: number; p99: number }; webhookToReply: { p50: number; p99: number } };
  lost: number;
  duplicates: number;
}

/** One MO run: `count` MO at `rate`/s (0 = all at once); figures from the SMSC's timestamps, absent when no reply came. */
async function moRun(smsc: Smsc, app: WebhookApp, tag: string, count: number, rate: number, to: string[], maxMs: number): Promise<MoFigures> {
  await smsc.startMo(tag, count, rate, to);
  const arrivals = await collectArrivals(smsc, `re ${tag}`, count, 10_000, maxMs);
  if (arrivals.n === 0) return { lost: count, duplicates: 0 };
  const mo = await smsc.moRun(tag);
  const sent = mo.sentAt.filter((x): x is number => typeof x === 'number');
  const t0 = Math.min(...sent);
  const f = pathFigures(mo.sentAt, arrivals.n, t0, t0, arrivals);
  const split = splitAtWebhook(mo.sentAt, await app.seen(tag), arrivals);
  return { replies_per_s: f.msgs_per_s, p50_ms: f.p50_ms, p99_ms: f.p99_ms, ...(split && { split }), lost: count - f.arrived, duplicates: f.duplicates };
}

/** MO → webhook and webhook → reply for every MO the app saw (first sighting) and whose reply arrived. */
function splitAtWebhook(sentAt: (number | null)[], seen: { n: number; idx: number[]; at: number[] }, replies: { n: number; idx: number[]; at: number[] }): MoFigures['split'] {
  const atApp = new Map<number, number>();
  for (let k = 0; k < seen.n; k++) if (!atApp.has(seen.idx[k]!)) atApp.set(seen.idx[k]!, seen.at[k]!);
  const toWebhook: number[] = [];
  const toReply: number[] = [];
  const done = new Set<number>();
  for (let k = 0; k < replies.n; k++) {
    const i = replies.idx[k]!;
    const s = sentAt[i];
    const w = atApp.get(i);
    if (done.has(i) || typeof s !== 'number' || w === undefined) continue;
    done.add(i);
    toWebhook.push(w - s);
    toReply.push(replies.at[k]! - w);
  }
  if (toWebhook.length === 0) return undefined;
  const p = (xs: number[]) => {
    const sorted = sortedCopy(xs);
    return { p50: round(percentile(sorted, 50), 1), p99: round(percentile(sorted, 99), 1) };
  };
  return { toWebhook: p(toWebhook), webhookToReply: p(toReply) };
}

async function measure(smsc: Smsc, app: WebhookApp, side: string, i: number, to: string[], procs: Proc[], load: Load, log: (m: string) => void): Promise<Run> {
  const rss = procs.map((p) => sampleRss(p.pid));
  try {
    // A gateway runs for weeks; its first seconds after start (V8 compiling the hot path, LMDB pages coming into
    // memory) are reported apart, as cold figures, and every side gets the same warm-up.
    const cold = await moRun(smsc, app, `${side}w${i}`, load.warmCount, 0, to, load.phaseMs);
    // Paced first, on an idle gateway, so its latency is not the tail of the flat-out backlog: the last replies
    // arriving is not the end of it (their receipts, the garbage of thousands of messages), so wait for quiet.
    const quiet = await waitQuiet([...procs.map((p) => p.pid), smsc.proc.pid, app.proc.pid]);
    const paced = await moRun(smsc, app, `${side}p${i}`, load.pacedCount, 1_000, to, load.phaseMs);
    await sleep(500);
    const cpu = cpuBudget({ gateway: procs.map((p) => p.pid), carrier: smsc.proc.pid, others: [app.proc.pid] });
    const flat = await moRun(smsc, app, `${side}f${i}`, load.flatCount, 0, to, load.phaseMs);
    // The receipts for the last replies are still being handled: they are part of each reply's cost.
    await sleep(1_000);
    const answered = load.flatCount - flat.lost;
    const budget = cpu.read(answered);
    const peak = rss.reduce((s, r) => s + r.stop().peakMb, 0);
    const run: Run = {
      replies_per_s: flat.replies_per_s,
      p50_ms: flat.p50_ms,
      p99_ms: flat.p99_ms,
      replies_per_s_at_1000: paced.replies_per_s,
      p50_ms_at_1000: paced.p50_ms,
      p99_ms_at_1000: paced.p99_ms,
      p50_ms_to_webhook_at_1000: paced.split?.toWebhook.p50,
      p99_ms_to_webhook_at_1000: paced.split?.toWebhook.p99,
      p50_ms_webhook_to_reply_at_1000: paced.split?.webhookToReply.p50,
      p99_ms_webhook_to_reply_at_1000: paced.split?.webhookToReply.p99,
      ...(answered > 0 && {
        cpu_us_per_reply: budget.gateway,
        main_thread_cpu_us_per_reply: budget.main_thread,
        carrier_cpu_us_per_reply: budget.carrier,
        webhook_app_cpu_us_per_reply: budget.others,
        machine_cpu_us_per_reply: budget.machine,
        // Cores busy while the replies flowed: machine CPU per reply × replies per second.
        ...(budget.machine !== undefined && flat.replies_per_s !== undefined && { machine_busy_cores: round((budget.machine * flat.replies_per_s) / 1e6, 2) }),
      }),
      quiet_after_warm_up_ms: quiet.waitedMs,
      cold_replies_per_s: cold.replies_per_s,
      cold_p99_ms: cold.p99_ms,
      rss_mb: round(peak, 1),
      lost: cold.lost + flat.lost + paced.lost,
      duplicate_replies: cold.duplicates + flat.duplicates + paced.duplicates,
    };
    log(`  ${side === 'it' ? 'tandem' : 'kannel'} #${i + 1}: cold (first ${load.warmCount} MO) ${cold.replies_per_s ?? '–'} replies/s, p99 ${cold.p99_ms ?? '–'} ms; flat out ${flat.replies_per_s ?? '–'} replies/s, ${run.cpu_us_per_reply ?? '–'} CPU µs/reply (${side === 'it' ? `main thread ${run.main_thread_cpu_us_per_reply ?? '–'}; ` : ''}carrier ${run.carrier_cpu_us_per_reply ?? '–'}, webhook app ${run.webhook_app_cpu_us_per_reply ?? '–'}, machine ${run.machine_cpu_us_per_reply ?? '–'} µs/reply, ${run.machine_busy_cores ?? '–'} cores busy; p50 ${flat.p50_ms ?? '–'} ms, p99 ${flat.p99_ms ?? '–'} ms); at 1,000/s p50 ${paced.p50_ms ?? '–'} ms, p99 ${paced.p99_ms ?? '–'} ms (to the webhook ${paced.split?.toWebhook.p50 ?? '–'} / ${paced.split?.toWebhook.p99 ?? '–'} ms, webhook → reply ${paced.split?.webhookToReply.p50 ?? '–'} / ${paced.split?.webhookToReply.p99 ?? '–'} ms); ${run.lost} without reply, ${run.duplicate_replies} duplicate replies; RSS ${run.rss_mb} MB; quiet ${quiet.waitedMs} ms after the warm-up`);
    return run;
  } finally {
    for (const r of rss) r.stop();
  }
}

export const inbound: Scenario = {
  name: 'inbound',
  async run(ctx: ScenarioContext): Promise<Figures> {
    const load: Load = ctx.quick ? { warmCount: 3_000, flatCount: 3_000, pacedCount: 3_000, phaseMs: 25_000 } : { warmCount: 5_000, flatCount: 10_000, pacedCount: 10_000, phaseMs: 120_000 };
    // BENCH_INBOUND_FLAT / BENCH_INBOUND_PACED=n: other MO counts for the flat-out and the 1,000/s phases (e.g. a
    // longer 1,000/s phase to watch the garbage collector with --trace-gc-nvp); each phase gets time enough for them.
    const counted = (name: string): number | undefined => (process.env[name] ? Math.max(1, Number(process.env[name])) : undefined);
    load.flatCount = counted('BENCH_INBOUND_FLAT') ?? load.flatCount;
    load.pacedCount = counted('BENCH_INBOUND_PACED') ?? load.pacedCount;
    load.phaseMs = Math.max(load.phaseMs, load.pacedCount + 20_000);
    const pairs = ctx.quick ? 1 : 3;
    const dir = ctx.tmpDir('inbound');
    const dataDir = join(dir, 'data');
    const live: { tandem?: Tandem } = {};
    const smscs = new FreshSmsc();
    const app = await startWebhookApp();
    try {
      let smsc = await smscs.next();
      const first = await startTandem({ dataDir, carrier: { port: smsc.smppPort }, seedUsLocal: 20_000 });
      live.tandem = first;
      const creds = { sid: first.sid, token: first.token };
      ctx.log(`  buying ${NUMBERS} numbers with SmsUrl → the webhook app…`);
      const numbers = (await first.buyNumbers(NUMBERS, { SmsUrl: `${app.url}/sms`, SmsMethod: 'POST', TandemSendRate: '100' })).map((n) => n.e164);

      // Inbound may not be built yet: one probe MO must come back as a reply before tandem is measured.
      await waitBound(smsc);
      await smsc.startMo('probe', 1, 0, numbers);
      const probe = await collectArrivals(smsc, 're probe', 1, 10_000, 10_000);
      let tandemSkip: string | undefined;
      if (probe.n < 1) {
        const unwired = /inbound messaging is not enabled/.test(first.proc.output());
        tandemSkip = unwired
          ? 'inbound SMS is not wired in this build yet (tandem logs "inbound messaging is not enabled"; MO left unacknowledged)'
          : 'no reply reached the carrier within 10 s of a probe MO';
        ctx.log(`  tandem skipped: ${tandemSkip}`);
      }
      await first.stop();
      live.tandem = undefined;

      const runTandem = async (i: number): Promise<Run> => {
        smsc = await smscs.next();
        const t = await startTandem({ dataDir, carrier: { port: smsc.smppPort }, credentials: creds });
        live.tandem = t;
        try {
          await waitBound(smsc);
          return await measure(smsc, app, 'it', i, numbers, [t.proc], load, ctx.log);
        } finally {
          await t.stop();
          live.tandem = undefined;
        }
      };
      const runKannel = async (i: number): Promise<Run> => {
        smsc = await smscs.next();
        const k = await startKannel(ctx.tmpDir(`kannel-in${i}`), smsc.smppPort, app.url);
        try {
          await waitBound(smsc);
          return await measure(smsc, app, 'ik', i, numbers, [k.bearerbox, k.smsbox], load, ctx.log);
        } finally {
          await k.stop();
        }
      };

      const runs = await alternate(pairs, tandemSkip ? async () => undefined : runTandem, ctx.kannel.ok ? runKannel : null, ctx.log);
      const tandemRuns = runs.a.filter((r): r is Run => r !== undefined);
      // A side with no reply at all has no figures to report (absent, never zero).
      if (!tandemSkip && tandemRuns.length > 0 && tandemRuns.every((r) => r.replies_per_s === undefined && r.replies_per_s_at_1000 === undefined)) {
        tandemSkip = `no reply reached the carrier in any run (${tandemRuns[0]!.lost} MO unanswered per run)`;
      }
      const fig: Figures = {
        workload: { warm_up_mo: load.warmCount, flat_out_mo: load.flatCount, paced_mo: load.pacedCount, paced_rate_per_s: 1_000, numbers: NUMBERS, pairs, webhook: 'one <Message> (tandem) / text/plain reply (Kannel get-url)' },
        tandem: tandemSkip ? { skipped: tandemSkip } : { ...medianOf(tandemRuns, KEYS), runs: tandemRuns },
      };
      if (runs.b.length > 0) {
        const kan = medianOf(runs.b, KEYS);
        fig.kannel = { ...kan, runs: runs.b, note: 'store-type = file; Kannel acknowledges MO before calling get-url' };
        const tr = (fig.tandem as Run).replies_per_s;
        if (tr !== undefined && kan.replies_per_s) fig.ratio = round(tr / kan.replies_per_s, 2);
        const tp = (fig.tandem as Run).p99_ms_at_1000;
        if (tp !== undefined && kan.p99_ms_at_1000) fig.p99_at_1000_vs_kannel = round(tp / kan.p99_ms_at_1000, 2);
      } else {
        fig.kannel = { skipped: ctx.kannel.ok ? runs.bError : ctx.kannel.reason };
      }
      return fig;
    } finally {
      if (live.tandem) await live.tandem.stop();
      await app.stop();
      await smscs.stop();
    }
  },
};
