// How many calls' media can the media workers pace, without SIP? Each endpoint in a MediaPlane plays a long
// tone to one socket of the voice benchmark's RTP sink worker (bench/scenarios/sip-lib.ts), which streams
// μ-law back as a caller would and measures |inter-arrival − 20 ms|. Not a test: a measurement to report.
//   node --import tsx protocols/rtp/bench/plane-capacity.ts [counts=400,800,1000] [workers=2] [seconds=8] [talk=1] [phases=1] [priority=-10]
// `tick late` is the worst worker's clock lateness p99 over the window; `jitter` is what the sink saw.
import alawmulaw from 'alawmulaw';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuMeter, RtpSinks } from '../../../bench/scenarios/sip-lib.js';
import { MediaPlane, type RemoteRtpEndpoint } from '../media-plane.js';
import { PortPool } from '../port-pool.js';
import { tone } from '../tone.js';

const counts = (process.argv[2] ?? '400,800,1000').split(',').map(Number);
const workers = Number(process.argv[3] ?? 2);
const seconds = Number(process.argv[4] ?? 8);
const talk = (process.argv[5] ?? '1') !== '0';
const clockPhases = Number(process.argv[6] ?? 1);
const priority = process.argv[7] === 'none' ? null : Number(process.argv[7] ?? -10);
const media = { codec: { pt: 0, name: 'PCMU' as const, rate: 8000 as const }, telephoneEventPt: 101 };
const audio = tone([440], 10_000, 0.3);

const plane = await MediaPlane.start({ workers, clockPhases, priority });
const sinks = RtpSinks.start(talk ? Buffer.from(alawmulaw.mulaw.encode(tone([300], 20, 0.2))) : null);
const base = 10_000 + 2 * Math.floor(Math.random() * 5_000);
const pool = new PortPool(`${base}-${base + 2 * Math.max(...counts) + 10}`);
console.log(`${workers} media worker(s), ${clockPhases} clock phases, priority ${priority}, callers ${talk ? 'talk' : 'listen only'}, ${seconds} s windows`);
console.log('calls  jitter p50/p99/max ms  tick late p99/max ms  lost  pkts/ideal  cpu %  receiver lag p99');
try {
  for (const n of counts) {
    const ports = await sinks.open(n);
    const eps: RemoteRtpEndpoint[] = [];
    for (const port of ports) {
      const ep = await plane.open({ pool, media, remote: { address: '127.0.0.1', port }, mediaTimeoutMs: 0 });
      void ep.play(audio, { loop: 0 });
      eps.push(ep);
    }
    await sleep(2_000);
    plane.takePacing();
    await sinks.mark();
    const cpu = cpuMeter(process.pid);
    await sleep(seconds * 1000);
    const s = await sinks.read();
    const pct = cpu.stop();
    const pacing = plane.takePacing();
    const ideal = (s.streams * s.windowMs) / 20;
    console.log(
      `${String(n).padEnd(7)}${`${s.jitterP50Ms.toFixed(2)}/${s.jitterP99Ms.toFixed(2)}/${s.jitterMaxMs.toFixed(2)}`.padEnd(23)}` +
        `${`${pacing.tickLateP99Ms.toFixed(2)}/${pacing.tickLateMaxMs.toFixed(2)}`.padEnd(22)}${String(s.lost).padEnd(6)}` +
        `${(s.packets / ideal).toFixed(3).padEnd(12)}${(pct ?? NaN).toFixed(0).padEnd(7)}${s.receiverLagP99Ms.toFixed(2)}`,
    );
    await Promise.all(eps.map((e) => e.close()));
    await sinks.closeAll();
    await sleep(1_000);
  }
} finally {
  await sinks.stop();
  await plane.close();
}
