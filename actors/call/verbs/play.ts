// <Play>: a WAV (or MP3, when a decoder is configured) URL fetched and cached by ctx.fetchAudio, `loop` times
// (0 = until the call ends); or `digits`, pressed as DTMF (w = 0.5 s, W = 1 s). Audio that cannot be fetched or
// decoded is reported as a notification with its code and the call goes on, as Twilio does.
import type { PlayVerb } from '../../../protocols/twiml/index.js';
import type { VerbContext, VerbOutcome } from '../verb-context.js';
import { CONTINUE, ENDED, playAudio, sendDigits } from './media.js';

/** 11200 unless the failure names its own Twilio code (AudioFetchError does). */
function failureCode(err: unknown): number {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : 11200;
}

/** Plays without answering first: also the nested prompt of a Gather, whose key press (`stop`) cuts it short. */
export async function playMedia(verb: PlayVerb, ctx: VerbContext, stop?: AbortSignal): Promise<VerbOutcome> {
  if (verb.digits !== undefined && verb.digits !== '') {
    await sendDigits(ctx, verb.digits, stop);
    return ctx.signal.aborted ? ENDED : CONTINUE;
  }
  if (verb.url === undefined) return CONTINUE;
  let pcm: Int16Array;
  try {
    pcm = await ctx.fetchAudio(verb.url);
  } catch (err) {
    ctx.notify(failureCode(err), `<Play> ${verb.url}: ${(err as Error).message}`);
    return ctx.signal.aborted ? ENDED : CONTINUE;
  }
  if (ctx.signal.aborted) return ENDED;
  await playAudio(ctx, pcm, verb.loop, stop);
  return ctx.signal.aborted ? ENDED : CONTINUE;
}

export async function play(verb: PlayVerb, ctx: VerbContext): Promise<VerbOutcome> {
  await ctx.answer();
  if (ctx.signal.aborted) return ENDED;
  return playMedia(verb, ctx);
}
