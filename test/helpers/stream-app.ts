// A Media Streams app for the tests: a real WebSocket server (the `ws` package) that records every message tandem
// sends, checks each handshake's X-Twilio-Signature, and lets a test answer on the socket (media, mark, clear).
import { createHmac } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';

export interface StreamMessage {
  event: string;
  sequenceNumber?: string;
  streamSid?: string;
  start?: { streamSid: string; accountSid: string; callSid: string; tracks: string[]; customParameters: Record<string, string>; mediaFormat: { encoding: string; sampleRate: number; channels: number } };
  media?: { track: string; chunk: string; timestamp: string; payload: string };
  dtmf?: { track: string; digit: string };
  mark?: { name: string };
  stop?: { accountSid: string; callSid: string };
  [k: string]: unknown;
}

export interface StreamConnection {
  path: string;
  signatureValid: boolean;
  messages: StreamMessage[];
  socket: WebSocket;
  closed: boolean;
  /** Resolves with the first message of this event (waits for it). */
  next(event: string, timeoutMs?: number): Promise<StreamMessage>;
  send(m: object): void;
}

export interface StreamApp {
  /** ws://127.0.0.1:port */
  url: string;
  connections: StreamConnection[];
  /** The n-th connection (from 0), waiting for it. */
  connection(n?: number, timeoutMs?: number): Promise<StreamConnection>;
  close(): Promise<void>;
}

export async function startStreamApp(authToken: () => string): Promise<StreamApp> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const port = (wss.address() as { port: number }).port;
  const url = `ws://127.0.0.1:${port}`;
  const connections: StreamConnection[] = [];
  const waiters: (() => void)[] = [];
  const wake = () => waiters.splice(0).forEach((w) => w());

  wss.on('connection', (socket, req) => {
    const path = req.url ?? '/';
    const expected = createHmac('sha1', authToken()).update(url + path).digest('base64');
    const c: StreamConnection = {
      path,
      signatureValid: req.headers['x-twilio-signature'] === expected,
      messages: [],
      socket,
      closed: false,
      next(event, timeoutMs = 10_000) {
        return waitFor(() => c.messages.find((m) => m.event === event), timeoutMs, `a ${event} message`);
      },
      send: (m) => socket.send(JSON.stringify(m)),
    };
    socket.on('message', (data, isBinary) => {
      if (!isBinary) c.messages.push(JSON.parse(String(data)) as StreamMessage);
      wake();
    });
    socket.on('close', () => {
      c.closed = true;
      wake();
    });
    connections.push(c);
    wake();
  });

  function waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      const check = () => {
        const v = probe();
        if (v !== undefined) {
          clearTimeout(timer);
          resolve(v);
        } else waiters.push(check);
      };
      check();
    });
  }

  return {
    url,
    connections,
    connection: (n = 0, timeoutMs = 10_000) => waitFor(() => connections[n], timeoutMs, `stream connection ${n}`),
    async close() {
      for (const c of connections) c.socket.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}
