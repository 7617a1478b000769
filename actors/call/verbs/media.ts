// What several verbs share: playing into the call until done, hung up, or told to stop (a Gather's barge-in),
// and waiting that a hang-up or a key press cuts short.
import type { PlayResult } from '../../../protocols/rtp/index.js';
import type { VerbContext, VerbOutcome } from '../verb-context.js';

export const CONTINUE: VerbOutcome = { next: 'continue' };
/** The call ended (or was redirected through the API) while the verb ran: the session decides what follows. */
export const ENDED: Extract<VerbOutcome, { next: 'hangup' }> = { next: 'hangup', reason: 'remote' };

/** The call's signal, plus the caller's own stop signal when there is one. */
export function stopSignal(ctx: VerbContext, stop?: AbortSignal): AbortSignal {
  return stop ? AbortSignal.any([ctx.signal, stop]) : ctx.signal;
}

/** Runs one queued media action (play or digits) and interrupts it the moment `signal` aborts. */
async function untilStopped(ctx: VerbContext, signal: AbortSignal, start: () => Promise<PlayResult>): Promise<PlayResult> {
  if (signal.aborted) return 'interrupted';
  const onAbort = () => ctx.media.stopPlayback();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await start();
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Plays 8 kHz audio `loop` times (0 = until stopped). */
export function playAudio(ctx: VerbContext, pcm: Int16Array, loop: number, stop?: AbortSignal): Promise<PlayResult> {
  return untilStopped(ctx, stopSignal(ctx, stop), () => ctx.media.play(pcm, { loop }));
}

export function sendDigits(ctx: VerbContext, digits: string, stop?: AbortSignal): Promise<PlayResult> {
  return untilStopped(ctx, stopSignal(ctx, stop), () => ctx.media.sendDigits(digits));
}

/** Waits `ms`; resolves false when cut short by the call ending or `stop`. */
export function wait(ctx: VerbContext, ms: number, stop?: AbortSignal): Promise<boolean> {
  const signal = stopSignal(ctx, stop);
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
