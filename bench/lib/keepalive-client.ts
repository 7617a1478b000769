// The load generator's HTTP client: one keep-alive HTTP/1.1 connection per closed-loop client, each request a
// prebuilt string and one socket write, each answer parsed just far enough for its status and body. The bench's
// HTTP clients run on the same two cores as the gateway they measure, so what they spend is taken from it: undici
// spent ~90 µs of CPU per request here, this client ~40–45 (half). Every request has a timeout.
import { connect, type Socket } from 'node:net';

export interface Answer { status: number; body: string }

const HEADER_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

interface Pending { resolve(a: Answer): void; reject(e: Error): void; timer: NodeJS.Timeout }

/** One keep-alive connection; one request at a time (the caller waits for each answer, as a closed loop does). */
export class KeepAliveConnection {
  private socket: Socket | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private pending: Pending | null = null;
  private closed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs = 30_000,
  ) {}

  /** `headers`: header lines, each ending in CRLF (Host and Content-Length are added here). */
  request(method: string, path: string, headers: string, body?: string): Promise<Answer> {
    if (this.pending) return Promise.reject(new Error('a request is already in flight on this connection'));
    if (this.closed) return Promise.reject(new Error('connection closed'));
    const len = body === undefined ? 0 : Buffer.byteLength(body);
    const raw = `${method} ${path} HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\n${headers}${body === undefined ? '' : `content-length: ${len}\r\n`}\r\n${body ?? ''}`;
    return new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.pending = { resolve, reject, timer };
      this.open().write(raw);
    });
  }

  /** Opens the connection now rather than with the first request; resolves once it is established. */
  connectNow(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    if (this.socket && !this.socket.connecting) return Promise.resolve();
    const s = this.open();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no connection within ${this.timeoutMs} ms`)), this.timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
    this.socket = null;
  }

  private open(): Socket {
    if (this.socket) return this.socket;
    const s = connect({ host: this.host, port: this.port, noDelay: true });
    this.buf = Buffer.alloc(0);
    // A socket given up (timed out, or closed after `connection: close`) may still report: only the current one counts.
    s.on('data', (chunk: Buffer) => {
      if (this.socket === s) this.onData(chunk);
    });
    s.on('error', (err) => {
      if (this.socket === s) this.fail(err);
    });
    s.on('close', () => {
      if (this.socket !== s) return;
      this.socket = null;
      this.fail(new Error('connection closed by the server'));
    });
    this.socket = s;
    return s;
  }

  private fail(err: Error): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    clearTimeout(p.timer);
    this.socket?.destroy();
    this.socket = null;
    p.reject(err);
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let answer: ReturnType<KeepAliveConnection['parse']>;
    try {
      answer = this.parse();
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    if (!answer) return;
    const p = this.pending;
    this.pending = null;
    if (!p) return;
    clearTimeout(p.timer);
    if (answer.closeAfter) {
      this.socket?.end();
      this.socket = null;
    }
    p.resolve({ status: answer.status, body: answer.body });
  }

  /** A whole answer at the head of the buffer (consumed), or null while it is still arriving. */
  private parse(): (Answer & { closeAfter: boolean }) | null {
    const end = this.buf.indexOf(HEADER_END);
    if (end < 0) return null;
    const head = this.buf.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const lower = head.toLowerCase();
    const closeAfter = /\r\nconnection:\s*close/.test(lower);
    const bodyStart = end + 4;
    const cl = /\r\ncontent-length:\s*(\d+)/.exec(lower);
    if (cl) {
      const n = Number(cl[1]);
      if (this.buf.length < bodyStart + n) return null;
      const body = this.buf.toString('utf8', bodyStart, bodyStart + n);
      this.buf = this.buf.subarray(bodyStart + n);
      return { status, body, closeAfter };
    }
    if (/\r\ntransfer-encoding:\s*chunked/.test(lower)) {
      const parts: Buffer[] = [];
      let at = bodyStart;
      for (;;) {
        const eol = this.buf.indexOf(CRLF, at);
        if (eol < 0) return null;
        const size = parseInt(this.buf.toString('latin1', at, eol), 16);
        if (!Number.isFinite(size)) throw new Error('bad chunk size');
        const dataStart = eol + 2;
        if (this.buf.length < dataStart + size + 2) return null;
        if (size === 0) {
          this.buf = this.buf.subarray(dataStart + 2);
          return { status, body: Buffer.concat(parts).toString('utf8'), closeAfter };
        }
        parts.push(this.buf.subarray(dataStart, dataStart + size));
        at = dataStart + size + 2;
      }
    }
    // Neither: the body runs to the end of the connection (HTTP/1.0 style); answers here are never like that.
    if (status === 204 || status === 304 || (status >= 100 && status < 200)) {
      this.buf = this.buf.subarray(bodyStart);
      return { status, body: '', closeAfter };
    }
    throw new Error(`answer without a length: ${head.slice(0, 200)}`);
  }
}

/** `n` keep-alive connections to `origin`, one per closed-loop client. */
export class KeepAliveClients {
  readonly connections: KeepAliveConnection[];
  constructor(origin: string, n: number, timeoutMs?: number) {
    const u = new URL(origin);
    this.connections = Array.from({ length: n }, () => new KeepAliveConnection(u.hostname, Number(u.port || 80), timeoutMs));
  }
  /**
   * Opens every connection before the clock starts, `step` at a time: a gateway meets its clients once, as a web
   * application's connection pool does, not as a burst of connects. (Kannel's HTTP listen backlog is 10: 192 connects
   * at once overflow it and wait out SYN retransmits, seconds each.)
   */
  async connectAll(step = 8): Promise<void> {
    for (let i = 0; i < this.connections.length; i += step) {
      await Promise.all(this.connections.slice(i, i + step).map((c) => c.connectNow()));
    }
  }

  close(): void {
    for (const c of this.connections) c.close();
  }
}
