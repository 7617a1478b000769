// SIP over UDP and TCP on one port number. Inbound TCP connections are reused for
// responses and for requests back to the same peer; outbound connections are cached per
// target. Every socket has bounded buffers and idle timeouts so hostile peers cannot pin memory.
import dgram from 'node:dgram';
import net from 'node:net';
import { LIMITS } from './message.js';

export type Proto = 'udp' | 'tcp';

export interface Flow {
  proto: Proto;
  /** Peer address and port the bytes came from (what drachtio reports as source). */
  address: string;
  port: number;
}

export interface Target { proto: Proto; host: string; port: number }

export type InboundHandler = (data: Buffer, flow: Flow) => void;

export interface TransportLogger { warn(msg: string): void; debug(msg: string): void }

const TCP_IDLE_MS = 5 * 60_000;
const TCP_CONNECT_TIMEOUT_MS = 5_000;
const MAX_WRITE_BACKLOG = 1_000_000;
const MAX_TCP_CONNECTIONS = 1_000;

/** Cuts a TCP byte stream into SIP messages by the blank line and Content-Length. */
export class StreamFramer {
  private buf: Buffer = Buffer.alloc(0);

  /** Returns complete messages; throws if the peer sent something that can never frame. */
  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Buffer[] = [];
    for (;;) {
      let start = 0;
      while (start < this.buf.length && (this.buf[start] === 0x0d || this.buf[start] === 0x0a)) start++;
      if (start) this.buf = this.buf.subarray(start);
      if (this.buf.length === 0) break;
      const headEnd = this.buf.indexOf('\r\n\r\n');
      if (headEnd < 0) {
        if (this.buf.length > LIMITS.maxMessageBytes) throw new Error('header section too large');
        break;
      }
      const head = this.buf.toString('latin1', 0, headEnd);
      const cl = /\r\n(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*(?=\r\n|$)/i.exec(head);
      const bodyLen = cl ? (cl[1]!.length > 7 ? Infinity : Number(cl[1])) : 0;
      const total = headEnd + 4 + bodyLen;
      if (total > LIMITS.maxMessageBytes) throw new Error('message too large');
      if (this.buf.length < total) break;
      out.push(Buffer.from(this.buf.subarray(0, total)));
      this.buf = this.buf.subarray(total);
    }
    return out;
  }
}

export class SipTransport {
  private udp!: dgram.Socket;
  private tcp!: net.Server;
  /** "ip:port" of the peer → live TCP connection (inbound or outbound). */
  private conns = new Map<string, net.Socket>();
  private pendingConnects = new Map<string, Promise<net.Socket>>();
  /** Every live socket, so close() can end them all even if two share a key. */
  private sockets = new Set<net.Socket>();
  port = 0;

  constructor(readonly host: string, private readonly onData: InboundHandler, private readonly log: TransportLogger) {}

  async listen(port: number): Promise<void> {
    // Port 0: let UDP pick, then claim the same number on TCP; retry if TCP finds it taken.
    for (let attempt = 0; attempt < 10; attempt++) {
      const udpPort = await this.bindUdp(port);
      try {
        await this.listenTcp(udpPort);
        this.port = udpPort;
        return;
      } catch (err) {
        await new Promise<void>((r) => this.udp.close(() => r()));
        if (port !== 0) throw err;
      }
    }
    throw new Error('could not find a port free for both UDP and TCP');
  }

  private bindUdp(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const family = net.isIPv6(this.host) ? 'udp6' : 'udp4';
      const sock = dgram.createSocket({ type: family, recvBufferSize: 4 * 1024 * 1024 });
      sock.once('error', reject);
      sock.bind(port, this.host, () => {
        sock.removeListener('error', reject);
        sock.on('error', (e) => this.log.warn(`udp error: ${e.message}`));
        sock.on('message', (msg, rinfo) => {
          if (msg.length > LIMITS.maxMessageBytes) return;
          this.onData(msg, { proto: 'udp', address: rinfo.address, port: rinfo.port });
        });
        this.udp = sock;
        resolve(sock.address().port);
      });
    });
  }

  private listenTcp(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((sock) => this.adopt(sock));
      server.maxConnections = MAX_TCP_CONNECTIONS;
      server.once('error', reject);
      server.listen(port, this.host, () => {
        server.removeListener('error', reject);
        server.on('error', (e) => this.log.warn(`tcp server error: ${e.message}`));
        this.tcp = server;
        resolve();
      });
    });
  }

  private adopt(sock: net.Socket): void {
    const key = `${sock.remoteAddress}:${sock.remotePort}`;
    const framer = new StreamFramer();
    this.conns.set(key, sock);
    this.sockets.add(sock);
    sock.setNoDelay(true);
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    sock.on('data', (chunk: Buffer) => {
      let msgs: Buffer[];
      try {
        msgs = framer.push(chunk);
      } catch (err) {
        this.log.warn(`closing tcp ${key}: ${(err as Error).message}`);
        sock.destroy();
        return;
      }
      for (const m of msgs) this.onData(m, { proto: 'tcp', address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 });
    });
    sock.on('error', (e) => this.log.debug(`tcp ${key} error: ${e.message}`));
    sock.on('close', () => {
      this.sockets.delete(sock);
      if (this.conns.get(key) === sock) this.conns.delete(key);
    });
  }

  /** Sends to a target; over TCP reuses a connection to that ip:port or opens one. */
  async send(data: Buffer, target: Target): Promise<void> {
    if (target.proto === 'udp') {
      await new Promise<void>((resolve, reject) => {
        this.udp.send(data, target.port, target.host, (err) => (err ? reject(err) : resolve()));
      });
      return;
    }
    const sock = await this.tcpConnection(target);
    if (sock.writableLength > MAX_WRITE_BACKLOG) {
      sock.destroy();
      throw new Error('tcp peer not reading');
    }
    sock.write(data);
  }

  private tcpConnection(target: Target): Promise<net.Socket> {
    const key = `${target.host}:${target.port}`;
    const live = this.conns.get(key);
    if (live && !live.destroyed) return Promise.resolve(live);
    const pending = this.pendingConnects.get(key);
    if (pending) return pending;
    const p = new Promise<net.Socket>((resolve, reject) => {
      const sock = net.connect({ host: target.host, port: target.port });
      const timer = setTimeout(() => { sock.destroy(); reject(new Error('tcp connect timeout')); }, TCP_CONNECT_TIMEOUT_MS);
      sock.once('error', (e) => { clearTimeout(timer); reject(e); });
      sock.once('connect', () => {
        clearTimeout(timer);
        this.adopt(sock);
        this.conns.set(key, sock);
        sock.on('close', () => { if (this.conns.get(key) === sock) this.conns.delete(key); });
        resolve(sock);
      });
    }).finally(() => this.pendingConnects.delete(key));
    this.pendingConnects.set(key, p);
    return p;
  }

  get tcpConnections(): number { return this.conns.size; }

  hasConnection(t: Target): boolean {
    const s = this.conns.get(`${t.host}:${t.port}`);
    return !!s && !s.destroyed;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.conns.clear();
    await Promise.all([
      new Promise<void>((r) => { try { this.udp.close(() => r()); } catch { r(); } }),
      new Promise<void>((r) => this.tcp.close(() => r())),
    ]);
  }
}
