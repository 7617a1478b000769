// <Dial><Conference>: the caller joins the account's conference room of that name (src/voice/conferences.ts). Until
// the room starts they hear its waitUrl (silence without one); then they talk with everyone in it until they hang
// up, press * (hangupOnStar), reach timeLimit, are removed through the API, or the conference ends; held with a HoldUrl
// (the Participants API) they hear its music meanwhile. Then the Dial's
// `action` gets DialCallStatus (completed; failed for a full room) and DialCallDuration, or the next verb runs.
import type { DialVerb, VoiceVerb } from '../../../protocols/twiml/index.js';
import type { VerbContext, VerbOutcome } from '../verb-context.js';
import { CONTINUE, ENDED } from './media.js';
import { playWaitDocuments } from './wait-documents.js';

/** What a conference's waitUrl document may hold (Twilio's list). */
const WAIT_VERBS: ReadonlySet<VoiceVerb['verb']> = new Set(['Play', 'Say', 'Pause', 'Redirect']);
/** Twilio's "Conference is full". */
export const CONFERENCE_FULL = 16020;

export async function conference(verb: DialVerb, ctx: VerbContext): Promise<VerbOutcome> {
  const room = verb.conference!;
  await ctx.answer();
  if (ctx.signal.aborted) return ENDED;
  const seat = await ctx.conferences.join(room);
  if ('full' in seat) {
    ctx.notify(CONFERENCE_FULL, `Conference '${room.name}' is full (maxParticipants ${room.maxParticipants})`);
    return after(verb, ctx, 'failed', 0);
  }
  const joined = Date.now();
  const out = AbortSignal.any([ctx.signal, seat.left]);
  const onKey = (d: string) => {
    if (d === '*') seat.leave();
  };
  if (verb.hangupOnStar) ctx.media.on('dtmf', onKey);
  const limit = setTimeout(() => seat.leave(), verb.timeLimit * 1000);
  try {
    // Until the room starts: its waitUrl, or the one the Participants API gave this participant since.
    while (!seat.started.aborted && !out.aborted) {
      const { music, replaced } = seat.wait;
      const url = music?.url ?? room.waitUrl;
      await playWaitDocuments(ctx, AbortSignal.any([out, seat.started, replaced]), {
        ...(url !== undefined && { url }),
        method: music?.method ?? room.waitMethod,
        params: () => ({}),
        allowed: WAIT_VERBS,
        what: music ? "a participant's WaitUrl" : "a <Conference>'s waitUrl",
      });
    }
    // In the room: on hold with a HoldUrl the participant hears its music (the mix does not reach them meanwhile).
    for (let hold = await seat.nextHold(out); hold; hold = await seat.nextHold(out)) {
      const music = { url: hold.url, method: hold.method, params: () => ({}), allowed: WAIT_VERBS, what: "a participant's HoldUrl" };
      await playWaitDocuments(ctx, AbortSignal.any([out, hold.over]), music);
    }
  } finally {
    clearTimeout(limit);
    ctx.media.off('dtmf', onKey);
    seat.leave();
  }
  return after(verb, ctx, 'completed', Math.round((Date.now() - joined) / 1000));
}

async function after(verb: DialVerb, ctx: VerbContext, status: 'completed' | 'failed', seconds: number): Promise<VerbOutcome> {
  if (verb.action === undefined) return ctx.signal.aborted ? ENDED : CONTINUE;
  const req = { url: verb.action, method: verb.method, params: { DialCallStatus: status, DialCallDuration: String(seconds) } };
  if (!ctx.signal.aborted) return ctx.fetchDocument(req);
  // Hung up: the action still hears how it went, and its TwiML is not run.
  void ctx.fetchDocument(req).catch(() => undefined);
  return ENDED;
}
