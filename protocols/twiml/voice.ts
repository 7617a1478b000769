import * as A from './attributes.js';
import type { ParseContext } from './attributes.js';
import { deepText, innerXml, noText, readTwimlDocument, textOnly, type XmlElement } from './document.js';
import { TwimlCode, TwimlProblem } from './errors.js';
import type { TwimlParseOptions } from './messaging.js';
import { dial } from './voice-dial.js';
import { connect, start, stop } from './voice-stream.js';
import { enqueue } from './voice-queue.js';
import { RECORDING_EVENTS } from './voice-recording.js';
import type {
  GatherInput, GatherVerb, HangupVerb, LeaveVerb, PauseVerb, PlayVerb, RecordingEvent, RecordVerb, ReferVerb, RejectVerb, SayVerb,
  VoiceRedirectVerb, VoiceTwimlResult, VoiceVerb,
} from './voice-types.js';

const C = TwimlCode;

/** Valid voice TwiML verbs tandem does not run; parsed as Unsupported so the interpreter can say so. */
const UNSUPPORTED_VERBS = new Set(['Sms', 'Pay', 'Echo']);

/**
 * Parses a voice webhook's TwiML. Defaults follow twilio-compat §14. The first problem rejects
 * the whole document with its Twilio code (12100, 12102, 12200 or a 13xxx), never a prefix.
 * `options.documentUrl` resolves relative URLs and is the default `action` of Gather and Record.
 */
export function parseVoiceTwiml(xml: string, options: TwimlParseOptions = {}): VoiceTwimlResult {
  try {
    const root = readTwimlDocument(xml);
    if (root === null) return { ok: true, verbs: [] };
    const ctx = A.makeContext(options.documentUrl);
    const verbs: VoiceVerb[] = [];
    for (const child of root.children) {
      if (typeof child === 'string') {
        if (child.trim() !== '') throw new TwimlProblem(C.SchemaValidation, '<Response> cannot contain text');
        continue;
      }
      verbs.push(voiceVerb(ctx, child));
    }
    return { ok: true, verbs };
  } catch (err) {
    if (err instanceof TwimlProblem) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}

function voiceVerb(ctx: ParseContext, el: XmlElement): VoiceVerb {
  switch (el.name) {
    case 'Say':
      return say(el, C.SayInvalidLoop);
    case 'Play':
      return play(ctx, el);
    case 'Pause':
      return pause(el);
    case 'Gather':
      return gather(ctx, el);
    case 'Record':
      return record(ctx, el);
    case 'Dial':
      return dial(ctx, el);
    case 'Hangup':
      return hangup(el);
    case 'Reject':
      return reject(el);
    case 'Redirect':
      return redirect(ctx, el);
    case 'Refer':
      return refer(ctx, el);
    case 'Start':
      return start(ctx, el);
    case 'Stop':
      return stop(el);
    case 'Connect':
      return connect(ctx, el);
    case 'Enqueue':
      return enqueue(ctx, el);
    case 'Leave':
      return leave(el);
    default:
      if (UNSUPPORTED_VERBS.has(el.name)) return { verb: 'Unsupported', name: el.name };
      throw new TwimlProblem(C.SchemaValidation, `Unknown verb <${el.name}> in voice TwiML`);
  }
}

function say(el: XmlElement, loopCode: number): SayVerb {
  const text = deepText(el);
  if (text === '') throw new TwimlProblem(C.SayInvalidText, '<Say> has no text to speak');
  const voice = A.attr(el, 'voice') ?? 'man';
  if (!/^[A-Za-z][\w.-]*$/.test(voice)) throw new TwimlProblem(C.SayInvalidVoice, `<Say> voice="${voice}" is invalid`);
  const hasTags = el.children.some((c) => typeof c !== 'string');
  return {
    verb: 'Say',
    text,
    ...(hasTags && { ssml: innerXml(el).trim() }),
    voice,
    language: A.attr(el, 'language') ?? 'en-US',
    loop: A.integer(el, 'loop', loopCode, 1),
  };
}

function play(ctx: ParseContext, el: XmlElement): PlayVerb {
  const ref = textOnly(el, C.SchemaValidation);
  const digits = A.attr(el, 'digits');
  if (digits !== undefined && !/^[0-9#*A-DwW]+$/.test(digits)) {
    throw new TwimlProblem(C.SchemaValidation, `<Play> digits="${digits}" may only contain 0-9, *, #, A-D, w and W`);
  }
  if (ref === '' && digits === undefined) throw new TwimlProblem(C.SchemaValidation, '<Play> needs a URL or digits');
  const loop = A.integer(el, 'loop', C.PlayInvalidLoop, 1);
  return {
    verb: 'Play',
    ...(ref !== '' && { url: A.url(ctx, el, 'Play', ref, C.SchemaValidation) }),
    ...(digits !== undefined && { digits }),
    loop,
  };
}

function pause(el: XmlElement): PauseVerb {
  empty(el);
  return { verb: 'Pause', length: A.integer(el, 'length', C.PauseInvalidLength, 1) };
}

const GATHER_INPUTS: readonly GatherInput[] = ['dtmf', 'speech'];

function gather(ctx: ParseContext, el: XmlElement): GatherVerb {
  const action = A.optionalUrl(ctx, el, 'action', C.SchemaValidation) ?? ctx.base?.href;
  const numDigits = A.optionalInteger(el, 'numDigits', C.GatherInvalidNumDigits, 1);
  const speechTimeout = gatherSpeechTimeout(el);
  const maxSpeechTime = A.optionalInteger(el, 'maxSpeechTime', C.GatherInvalidMaxSpeechTime, 1);
  const hints = A.attr(el, 'hints');
  const speechModel = A.attr(el, 'speechModel');
  const partialResultCallback = A.optionalUrl(ctx, el, 'partialResultCallback', C.SchemaValidation);
  const input = A.wordList(el, 'input', GATHER_INPUTS, C.SchemaValidation, ['dtmf']);
  if (input.length === 0) throw new TwimlProblem(C.SchemaValidation, '<Gather> input must name dtmf and/or speech');

  const children: GatherVerb['children'] = [];
  for (const child of el.children) {
    if (typeof child === 'string') {
      if (child.trim() !== '') throw new TwimlProblem(C.GatherInvalidNestedVerb, '<Gather> cannot contain text');
      continue;
    }
    if (child.name === 'Say') children.push(say(child, C.GatherSayInvalidLoop));
    else if (child.name === 'Play') children.push(play(ctx, child));
    else if (child.name === 'Pause') children.push(pause(child));
    else throw new TwimlProblem(C.GatherInvalidNestedVerb, `<Gather> cannot contain <${child.name}>; only Say, Play and Pause`);
  }

  return {
    verb: 'Gather',
    ...(action !== undefined && { action }),
    method: A.method(el, 'method', C.GatherInvalidMethod),
    timeout: A.integer(el, 'timeout', C.GatherInvalidTimeout, 5, 1),
    finishOnKey: A.keys(el, 'finishOnKey', C.GatherInvalidFinishOnKey, '#', 1),
    ...(numDigits !== undefined && { numDigits }),
    input,
    actionOnEmptyResult: A.boolean(el, 'actionOnEmptyResult', C.GatherInvalidActionOnEmptyResult, false),
    ...(speechTimeout !== undefined && { speechTimeout }),
    ...(maxSpeechTime !== undefined && { maxSpeechTime }),
    language: A.attr(el, 'language') ?? 'en-US',
    ...(hints !== undefined && { hints }),
    ...(speechModel !== undefined && { speechModel }),
    profanityFilter: A.boolean(el, 'profanityFilter', C.SchemaValidation, true),
    bargeIn: A.boolean(el, 'bargeIn', C.GatherInvalidBargeIn, true),
    ...(partialResultCallback !== undefined && { partialResultCallback }),
    partialResultCallbackMethod: A.method(el, 'partialResultCallbackMethod', C.GatherInvalidMethod),
    children,
  };
}

function gatherSpeechTimeout(el: XmlElement): number | 'auto' | undefined {
  if (A.attr(el, 'speechTimeout') === 'auto') return 'auto';
  return A.optionalInteger(el, 'speechTimeout', C.GatherInvalidSpeechTimeout, 0);
}


function record(ctx: ParseContext, el: XmlElement): RecordVerb {
  empty(el);
  const action = A.optionalUrl(ctx, el, 'action', C.SchemaValidation) ?? ctx.base?.href;
  const recordingStatusCallback = A.optionalUrl(ctx, el, 'recordingStatusCallback', C.SchemaValidation);
  const transcribeCallback = A.optionalUrl(ctx, el, 'transcribeCallback', C.SchemaValidation);
  return {
    verb: 'Record',
    ...(action !== undefined && { action }),
    method: A.method(el, 'method', C.RecordInvalidMethod),
    timeout: A.integer(el, 'timeout', C.RecordInvalidTimeout, 5, 0),
    finishOnKey: A.keys(el, 'finishOnKey', C.RecordInvalidFinishOnKey, '1234567890*#', 12),
    maxLength: A.integer(el, 'maxLength', C.RecordInvalidMaxLength, 3600, 1),
    playBeep: A.boolean(el, 'playBeep', C.RecordInvalidPlayBeep, true),
    trim: A.oneOf(el, 'trim', ['trim-silence', 'do-not-trim'] as const, C.SchemaValidation, 'trim-silence'),
    ...(recordingStatusCallback !== undefined && { recordingStatusCallback }),
    recordingStatusCallbackMethod: A.method(el, 'recordingStatusCallbackMethod', C.RecordInvalidMethod),
    recordingStatusCallbackEvent: A.wordList(
      el, 'recordingStatusCallbackEvent', RECORDING_EVENTS, C.SchemaValidation, ['completed'],
    ),
    transcribe: A.boolean(el, 'transcribe', C.RecordInvalidTranscribe, false),
    ...(transcribeCallback !== undefined && { transcribeCallback }),
  };
}

function hangup(el: XmlElement): HangupVerb {
  empty(el);
  return { verb: 'Hangup' };
}

function leave(el: XmlElement): LeaveVerb {
  empty(el);
  return { verb: 'Leave' };
}

function reject(el: XmlElement): RejectVerb {
  empty(el);
  return { verb: 'Reject', reason: A.oneOf(el, 'reason', ['rejected', 'busy'] as const, C.RejectInvalidReason, 'rejected') };
}

function redirect(ctx: ParseContext, el: XmlElement): VoiceRedirectVerb {
  const ref = textOnly(el, C.SchemaValidation);
  if (ref === '') throw new TwimlProblem(C.SchemaValidation, '<Redirect> must contain a URL');
  return {
    verb: 'Redirect',
    url: A.url(ctx, el, 'Redirect', ref, C.SchemaValidation),
    method: A.method(el, 'method', C.RedirectInvalidMethod),
  };
}

function refer(ctx: ParseContext, el: XmlElement): ReferVerb {
  noText(el, C.SchemaValidation);
  const sips = el.children.filter((c): c is XmlElement => typeof c !== 'string');
  const other = sips.find((c) => c.name !== 'Sip');
  if (other) throw new TwimlProblem(C.SchemaValidation, `<Refer> cannot contain <${other.name}>`);
  if (sips.length !== 1) throw new TwimlProblem(C.SchemaValidation, '<Refer> needs exactly one <Sip> to transfer to');
  const uri = textOnly(sips[0]!, C.SchemaValidation);
  if (!/^sips?:[^\s]+$/i.test(uri)) throw new TwimlProblem(C.SchemaValidation, `<Refer><Sip> "${uri}" is not a SIP URI`);
  const action = A.optionalUrl(ctx, el, 'action', C.SchemaValidation);
  return { verb: 'Refer', uri, ...(action !== undefined && { action }), method: A.method(el, 'method', C.SchemaValidation) };
}

/** Verbs that take neither text nor nested elements. */
function empty(el: XmlElement): void {
  noText(el, C.SchemaValidation);
  const nested = el.children.find((c) => typeof c !== 'string');
  if (nested !== undefined && typeof nested !== 'string') {
    throw new TwimlProblem(C.SchemaValidation, `<${el.name}> cannot contain <${nested.name}>`);
  }
}
