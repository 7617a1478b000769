// The sandbox SMSC as its own process, for the benchmark and for poking at by hand.
//   SMSC_PORT (default 2775; 0 = any free port), SMSC_HOST (default 127.0.0.1),
//   SMSC_HTTP_PORT (unset = no control port), SMSC_DLR_DELAY_MS, SMSC_MAX_MESSAGES.
// Prints one JSON line {"smppPort":…, "httpPort":…} on stdout once listening.
// Control port: GET /messages.json[?since=N], GET /stats.json, POST /mo[?wait=0] (from, to, body; form or
// JSON; answers once the ESME acknowledged every part, or at once with wait=0),
// POST /clear, POST /throttle (n), POST /drop-binds.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SandboxSmsc } from './smsc.js';

const host = process.env.SMSC_HOST ?? '127.0.0.1';
const smsc = new SandboxSmsc({
  port: envInt('SMSC_PORT', 2775),
  host,
  dlrDelayMs: envInt('SMSC_DLR_DELAY_MS', 50),
  maxMessages: envInt('SMSC_MAX_MESSAGES', 1_000_000),
  logger: { warn: (m) => console.error(m), error: (m) => console.error(m) },
});

const smppPort = await smsc.start();
let httpPort: number | null = null;
const httpEnv = process.env.SMSC_HTTP_PORT;
if (httpEnv !== undefined && httpEnv !== '') {
  const http = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { error: String(err) }));
  });
  http.requestTimeout = 10_000;
  await new Promise<void>((resolve) => http.listen(Number(httpEnv), host, resolve));
  httpPort = (http.address() as AddressInfo).port;
}
process.stdout.write(JSON.stringify({ smppPort, httpPort }) + '\n');

const shutdown = (): void => {
  smsc.stop().finally(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method === 'GET' && url.pathname === '/messages.json') {
    const since = Number(url.searchParams.get('since') ?? 0) || 0;
    const all = smsc.messages();
    send(res, 200, { total: all.length, messages: since > 0 ? all.slice(since) : all });
    return;
  }
  if (req.method === 'GET' && url.pathname === '/stats.json') {
    send(res, 200, smsc.stats());
    return;
  }
  if (req.method === 'POST') {
    const body = await readBody(req);
    switch (url.pathname) {
      case '/mo': {
        const from = body.from ?? body.From;
        const to = body.to ?? body.To;
        const text = body.body ?? body.Body;
        if (!from || !to || text === undefined) {
          send(res, 400, { error: 'from, to and body are required' });
          return;
        }
        if (!smsc.hasReceiver) {
          send(res, 503, { error: 'no ESME is bound as receiver or transceiver' });
          return;
        }
        const delivered = smsc.sendMo(from, to, text);
        if (url.searchParams.get('wait') === '0') {
          delivered.catch((err: unknown) => console.error(String(err)));
          send(res, 202, { ok: true });
          return;
        }
        await withTimeout(delivered, 15_000);
        send(res, 200, { ok: true });
        return;
      }
      case '/clear':
        smsc.clear();
        send(res, 200, { ok: true });
        return;
      case '/throttle':
        smsc.throttleNext(Number(body.n ?? 1));
        send(res, 200, { ok: true });
        return;
      case '/drop-binds':
        smsc.dropBinds();
        send(res, 200, { ok: true });
        return;
    }
  }
  send(res, 404, { error: 'not found' });
}

async function readBody(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 1_000_000) throw new Error('body too large');
    chunks.push(c as Buffer);
  }
  const raw = Buffer.concat(chunks).toString('utf8');
  if (!raw) return {};
  if ((req.headers['content-type'] ?? '').includes('json')) {
    const parsed: unknown = JSON.parse(raw);
    const out: Record<string, string> = {};
    if (parsed && typeof parsed === 'object') {
      for (const [k, v] of Object.entries(parsed)) out[k] = String(v);
    }
    return out;
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

function envInt(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${v}`);
  return n;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`not acknowledged within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
