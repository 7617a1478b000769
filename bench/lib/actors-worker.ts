// The actors scenario's measuring process (started with --expose-gc): tandem's own entity registry and number
// behaviour over a real LMDB store and nact persistence, as src/switch.ts wires them, minus HTTP and carriers.
// N number actors are touched (spawned and woken from the store), then left idle until the registry passivated
// them all. Prints one JSON line with heap (after a full GC) before, at peak and after.
// ACTORS_N, ACTORS_IDLE_MS, ACTORS_DIR.
import nact from 'nact';
import { openTables, closeTables } from '../../src/store/db.js';
import { LmdbPersistenceEngine } from '../../src/store/nact-persistence.js';
import { Accounts } from '../../src/accounts/accounts.js';
import { Metrics } from '../../src/metrics.js';
import { MessageStore } from '../../src/messaging/message-store.js';
import { MessageCallbacks } from '../../src/messaging/status-callbacks.js';
import { StatusCallbackSender, closeWebhookAgent } from '../../protocols/webhook/index.js';
import { EntityRegistry } from '../../actors/registry.js';
import { numberBehaviour, type NumberState } from '../../actors/number/number-actor.js';
import type { NumberDeps, NumberMsg } from '../../actors/number/messages.js';
import { InboundStore } from '../../src/messaging/inbound/mo-store.js';
import { OptOuts } from '../../src/messaging/inbound/opt-outs.js';
import { WebhookSlots } from '../../src/messaging/inbound/webhook-slots.js';
import { NumberGeo } from '../../src/numbers/geo.js';

const n = Number(process.env.ACTORS_N ?? 100_000);
const idleMs = Number(process.env.ACTORS_IDLE_MS ?? 2_000);
const dir = process.env.ACTORS_DIR;
if (!dir || !Number.isInteger(n) || n < 1) throw new Error('ACTORS_DIR and a positive ACTORS_N are required');
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const heapMb = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const silent = { info() {}, warn() {}, error() {}, debug() {} };

const tables = openTables(dir);
const engine = new LmdbPersistenceEngine(tables.actorEvents, tables.actorSnapshots);
const system = nact.start(nact.configurePersistence(engine as never));
const metrics = new Metrics();
const store = new MessageStore(tables);
const accounts = new Accounts(tables);
const deps: NumberDeps = {
  store,
  callbacks: new MessageCallbacks(new StatusCallbackSender({ maxInFlight: 10, timeoutMs: 1_000 }), accounts, tables),
  // Touched actors hold no messages, so nothing is ever submitted; a submit here would be a bench bug.
  carriers: { submit: () => Promise.reject(new Error('the actors bench sends no messages')) },
  numberConfig: () => undefined,
  notify: () => {},
  inbound: {
    pending: new InboundStore(tables, store),
    optOuts: new OptOuts(tables),
    account: (sid) => accounts.get(sid),
    sendReply: () => Promise.reject(new Error('the actors bench sends no replies')),
    notify: () => {},
    webhookTimeoutMs: 1_000,
    slots: new WebhookSlots(),
    geo: new NumberGeo(() => undefined),
  },
  metrics: {
    segmentsSubmitted: metrics.counter('bench_segments', 'x'),
    submitRetries: metrics.counter('bench_retries', 'x'),
    messagesSent: metrics.counter('bench_sent', 'x', ['status']),
  },
};
const registry = new EntityRegistry<NumberState, NumberMsg>(system as never, engine, numberBehaviour(deps), { idleMs, log: silent });

await sleep(200);
const before = heapMb();
const t0 = performance.now();
// Touch in slices so the event loop (and the registry's sweeper) keeps turning, as under real traffic.
const keys = Array.from({ length: n }, (_, i) => '+1' + String(2_000_000_000 + i));
const SLICE = 2_000;
for (let i = 0; i < n; i += SLICE) {
  await Promise.all(keys.slice(i, i + SLICE).map((k) => registry.ask(k, { type: 'resume' })));
}
const touchMs = performance.now() - t0;
const activeAtPeak = registry.stats().active;
const peak = heapMb();
const rssPeak = process.memoryUsage().rss / 2 ** 20;

const t1 = performance.now();
const deadline = Date.now() + 120_000;
while (registry.stats().active > 0 && Date.now() < deadline) await sleep(100);
const passivateMs = performance.now() - t1;
await sleep(200);
const after = heapMb();
const stats = registry.stats();
process.stdout.write(
  JSON.stringify({
    actors: n,
    idle_ms: idleMs,
    heap_before_mb: before,
    heap_peak_mb: peak,
    heap_after_mb: after,
    active_at_peak: activeAtPeak,
    active_after: stats.active,
    passivations: stats.passivations,
    touch_ms: touchMs,
    passivate_ms: passivateMs,
    rss_peak_mb: rssPeak,
    rss_after_mb: process.memoryUsage().rss / 2 ** 20,
  }) + '\n',
);
await registry.close();
await nact.stop(system);
await closeWebhookAgent();
await closeTables(tables);
process.exit(0);
