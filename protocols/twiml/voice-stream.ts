// <Start>, <Stop> and <Connect> with their <Stream> noun (Twilio Media Streams), and <Start>/<Stop> with
// <Recording> (voice-recording.ts). Their other nouns (<Siprec>, <Transcription>, <Room>, <ConversationRelay>, …)
// parse as Unsupported, so the call says so and goes on.
import * as A from './attributes.js';
import type { ParseContext } from './attributes.js';
import { noText, type XmlElement } from './document.js';
import { TwimlCode, TwimlProblem } from './errors.js';
import type { ConnectVerb, StartRecordingVerb, StartVerb, StopRecordingVerb, StopVerb, StreamNoun, StreamTrack, UnsupportedVerb } from './voice-types.js';
import { startRecording, stopRecording } from './voice-recording.js';

const C = TwimlCode;
/** What a stream may carry, as TwiML's `track` and the Streams API's `Track` name it. */
export const STREAM_TRACKS: readonly StreamTrack[] = ['inbound_track', 'outbound_track', 'both_tracks'];
/** Twilio's ceiling on a stream's custom parameters. */
const MAX_PARAMETERS = 99;

export function start(ctx: ParseContext, el: XmlElement): StartVerb | StartRecordingVerb | UnsupportedVerb {
  const noun = onlyNoun(el);
  if (noun.name === 'Recording') return startRecording(ctx, noun);
  if (noun.name !== 'Stream') return { verb: 'Unsupported', name: noun.name, within: 'Start' };
  return { verb: 'Start', stream: stream(ctx, noun) };
}

export function stop(el: XmlElement): StopVerb | StopRecordingVerb | UnsupportedVerb {
  const noun = onlyNoun(el);
  if (noun.name === 'Recording') return stopRecording(noun);
  if (noun.name !== 'Stream') return { verb: 'Unsupported', name: noun.name, within: 'Stop' };
  const name = A.attr(noun, 'name');
  return { verb: 'Stop', ...(name !== undefined && { name }) };
}

export function connect(ctx: ParseContext, el: XmlElement): ConnectVerb | UnsupportedVerb {
  const noun = onlyNoun(el);
  if (noun.name !== 'Stream') return { verb: 'Unsupported', name: noun.name, within: 'Connect' };
  const s = stream(ctx, noun);
  if (s.track !== 'inbound_track') {
    throw new TwimlProblem(C.SchemaValidation, `<Connect><Stream> streams the caller's audio only: track="${s.track}" is invalid here`);
  }
  const action = A.optionalUrl(ctx, el, 'action', C.SchemaValidation);
  return { verb: 'Connect', stream: s, ...(action !== undefined && { action }), method: A.method(el, 'method', C.SchemaValidation) };
}

/** `<Start>`, `<Stop>` and `<Connect>` each hold exactly one noun. */
function onlyNoun(el: XmlElement): XmlElement {
  noText(el, C.SchemaValidation);
  const nouns = el.children.filter((c): c is XmlElement => typeof c !== 'string');
  if (nouns.length !== 1) throw new TwimlProblem(C.SchemaValidation, `<${el.name}> must hold exactly one noun, not ${nouns.length}`);
  return nouns[0]!;
}

function stream(ctx: ParseContext, el: XmlElement): StreamNoun {
  noText(el, C.SchemaValidation);
  const url = A.attr(el, 'url');
  if (url === undefined) throw new TwimlProblem(C.SchemaValidation, '<Stream> needs a url');
  const parameters: Record<string, string> = {};
  let count = 0;
  for (const child of el.children) {
    if (typeof child === 'string') continue;
    if (child.name !== 'Parameter') throw new TwimlProblem(C.SchemaValidation, `<Stream> cannot contain <${child.name}>`);
    const [name, value] = A.parameter(child);
    if (++count > MAX_PARAMETERS) throw new TwimlProblem(C.SchemaValidation, `<Stream> takes at most ${MAX_PARAMETERS} <Parameter>s`);
    parameters[name] = value;
  }
  const name = A.attr(el, 'name');
  const statusCallback = A.optionalUrl(ctx, el, 'statusCallback', C.SchemaValidation);
  return {
    url,
    ...(name !== undefined && { name }),
    track: A.oneOf(el, 'track', STREAM_TRACKS, C.SchemaValidation, 'inbound_track'),
    ...(statusCallback !== undefined && { statusCallback }),
    statusCallbackMethod: A.method(el, 'statusCallbackMethod', C.SchemaValidation),
    parameters,
  };
}
