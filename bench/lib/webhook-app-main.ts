// The webhook app both gateways call for inbound SMS, as its own process: it answers each MO with one reply
// whose text is `re <the MO text>`, so the SMSC can pair every reply with its MO.
//   POST /sms   Twilio-style form (Body=…)  → TwiML <Response><Message>re …</Message></Response>   (tandem)
//   GET  /mo?text=…                         → text/plain `re …`                                   (Kannel get-url)
//   GET  /bench/seen?tag=T                  {n, idx[], at[]}: when each MO `T:<n>` reached the app (epoch ms)
//   GET|POST /status                        a delivery status callback (tandem's StatusCallback, Kannel's dlr-url): 200
//   GET  /bench/status                      {n}: status callbacks received so far
// WEBHOOK_PORT (0 = any). Prints {"port":N} once listening.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

let served = 0;
let statusCallbacks = 0;
/** When each MO text `<tag>:<n>` reached the app, per tag: splits MO → reply latency at the webhook. */
const seen = new Map<string, { idx: number[]; at: number[] }>();
const MO_TEXT = /^([^:\s]+):(\d+)$/;
function note(text: string | null): void {
  const m = MO_TEXT.exec(text ?? '');
  if (!m) return;
  let s = seen.get(m[1]!);
  if (!s) seen.set(m[1]!, (s = { idx: [], at: [] }));
  s.idx.push(Number(m[2]));
  s.at.push(Date.now());
}
const xmlEscape = (s: string): string => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method === 'GET' && url.pathname === '/mo') {
    served++;
    note(url.searchParams.get('text'));
    const text = 're ' + (url.searchParams.get('text') ?? '');
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  if (url.pathname === '/sms') {
    readBody(req).then(
      (raw) => {
        served++;
        const params = req.method === 'POST' ? new URLSearchParams(raw) : url.searchParams;
        note(params.get('Body'));
        const xml = `<?xml version="1.0" encoding="UTF-8"?><Response><Message>${xmlEscape('re ' + (params.get('Body') ?? ''))}</Message></Response>`;
        res.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) });
        res.end(xml);
      },
      () => {
        res.writeHead(400);
        res.end();
      },
    );
    return;
  }
  if (url.pathname === '/status') {
    readBody(req).then(
      () => {
        statusCallbacks++;
        res.writeHead(200, { 'content-length': 0 });
        res.end();
      },
      () => {
        res.writeHead(400);
        res.end();
      },
    );
    return;
  }
  if (req.method === 'GET' && url.pathname === '/bench/status') {
    sendJson(res, { n: statusCallbacks });
    return;
  }
  if (req.method === 'GET' && url.pathname === '/bench/seen') {
    const s = seen.get(url.searchParams.get('tag') ?? '') ?? { idx: [], at: [] };
    sendJson(res, { n: s.idx.length, ...s });
    return;
  }
  if (url.pathname === '/count') {
    sendJson(res, { served });
    return;
  }
  res.writeHead(404);
  res.end();
});
server.keepAliveTimeout = 30_000;
server.listen(Number(process.env.WEBHOOK_PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: (server.address() as AddressInfo).port }) + '\n');
});
const shutdown = (): void => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

function sendJson(res: ServerResponse, value: unknown): void {
  const j = JSON.stringify(value);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(j) });
  res.end(j);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 100_000) {
        req.destroy();
        reject(new Error('body too large'));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
