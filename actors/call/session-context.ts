// The VerbContext a call session hands to the verb handlers (see verb-context.ts for the contract).
import type { CallSession } from './call-session.js';
import { actionDocument } from './documents.js';
import type { CallInfo, VerbContext } from './verb-context.js';
import type { VoiceDeps } from './voice-deps.js';

export function sessionContext(s: CallSession, deps: VoiceDeps): VerbContext {
  return {
    get call(): CallInfo {
      return s.info;
    },
    media: s.media,
    tts: deps.tts,
    get signal(): AbortSignal {
      return s.signal;
    },
    answer: () => s.answer(),
    fetchAudio: (url) => deps.fetchAudio(url),
    async fetchDocument(req) {
      const r = await actionDocument(s, deps, req);
      return r.ok ? { next: 'document', verbs: r.doc.verbs, documentUrl: r.doc.url ?? req.url } : { next: 'hangup', reason: 'error' };
    },
    reject: (reason) => s.reject(reason),
    dial: (verb, recordingStarted) => deps.dial(s, verb, recordingStarted),
    newRecording: () => deps.newRecording(s.record.accountSid),
    refer: (target) => s.refer(target),
    saveRecording: (pcm, meta) => deps.saveRecording(s.info, pcm, meta),
    postStatusCallback: (req) => deps.callbacks.post(s.record.accountSid, req),
    streams: deps.streams.forCall(s),
    recordings: deps.liveRecordings.forCall(s),
    queues: deps.queues.forCall(s),
    conferences: deps.conferences.forCall(s),
    notify: (code, detail) => deps.notify({ accountSid: s.record.accountSid, callSid: s.sid, errorCode: code, text: detail }),
  };
}
