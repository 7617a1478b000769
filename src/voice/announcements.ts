// A conference announcement (the Conferences and Participants APIs' AnnounceUrl): the TwiML at the URL, signed and
// with the conference's parameters, turned into one piece of audio: its <Say>s spoken and its <Play>s fetched, in
// order, each as many times as its `loop` says (0 counts once). Other verbs have no meaning here and are skipped.
import { fetchTwiml } from '../../protocols/webhook/index.js';
import { concat, type TextToSpeech } from '../../protocols/rtp/index.js';
import { parseVoiceTwiml, type VoiceVerb } from '../../protocols/twiml/index.js';

export interface AnnouncementDeps {
  tts: TextToSpeech;
  fetchAudio(url: string): Promise<Int16Array>;
  authToken(accountSid: string): string | undefined;
  webhookTimeoutMs: number;
}

export type Announcement = { ok: true; pcm: Int16Array } | { ok: false; code: number; message: string };

/** A spoken or played announcement longer than this is cut (an app looping a prompt must not hold the room). */
const MAX_SAMPLES = 8000 * 300;

export async function announcement(
  deps: AnnouncementDeps,
  accountSid: string,
  target: { url: string; method: 'GET' | 'POST' },
  params: Record<string, string>,
): Promise<Announcement> {
  const token = deps.authToken(accountSid);
  if (token === undefined) return { ok: false, code: 20003, message: 'the account has no auth token' };
  const fetched = await fetchTwiml<VoiceVerb[]>(target, undefined, { AccountSid: accountSid, ...params }, token, deps.webhookTimeoutMs, {
    parse: (body) => {
      const parsed = parseVoiceTwiml(body, { documentUrl: target.url });
      return parsed.ok ? { ok: true, value: parsed.verbs } : parsed;
    },
  });
  if (!fetched.ok) return { ok: false, code: fetched.primaryError.code, message: fetched.primaryError.message };
  const parts: Int16Array[] = [];
  let samples = 0;
  try {
    for (const v of fetched.value) {
      let pcm: Int16Array | undefined;
      if (v.verb === 'Say') pcm = await deps.tts.synthesize(v.text, { voice: v.voice, language: v.language, ssml: v.ssml });
      else if (v.verb === 'Play' && v.url !== undefined) pcm = await deps.fetchAudio(v.url);
      if (!pcm) continue;
      const times = v.verb === 'Say' || v.verb === 'Play' ? Math.max(1, v.loop) : 1;
      for (let i = 0; i < times && samples < MAX_SAMPLES; i++) {
        parts.push(pcm);
        samples += pcm.length;
      }
    }
  } catch (err) {
    return { ok: false, code: 11200, message: `announcement audio could not be made: ${(err as Error).message}` };
  }
  const pcm = concat(parts);
  return { ok: true, pcm: pcm.length > MAX_SAMPLES ? pcm.subarray(0, MAX_SAMPLES) : pcm };
}
