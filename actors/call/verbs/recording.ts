// <Start><Recording> and <Stop><Recording>: a recording of the call that runs beside the TwiML until stopped or
// the call ends (src/voice/live-recordings.ts records it). <Start> goes straight on, as Twilio's does.
import type { StartRecordingVerb, StopRecordingVerb } from '../../../protocols/twiml/index.js';
import type { VerbContext, VerbOutcome } from '../verb-context.js';
import { CONTINUE, ENDED } from './media.js';

export async function startRecording(verb: StartRecordingVerb, ctx: VerbContext): Promise<VerbOutcome> {
  await ctx.answer();
  if (ctx.signal.aborted) return ENDED;
  ctx.recordings.start(verb.recording);
  return CONTINUE;
}

export async function stopRecording(verb: StopRecordingVerb, ctx: VerbContext): Promise<VerbOutcome> {
  await ctx.recordings.stop(verb.name);
  return ctx.signal.aborted ? ENDED : CONTINUE;
}
