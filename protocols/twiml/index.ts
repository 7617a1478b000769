export { parseMessagingTwiml, MAX_MEDIA_PER_MESSAGE } from './messaging.js';
export type { MessagingVerb, MessageVerb, MessagingRedirectVerb, MessagingTwimlResult, TwimlParseOptions } from './messaging.js';
export { parseVoiceTwiml } from './voice.js';
export { DIAL_MAX_TIMEOUT_S, DIAL_MAX_TIME_LIMIT_S } from './voice-dial.js';
export { STREAM_TRACKS } from './voice-stream.js';
export { CALL_RECORDING_TRACKS, RECORDING_EVENTS } from './voice-recording.js';
export type * from './voice-types.js';
export { TwimlCode } from './errors.js';
export type { TwimlFailure } from './errors.js';
