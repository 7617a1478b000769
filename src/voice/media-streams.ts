// Twilio Media Streams for live calls: each stream sends the caller's audio (20 ms μ-law frames, base64 in JSON) to
// a WebSocket app as it arrives; a bidirectional one (<Connect><Stream>) also plays the app's audio to the caller,
// answers its marks once the audio before them has played, and empties what is queued on `clear`. Streams are
// live state, like Twilio's: kept in memory while the call lasts, listed nowhere after it.
import { decodeG711, encodeG711, type MediaEndpoint } from '../../protocols/rtp/index.js';
import { StreamCode, StreamMessages, StreamSocket, parseAppMessage } from '../../protocols/media-stream/index.js';
import type { StreamNoun } from '../../protocols/twiml/index.js';
import type { CallInfo, CallStreams, StreamHandle } from '../../actors/call/verb-context.js';
import type { VoiceLogger } from '../../actors/call/voice-deps.js';
import type { NewNotification } from '../notifications/notifications.js';
import { newSid } from '../util/sid.js';
import { MAX_QUEUED_MS, StreamPlayback } from './stream-playback.js';

/** What a stream needs of its call. */
export interface StreamedCall {
  readonly info: CallInfo;
  readonly media: MediaEndpoint;
  readonly ended: Promise<void>;
}

export interface MediaStreamsOptions {
  authToken(accountSid: string): string | undefined;
  notify(n: NewNotification): void;
  /** A signed status callback, not awaited. */
  postCallback(accountSid: string, req: { url: string; method: 'GET' | 'POST'; params: Record<string, string> }): void;
  log: VoiceLogger;
  /** Deadline on the WebSocket handshake. */
  connectTimeoutMs?: number;
  /** Unsent bytes a socket may hold before audio frames are dropped (about 10 s of audio by default). */
  maxBufferedBytes?: number;
}

/** Twilio's limits: four one-way streams and one two-way stream per call. */
const MAX_UNIDIRECTIONAL = 4;
const MAX_BIDIRECTIONAL = 1;

export type StreamStatus = 'in-progress' | 'stopped';

/** A stream as the Streams API answers it. */
export interface StreamView {
  sid: string;
  accountSid: string;
  callSid: string;
  name: string | null;
  status: StreamStatus;
  dateUpdated: number;
}

export class MediaStreams {
  private readonly byCall = new Map<string, Map<string, MediaStream>>();

  constructor(private readonly o: MediaStreamsOptions) {}

  /** The streams handle a call's verbs use. */
  forCall(call: StreamedCall): CallStreams {
    return {
      start: (spec, bidirectional) => this.start(call, spec, bidirectional),
      stop: (nameOrSid) => this.stop(call.info.sid, nameOrSid),
    };
  }

  /** Starts a stream on a live call; undefined (with a notification) when the call already has its share. */
  start(call: StreamedCall, spec: StreamNoun, bidirectional: boolean): MediaStream | undefined {
    const problem = this.refusal(call.info.sid, spec, bidirectional);
    if (problem === undefined) return this.begin(call, spec, bidirectional);
    this.o.notify({ accountSid: call.info.accountSid, callSid: call.info.sid, errorCode: StreamCode.ProtocolError, text: `Stream not started: ${problem}` });
    return undefined;
  }

  /** Why the call cannot have this stream now (a name it already streams under, or its share of streams), if so. */
  refusal(callSid: string, spec: StreamNoun, bidirectional: boolean): string | undefined {
    const live = [...(this.byCall.get(callSid)?.values() ?? [])];
    if (spec.name !== undefined && live.some((s) => s.name === spec.name)) return `the call already has a stream named "${spec.name}"`;
    if (live.filter((s) => s.bidirectional === bidirectional).length >= (bidirectional ? MAX_BIDIRECTIONAL : MAX_UNIDIRECTIONAL)) {
      return `a call may have ${bidirectional ? 'one bidirectional stream' : `${MAX_UNIDIRECTIONAL} unidirectional streams`} at a time`;
    }
    return undefined;
  }

  /** Starts a stream the caller has checked with refusal(). */
  begin(call: StreamedCall, spec: StreamNoun, bidirectional: boolean): MediaStream {
    const callSid = call.info.sid;
    let streams = this.byCall.get(callSid);
    if (!streams) {
      streams = new Map();
      this.byCall.set(callSid, streams);
      void call.ended.then(() => {
        for (const s of this.byCall.get(callSid)?.values() ?? []) s.stop();
      });
    }
    const stream = new MediaStream(this.o, call, spec, bidirectional);
    streams.set(stream.sid, stream);
    void stream.over.then(() => {
      streams.delete(stream.sid);
      if (streams.size === 0 && this.byCall.get(callSid) === streams) this.byCall.delete(callSid);
    });
    stream.run();
    return stream;
  }

  /** Stops the named (or SID'd) stream, or all of the call's; how many. */
  stop(callSid: string, nameOrSid?: string): number {
    const streams = this.byCall.get(callSid);
    if (!streams) return 0;
    let n = 0;
    for (const s of [...streams.values()]) {
      if (nameOrSid === undefined || s.sid === nameOrSid || s.name === nameOrSid) {
        s.stop();
        n++;
      }
    }
    return n;
  }

  find(callSid: string, nameOrSid: string): MediaStream | undefined {
    for (const s of this.byCall.get(callSid)?.values() ?? []) if (s.sid === nameOrSid || s.name === nameOrSid) return s;
    return undefined;
  }

  get liveCount(): number {
    let n = 0;
    for (const streams of this.byCall.values()) n += streams.size;
    return n;
  }
}

class MediaStream implements StreamHandle {
  readonly sid = newSid('MZ');
  status: StreamStatus = 'in-progress';
  dateUpdated = Date.now();
  readonly over: Promise<void>;
  private finish!: () => void;
  private socket: StreamSocket | undefined;
  private readonly messages: StreamMessages;
  private stopping = false;
  /** Frames sent per track, counted from 1 as Twilio's `chunk` is. */
  private inboundChunk = 0;
  private outboundChunk = 0;
  private startedAt = 0;
  /** What a bidirectional stream's app sends to play. */
  private playback: StreamPlayback | undefined;
  private warnedUnidirectional = false;
  private warnedMalformed = false;
  private readonly frame = new Uint8Array(160);

  constructor(
    private readonly o: MediaStreamsOptions,
    private readonly call: StreamedCall,
    private readonly spec: StreamNoun,
    readonly bidirectional: boolean,
  ) {
    this.messages = new StreamMessages(this.sid);
    this.over = new Promise((r) => (this.finish = r));
  }

  get name(): string | null {
    return this.spec.name ?? null;
  }

  view(): StreamView {
    const c = this.call.info;
    return { sid: this.sid, accountSid: c.accountSid, callSid: c.sid, name: this.name, status: this.status, dateUpdated: this.dateUpdated };
  }

  run(): void {
    void this.open().catch((err: unknown) => {
      this.o.log.error({ err, callSid: this.call.info.sid, streamSid: this.sid }, 'media stream failed');
      this.end();
    });
  }

  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    const s = this.socket;
    if (s) {
      s.send(this.messages.stop(this.call.info.accountSid, this.call.info.sid));
      s.close();
    }
    this.end();
  }

  private async open(): Promise<void> {
    const { accountSid, sid: callSid } = this.call.info;
    const token = this.o.authToken(accountSid);
    const opened = await StreamSocket.open({
      url: this.spec.url,
      authToken: token ?? '',
      timeoutMs: this.o.connectTimeoutMs ?? 10_000,
      maxBufferedBytes: this.o.maxBufferedBytes ?? 1 << 20,
    });
    if (!opened.ok) {
      this.notify(opened.code, opened.message);
      this.callback('stream-error', opened.message);
      this.end();
      return;
    }
    const socket = opened.socket;
    if (this.stopping) {
      socket.close(); // stopped (or the call ended) while it connected
      return;
    }
    this.socket = socket;
    socket.onClose(() => {
      this.unsubscribe();
      this.end();
    });
    socket.onMessage((text) => this.fromApp(text));
    socket.send(this.messages.connected());
    const track = this.spec.track;
    const tracks: ('inbound' | 'outbound')[] = track === 'both_tracks' ? ['inbound', 'outbound'] : track === 'outbound_track' ? ['outbound'] : ['inbound'];
    socket.send(this.messages.start({ streamSid: this.sid, accountSid, callSid, tracks, customParameters: this.spec.parameters }));
    this.startedAt = performance.now();
    this.callback('stream-started');
    if (tracks.includes('inbound')) this.call.media.on('audio', this.onInbound);
    if (tracks.includes('outbound')) this.call.media.on('sent', this.onOutbound);
    if (this.bidirectional) {
      this.call.media.on('dtmf', this.onDigit);
      this.playback = new StreamPlayback(this.call.media, (name) => this.socket?.send(this.messages.mark(name)));
    }
  }

  /** What the caller says. */
  private readonly onInbound = (pcm: Int16Array): void => this.sendFrame('inbound', ++this.inboundChunk, pcm);
  /** What the caller hears from tandem (prompts, the other party of a <Dial>), silence included. */
  private readonly onOutbound = (pcm: Int16Array): void => this.sendFrame('outbound', ++this.outboundChunk, pcm);

  private sendFrame(track: 'inbound' | 'outbound', chunk: number, pcm: Int16Array): void {
    const socket = this.socket;
    if (!socket) return;
    const frame = pcm.length === this.frame.length ? this.frame : new Uint8Array(pcm.length);
    encodeG711('PCMU', pcm, 0, pcm.length, frame, 0);
    socket.sendAudio(this.messages.media(track, chunk, Math.round(performance.now() - this.startedAt), frame));
  }

  private readonly onDigit = (digit: string): void => {
    this.socket?.send(this.messages.dtmf(digit));
  };

  private fromApp(text: string | undefined): void {
    if (text === undefined) {
      if (!this.warnedMalformed) {
        this.warnedMalformed = true;
        this.notify(StreamCode.MalformedMessage, 'the app sent a binary WebSocket message: Media Streams messages are JSON text', 'warning');
      }
      return;
    }
    if (!this.bidirectional) {
      if (!this.warnedUnidirectional) {
        this.warnedUnidirectional = true;
        this.notify(StreamCode.ProtocolError, 'the app sent a message on a <Start><Stream>, which is one-way: use <Connect><Stream> to send audio back', 'warning');
      }
      return;
    }
    const parsed = parseAppMessage(text);
    if (!parsed.ok) {
      this.notify(StreamCode.ProtocolError, `the app sent a message tandem cannot use (${parsed.problem}); ignored`, 'warning');
      return;
    }
    const m = parsed.message;
    switch (m.event) {
      case 'media':
        this.playback?.audio(decodeG711('PCMU', m.mulaw));
        return;
      case 'mark':
        this.playback?.mark(m.name);
        return;
      case 'clear':
        this.playback?.clear();
        return;
    }
  }

  private unsubscribe(): void {
    this.call.media.off('audio', this.onInbound);
    this.call.media.off('sent', this.onOutbound);
    this.call.media.off('dtmf', this.onDigit);
  }

  private end(): void {
    if (this.status === 'stopped') return;
    this.unsubscribe();
    const wasOpen = this.socket !== undefined;
    this.status = 'stopped';
    this.dateUpdated = Date.now();
    const droppedFrames = this.socket?.dropped ?? 0;
    if (droppedFrames > 0) {
      this.o.log.warn({ callSid: this.call.info.sid, streamSid: this.sid, droppedFrames }, 'media stream: the app read too slowly; caller audio frames were dropped');
    }
    const droppedMs = (this.playback?.dropped ?? 0) / 8;
    if (droppedMs > 0) {
      this.notify(StreamCode.ProtocolError, `the app sent more than ${MAX_QUEUED_MS / 1000} s of audio ahead of playback: ${Math.round(droppedMs)} ms of it was dropped`, 'warning');
    }
    if (wasOpen) this.callback('stream-stopped');
    this.finish();
  }

  private callback(event: 'stream-started' | 'stream-stopped' | 'stream-error', error?: string): void {
    if (!this.spec.statusCallback) return;
    const c = this.call.info;
    this.o.postCallback(c.accountSid, {
      url: this.spec.statusCallback,
      method: this.spec.statusCallbackMethod,
      params: {
        AccountSid: c.accountSid,
        CallSid: c.sid,
        StreamSid: this.sid,
        StreamName: this.spec.name ?? this.sid,
        StreamEvent: event,
        ...(error !== undefined && { StreamError: error }),
        Timestamp: new Date().toISOString(),
      },
    });
  }

  private notify(code: number, text: string, level: 'error' | 'warning' = 'error'): void {
    this.o.notify({ accountSid: this.call.info.accountSid, callSid: this.call.info.sid, errorCode: code, text, log: level === 'error' ? 0 : 1 });
  }
}

