// <Start><Recording> and <Stop><Recording>: a recording of the live call that runs beside the TwiML (Twilio's
// defaults here: both tracks, two channels, silence trimmed). src/voice/live-recordings.ts does the recording.
import * as A from './attributes.js';
import type { ParseContext } from './attributes.js';
import { noText, type XmlElement } from './document.js';
import { TwimlCode } from './errors.js';
import type { CallRecordingTrack, RecordingEvent, StartRecordingVerb, StopRecordingVerb } from './voice-types.js';

const C = TwimlCode;
export const RECORDING_EVENTS: readonly RecordingEvent[] = ['in-progress', 'completed', 'absent'];
export const CALL_RECORDING_TRACKS: readonly CallRecordingTrack[] = ['inbound', 'outbound', 'both'];

export function startRecording(ctx: ParseContext, el: XmlElement): StartRecordingVerb {
  noText(el, C.SchemaValidation);
  const name = A.attr(el, 'name');
  const recordingStatusCallback = A.optionalUrl(ctx, el, 'recordingStatusCallback', C.SchemaValidation);
  return {
    verb: 'StartRecording',
    recording: {
      ...(name !== undefined && { name }),
      track: A.oneOf(el, 'track', CALL_RECORDING_TRACKS, C.SchemaValidation, 'both'),
      channels: A.oneOf(el, 'channels', ['mono', 'dual'] as const, C.SchemaValidation, 'dual'),
      trim: A.oneOf(el, 'trim', ['trim-silence', 'do-not-trim'] as const, C.SchemaValidation, 'trim-silence'),
      ...(recordingStatusCallback !== undefined && { recordingStatusCallback }),
      recordingStatusCallbackMethod: A.method(el, 'recordingStatusCallbackMethod', C.SchemaValidation),
      recordingStatusCallbackEvent: A.wordList(el, 'recordingStatusCallbackEvent', RECORDING_EVENTS, C.SchemaValidation, ['completed']),
    },
  };
}

export function stopRecording(el: XmlElement): StopRecordingVerb {
  noText(el, C.SchemaValidation);
  const name = A.attr(el, 'name');
  return { verb: 'StopRecording', ...(name !== undefined && { name }) };
}
