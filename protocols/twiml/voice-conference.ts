// <Dial><Conference>: a named conference room of the account. `coach="CA…"` joins as that participant's coach.
// Attributes tandem does not act on (trim, jitterBufferSize, region, eventCallbackUrl, …) are accepted and ignored,
// as a valid document must run.
import * as A from './attributes.js';
import type { ParseContext } from './attributes.js';
import { textOnly, type XmlElement } from './document.js';
import { TwimlCode, TwimlProblem } from './errors.js';
import type { ConferenceEvent, DialConference, RecordingEvent } from './voice-types.js';

const C = TwimlCode;
const EVENTS: readonly ConferenceEvent[] = ['start', 'end', 'join', 'leave', 'mute', 'hold', 'modify', 'speaker', 'announcement'];
const RECORDING_EVENTS: readonly RecordingEvent[] = ['in-progress', 'completed', 'absent'];
/** Twilio's bounds on maxParticipants. */
export const CONFERENCE_MAX_PARTICIPANTS = 250;

export function dialConference(ctx: ParseContext, el: XmlElement): DialConference {
  const name = textOnly(el, C.SchemaValidation);
  if (name === '') throw new TwimlProblem(C.SchemaValidation, '<Conference> needs a room name');
  const beep = A.attr(el, 'beep') ?? 'true';
  if (beep !== 'true' && beep !== 'false' && beep !== 'onEnter' && beep !== 'onExit') {
    throw new TwimlProblem(C.ConferenceInvalidBeep, `<Conference> beep="${beep}" is invalid: must be true, false, onEnter or onExit`);
  }
  const maxParticipants = A.integer(el, 'maxParticipants', C.SchemaValidation, CONFERENCE_MAX_PARTICIPANTS, 2);
  if (maxParticipants > CONFERENCE_MAX_PARTICIPANTS) {
    throw new TwimlProblem(C.SchemaValidation, `<Conference> maxParticipants="${maxParticipants}" is invalid: at most ${CONFERENCE_MAX_PARTICIPANTS}`);
  }
  const waitUrl = A.optionalUrl(ctx, el, 'waitUrl', C.ConferenceInvalidWaitUrl);
  const statusCallback = A.optionalUrl(ctx, el, 'statusCallback', C.SchemaValidation);
  const participantLabel = A.attr(el, 'participantLabel');
  const recordingStatusCallback = A.optionalUrl(ctx, el, 'recordingStatusCallback', C.SchemaValidation);
  const coach = A.attr(el, 'coach');
  if (coach !== undefined && !/^CA[0-9a-f]{32}$/.test(coach)) throw new TwimlProblem(C.SchemaValidation, `<Conference> coach="${coach}" is not a call SID`);
  return {
    name,
    muted: A.boolean(el, 'muted', C.ConferenceInvalidMuted, false),
    beep,
    startConferenceOnEnter: A.boolean(el, 'startConferenceOnEnter', C.ConferenceInvalidStartOnEnter, true),
    endConferenceOnExit: A.boolean(el, 'endConferenceOnExit', C.ConferenceInvalidEndOnExit, false),
    ...(waitUrl !== undefined && { waitUrl }),
    waitMethod: A.method(el, 'waitMethod', C.ConferenceInvalidWaitMethod),
    maxParticipants,
    ...(statusCallback !== undefined && { statusCallback }),
    statusCallbackMethod: A.method(el, 'statusCallbackMethod', C.SchemaValidation),
    statusCallbackEvent: A.wordList(el, 'statusCallbackEvent', EVENTS, C.SchemaValidation, []),
    ...(participantLabel !== undefined && { participantLabel }),
    ...(coach !== undefined && { coach }),
    record: A.oneOf(el, 'record', ['do-not-record', 'record-from-start'] as const, C.SchemaValidation, 'do-not-record'),
    ...(recordingStatusCallback !== undefined && { recordingStatusCallback }),
    recordingStatusCallbackMethod: A.method(el, 'recordingStatusCallbackMethod', C.SchemaValidation),
    recordingStatusCallbackEvent: A.wordList(el, 'recordingStatusCallbackEvent', RECORDING_EVENTS, C.SchemaValidation, ['completed']),
  };
}
