// <Record>: an optional beep, then the caller's audio until a finishOnKey key, `timeout` seconds of silence,
// `maxLength`, or hang-up. Silence is trimmed from both ends (trim-silence), the WAV stored through
// ctx.saveRecording, recordingStatusCallback told, and the action URL's TwiML replaces the document.
// A recording that holds no sound at all is "absent": no action request, the next verb runs (as Twilio does).
import { beep, FRAME_SAMPLES, rms, type DtmfDigit } from '../../../protocols/rtp/index.js';
import type { RecordVerb, RecordingEvent } from '../../../protocols/twiml/index.js';
import { rfc2822 } from '../../../src/util/time.js';
import type { RecordingId, RecordingMeta, RecordingSaved, VerbContext, VerbOutcome } from '../verb-context.js';
import './callbacks.js';
import { CONTINUE, ENDED, playAudio } from './media.js';

/** Frames quieter than this (RMS of 16-bit samples, about -40 dBFS) count as silence. */
export const SILENCE_RMS = 330;
const SILENCE_CHECK_MS = 50;

type Ending = { by: 'key'; digit: DtmfDigit } | { by: 'silence' | 'maxLength' | 'hangup' };

export async function record(verb: RecordVerb, ctx: VerbContext): Promise<VerbOutcome> {
  await ctx.answer();
  if (ctx.signal.aborted) return ENDED;
  if (verb.transcribe) ctx.notify(12200, '<Record transcribe="true">: transcription is not supported by tandem; recording without it');
  if (verb.playBeep) {
    await playAudio(ctx, beep(), 1);
    if (ctx.signal.aborted) return ENDED;
  }
  const startedAt = Date.now();
  ctx.media.startRecording({ maxMs: verb.maxLength * 1000 });
  const id = recordingStarted(verb, ctx, startedAt, 'RecordVerb');
  const ending = await listen(verb, ctx);
  const heard = await ctx.media.stopRecording();
  const pcm = verb.trim === 'trim-silence' ? trimSilence(heard) : heard;
  const hungUp = ending.by === 'hangup';

  if (!hasSound(pcm)) {
    recordingStatusCallback(verb, ctx, 'absent', absentRecordingParams(id, startedAt));
    return hungUp ? ENDED : CONTINUE;
  }
  const saved = await ctx.saveRecording(pcm, { source: 'RecordVerb', sid: id.sid });
  recordingStatusCallback(verb, ctx, 'completed', completedRecordingParams(saved, startedAt, 'RecordVerb'));

  const url = verb.action ?? ctx.call.documentUrl;
  if (url === undefined || url === null) return hungUp ? ENDED : CONTINUE;
  const params: Record<string, string> = {
    RecordingUrl: saved.url,
    RecordingDuration: String(saved.durationSeconds),
    RecordingSid: saved.sid,
  };
  if (ending.by === 'key') params.Digits = ending.digit;
  else if (hungUp) params.Digits = 'hangup';
  if (!hungUp) return ctx.fetchDocument({ url, method: verb.method, params });
  // After a hang-up Twilio still tells the action URL about the recording; its TwiML has no call to run on.
  try {
    await ctx.fetchDocument({ url, method: verb.method, params });
  } catch {
    // the call is over: nothing is left to report a failure to
  }
  return ENDED;
}

function listen(verb: RecordVerb, ctx: VerbContext): Promise<Ending> {
  return new Promise((resolve) => {
    let lastSoundAt = Date.now();
    const onAudio = (frame: Int16Array) => {
      if (rms(frame) >= SILENCE_RMS) lastSoundAt = Date.now();
    };
    const onDtmf = (digit: DtmfDigit) => {
      if (verb.finishOnKey.includes(digit)) finish({ by: 'key', digit });
    };
    const onAbort = () => finish({ by: 'hangup' });
    // Checked on a timer, not per frame: a caller who goes quiet may stop sending RTP altogether.
    const silenceCheck = setInterval(() => {
      if (verb.timeout > 0 && Date.now() - lastSoundAt >= verb.timeout * 1000) finish({ by: 'silence' });
    }, SILENCE_CHECK_MS);
    const maxTimer = setTimeout(() => finish({ by: 'maxLength' }), verb.maxLength * 1000);
    function finish(e: Ending) {
      clearInterval(silenceCheck);
      clearTimeout(maxTimer);
      ctx.media.off('audio', onAudio);
      ctx.media.off('dtmf', onDtmf);
      ctx.signal.removeEventListener('abort', onAbort);
      resolve(e);
    }
    ctx.media.on('audio', onAudio);
    ctx.media.on('dtmf', onDtmf);
    if (ctx.signal.aborted) return finish({ by: 'hangup' });
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
}

function loudFrame(pcm: Int16Array, frame: number): boolean {
  return rms(pcm.subarray(frame * FRAME_SAMPLES, (frame + 1) * FRAME_SAMPLES)) >= SILENCE_RMS;
}

function hasSound(pcm: Int16Array): boolean {
  const frames = Math.ceil(pcm.length / FRAME_SAMPLES);
  for (let f = 0; f < frames; f++) if (loudFrame(pcm, f)) return true;
  return false;
}

/** Where the sound is: from the first loud 20 ms frame to the end of the last (samples); undefined if none is loud. */
export function soundBounds(pcm: Int16Array): { start: number; end: number } | undefined {
  const frames = Math.ceil(pcm.length / FRAME_SAMPLES);
  let first = 0;
  while (first < frames && !loudFrame(pcm, first)) first++;
  if (first === frames) return undefined;
  let last = frames - 1;
  while (last > first && !loudFrame(pcm, last)) last--;
  return { start: first * FRAME_SAMPLES, end: Math.min(pcm.length, (last + 1) * FRAME_SAMPLES) };
}

/** Drops the silent 20 ms frames before the first and after the last loud one. */
export function trimSilence(pcm: Int16Array): Int16Array {
  const b = soundBounds(pcm);
  return b ? pcm.subarray(b.start, b.end) : pcm.subarray(0, 0);
}

/** A recordingStatusCallback's parameters for a stored recording (of <Record> or of <Dial record>). */
type RecordingSource = RecordingMeta['source'];

export function completedRecordingParams(saved: RecordingSaved, startedAt: number, source: RecordingSource): Record<string, string> {
  return {
    RecordingSid: saved.sid,
    RecordingUrl: saved.url,
    RecordingStatus: 'completed',
    RecordingDuration: String(saved.durationSeconds),
    RecordingChannels: String(saved.channels ?? 1),
    RecordingSource: source,
    RecordingStartTime: rfc2822(startedAt) ?? '',
    ErrorCode: '0',
  };
}

type CallbackSettings = Pick<RecordVerb, 'recordingStatusCallback' | 'recordingStatusCallbackMethod' | 'recordingStatusCallbackEvent'>;

/**
 * A recording has just started: its SID and URL are reserved, and the status callback is told `in-progress` when
 * it asked for that event. The same SID names the recording when it is saved (or reported `absent`).
 */
/** What the recording callbacks need of a call. */
type CallbackContext = Pick<VerbContext, 'call' | 'postStatusCallback' | 'notify'>;

export function recordingStarted(verb: CallbackSettings, ctx: CallbackContext & Pick<VerbContext, 'newRecording'>, startedAt: number, source: RecordingSource, channels: 1 | 2 = 1, id = ctx.newRecording()): RecordingId {
  recordingStatusCallback(verb, ctx, 'in-progress', {
    RecordingSid: id.sid,
    RecordingUrl: id.url,
    RecordingStatus: 'in-progress',
    RecordingChannels: String(channels),
    RecordingSource: source,
    RecordingStartTime: rfc2822(startedAt) ?? '',
  });
  return id;
}

/** A recording that heard no sound: nothing is stored. */
export function absentRecordingParams(id: RecordingId, startedAt: number): Record<string, string> {
  return { RecordingSid: id.sid, RecordingStatus: 'absent', RecordingStartTime: rfc2822(startedAt) ?? '' };
}

/** The recording's status callback, when the verb names one and asked for this event. */
export function recordingStatusCallback(
  verb: CallbackSettings,
  ctx: CallbackContext,
  event: RecordingEvent,
  params: Record<string, string>,
): void {
  const url = verb.recordingStatusCallback;
  if (url === undefined || !verb.recordingStatusCallbackEvent.includes(event)) return;
  const full = { AccountSid: ctx.call.accountSid, CallSid: ctx.call.sid, ...params };
  if (!ctx.postStatusCallback) {
    ctx.notify(11200, `recordingStatusCallback ${url} could not be sent: this call has no status-callback sender`);
    return;
  }
  ctx.postStatusCallback({ url, method: verb.recordingStatusCallbackMethod, params: full });
}
