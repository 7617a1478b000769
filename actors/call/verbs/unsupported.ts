// Valid TwiML tandem does not run (<Enqueue>, <Connect><Room>, <Dial><Conference>, …): a 12200 warning names it and
// the call goes on with the next verb, so one unsupported verb does not cost the caller the whole call.
import type { UnsupportedVerb } from '../../../protocols/twiml/index.js';
import type { VerbContext, VerbOutcome } from '../verb-context.js';
import { CONTINUE, ENDED } from './media.js';

/** Twilio's "Schema validation warning". */
export const UNSUPPORTED_VERB = 12200;

export async function unsupported(verb: UnsupportedVerb, ctx: VerbContext): Promise<VerbOutcome> {
  const what = verb.within ? `<${verb.name}> inside <${verb.within}>` : `<${verb.name}>`;
  const skipped = verb.within ? `the whole <${verb.within}>` : 'it';
  ctx.notify(UNSUPPORTED_VERB, `${what} is valid TwiML that tandem does not support; skipped ${skipped} and went on with the next verb`);
  return ctx.signal.aborted ? ENDED : CONTINUE;
}
