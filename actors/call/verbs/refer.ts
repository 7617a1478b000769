// <Refer>: transfers a SIP call by asking its far end (a phone behind a SIP domain, or a SIP address tandem called)
// to call the target itself (ctx.refer sends the REFER and follows its NOTIFYs). The action URL hears how it went:
// ReferCallStatus, ReferSipResponseCode (202 when taken) and NotifySipResponseCode (the target's answer), and its
// TwiML runs (typically a <Hangup/>); without an action the next verb runs. A call that is not a SIP leg (a phone
// number over the trunk, the sandbox handset, another tandem number) cannot be referred: 13801, as on Twilio.
import type { ReferVerb } from '../../../protocols/twiml/index.js';
import type { ReferOutcome } from '../sip-refer.js';
import type { VerbContext, VerbOutcome } from '../verb-context.js';
import { CONTINUE, ENDED } from './media.js';

export const REFER_NOT_SIP = 13801;

export async function refer(verb: ReferVerb, ctx: VerbContext): Promise<VerbOutcome> {
  await ctx.answer();
  if (ctx.signal.aborted) return ENDED;
  const outcome = await ctx.refer(verb.uri);
  if (!outcome) {
    ctx.notify(REFER_NOT_SIP, `<Refer> is only allowed on SIP call legs (a call through a SIP domain, or to a SIP address); ${ctx.call.sid} is not one`);
    return CONTINUE;
  }
  const hungUp = ctx.signal.aborted;
  const params: Record<string, string> = {
    ReferCallStatus: referCallStatus(outcome, hungUp),
    ReferSipResponseCode: String(outcome.referStatus),
    ...(outcome.notifyStatus !== undefined && { NotifySipResponseCode: String(outcome.notifyStatus) }),
  };
  if (verb.action === undefined) return hungUp ? ENDED : CONTINUE;
  const req = { url: verb.action, method: verb.method, params };
  if (!hungUp) return ctx.fetchDocument(req);
  // The far end hung up once it had moved the call (as phones do): the action still hears how it went.
  void ctx.fetchDocument(req).catch(() => undefined);
  return ENDED;
}

/** in-progress: the target answered; busy (486, 600), no-answer (487), canceled (the call ended first), or failed. */
export function referCallStatus(o: ReferOutcome, hungUp: boolean): 'in-progress' | 'busy' | 'no-answer' | 'canceled' | 'failed' {
  if (o.referStatus < 200 || o.referStatus >= 300) return 'failed';
  const n = o.notifyStatus;
  if (n !== undefined && n >= 200 && n < 300) return 'in-progress';
  if (n === 486 || n === 600) return 'busy';
  if (n === 487) return 'no-answer';
  if (n === undefined || n < 200) return hungUp ? 'canceled' : 'failed';
  return 'failed';
}
