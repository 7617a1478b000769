// <Say>: espeak-ng speech (TextToSpeech caches it; without espeak-ng it warns once and plays silence of the
// spoken length), `loop` times, 0 = until the call ends.
import type { SayVerb } from '../../../protocols/twiml/index.js';
import type { VerbContext, VerbOutcome } from '../verb-context.js';
import { CONTINUE, ENDED, playAudio } from './media.js';

/** Speaks without answering first: also the nested prompt of a Gather, whose key press (`stop`) cuts it short. */
export async function speak(verb: SayVerb, ctx: VerbContext, stop?: AbortSignal): Promise<VerbOutcome> {
  const pcm = await ctx.tts.synthesize(verb.text, { voice: verb.voice, language: verb.language, ssml: verb.ssml });
  if (ctx.signal.aborted) return ENDED;
  await playAudio(ctx, pcm, verb.loop, stop);
  return ctx.signal.aborted ? ENDED : CONTINUE;
}

export async function say(verb: SayVerb, ctx: VerbContext): Promise<VerbOutcome> {
  await ctx.answer();
  if (ctx.signal.aborted) return ENDED;
  return speak(verb, ctx);
}
