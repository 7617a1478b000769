// <Redirect>: the TwiML at `url` replaces the rest of this document.
import type { VoiceRedirectVerb } from '../../../protocols/twiml/index.js';
import type { VerbContext, VerbOutcome } from '../verb-context.js';
import { ENDED } from './media.js';

export async function redirect(verb: VoiceRedirectVerb, ctx: VerbContext): Promise<VerbOutcome> {
  if (ctx.signal.aborted) return ENDED;
  return ctx.fetchDocument({ url: verb.url, method: verb.method, params: {} });
}
