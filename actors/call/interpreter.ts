// The TwiML interpreter for one call: runs the verbs of the current document in order through the verb handlers,
// follows new documents (action URLs, <Redirect>, Calls API redirects), and ends the call when a document ends.
import type { VoiceVerb } from '../../protocols/twiml/index.js';
import type { CallSession } from './call-session.js';
import { actionDocument, firstDocument, redirectDocument, type DocumentResult, type VoiceDocument } from './documents.js';
import { sessionContext } from './session-context.js';
import { detectAnsweredBy, detectBeside } from './answering-machine.js';
import type { VerbContext, VerbOutcome } from './verb-context.js';
import type { VoiceDeps } from './voice-deps.js';

const APPLICATION_ERROR = 'We are sorry, an application error has occurred. Goodbye.';
/** Twilio's <Say> ceiling on the error prompt; a hung espeak must not hold the call. */
const ERROR_PROMPT_MAX_MS = 8_000;

/** Runs the call from its first document to the end; never throws. */
export async function runCall(s: CallSession, deps: VoiceDeps): Promise<void> {
  try {
    const amd = s.record.machineDetection;
    if (amd && s.record.direction === 'outbound-api') {
      if (s.record.asyncAmd) {
        // AsyncAmd: the TwiML runs now, detection beside it.
        detectBeside(s, deps, amd, s.record.asyncAmd);
      } else {
        // MachineDetection: listen first, then fetch the TwiML with AnsweredBy.
        const { answeredBy } = await detectAnsweredBy(s, amd);
        if (s.isOver) return;
        await s.update({ answeredBy });
      }
    }
    await interpret(s, deps, await firstDocument(s, deps));
  } catch (err) {
    if (s.isOver) return;
    deps.log.error({ err, callSid: s.sid }, 'call interpreter failed');
    deps.notify({ accountSid: s.record.accountSid, callSid: s.sid, errorCode: 12400, text: `Internal failure: ${(err as Error).message}` });
    await applicationError(s, deps).catch(() => undefined);
  }
}

async function interpret(s: CallSession, deps: VoiceDeps, first: DocumentResult): Promise<void> {
  const ctx = sessionContext(s, deps);
  let next: DocumentResult = first;
  for (;;) {
    if (s.isOver) return;
    if (!next.ok) return applicationError(s, deps);
    const outcome = await runVerbs(s, deps, ctx, next.doc);
    if (outcome === undefined) return;
    const redirect = s.takeRedirect();
    if (s.isOver) return;
    if (redirect) {
      next = await redirectDocument(s, deps, redirect);
      continue;
    }
    if (outcome.next === 'document') {
      next = { ok: true, doc: { verbs: outcome.verbs, url: outcome.documentUrl } };
      continue;
    }
    if (outcome.next === 'hangup') {
      if (outcome.reason === 'error') return applicationError(s, deps);
      await s.end(outcome.reason === 'remote' ? 'remote' : outcome.reason === 'busy' || outcome.reason === 'rejected' ? outcome.reason : 'hangup');
      return;
    }
    // The document ran out of verbs: Twilio hangs up.
    await s.end('hangup');
    return;
  }
}

/**
 * A <Dial> target's whisper (its `url`): that document, and any it leads to (a <Gather>'s action), run on the called
 * party's leg before the legs are bridged. True when it ran to its end: bridge now. False when it hung up, failed
 * or the leg ended: the called party did not take the call. The leg is left for the caller to end.
 */
export async function runWhisper(s: CallSession, deps: VoiceDeps, url: string, method: 'GET' | 'POST'): Promise<boolean> {
  const ctx = sessionContext(s, deps);
  let next = await actionDocument(s, deps, { url, method, params: {} });
  for (;;) {
    if (s.isOver || !next.ok) return false;
    const outcome = await runVerbs(s, deps, ctx, next.doc);
    if (outcome === undefined) return false;
    if (outcome.next !== 'document') return outcome.next === 'continue';
    next = { ok: true, doc: { verbs: outcome.verbs, url: outcome.documentUrl } };
  }
}

/**
 * One document's verbs in order, until one ends it (hang-up, a new document), a redirect is waiting, or they run
 * out ('continue'). A verb that throws is a 12400 notification and ends it as an error. Undefined once the call is over.
 */
async function runVerbs(s: CallSession, deps: VoiceDeps, ctx: VerbContext, doc: VoiceDocument): Promise<VerbOutcome | undefined> {
  s.beginDocument(doc.url);
  let outcome: VerbOutcome = { next: 'continue' };
  for (const verb of doc.verbs) {
    if (s.isOver) return undefined;
    // Each verb answers the call itself when it needs to (a leading <Pause> delays the answer, <Reject> never does).
    if (s.redirect) break;
    s.note(describe(verb));
    try {
      outcome = await deps.runVerb(verb, ctx);
    } catch (err) {
      if (s.isOver) return undefined; // e.g. the caller hung up while the call was being answered
      deps.log.error({ err, callSid: s.sid, verb: verb.verb }, 'verb failed');
      deps.notify({ accountSid: s.record.accountSid, callSid: s.sid, errorCode: 12400, text: `<${verb.verb}> failed: ${(err as Error).message}` });
      outcome = { next: 'hangup', reason: 'error' };
    }
    if (s.isOver || s.redirect || outcome.next !== 'continue') break;
  }
  return s.isOver ? undefined : outcome;
}

/** Twilio's answer to a broken application: a spoken apology, then hang-up. */
async function applicationError(s: CallSession, deps: VoiceDeps): Promise<void> {
  if (s.isOver) return;
  try {
    await s.answer();
    if (!s.isOver) {
      const pcm = await deps.tts.synthesize(APPLICATION_ERROR, { voice: 'alice', language: 'en-US' });
      s.note(`Say: ${APPLICATION_ERROR}`);
      const timer = setTimeout(() => s.media.stopPlayback(), ERROR_PROMPT_MAX_MS);
      await s.media.play(pcm);
      clearTimeout(timer);
    }
  } catch (err) {
    deps.log.warn({ err, callSid: s.sid }, 'application error prompt could not be played');
  }
  await s.end('error');
}

/** One line per verb for the sandbox handset's transcript. */
export function describe(v: VoiceVerb): string {
  switch (v.verb) {
    case 'Say':
      return `Say: ${v.text}`;
    case 'Play':
      return v.url ? `Play: ${v.url}` : `Play digits: ${v.digits ?? ''}`;
    case 'Pause':
      return `Pause: ${v.length}s`;
    case 'Gather':
      return `Gather${v.children.length ? ': ' + v.children.map(describe).join('; ') : ''}`;
    case 'Record':
      return 'Record';
    case 'Dial':
      if (v.queue) return `Dial queue: ${v.queue.name}`;
      if (v.conference) return `Dial conference: ${v.conference.name}`;
      return `Dial: ${v.targets.map((t) => (t.noun === 'Number' ? t.number : t.noun === 'Sip' ? t.uri : t.identity)).join(', ')}`;
    case 'Hangup':
      return 'Hangup';
    case 'Reject':
      return `Reject: ${v.reason}`;
    case 'Redirect':
      return `Redirect: ${v.url}`;
    case 'Refer':
      return `Refer: ${v.uri}`;
    case 'Start':
      return `Start stream: ${v.stream.name ?? v.stream.url}`;
    case 'Stop':
      return `Stop stream${v.name !== undefined ? ': ' + v.name : 's'}`;
    case 'StartRecording':
      return `Start recording${v.recording.name !== undefined ? ': ' + v.recording.name : ''}`;
    case 'StopRecording':
      return `Stop recording${v.name !== undefined ? ': ' + v.name : 's'}`;
    case 'Connect':
      return `Connect stream: ${v.stream.url}`;
    case 'Enqueue':
      return `Enqueue: ${v.queue}`;
    case 'Leave':
      return 'Leave';
    case 'Unsupported':
      return `Unsupported: ${v.name}`;
  }
}
