import type { HttpMethod } from './attributes.js';
import type { TwimlFailure } from './errors.js';

export type { HttpMethod };

export interface SayVerb {
  readonly verb: 'Say';
  /** Text to speak; SSML tags inside <Say> are flattened to their text here. */
  readonly text: string;
  /** The <Say>'s content as SSML when it holds tags (<break>, <prosody>, <say-as>, <emphasis>, …): what is spoken. */
  readonly ssml?: string;
  readonly voice: string;
  readonly language: string;
  /** Times to repeat; 0 = until the call ends. */
  readonly loop: number;
}

export interface PlayVerb {
  readonly verb: 'Play';
  readonly url?: string;
  /** DTMF to send instead of audio; `w` waits 0.5 s, `W` 1 s. */
  readonly digits?: string;
  /** Times to repeat; 0 = until the call ends. */
  readonly loop: number;
}

export interface PauseVerb {
  readonly verb: 'Pause';
  /** Seconds. */
  readonly length: number;
}

export type GatherInput = 'dtmf' | 'speech';

export interface GatherVerb {
  readonly verb: 'Gather';
  /** Absent when the document URL is unknown: Twilio then posts to the current document. */
  readonly action?: string;
  readonly method: HttpMethod;
  /** Seconds to wait for the next key after the prompts end. */
  readonly timeout: number;
  /** '' = no key ends the input. */
  readonly finishOnKey: string;
  readonly numDigits?: number;
  readonly input: GatherInput[];
  readonly actionOnEmptyResult: boolean;
  /** Seconds, or 'auto'; speech only. */
  readonly speechTimeout?: number | 'auto';
  readonly maxSpeechTime?: number;
  readonly language: string;
  readonly hints?: string;
  readonly speechModel?: string;
  readonly profanityFilter: boolean;
  /** Whether a key press or speech stops the nested prompts. */
  readonly bargeIn: boolean;
  readonly partialResultCallback?: string;
  readonly partialResultCallbackMethod: HttpMethod;
  readonly children: (SayVerb | PlayVerb | PauseVerb)[];
}

export type RecordingEvent = 'in-progress' | 'completed' | 'absent';

export interface RecordVerb {
  readonly verb: 'Record';
  readonly action?: string;
  readonly method: HttpMethod;
  /** Seconds of silence that end the recording; 0 = never. */
  readonly timeout: number;
  /** Any of these keys ends the recording; '' = none. */
  readonly finishOnKey: string;
  /** Seconds. */
  readonly maxLength: number;
  readonly playBeep: boolean;
  readonly trim: 'trim-silence' | 'do-not-trim';
  readonly recordingStatusCallback?: string;
  readonly recordingStatusCallbackMethod: HttpMethod;
  readonly recordingStatusCallbackEvent: RecordingEvent[];
  readonly transcribe: boolean;
  readonly transcribeCallback?: string;
}

export type CallProgressEvent = 'initiated' | 'ringing' | 'answered' | 'completed';

interface DialTargetCommon {
  /** TwiML run for the callee before the legs are bridged (whisper). */
  readonly url?: string;
  readonly method: HttpMethod;
  readonly statusCallback?: string;
  readonly statusCallbackMethod: HttpMethod;
  readonly statusCallbackEvent: CallProgressEvent[];
}

/** `<Number>`, or the bare number text of `<Dial>+15551234567</Dial>`. */
export interface DialNumber extends DialTargetCommon {
  readonly noun: 'Number';
  /** As written (trimmed); punctuation like "(415) 555-1212" is kept for the dialer to normalise. */
  readonly number: string;
  readonly sendDigits?: string;
}

export interface DialSip extends DialTargetCommon {
  readonly noun: 'Sip';
  readonly uri: string;
  readonly username?: string;
  readonly password?: string;
}

export interface DialClient extends DialTargetCommon {
  readonly noun: 'Client';
  readonly identity: string;
  /** `<Parameter name value/>` children. */
  readonly parameters: Record<string, string>;
}

export type DialTarget = DialNumber | DialSip | DialClient;

export type DialRecord =
  | 'do-not-record'
  | 'record-from-answer'
  | 'record-from-ringing'
  | 'record-from-answer-dual'
  | 'record-from-ringing-dual';

/** `<Dial><Queue>`: connect to the caller at the front of a call queue (waiting up to `timeout` for one). */
export interface DialQueue {
  /** The queue's name, as <Enqueue> names it. */
  readonly name: string;
  /** TwiML run on the dequeued caller's leg before the two are bridged (Play, Say, Pause, Redirect). */
  readonly url?: string;
  readonly method: HttpMethod;
}

export type ConferenceEvent = 'start' | 'end' | 'join' | 'leave' | 'mute' | 'hold' | 'modify' | 'speaker' | 'announcement';

/** `<Dial><Conference>`: join the named conference room of the account (created with its first participant). */
export interface DialConference {
  readonly name: string;
  /** Heard by the others or not. */
  readonly muted: boolean;
  /** A beep when someone joins and/or leaves: `true` both, `onEnter`, `onExit`, `false` neither. */
  readonly beep: 'true' | 'false' | 'onEnter' | 'onExit';
  /** This participant starts the conference (else it waits, hearing waitUrl, for one who does). */
  readonly startConferenceOnEnter: boolean;
  /** The conference ends for everyone when this participant leaves. */
  readonly endConferenceOnExit: boolean;
  /** TwiML heard while the conference has not started; absent: silence. */
  readonly waitUrl?: string;
  readonly waitMethod: HttpMethod;
  /** 2–250. */
  readonly maxParticipants: number;
  readonly statusCallback?: string;
  readonly statusCallbackMethod: HttpMethod;
  readonly statusCallbackEvent: ConferenceEvent[];
  readonly participantLabel?: string;
  /** The call SID of the participant this one coaches: only they hear this one (Twilio's coaching). */
  readonly coach?: string;
  /** `record-from-start`: the room's mix is recorded from its start to its end (as the room's first participant asked). */
  readonly record: 'do-not-record' | 'record-from-start';
  readonly recordingStatusCallback?: string;
  readonly recordingStatusCallbackMethod: HttpMethod;
  readonly recordingStatusCallbackEvent: RecordingEvent[];
}

export interface DialVerb {
  readonly verb: 'Dial';
  /** Several targets ring in parallel (or in order when `sequential`); first answer wins. Empty when `queue` is set. */
  readonly targets: DialTarget[];
  /** A <Queue> noun instead of targets to ring. */
  readonly queue?: DialQueue;
  /** A <Conference> noun instead of targets to ring. */
  readonly conference?: DialConference;
  /** Absent: continue with the next verb of this document after the dial. */
  readonly action?: string;
  readonly method: HttpMethod;
  /** Seconds to ring. */
  readonly timeout: number;
  /** Maximum seconds of the bridged call. */
  readonly timeLimit: number;
  readonly callerId?: string;
  readonly hangupOnStar: boolean;
  readonly record: DialRecord;
  readonly trim: 'trim-silence' | 'do-not-trim';
  readonly answerOnBridge: boolean;
  readonly ringTone?: string;
  readonly sequential: boolean;
  /** Where a SIP REFER from the called party goes (Twilio's "Refer to Twilio"): its TwiML runs for the caller. */
  readonly referUrl?: string;
  readonly referMethod: HttpMethod;
  readonly recordingStatusCallback?: string;
  readonly recordingStatusCallbackMethod: HttpMethod;
  readonly recordingStatusCallbackEvent: RecordingEvent[];
}

export interface HangupVerb {
  readonly verb: 'Hangup';
}

export interface RejectVerb {
  readonly verb: 'Reject';
  readonly reason: 'rejected' | 'busy';
}

export interface VoiceRedirectVerb {
  readonly verb: 'Redirect';
  readonly url: string;
  readonly method: HttpMethod;
}

/** `<Enqueue>`: the caller waits in a named call queue (created on demand) until an agent or the API takes them. */
export interface EnqueueVerb {
  readonly verb: 'Enqueue';
  /** 1–64 characters. */
  readonly queue: string;
  /** Requested when the caller leaves the queue (QueueResult, QueueSid, QueueTime); absent: the next verb. */
  readonly action?: string;
  readonly method: HttpMethod;
  /** TwiML the caller hears while waiting, fetched again each time it runs out; absent: tandem's hold (silence). */
  readonly waitUrl?: string;
  readonly waitUrlMethod: HttpMethod;
}

/** `<Leave>` (in a waitUrl document): the caller leaves the queue; the call goes on after its <Enqueue>. */
export interface LeaveVerb {
  readonly verb: 'Leave';
}

export type StreamTrack = 'inbound_track' | 'outbound_track' | 'both_tracks';

/** `<Stream>` inside `<Start>` or `<Connect>`: the call's audio over a WebSocket (Twilio Media Streams). */
export interface StreamNoun {
  /** As written: the stream checks the scheme (wss, or ws for a local app) when it connects, as Twilio does. */
  readonly url: string;
  readonly name?: string;
  readonly track: StreamTrack;
  readonly statusCallback?: string;
  readonly statusCallbackMethod: HttpMethod;
  /** `<Parameter name value/>` children: the start message's customParameters. */
  readonly parameters: Record<string, string>;
}

/** `<Start><Stream>`: a one-way fork of the call's audio; the document goes on at once. */
export interface StartVerb {
  readonly verb: 'Start';
  readonly stream: StreamNoun;
}

/** What a recording of a live call takes: the far party (inbound), what tandem sends them (outbound), or both. */
export type CallRecordingTrack = 'inbound' | 'outbound' | 'both';

/**
 * A recording of a live call that runs beside the TwiML until it is stopped or the call ends: `<Start><Recording>`,
 * or the Call Recordings API. Paused, resumed and stopped through that API (or `<Stop><Recording name>`).
 */
export interface CallRecordingSpec {
  readonly name?: string;
  readonly track: CallRecordingTrack;
  readonly channels: 'mono' | 'dual';
  readonly trim: 'trim-silence' | 'do-not-trim';
  readonly recordingStatusCallback?: string;
  readonly recordingStatusCallbackMethod: HttpMethod;
  readonly recordingStatusCallbackEvent: RecordingEvent[];
}

/** `<Start><Recording>`: starts recording the call and goes straight on. */
export interface StartRecordingVerb {
  readonly verb: 'StartRecording';
  readonly recording: CallRecordingSpec;
}

/** `<Stop><Recording name/>`: stops the named recording (every recording the call started so when it names none). */
export interface StopRecordingVerb {
  readonly verb: 'StopRecording';
  readonly name?: string;
}

/** `<Stop><Stream name/>`: ends the named stream (every stream of the call when it names none). */
export interface StopVerb {
  readonly verb: 'Stop';
  readonly name?: string;
}

/** `<Connect><Stream>`: a two-way stream that holds the call until the app closes it; then `action` or the next verb. */
export interface ConnectVerb {
  readonly verb: 'Connect';
  readonly stream: StreamNoun;
  readonly action?: string;
  readonly method: HttpMethod;
}

/**
 * Valid TwiML this switch does not implement (Enqueue, Conference, Connect, ...). The document
 * still parses, so the interpreter can report exactly what it met and decide what to do.
 */
export interface UnsupportedVerb {
  readonly verb: 'Unsupported';
  /** Element name, e.g. 'Enqueue', or 'Conference' for a `<Dial><Conference>`. */
  readonly name: string;
  /** Set for a noun inside another verb, e.g. 'Dial'. */
  readonly within?: string;
}

/** `<Refer action method><Sip>uri</Sip></Refer>`: a SIP REFER to the caller's own SIP side (a call transfer). */
export interface ReferVerb {
  readonly verb: 'Refer';
  /** The transfer target, as written (headers after `?` included). */
  readonly uri: string;
  readonly action?: string;
  readonly method: HttpMethod;
}

export type VoiceVerb =
  | SayVerb
  | PlayVerb
  | PauseVerb
  | GatherVerb
  | RecordVerb
  | DialVerb
  | HangupVerb
  | RejectVerb
  | VoiceRedirectVerb
  | StartVerb
  | StopVerb
  | StartRecordingVerb
  | StopRecordingVerb
  | ConnectVerb
  | EnqueueVerb
  | LeaveVerb
  | ReferVerb
  | UnsupportedVerb;

export type VoiceTwimlResult = { ok: true; verbs: VoiceVerb[] } | TwimlFailure;
