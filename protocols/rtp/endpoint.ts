// One RTP stream per call leg: a UDP socket from the port pool, G.711 out on the shared 20 ms clock,
// G.711 and RFC 4733 digits in. It knows nothing of verbs; the call session drives it.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { OpenMedia } from './media-endpoint.js';
import { sharedMediaClock, type MediaClock } from './clock.js';
import {
  DtmfDetector,
  eventToDigit,
  planDigits,
  TELEPHONE_EVENT_LENGTH,
  writeTelephoneEvent,
  type DtmfDigit,
  type DtmfSendOptions,
  type DtmfStep,
} from './dtmf.js';
import { codecForPayloadType, decodeG711, encodeG711, FRAME_SAMPLES, SILENCE_BYTE, type G711Codec } from './g711.js';
import { PacketRing, parseRtp, RTP_HEADER_LENGTH, type RtpPacket } from './packet.js';
import { PortPoolExhaustedError, type PortPool } from './port-pool.js';
import { concat, dtmfTone, interleaveEndAligned, mixEndAligned, silence } from './tone.js';
import type { NegotiatedMedia } from './sdp.js';

export interface RemoteAddress {
  address: string;
  port: number;
}

export type PlayResult = 'done' | 'interrupted';

/** Everything but where the port comes from: what a media worker is told when it opens an endpoint. */
export interface EndpointSettings {
  /** Local address to bind; 127.0.0.1 unless given. */
  host?: string;
  /** Negotiated media; PCMU on PT 0 without telephone-event until given (see setMedia). */
  media?: NegotiatedMedia;
  /** Where to send until the first inbound packet latches the real source (symmetric RTP). */
  remote?: RemoteAddress;
  clock?: MediaClock;
  /** Send comfort silence when nothing is playing, for peers and NATs that expect a steady stream. */
  sendSilence?: boolean;
  /** Emit 'timeout' after this long without inbound RTP; 0 disables. Default 30 s. */
  mediaTimeoutMs?: number;
  /** Most play()/sendDigits() calls waiting at once. Default 64. */
  maxQueue?: number;
  dtmf?: DtmfSendOptions;
}

export interface RtpEndpointOptions extends EndpointSettings {
  pool: PortPool;
}

export interface PlayOptions {
  /** Times to play; 0 repeats until stopPlayback() or close(). Default 1. */
  loop?: number;
}

/** What a recording takes: what the endpoint hears (the far party), what it sends (tandem's side), or both. */
export type RecordTrack = 'inbound' | 'outbound' | 'both';

export interface RecordOptions {
  /** Recording stops collecting after this much audio. Default 1 hour (Twilio's maxLength ceiling). */
  maxMs?: number;
  /**
   * Default inbound. What is sent is taken one frame per clock tick (silence when nothing is sent); with both,
   * the two are mixed, lined up at their ends.
   */
  track?: RecordTrack;
  /** Two channels instead of one mix: interleaved stereo, heard on the first, sent on the second (silent if not taken). */
  dual?: boolean;
  /** An endpoint keeps one recording per slot (a <Record> beside the call's own); default ''. */
  slot?: string;
}

interface Recording {
  /** Heard audio, when the inbound track is taken. */
  chunks: Int16Array[] | undefined;
  samples: number;
  maxSamples: number;
  nextTs: number | undefined;
  /** Sent frames, when the outbound track is taken. */
  sent: Int16Array[] | undefined;
  dual: boolean;
}

export interface RtpEndpointStats {
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Packets missing by sequence number (RFC 3550 A.3), summed over the remote's SSRCs. */
  lost: number;
  /** Interarrival jitter of inbound audio (RFC 3550 A.8), in ms. */
  jitterMs: number;
  /** Datagrams that were not RTP or carried a payload type we did not negotiate. */
  invalidIn: number;
  sendErrors: number;
}

export interface RtpEndpointEvents {
  /** A key the remote pressed, once per press. */
  dtmf: [digit: DtmfDigit];
  /** One decoded inbound frame (usually 160 samples, 20 ms). */
  audio: [frame: Int16Array];
  /** What this endpoint sent on a clock tick, 160 samples (silence when it sent none); only while someone listens. */
  sent: [frame: Int16Array];
  /** No RTP for mediaTimeoutMs; emitted once until media flows again. */
  timeout: [];
  /** The remote address was learned from the first inbound audio packet. */
  latched: [remote: RemoteAddress];
  /** The media worker carrying this endpoint died: no more media flows, pending plays were interrupted. */
  failed: [error: Error];
}

type QueueItem =
  | { kind: 'audio'; pcm: Int16Array; offset: number; loopsLeft: number; resolve: (r: PlayResult) => void }
  | { kind: 'digits'; steps: DtmfStep[]; index: number; resolve: (r: PlayResult) => void };

interface SequenceState {
  baseSeq: number;
  maxSeq: number;
  cycles: number;
  received: number;
  transit: number | undefined;
  jitter: number;
}

const SAMPLES_PER_MS = 8;
const MAX_TRACKED_SSRCS = 8;
/** Fill at most this much silence for a timestamp gap in a recording; bigger jumps are a new stream, not a pause. */
const MAX_RECORD_GAP_SAMPLES = 5 * 8000;
/** Live audio kept waiting at most 200 ms; beyond that the oldest is dropped to keep bridged calls low-latency. */
const LIVE_CAPACITY = 1600;

function random32(): number {
  return Math.floor(Math.random() * 0x1_0000_0000) >>> 0;
}

/**
 * dgram resolves every send's address through dns.lookup, which answers even an IP literal on the next tick:
 * one queued callback per packet. Remote addresses are nearly always literals, so answer those at once.
 */
function literalFirstLookup(
  host: string,
  family: number | LookupOneOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const literal = isIP(host);
  if (literal !== 0) callback(null, host, literal);
  else dnsLookup(host, typeof family === 'number' ? { family } : family, callback);
}

async function bindSocket(host: string, port: number): Promise<Socket> {
  const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', lookup: literalFirstLookup as (h: string, o: LookupOneOptions, cb: (err: NodeJS.ErrnoException | null, address: string, family: number) => void) => void });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      socket.close();
      reject(err);
    };
    socket.once('error', onError);
    socket.bind({ port, address: host, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
  return socket;
}

/**
 * A bound socket on a free even port of the pool. Throws PortPoolExhaustedError when no port is free or
 * every free one is taken by another process.
 */
async function bindFromPool(pool: PortPool, host: string): Promise<{ port: number; socket: Socket }> {
  return bindSomePort(pool, host, async (port) => ({ port, socket: await bindSocket(host, port) }));
}

/**
 * Tries free ports of the pool with `bind` until one binds: another process may hold ports of our range, so
 * each free one is tried at most once. The port stays allocated on success and is released on failure.
 */
export async function bindSomePort<T>(pool: PortPool, host: string, bind: (port: number) => Promise<T>): Promise<T> {
  const attempts = Math.min(pool.available, 64);
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    const port = pool.allocate();
    try {
      return await bind(port);
    } catch (err) {
      pool.release(port);
      lastError = err;
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
  }
  if (attempts === 0) pool.allocate(); // throws the pool's own exhaustion error
  throw new PortPoolExhaustedError(`no bindable RTP port on ${host} after ${attempts} tries: ${String(lastError)}`);
}

export class RtpEndpoint extends EventEmitter<RtpEndpointEvents> {
  readonly host: string;
  readonly port: number;
  private readonly socket: Socket;
  private readonly release: () => void;
  private readonly clock: MediaClock;
  private readonly unsubscribe: () => void;
  private readonly sendSilence: boolean;
  private readonly mediaTimeoutMs: number;
  private readonly maxQueue: number;
  private readonly dtmfOptions: DtmfSendOptions;
  private readonly detector = new DtmfDetector();

  private codec: G711Codec = 'PCMU';
  private codecPt = 0;
  private telephoneEventPt: number | undefined;
  private remoteAddr: RemoteAddress | undefined;
  private latched = false;
  private onHold = false;

  private readonly ssrc = random32();
  private seq = random32() & 0xffff;
  private timestamp = random32();
  private eventTimestamp = 0;
  private talkspurt = true;
  private lastTick: number | undefined;
  private readonly queue: QueueItem[] = [];
  /** Live audio from feed() (a bridged leg), as a FIFO of samples: its frames need not be 20 ms. */
  private readonly live = new Int16Array(LIVE_CAPACITY);
  private liveStart = 0;
  private liveLength = 0;
  private readonly liveFrame = new Int16Array(FRAME_SAMPLES);
  /** Made on first use: an endpoint that only listens never needs them. */
  private audioPackets: PacketRing | undefined;
  private eventPackets: PacketRing | undefined;

  private lastRxMs: number;
  private timedOut = false;
  private closed = false;
  private readonly recordings = new Map<string, Recording>();
  /** Whether any recording takes what is heard, or what is sent: checked per packet and per tick. */
  private recordsHeard = false;
  private recordsSent = false;
  /** The audio frame sent on this tick, kept only while a recording takes what is sent or 'sent' has listeners. */
  private sentFrame: Int16Array | undefined;

  private readonly seqStates = new Map<number, SequenceState>();
  private lostFromDroppedSsrcs = 0;
  private lastAudioSsrc: number | undefined;
  /** The state of the SSRC seen last: nearly every packet is from the same one, so the Map is skipped. */
  private lastSeqSsrc: number | undefined;
  private lastSeqState: SequenceState | undefined;
  private readonly counters = { packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0, invalidIn: 0, sendErrors: 0 };

  /**
   * Binds a UDP socket on a free even port of the pool and joins the shared clock. Throws
   * PortPoolExhaustedError when no port is free or every free one is taken by another process.
   */
  static async open(opts: RtpEndpointOptions): Promise<RtpEndpoint> {
    const host = opts.host ?? '127.0.0.1';
    const pool = opts.pool;
    const port = await bindFromPool(pool, host);
    return new RtpEndpoint(opts, host, port.port, port.socket, () => pool.release(port.port));
  }

  /**
   * Binds exactly `port` (a media worker's endpoint: the main thread's pool chose the port and frees it).
   * Rejects with the bind error, EADDRINUSE included.
   */
  static async openOnPort(port: number, opts: EndpointSettings): Promise<RtpEndpoint> {
    const host = opts.host ?? '127.0.0.1';
    const socket = await bindSocket(host, port);
    return new RtpEndpoint(opts, host, port, socket, () => undefined);
  }

  private constructor(opts: EndpointSettings, host: string, port: number, socket: Socket, release: () => void) {
    super();
    this.host = host;
    this.port = port;
    this.socket = socket;
    this.release = release;
    this.clock = opts.clock ?? sharedMediaClock();
    this.sendSilence = opts.sendSilence ?? false;
    this.mediaTimeoutMs = opts.mediaTimeoutMs ?? 30_000;
    this.maxQueue = opts.maxQueue ?? 64;
    this.dtmfOptions = opts.dtmf ?? {};
    if (opts.media) this.setMedia(opts.media);
    if (opts.remote) this.setRemote(opts.remote);
    this.lastRxMs = performance.now();
    socket.on('message', this.onMessage);
    // Unconnected UDP sockets rarely error; count it rather than crash the process over one call.
    socket.on('error', () => this.counters.sendErrors++);
    this.unsubscribe = this.clock.subscribe(this.onTick);
  }

  /** Codec and telephone-event PT from SDP negotiation; takes effect on the next packet. */
  setMedia(media: NegotiatedMedia): void {
    this.codec = media.codec.name;
    this.codecPt = media.codec.pt;
    this.telephoneEventPt = media.telephoneEventPt;
  }

  /**
   * The address from the remote SDP (the offer or answer, and every re-INVITE). The next inbound
   * audio packet latches its real source again (symmetric RTP). An address of 0.0.0.0 or port 0
   * (RFC 2543 hold) stops sending until a real address is set.
   */
  setRemote(remote: RemoteAddress): void {
    this.latched = false;
    this.onHold = remote.port === 0 || remote.address === '0.0.0.0' || remote.address === '::';
    if (!this.onHold) this.remoteAddr = { address: remote.address, port: remote.port };
  }

  /** Where packets go now: the latched source, else the SDP's address; undefined before either, or on hold. */
  get remote(): RemoteAddress | undefined {
    return this.remoteAddr && !this.onHold ? { ...this.remoteAddr } : undefined;
  }

  /**
   * Queues audio (8 kHz mono) behind anything already queued. Resolves 'done' when the last frame
   * has gone out, or 'interrupted' on stopPlayback()/close().
   */
  play(pcm: Int16Array, opts: PlayOptions = {}): Promise<PlayResult> {
    const loop = opts.loop ?? 1;
    if (!Number.isInteger(loop) || loop < 0) return Promise.reject(new RangeError(`loop must be a whole number ≥ 0, got ${loop}`));
    return this.enqueue((resolve) => ({ kind: 'audio', pcm, offset: 0, loopsLeft: loop === 0 ? Infinity : loop, resolve }), pcm.length === 0);
  }

  /**
   * Presses digits (0–9 * # A–D; w = 0.5 s pause, W = 1 s) after anything already queued: RFC 4733
   * events when the remote negotiated telephone-event, in-band tones otherwise.
   */
  sendDigits(digits: string, opts: DtmfSendOptions = {}): Promise<PlayResult> {
    const options = { ...this.dtmfOptions, ...opts };
    let steps: DtmfStep[];
    try {
      steps = planDigits(digits, options);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.telephoneEventPt === undefined) return this.play(this.inBandDigits(steps, options));
    return this.enqueue((resolve) => ({ kind: 'digits', steps, index: 0, resolve }), steps.length === 0);
  }

  /**
   * Queues live audio (8 kHz mono, any frame size), sent whenever nothing from play()/sendDigits() is
   * queued. This is how a bridged leg's audio reaches this one; see bridge.ts.
   */
  feed(samples: Int16Array): void {
    let src = samples;
    if (src.length > LIVE_CAPACITY) src = src.subarray(src.length - LIVE_CAPACITY);
    const overflow = this.liveLength + src.length - LIVE_CAPACITY;
    if (overflow > 0) {
      this.liveStart = (this.liveStart + overflow) % LIVE_CAPACITY;
      this.liveLength -= overflow;
    }
    for (let i = 0; i < src.length; i++) this.live[(this.liveStart + this.liveLength + i) % LIVE_CAPACITY] = src[i] as number;
    this.liveLength += src.length;
  }

  /** Interrupts what is playing and drops everything queued; their promises resolve 'interrupted'. */
  stopPlayback(): void {
    const items = this.queue.splice(0);
    for (const item of items) item.resolve('interrupted');
  }

  get playing(): boolean {
    return this.queue.length > 0;
  }

  /** Starts collecting decoded audio in the slot, replacing any recording in progress there. */
  startRecording(opts: RecordOptions = {}): void {
    const track = opts.track ?? 'inbound';
    this.recordings.set(opts.slot ?? '', {
      chunks: track === 'outbound' ? undefined : [],
      samples: 0,
      maxSamples: Math.round((opts.maxMs ?? 3_600_000) * SAMPLES_PER_MS),
      nextTs: undefined,
      sent: track === 'inbound' ? undefined : [],
      dual: opts.dual === true,
    });
    this.recordingsChanged();
  }

  /**
   * Stops the slot's recording and returns it: what was heard, with timestamp gaps (silence suppression, loss)
   * filled with silence, and what was sent, the two lined up at their ends (the far end's audio may start later),
   * mixed or (dual) interleaved.
   */
  stopRecording(slot = ''): Int16Array {
    const rec = this.recordings.get(slot);
    if (!rec) return new Int16Array(0);
    this.recordings.delete(slot);
    this.recordingsChanged();
    const heard = rec.chunks ? concat(rec.chunks) : new Int16Array(0);
    const sent = rec.sent ? concat(rec.sent) : new Int16Array(0);
    if (rec.dual) return interleaveEndAligned(heard, sent);
    if (!rec.sent) return heard;
    return rec.chunks ? mixEndAligned(heard, sent) : sent;
  }

  private recordingsChanged(): void {
    let heard = false;
    let sent = false;
    for (const r of this.recordings.values()) {
      heard ||= r.chunks !== undefined;
      sent ||= r.sent !== undefined;
    }
    this.recordsHeard = heard;
    this.recordsSent = sent;
  }

  stats(): RtpEndpointStats {
    let lost = this.lostFromDroppedSsrcs;
    for (const s of this.seqStates.values()) lost += Math.max(0, s.cycles + s.maxSeq - s.baseSeq + 1 - s.received);
    const audio = this.lastAudioSsrc === undefined ? undefined : this.seqStates.get(this.lastAudioSsrc);
    return { ...this.counters, lost, jitterMs: audio ? audio.jitter / SAMPLES_PER_MS : 0 };
  }

  /** Stops media, frees the port, and resolves pending plays as 'interrupted'. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.stopPlayback();
    this.liveLength = 0;
    this.recordings.clear();
    this.recordingsChanged();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
    this.release();
  }

  private enqueue(make: (resolve: (r: PlayResult) => void) => QueueItem, empty: boolean): Promise<PlayResult> {
    if (this.closed) return Promise.resolve('interrupted');
    if (empty) return Promise.resolve('done');
    if (this.queue.length >= this.maxQueue) return Promise.reject(new RangeError(`play queue is full (${this.maxQueue} items)`));
    return new Promise<PlayResult>((resolve) => this.queue.push(make(resolve)));
  }

  private inBandDigits(steps: DtmfStep[], opts: DtmfSendOptions): Int16Array {
    const parts: Int16Array[] = [];
    for (const step of steps) {
      if (step.kind === 'pause') parts.push(silence(20));
      else if (step.first) parts.push(dtmfTone(eventToDigit(step.event.event) as DtmfDigit, opts.toneMs ?? 160));
      // the continuation and end packets of an event are covered by the tone above
    }
    return concat(parts);
  }

  private readonly onTick = (tick: number, nowMs: number): void => {
    if (this.lastTick !== undefined && tick - this.lastTick > 1) {
      // The clock skipped ticks after a stall: move the timestamp on by the time lost, as silence
      // suppression would, rather than let this stream's clock fall behind the wall's.
      this.timestamp = (this.timestamp + (tick - this.lastTick - 1) * FRAME_SAMPLES) >>> 0;
      this.talkspurt = true;
    }
    this.lastTick = tick;
    if (this.mediaTimeoutMs > 0 && !this.timedOut && nowMs - this.lastRxMs > this.mediaTimeoutMs) {
      this.timedOut = true;
      this.emit('timeout');
    }
    const item = this.queue[0];
    if (item?.kind === 'audio') this.tickAudio(item);
    else if (item?.kind === 'digits') this.tickDigits(item);
    else if (this.liveLength >= FRAME_SAMPLES) this.tickLive();
    else if (this.sendSilence) this.sendAudioFrame(undefined, 0);
    else this.talkspurt = true;
    this.timestamp = (this.timestamp + FRAME_SAMPLES) >>> 0;
    const listening = this.listenerCount('sent') > 0;
    if (this.recordsSent || listening) {
      const frame = this.sentFrame ?? new Int16Array(FRAME_SAMPLES);
      if (this.recordsSent) {
        for (const rec of this.recordings.values()) if (rec.sent && rec.sent.length * FRAME_SAMPLES < rec.maxSamples) rec.sent.push(frame);
      }
      if (listening) this.emit('sent', frame);
      this.sentFrame = undefined;
    }
  };

  private tickAudio(item: Extract<QueueItem, { kind: 'audio' }>): void {
    this.sendAudioFrame(item.pcm, item.offset);
    item.offset += FRAME_SAMPLES;
    if (item.offset >= item.pcm.length) {
      item.loopsLeft--;
      item.offset = 0;
      if (item.loopsLeft <= 0) {
        this.queue.shift();
        item.resolve('done');
      }
    }
  }

  private tickLive(): void {
    const frame = this.liveFrame; // encoded into the packet before this returns, so one scratch frame will do
    for (let i = 0; i < FRAME_SAMPLES; i++) frame[i] = this.live[(this.liveStart + i) % LIVE_CAPACITY] as number;
    this.liveStart = (this.liveStart + FRAME_SAMPLES) % LIVE_CAPACITY;
    this.liveLength -= FRAME_SAMPLES;
    this.sendAudioFrame(frame, 0);
  }

  private tickDigits(item: Extract<QueueItem, { kind: 'digits' }>): void {
    const step = item.steps[item.index++];
    if (step?.kind === 'event' && this.telephoneEventPt !== undefined) {
      if (step.first) this.eventTimestamp = this.timestamp;
      this.eventPackets ??= new PacketRing(TELEPHONE_EVENT_LENGTH);
      const buf = this.eventPackets.take(step.first, this.telephoneEventPt, this.seq, this.eventTimestamp, this.ssrc);
      writeTelephoneEvent(buf, RTP_HEADER_LENGTH, step.event);
      this.send(buf);
    } else if (this.sendSilence) {
      this.sendAudioFrame(undefined, 0);
    }
    this.talkspurt = true;
    if (item.index >= item.steps.length) {
      this.queue.shift();
      item.resolve('done');
    }
  }

  /** Encodes one 20 ms frame of `pcm` from `offset` (silence when pcm is undefined) straight into a packet. */
  private sendAudioFrame(pcm: Int16Array | undefined, offset: number): void {
    this.audioPackets ??= new PacketRing(FRAME_SAMPLES);
    const buf = this.audioPackets.take(this.talkspurt, this.codecPt, this.seq, this.timestamp, this.ssrc);
    if (pcm) encodeG711(this.codec, pcm, offset, FRAME_SAMPLES, buf, RTP_HEADER_LENGTH);
    else buf.fill(SILENCE_BYTE[this.codec], RTP_HEADER_LENGTH);
    if (pcm && (this.recordsSent || this.listenerCount('sent') > 0)) {
      const frame = new Int16Array(FRAME_SAMPLES);
      frame.set(pcm.subarray(offset, offset + FRAME_SAMPLES));
      this.sentFrame = frame;
    }
    this.talkspurt = false;
    this.send(buf);
  }

  private send(buf: Buffer): void {
    // The sequence number advances even with nowhere to send, so the remote sees the gap as loss, which it was.
    this.seq = (this.seq + 1) & 0xffff;
    const remote = this.remoteAddr;
    if (!remote || this.onHold || this.closed) return;
    this.counters.packetsOut++;
    this.counters.bytesOut += buf.length;
    this.socket.send(buf, remote.port, remote.address);
  }

  private readonly onMessage = (datagram: Buffer, rinfo: RemoteInfo): void => {
    // The fixed header is read in place: at 50 packets/s per leg, parsing into objects shows in profiles.
    // Anything with CSRCs, an extension or padding takes the validating parser instead.
    let payloadType: number;
    let sequenceNumber: number;
    let timestamp: number;
    let ssrc: number;
    let payload: Buffer | undefined;
    const b0 = datagram[0] ?? 0;
    if (datagram.length >= RTP_HEADER_LENGTH && b0 === 0x80) {
      payloadType = (datagram[1] as number) & 0x7f;
      // RTCP shares the version bits; its packet types 200–204 land on marker=1, PT 72–76.
      if (payloadType >= 72 && payloadType <= 76) {
        this.counters.invalidIn++;
        return;
      }
      sequenceNumber = ((datagram[2] as number) << 8) | (datagram[3] as number);
      timestamp = datagram.readUInt32BE(4);
      ssrc = datagram.readUInt32BE(8);
    } else {
      let packet: RtpPacket;
      try {
        packet = parseRtp(datagram);
      } catch {
        this.counters.invalidIn++;
        return;
      }
      ({ payloadType, sequenceNumber, timestamp, ssrc, payload } = packet);
    }
    const isEvent = payloadType === this.telephoneEventPt;
    const codec = isEvent ? undefined : payloadType === this.codecPt ? this.codec : codecForPayloadType(payloadType);
    const arrivalMs = performance.now();
    if (!isEvent && codec === undefined) {
      // Comfort noise (13) still proves the far end is alive; anything else we never offered.
      if (payloadType === 13) this.lastRxMs = arrivalMs;
      else this.counters.invalidIn++;
      return;
    }
    this.counters.packetsIn++;
    this.counters.bytesIn += datagram.length;
    this.lastRxMs = arrivalMs;
    this.timedOut = false;
    this.trackSequence(ssrc, sequenceNumber, timestamp, isEvent ? undefined : arrivalMs);

    if (isEvent) {
      // No latching on events: sipp replays DTMF pcaps from source port 0.
      const digit = this.detector.onPacket(ssrc, timestamp, payload ?? datagram.subarray(RTP_HEADER_LENGTH));
      if (digit !== undefined) this.emit('dtmf', digit);
      return;
    }
    if (!this.latched && rinfo.port !== 0) {
      this.latched = true;
      this.remoteAddr = { address: rinfo.address, port: rinfo.port };
      this.emit('latched', { ...this.remoteAddr });
    }
    this.lastAudioSsrc = ssrc;
    if (!this.recordsHeard && this.listenerCount('audio') === 0) return;
    const frame = decodeG711(codec as G711Codec, payload ?? datagram.subarray(RTP_HEADER_LENGTH));
    if (this.recordsHeard) for (const rec of this.recordings.values()) if (rec.chunks) record(rec, rec.chunks, frame, timestamp);
    this.emit('audio', frame);
  };

  private trackSequence(ssrc: number, sequenceNumber: number, timestamp: number, arrivalMs: number | undefined): void {
    let s = ssrc === this.lastSeqSsrc ? this.lastSeqState : this.seqStates.get(ssrc);
    if (!s) {
      if (this.seqStates.size >= MAX_TRACKED_SSRCS) {
        const [oldSsrc, old] = this.seqStates.entries().next().value as [number, SequenceState];
        this.lostFromDroppedSsrcs += Math.max(0, old.cycles + old.maxSeq - old.baseSeq + 1 - old.received);
        this.seqStates.delete(oldSsrc);
      }
      s = { baseSeq: sequenceNumber, maxSeq: sequenceNumber, cycles: 0, received: 0, transit: undefined, jitter: 0 };
      this.seqStates.set(ssrc, s);
    }
    this.lastSeqSsrc = ssrc;
    this.lastSeqState = s;
    const delta = (sequenceNumber - s.maxSeq) & 0xffff;
    if (delta !== 0 && delta < 0x8000) {
      if (sequenceNumber < s.maxSeq) s.cycles += 0x10000;
      s.maxSeq = sequenceNumber;
    }
    s.received++;
    if (arrivalMs !== undefined) {
      const transit = arrivalMs * SAMPLES_PER_MS - timestamp;
      if (s.transit !== undefined) {
        let d = Math.abs(transit - s.transit);
        // A timestamp wrap shows up as a 2^32 jump in transit; it is not jitter.
        if (d > 0x8000_0000) d = Math.abs(d - 0x1_0000_0000);
        s.jitter += (d - s.jitter) / 16;
      }
      s.transit = transit;
    }
  }
}

/** Call media on this thread: the default where no media workers run, and their stand-in if they cannot start. */
export const openOnThisThread: OpenMedia = (opts) => RtpEndpoint.open(opts);

/** Adds a heard frame to a recording, filling a timestamp gap (silence suppression, loss) with silence first. */
function record(rec: Recording, chunks: Int16Array[], frame: Int16Array, timestamp: number): void {
  if (rec.samples >= rec.maxSamples) return;
  if (rec.nextTs !== undefined) {
    const gap = (timestamp - rec.nextTs) | 0;
    if (gap < 0) return; // late or duplicate: its slot has already been filled
    if (gap > 0 && gap <= MAX_RECORD_GAP_SAMPLES) append(rec, chunks, new Int16Array(gap));
  }
  rec.nextTs = (timestamp + frame.length) >>> 0;
  append(rec, chunks, frame);
}

function append(rec: Recording, chunks: Int16Array[], samples: Int16Array): void {
  const room = rec.maxSamples - rec.samples;
  const part = samples.length <= room ? samples : samples.subarray(0, room);
  chunks.push(part);
  rec.samples += part.length;
}
