// <Hangup>: ends the call. Like Twilio, an unanswered call is answered first (only <Reject> declines one).
import type { HangupVerb } from '../../../protocols/twiml/index.js';
import type { VerbContext, VerbOutcome } from '../verb-context.js';
import { ENDED } from './media.js';

export async function hangup(_verb: HangupVerb, ctx: VerbContext): Promise<VerbOutcome> {
  await ctx.answer();
  if (ctx.signal.aborted) return ENDED;
  return { next: 'hangup', reason: 'hangup' };
}
