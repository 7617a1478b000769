// The sandbox SMSC (src/sandbox/smsc.ts) as its own process, instrumented for the bench: it timestamps every
// message that arrives (submit_sm, joined when multi-part) and plays handsets sending MO at a set rate, so the
// carrier side of every latency is measured on one clock, in the process that sees the wire.
//   SMSC_PORT (0 = any free port), SMSC_HTTP_PORT (0 = any). Prints {"smppPort","httpPort"} once listening.
// Bodies the bench sends look like `<tag>:<n>` (a webhook reply: `re <tag>:<n>`); arrivals are kept per tag.
//   GET  /stats.json                  the SMSC's counters
//   GET  /bench/arrivals?tag=T        {n, idx[], at[], from[]} for messages whose body is `T:<n>`
//   POST /bench/mo {tag,count,rate,to[]}  MO `tag:<n>` to to[n % len] from distinct handsets, rate/s (0 = flat out)
//   GET  /bench/mo?tag=T              {count, sent, acked, failed, sentAt[], ackedAt[]}
//   POST /bench/reset                 forget arrivals and MO runs
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SandboxSmsc } from '../../src/sandbox/smsc.js';

interface Arrivals { idx: number[]; at: number[]; from: string[] }
interface MoRun { count: number; sent: number; acked: number; failed: number; sentAt: number[]; ackedAt: number[]; timer?: NodeJS.Timeout }

const BODY = /^((?:re )?[^:\s]+):(\d+)$/;
const arrivals = new Map<string, Arrivals>();
const moRuns = new Map<string, MoRun>();

const smsc = new SandboxSmsc({
  port: Number(process.env.SMSC_PORT ?? 0),
  host: '127.0.0.1',
  dlrDelayMs: 50,
  // The bench keeps its own compact record; the SMSC's own list only needs to stay small.
  maxMessages: 1_000,
  logger: { error: (m) => console.error(m) },
});
smsc.on('message', (m) => {
  const match = BODY.exec(m.body);
  if (!match) return;
  const at = Date.parse(m.received_at);
  let a = arrivals.get(match[1]!);
  if (!a) arrivals.set(match[1]!, (a = { idx: [], at: [], from: [] }));
  a.idx.push(Number(match[2]));
  a.at.push(at);
  a.from.push(m.from);
});

const smppPort = await smsc.start();
const http = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => send(res, 500, { error: String(err) }));
});
http.requestTimeout = 30_000;
await new Promise<void>((resolve) => http.listen(Number(process.env.SMSC_HTTP_PORT ?? 0), '127.0.0.1', resolve));
process.stdout.write(JSON.stringify({ smppPort, httpPort: (http.address() as AddressInfo).port }) + '\n');

const shutdown = (): void => {
  for (const r of moRuns.values()) if (r.timer) clearInterval(r.timer);
  http.close();
  smsc.stop().finally(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

function startMo(tag: string, count: number, rate: number, to: string[]): void {
  const run: MoRun = { count, sent: 0, acked: 0, failed: 0, sentAt: new Array<number>(count), ackedAt: new Array<number>(count) };
  moRuns.set(tag, run);
  const one = (i: number): void => {
    // Distinct handsets, so nothing in either gateway serialises on one sender.
    const from = '+1555' + String(1_000_000 + (i % 9_000_000)).padStart(7, '0');
    run.sentAt[i] = Date.now();
    run.sent++;
    smsc.sendMo(from, to[i % to.length]!, `${tag}:${i}`).then(
      () => {
        run.ackedAt[i] = Date.now();
        run.acked++;
      },
      () => run.failed++,
    );
  };
  if (rate <= 0) {
    for (let i = 0; i < count; i++) one(i);
    return;
  }
  const t0 = Date.now();
  run.timer = setInterval(() => {
    const due = Math.min(count, Math.floor(((Date.now() - t0) * rate) / 1000) + 1);
    while (run.sent < due) one(run.sent);
    if (run.sent >= count) clearInterval(run.timer);
  }, 2);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const tag = url.searchParams.get('tag') ?? '';
  if (req.method === 'GET' && url.pathname === '/stats.json') return send(res, 200, { ...smsc.stats(), bound: smsc.boundSessions });
  if (req.method === 'GET' && url.pathname === '/bench/arrivals') {
    const a = arrivals.get(tag) ?? { idx: [], at: [], from: [] };
    return send(res, 200, { n: a.idx.length, ...a });
  }
  if (req.method === 'GET' && url.pathname === '/bench/mo') {
    const r = moRuns.get(tag);
    if (!r) return send(res, 404, { error: 'no such MO run' });
    return send(res, 200, { count: r.count, sent: r.sent, acked: r.acked, failed: r.failed, sentAt: r.sentAt, ackedAt: r.ackedAt });
  }
  if (req.method === 'POST' && url.pathname === '/bench/mo') {
    const body = JSON.parse(await readBody(req)) as { tag?: unknown; count?: unknown; rate?: unknown; to?: unknown };
    const to = Array.isArray(body.to) ? body.to.map(String) : [];
    const count = Number(body.count);
    if (typeof body.tag !== 'string' || !/^[^:\s]+$/.test(body.tag) || !Number.isInteger(count) || count < 1 || count > 1_000_000 || to.length === 0) {
      return send(res, 400, { error: 'tag (no spaces or colons), count (1..1e6) and to[] are required' });
    }
    if (!smsc.hasReceiver) return send(res, 503, { error: 'no ESME is bound as receiver or transceiver' });
    startMo(body.tag, count, Number(body.rate ?? 0), to);
    return send(res, 202, { ok: true });
  }
  if (req.method === 'POST' && url.pathname === '/bench/reset') {
    await readBody(req);
    arrivals.clear();
    for (const r of moRuns.values()) if (r.timer) clearInterval(r.timer);
    moRuns.clear();
    smsc.clear();
    return send(res, 200, { ok: true });
  }
  send(res, 404, { error: 'not found' });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 10_000_000) throw new Error('body too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}
