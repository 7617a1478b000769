// Conference rooms, live: who is in each (muted, on hold, how they start and end it), when a room starts (the first
// participant with startConferenceOnEnter; those before it wait, hearing their waitUrl), when it ends (the last one
// leaves, one with endConferenceOnExit leaves, or the API ends it), the beeps, and the conference status callbacks.
// The audio is conference-mixer.ts; the records conference-store.ts. A room lives on the node its calls run on.
import { beep } from '../../protocols/rtp/index.js';
import type { MediaEndpoint } from '../../protocols/rtp/index.js';
import type { ConferenceEvent, DialConference, HttpMethod, RecordingEvent } from '../../protocols/twiml/index.js';
import type { CallConferenceAccess, ConferenceSeat, HeldWithMusic, HoldMusic } from '../../actors/call/verb-context.js';
import type { ConferenceRecord } from '../store/records.js';
import { rfc2822 } from '../util/time.js';
import { ConferenceMixer } from './conference-mixer.js';
import { RoomRecording } from './room-recording.js';
import type { LiveRecordingView } from './live-recordings.js';
import type { ConferenceStore } from './conference-store.js';

export interface ConferenceLeg {
  readonly sid: string;
  readonly accountSid: string;
  readonly media: MediaEndpoint;
}

export interface ConferencesOptions {
  store: ConferenceStore;
  /** A SID and URL for a room's recording that starts now (its in-progress callback names them). */
  newRecording(accountSid: string): { sid: string; url: string };
  /** Stores a room's recording (source Conference) under the SID reserved at its start, and says where it is served. */
  saveRecording(r: { accountSid: string; conferenceSid: string; pcm: Int16Array; startTime: number; sid: string }): Promise<{ sid: string; url: string; durationSeconds: number }>;
  /** A signed, fire-and-forget status callback. */
  postCallback(accountSid: string, req: { url: string; method: HttpMethod; params: Record<string, string> }): void;
  log: { error(obj: object, msg?: string): void };
}

type EndReason = NonNullable<ConferenceRecord['reasonConferenceEnded']>;

/** Twilio's join/leave tone: short and soft, mixed over the conversation. */
const BEEP = beep(300, 880);
/** A room's recording is held in memory until the room ends: two hours of 8 kHz audio (about 115 MB) at most. */
export const CONFERENCE_RECORDING_MAX_S = 2 * 3600;

export class Participant implements ConferenceSeat {
  readonly joinedAt = Date.now();
  dateUpdated = this.joinedAt;
  muted: boolean;
  hold = false;
  /** Coaching: the call SID of the participant who alone hears this one. */
  coaching: string | undefined;
  /** The HoldUrl music of the hold now, if it has one; aborted when the hold ends or other music replaces it. */
  private holding: { music: HoldMusic; over: AbortController } | undefined;
  private holdWaiter: ((h: HeldWithMusic) => void) | undefined;
  private waitMusic: HoldMusic | undefined;
  private waitCtl = new AbortController();
  readonly startConferenceOnEnter: boolean;
  readonly endConferenceOnExit: boolean;
  readonly label: string | null;
  private readonly out = new AbortController();

  constructor(readonly room: Room, readonly leg: ConferenceLeg, noun: DialConference) {
    this.muted = noun.muted;
    this.coaching = noun.coach;
    this.startConferenceOnEnter = noun.startConferenceOnEnter;
    this.endConferenceOnExit = noun.endConferenceOnExit;
    this.label = noun.participantLabel ?? null;
  }

  get callSid(): string {
    return this.leg.sid;
  }

  get conferenceSid(): string {
    return this.room.sid;
  }

  get started(): AbortSignal {
    return this.room.startedSignal;
  }

  get left(): AbortSignal {
    return this.out.signal;
  }

  /** What the mixer asks each tick. */
  get speaks(): boolean {
    return !this.muted && !this.hold;
  }

  get hears(): boolean {
    return !this.hold;
  }

  get coaches(): string | undefined {
    return this.coaching;
  }

  leave(): void {
    this.room.leave(this, false);
  }

  get wait(): { music: HoldMusic | undefined; replaced: AbortSignal } {
    return { music: this.waitMusic, replaced: this.waitCtl.signal };
  }

  /** New wait music (the Participants API's WaitUrl): heard from now until the room starts. */
  setWait(music: HoldMusic): void {
    this.waitMusic = music;
    const old = this.waitCtl;
    this.waitCtl = new AbortController();
    old.abort();
    this.dateUpdated = Date.now();
  }

  nextHold(signal: AbortSignal): Promise<HeldWithMusic | undefined> {
    const now = this.holding;
    if (now && !now.over.signal.aborted) return Promise.resolve({ ...now.music, over: now.over.signal });
    return new Promise((resolve) => {
      const give = (h: HeldWithMusic | undefined) => {
        this.holdWaiter = undefined;
        signal.removeEventListener('abort', none);
        resolve(h);
      };
      const none = () => give(undefined);
      if (signal.aborted) return none();
      this.holdWaiter = give;
      signal.addEventListener('abort', none, { once: true });
    });
  }

  /** On or off hold; on hold with music, the participant's call plays it (nextHold) until the hold ends. */
  setHold(hold: boolean, music: HoldMusic | undefined): void {
    this.hold = hold;
    this.holding?.over.abort();
    this.holding = hold && music ? { music, over: new AbortController() } : undefined;
    if (this.holding) this.holdWaiter?.({ ...this.holding.music, over: this.holding.over.signal });
  }

  /** The room let it go. */
  release(): void {
    this.out.abort();
  }
}

export class Room {
  readonly participants = new Map<string, Participant>();
  private readonly startCtl = new AbortController();
  private readonly mixer = new ConferenceMixer();
  private callback: { url: string; method: HttpMethod; events: ReadonlySet<ConferenceEvent> } | undefined;
  private beeps: DialConference['beep'] = 'true';
  /** Set by the room's first participant: record the mix from the start, and where to say so. */
  private recordAs: Pick<DialConference, 'recordingStatusCallback' | 'recordingStatusCallbackMethod' | 'recordingStatusCallbackEvent'> | undefined;
  /** The mix being recorded (or paused, or stopped through the API) since the room started. */
  private recording: RoomRecording | undefined;
  private sequence = 0;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly conferences: Conferences,
    public record: ConferenceRecord,
  ) {}

  get sid(): string {
    return this.record.sid;
  }

  get startedSignal(): AbortSignal {
    return this.startCtl.signal;
  }

  get over(): boolean {
    return this.record.status === 'completed';
  }

  /** Undefined when the room is full (or over). */
  join(leg: ConferenceLeg, noun: DialConference): Participant | undefined {
    if (this.over || this.participants.size >= noun.maxParticipants) return undefined;
    if (!this.callback && noun.statusCallback !== undefined) {
      // The conference's events go where the first participant asking for them said (as on Twilio).
      this.callback = { url: noun.statusCallback, method: noun.statusCallbackMethod, events: new Set(noun.statusCallbackEvent) };
    }
    if (this.participants.size === 0 && !this.startCtl.signal.aborted) {
      this.beeps = noun.beep;
      this.recordAs = noun.record === 'record-from-start' ? noun : undefined;
    }
    const p = new Participant(this, leg, noun);
    this.participants.set(leg.sid, p);
    if (this.startCtl.signal.aborted) {
      if (this.beeps === 'true' || this.beeps === 'onEnter') this.mixer.sound(BEEP);
      this.mixer.add(p.callSid, p.leg.media, p);
    }
    this.event('join', 'participant-join', p);
    if (!this.startCtl.signal.aborted && p.startConferenceOnEnter) this.start();
    return p;
  }

  /** Out of the room (it left, or `kicked` through the API); the room may end with it. */
  leave(p: Participant, kicked: boolean): void {
    if (this.participants.get(p.callSid) !== p) return;
    this.participants.delete(p.callSid);
    this.mixer.remove(p.callSid);
    p.release();
    this.event('leave', 'participant-leave', p);
    if (this.over) return;
    const started = this.startCtl.signal.aborted;
    if (started && p.endConferenceOnExit) {
      return this.end(kicked ? 'participant-with-end-conference-on-exit-kicked' : 'participant-with-end-conference-on-exit-left', p.callSid);
    }
    if (this.participants.size === 0) return this.end(kicked ? 'last-participant-kicked' : 'last-participant-left', p.callSid);
    if (started && (this.beeps === 'true' || this.beeps === 'onExit')) this.mixer.sound(BEEP);
  }

  /** Ends the conference: everyone still in it leaves (their <Dial> goes on to its action or next verb). */
  end(reason: EndReason, callSid: string | null = null): void {
    if (this.over) return;
    this.update({ status: 'completed', reasonConferenceEnded: reason, callSidEndingConference: callSid });
    const recording = this.recording;
    const recorded = recording && recording.status !== 'stopped' ? recording.finish() : undefined;
    for (const p of [...this.participants.values()]) this.leave(p, false);
    this.mixer.stop();
    if (recording && recorded && this.recordAs) void this.saveRecording(recording, recorded, this.recordAs);
    this.event('end', 'conference-end', undefined, { ReasonConferenceEnded: reason, ...(callSid && { CallSidEndingConference: callSid }) });
    this.conferences.closed(this);
  }

  /** Plays `pcm` to everyone in the room, over the conversation; false when the room has not started (nobody to hear). */
  announce(pcm: Int16Array): boolean {
    if (!this.startCtl.signal.aborted || this.over) return false;
    this.mixer.sound(pcm);
    return true;
  }

  /** Coaching `callSid` (a participant of this room), or coaching nobody: heard by everyone again. */
  setCoaching(p: Participant, callSid: string | undefined): void {
    p.coaching = callSid;
    p.dateUpdated = Date.now();
  }

  setMuted(p: Participant, muted: boolean): void {
    if (p.muted === muted) return;
    p.muted = muted;
    p.dateUpdated = Date.now();
    this.event('mute', muted ? 'participant-mute' : 'participant-unmute', p);
  }

  /** Hold with `music` (a HoldUrl) plays it to the participant; a held participant given new music hears that instead. */
  setHold(p: Participant, hold: boolean, music?: HoldMusic): void {
    const changed = p.hold !== hold;
    if (!changed && !(hold && music)) return;
    p.setHold(hold, music);
    p.dateUpdated = Date.now();
    if (changed) this.event('hold', hold ? 'participant-hold' : 'participant-unhold', p);
  }

  /** A room opened ahead of its first participant (the Participants API by name) ends if nobody has joined by then. */
  endIfStillEmpty(afterMs: number): void {
    setTimeout(() => {
      if (this.participants.size === 0 && !this.startCtl.signal.aborted) this.end('last-participant-left');
    }, afterMs).unref();
  }

  /** The room's recording while it is in progress or paused (the Conference Recordings API shows and changes it). */
  get liveRecording(): RoomRecording | undefined {
    return this.recording?.status === 'stopped' ? undefined : this.recording;
  }

  /** The live recording as the Recordings API shows it. */
  liveRecordingView(): LiveRecordingView | undefined {
    const rec = this.liveRecording;
    if (!rec) return undefined;
    return {
      sid: rec.id.sid,
      accountSid: this.record.accountSid,
      callSid: null,
      conferenceSid: this.sid,
      status: rec.status === 'paused' ? 'paused' : 'in-progress',
      source: 'Conference',
      channels: 1,
      track: 'both',
      startTime: rec.startTime,
      dateCreated: rec.startTime,
      dateUpdated: rec.dateUpdated,
    };
  }

  /** Stops the room's recording now (the room goes on); stored and announced as at the room's end. */
  stopRecording(): void {
    const recording = this.recording;
    if (!recording || recording.status === 'stopped' || !this.recordAs) return;
    void this.saveRecording(recording, recording.finish(), this.recordAs);
  }

  /** Stored before the next change is (each save waits for the one before). */
  whenSaved(): Promise<void> {
    return this.saving;
  }

  private start(): void {
    this.update({ status: 'in-progress' });
    this.startCtl.abort();
    if (this.recordAs) {
      const recording = new RoomRecording(this.mixer, this.conferences.newRecording(this.record.accountSid), CONFERENCE_RECORDING_MAX_S * 8000);
      this.recording = recording;
      this.tellRecording(this.recordAs, 'in-progress', {
        RecordingSid: recording.id.sid,
        RecordingUrl: recording.id.url,
        RecordingStartTime: rfc2822(recording.startTime)!,
      });
    }
    for (const p of this.participants.values()) this.mixer.add(p.callSid, p.leg.media, p);
    this.event('start', 'conference-start');
  }

  /** Tells recordingStatusCallback of `event` when it asked for it. */
  private tellRecording(as: NonNullable<Room['recordAs']>, event: RecordingEvent, params: Record<string, string>): void {
    const r = this.record;
    if (as.recordingStatusCallback === undefined || !as.recordingStatusCallbackEvent.includes(event)) return;
    this.conferences.postCallback(r.accountSid, {
      url: as.recordingStatusCallback,
      method: as.recordingStatusCallbackMethod,
      params: { AccountSid: r.accountSid, ConferenceSid: r.sid, RecordingStatus: event, RecordingSource: 'Conference', RecordingChannels: '1', ...params },
    });
  }

  /** Stores the mix and tells recordingStatusCallback: `completed`, or `absent` when nobody made a sound. */
  private async saveRecording(recording: RoomRecording, pcm: Int16Array, as: NonNullable<Room['recordAs']>): Promise<void> {
    const r = this.record;
    const id = recording.id;
    const heard = pcm.some((v) => v !== 0);
    const tell = (event: 'completed' | 'absent', params: Record<string, string>) => this.tellRecording(as, event, { RecordingSid: id.sid, ...params });
    if (!heard) return tell('absent', {});
    try {
      const saved = await this.conferences.saveRecording({ accountSid: r.accountSid, conferenceSid: r.sid, pcm, startTime: recording.startTime, sid: id.sid });
      tell('completed', {
        RecordingSid: saved.sid,
        RecordingUrl: saved.url,
        RecordingDuration: String(saved.durationSeconds),
        RecordingStartTime: rfc2822(recording.startTime)!,
      });
    } catch (err) {
      this.conferences.log.error({ err, conferenceSid: r.sid }, 'conference recording could not be stored');
    }
  }

  private update(patch: Partial<ConferenceRecord>): void {
    this.record = { ...this.record, ...patch, dateUpdated: Date.now() };
    const record = this.record;
    this.saving = this.saving
      .then(() => this.conferences.store.save(record))
      .catch((err: unknown) => this.conferences.log.error({ err, conferenceSid: record.sid }, 'conference record could not be stored'));
  }

  private event(kind: ConferenceEvent, name: string, p?: Participant, extra: Record<string, string> = {}): void {
    const cb = this.callback;
    if (!cb || !cb.events.has(kind)) return;
    const r = this.record;
    const params: Record<string, string> = {
      AccountSid: r.accountSid,
      ConferenceSid: r.sid,
      FriendlyName: r.friendlyName,
      StatusCallbackEvent: name,
      SequenceNumber: String(this.sequence++),
      Timestamp: rfc2822(Date.now())!,
      ...extra,
    };
    if (p) {
      params.CallSid = p.callSid;
      params.Muted = String(p.muted);
      params.Hold = String(p.hold);
      params.Coaching = 'false';
      params.EndConferenceOnExit = String(p.endConferenceOnExit);
      params.StartConferenceOnEnter = String(p.startConferenceOnEnter);
      if (p.label !== null) params.ParticipantLabel = p.label;
    }
    this.conferences.postCallback(r.accountSid, { url: cb.url, method: cb.method, params });
  }
}

export class Conferences {
  readonly store: ConferenceStore;
  readonly log: ConferencesOptions['log'];
  readonly postCallback: ConferencesOptions['postCallback'];
  readonly saveRecording: ConferencesOptions['saveRecording'];
  readonly newRecording: ConferencesOptions['newRecording'];
  /** Live rooms by `${accountSid} ${friendlyName}`, and by sid. */
  private readonly byName = new Map<string, Room>();
  private readonly bySid = new Map<string, Room>();

  constructor(o: ConferencesOptions) {
    this.store = o.store;
    this.log = o.log;
    this.postCallback = o.postCallback;
    this.saveRecording = o.saveRecording;
    this.newRecording = o.newRecording;
  }

  forCall(leg: ConferenceLeg): CallConferenceAccess {
    return {
      join: async (noun) => {
        const room = await this.open(leg.accountSid, noun.name);
        return room.join(leg, noun) ?? { full: true, conferenceSid: room.sid };
      },
    };
  }

  /** The account's live room of that name, opened (status `init`, stored) if it has none. */
  async open(accountSid: string, friendlyName: string): Promise<Room> {
    const key = `${accountSid} ${friendlyName}`;
    let room = this.byName.get(key);
    if (!room) {
      room = new Room(this, this.store.fresh(accountSid, friendlyName));
      this.byName.set(key, room);
      this.bySid.set(room.sid, room);
      await this.store.save(room.record);
    }
    return room;
  }

  /** The live room whose recording, in progress or paused, has this SID. */
  recordingRoom(recordingSid: string): Room | undefined {
    for (const r of this.bySid.values()) if (r.liveRecording?.id.sid === recordingSid) return r;
    return undefined;
  }

  /** A live room of the account. */
  room(accountSid: string, sid: string): Room | undefined {
    const r = this.bySid.get(sid);
    return r?.record.accountSid === accountSid ? r : undefined;
  }

  /** A live room by its SID, of any account. */
  roomBySid(sid: string): Room | undefined {
    return this.bySid.get(sid);
  }

  /** The account's live rooms. */
  liveRooms(accountSid: string): Room[] {
    return [...this.bySid.values()].filter((r) => r.record.accountSid === accountSid);
  }

  /** Participants in every live room of this node (for /metrics). */
  get participants(): number {
    let n = 0;
    for (const r of this.bySid.values()) n += r.participants.size;
    return n;
  }

  closed(room: Room): void {
    this.bySid.delete(room.sid);
    const key = `${room.record.accountSid} ${room.record.friendlyName}`;
    if (this.byName.get(key) === room) this.byName.delete(key);
  }
}
