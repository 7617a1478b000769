// The messages between the main thread's MediaPlane and a media worker. Commands name an endpoint by the id the
// main thread gave it; those that answer carry a request number `req` that the reply echoes.
import type { DtmfDigit, DtmfSendOptions } from './dtmf.js';
import type { EndpointSettings, PlayResult, RecordOptions, RemoteAddress, RtpEndpointStats } from './endpoint.js';
import type { MediaClockStats } from './clock.js';
import type { NegotiatedMedia } from './sdp.js';

/** What a worker needs to open an endpoint: the settings that survive a structured clone. */
export type WorkerEndpointSettings = Omit<EndpointSettings, 'clock'>;

export type ToWorker =
  | { op: 'open'; id: number; req: number; port: number; settings: WorkerEndpointSettings }
  | { op: 'setMedia'; id: number; media: NegotiatedMedia }
  | { op: 'setRemote'; id: number; remote: RemoteAddress }
  /** `pcm` lives in a SharedArrayBuffer: the worker reads the main thread's copy, nothing is cloned. */
  | { op: 'play'; id: number; req: number; pcm: Int16Array; loop: number }
  | { op: 'digits'; id: number; req: number; digits: string; opts: DtmfSendOptions }
  | { op: 'feed'; id: number; samples: Int16Array }
  | { op: 'stopPlayback'; id: number }
  | { op: 'startRecording'; id: number; opts: RecordOptions }
  | { op: 'stopRecording'; id: number; req: number; slot: string }
  /** Whether the main thread wants this endpoint's decoded inbound frames ('audio') or the frames it sends ('sent'). */
  | { op: 'audio' | 'sent'; id: number; on: boolean }
  | { op: 'bridge'; a: number; b: number; relayDigits: boolean }
  | { op: 'unbridge'; a: number; b: number }
  | { op: 'stats'; id: number; req: number }
  | { op: 'close'; id: number; req: number }
  | { op: 'clockStats'; req: number }
  | { op: 'shutdown' };

export type FromWorker =
  /** `priorityError`: why the thread could not raise its scheduling priority, when it could not. */
  | { ev: 'ready'; priorityError?: string }
  | { ev: 'reply'; req: number; value?: PlayResult | Int16Array | RtpEndpointStats | MediaClockStats }
  | { ev: 'fail'; req: number; name: string; message: string; code?: string }
  | { ev: 'dtmf'; id: number; digit: DtmfDigit }
  | { ev: 'timeout'; id: number }
  | { ev: 'latched'; id: number; remote: RemoteAddress }
  /** Inbound ('audio') or sent ('sent') frames of every subscribed endpoint since the last batch: frame i is samples[offsets[i]..offsets[i+1]). */
  | { ev: 'audio' | 'sent'; ids: Int32Array; offsets: Int32Array; samples: Int16Array }
  | { ev: 'warn'; message: string }
  /** Every second: how late this worker's clock ticked over that second (its pacing, before the network). */
  | { ev: 'clock'; lateP99Ms: number; lateMaxMs: number; workP99Ms: number; skippedTicks: number };
