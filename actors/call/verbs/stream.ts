// <Start><Stream>, <Stop><Stream> and <Connect><Stream>: Twilio Media Streams (src/voice/media-streams.ts does the
// streaming). <Start> forks the caller's audio to the app and goes straight on; <Connect> hands the call to the app
// (its audio played to the caller) until the app closes the socket, then posts `action` or goes on.
import type { ConnectVerb, StartVerb, StopVerb } from '../../../protocols/twiml/index.js';
import type { VerbContext, VerbOutcome } from '../verb-context.js';
import { CONTINUE, ENDED } from './media.js';

export async function start(verb: StartVerb, ctx: VerbContext): Promise<VerbOutcome> {
  await ctx.answer();
  if (ctx.signal.aborted) return ENDED;
  ctx.streams.start(verb.stream, false);
  return CONTINUE;
}

export async function stop(verb: StopVerb, ctx: VerbContext): Promise<VerbOutcome> {
  ctx.streams.stop(verb.name);
  return ctx.signal.aborted ? ENDED : CONTINUE;
}

export async function connect(verb: ConnectVerb, ctx: VerbContext): Promise<VerbOutcome> {
  await ctx.answer();
  if (ctx.signal.aborted) return ENDED;
  const stream = ctx.streams.start(verb.stream, true);
  if (stream) {
    // The call ending or an API redirect ends the stream; the stream ending (the app closed it) ends the verb.
    const onAbort = () => stream.stop();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    await stream.over;
    ctx.signal.removeEventListener('abort', onAbort);
    ctx.media.stopPlayback();
  }
  if (ctx.signal.aborted) return ENDED;
  if (verb.action !== undefined) return ctx.fetchDocument({ url: verb.action, method: verb.method, params: {} });
  return CONTINUE;
}
