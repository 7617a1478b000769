// <Dial>: the call session places and bridges the child leg(s) (ctx.dial); this verb only decides what follows.
// With `action`, its TwiML (given DialCallStatus, DialCallSid, DialCallDuration) replaces the document; without,
// the next verb runs. The caller is answered first unless answerOnBridge asks to answer only when the callee does.
// With `record`, the bridged call (both parties, mono) is stored as a recording: the action also gets RecordingUrl,
// RecordingSid and RecordingDuration, and recordingStatusCallback is told, as for <Record>. When the called party
// transfers the caller with a SIP REFER, the referUrl's TwiML (told ReferTransferTarget) runs instead of the action.
import type { DialVerb } from '../../../protocols/twiml/index.js';
import type { RecordingId, VerbContext, VerbOutcome } from '../verb-context.js';
import { CONTINUE, ENDED } from './media.js';
import { absentRecordingParams, completedRecordingParams, recordingStarted, recordingStatusCallback, trimSilence } from './record.js';
import { conference } from './conference.js';

/** Twilio's "Dial: No referUrl attribute specified". */
export const NO_REFER_URL = 13802;

export async function dial(verb: DialVerb, ctx: VerbContext): Promise<VerbOutcome> {
  if (verb.conference) return conference(verb, ctx);
  if (!verb.answerOnBridge) await ctx.answer();
  if (ctx.signal.aborted) return ENDED;
  let started: { id: RecordingId; at: number } | undefined;
  const result = await ctx.dial(verb, () => {
    const at = Date.now();
    started = { id: recordingStarted(verb, ctx, at, 'DialVerb'), at };
  });
  const hungUp = ctx.signal.aborted;
  const heard = result.recording && verb.trim === 'trim-silence' ? trimSilence(result.recording) : result.recording;
  const recording = heard && heard.length > 0 ? await ctx.saveRecording(heard, { source: 'DialVerb', ...(started && { sid: started.id.sid }) }) : undefined;
  if (recording) recordingStatusCallback(verb, ctx, 'completed', completedRecordingParams(recording, started?.at ?? Date.now() - recording.durationSeconds * 1000, 'DialVerb'));
  else if (started) recordingStatusCallback(verb, ctx, 'absent', absentRecordingParams(started.id, started.at));
  if (result.referRefused) ctx.notify(NO_REFER_URL, 'Dial: the called party sent a REFER, and this <Dial> has no referUrl to take it; it was declined');
  // The called party transferred the caller: the referUrl's TwiML, told the target, is what the caller runs now.
  if (result.referred && verb.referUrl !== undefined && !hungUp) {
    const params: Record<string, string> = { ReferTransferTarget: result.referred.target };
    for (const [name, value] of Object.entries(result.referred.xHeaders)) params[`SipHeader_${name}`] = value;
    return ctx.fetchDocument({ url: verb.referUrl, method: verb.referMethod, params });
  }
  if (verb.action === undefined) return hungUp ? ENDED : CONTINUE;
  const params: Record<string, string> = {
    DialCallStatus: result.status,
    DialCallDuration: String(result.durationSeconds),
  };
  if (result.childCallSid !== null) params.DialCallSid = result.childCallSid;
  if (result.params) Object.assign(params, result.params);
  if (recording) {
    params.RecordingUrl = recording.url;
    params.RecordingSid = recording.sid;
    params.RecordingDuration = String(recording.durationSeconds);
  }
  const req = { url: verb.action, method: verb.method, params };
  if (!hungUp) return ctx.fetchDocument(req);
  // The caller hung up: Twilio still reports the dial's outcome to the action URL, and ignores its TwiML.
  try {
    await ctx.fetchDocument(req);
  } catch {
    // the call is over: nothing is left to report a failure to
  }
  return ENDED;
}
