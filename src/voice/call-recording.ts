// Calls API `Record=true`: the whole call, what the called party says and what tandem plays to them, in one mono
// recording from the answer to the hang-up (source OutboundAPI). The leg's endpoint records both directions; the
// recording is taken just before its media closes, stored, and RecordingStatusCallback is told as for <Record>.
import type { CallSession } from '../../actors/call/call-session.js';
import type { VoiceDeps } from '../../actors/call/voice-deps.js';
import { sessionContext } from '../../actors/call/session-context.js';
import { absentRecordingParams, completedRecordingParams, recordingStarted, recordingStatusCallback } from '../../actors/call/verbs/record.js';

/** Its own slot on the endpoint, so a <Record> during the call records beside it. */
const WHOLE_CALL = 'call';

export function recordWholeCall(session: CallSession, deps: VoiceDeps): void {
  const config = session.record.recording;
  if (!config) return;
  const startedAt = Date.now();
  session.media.startRecording({ track: 'both', slot: WHOLE_CALL });
  const callback = {
    ...(config.statusCallback !== null && { recordingStatusCallback: config.statusCallback }),
    recordingStatusCallbackMethod: config.statusCallbackMethod,
    recordingStatusCallbackEvent: config.statusCallbackEvents,
  };
  const ctx = sessionContext(session, deps);
  const id = recordingStarted(callback, ctx, startedAt, 'OutboundAPI');
  session.beforeMediaClose(async () => {
    const pcm = await session.media.stopRecording(WHOLE_CALL);
    if (pcm.length === 0) {
      recordingStatusCallback(callback, ctx, 'absent', absentRecordingParams(id, startedAt));
      return;
    }
    const saved = await deps.saveRecording(session.info, pcm, { source: 'OutboundAPI', sid: id.sid });
    recordingStatusCallback(callback, ctx, 'completed', completedRecordingParams(saved, startedAt, 'OutboundAPI'));
  });
}
