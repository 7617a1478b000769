// A media worker: the RTP endpoints of some calls and their own 20 ms clock, on a thread of their own, so SIP,
// webhooks, the HTTP API and the store on the main thread cannot delay a packet. Commands and events are the
// messages of media-protocol.ts; MediaPlane (media-plane.ts) starts this and speaks for it on the main thread.
import { setPriority } from 'node:os';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { bridgeMedia } from './bridge.js';
import { MediaClock } from './clock.js';
import { RtpEndpoint } from './endpoint.js';
import type { FromWorker, ToWorker } from './media-protocol.js';

const CLOCK_REPORT_MS = 1_000;
/**
 * One phase: every endpoint of a worker ticks in the same burst. Spreading them over 10 phases (2 ms apart)
 * measured worse on the 2-core VM in a back-to-back pair of runs at 600 calls: more wake-ups of this thread and
 * of the far ends cost ~20 % more CPU, and jitter p99 doubled (protocols/rtp/bench/plane-capacity.ts, 2026-11-27).
 */
export const DEFAULT_CLOCK_PHASES = 1;

export interface MediaWorkerData {
  kind: 'tandem-media';
  /** os.setPriority value for this thread (-20 highest … 19); undefined leaves it as it is. */
  priority?: number;
  /** MediaClock phases (see clock.ts). */
  clockPhases?: number;
  /** Where in the 20 ms period this worker's clock ticks: the plane staggers its workers so their bursts never meet. */
  gridOffsetMs?: number;
}

/**
 * On a busy machine a thread woken by its timer may wait for a CPU longer than a packet's worth of time;
 * a media thread above the rest (SIP, HTTP, neighbours) is scheduled first. On Linux this moves only this
 * thread, and needs CAP_SYS_NICE (root) to go below 0. Returns why it could not, if it could not.
 */
function raisePriority(priority: number | undefined): string | undefined {
  if (priority === undefined) return undefined;
  try {
    setPriority(priority);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export function runMediaWorker(port: MessagePort, data: MediaWorkerData): void {
  const priorityError = raisePriority(data.priority);
  const post = (m: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
  const clock = new MediaClock({ phases: data.clockPhases ?? DEFAULT_CLOCK_PHASES, gridOffsetMs: data.gridOffsetMs ?? 0, onHandlerError: (err) => post({ ev: 'warn', message: `media clock handler threw: ${String(err)}` }) });
  const endpoints = new Map<number, RtpEndpoint>();
  const forwarders = { audio: new Map<number, (frame: Int16Array) => void>(), sent: new Map<number, (frame: Int16Array) => void>() };
  const bridges = new Map<string, () => void>();

  // Frames for the main thread go in one message per event-loop turn and kind, not one per packet.
  const batcher = (ev: 'audio' | 'sent') => {
    let batchIds: number[] = [];
    let batchFrames: Int16Array[] = [];
    let batchSamples = 0;
    const flush = () => {
      const ids = Int32Array.from(batchIds);
      const offsets = new Int32Array(batchFrames.length + 1);
      const samples = new Int16Array(batchSamples);
      let at = 0;
      batchFrames.forEach((f, i) => {
        offsets[i] = at;
        samples.set(f, at);
        at += f.length;
      });
      offsets[batchFrames.length] = at;
      batchIds = [];
      batchFrames = [];
      batchSamples = 0;
      post({ ev, ids, offsets, samples }, [ids.buffer, offsets.buffer, samples.buffer]);
    };
    return (id: number) => (frame: Int16Array) => {
      if (batchFrames.length === 0) setImmediate(flush);
      batchIds.push(id);
      batchFrames.push(frame);
      batchSamples += frame.length;
    };
  };
  const forward = { audio: batcher('audio'), sent: batcher('sent') };

  const reply = (req: number, value?: Extract<FromWorker, { ev: 'reply' }>['value']) => post({ ev: 'reply', req, value });
  const fail = (req: number, err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    post({ ev: 'fail', req, name: e.name, message: e.message, code: (e as NodeJS.ErrnoException).code });
  };
  const settle = (req: number, p: Promise<Extract<FromWorker, { ev: 'reply' }>['value']>) => p.then((v) => reply(req, v), (err: unknown) => fail(req, err));

  const closeEndpoint = async (id: number) => {
    const ep = endpoints.get(id);
    if (!ep) return;
    endpoints.delete(id);
    forwarders.audio.delete(id);
    forwarders.sent.delete(id);
    for (const [key, unbridge] of bridges) {
      const [a, b] = key.split(':').map(Number);
      if (a === id || b === id) {
        unbridge();
        bridges.delete(key);
      }
    }
    await ep.close();
  };

  const handle = (m: ToWorker): void => {
    if (m.op === 'open') {
      void RtpEndpoint.openOnPort(m.port, { ...m.settings, clock }).then(
        (ep) => {
          endpoints.set(m.id, ep);
          ep.on('dtmf', (digit) => post({ ev: 'dtmf', id: m.id, digit }));
          ep.on('timeout', () => post({ ev: 'timeout', id: m.id }));
          ep.on('latched', (remote) => post({ ev: 'latched', id: m.id, remote }));
          reply(m.req);
        },
        (err: unknown) => fail(m.req, err),
      );
      return;
    }
    if (m.op === 'clockStats') return reply(m.req, clock.stats());
    if (m.op === 'shutdown') {
      void Promise.all([...endpoints.keys()].map(closeEndpoint)).finally(() => port.close());
      return;
    }
    if (m.op === 'bridge' || m.op === 'unbridge') {
      const key = `${m.a}:${m.b}`;
      bridges.get(key)?.();
      bridges.delete(key);
      const a = endpoints.get(m.a);
      const b = endpoints.get(m.b);
      if (m.op === 'bridge' && a && b) bridges.set(key, bridgeMedia(a, b, { relayDigits: m.relayDigits }));
      return;
    }
    const ep = endpoints.get(m.id);
    if (!ep) {
      // Closed already (or never opened): answer what waits for an answer as a closed endpoint would.
      if (m.op === 'play' || m.op === 'digits') reply(m.req, 'interrupted');
      else if (m.op === 'stopRecording') reply(m.req, new Int16Array(0));
      else if (m.op === 'close') reply(m.req);
      else if (m.op === 'stats') fail(m.req, new Error('endpoint is closed'));
      return;
    }
    switch (m.op) {
      case 'setMedia':
        return ep.setMedia(m.media);
      case 'setRemote':
        return ep.setRemote(m.remote);
      case 'play':
        return void settle(m.req, ep.play(m.pcm, { loop: m.loop }));
      case 'digits':
        return void settle(m.req, ep.sendDigits(m.digits, m.opts));
      case 'feed':
        return ep.feed(m.samples);
      case 'stopPlayback':
        return ep.stopPlayback();
      case 'startRecording':
        return ep.startRecording(m.opts);
      case 'stopRecording': {
        const pcm = ep.stopRecording(m.slot);
        // concat() made a fresh array: hand its memory over instead of copying it (a view of more is copied).
        const owned = pcm.byteOffset === 0 && pcm.byteLength === pcm.buffer.byteLength ? pcm : pcm.slice();
        return post({ ev: 'reply', req: m.req, value: owned }, [owned.buffer as ArrayBuffer]);
      }
      case 'audio':
      case 'sent': {
        const kind = m.op;
        const existing = forwarders[kind].get(m.id);
        if (m.on && !existing) {
          const f = forward[kind](m.id);
          forwarders[kind].set(m.id, f);
          ep.on(kind, f);
        } else if (!m.on && existing) {
          ep.off(kind, existing);
          forwarders[kind].delete(m.id);
        }
        return;
      }
      case 'stats':
        return reply(m.req, ep.stats());
      case 'close':
        return void settle(m.req, closeEndpoint(m.id).then(() => undefined));
    }
  };
  port.on('message', handle);
  // Unref'd: the report alone must not keep a worker alive that has nothing else to do.
  setInterval(() => {
    const s = clock.stats();
    clock.resetStats();
    post({ ev: 'clock', lateP99Ms: s.lateMs.p99, lateMaxMs: s.lateMs.max, workP99Ms: s.workMs.p99, skippedTicks: s.skippedTicks });
  }, CLOCK_REPORT_MS).unref();
  post(priorityError === undefined ? { ev: 'ready' } : { ev: 'ready', priorityError });
}

// Only in a thread MediaPlane started: other workers (the bench's) may import this module's neighbours.
if (parentPort && (workerData as { kind?: string } | null)?.kind === 'tandem-media') runMediaWorker(parentPort, workerData as MediaWorkerData);
