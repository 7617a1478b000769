// Runs machine detection on an answered outbound call: the called party's frames go to the detector until it decides,
// MachineDetectionTimeout passes (by the wall clock: a far end that sends nothing is `unknown` in time), or the call
// ends. The call's TwiML is fetched after it, with AnsweredBy, as Twilio does for MachineDetection on Calls create.
// A far end that sends no RTP while it is quiet (no comfort noise, as tandem's own endpoints and many phones do) is
// heard as silence: when the audio falls behind the wall clock by more than a jitter's worth, silent frames fill in.
// With AsyncAmd the TwiML runs at once and detection listens beside it; its decision goes to AsyncAmdStatusCallback.
import { MachineDetector, type Detection, type MachineDetectionSettings } from '../../src/voice/machine-detection.js';
import type { CallRecord } from '../../src/store/records.js';
import type { CallSession } from './call-session.js';
import type { VoiceDeps } from './voice-deps.js';

/** Margin over the audio's own clock before the wall clock decides: frames arrive up to a jitter buffer late. */
const WALL_CLOCK_MARGIN_MS = 500;
/** How far the audio may lag the wall clock before the gap is taken as silence, and how often that is checked. */
const GAP_AS_SILENCE_MS = 100;
const SILENT_FRAME = new Int16Array(160);

/**
 * AsyncAmd: detection runs beside the call's TwiML; its decision is stored on the call (answered_by) and posted,
 * signed, to AsyncAmdStatusCallback with AnsweredBy and MachineDetectionDuration. Without a callback URL the account
 * is warned (21262, as Twilio does). A call that ends before a decision reports nothing.
 */
export function detectBeside(s: CallSession, deps: VoiceDeps, settings: MachineDetectionSettings, async: NonNullable<CallRecord['asyncAmd']>): void {
  const { accountSid } = s.record;
  if (!async.statusCallback) {
    deps.notify({ accountSid, callSid: s.sid, errorCode: 21262, text: 'AsyncAmd without an AsyncAmdStatusCallback: the result is only on the call (answered_by).', log: 1 });
  }
  void detectAnsweredBy(s, settings)
    .then(async ({ answeredBy, durationMs }) => {
      if (s.isOver) return;
      await s.update({ answeredBy });
      if (!async.statusCallback) return;
      deps.callbacks.post(accountSid, {
        url: async.statusCallback,
        method: async.statusCallbackMethod,
        params: { AccountSid: accountSid, CallSid: s.sid, AnsweredBy: answeredBy, MachineDetectionDuration: String(Math.round(durationMs)) },
      });
    })
    .catch((err: unknown) => deps.log.error({ err, callSid: s.sid }, 'asynchronous machine detection failed'));
}

export function detectAnsweredBy(s: CallSession, settings: MachineDetectionSettings): Promise<Detection> {
  const detector = new MachineDetector(settings);
  return new Promise((resolve) => {
    let over = false;
    const startedAt = performance.now();
    const done = (d: Detection) => {
      if (over) return;
      over = true;
      s.media.off('audio', onAudio);
      clearTimeout(timer);
      clearInterval(gaps);
      resolve(d);
    };
    const onAudio = (frame: Int16Array) => {
      const d = detector.feed(frame);
      if (d) done(d);
    };
    const timer = setTimeout(() => done(detector.timedOut()), settings.timeoutMs + WALL_CLOCK_MARGIN_MS);
    const gaps = setInterval(() => {
      const behindMs = performance.now() - startedAt - detector.heardMs - GAP_AS_SILENCE_MS;
      for (let n = Math.floor(behindMs / 20); n > 0 && !over; n--) onAudio(SILENT_FRAME);
    }, GAP_AS_SILENCE_MS);
    s.media.on('audio', onAudio);
    void s.ended.then(() => done(detector.timedOut()));
  });
}
