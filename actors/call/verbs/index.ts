// The voice verbs, one module each. The call session runs a document with runDocument (or verb by verb with
// runVerb) and acts on the outcome: another document, or the end of the call.
import type { VoiceVerb } from '../../../protocols/twiml/index.js';
import type { VerbContext, VerbOutcome } from '../verb-context.js';
import { dial } from './dial.js';
import { enqueue, leave } from './enqueue.js';
import { gather } from './gather.js';
import { hangup } from './hangup.js';
import { ENDED } from './media.js';
import { pause } from './pause.js';
import { play } from './play.js';
import { record } from './record.js';
import { redirect } from './redirect.js';
import { refer } from './refer.js';
import { reject } from './reject.js';
import { say } from './say.js';
import { connect, start, stop } from './stream.js';
import { startRecording, stopRecording } from './recording.js';
import { unsupported } from './unsupported.js';

export type { StatusCallbackPost } from './callbacks.js';
export { SPEECH_UNSUPPORTED } from './gather.js';
export { SILENCE_RMS, trimSilence } from './record.js';
export { UNSUPPORTED_VERB } from './unsupported.js';

export function runVerb(verb: VoiceVerb, ctx: VerbContext): Promise<VerbOutcome> {
  switch (verb.verb) {
    case 'Say':
      return say(verb, ctx);
    case 'Play':
      return play(verb, ctx);
    case 'Pause':
      return pause(verb, ctx);
    case 'Gather':
      return gather(verb, ctx);
    case 'Record':
      return record(verb, ctx);
    case 'Dial':
      return dial(verb, ctx);
    case 'Hangup':
      return hangup(verb, ctx);
    case 'Reject':
      return reject(verb, ctx);
    case 'Redirect':
      return redirect(verb, ctx);
    case 'Refer':
      return refer(verb, ctx);
    case 'Start':
      return start(verb, ctx);
    case 'Stop':
      return stop(verb, ctx);
    case 'StartRecording':
      return startRecording(verb, ctx);
    case 'StopRecording':
      return stopRecording(verb, ctx);
    case 'Connect':
      return connect(verb, ctx);
    case 'Enqueue':
      return enqueue(verb, ctx);
    case 'Leave':
      return leave(verb, ctx);
    case 'Unsupported':
      return unsupported(verb, ctx);
  }
}

/** What running a whole document came to: it ran out of verbs, or one of them replaced it or ended the call. */
export type DocumentOutcome = Exclude<VerbOutcome, { next: 'continue' }> | { next: 'end-of-document' };

/**
 * Runs `verbs` in order until one replaces the document or ends the call, or none is left (Twilio then hangs
 * up; the session does that on 'end-of-document'). If ctx.signal aborts, it returns {hangup, remote} promptly.
 */
export async function runDocument(verbs: readonly VoiceVerb[], ctx: VerbContext): Promise<DocumentOutcome> {
  for (const verb of verbs) {
    if (ctx.signal.aborted) return ENDED;
    const outcome = await runVerb(verb, ctx);
    if (outcome.next !== 'continue') return outcome;
  }
  return ctx.signal.aborted ? ENDED : { next: 'end-of-document' };
}
