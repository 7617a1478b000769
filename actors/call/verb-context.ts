// The contract between a call-session actor and the voice verb handlers (one file per verb under ./verbs/).
// The call session owns the SIP dialog, the RTP endpoint, the call record and the webhooks; a verb handler only
// uses what this context offers, so verbs stay small and the call-session actor stays thin.
import type { MediaEndpoint, TextToSpeech } from '../../protocols/rtp/index.js';
import type { VoiceVerb, DialVerb, DialConference, StreamNoun, CallRecordingSpec } from '../../protocols/twiml/index.js';
import type { ReferOutcome } from './sip-refer.js';

export type CallDirection = 'inbound' | 'outbound-api' | 'outbound-dial';

export interface CallInfo {
  sid: string;
  accountSid: string;
  from: string;
  to: string;
  direction: CallDirection;
  parentCallSid: string | null;
  /** The URL the current document came from: the default `action` of Gather and Record. */
  documentUrl: string | null;
}

/** What running one verb decided about the rest of the call. */
export type VerbOutcome =
  /** Go on with the next verb of the current document. */
  | { next: 'continue' }
  /** Replace the current document with these verbs (an action URL answered, or Redirect). */
  | { next: 'document'; verbs: VoiceVerb[]; documentUrl: string }
  /** End the call (Hangup, Reject, or an error that Twilio ends the call on). */
  | { next: 'hangup'; reason: 'hangup' | 'rejected' | 'busy' | 'error' | 'remote' };

export interface ActionRequest {
  url: string;
  method: 'GET' | 'POST';
  /** Verb results (Digits, RecordingUrl, DialCallStatus, …) added to the standard voice parameters. */
  params: Record<string, string>;
}

/** Where a recording of the call comes from, and the SID reserved for it when it started (newRecording). */
export interface RecordingMeta {
  source: 'RecordVerb' | 'DialVerb' | 'OutboundAPI' | 'StartCallRecordingAPI' | 'StartCallRecordingTwiML';
  sid?: string;
  /** 2: `pcm` is interleaved stereo (what the far party said, then what tandem sent). Default 1. */
  channels?: 1 | 2;
  /** What it took of the call; by default what its source takes (<Record>: inbound; the rest: both). */
  track?: 'inbound' | 'outbound' | 'both';
}

/** A recording's SID and URL, known from the moment it starts. */
export interface RecordingId {
  sid: string;
  url: string;
}

export interface RecordingSaved {
  sid: string;
  /** Public URL of the recording (TANDEM_PUBLIC_URL based, without extension; `.wav` serves the audio). */
  url: string;
  durationSeconds: number;
  channels?: 1 | 2;
}

export interface DialResult {
  /** Twilio's DialCallStatus. */
  status: 'completed' | 'answered' | 'busy' | 'no-answer' | 'failed' | 'canceled';
  childCallSid: string | null;
  durationSeconds: number;
  /** Both parties mixed, from the answer to the end of the bridge, when `<Dial record>` asked for it. */
  recording?: Int16Array;
  /** More parameters for the action URL (a <Dial><Queue>'s QueueSid, DequeuedCallSid, …). */
  params?: Record<string, string>;
  /** The called party transferred the call with a SIP REFER: its Refer-To target and the REFER's X- headers. */
  referred?: { target: string; xHeaders: Record<string, string> };
  /** The called party sent a REFER, and the <Dial> has no referUrl to take it (refused, 13802). */
  referRefused?: true;
}

/** A Media Stream of the call (<Start><Stream>, <Connect><Stream>, or the Streams API). */
export interface StreamHandle {
  readonly sid: string;
  /** Resolves once the stream is over: the app closed it, it was stopped, it could not connect, or the call ended. */
  readonly over: Promise<void>;
  stop(): void;
}

/** The call's recordings that run beside its TwiML (<Start><Recording>, the Call Recordings API). */
export interface CallRecordingControl {
  /** Starts one; false when the call already has its share (a notification says so). */
  start(spec: CallRecordingSpec): boolean;
  /** Stops the recording of that name, or every one <Start><Recording> began when none is named; how many. */
  stop(name?: string): Promise<number>;
}

/** The call's Media Streams. */
export interface CallStreams {
  /** Starts a stream (bidirectional for <Connect>); undefined when it cannot start (a notification says why). */
  start(spec: StreamNoun, bidirectional: boolean): StreamHandle | undefined;
  /** Stops the stream of that name (or SID), or every stream of the call when none is named; how many it stopped. */
  stop(nameOrSid?: string): number;
}

/**
 * The agent side of a <Dial><Queue> that took a waiting caller: the caller's leg runs the agent's `url` (if any),
 * says it is ready, and stays bridged until `over` resolves.
 */
export interface QueueHandoff {
  /** The CallSid of the call dequeuing the caller (Twilio's DequeingCallSid). */
  readonly callSid: string;
  readonly url?: string;
  readonly method: 'GET' | 'POST';
  /** The caller is ready to be bridged (true), or gone (false). */
  ready(ok: boolean): void;
  /** Resolves when the bridge is over: the agent hung up, left, or the caller did. */
  readonly over: Promise<void>;
}

/** Why a caller left its queue. */
export type QueueDeparture =
  | { kind: 'dequeued'; agent: QueueHandoff }
  | { kind: 'leave' | 'hangup' }
  /** The Members API took it out (`to`: the URL it now runs), or the Calls API redirected the call. */
  | { kind: 'redirected'; to?: { url: string; method: 'GET' | 'POST' } };

/** The call's place in a call queue, from its <Enqueue> until it leaves. */
export interface QueueMembership {
  readonly queueSid: string;
  /** Aborted the moment the caller is out of the line, whatever the reason. */
  readonly leaving: AbortSignal;
  /** Why it left: set once `leaving` has aborted. */
  readonly departure: QueueDeparture | undefined;
  /** Whole seconds in the line (until it left). */
  queueTime(): number;
  /** What a waitUrl request adds: QueuePosition, QueueSid, QueueTime, AvgQueueTime, CurrentQueueSize, MaxQueueSize. */
  waitParams(): Record<string, string>;
  /** Out of the line because the wait document hung up (`hangup`), or the call ended or was redirected meanwhile. */
  abandon(kind?: 'hangup'): void;
}

/** The call queues, as one call sees them. */
export interface CallQueueAccess {
  /** Joins the named queue (created on demand); `full` when it already holds its MaxSize of callers. */
  enqueue(name: string): Promise<QueueMembership | { full: true; queueSid: string }>;
  /** <Leave>: out of the queue this call waits in; false when it waits in none. */
  leave(): boolean;
}

/** The call's place in a conference, from joining until it leaves. */
export interface ConferenceSeat {
  readonly conferenceSid: string;
  /** Aborted once the conference has started: from then on this participant hears and is heard. */
  readonly started: AbortSignal;
  /** Aborted once the participant is out: it left, was removed through the API, or the conference ended. */
  readonly left: AbortSignal;
  /** Leaves the conference (hangupOnStar, timeLimit, the call ending); once. */
  leave(): void;
  /** The next hold with music (the Participants API's HoldUrl), or the one now; undefined once `signal` aborts. */
  nextHold(signal: AbortSignal): Promise<HeldWithMusic | undefined>;
  /**
   * The Participants API's WaitUrl for this participant, if one was given (it replaces the <Conference>'s waitUrl
   * until the room starts); `replaced` aborts when a new one is.
   */
  readonly wait: { music: HoldMusic | undefined; replaced: AbortSignal };
}

/** The Participants API's HoldUrl and HoldMethod: a TwiML document of <Play>, <Say>, <Pause>, <Redirect>. */
export interface HoldMusic {
  url: string;
  method: 'GET' | 'POST';
}

export interface HeldWithMusic extends HoldMusic {
  /** Aborted when the participant is taken off hold, or other music replaces this. */
  over: AbortSignal;
}

/** The conferences, as one call sees them. */
export interface CallConferenceAccess {
  /** Joins the account's conference of that name (created if none is live); `full` at its maxParticipants. */
  join(room: DialConference): Promise<ConferenceSeat | { full: true; conferenceSid: string }>;
}

export interface VerbContext {
  readonly call: CallInfo;
  /** This leg's media: play/record/digits. Answered before any verb that needs media runs. */
  readonly media: MediaEndpoint;
  readonly tts: TextToSpeech;
  /** Aborted when the call ends or is redirected through the API: every verb must stop promptly. */
  readonly signal: AbortSignal;
  /** Answer the call now if it is not answered yet (Reject must not be preceded by this). */
  answer(): Promise<void>;
  /** Fetch and decode an audio URL to 8 kHz mono PCM (WAV or MP3), cached. */
  fetchAudio(url: string): Promise<Int16Array>;
  /** Request TwiML from an action URL (signed, with the call's standard parameters + `params`) and parse it. */
  fetchDocument(req: ActionRequest): Promise<VerbOutcome>;
  /** Reject an unanswered call with a SIP status (486 busy, 603 rejected). */
  reject(reason: 'busy' | 'rejected'): Promise<void>;
  /**
   * Place the child leg(s) of a <Dial> and bridge media until either side hangs up or limits run out;
   * `recordingStarted` is told the moment a `record` dial starts recording (the bridge).
   */
  dial(verb: DialVerb, recordingStarted?: () => void): Promise<DialResult>;
  /** A SIP REFER of this call to `target` (<Refer>): how it went, or undefined when this is not a SIP call leg. */
  refer(target: string): Promise<ReferOutcome | undefined>;
  /** A SID and URL for a recording starting now (for its in-progress callback); saveRecording takes the SID. */
  newRecording(): RecordingId;
  /** Store a recording of this call and return where it is served. */
  saveRecording(pcm: Int16Array, meta: RecordingMeta): Promise<RecordingSaved>;
  readonly streams: CallStreams;
  readonly recordings: CallRecordingControl;
  readonly queues: CallQueueAccess;
  readonly conferences: CallConferenceAccess;
  /** Record an error the account's owner must see (a Notification), e.g. 13xxx. */
  notify(code: number, detail: string): void;
}

export type VerbHandler<V extends VoiceVerb> = (verb: V, ctx: VerbContext) => Promise<VerbOutcome>;
