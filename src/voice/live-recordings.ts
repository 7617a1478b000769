// Recordings of a live call that run beside its TwiML: the Call Recordings API (`POST …/Calls/{CA}/Recordings.json`)
// and <Start><Recording>. Each one takes its own slot on the call's media endpoint, so it records beside a <Record>,
// a <Dial record> or the call's Record=true. It can be paused (the pause left out, or kept as silence), resumed and
// stopped through the API (or <Stop><Recording name>); it is stored, and its status callback told, when it stops or
// the call ends. Live state, like streams: what lasts is the stored recording, under the SID announced at the start.
import type { CallInfo, CallRecordingControl, RecordingMeta, RecordingSaved } from '../../actors/call/verb-context.js';
import type { StatusCallbackPost } from '../../actors/call/verbs/callbacks.js';
import { absentRecordingParams, completedRecordingParams, recordingStarted, recordingStatusCallback, soundBounds } from '../../actors/call/verbs/record.js';
import { concat, type MediaEndpoint } from '../../protocols/rtp/index.js';
import type { CallRecordingSpec, CallRecordingTrack } from '../../protocols/twiml/index.js';
import type { VoiceLogger } from '../../actors/call/voice-deps.js';

/** What a live recording needs of its call. */
export interface RecordedCall {
  readonly info: CallInfo;
  readonly media: MediaEndpoint;
  readonly ended: Promise<void>;
  /** Runs while the media is still open as the call ends. */
  beforeMediaClose(fn: () => Promise<void>): void;
}

export interface LiveRecordingsOptions {
  /** A SID and URL for a recording that starts now. */
  reserve(accountSid: string): { sid: string; url: string };
  save(call: CallInfo, pcm: Int16Array, meta: RecordingMeta): Promise<RecordingSaved>;
  /** A signed status callback, not awaited. */
  postCallback(accountSid: string, req: StatusCallbackPost): void;
  notify(accountSid: string, callSid: string, code: number, text: string): void;
  log: VoiceLogger;
}

export type LiveRecordingSource = 'StartCallRecordingAPI' | 'StartCallRecordingTwiML';
export type LiveRecordingStatus = 'in-progress' | 'paused' | 'stopped';
export type PauseBehavior = 'skip' | 'silence';

/** A live recording as the Recordings API answers it. */
export interface LiveRecordingView {
  sid: string;
  accountSid: string;
  /** The call recorded; null for a conference's recording. */
  callSid: string | null;
  conferenceSid: string | null;
  status: 'in-progress' | 'paused' | 'processing' | 'stopped';
  source: LiveRecordingSource | 'Conference';
  channels: 1 | 2;
  track: CallRecordingTrack;
  startTime: number;
  dateCreated: number;
  dateUpdated: number;
}

/** What the Recordings API shows of recordings not stored yet: live calls' and live rooms'. */
export interface LiveRecordingLookup {
  ofCall(callSid: string): LiveRecordingView[];
  ofConference(conferenceSid: string): LiveRecordingView[];
  ofAccount(accountSid: string): LiveRecordingView[];
  find(sid: string): LiveRecordingView | undefined;
}

/** Twilio's ceiling on the recordings one call may have at once; a bound on the audio held for a call. */
export const MAX_LIVE_RECORDINGS_PER_CALL = 4;
/** The most audio one recording keeps, over all its stretches between pauses. */
const MAX_RECORDING_MS = 3_600_000;

export class LiveRecordings {
  private readonly byCall = new Map<string, Map<string, LiveRecording>>();

  constructor(private readonly o: LiveRecordingsOptions) {}

  /** The handle a call's verbs use (<Start><Recording>, <Stop><Recording>). */
  forCall(call: RecordedCall): CallRecordingControl {
    return {
      start: (spec) => {
        if (this.start(call, spec, 'StartCallRecordingTwiML')) return true;
        this.o.notify(call.info.accountSid, call.info.sid, 21220, `<Start><Recording>: the call already has ${MAX_LIVE_RECORDINGS_PER_CALL} recordings in progress; not started`);
        return false;
      },
      stop: (name) => this.stopNamed(call.info.sid, name),
    };
  }

  /** Starts a recording of a live, answered call; undefined when the call already has its share. */
  start(call: RecordedCall, spec: CallRecordingSpec, source: LiveRecordingSource): LiveRecording | undefined {
    const callSid = call.info.sid;
    let live = this.byCall.get(callSid);
    if (live && live.size >= MAX_LIVE_RECORDINGS_PER_CALL) return undefined;
    if (!live) {
      const mine = new Map<string, LiveRecording>();
      live = mine;
      this.byCall.set(callSid, mine);
      // Stored while the media is still open; a recording started after that point ends with the call (absent).
      call.beforeMediaClose(() => Promise.all([...mine.values()].map((r) => r.stop())).then(() => undefined));
      void call.ended.then(() => {
        for (const r of mine.values()) void r.stop();
        this.byCall.delete(callSid);
      });
    }
    const recording = new LiveRecording(this.o, call, spec, source);
    live.set(recording.sid, recording);
    recording.start();
    // Once stored it is the stored recording the API shows; its audio is let go here.
    void recording.stored.then(() => live.delete(recording.sid));
    return recording;
  }

  /** The account's live recordings, on every call of this node. */
  ofAccount(accountSid: string): LiveRecording[] {
    const out: LiveRecording[] = [];
    for (const live of this.byCall.values()) for (const r of live.values()) if (r.status !== 'stopped' && r.view().accountSid === accountSid) out.push(r);
    return out;
  }

  /** A recording of any call by its SID, until it is stored. */
  findAny(sid: string): LiveRecording | undefined {
    for (const live of this.byCall.values()) {
      const r = live.get(sid);
      if (r) return r;
    }
    return undefined;
  }

  /** The call's live (in-progress or paused) recordings, oldest first; stopped ones still being stored are left out. */
  of(callSid: string): LiveRecording[] {
    return [...(this.byCall.get(callSid)?.values() ?? [])].filter((r) => r.status !== 'stopped');
  }

  find(callSid: string, sid: string): LiveRecording | undefined {
    return this.byCall.get(callSid)?.get(sid);
  }

  /** Stops the call's recordings of that name, or all it started by <Start><Recording> when none is named. */
  stopNamed(callSid: string, name: string | undefined): Promise<number> {
    const hits = this.of(callSid).filter((r) => (name === undefined ? r.source === 'StartCallRecordingTwiML' : r.name === name));
    return Promise.all(hits.map((r) => r.stop())).then(() => hits.length);
  }

  get liveCount(): number {
    let n = 0;
    for (const live of this.byCall.values()) for (const r of live.values()) if (r.status !== 'stopped') n++;
    return n;
  }
}

export class LiveRecording {
  readonly sid: string;
  readonly url: string;
  status: LiveRecordingStatus = 'in-progress';
  readonly startTime = Date.now();
  dateUpdated = this.startTime;
  /** The audio of the stretches already ended by a pause (interleaved when dual), and the silence kept for pauses. */
  private readonly pieces: Int16Array[] = [];
  private keptMs = 0;
  private pausedAt = 0;
  private pauseBehavior: PauseBehavior = 'silence';
  /** Changes run one at a time: each waits for the media worker's answer to the one before. */
  private queue: Promise<unknown> = Promise.resolve();
  private finished: Promise<void> | undefined;
  private markStored!: () => void;
  /** Resolves once it is stored (or found absent, or could not be): from then on it is not live. */
  readonly stored = new Promise<void>((r) => (this.markStored = r));
  private readonly channels: 1 | 2;
  private readonly callbacks: Parameters<typeof recordingStatusCallback>[1];
  private readonly settings: Parameters<typeof recordingStatusCallback>[0];

  constructor(
    private readonly o: LiveRecordingsOptions,
    private readonly call: RecordedCall,
    private readonly spec: CallRecordingSpec,
    readonly source: LiveRecordingSource,
  ) {
    const id = o.reserve(call.info.accountSid);
    this.sid = id.sid;
    this.url = id.url;
    this.channels = spec.channels === 'dual' ? 2 : 1;
    const info = call.info;
    this.callbacks = {
      call: info,
      postStatusCallback: (req) => o.postCallback(info.accountSid, req),
      notify: (code, detail) => o.notify(info.accountSid, info.sid, code, detail),
    };
    this.settings = {
      ...(spec.recordingStatusCallback !== undefined && { recordingStatusCallback: spec.recordingStatusCallback }),
      recordingStatusCallbackMethod: spec.recordingStatusCallbackMethod,
      recordingStatusCallbackEvent: spec.recordingStatusCallbackEvent,
    };
  }

  get name(): string | undefined {
    return this.spec.name;
  }

  /** As the API shows it: a stopped recording is `processing` until it is stored. */
  view(): LiveRecordingView {
    const c = this.call.info;
    return {
      sid: this.sid,
      accountSid: c.accountSid,
      callSid: c.sid,
      conferenceSid: null,
      status: this.status === 'stopped' ? 'processing' : this.status,
      source: this.source,
      channels: this.channels,
      track: this.spec.track,
      startTime: this.startTime,
      dateCreated: this.startTime,
      dateUpdated: this.dateUpdated,
    };
  }

  start(): void {
    this.record();
    const id = { sid: this.sid, url: this.url };
    recordingStarted(this.settings, { ...this.callbacks, newRecording: () => id }, this.startTime, this.source, this.channels, id);
  }

  /** Pauses; the pause is left out of the recording (skip) or kept as silence. A paused recording stays paused. */
  pause(behavior: PauseBehavior): Promise<LiveRecordingView> {
    return this.change(async () => {
      if (this.status !== 'in-progress') return;
      this.status = 'paused';
      this.pausedAt = Date.now();
      this.pauseBehavior = behavior;
      await this.endStretch();
    });
  }

  resume(): Promise<LiveRecordingView> {
    return this.change(async () => {
      if (this.status !== 'paused') return;
      this.keepPause(Date.now());
      this.status = 'in-progress';
      this.record();
    });
  }

  /** Stops, then stores the recording and tells its status callback; resolves once that is done. Safe to call twice. */
  stop(): Promise<void> {
    this.finished ??= this.change(async () => {
      const was = this.status;
      this.status = 'stopped';
      if (was === 'in-progress') await this.endStretch();
      else if (was === 'paused') this.keepPause(Date.now());
    })
      .then(() => this.store())
      .finally(() => {
        this.pieces.length = 0;
        this.markStored();
      });
    return this.finished;
  }

  /** The view as it is once the change has taken effect. */
  private change(fn: () => Promise<void>): Promise<LiveRecordingView> {
    const next = this.queue.then(fn).then(() => {
      this.dateUpdated = Date.now();
      return this.view();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private record(): void {
    const maxMs = Math.max(0, MAX_RECORDING_MS - this.keptMs);
    this.call.media.startRecording({ slot: this.sid, track: this.spec.track, dual: this.channels === 2, maxMs });
  }

  private async endStretch(): Promise<void> {
    const pcm = await this.call.media.stopRecording(this.sid);
    this.pieces.push(pcm);
    this.keptMs += pcm.length / this.channels / 8;
  }

  /** A pause kept as silence, up to `until`. */
  private keepPause(until: number): void {
    if (this.pauseBehavior !== 'silence') return;
    const ms = Math.min(until - this.pausedAt, MAX_RECORDING_MS - this.keptMs);
    if (ms <= 0) return;
    this.pieces.push(new Int16Array(Math.round(ms * 8) * this.channels));
    this.keptMs += ms;
  }

  private async store(): Promise<void> {
    const all = concat(this.pieces);
    const pcm = this.spec.trim === 'trim-silence' ? trim(all, this.channels) : all;
    if (pcm.length === 0) {
      recordingStatusCallback(this.settings, this.callbacks, 'absent', absentRecordingParams({ sid: this.sid, url: this.url }, this.startTime));
      return;
    }
    try {
      const saved = await this.o.save(this.call.info, pcm, { source: this.source, sid: this.sid, channels: this.channels, track: this.spec.track });
      recordingStatusCallback(this.settings, this.callbacks, 'completed', completedRecordingParams(saved, this.startTime, this.source));
    } catch (err) {
      // The disk refused it (full, gone): nothing is announced as completed that cannot be fetched.
      this.o.log.error({ err, callSid: this.call.info.sid, recordingSid: this.sid }, 'call recording could not be stored');
    }
  }
}

/** Leading and trailing silence cut off; for two channels, where either channel has sound counts. */
function trim(pcm: Int16Array, channels: 1 | 2): Int16Array {
  if (channels === 1) {
    const b = soundBounds(pcm);
    return b ? pcm.subarray(b.start, b.end) : pcm.subarray(0, 0);
  }
  const n = pcm.length / 2;
  const left = new Int16Array(n);
  const right = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    left[i] = pcm[2 * i]!;
    right[i] = pcm[2 * i + 1]!;
  }
  const l = soundBounds(left);
  const r = soundBounds(right);
  if (!l && !r) return pcm.subarray(0, 0);
  const start = Math.min(l?.start ?? n, r?.start ?? n);
  const end = Math.max(l?.end ?? 0, r?.end ?? 0);
  return pcm.subarray(start * 2, end * 2);
}
