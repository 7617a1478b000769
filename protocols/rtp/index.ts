// The media layer's public surface, for the call-session actor and the voice verbs.
export { bridgeMedia, type BridgeOptions } from './bridge.js';
export { MediaClock, sharedMediaClock, type MediaClockStats, type TickHandler } from './clock.js';
export { DtmfDetector, planDigits, type DtmfDigit, type DtmfSendOptions } from './dtmf.js';
export {
  RtpEndpoint,
  type EndpointSettings,
  type PlayOptions,
  type PlayResult,
  type RecordOptions,
  type RecordTrack,
  type RemoteAddress,
  type RtpEndpointEvents,
  type RtpEndpointOptions,
  type RtpEndpointStats,
  openOnThisThread,
} from './endpoint.js';
export { FRAME_SAMPLES, encodeG711, decodeG711, type G711Codec } from './g711.js';
export type { MediaEndpoint, OpenMedia, OpenMediaOptions } from './media-endpoint.js';
export { MediaPlane, RemoteRtpEndpoint, type MediaPlaneLogger, type MediaPacing, type MediaPlaneOptions, type MediaWorkerStats } from './media-plane.js';
export { parseRtp, RtpPacketError, type RtpPacket } from './packet.js';
export { readPcapUdp, type PcapDatagram } from './pcap.js';
export { parsePortRange, PortPool, PortPoolExhaustedError, type PortRange } from './port-pool.js';
export {
  answerDirection,
  buildAnswer,
  buildOffer,
  negotiate,
  parseSdp,
  SdpError,
  type MediaDirection,
  type NegotiatedMedia,
  type SdpCodec,
  type SdpMedia,
} from './sdp.js';
export { ringback, RING_TONES } from './ringback.js';
export { beep, concat, dtmfTone, interleaveEndAligned, mixEndAligned, rms, SAMPLE_RATE, samplesFor, silence, tone } from './tone.js';
export { espeakVoice, TextToSpeech, type SayOptions, type TextToSpeechOptions } from './tts.js';
export { decodeWav, durationSeconds, readWav, resample, WavError, writeWav } from './wav.js';
