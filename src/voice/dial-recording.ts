// <Dial record="record-from-answer">: both parties of a bridged dial in one mono recording. Each leg's endpoint
// records what it hears from its own party (in its media worker, gaps filled with silence); the two are stopped
// together the moment either leg starts ending, while both endpoints are still open, and summed sample by sample.
import { mixEndAligned, type MediaEndpoint } from '../../protocols/rtp/index.js';

/**
 * Starts recording both legs; resolves with the mix once any of `until` aborts. Both recordings stop at the same
 * instant but may have started apart (a party whose first packet came later), so they are lined up at their ends.
 * `started` is told once both are recording (the <Dial>'s in-progress recording callback).
 */
export function recordBridge(a: MediaEndpoint, b: MediaEndpoint, until: readonly AbortSignal[], started?: () => void): Promise<Int16Array> {
  a.startRecording();
  b.startRecording();
  started?.();
  return new Promise((resolve) => {
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      for (const s of until) s.removeEventListener('abort', stop);
      void Promise.all([a.stopRecording(), b.stopRecording()]).then(
        ([ha, hb]) => resolve(mixEndAligned(ha, hb)),
        () => resolve(new Int16Array(0)),
      );
    };
    for (const s of until) {
      if (s.aborted) return stop();
      s.addEventListener('abort', stop, { once: true });
    }
  });
}
