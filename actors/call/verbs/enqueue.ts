// <Enqueue> and <Leave>: the caller waits in a call queue (src/voice/call-queues.ts), hearing its waitUrl's TwiML
// (fetched again each time it runs out), until an agent's <Dial><Queue> takes them, <Leave> or the Members API
// takes them out, or they hang up. Then `action` is told why (QueueResult, QueueSid, QueueTime) and its TwiML goes
// on; without one, the next verb does. Dequeued by an agent, the caller first hears the agent's <Queue url>, then
// stays bridged until the agent's side ends, and only then is `action` requested, as on Twilio.
import type { EnqueueVerb, LeaveVerb, VoiceVerb } from '../../../protocols/twiml/index.js';
import type { ActionRequest, QueueHandoff, QueueMembership, VerbContext, VerbOutcome } from '../verb-context.js';
import { CONTINUE, ENDED } from './media.js';
import { runDocument } from './index.js';
import { aborted, allowed, orAborted, playWaitDocuments } from './wait-documents.js';

/** What a waitUrl document may hold (Twilio's list); anything else is skipped with a 12200 warning. */
const WAIT_VERBS: ReadonlySet<VoiceVerb['verb']> = new Set(['Play', 'Say', 'Pause', 'Gather', 'Hangup', 'Redirect', 'Leave']);
/** What an agent's <Queue url> document may hold. */
const WHISPER_VERBS: ReadonlySet<VoiceVerb['verb']> = new Set(['Play', 'Say', 'Pause', 'Redirect']);

export type QueueResult = 'bridged' | 'queue-full' | 'redirected' | 'hangup' | 'leave';

export async function enqueue(verb: EnqueueVerb, ctx: VerbContext): Promise<VerbOutcome> {
  await ctx.answer();
  if (ctx.signal.aborted) return ENDED;
  const joined = await ctx.queues.enqueue(verb.queue);
  if ('full' in joined) return leftQueue(verb, ctx, 'queue-full', joined.queueSid, 0);
  const m = joined;
  if (await hold(verb, ctx, m)) {
    return leftQueue(verb, ctx, 'hangup', m.queueSid, m.queueTime(), { next: 'hangup', reason: 'hangup' });
  }
  const d = m.departure!;
  switch (d.kind) {
    case 'dequeued':
      return bridged(verb, ctx, m, d.agent);
    case 'leave':
      return leftQueue(verb, ctx, 'leave', m.queueSid, m.queueTime());
    case 'hangup':
      return leftQueue(verb, ctx, 'hangup', m.queueSid, m.queueTime());
    case 'redirected': {
      // The action hears why; the call runs the Members API's Url (or the Calls API's redirect, which the session holds).
      tell(ctx, verb, params('redirected', m.queueSid, m.queueTime()));
      if (!d.to) return ENDED;
      return ctx.fetchDocument({ url: d.to.url, method: d.to.method, params: {} });
    }
  }
}

/** <Leave>: out of the queue; the <Enqueue> it waited in goes on. Outside a queue it does nothing. */
export async function leave(_verb: LeaveVerb, ctx: VerbContext): Promise<VerbOutcome> {
  ctx.queues.leave();
  return ctx.signal.aborted ? ENDED : CONTINUE;
}

/**
 * Runs wait documents until the caller leaves the line; if the call ends or is redirected meanwhile, the caller
 * leaves it for that reason. True when a wait document's <Hangup> ended the wait.
 */
async function hold(verb: EnqueueVerb, ctx: VerbContext, m: QueueMembership): Promise<boolean> {
  const signal = AbortSignal.any([ctx.signal, m.leaving]);
  try {
    const music = { method: verb.waitUrlMethod, params: () => m.waitParams(), allowed: WAIT_VERBS, what: 'a waitUrl' };
    if ((await playWaitDocuments(ctx, signal, verb.waitUrl === undefined ? music : { ...music, url: verb.waitUrl })) === 'hangup') {
      m.abandon('hangup');
      return true;
    }
  } finally {
    if (!m.departure) m.abandon();
  }
  return false;
}

/** Dequeued by an agent: the agent's <Queue url> for this caller alone, then the bridge until the agent's side ends it. */
async function bridged(verb: EnqueueVerb, ctx: VerbContext, m: QueueMembership, agent: QueueHandoff): Promise<VerbOutcome> {
  try {
    if (agent.url !== undefined && !ctx.signal.aborted) {
      let next = await orAborted(ctx.signal, ctx.fetchDocument({
        url: agent.url,
        method: agent.method,
        params: { QueueSid: m.queueSid, QueueTime: String(m.queueTime()), DequeingCallSid: agent.callSid },
      }));
      // A <Redirect> inside it leads on to another such document.
      while (next?.next === 'document' && !ctx.signal.aborted) {
        const ran = await runDocument(allowed(next.verbs, WHISPER_VERBS, "a <Queue>'s url", ctx), ctx);
        if (ran.next !== 'document') break;
        next = ran;
      }
    }
  } finally {
    agent.ready(!ctx.signal.aborted);
  }
  if (ctx.signal.aborted) return leftQueue(verb, ctx, 'hangup', m.queueSid, m.queueTime());
  await Promise.race([agent.over, aborted(ctx.signal)]);
  return leftQueue(verb, ctx, 'bridged', m.queueSid, m.queueTime());
}

function params(result: QueueResult, queueSid: string, queueTime: number): Record<string, string> {
  return { QueueResult: result, QueueSid: queueSid, QueueTime: String(queueTime) };
}

/**
 * The caller is out of the queue: `action` with why, whose TwiML goes on; without one, `otherwise` (the next verb).
 * A call that is over still tells `action` (as Twilio does) and ignores its TwiML.
 */
async function leftQueue(
  verb: EnqueueVerb, ctx: VerbContext, result: QueueResult, queueSid: string, queueTime: number, otherwise: VerbOutcome = CONTINUE,
): Promise<VerbOutcome> {
  const p = params(result, queueSid, queueTime);
  if (ctx.signal.aborted || otherwise !== CONTINUE) {
    tell(ctx, verb, p);
    return ctx.signal.aborted ? ENDED : otherwise;
  }
  return verb.action === undefined ? CONTINUE : ctx.fetchDocument(actionRequest(verb, p));
}

/** Requests `action` for what it learns only; its TwiML is not run. */
function tell(ctx: VerbContext, verb: EnqueueVerb, p: Record<string, string>): void {
  if (verb.action !== undefined) void ctx.fetchDocument(actionRequest(verb, p)).catch(() => undefined);
}

function actionRequest(verb: EnqueueVerb, p: Record<string, string>): ActionRequest {
  return { url: verb.action!, method: verb.method, params: p };
}
