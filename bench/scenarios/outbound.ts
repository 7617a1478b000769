// outbound: REST → submit_sm at a standalone SMSC, many concurrent HTTP clients, 1,000 short-code senders;
// then the same workload through Kannel's /cgi-bin/sendsms against the same SMSC process, A B A B.
import { join } from 'node:path';
import { runLoad } from '../lib/http.js';
import { KeepAliveClients } from '../lib/keepalive-client.js';
import { startKannel } from '../lib/kannel.js';
import { cpuBudget, sampleRss } from '../lib/procs.js';
import { FreshSmsc, type Smsc } from '../lib/smsc.js';
import { startTandem, type Tandem } from '../lib/tandem.js';
import { startWebhookApp, type WebhookApp } from '../lib/webhook-app.js';
import { alternate, medianOf, type Figures, type Scenario, type ScenarioContext } from '../lib/scenario.js';
import { collectArrivals, pathFigures, type PathFigures } from '../lib/delivery.js';
import { round, sleep, waitFor } from '../lib/stats.js';

const SENDERS = 1_000;
/** Concurrent HTTP clients, each waiting for its answer before the next request (a closed loop). */
const CONCURRENCY = Number(process.env.BENCH_CLIENTS ?? 64);
/**
 * A closed loop of 64 clients leaves tandem waiting on its commits part of the time (each 201 waits for its flush), so
 * tandem runs once more with this many clients: the same path with more requests in flight, as an application with
 * more workers sends. Full runs only, unless BENCH_CLIENTS_MORE is set; 0 turns it off.
 */
const MORE_CLIENTS = Number(process.env.BENCH_CLIENTS_MORE ?? 192);
const KEYS = [
  'msgs_per_s',
  'accepted_per_s',
  'carrier_submit_per_s',
  'p50_ms',
  'p99_ms',
  'cpu_us_per_msg',
  'main_thread_cpu_us_per_msg',
  'carrier_cpu_us_per_msg',
  'client_cpu_us_per_msg',
  'machine_cpu_us_per_msg',
  'machine_busy_cores',
  'cold_msgs_per_s',
  'rss_mb',
  'arrived',
  'accepted',
  'duplicates',
  'receipts_per_msg',
  'callbacks_per_msg',
] as const;

type Run = PathFigures & {
  rss_mb: number;
  failed: number;
  first_error?: string;
  /** The gateway's CPU per message; then the carrier's (the SMSC process), the load generator's and the whole machine's. */
  cpu_us_per_msg?: number;
  /** Of the gateway's CPU, its JavaScript main thread's (tandem only: Kannel is two processes). */
  main_thread_cpu_us_per_msg?: number;
  carrier_cpu_us_per_msg?: number;
  client_cpu_us_per_msg?: number;
  machine_cpu_us_per_msg?: number;
  /** Cores of the whole machine busy while the messages flowed (2 = nothing left on this 2-core machine). */
  machine_busy_cores?: number;
  cold_msgs_per_s?: number;
  /** Delivery receipts the gateway took from the carrier (deliver_sm it acknowledged) per message that arrived there. */
  receipts_per_msg?: number;
  /** Status callbacks the app received per message (the runs that ask for them). */
  callbacks_per_msg?: number;
};

/**
 * A gateway runs for weeks; the first seconds after it starts (V8 compiling the hot path, LMDB pages coming
 * into memory) are measured apart (`cold_msgs_per_s`) with this many messages, the same for every side.
 */
const warmUpCount = (quick: boolean): number => (quick ? 3_000 : 5_000);


const to = (i: number): string => '+1555' + String(2_000_000 + (i % 7_000_000)).padStart(7, '0');

async function drive(
  smsc: Smsc,
  tag: string,
  count: number,
  origin: string,
  pids: number[],
  request: (i: number, body: string) => { path: string; method: 'GET' | 'POST'; headers: string; body?: string; okStatus: number },
  concurrency: number,
  /** The app's count of status callbacks received, when the run asks for them. */
  callbacks?: () => Promise<number>,
): Promise<Run> {
  const clients = new KeepAliveClients(origin, concurrency);
  try {
    await clients.connectAll();
  } catch (err) {
    clients.close();
    throw err;
  }
  const startedAt = new Float64Array(count);
  const rss = pids.map((p) => sampleRss(p));
  const cpu = cpuBudget({ gateway: pids, carrier: smsc.proc.pid });
  const receiptsBefore = (await smsc.stats()).dlrsSent;
  const callbacksBefore = callbacks ? await callbacks() : 0;
  try {
    const out = await runLoad({
      count,
      concurrency,
      maxMs: 120_000,
      task: async (i, w) => {
        const r = request(i, `${tag}:${i}`);
        startedAt[i] = Date.now();
        const res = await clients.connections[w]!.request(r.method, r.path, r.headers, r.body);
        return res.status === r.okStatus || `${res.status} ${res.body.slice(0, 200)}`;
      },
    });
    if (out.ok === 0) throw new Error(`no request succeeded: ${out.firstError}`);
    const arrivals = await collectArrivals(smsc, tag, out.ok);
    // The carrier's receipts for the last messages are still being handled: they are part of each message's cost.
    await sleep(1_000);
    const budget = cpu.read(arrivals.n);
    const receipts = (await smsc.stats()).dlrsSent - receiptsBefore;
    const called = callbacks ? (await callbacks()) - callbacksBefore : undefined;
    const peak = rss.reduce((s, r) => s + r.stop().peakMb, 0);
    const run: Run = { ...pathFigures(startedAt, out.ok, out.t0, out.t1, arrivals), rss_mb: round(peak, 1), failed: out.failed };
    if (arrivals.n > 0) {
      run.receipts_per_msg = round(receipts / arrivals.n, 2);
      if (called !== undefined) run.callbacks_per_msg = round(called / arrivals.n, 2);
      run.cpu_us_per_msg = budget.gateway;
      run.main_thread_cpu_us_per_msg = budget.main_thread;
      run.carrier_cpu_us_per_msg = budget.carrier;
      run.client_cpu_us_per_msg = budget.load_generator;
      run.machine_cpu_us_per_msg = budget.machine;
      // Cores busy while the messages flowed: machine CPU per message × messages per second.
      if (budget.machine !== undefined) run.machine_busy_cores = round((budget.machine * run.msgs_per_s) / 1e6, 2);
    }
    if (out.firstError) run.first_error = out.firstError.slice(0, 200);
    return run;
  } finally {
    for (const r of rss) r.stop();
    clients.close();
  }
}

async function waitBound(smsc: Smsc, atLeast: number): Promise<void> {
  await waitFor(async () => ((await smsc.stats()).bound >= atLeast ? true : undefined), 30_000, 'the gateway to bind to the SMSC', 50);
}

export const outbound: Scenario = {
  name: 'outbound',
  async run(ctx: ScenarioContext): Promise<Figures> {
    const count = ctx.quick ? 8_000 : 30_000;
    const pairs = ctx.quick ? 1 : 3;
    const dir = ctx.tmpDir('outbound');
    const dataDir = join(dir, 'data');
    const live: { tandem?: Tandem; app?: WebhookApp } = {};
    const smscs = new FreshSmsc();
    try {
      let smsc = await smscs.next();
      const first = await startTandem({ dataDir, carrier: { port: smsc.smppPort }, seedUsLocal: 20_000 });
      live.tandem = first;
      const creds = { sid: first.sid, token: first.token };
      ctx.log(`  buying ${SENDERS} short-code-paced senders…`);
      const senders = (await first.buyNumbers(SENDERS, { TandemSendRate: '100' })).map((n) => n.e164);
      await first.stop();
      live.tandem = undefined;

      /** `app`: every message names the app's /status as its StatusCallback (Twilio posts sending, sent, delivered). */
      const runTandem = async (i: number, clients = CONCURRENCY, app?: WebhookApp): Promise<Run> => {
        smsc = await smscs.next();
        const t = await startTandem({ dataDir, carrier: { port: smsc.smppPort }, credentials: creds });
        live.tandem = t;
        try {
          await waitBound(smsc, 1);
          const path = `/2010-04-01/Accounts/${t.sid}/Messages.json`;
          const headers = `authorization: ${t.authHeader}\r\ncontent-type: application/x-www-form-urlencoded\r\n`;
          const callback = app ? `&StatusCallback=${encodeURIComponent(`${app.url}/status`)}` : '';
          const req = (k: number, body: string) => ({
            path,
            method: 'POST' as const,
            headers,
            body: `From=${encodeURIComponent(senders[k % SENDERS]!)}&To=${encodeURIComponent(to(k))}&Body=${encodeURIComponent(body)}${callback}`,
            okStatus: 201,
          });
          const tag = `ot${app ? 'c' : ''}${clients}-${i}`;
          const counted = app ? () => app.statusCallbacks() : undefined;
          const cold = await drive(smsc, `${tag}w`, warmUpCount(ctx.quick), t.url, [t.proc.pid], req, clients, counted);
          const r = { ...(await drive(smsc, tag, count, t.url, [t.proc.pid], req, clients, counted)), cold_msgs_per_s: cold.msgs_per_s };
          ctx.log(`  tandem #${i + 1}${clients === CONCURRENCY ? '' : ` (${clients} clients)`}${app ? `, status callbacks (${r.callbacks_per_msg}/msg)` : ''}: cold ${cold.msgs_per_s} msgs/s; then ${r.msgs_per_s} msgs/s, ${r.cpu_us_per_msg} CPU µs/msg (main thread ${r.main_thread_cpu_us_per_msg}; carrier ${r.carrier_cpu_us_per_msg}, load generator ${r.client_cpu_us_per_msg}, machine ${r.machine_cpu_us_per_msg} µs/msg, ${r.machine_busy_cores} cores busy; accepted ${r.accepted_per_s}/s), p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, ${r.arrived}/${count} at the carrier, RSS ${r.rss_mb} MB${r.failed ? `, ${r.failed} refused (${r.first_error})` : ''}`);
          return r;
        } finally {
          await t.stop();
          live.tandem = undefined;
        }
      };
      /**
       * `app`: each sendsms asks for its delivery reports, to the app's /status (dlr-mask 27: accepted or refused by the
       * SMSC, then delivered or not: Twilio's sent and delivered), so Kannel sets registered_delivery, keeps a DLR entry
       * per message, matches the SMSC's receipts and calls the app, as tandem does with a StatusCallback.
       */
      const runKannel = async (i: number, clients = CONCURRENCY, app?: WebhookApp): Promise<Run> => {
        smsc = await smscs.next();
        const k = await startKannel(ctx.tmpDir(`kannel-out${app ? 'c' : ''}${clients}-${i}`), smsc.smppPort, 'http://127.0.0.1:9', { receipts: app !== undefined });
        try {
          await waitBound(smsc, 1);
          const u = new URL(k.sendsmsUrl);
          const req = (n: number, body: string) => ({
            path: `${u.pathname}?${new URLSearchParams({
              username: 'bench',
              password: 'bench',
              from: senders[n % SENDERS]!,
              to: to(n),
              text: body,
              ...(app && { 'dlr-mask': '27', 'dlr-url': `${app.url}/status?id=%I&type=%d` }),
            })}`,
            method: 'GET' as const,
            headers: '',
            okStatus: 202,
          });
          const pids = [k.bearerbox.pid, k.smsbox.pid];
          const tag = `ok${app ? 'c' : ''}${clients}-${i}`;
          const counted = app ? () => app.statusCallbacks() : undefined;
          const cold = await drive(smsc, `${tag}w`, warmUpCount(ctx.quick), u.origin, pids, req, clients, counted);
          const r = { ...(await drive(smsc, tag, count, u.origin, pids, req, clients, counted)), cold_msgs_per_s: cold.msgs_per_s };
          ctx.log(`  kannel #${i + 1}${clients === CONCURRENCY ? '' : ` (${clients} clients)`}${app ? `, delivery reports (${r.callbacks_per_msg}/msg)` : ''}: cold ${cold.msgs_per_s} msgs/s; then ${r.msgs_per_s} msgs/s, ${r.cpu_us_per_msg} CPU µs/msg (carrier ${r.carrier_cpu_us_per_msg}, load generator ${r.client_cpu_us_per_msg}, machine ${r.machine_cpu_us_per_msg} µs/msg, ${r.machine_busy_cores} cores busy; accepted ${r.accepted_per_s}/s), p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, ${r.arrived}/${count} at the carrier, RSS ${r.rss_mb} MB`);
          return r;
        } finally {
          await k.stop();
        }
      };

      /** Both gateways at `clients`, in A B pairs: medians, every run, and tandem ÷ Kannel. `app`: status callbacks on. */
      const compare = async (clients: number, app?: WebhookApp): Promise<Figures> => {
        const r = await alternate(pairs, (i) => runTandem(i, clients, app), ctx.kannel.ok ? (i) => runKannel(i, clients, app) : null, ctx.log);
        const tandem = { ...medianOf(r.a, KEYS), runs: r.a, ...(app && { note: 'StatusCallback on every message' }) };
        if (r.b.length === 0) return { tandem, kannel: { skipped: ctx.kannel.ok ? r.bError : ctx.kannel.reason } };
        const note = app
          ? 'sendsms GET, store-type = file, dlr-mask = 27 with a dlr-url: delivery reports requested and called back'
          : 'sendsms GET, store-type = file, no delivery receipts requested';
        const kannel = { ...medianOf(r.b, KEYS), runs: r.b, note };
        const ratio = tandem.msgs_per_s !== undefined && kannel.msgs_per_s ? round(tandem.msgs_per_s / kannel.msgs_per_s, 2) : undefined;
        return { tandem, kannel, ...(ratio !== undefined && { ratio }) };
      };

      const fig: Figures = {
        workload: { warm_up_messages: warmUpCount(ctx.quick), messages_per_run: count, senders: SENDERS, sender_rate_per_s: 100, concurrent_clients: CONCURRENCY, pairs },
        ...(await compare(CONCURRENCY)),
      };
      const more = ctx.quick && process.env.BENCH_CLIENTS_MORE === undefined ? 0 : MORE_CLIENTS;
      // The same pairs again with more clients in flight.
      if (more > 0 && more !== CONCURRENCY) fig.more_clients = { concurrent_clients: more, pairs, ...(await compare(more)) };
      // The issue's whole path: receipts matched to messages and reported to the app, by both gateways.
      if (process.env.BENCH_OUTBOUND_CALLBACKS !== '0') {
        const app = await startWebhookApp();
        live.app = app;
        fig.with_callbacks = { concurrent_clients: CONCURRENCY, pairs, ...(await compare(CONCURRENCY, app)) };
      }
      return fig;
    } finally {
      if (live.tandem) await live.tandem.stop();
      if (live.app) await live.app.stop();
      await smscs.stop();
    }
  },
};
