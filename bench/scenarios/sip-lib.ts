// Shared by the sip and voice scenarios: a tandem with its SIP port known and an RTP port slice of its own, a TwiML
// app served from the bench process, sipp runs with their statistics read back, CPU time from /proc, and a
// worker-thread pool of UDP sockets standing in for the callers' media side (it measures tandem's RTP pacing).
import { randomBytes } from 'node:crypto';
import { setPriority } from 'node:os';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import dgram from 'node:dgram';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { freePort } from '../lib/ports.js';
import { http } from '../lib/http.js';
import { cpuSeconds, startNode, startProcess, type Proc } from '../lib/procs.js';
import { sleep } from '../lib/stats.js';

const SIPP_DIR = fileURLToPath(new URL('../sipp/', import.meta.url));

// ---------------------------------------------------------------------------------------------------------------
// tandem

export interface VoiceTandem {
  url: string;
  sipPort: number;
  proc: Proc;
  /** Buys one voice number whose VoiceUrl is `voiceUrl`; returns its E.164 form (what sipp dials). */
  buyNumber(voiceUrl: string): Promise<string>;
  stop(): Promise<void>;
}

/** tandem as `npm start` runs it, with its SIP port known and `rtpPorts` RTP ports below the ephemeral range. */
export async function startVoiceTandem(dataDir: string, rtpPorts: number): Promise<VoiceTandem> {
  const port = await freePort();
  const sipPort = await freePort();
  const sid = 'AC' + randomBytes(16).toString('hex');
  const token = randomBytes(16).toString('hex');
  // A random even slice under 32768 (the ephemeral range's start), so sipp's and the bench's sockets never land in it.
  const span = rtpPorts * 2 + 2;
  const base = 10_000 + 2 * Math.floor((Math.random() * (32_000 - 10_000 - span)) / 2);
  const env: Record<string, string> = {
    TANDEM_DATA_DIR: dataDir,
    TANDEM_HTTP_HOST: '127.0.0.1',
    TANDEM_HTTP_PORT: String(port),
    TANDEM_ACCOUNT_SID: sid,
    TANDEM_AUTH_TOKEN: token,
    TANDEM_SANDBOX_SMPP_PORT: String(await freePort()),
    TANDEM_SIP_HOST: '127.0.0.1',
    TANDEM_SIP_PORT: String(sipPort),
    TANDEM_DRACHTIO_PORT: String(await freePort()),
    TANDEM_RTP_PORTS: `${base}-${base + span - 1}`,
    TANDEM_SEED_US_LOCAL: '2000',
    TANDEM_LOG_LEVEL: 'warn',
  };
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
  // BENCH_TANDEM_NODE_ARGS="--flag …": more node flags for tandem, for experiments (as for the messaging tandem).
  const extra = process.env.BENCH_TANDEM_NODE_ARGS ? process.env.BENCH_TANDEM_NODE_ARGS.split(' ') : [];
  const proc = startNode('tandem', 'src/main.ts', env, [...prof, ...extra]);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`tandem exited with ${proc.child.exitCode} during start:\n${proc.output().slice(-4000)}`);
    if (await http(url + '/healthz').then((r) => r.status === 200, () => false)) break;
    if (Date.now() > deadline) {
      await proc.stop(1_000);
      throw new Error(`tandem was not ready within 120 s:\n${proc.output().slice(-4000)}`);
    }
    await sleep(50);
  }
  const auth = 'Basic ' + Buffer.from(`${sid}:${token}`).toString('base64');
  const areaCodes = ['415', '212', '312', '617', '206', '303', '512', '646', '702', '404'];
  const buyNumber = async (voiceUrl: string): Promise<string> => {
    let last = '';
    for (const ac of areaCodes) {
      const r = await http(`${url}/2010-04-01/Accounts/${sid}/IncomingPhoneNumbers.json`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ AreaCode: ac, VoiceUrl: voiceUrl, VoiceMethod: 'POST' }).toString(),
      });
      if (r.status === 201) return (JSON.parse(r.body) as { phone_number: string }).phone_number;
      last = `${r.status} ${r.body.slice(0, 200)}`;
    }
    throw new Error(`could not buy a voice number: ${last}`);
  };
  return { url, sipPort, proc, buyNumber, stop: () => proc.stop(30_000) };
}

// ---------------------------------------------------------------------------------------------------------------
// The TwiML app, in the bench process: fixed bodies by path.

export interface TwimlApp {
  url: string;
  /** Serves `body` at `path` (any method). */
  route(path: string, body: string | Buffer, contentType?: string): void;
  served(): number;
  close(): Promise<void>;
}

export async function startTwimlApp(): Promise<TwimlApp> {
  const routes = new Map<string, { body: Buffer; type: string }>();
  let served = 0;
  const server: Server = createServer((req, res) => {
    // The form body is not needed; drain it so the keep-alive connection stays usable.
    req.resume();
    req.on('end', () => {
      const r = routes.get(new URL(req.url ?? '/', 'http://x').pathname);
      if (!r) {
        res.writeHead(404).end();
        return;
      }
      served++;
      res.writeHead(200, { 'content-type': r.type, 'content-length': r.body.length, 'cache-control': 'max-age=3600' });
      res.end(r.body);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    route: (path, body, type = 'text/xml') => routes.set(path, { body: Buffer.isBuffer(body) ? body : Buffer.from(body), type }),
    served: () => served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// sipp

export interface SippRun {
  code: number | null;
  successful: number;
  failed: number;
  /** The call rate sipp achieved over the run (its CallRate(C)); undefined if unread. */
  callRate?: number;
  /** SIP messages sent and received by sipp (the screen's Messages column plus retransmissions); undefined if unread. */
  messages?: number;
  retransmissions?: number;
  elapsedMs: number;
  /** The first lines of sipp's error log or output, when calls failed. */
  errors: string;
}

export interface SippStep {
  /** One of bench/sipp/*.xml. */
  scenario: string;
  /** @NAME@ placeholders in the scenario file. */
  vars?: Record<string, string>;
  target: string;
  number: string;
  calls: number;
  /** Calls per second (sipp -r). */
  rate: number;
  /** Most calls open at once (sipp -l); unlimited when omitted. */
  limit?: number;
  /** The <pause/> length (sipp -d). */
  holdMs?: number;
  /** CSV injection file (sipp -inf). */
  injection?: string;
  dir: string;
  /** Hard stop for the run; sipp's own -timeout is a little shorter. */
  maxMs: number;
}

/** Runs one sipp UAC step to the end and reads back its call and message counts. */
export async function runSipp(step: SippStep): Promise<SippRun> {
  let xml = readFileSync(join(SIPP_DIR, step.scenario), 'utf8');
  for (const [k, v] of Object.entries(step.vars ?? {})) xml = xml.split(`@${k}@`).join(v);
  // A directory per run: sipp names its logs by scenario and pid, and each run's counts must be read alone.
  const dir = mkdtempSync(join(step.dir, 'sipp-'));
  const file = join(dir, step.scenario);
  writeFileSync(file, xml);
  const [port, mediaPort] = [await freeUdpPorts(1), await freeUdpPorts(4)];
  const args = [
    '-sf', file, '-s', step.number,
    '-i', '127.0.0.1', '-p', String(port), '-mi', '127.0.0.1', '-mp', String(mediaPort),
    '-m', String(step.calls), '-r', String(step.rate), '-d', String(step.holdMs ?? 0),
    '-nostdin', '-timeout', `${Math.max(5, Math.ceil(step.maxMs / 1000) - 3)}s`, '-timeout_error',
    '-recv_timeout', '15000', '-max_recv_loops', '10000', '-max_sched_loops', '10000',
    '-trace_err', '-trace_screen', '-trace_stat', '-fd', '3600',
    // sipp's default 64 kB socket buffer drops datagrams in a burst; the kernel caps this at net.core.rmem_max.
    '-buff_size', String(4 << 20),
  ];
  if (step.limit) args.push('-l', String(step.limit));
  if (step.injection) args.push('-inf', step.injection);
  args.push(step.target);
  const t0 = Date.now();
  const proc = startProcess('sipp', 'sipp', args, { cwd: dir });
  const killer = setTimeout(() => void proc.stop(1_000), step.maxMs);
  const code = await proc.exited;
  clearTimeout(killer);
  const elapsedMs = Date.now() - t0;
  const files = readdirSync(dir);
  const read = (suffix: string): string => files.filter((f) => f.endsWith(suffix)).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  const stat = parseStatCsv(read('.csv'));
  const screen = parseScreen(read('_screen.log'));
  const errLog = read('_errors.log');
  return {
    code,
    successful: stat?.successful ?? (code === 0 ? step.calls : 0),
    failed: stat?.failed ?? (code === 0 ? 0 : step.calls),
    callRate: stat?.callRate,
    messages: screen?.messages,
    retransmissions: screen?.retrans,
    elapsedMs,
    errors: code === 0 ? '' : (errLog || proc.output()).split('\n').filter(Boolean).slice(0, 12).join('\n').slice(0, 1500),
  };
}

/** The first of `count` consecutive UDP ports free on 127.0.0.1 (sipp binds -mp and the ports above it for RTCP
 *  and video), found by binding, so the bench's own media sockets in the ephemeral range are never picked. */
async function freeUdpPorts(count: number): Promise<number> {
  const bind = (port: number): Promise<dgram.Socket | undefined> =>
    new Promise((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(undefined));
      s.bind(port, '127.0.0.1', () => resolve(s));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await bind(0);
    if (!first) continue;
    const base = first.address().port;
    const held = [first];
    for (let i = 1; i < count; i++) {
      const s = base + i <= 65535 ? await bind(base + i) : undefined;
      if (!s) break;
      held.push(s);
    }
    await Promise.all(held.map((s) => new Promise<void>((r) => s.close(() => r()))));
    if (held.length === count) return base;
  }
  throw new Error(`no ${count} consecutive free UDP ports on 127.0.0.1`);
}

/** The last row of sipp's -trace_stat CSV: cumulative successful and failed calls. */
function parseStatCsv(csv: string): { successful: number; failed: number; callRate?: number } | undefined {
  const lines = csv.split('\n').filter((l) => l.includes(';'));
  if (lines.length < 2) return undefined;
  const head = lines[0]!.split(';');
  const last = lines[lines.length - 1]!.split(';');
  const col = (name: string): number | undefined => {
    const i = head.indexOf(name);
    const v = i >= 0 ? Number(last[i]) : NaN;
    return Number.isFinite(v) ? v : undefined;
  };
  const successful = col('SuccessfulCall(C)');
  const failed = col('FailedCall(C)');
  return successful === undefined || failed === undefined ? undefined : { successful, failed, callRate: col('CallRate(C)') };
}

/** Sums the Messages and Retrans columns of the scenario screen (one row per message of the scenario). */
function parseScreen(text: string): { messages: number; retrans: number } | undefined {
  let messages = 0;
  let retrans = 0;
  let rows = 0;
  for (const line of text.split('\n')) {
    const m = /^\s*(?:[A-Z]+|\d{3})\s+(?:-+>|<-+)\s+(?:E-RTD\d\s+)?(\d+)\s+(\d+)/.exec(line);
    if (!m) continue;
    rows++;
    messages += Number(m[1]);
    retrans += Number(m[2]);
  }
  return rows ? { messages, retrans } : undefined;
}

/** tandem's event-loop delay p99 in ms since the previous call, from its /metrics (prom-client resets its
 *  histogram on every scrape); undefined when the figure is not there. */
export async function loopLagP99Ms(t: VoiceTandem): Promise<number | undefined> {
  return (await scrapeMs(t, ['tandem_nodejs_eventloop_lag_p99_seconds']))[0];
}

/**
 * One /metrics scrape: the named gauges (in seconds) as ms, undefined where absent. tandem's event-loop delay
 * p99 and its media clocks' tick lateness p99 both count since the previous scrape.
 */
export async function scrapeMs(t: VoiceTandem, names: string[]): Promise<(number | undefined)[]> {
  const r = await http(`${t.url}/metrics`).catch(() => undefined);
  return names.map((name) => {
    const m = r && r.status === 200 ? new RegExp(`^${name}\\s+(\\S+)`, 'm').exec(r.body) : null;
    const v = m ? Number(m[1]) * 1000 : NaN;
    return Number.isFinite(v) ? v : undefined;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// CPU and memory of a process, from /proc (Linux)

/** Measures the CPU share `pid` uses between `start()` and `stop()`, in percent of one core. */
export function cpuMeter(pid: number): { stop(): number | undefined } {
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  return {
    stop() {
      const c1 = cpuSeconds(pid);
      const s = (performance.now() - t0) / 1000;
      return c0 === undefined || c1 === undefined || s <= 0 ? undefined : ((c1 - c0) / s) * 100;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The callers' media side: a worker thread with one UDP socket per call. Each socket receives tandem's RTP
// (arrival time, sequence number) and, once tandem's first packet shows its address, streams μ-law back to it
// every 20 ms (the caller talking). A worker of its own keeps the bench's HTTP and sipp handling out of the timings.

export interface PacingStats {
  /** Sockets that received at least one packet in the window. */
  streams: number;
  packets: number;
  /** Packets missing by sequence number within the window (a gap counts; late duplicates do not). */
  lost: number;
  /** |inter-arrival − 20 ms| percentiles over every stream, in ms. */
  jitterP50Ms: number;
  jitterP99Ms: number;
  jitterMaxMs: number;
  /** RFC 3550 interarrival jitter (the smoothed J an RTCP receiver report carries) at the window's end, in ms:
   *  p99 and max over the streams. */
  rfc3550P99Ms: number;
  rfc3550MaxMs: number;
  /** Packets the sockets sent to tandem in the window. */
  sent: number;
  /** How late the receiving worker's own 1 ms timer fired, p99 in ms: a control, since a stalled receiver
   *  bunches arrivals just as a stalled sender does. */
  receiverLagP99Ms: number;
  /** The window's length as the receiving thread saw it, in ms. */
  windowMs: number;
  /** Whether the receiving thread runs at raised priority (nice −15). */
  receiverRaised: boolean;
}

type SinkRequest = { op: 'open'; count: number } | { op: 'mark' } | { op: 'read' } | { op: 'close' };

export class RtpSinks {
  private readonly worker: Worker;
  private waiting: ((v: unknown) => void)[] = [];
  private constructor(worker: Worker) {
    this.worker = worker;
    worker.on('message', (m: unknown) => this.waiting.shift()?.(m));
    // A worker that fails to load or throws must fail the scenario (whose finally stops tandem), not the bench.
    worker.on('error', (err) => {
      this.failed = err;
      for (const w of this.waiting.splice(0)) w(err);
    });
  }
  private failed: Error | undefined;

  /** `frame`: the 20 ms payload each socket sends back to tandem once it has heard from it; null: listen only. */
  static start(frame: Buffer | null): RtpSinks {
    // Workers do not inherit tsx's loader on Node 20: register it in the worker, then load this module there.
    const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const w = new Worker(boot, { eval: true, workerData: { kind: 'rtp-sinks', frame } });
    w.unref();
    return new RtpSinks(w);
  }

  private ask<T>(req: SinkRequest): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.failed) return reject(new Error(`rtp sink worker failed: ${this.failed.message}`));
      const t = setTimeout(() => reject(new Error(`rtp sink worker did not answer ${req.op}`)), 30_000);
      this.waiting.push((v) => {
        clearTimeout(t);
        if (v instanceof Error) reject(new Error(`rtp sink worker failed: ${v.message}`));
        else resolve(v as T);
      });
      this.worker.postMessage(req);
    });
  }

  /** Opens `count` more sockets on 127.0.0.1; resolves with their ports. */
  open(count: number): Promise<number[]> {
    return this.ask<number[]>({ op: 'open', count });
  }

  /** Starts a measuring window: counts and timings before it are dropped. */
  mark(): Promise<void> {
    return this.ask<void>({ op: 'mark' });
  }

  /** Sockets that have heard from tandem at all (since open). */
  async heard(): Promise<number> {
    return (await this.ask<{ heard: number }>({ op: 'read' })).heard;
  }

  read(): Promise<PacingStats & { heard: number }> {
    return this.ask<PacingStats & { heard: number }>({ op: 'read' });
  }

  /** Closes every socket (between steps). */
  closeAll(): Promise<void> {
    return this.ask<void>({ op: 'close' });
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

interface Stream {
  sock: dgram.Socket;
  peer?: { address: string; port: number };
  lastArrival: number;
  lastSeq: number;
  lastTs: number;
  /** RFC 3550 §6.4.1 J, in ms. */
  jitter: number;
  packets: number;
  lost: number;
  seq: number;
  ts: number;
  ssrc: number;
}

function runSinkWorker(frame: Buffer | null): void {
  // The instrument must not stall with the machine: on Linux this raises only this thread's priority (root or
  // CAP_SYS_NICE needed; without them the figures say so through receiverRaised and the lag control).
  let raised = false;
  try {
    setPriority(-15);
    raised = true;
  } catch {
    raised = false;
  }
  const streams: Stream[] = [];
  let gaps: number[] = [];
  let lags: number[] = [];
  let sent = 0;
  let lastTalk = performance.now();
  let markAt = performance.now();
  const onPacket = (s: Stream, msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    const now = performance.now();
    if (msg.length < 12) return;
    s.peer ??= { address: rinfo.address, port: rinfo.port };
    const seq = msg.readUInt16BE(2);
    const ts = msg.readUInt32BE(4);
    if (s.packets > 0) {
      const d = (seq - s.lastSeq) & 0xffff;
      // Ahead by d: d−1 lost; a duplicate or late packet (d == 0 or a huge wrap) is not a pacing sample.
      if (d === 0 || d > 0x8000) return;
      s.lost += d - 1;
      gaps.push(Math.abs((now - s.lastArrival) / d - 20));
      const transit = now - s.lastArrival - ((ts - s.lastTs) | 0) / 8;
      s.jitter += (Math.abs(transit) - s.jitter) / 16;
    }
    s.packets++;
    s.lastSeq = seq;
    s.lastTs = ts;
    s.lastArrival = now;
  };
  // Each socket talks at its own phase within the 20 ms frame, so sends interleave with receives instead of
  // bunching into one burst that would delay the arrival timestamps.
  const t0 = performance.now();
  let tick = 0;
  const talk = (): void => {
    const now = performance.now();
    lags.push(Math.max(0, now - lastTalk - 1));
    lastTalk = now;
    // Bounded: a read comes at least every window; past this the oldest samples are enough.
    if (lags.length > 200_000) lags = lags.slice(-100_000);
    const due = Math.floor(now - t0); // 1 ms slots, 20 to a frame
    for (; tick <= due; tick++) {
      const slot = tick % 20;
      for (let i = slot; i < streams.length; i += 20) {
        const s = streams[i]!;
        if (!s.peer) continue;
        const pkt = Buffer.allocUnsafe(12 + frame!.length);
        pkt[0] = 0x80;
        pkt[1] = 0;
        pkt.writeUInt16BE(s.seq & 0xffff, 2);
        pkt.writeUInt32BE(s.ts >>> 0, 4);
        pkt.writeUInt32BE(s.ssrc, 8);
        frame!.copy(pkt, 12);
        s.seq++;
        s.ts += 160;
        s.sock.send(pkt, s.peer.port, s.peer.address);
        sent++;
      }
    }
  };
  // Listening only, the timer still runs: its lateness is the receiver's own stall figure.
  setInterval(frame ? talk : () => {
    const now = performance.now();
    lags.push(Math.max(0, now - lastTalk - 1));
    lastTalk = now;
    if (lags.length > 200_000) lags = lags.slice(-100_000);
  }, 1);
  parentPort!.on('message', async (req: SinkRequest) => {
    if (req.op === 'open') {
      const ports: number[] = [];
      for (let i = 0; i < req.count; i++) {
        // tandem's address is an IP literal: answer dgram's per-send lookup at once, not on the next tick,
        // so the instrument spends less of the machine that tandem runs on.
        const sock = dgram.createSocket({ type: 'udp4', lookup: (host: string, _o: unknown, cb: (e: null, a: string, f: number) => void) => cb(null, host, 4) } as dgram.SocketOptions);
        const s: Stream = { sock, lastArrival: 0, lastSeq: 0, lastTs: 0, jitter: 0, packets: 0, lost: 0, seq: 0, ts: 0, ssrc: (Math.random() * 2 ** 32) >>> 0 };
        sock.on('message', (m, r) => onPacket(s, m, r));
        sock.on('error', () => undefined);
        await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
        ports.push(sock.address().port);
        streams.push(s);
      }
      parentPort!.postMessage(ports);
    } else if (req.op === 'mark') {
      gaps = [];
      lags = [];
      markAt = performance.now();
      sent = 0;
      for (const s of streams) {
        s.lost = 0;
        s.packets = s.packets > 0 ? 1 : 0;
      }
      parentPort!.postMessage(undefined);
    } else if (req.op === 'read') {
      const pctOf = (xs: number[], p: number): number => {
        const sorted = Float64Array.from(xs).sort();
        return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]! : NaN;
      };
      const pct = (p: number): number => pctOf(gaps, p);
      let packets = 0;
      let lost = 0;
      let live = 0;
      let heard = 0;
      const js: number[] = [];
      for (const s of streams) {
        if (s.packets > 1) js.push(s.jitter);
        if (s.peer) heard++;
        if (s.packets > 1) live++;
        packets += Math.max(0, s.packets - 1);
        lost += s.lost;
      }
      parentPort!.postMessage({ heard, streams: live, packets, lost, jitterP50Ms: pct(50), jitterP99Ms: pct(99), jitterMaxMs: pct(100), sent, windowMs: performance.now() - markAt, receiverRaised: raised, receiverLagP99Ms: pctOf(lags, 99), rfc3550P99Ms: pctOf(js, 99), rfc3550MaxMs: pctOf(js, 100) });
    } else if (req.op === 'close') {
      for (const s of streams.splice(0)) s.sock.close();
      gaps = [];
      sent = 0;
      parentPort!.postMessage(undefined);
    }
  });
}

if (!isMainThread && (workerData as { kind?: string } | null)?.kind === 'rtp-sinks') {
  const wd = workerData as { frame: Uint8Array | null };
  runSinkWorker(wd.frame ? Buffer.from(wd.frame) : null);
}
