// <Reject reason>: declines the call without ever answering it: busy → SIP 486, rejected → 603 (ctx.reject).
import type { RejectVerb } from '../../../protocols/twiml/index.js';
import type { VerbContext, VerbOutcome } from '../verb-context.js';
import { ENDED } from './media.js';

export async function reject(verb: RejectVerb, ctx: VerbContext): Promise<VerbOutcome> {
  if (ctx.signal.aborted) return ENDED;
  await ctx.reject(verb.reason);
  return { next: 'hangup', reason: verb.reason === 'busy' ? 'busy' : 'rejected' };
}
