import * as A from './attributes.js';
import type { ParseContext } from './attributes.js';
import { textOnly, type XmlElement } from './document.js';
import { TwimlCode, TwimlProblem } from './errors.js';
import { dialQueue } from './voice-queue.js';
import { dialConference } from './voice-conference.js';
import type {
  CallProgressEvent, DialClient, DialConference, DialNumber, DialQueue, DialRecord, DialSip, DialTarget, DialVerb, RecordingEvent,
  UnsupportedVerb,
} from './voice-types.js';

const C = TwimlCode;
const CALL_EVENTS: readonly CallProgressEvent[] = ['initiated', 'ringing', 'answered', 'completed'];
const RECORDING_EVENTS: readonly RecordingEvent[] = ['in-progress', 'completed', 'absent'];
const DIAL_RECORD: readonly DialRecord[] = [
  'do-not-record', 'record-from-answer', 'record-from-ringing', 'record-from-answer-dual', 'record-from-ringing-dual',
];
/** Valid Dial nouns this switch does not run; the whole <Dial> becomes Unsupported. */
const UNSUPPORTED_NOUNS = new Set(['Application', 'Sim', 'WhatsApp']);

/** Twilio's documented ceilings; larger values are clamped rather than rejected, as Twilio does. */
export const DIAL_MAX_TIMEOUT_S = 600;
export const DIAL_MAX_TIME_LIMIT_S = 86_400;

export function dial(ctx: ParseContext, el: XmlElement): DialVerb | UnsupportedVerb {
  // Attributes first, so a bad attribute is reported even when the noun is unsupported.
  const action = A.optionalUrl(ctx, el, 'action', C.SchemaValidation);
  const method = A.method(el, 'method', C.DialInvalidMethod);
  const timeout = Math.min(A.integer(el, 'timeout', C.DialInvalidTimeout, 30, 1), DIAL_MAX_TIMEOUT_S);
  const timeLimit = Math.min(A.integer(el, 'timeLimit', C.DialInvalidTimeLimit, 14_400, 1), DIAL_MAX_TIME_LIMIT_S);
  const callerId = A.attr(el, 'callerId');
  if (callerId !== undefined && /\s/.test(callerId)) {
    throw new TwimlProblem(C.DialInvalidCallerId, `<Dial> callerId="${callerId}" is invalid`);
  }
  const hangupOnStar = A.boolean(el, 'hangupOnStar', C.DialInvalidHangupOnStar, false);
  const record = dialRecord(el);
  const trim = A.oneOf(el, 'trim', ['trim-silence', 'do-not-trim'] as const, C.SchemaValidation, 'do-not-trim');
  const answerOnBridge = A.boolean(el, 'answerOnBridge', C.SchemaValidation, false);
  const ringTone = A.attr(el, 'ringTone');
  const sequential = A.boolean(el, 'sequential', C.SchemaValidation, false);
  const referUrl = A.optionalUrl(ctx, el, 'referUrl', C.SchemaValidation);
  const referMethod = A.method(el, 'referMethod', C.DialInvalidMethod);
  const recordingStatusCallback = A.optionalUrl(ctx, el, 'recordingStatusCallback', C.SchemaValidation);
  const recordingStatusCallbackMethod = A.method(el, 'recordingStatusCallbackMethod', C.DialInvalidMethod);
  const recordingStatusCallbackEvent = A.wordList(
    el, 'recordingStatusCallbackEvent', RECORDING_EVENTS, C.SchemaValidation, ['completed'],
  );

  const targets: DialTarget[] = [];
  let queue: DialQueue | undefined;
  let conference: DialConference | undefined;
  let text = '';
  for (const child of el.children) {
    if (typeof child === 'string') {
      text += child;
      continue;
    }
    if (UNSUPPORTED_NOUNS.has(child.name)) return { verb: 'Unsupported', name: child.name, within: 'Dial' };
    if (child.name === 'Queue' || child.name === 'Conference') {
      if (queue !== undefined || conference !== undefined) throw new TwimlProblem(C.DialInvalidNestedElement, `<Dial> can hold one <Queue> or <Conference>`);
      if (child.name === 'Queue') queue = dialQueue(ctx, child);
      else conference = dialConference(ctx, child);
    } else {
      targets.push(dialNoun(ctx, child));
    }
  }
  const room = queue ?? conference;
  text = text.trim();
  if (text !== '') {
    if (targets.length > 0 || room !== undefined) {
      throw new TwimlProblem(C.DialInvalidNestedElement, '<Dial> cannot mix a bare number with nested nouns');
    }
    targets.push(dialNumber(ctx, el, text));
  }
  if (room !== undefined && targets.length > 0) {
    throw new TwimlProblem(C.DialInvalidNestedElement, '<Dial> cannot ring numbers and join a <Queue> or <Conference> at once');
  }
  if (targets.length === 0 && room === undefined) throw new TwimlProblem(C.DialInvalidNumberFormat, '<Dial> has no number to call');

  return {
    verb: 'Dial',
    targets,
    ...(queue !== undefined && { queue }),
    ...(conference !== undefined && { conference }),
    ...(action !== undefined && { action }),
    method,
    timeout,
    timeLimit,
    ...(callerId !== undefined && { callerId }),
    hangupOnStar,
    record,
    trim,
    answerOnBridge,
    ...(ringTone !== undefined && { ringTone }),
    sequential,
    ...(referUrl !== undefined && { referUrl }),
    referMethod,
    ...(recordingStatusCallback !== undefined && { recordingStatusCallback }),
    recordingStatusCallbackMethod,
    recordingStatusCallbackEvent,
  };
}

function dialRecord(el: XmlElement): DialRecord {
  // Older TwiML used record="true"/"false".
  const value = A.attr(el, 'record');
  if (value === 'true') return 'record-from-answer';
  if (value === 'false') return 'do-not-record';
  return A.oneOf(el, 'record', DIAL_RECORD, C.DialInvalidRecord, 'do-not-record');
}

function dialNoun(ctx: ParseContext, el: XmlElement): DialTarget {
  switch (el.name) {
    case 'Number':
      return dialNumber(ctx, el, textOnly(el, C.DialInvalidNestedElement));
    case 'Sip':
      return dialSip(ctx, el);
    case 'Client':
      return dialClient(ctx, el);
    default:
      throw new TwimlProblem(C.DialInvalidNestedElement, `<Dial> cannot contain <${el.name}>`);
  }
}

function common(ctx: ParseContext, el: XmlElement, methodCode: number) {
  const url = A.optionalUrl(ctx, el, 'url', C.SchemaValidation);
  const statusCallback = A.optionalUrl(ctx, el, 'statusCallback', C.SchemaValidation);
  return {
    ...(url !== undefined && { url }),
    method: A.method(el, 'method', methodCode),
    ...(statusCallback !== undefined && { statusCallback }),
    statusCallbackMethod: A.method(el, 'statusCallbackMethod', methodCode),
    statusCallbackEvent: A.wordList(el, 'statusCallbackEvent', CALL_EVENTS, C.SchemaValidation, ['completed']),
  };
}

/** `el` is the <Number>, or the <Dial> itself for a bare number. */
function dialNumber(ctx: ParseContext, el: XmlElement, number: string): DialNumber {
  if (!A.isDialableNumber(number)) {
    throw new TwimlProblem(C.DialInvalidNumberFormat, `<Dial> cannot call "${number}": invalid phone number format`);
  }
  if (el.name === 'Dial') {
    return { noun: 'Number', number, method: 'POST', statusCallbackMethod: 'POST', statusCallbackEvent: ['completed'] };
  }
  const sendDigits = A.attr(el, 'sendDigits');
  if (sendDigits !== undefined && !/^[0-9#*A-DwW]+$/.test(sendDigits)) {
    throw new TwimlProblem(C.DialNumberInvalidSendDigits, `<Number> sendDigits="${sendDigits}" may only contain 0-9, *, #, A-D, w and W`);
  }
  return { noun: 'Number', number, ...(sendDigits !== undefined && { sendDigits }), ...common(ctx, el, C.DialNumberInvalidMethod) };
}

function dialSip(ctx: ParseContext, el: XmlElement): DialSip {
  const uri = textOnly(el, C.DialInvalidNestedElement);
  if (!/^sips?:\S+$/i.test(uri)) throw new TwimlProblem(C.SchemaValidation, `<Sip> "${uri}" is not a sip: or sips: URI`);
  const username = A.attr(el, 'username');
  const password = A.attr(el, 'password');
  return {
    noun: 'Sip',
    uri,
    ...(username !== undefined && { username }),
    ...(password !== undefined && { password }),
    ...common(ctx, el, C.DialInvalidMethod),
  };
}

function dialClient(ctx: ParseContext, el: XmlElement): DialClient {
  let identity = '';
  const parameters: [string, string][] = [];
  for (const child of el.children) {
    if (typeof child === 'string') {
      identity += child;
    } else if (child.name === 'Identity') {
      identity += textOnly(child, C.DialInvalidNestedElement);
    } else if (child.name === 'Parameter') {
      parameters.push(A.parameter(child));
    } else {
      throw new TwimlProblem(C.DialInvalidNestedElement, `<Client> cannot contain <${child.name}>`);
    }
  }
  identity = identity.trim();
  if (identity === '') throw new TwimlProblem(C.SchemaValidation, '<Client> needs an identity');
  // fromEntries defines own properties, so a parameter named "__proto__" stays plain data.
  return { noun: 'Client', identity, parameters: Object.fromEntries(parameters), ...common(ctx, el, C.DialInvalidMethod) };
}
