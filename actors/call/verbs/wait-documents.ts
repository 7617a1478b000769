// Hold: what a caller hears while waiting for something else (a queue's agent, a conference to start). A waitUrl's
// TwiML runs, and is requested again each time it runs out, until the wait is over; without a waitUrl the caller
// waits in silence (tandem has no hold music of its own). A waitUrl that names an audio file (a URL ending in .mp3
// or .wav) is played as it is, looped, as Twilio plays one. Shared by <Enqueue>, <Dial><Conference> and a
// participant's HoldUrl.
import type { VoiceVerb } from '../../../protocols/twiml/index.js';
import type { VerbContext } from '../verb-context.js';
import { UNSUPPORTED_VERB } from './unsupported.js';
import { wait } from './media.js';
import { runDocument } from './index.js';

/** Without a waitUrl, or while it fails, the caller waits in silence this long a round before it is tried again. */
export const HOLD_ROUND_MS = 5_000;
/** A wait URL naming an audio file rather than a TwiML document (by its path's extension). */
const AUDIO_FILE = /\.(mp3|wav)(\?.*)?$/i;
/** A wait document that ends at once is requested again only after this long, so a bare <Response/> cannot spin. */
const MIN_WAIT_ROUND_MS = 1_000;

export interface WaitMusic {
  url?: string;
  method: 'GET' | 'POST';
  /** The parameters each waitUrl request adds (QueuePosition, …), taken when it is made. */
  params(): Record<string, string>;
  /** The verbs a wait document may hold; the others are skipped with a 12200 warning. */
  allowed: ReadonlySet<VoiceVerb['verb']>;
  /** "a waitUrl": names the document in that warning. */
  what: string;
}

/**
 * Runs wait documents until `signal` aborts (a failing waitUrl is a notification, and silence meanwhile). A
 * <Redirect> or a <Gather>'s action becomes the next wait document. 'hangup' when a document's <Hangup> ended it.
 */
export async function playWaitDocuments(ctx: VerbContext, signal: AbortSignal, music: WaitMusic): Promise<'stopped' | 'hangup'> {
  let documentUrl = music.url ?? null;
  const waitCtx = scoped(ctx, signal, () => documentUrl);
  let doc: readonly VoiceVerb[] | undefined;
  try {
    while (!signal.aborted) {
      if (!doc) {
        if (music.url === undefined) {
          await wait(waitCtx, HOLD_ROUND_MS);
          continue;
        }
        documentUrl = music.url;
        if (AUDIO_FILE.test(music.url)) {
          doc = [{ verb: 'Play', url: music.url, loop: 0 }];
          continue;
        }
        // Whatever ends the wait must not wait for a slow wait document.
        const fetched = await orAborted(signal, ctx.fetchDocument({ url: music.url, method: music.method, params: music.params() }));
        if (fetched === undefined) break;
        if (fetched.next !== 'document') {
          await wait(waitCtx, HOLD_ROUND_MS);
          continue;
        }
        doc = fetched.verbs;
      }
      const started = Date.now();
      const outcome = await runDocument(allowed(doc, music.allowed, music.what, ctx), waitCtx);
      doc = undefined;
      if (signal.aborted) break;
      if (outcome.next === 'document') {
        doc = outcome.verbs;
        documentUrl = outcome.documentUrl;
        continue;
      }
      if (outcome.next === 'hangup') {
        if (outcome.reason !== 'error') return 'hangup';
        await wait(waitCtx, HOLD_ROUND_MS);
        continue;
      }
      if (Date.now() - started < MIN_WAIT_ROUND_MS) await wait(waitCtx, MIN_WAIT_ROUND_MS);
    }
  } finally {
    ctx.media.stopPlayback();
  }
  return 'stopped';
}

/** The verbs a document of this kind may hold; the rest are skipped, each with a 12200 warning. */
export function allowed(verbs: readonly VoiceVerb[], kinds: ReadonlySet<VoiceVerb['verb']>, what: string, ctx: VerbContext): VoiceVerb[] {
  return verbs.filter((v) => {
    if (kinds.has(v.verb)) return true;
    ctx.notify(UNSUPPORTED_VERB, `<${v.verb === 'Unsupported' ? v.name : v.verb}> is not allowed in ${what} document; skipped`);
    return false;
  });
}

/** `ctx` with its own stop signal and document URL (the wait document's, for a <Gather> without action). */
function scoped(ctx: VerbContext, signal: AbortSignal, documentUrl: () => string | null): VerbContext {
  return Object.create(ctx, {
    signal: { get: () => signal },
    call: { get: () => ({ ...ctx.call, documentUrl: documentUrl() }) },
  }) as VerbContext;
}

/** `p`'s value, or undefined as soon as `signal` aborts. */
export function orAborted<T>(signal: AbortSignal, p: Promise<T>): Promise<T | undefined> {
  return Promise.race([p, aborted(signal).then(() => undefined)]);
}

export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
