// srf connections on the control port: secret check, routes kept as a set per connection
// (srf re-sends every route on each new registration), round-robin choice of app per verb.
import net from 'node:net';
import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import { FrameDecoder, encodeFrame } from './framing.js';
import { answer, parseAppMessage, type AppMessage } from './messages.js';

const AUTH_TIMEOUT_MS = 5_000;
const MAX_WRITE_BACKLOG = 8_000_000;
export const EDGE_VERSION = 'v0.9.3-tandem-edge';

export type SipAppMessage = Extract<AppMessage, { kind: 'sip' }>;

export interface AppLogger { info(msg: string): void; warn(msg: string): void; debug(msg: string): void }

export interface AppServerOptions {
  secret: string;
  /** `udp/host:port,tcp/host:port` sent in the authenticate answer. */
  hostports: () => string;
  onSip: (app: AppSession, msg: SipAppMessage) => void;
  onClosed: (app: AppSession) => void;
  log: AppLogger;
}

export class AppSession {
  readonly id = randomUUID();
  authenticated = false;
  closed = false;
  tags: string[] = [];
  readonly routes = new Set<string>();

  constructor(readonly socket: net.Socket) {}

  send(payload: string): void {
    if (this.closed) return;
    if (this.socket.writableLength > MAX_WRITE_BACKLOG) {
      // An app that stopped reading would otherwise make us buffer without bound.
      this.socket.destroy();
      return;
    }
    // Frames produced in one tick leave in one write (cork until the tick ends).
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(encodeFrame(payload));
  }

  private corked = false;
}

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export class AppServer {
  private server!: net.Server;
  readonly sessions = new Set<AppSession>();
  private rr = new Map<string, number>();
  port = 0;

  constructor(private readonly opts: AppServerOptions) {}

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server = net.createServer((s) => this.accept(s));
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.removeListener('error', reject);
        const addr = this.server.address();
        this.port = typeof addr === 'object' && addr ? addr.port : port;
        resolve(this.port);
      });
    });
  }

  private accept(socket: net.Socket): void {
    const app = new AppSession(socket);
    const decoder = new FrameDecoder();
    this.sessions.add(app);
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    const authTimer = setTimeout(() => { if (!app.authenticated) socket.destroy(); }, AUTH_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => {
      let payloads: string[];
      try {
        payloads = decoder.push(chunk);
      } catch (err) {
        this.opts.log.warn(`closing app connection: ${(err as Error).message}`);
        socket.destroy();
        return;
      }
      for (const p of payloads) {
        if (app.closed) return;
        try {
          this.handle(app, parseAppMessage(p));
        } catch (err) {
          this.opts.log.warn(`bad message from app: ${(err as Error).message}`);
          socket.destroy();
          return;
        }
      }
    });
    socket.on('error', (e) => this.opts.log.debug(`app socket error: ${e.message}`));
    socket.on('close', () => {
      clearTimeout(authTimer);
      app.closed = true;
      this.sessions.delete(app);
      if (app.authenticated) this.opts.onClosed(app);
    });
  }

  private handle(app: AppSession, msg: AppMessage): void {
    if (!app.authenticated) {
      if (msg.kind !== 'authenticate') {
        app.socket.destroy();
        return;
      }
      if (!sameSecret(msg.secret, this.opts.secret)) {
        this.opts.log.warn('app presented a wrong secret');
        app.send(answer(msg.id, ['NO', 'incorrect secret']));
        app.socket.end();
        app.closed = true;
        return;
      }
      app.authenticated = true;
      app.tags = msg.tags;
      const hp = this.opts.hostports();
      app.send(answer(msg.id, ['OK', hp, EDGE_VERSION, hp]));
      this.opts.log.info(`app ${app.id} authenticated`);
      return;
    }
    switch (msg.kind) {
      case 'authenticate':
        app.send(answer(msg.id, ['OK', this.opts.hostports(), EDGE_VERSION, this.opts.hostports()]));
        return;
      case 'route':
        app.routes.add(msg.verb);
        app.send(answer(msg.id, ['OK']));
        return;
      case 'remove_route':
        app.routes.delete(msg.verb);
        app.send(answer(msg.id, ['OK']));
        return;
      case 'ping':
        app.send(answer(msg.id, ['OK', 'pong']));
        return;
      case 'sip':
        this.opts.onSip(app, msg);
        return;
      case 'proxy':
        app.send(answer(msg.id, ['NOK', 'proxy is not supported by this edge']));
        return;
      case 'unknown':
        app.send(answer(msg.id, ['NOK', `unknown message type ${msg.type}`]));
        return;
    }
  }

  /** Next app (round-robin) that routed this verb. */
  pick(verb: string): AppSession | undefined {
    const candidates = [...this.sessions].filter((a) => a.authenticated && !a.closed && a.routes.has(verb));
    if (candidates.length === 0) return undefined;
    const n = (this.rr.get(verb) ?? 0) % candidates.length;
    this.rr.set(verb, n + 1);
    return candidates[n];
  }

  listeners(verb: string): AppSession[] {
    return [...this.sessions].filter((a) => a.authenticated && !a.closed && a.routes.has(verb));
  }

  close(): Promise<void> {
    for (const a of this.sessions) a.socket.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}
