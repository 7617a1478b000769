// <Gather> for DTMF: nested Say/Play/Pause prompts that the first key interrupts (bargeIn), then `timeout`
// seconds of waiting for each further key; `finishOnKey` and `numDigits` end it early. With digits (or with
// actionOnEmptyResult) the action URL's TwiML replaces the document; with none the call falls through to the
// next verb. Speech is not recognised: see SPEECH_UNSUPPORTED.
import type { DtmfDigit } from '../../../protocols/rtp/index.js';
import type { GatherVerb } from '../../../protocols/twiml/index.js';
import type { VerbContext, VerbOutcome } from '../verb-context.js';
import { CONTINUE, ENDED } from './media.js';
import { pauseFor } from './pause.js';
import { playMedia } from './play.js';
import { speak } from './say.js';

/**
 * Twilio's 13334 ("Gather: Invalid model value": no speech model serves the request, so the speech part of the
 * gather fails) is the closest of its codes to "this switch has no speech recognition". `dtmf speech` then
 * gathers keys only; `speech` alone hears nothing, so it ends as a gather with no input.
 */
export const SPEECH_UNSUPPORTED = 13334;

interface Gathered {
  digits: string;
  finishedOnKey: string;
}

export async function gather(verb: GatherVerb, ctx: VerbContext): Promise<VerbOutcome> {
  await ctx.answer();
  if (ctx.signal.aborted) return ENDED;
  if (verb.input.includes('speech')) {
    ctx.notify(
      SPEECH_UNSUPPORTED,
      verb.input.includes('dtmf')
        ? '<Gather input="dtmf speech">: speech recognition is not supported by tandem; gathering keypad digits only'
        : '<Gather input="speech">: speech recognition is not supported by tandem; the gather ends with no input',
    );
  }
  const result = await collect(verb, ctx);
  if (ctx.signal.aborted) return ENDED;
  if (result.digits === '' && !verb.actionOnEmptyResult) return CONTINUE;
  const url = verb.action ?? ctx.call.documentUrl;
  if (url === undefined || url === null) return CONTINUE;
  return ctx.fetchDocument({ url, method: verb.method, params: { Digits: result.digits, FinishedOnKey: result.finishedOnKey } });
}

async function collect(verb: GatherVerb, ctx: VerbContext): Promise<Gathered> {
  const listening = verb.input.includes('dtmf');
  const got: Gathered = { digits: '', finishedOnKey: '' };
  const complete = new AbortController();
  const firstKey = new AbortController();
  let onKey: (() => void) | undefined;

  const onDtmf = (digit: DtmfDigit) => {
    if (!listening || complete.signal.aborted) return;
    firstKey.abort();
    if (verb.finishOnKey.includes(digit)) {
      got.finishedOnKey = digit;
      complete.abort();
      return;
    }
    got.digits += digit;
    if (verb.numDigits !== undefined && got.digits.length >= verb.numDigits) complete.abort();
    else onKey?.();
  };
  ctx.media.on('dtmf', onDtmf);
  try {
    // Without bargeIn the prompts play to the end even though keys are taken meanwhile.
    const interrupt = verb.bargeIn ? firstKey.signal : undefined;
    for (const prompt of verb.children) {
      if (ctx.signal.aborted || interrupt?.aborted) break;
      if (prompt.verb === 'Say') await speak(prompt, ctx, interrupt);
      else if (prompt.verb === 'Play') await playMedia(prompt, ctx, interrupt);
      else await pauseFor(prompt, ctx, interrupt);
    }
    await new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(timer);
        onKey = undefined;
        complete.signal.removeEventListener('abort', finish);
        ctx.signal.removeEventListener('abort', finish);
        resolve();
      };
      if (complete.signal.aborted || ctx.signal.aborted) return finish();
      // `timeout` counts from the end of the prompts, and again from each key.
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(finish, verb.timeout * 1000);
      };
      onKey = arm;
      complete.signal.addEventListener('abort', finish, { once: true });
      ctx.signal.addEventListener('abort', finish, { once: true });
      arm();
    });
  } finally {
    ctx.media.off('dtmf', onDtmf);
  }
  return got;
}
