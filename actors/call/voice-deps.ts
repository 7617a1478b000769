// What a call session needs from the rest of the switch. Built once in src/voice/voice.ts and shared by every call.
import type Srf from 'drachtio-srf';
import type { PortPool, TextToSpeech } from '../../protocols/rtp/index.js';
import type { DialVerb, VoiceVerb } from '../../protocols/twiml/index.js';
import type { CallStore } from '../../src/voice/call-store.js';
import type { CallCallbacks } from '../../src/voice/call-callbacks.js';
import type { NewNotification } from '../../src/notifications/notifications.js';
import type { NumberGeo } from '../../src/numbers/geo.js';
import type { MediaStreams } from '../../src/voice/media-streams.js';
import type { LiveRecordings } from '../../src/voice/live-recordings.js';
import type { CallQueues } from '../../src/voice/call-queues.js';
import type { Conferences } from '../../src/voice/conferences.js';
import type { CallInfo, DialResult, RecordingId, RecordingMeta, RecordingSaved, VerbContext, VerbOutcome } from './verb-context.js';
import type { CallSession } from './call-session.js';

export interface VoiceLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface VoiceDeps {
  srf: Srf;
  store: CallStore;
  callbacks: CallCallbacks;
  authToken(accountSid: string): string | undefined;
  pool: PortPool;
  /** Address RTP binds to and SDP advertises. */
  rtpHost: string;
  rtpAdvertise: string;
  tts: TextToSpeech;
  fetchAudio(url: string): Promise<Int16Array>;
  /** A SID and URL for a recording of the account's that starts now. */
  newRecording(accountSid: string): RecordingId;
  saveRecording(call: CallInfo, pcm: Int16Array, meta: RecordingMeta): Promise<RecordingSaved>;
  notify(n: NewNotification): void;
  webhookTimeoutMs: number;
  /** Where callers and callees are: the FromCity…CalledCountry parameters of every voice request. */
  geo: NumberGeo;
  /** No inbound RTP for this long ends an answered call. */
  mediaTimeoutMs: number;
  runVerb(verb: VoiceVerb, ctx: VerbContext): Promise<VerbOutcome>;
  /** Every live call's Media Streams. */
  streams: MediaStreams;
  liveRecordings: LiveRecordings;
  /** Every call queue's waiting callers on this node. */
  queues: CallQueues;
  /** Every live conference room on this node. */
  conferences: Conferences;
  dial(parent: CallSession, verb: DialVerb, recordingStarted?: () => void): Promise<DialResult>;
  /** Told when a session has ended and its record is final. */
  ended(session: CallSession): void;
  log: VoiceLogger;
}
