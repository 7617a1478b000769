// Seeding the inventory on a node's first start, in a worker thread. Drawing and sorting ~800k keys grows a
// JavaScript heap by ~150 MB, and V8 keeps most of that heap after the garbage is gone: seeded on the main thread,
// a fresh tandem sat at ~330 MB RSS for good, against ~160 MB after a restart. A worker's heap goes with the
// worker. The worker opens the same LMDB environment (lmdb-js shares it between the threads of a process).
import type { RootDatabase } from 'lmdb';
import { parentPort, workerData } from 'node:worker_threads';
import { openRoot } from '../store/db.js';
import { siblingModule, startModuleWorker } from '../util/module-worker.js';
import { Inventory } from './inventory.js';

interface SeedWorkerData {
  kind: 'tandem-seed';
  dataDir: string;
  usLocal?: number;
  seed?: number;
}

type SeedResult = { seeded: boolean; count: number; ms: number };
type SeedReply = { ok: true; result: SeedResult } | { ok: false; error: string };

/** Seeds the inventory in `dataDir` unless it is complete already; the caller's Inventory then reload()s. */
export function seedInWorker(dataDir: string, opts: { usLocal?: number; seed?: number } = {}): Promise<SeedResult> {
  const data: SeedWorkerData = { kind: 'tandem-seed', dataDir, ...opts };
  const worker = startModuleWorker(siblingModule(import.meta.url, 'seed-worker'), { workerData: data, name: 'tandem-seed' });
  return new Promise((resolve, reject) => {
    let reply: SeedReply | undefined;
    worker.once('message', (m: SeedReply) => (reply = m));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (reply?.ok) resolve(reply.result);
      else reject(new Error(`seeding the phone-number inventory failed: ${reply && !reply.ok ? reply.error : `worker exited with ${code}`}`));
    });
  });
}

async function runSeedWorker(port: NonNullable<typeof parentPort>, data: SeedWorkerData): Promise<void> {
  let root: RootDatabase | undefined;
  try {
    root = openRoot(data.dataDir);
    const result = await new Inventory(root).seedIfEmpty({ usLocal: data.usLocal, seed: data.seed });
    await root.flushed;
    port.postMessage({ ok: true, result } satisfies SeedReply);
  } catch (err) {
    port.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) } satisfies SeedReply);
  } finally {
    await root?.close();
  }
}

if (parentPort && (workerData as { kind?: string } | null)?.kind === 'tandem-seed') void runSeedWorker(parentPort, workerData as SeedWorkerData);
