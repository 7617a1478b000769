// What Node's dgram alone costs for N two-way G.711 calls on this machine, with no RTP work at all: two processes
// ("tandem" and "the caller"), each with N sockets, each socket sending one 172-byte datagram every 20 ms to its peer
// and counting what it receives. Prints each side's CPU (cores, µs per send or receive) and how late its 20 ms timer
// fired (p99): the floor under the voice scenario's figures, since tandem's media and the bench's receiver both pay it.
//
//   node --import tsx bench/micro/udp-baseline.ts [calls=1000] [seconds=8]
import { fork } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { fileURLToPath } from 'node:url';

const calls = Number(process.argv[2] ?? 1000);
const seconds = Number(process.argv[3] ?? 8);
const BASE_PORT = 41_000;

interface SideResult {
  side: number;
  sent: number;
  received: number;
  cores: number;
  user_us_per_op: number;
  sys_us_per_op: number;
  tick_late_p99_ms: number;
}

async function runSide(side: number): Promise<SideResult> {
  const sockets: Socket[] = [];
  let received = 0;
  let sent = 0;
  const packet = Buffer.alloc(172);
  for (let i = 0; i < calls; i++) {
    const s = createSocket('udp4');
    s.on('message', () => received++);
    await new Promise<void>((r) => s.bind(BASE_PORT + side * 2 * calls + i, '127.0.0.1', r));
    sockets.push(s);
  }
  // Both sides bound before either sends.
  await new Promise((r) => setTimeout(r, 1_000));
  const late: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = t0;
  const peerBase = BASE_PORT + (1 - side) * 2 * calls;
  await new Promise<void>((done) => {
    const tick = () => {
      late.push(performance.now() - next);
      for (let i = 0; i < calls; i++) sockets[i]!.send(packet, peerBase + i, '127.0.0.1');
      sent += calls;
      next += 20;
      if (performance.now() - t0 >= seconds * 1_000) return done();
      setTimeout(tick, Math.max(0, next - performance.now()));
    };
    tick();
  });
  const cpu = process.cpuUsage(cpu0);
  // Let the peer's last packets land before closing.
  await new Promise((r) => setTimeout(r, 500));
  for (const s of sockets) s.close();
  late.sort((a, b) => a - b);
  const ops = sent + received;
  return {
    side,
    sent,
    received,
    cores: +((cpu.user + cpu.system) / 1e6 / seconds).toFixed(3),
    user_us_per_op: +(cpu.user / ops).toFixed(2),
    sys_us_per_op: +(cpu.system / ops).toFixed(2),
    tick_late_p99_ms: +(late[Math.floor(late.length * 0.99)] ?? 0).toFixed(2),
  };
}

if (process.env.UDP_BASELINE_SIDE !== undefined) {
  const result = await runSide(Number(process.env.UDP_BASELINE_SIDE));
  process.send!(result);
  process.disconnect();
} else {
  const self = fileURLToPath(import.meta.url);
  const results = await Promise.all(
    [0, 1].map(
      (side) =>
        new Promise<SideResult>((resolve, reject) => {
          const child = fork(self, process.argv.slice(2), { env: { ...process.env, UDP_BASELINE_SIDE: String(side) }, execArgv: ['--import', 'tsx'] });
          child.once('message', (m) => resolve(m as SideResult));
          child.once('exit', (code) => code !== 0 && reject(new Error(`side ${side} exited with ${code}`)));
        }),
    ),
  );
  console.log(`${calls} two-way calls, ${seconds} s, 172-byte datagrams every 20 ms per call and direction`);
  for (const r of results) console.log(JSON.stringify(r));
  console.log(`both sides: ${(results[0]!.cores + results[1]!.cores).toFixed(2)} cores`);
}
