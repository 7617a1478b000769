// Calls API `Record=true`: the whole call, what the called party says and what tandem plays to them, in one mono
// recording from the answer to the hang-up (source OutboundAPI). The leg's endpoint records both directions; the
// recording is taken just before its media closes, stored, and RecordingStatusCallback is told as for <Record>.
import type { CallSession } from '../../actors/call/call-session.js';
import type { VoiceDeps } from '../../actors/call/voice-deps.js';
import { completedRecordingParams } from '../../actors/call/verbs/record.js';
import { rfc2822 } from '../util/time.js';

export function recordWholeCall(session: CallSession, deps: VoiceDeps): void {
  const config = session.record.recording;
  if (!config) return;
  const startedAt = Date.now();
  session.media.startRecording({ both: true });
  const tell = (event: 'completed' | 'absent', params: Record<string, string>): void => {
    if (!config.statusCallback || !config.statusCallbackEvents.includes(event)) return;
    deps.callbacks.post(session.record.accountSid, {
      url: config.statusCallback,
      method: config.statusCallbackMethod,
      params: { AccountSid: session.record.accountSid, CallSid: session.sid, ...params },
    });
  };
  session.beforeMediaClose(async () => {
    const pcm = await session.media.stopRecording();
    if (pcm.length === 0) {
      tell('absent', { RecordingStatus: 'absent', RecordingStartTime: rfc2822(startedAt) ?? '' });
      return;
    }
    const saved = await deps.saveRecording(session.info, pcm, { source: 'OutboundAPI' });
    tell('completed', completedRecordingParams(saved, startedAt, 'OutboundAPI'));
  });
}
