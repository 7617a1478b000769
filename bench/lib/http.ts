// HTTP from the bench: undici pools with timeouts on every request, and a bounded closed-loop load runner.
import { Agent, Pool, request, type Dispatcher } from 'undici';

const TIMEOUT_MS = 30_000;
const shared = new Agent({ connections: 16, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });

export interface HttpResult { status: number; body: string }

export async function http(
  url: string,
  init: { method?: Dispatcher.HttpMethod; headers?: Record<string, string>; body?: string; dispatcher?: Dispatcher } = {},
): Promise<HttpResult> {
  const r = await request(url, {
    method: init.method ?? 'GET',
    headers: init.headers,
    body: init.body,
    dispatcher: init.dispatcher ?? shared,
    headersTimeout: TIMEOUT_MS,
    bodyTimeout: TIMEOUT_MS,
  });
  return { status: r.statusCode, body: await r.body.text() };
}

export async function getJson<T>(url: string, headers?: Record<string, string>): Promise<T> {
  const r = await http(url, { headers });
  if (r.status !== 200) throw new Error(`GET ${url}: ${r.status} ${r.body.slice(0, 300)}`);
  return JSON.parse(r.body) as T;
}

export async function postJson<T>(url: string, body: unknown): Promise<T> {
  const r = await http(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (r.status >= 300) throw new Error(`POST ${url}: ${r.status} ${r.body.slice(0, 300)}`);
  return JSON.parse(r.body) as T;
}

/** A keep-alive pool of `connections` sockets to one origin: the "many concurrent clients". */
export function clientPool(origin: string, connections: number): Pool {
  return new Pool(origin, { connections, pipelining: 1, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS, keepAliveTimeout: 30_000 });
}

export interface LoadOutcome {
  started: number;
  ok: number;
  failed: number;
  firstError?: string;
  /** Epoch ms when the first request went out and when the last answer came back. */
  t0: number;
  t1: number;
}

/**
 * Closed loop: `concurrency` workers each run `task(i, worker)` for i = 0…count-1 in turn, stopping at `count`
 * or after `maxMs`. A task resolves true for success. `worker` (0…concurrency-1) picks the worker's own connection.
 */
export async function runLoad(opts: { count: number; concurrency: number; maxMs: number; task: (i: number, worker: number) => Promise<boolean | string> }): Promise<LoadOutcome> {
  const out: LoadOutcome = { started: 0, ok: 0, failed: 0, t0: Date.now(), t1: 0 };
  const deadline = out.t0 + opts.maxMs;
  let next = 0;
  const worker = async (_: unknown, w: number): Promise<void> => {
    while (next < opts.count && Date.now() < deadline) {
      const i = next++;
      out.started++;
      try {
        const r = await opts.task(i, w);
        if (r === true) out.ok++;
        else {
          out.failed++;
          out.firstError ??= typeof r === 'string' ? r : 'failed';
        }
      } catch (e) {
        out.failed++;
        out.firstError ??= String(e);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  out.t1 = Date.now();
  return out;
}

export async function closeHttp(): Promise<void> {
  await shared.close();
}
