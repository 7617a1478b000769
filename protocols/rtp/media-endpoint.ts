// What call code may do with a leg's media, whether the endpoint runs on this thread (RtpEndpoint) or in a
// media worker (RemoteRtpEndpoint, see media-plane.ts). The call session, the verbs and the sandbox handset
// see only this, so where media runs is the switch's choice (TANDEM_MEDIA_WORKERS), not theirs.
import type { EventEmitter } from 'node:events';
import type { DtmfSendOptions } from './dtmf.js';
import type {
  EndpointSettings,
  PlayOptions,
  PlayResult,
  RecordOptions,
  RemoteAddress,
  RtpEndpointEvents,
  RtpEndpointStats,
} from './endpoint.js';
import type { PortPool } from './port-pool.js';
import type { NegotiatedMedia } from './sdp.js';

export interface MediaEndpoint extends Pick<EventEmitter<RtpEndpointEvents>, 'on' | 'off' | 'once' | 'listenerCount'> {
  readonly host: string;
  readonly port: number;
  /** Whether a play() or sendDigits() is still queued or sounding. */
  readonly playing: boolean;
  setMedia(media: NegotiatedMedia): void;
  setRemote(remote: RemoteAddress): void;
  play(pcm: Int16Array, opts?: PlayOptions): Promise<PlayResult>;
  sendDigits(digits: string, opts?: DtmfSendOptions): Promise<PlayResult>;
  /** Live audio sent whenever nothing is queued (a bridged leg's voice). */
  feed(samples: Int16Array): void;
  stopPlayback(): void;
  startRecording(opts?: RecordOptions): void;
  /** The slot's recording since startRecording(); a worker's endpoint answers asynchronously, so await it. */
  stopRecording(slot?: string): Int16Array | Promise<Int16Array>;
  stats(): RtpEndpointStats | Promise<RtpEndpointStats>;
  close(): Promise<void>;
}

export interface OpenMediaOptions extends Omit<EndpointSettings, 'clock'> {
  pool: PortPool;
  /** Put the new endpoint where this one runs (a <Dial> leg next to its parent, so bridging stays in one thread). */
  near?: MediaEndpoint;
}

/** Opens one leg's endpoint: RtpEndpoint.open on this thread, or MediaPlane#open in a media worker. */
export type OpenMedia = (opts: OpenMediaOptions) => Promise<MediaEndpoint>;
