// A real HTTP app standing in for a customer's webhook server: records every request (with its signature
// checked by the official twilio package) and answers with whatever the test sets.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import twilio from 'twilio';

export interface ReceivedRequest {
  method: string;
  path: string;
  url: string;
  params: Record<string, string>;
  signatureValid: boolean;
  at: number;
}

export interface WebhookApp {
  url: string;
  requests: ReceivedRequest[];
  /** Set how the app answers a path: status, content type and body (default 200 empty TwiML). */
  respond(path: string, r: { status?: number; type?: string; body?: string; delayMs?: number }): void;
  waitFor(pred: (r: ReceivedRequest[]) => boolean, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (s += d));
    req.on('end', () => resolve(s));
  });
}

export async function startWebhookApp(authToken: () => string): Promise<WebhookApp> {
  const requests: ReceivedRequest[] = [];
  const answers = new Map<string, { status?: number; type?: string; body?: string; delayMs?: number }>();
  let base = '';
  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const u = new URL(req.url ?? '/', base);
    const params: Record<string, string> = {};
    if (req.method === 'POST') for (const [k, v] of new URLSearchParams(raw)) params[k] = v;
    else for (const [k, v] of u.searchParams) params[k] = v;
    const fullUrl = base + (req.url ?? '/');
    const sig = String(req.headers['x-twilio-signature'] ?? '');
    const signatureValid = twilio.validateRequest(authToken(), sig, fullUrl, req.method === 'POST' ? params : {});
    requests.push({ method: req.method ?? '', path: u.pathname, url: fullUrl, params, signatureValid, at: Date.now() });
    const a = answers.get(u.pathname) ?? {};
    if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
    res.writeHead(a.status ?? 200, { 'content-type': a.type ?? 'text/xml' });
    res.end(a.body ?? '<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return {
    url: base,
    requests,
    respond: (path, r) => void answers.set(path, r),
    async waitFor(pred, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (!pred(requests)) {
        if (Date.now() > until) throw new Error(`webhook app: condition not met in ${timeoutMs} ms; got ${JSON.stringify(requests.map((r) => [r.path, r.params.MessageStatus ?? r.params.Body]))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return requests;
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

export async function waitUntil<T>(f: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
