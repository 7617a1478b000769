// The message store alone, driven as the outbound path drives it: per message a create (record, list entry, outbox
// entry), its carrier id, the record again as sent (leaving the outbox), and two batches later the receipt's lookup
// and the record as delivered; 64 messages per event turn, every turn's commits awaited. Prints CPU per message for
// the process and for its main thread alone (from /proc), and GC time.
//
//   node --max-semi-space-size=32 --no-allocation-site-pretenuring --import tsx bench/micro/message-store.ts [tree]
//
// `tree` (default: this checkout) is the root of a tandem checkout to measure, e.g. a `git worktree` of another
// commit: the same script then compares two versions of the store.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { MessageRecord } from '../../src/store/records.js';

const tree = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..'));
const { openTables, closeTables } = (await import(join(tree, 'src/store/db.ts'))) as typeof import('../../src/store/db.js');
const { MessageStore } = (await import(join(tree, 'src/messaging/message-store.ts'))) as typeof import('../../src/messaging/message-store.js');
const { newMessageRecord } = (await import(join(tree, 'src/messaging/message-record.ts'))) as typeof import('../../src/messaging/message-record.js');

/** The main thread's CPU so far, in µs (Linux: utime + stime of the thread whose id is the pid, 10 ms ticks). */
const mainThreadUs = (): number => {
  const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000;
};

let gcMs = 0;
new PerformanceObserver((l) => { for (const e of l.getEntries()) gcMs += e.duration; }).observe({ entryTypes: ['gc'] });

const dir = mkdtempSync(join(tmpdir(), 'tandem-store-bench-'));
const tables = openTables(dir);
const store = new MessageStore(tables);
const BATCH = 64;
const sent: { sid: string; id: string }[] = [];
let n = 0;

async function drive(count: number): Promise<void> {
  for (let i = 0; i < count; i += BATCH) {
    const writes: Promise<unknown>[] = [];
    for (let k = 0; k < BATCH; k++, n++) {
      const m: MessageRecord = newMessageRecord({
        accountSid: 'AC' + '1'.repeat(32),
        from: '+1415555' + String(k % 1_000).padStart(4, '0'),
        to: '+14155550100',
        body: `hello ${n}`,
        status: 'queued',
        direction: 'outbound-api',
        numSegments: 1,
      });
      m.seq = n;
      writes.push(store.create(m, { outbox: true }));
      const id = n.toString(16);
      writes.push(store.rememberCarrierId('bench', id, m.sid, m.from, 0));
      const s = store.get(m.sid)!;
      s.status = 'sent';
      s.carrierIds = [id];
      writes.push(store.leaveOutbox(s));
      sent.push({ sid: m.sid, id });
    }
    while (sent.length > BATCH * 2) {
      const { id } = sent.shift()!;
      const r = store.get(store.lookupCarrierId('bench', id)!.sid)!;
      r.status = 'delivered';
      writes.push(store.save(r));
    }
    await Promise.all(writes);
  }
}

await drive(20_000); // warm-up: JIT, LMDB pages, a full cache
const N = 60_000;
gcMs = 0;
const cpu0 = process.cpuUsage();
const main0 = mainThreadUs();
const wall0 = performance.now();
await drive(N);
const cpu = process.cpuUsage(cpu0);
const per = (us: number): string => (us / N).toFixed(1);
console.log(
  `${tree}: ${per(cpu.user + cpu.system)} µs CPU per message (main thread ${per(mainThreadUs() - main0)}), ` +
    `wall ${per((performance.now() - wall0) * 1000)} µs, GC ${per(gcMs * 1000)} µs`,
);
await closeTables(tables);
rmSync(dir, { recursive: true, force: true });
