// <Pause length>: silence. It does not answer the call: as the first verb it delays the answer, as Twilio's does.
import type { PauseVerb } from '../../../protocols/twiml/index.js';
import type { VerbContext, VerbOutcome } from '../verb-context.js';
import { CONTINUE, ENDED, wait } from './media.js';

/** Waits `length` seconds, cut short by the call ending or by `stop` (a Gather's key press). */
export async function pauseFor(verb: PauseVerb, ctx: VerbContext, stop?: AbortSignal): Promise<VerbOutcome> {
  await wait(ctx, verb.length * 1000, stop);
  return ctx.signal.aborted ? ENDED : CONTINUE;
}

export function pause(verb: PauseVerb, ctx: VerbContext): Promise<VerbOutcome> {
  return pauseFor(verb, ctx);
}
