// <Refer>: a SIP REFER (RFC 3515) to the far end of this call's own SIP dialog, asking it to call the target
// itself. The far end answers the REFER (202 when it takes it), then reports the new call in NOTIFYs whose
// message/sipfrag bodies carry the target's responses ("SIP/2.0 200 OK"); the first final one, or the end of the
// subscription, is the outcome. Headers written on the target URI ride in Refer-To (RFC 3515 §2.1).
import type { CallLeg, SipNotify } from './call-leg.js';

export interface ReferOutcome {
  /** The far end's answer to the REFER (202 when it took it; 0 when none came). */
  referStatus: number;
  /** The final response the transfer target gave, as the last NOTIFY reported it. */
  notifyStatus?: number;
}

/** How long the far end has, after taking the REFER, to report the new call's final answer. */
export const REFER_NOTIFY_TIMEOUT_MS = 32_000;

export async function referLeg(leg: CallLeg, target: string, signal: AbortSignal, timeoutMs = REFER_NOTIFY_TIMEOUT_MS): Promise<ReferOutcome> {
  if (!leg.request) throw new Error('not a SIP leg');
  let notifyStatus: number | undefined;
  let settle: () => void = () => undefined;
  const settled = new Promise<void>((r) => (settle = r));
  const onNotify = (req: SipNotify, res: { send(status: number): void }) => {
    res.send(200);
    const m = /^SIP\/2\.0\s+(\d{3})/.exec((req.body ?? '').trim());
    if (m) notifyStatus = Number(m[1]);
    if ((notifyStatus !== undefined && notifyStatus >= 200) || /terminated/i.test(req.get('subscription-state') ?? '')) settle();
  };
  leg.on('notify', onNotify);
  const timer = setTimeout(settle, timeoutMs);
  signal.addEventListener('abort', settle, { once: true });
  try {
    let referStatus = 0;
    try {
      referStatus = (await leg.request({ method: 'REFER', headers: { 'Refer-To': `<${target}>` } })).status;
    } catch (err) {
      referStatus = (err as { status?: number }).status ?? 0;
    }
    if (referStatus >= 200 && referStatus < 300) await settled;
    return { referStatus, ...(notifyStatus !== undefined && { notifyStatus }) };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', settle);
    leg.off?.('notify', onNotify);
  }
}
