// Getting a call's TwiML: from its Url (with the fallback), from inline Twiml, or from a verb's action URL.
// A failure becomes a Notification on the account (11200, 11205, 12100, 12300, …) and an `error` outcome, which
// the interpreter turns into Twilio's "application error" message and a hang-up.
import { fetchTwiml, type WebhookTarget } from '../../protocols/webhook/index.js';
import { parseVoiceTwiml, type VoiceVerb } from '../../protocols/twiml/index.js';
import { voiceParams } from '../../src/voice/voice-params.js';
import type { CallSession, RedirectTarget } from './call-session.js';
import type { ActionRequest } from './verb-context.js';
import type { VoiceDeps } from './voice-deps.js';

export interface VoiceDocument {
  verbs: VoiceVerb[];
  url: string | null;
}

export type DocumentResult = { ok: true; doc: VoiceDocument } | { ok: false };

/** The call's first document: its Url (and FallbackUrl) or its inline Twiml. */
export function firstDocument(s: CallSession, deps: VoiceDeps): Promise<DocumentResult> {
  const r = s.record;
  if (r.url) {
    return fetchDocument(s, deps, { url: r.url, method: r.method }, r.fallbackUrl ? { url: r.fallbackUrl, method: r.fallbackMethod } : undefined, {});
  }
  return Promise.resolve(inlineDocument(s, deps, r.twiml ?? ''));
}

export function redirectDocument(s: CallSession, deps: VoiceDeps, t: RedirectTarget): Promise<DocumentResult> {
  if (t.kind === 'twiml') return Promise.resolve(inlineDocument(s, deps, t.twiml));
  return fetchDocument(s, deps, { url: t.url, method: t.method }, t.fallbackUrl ? { url: t.fallbackUrl, method: t.fallbackMethod } : undefined, {});
}

export function actionDocument(s: CallSession, deps: VoiceDeps, req: ActionRequest): Promise<DocumentResult> {
  return fetchDocument(s, deps, { url: req.url, method: req.method }, undefined, req.params);
}

function inlineDocument(s: CallSession, deps: VoiceDeps, twiml: string): DocumentResult {
  const parsed = parseVoiceTwiml(twiml);
  if (parsed.ok) return { ok: true, doc: { verbs: parsed.verbs, url: null } };
  deps.notify({ accountSid: s.record.accountSid, callSid: s.sid, errorCode: parsed.code, text: parsed.message, responseBody: twiml });
  return { ok: false };
}

async function fetchDocument(
  s: CallSession,
  deps: VoiceDeps,
  primary: WebhookTarget,
  fallback: WebhookTarget | undefined,
  extra: Record<string, string>,
): Promise<DocumentResult> {
  const token = deps.authToken(s.record.accountSid);
  if (token === undefined) return { ok: false };
  const params = { ...voiceParams(s.record, deps.geo), ...extra };
  const result = await fetchTwiml(primary, fallback, params, token, deps.webhookTimeoutMs, {
    parse: (body) => {
      const parsed = parseVoiceTwiml(body, { documentUrl: primary.url });
      return parsed.ok ? { ok: true, value: parsed.verbs } : parsed;
    },
  });
  const note = (e: { code: number; message: string; url: string }, target: WebhookTarget, log: 0 | 1) =>
    deps.notify({
      accountSid: s.record.accountSid,
      callSid: s.sid,
      errorCode: e.code,
      text: e.message,
      log,
      requestMethod: target.method,
      requestUrl: e.url,
      requestVariables: flatten(params),
    });
  if (!result.ok) {
    note(result.primaryError, primary, 0);
    if (result.fallbackError && fallback) note(result.fallbackError, fallback, 0);
    return { ok: false };
  }
  let verbs = result.value;
  if (result.answeredBy === 'fallback' && fallback) {
    note(result.primaryError!, primary, 1);
    // Relative URLs in the fallback's document resolve against the fallback URL.
    const again = parseVoiceTwiml(result.body, { documentUrl: fallback.url });
    if (again.ok) verbs = again.verbs;
  }
  return { ok: true, doc: { verbs, url: result.answeredBy === 'fallback' && fallback ? fallback.url : primary.url } };
}

function flatten(p: Record<string, string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(p)) out[k] = Array.isArray(v) ? v.join(',') : v;
  return out;
}
