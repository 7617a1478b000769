// How many RTP endpoints can the one shared clock pace at 20 ms with p99 tick lateness under 5 ms?
// Endpoints run in pairs on loopback, each playing G.711 to its partner, so every endpoint sends and
// receives 50 packets/s, like a call leg facing sipp. Not a test: a measurement to report.
//   node --import tsx protocols/rtp/bench/clock-capacity.ts [counts=250,500,1000] [seconds=8]
// `late` is how far ticks fired behind their 20 ms grid; `work` is the time one tick spends sending.
import { setTimeout as sleep } from 'node:timers/promises';
import { sharedMediaClock } from '../clock.js';
import { RtpEndpoint } from '../endpoint.js';
import { PortPool } from '../port-pool.js';
import { tone } from '../tone.js';

const counts = (process.argv[2] ?? '250,500,1000').split(',').map(Number);
const seconds = Number(process.argv[3] ?? 8);
const clock = sharedMediaClock();
const pool = new PortPool('30000-39999');
const audio = tone([440, 620], 60_000, 0.3);
const media = { codec: { pt: 0, name: 'PCMU' as const, rate: 8000 as const }, telephoneEventPt: 101 };

console.log('endpoints  late p50/p99/max ms  work p50/p99 ms  skipped  cpu %  rss MB  in/out pkts  lost');
for (const n of counts) {
  const eps: RtpEndpoint[] = [];
  while (eps.length < n) {
    const batch = Math.min(50, n - eps.length);
    eps.push(...(await Promise.all(Array.from({ length: batch }, () => RtpEndpoint.open({ pool, media, clock })))));
  }
  for (let i = 0; i + 1 < n; i += 2) {
    const a = eps[i]!;
    const b = eps[i + 1]!;
    a.setRemote({ address: '127.0.0.1', port: b.port });
    b.setRemote({ address: '127.0.0.1', port: a.port });
  }
  for (const ep of eps) void ep.play(audio);
  await sleep(1000); // settle: sockets warm, first packets latched
  clock.resetStats();
  const in0 = eps.reduce((s, e) => s + e.stats().packetsIn, 0);
  const out0 = eps.reduce((s, e) => s + e.stats().packetsOut, 0);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  const st = clock.stats();
  const pin = eps.reduce((s, e) => s + e.stats().packetsIn, 0) - in0;
  const pout = eps.reduce((s, e) => s + e.stats().packetsOut, 0) - out0;
  const lost = eps.reduce((s, e) => s + e.stats().lost, 0);
  const cpuPct = ((cpu.user + cpu.system) / 1000 / wall) * 100;
  console.log(
    `${String(n).padStart(9)}  ${st.lateMs.p50.toFixed(2)}/${st.lateMs.p99.toFixed(2)}/${st.lateMs.max.toFixed(2)}`.padEnd(33) +
      `${st.workMs.p50.toFixed(2)}/${st.workMs.p99.toFixed(2)}`.padEnd(17) +
      `${String(st.skippedTicks).padEnd(9)}${cpuPct.toFixed(0).padEnd(7)}${(process.memoryUsage().rss / 1e6).toFixed(0).padEnd(8)}` +
      `${pin}/${pout}  ${lost}`,
  );
  await Promise.all(eps.map((e) => e.close()));
}
