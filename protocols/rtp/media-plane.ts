// The media plane: RTP endpoints in worker threads, each worker with its own 20 ms clock, so pacing does not
// wait for SIP, webhooks or the API on the main thread. A call's endpoint lives in one worker; the main thread
// holds a RemoteRtpEndpoint with RtpEndpoint's methods and events and speaks for it through the worker's port.
// Audio to play crosses once into a SharedArrayBuffer that every worker reads; recordings come back transferred.
import { EventEmitter } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { siblingModule, startModuleWorker } from '../../src/util/module-worker.js';
import type { MediaClockStats } from './clock.js';
import { planDigits, type DtmfSendOptions } from './dtmf.js';
import {
  bindSomePort,
  type PlayOptions,
  type PlayResult,
  type RecordOptions,
  type RemoteAddress,
  type RtpEndpointEvents,
  type RtpEndpointStats,
} from './endpoint.js';
import type { MediaEndpoint, OpenMediaOptions } from './media-endpoint.js';
import type { FromWorker, ToWorker, WorkerEndpointSettings } from './media-protocol.js';
import type { MediaWorkerData } from './media-worker.js';
import type { NegotiatedMedia } from './sdp.js';

export interface MediaPlaneLogger {
  warn(msg: string): void;
  error(msg: string): void;
}

export interface MediaPlaneOptions {
  /** Worker threads to spread endpoints over; at least 1. */
  workers: number;
  logger?: MediaPlaneLogger;
  /** Wait before a crashed worker is replaced; doubles while replacements keep failing to start. Default 1 s. */
  restartDelayMs?: number;
  /** Longest a worker may take to load. Default 30 s (the first start compiles TypeScript). */
  readyTimeoutMs?: number;
  /**
   * Scheduling priority of the media threads (os.setPriority: -20 highest … 19), so packets go out on time
   * while the machine is busy. Default -10; needs CAP_SYS_NICE, else a warning and normal priority.
   * null leaves the threads at the process's priority.
   */
  priority?: number | null;
  /** Phases of each worker's media clock (clock.ts): endpoints spread over that many slots of the 20 ms period. Default 1. */
  clockPhases?: number;
}

/** The media clocks' pacing since the previous takePacing(): the worst of every worker's one-second figures. */
export interface MediaPacing {
  tickLateP99Ms: number;
  tickLateMaxMs: number;
  tickWorkP99Ms: number;
  skippedTicks: number;
}

export interface MediaWorkerStats {
  index: number;
  alive: boolean;
  endpoints: number;
  /** Times this slot's worker died and was replaced. */
  restarts: number;
  clock: MediaClockStats | undefined;
}

const DEFAULT_PRIORITY = -10;
const WORKER_MODULE = siblingModule(import.meta.url, 'media-worker');
const SHUTDOWN_WAIT_MS = 2_000;
const MAX_RESTART_DELAY_MS = 30_000;

/** Audio is treated as immutable once played: its shared copy is made once and reused for every later play. */
const sharedCopies = new WeakMap<Int16Array, Int16Array>();

function shareAudio(pcm: Int16Array): Int16Array {
  if (pcm.buffer instanceof SharedArrayBuffer) return pcm;
  let shared = sharedCopies.get(pcm);
  if (!shared) {
    shared = new Int16Array(new SharedArrayBuffer(pcm.byteLength));
    shared.set(pcm);
    sharedCopies.set(pcm, shared);
  }
  return shared;
}

function rebuildError(m: Extract<FromWorker, { ev: 'fail' }>): Error {
  const err = m.name === 'RangeError' ? new RangeError(m.message) : new Error(m.message);
  if (m.name !== 'RangeError' && m.name !== 'Error') err.name = m.name;
  if (m.code !== undefined) (err as NodeJS.ErrnoException).code = m.code;
  return err;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  /** The worker died before answering: settle as a closed endpoint would. */
  orphaned(err: Error): void;
}

/** One worker thread and what the main thread knows of it. */
class WorkerLink {
  readonly endpoints = new Map<number, RemoteRtpEndpoint>();
  /** Opens sent and not yet answered: counted as load, so a burst of new calls spreads over the workers. */
  opening = 0;
  private readonly pending = new Map<number, Pending>();
  private nextReq = 1;
  alive = true;
  lastError: Error | undefined;

  constructor(readonly index: number, readonly worker: Worker) {}

  post(m: ToWorker, transfer?: ArrayBuffer[]): void {
    if (this.alive) this.worker.postMessage(m, transfer);
  }

  /** Sends a command that answers; if the worker dies first, `orphaned` settles it. */
  request<T>(make: (req: number) => ToWorker, orphaned: (resolve: (v: T) => void, reject: (e: Error) => void, err: Error) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (!this.alive) return orphaned(resolve, reject, this.lastError ?? new Error(`media worker ${this.index} is not running`));
      const req = this.nextReq++;
      this.pending.set(req, {
        resolve: resolve as (v: unknown) => void,
        reject,
        orphaned: (err) => orphaned(resolve, reject, err),
      });
      this.worker.postMessage(make(req));
    });
  }

  onMessage(m: FromWorker): void {
    switch (m.ev) {
      case 'reply': {
        const p = this.pending.get(m.req);
        this.pending.delete(m.req);
        p?.resolve(m.value);
        return;
      }
      case 'fail': {
        const p = this.pending.get(m.req);
        this.pending.delete(m.req);
        p?.reject(rebuildError(m));
        return;
      }
      case 'dtmf':
        this.endpoints.get(m.id)?.emit('dtmf', m.digit);
        return;
      case 'timeout':
        this.endpoints.get(m.id)?.emit('timeout');
        return;
      case 'latched':
        this.endpoints.get(m.id)?.latchedTo(m.remote);
        return;
      case 'audio':
      case 'sent':
        for (let i = 0; i < m.ids.length; i++) {
          const ep = this.endpoints.get(m.ids[i] as number);
          if (ep && ep.listenerCount(m.ev) > 0) ep.emit(m.ev, m.samples.subarray(m.offsets[i], m.offsets[i + 1]));
        }
        return;
      case 'ready':
      case 'warn':
        return; // handled by the plane
    }
  }

  /** The thread is gone: every waiting request settles and every endpoint on it is over. */
  died(err: Error, tellEndpoints: boolean): void {
    this.alive = false;
    this.lastError = err;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.orphaned(err);
    const endpoints = [...this.endpoints.values()];
    this.endpoints.clear();
    for (const ep of endpoints) ep.lost(err, tellEndpoints);
  }
}

/**
 * One leg's endpoint in a media worker: RtpEndpoint's methods and events on the main thread. What the worker
 * must answer (stopRecording, stats) returns a promise; the rest is sent and takes effect in order.
 */
export class RemoteRtpEndpoint extends EventEmitter<RtpEndpointEvents> implements MediaEndpoint {
  private closed = false;
  private closing: Promise<void> | undefined;
  private released = false;
  private outstanding = 0;
  private remoteAddr: RemoteAddress | undefined;
  private onHold = false;
  /** Which of the worker's frame kinds cross to this thread: only those someone here listens for. */
  private readonly forwarding = new Set<'audio' | 'sent'>();

  constructor(
    private readonly link: WorkerLink,
    readonly id: number,
    readonly host: string,
    readonly port: number,
    private readonly releasePort: () => void,
    remote: RemoteAddress | undefined,
  ) {
    super();
    if (remote) this.trackRemote(remote);
    // Decoded inbound frames cross threads only while someone here listens for them (a <Record>, a handset).
    const self = this as EventEmitter; // the typed event map has no room for EventEmitter's own events
    self.on('newListener', (event: string | symbol) => {
      if ((event === 'audio' || event === 'sent') && !this.forwarding.has(event)) {
        this.forwarding.add(event);
        this.link.post({ op: event, id: this.id, on: true });
      }
    });
    self.on('removeListener', (event: string | symbol) => {
      if ((event === 'audio' || event === 'sent') && this.forwarding.has(event) && this.listenerCount(event) === 0) {
        this.forwarding.delete(event);
        this.link.post({ op: event, id: this.id, on: false });
      }
    });
  }

  /** Which worker thread carries this endpoint (0-based). */
  get workerIndex(): number {
    return this.link.index;
  }

  get playing(): boolean {
    return this.outstanding > 0;
  }

  get remote(): RemoteAddress | undefined {
    return this.remoteAddr && !this.onHold ? { ...this.remoteAddr } : undefined;
  }

  setMedia(media: NegotiatedMedia): void {
    this.link.post({ op: 'setMedia', id: this.id, media });
  }

  setRemote(remote: RemoteAddress): void {
    this.trackRemote(remote);
    this.link.post({ op: 'setRemote', id: this.id, remote: { address: remote.address, port: remote.port } });
  }

  play(pcm: Int16Array, opts: PlayOptions = {}): Promise<PlayResult> {
    const loop = opts.loop ?? 1;
    if (!Number.isInteger(loop) || loop < 0) return Promise.reject(new RangeError(`loop must be a whole number ≥ 0, got ${loop}`));
    if (this.closed) return Promise.resolve('interrupted');
    if (pcm.length === 0) return Promise.resolve('done');
    const audio = shareAudio(pcm);
    return this.counted(this.link.request<PlayResult>((req) => ({ op: 'play', id: this.id, req, pcm: audio, loop }), (resolve) => resolve('interrupted')));
  }

  sendDigits(digits: string, opts: DtmfSendOptions = {}): Promise<PlayResult> {
    try {
      planDigits(digits, opts); // the worker plans them again; this only makes a bad string fail here, as RtpEndpoint's does
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.closed) return Promise.resolve('interrupted');
    if (digits.length === 0) return Promise.resolve('done');
    return this.counted(this.link.request<PlayResult>((req) => ({ op: 'digits', id: this.id, req, digits, opts }), (resolve) => resolve('interrupted')));
  }

  feed(samples: Int16Array): void {
    if (this.closed) return;
    const own = samples.slice(); // a view would clone its whole buffer; this copy is handed over instead
    this.link.post({ op: 'feed', id: this.id, samples: own }, [own.buffer]);
  }

  stopPlayback(): void {
    if (!this.closed) this.link.post({ op: 'stopPlayback', id: this.id });
  }

  startRecording(opts: RecordOptions = {}): void {
    if (!this.closed) this.link.post({ op: 'startRecording', id: this.id, opts });
  }

  stopRecording(slot = ''): Promise<Int16Array> {
    if (this.closed) return Promise.resolve(new Int16Array(0));
    return this.link.request<Int16Array>((req) => ({ op: 'stopRecording', id: this.id, req, slot }), (resolve) => resolve(new Int16Array(0)));
  }

  stats(): Promise<RtpEndpointStats> {
    return this.link.request<RtpEndpointStats>((req) => ({ op: 'stats', id: this.id, req }), (_resolve, reject, err) => reject(err));
  }

  /** Stops media and frees the port; pending plays resolve 'interrupted'. Safe to call twice. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.closing = this.link
      .request<void>((req) => ({ op: 'close', id: this.id, req }), (resolve) => resolve())
      .catch(() => undefined)
      .then(() => {
        this.link.endpoints.delete(this.id);
        this.release();
      });
    return this.closing;
  }

  /** Both legs in one worker: the worker bridges them itself, no audio crosses to the main thread. */
  bridgeInPlace(other: MediaEndpoint, relayDigits: boolean): (() => void) | undefined {
    if (!(other instanceof RemoteRtpEndpoint) || other.link !== this.link || this.closed || other.closed) return undefined;
    this.link.post({ op: 'bridge', a: this.id, b: other.id, relayDigits });
    return () => this.link.post({ op: 'unbridge', a: this.id, b: other.id });
  }

  /** @internal the worker saw the first inbound audio packet */
  latchedTo(remote: RemoteAddress): void {
    this.remoteAddr = remote;
    this.emit('latched', { ...remote });
  }

  /** @internal the worker died: the endpoint is gone with it */
  lost(err: Error, tell: boolean): void {
    if (this.closed && this.closing) return;
    this.closed = true;
    this.release();
    if (tell) this.emit('failed', err);
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.releasePort();
  }

  private trackRemote(remote: RemoteAddress): void {
    this.onHold = remote.port === 0 || remote.address === '0.0.0.0' || remote.address === '::';
    if (!this.onHold) this.remoteAddr = { address: remote.address, port: remote.port };
  }

  private counted<T>(p: Promise<T>): Promise<T> {
    this.outstanding++;
    return p.finally(() => this.outstanding--);
  }
}

export class MediaPlane {
  private readonly links: (WorkerLink | undefined)[];
  private readonly restarts: number[];
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private readonly logger: MediaPlaneLogger;
  private readonly restartDelayMs: number;
  private readonly readyTimeoutMs: number;
  private nextId = 1;
  private closing = false;
  private priorityWarned = false;
  private pacing: MediaPacing = { tickLateP99Ms: 0, tickLateMaxMs: 0, tickWorkP99Ms: 0, skippedTicks: 0 };

  private constructor(private readonly opts: MediaPlaneOptions) {
    this.links = new Array<WorkerLink | undefined>(opts.workers).fill(undefined);
    this.restarts = new Array<number>(opts.workers).fill(0);
    this.logger = opts.logger ?? { warn: (m) => process.emitWarning(m), error: (m) => process.emitWarning(m) };
    this.restartDelayMs = opts.restartDelayMs ?? 1_000;
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
  }

  /** Starts every worker and waits until each can take endpoints. */
  static async start(opts: MediaPlaneOptions): Promise<MediaPlane> {
    if (!Number.isInteger(opts.workers) || opts.workers < 1) throw new RangeError(`media workers must be a whole number ≥ 1, got ${opts.workers}`);
    const plane = new MediaPlane(opts);
    try {
      await Promise.all(plane.links.map((_, i) => plane.spawn(i)));
    } catch (err) {
      await plane.close();
      throw err;
    }
    return plane;
  }

  get workers(): number {
    return this.links.length;
  }

  /**
   * Opens an endpoint on a free port of `opts.pool` in the least busy worker (or next to `opts.near`).
   * Throws PortPoolExhaustedError as RtpEndpoint.open does, or an Error when no worker is running.
   */
  async open(opts: OpenMediaOptions): Promise<RemoteRtpEndpoint> {
    if (this.closing) throw new Error('the media plane is stopped');
    const link = this.pick(opts.near);
    const host = opts.host ?? '127.0.0.1';
    const settings: WorkerEndpointSettings = { host };
    if (opts.media) settings.media = opts.media;
    if (opts.remote) settings.remote = { address: opts.remote.address, port: opts.remote.port };
    if (opts.sendSilence !== undefined) settings.sendSilence = opts.sendSilence;
    if (opts.mediaTimeoutMs !== undefined) settings.mediaTimeoutMs = opts.mediaTimeoutMs;
    if (opts.maxQueue !== undefined) settings.maxQueue = opts.maxQueue;
    if (opts.dtmf) settings.dtmf = opts.dtmf;
    const pool = opts.pool;
    return bindSomePort(pool, host, async (port) => {
      const id = this.nextId++;
      link.opening++;
      try {
        await link.request<void>((req) => ({ op: 'open', id, req, port, settings }), (_resolve, reject, err) => reject(err));
      } finally {
        link.opening--;
      }
      const ep = new RemoteRtpEndpoint(link, id, host, port, () => pool.release(port), settings.remote);
      link.endpoints.set(id, ep);
      return ep;
    });
  }

  /** Each worker's endpoints and clock figures (tick lateness, work per tick). */
  async stats(): Promise<MediaWorkerStats[]> {
    return Promise.all(
      this.links.map(async (link, index) => {
        const alive = link?.alive ?? false;
        const clock = alive && link
          ? await link.request<MediaClockStats | undefined>((req) => ({ op: 'clockStats', req }), (resolve) => resolve(undefined))
          : undefined;
        return { index, alive, endpoints: link?.endpoints.size ?? 0, restarts: this.restarts[index] ?? 0, clock };
      }),
    );
  }

  /** Worker threads running now. */
  get aliveWorkers(): number {
    return this.links.filter((l) => l?.alive).length;
  }

  /** Workers that died and were replaced, since start. */
  get restartCount(): number {
    return this.restarts.reduce((a, b) => a + b, 0);
  }

  /** How late the media clocks ticked since the last call (for /metrics, which scrapes it). */
  takePacing(): MediaPacing {
    const p = this.pacing;
    this.pacing = { tickLateP99Ms: 0, tickLateMaxMs: 0, tickWorkP99Ms: 0, skippedTicks: 0 };
    return p;
  }

  /** The worker threads, for tests that need to kill one. */
  threads(): Worker[] {
    return this.links.flatMap((l) => (l?.alive ? [l.worker] : []));
  }

  /** Closes every endpoint and stops every worker (terminated if it does not finish within 2 s). */
  async close(): Promise<void> {
    this.closing = true;
    for (const t of this.restartTimers) clearTimeout(t);
    this.restartTimers.clear();
    await Promise.all(
      this.links.map(async (link) => {
        if (!link?.alive) return;
        const exited = new Promise<void>((resolve) => link.worker.once('exit', () => resolve()));
        link.post({ op: 'shutdown' });
        let timer: NodeJS.Timeout | undefined;
        const inTime = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), SHUTDOWN_WAIT_MS)))]);
        clearTimeout(timer);
        if (!inTime) {
          await link.worker.terminate();
          await exited;
        }
      }),
    );
  }

  private pick(near: MediaEndpoint | undefined): WorkerLink {
    if (near instanceof RemoteRtpEndpoint) {
      const link = this.links[near.workerIndex];
      if (link?.alive) return link;
    }
    let best: WorkerLink | undefined;
    for (const link of this.links) {
      if (link?.alive && (!best || link.endpoints.size + link.opening < best.endpoints.size + best.opening)) best = link;
    }
    if (!best) throw new Error('no media worker is running');
    return best;
  }

  private spawn(index: number): Promise<void> {
    const priority = this.opts.priority === null ? undefined : (this.opts.priority ?? DEFAULT_PRIORITY);
    const workerData: MediaWorkerData = {
      kind: 'tandem-media',
      ...(priority !== undefined && { priority }),
      ...(this.opts.clockPhases !== undefined && { clockPhases: this.opts.clockPhases }),
      // Worker i ticks i/n of the way into each 20 ms period: two workers' packet bursts never compete for the CPU.
      gridOffsetMs: (index * 20) / this.links.length,
    };
    const worker = startModuleWorker(WORKER_MODULE, { workerData, name: `tandem-media-${index}` });
    const link = new WorkerLink(index, worker);
    this.links[index] = link;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        link.lastError = new Error(`media worker ${index} did not start within ${this.readyTimeoutMs} ms`);
        void worker.terminate();
      }, this.readyTimeoutMs);
      worker.on('message', (m: FromWorker) => {
        if (m.ev === 'ready') {
          if (m.priorityError !== undefined && !this.priorityWarned) {
            this.priorityWarned = true;
            this.logger.warn(`media threads run at normal priority (raising it failed: ${m.priorityError}); packets may go out late while the machine is busy`);
          }
          ready = true;
          clearTimeout(timer);
          resolve();
        } else if (m.ev === 'warn') {
          this.logger.warn(`media worker ${index}: ${m.message}`);
        } else if (m.ev === 'clock') {
          const p = this.pacing;
          p.tickLateP99Ms = Math.max(p.tickLateP99Ms, m.lateP99Ms);
          p.tickLateMaxMs = Math.max(p.tickLateMaxMs, m.lateMaxMs);
          p.tickWorkP99Ms = Math.max(p.tickWorkP99Ms, m.workP99Ms);
          p.skippedTicks += m.skippedTicks;
        } else {
          link.onMessage(m);
        }
      });
      worker.on('error', (err) => {
        link.lastError = err;
      });
      worker.on('exit', (code) => {
        clearTimeout(timer);
        const err = link.lastError ?? new Error(`media worker ${index} exited with code ${code}`);
        const calls = link.endpoints.size;
        link.died(err, !this.closing);
        if (!ready) reject(err);
        if (this.closing) return;
        this.logger.error(`media worker ${index} died (exit code ${code}: ${err.message}); ${calls} endpoint(s) on it lost their media`);
        this.scheduleRestart(index, ready);
      });
    });
  }

  private scheduleRestart(index: number, wasHealthy: boolean): void {
    this.restarts[index] = (this.restarts[index] ?? 0) + 1;
    // A worker that dies while starting would die again at once: back off instead of spinning.
    const failedStarts = wasHealthy ? 0 : this.restarts[index]!;
    const delay = Math.min(MAX_RESTART_DELAY_MS, this.restartDelayMs * 2 ** Math.min(failedStarts, 10));
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (this.closing) return;
      this.spawn(index).then(
        () => this.logger.warn(`media worker ${index} replaced`),
        () => undefined, // its exit handler logged it and scheduled the next try
      );
    }, delay);
    this.restartTimers.add(timer);
  }
}
