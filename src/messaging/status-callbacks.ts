// Message status callbacks: on every status change after the first, a signed request to the message's
// StatusCallback (else its sender number's), with Twilio's parameters. Fire-and-forget and bounded, so a
// slow or dead app never holds up a sender's queue.
import type { StatusCallbackSender } from '../../protocols/webhook/index.js';
import type { Accounts } from '../accounts/accounts.js';
import type { Tables } from '../store/db.js';
import type { HttpMethod, MessageRecord } from '../store/records.js';
import { errorMessage } from './error-codes.js';

const MAX_CACHED_TARGETS = 100_000;

export class MessageCallbacks {
  private readonly numberTargets = new Map<string, { url: string; method: HttpMethod; accountSid: string } | null>();
  constructor(
    private readonly sender: StatusCallbackSender,
    private readonly accounts: Accounts,
    private readonly t: Tables,
  ) {}

  statusChanged(m: MessageRecord): void {
    const target = this.target(m);
    if (!target) return;
    const account = this.accounts.get(m.accountSid);
    if (!account) return;
    const params: Record<string, string> = {
      MessageSid: m.sid,
      SmsSid: m.sid,
      MessageStatus: m.status,
      SmsStatus: m.status,
      AccountSid: m.accountSid,
      From: m.from,
      To: m.to,
      ApiVersion: '2010-04-01',
      NumSegments: String(m.numSegments),
    };
    if (m.messagingServiceSid) params.MessagingServiceSid = m.messagingServiceSid;
    if (m.errorCode !== null) {
      params.ErrorCode = String(m.errorCode);
      params.ErrorMessage = m.errorMessage ?? errorMessage(m.errorCode);
    }
    if (m.rawDlrDoneDate !== null && (m.status === 'delivered' || m.status === 'undelivered')) params.RawDlrDoneDate = m.rawDlrDoneDate;
    void this.sender.post({ url: target.url, method: target.method, params, authToken: account.authToken });
  }

  /** The number's configuration changed: forget its cached callback target. */
  numberChanged(e164: string): void {
    this.numberTargets.delete(e164);
  }

  private target(m: MessageRecord): { url: string; method: HttpMethod } | undefined {
    if (m.statusCallback) return { url: m.statusCallback, method: m.statusCallbackMethod };
    const e164 = m.direction === 'inbound' ? m.to : m.from;
    // Every status change of every message asks this; a number record is large, so keep just its answer.
    let t = this.numberTargets.get(e164);
    if (t === undefined) {
      const numberSid = this.t.numberByE164.get(e164);
      const n = numberSid ? this.t.numbers.get(numberSid) : undefined;
      t = n?.statusCallback ? { url: n.statusCallback, method: n.statusCallbackMethod, accountSid: n.accountSid } : null;
      if (this.numberTargets.size >= MAX_CACHED_TARGETS) this.numberTargets.clear();
      this.numberTargets.set(e164, t);
    }
    return t && t.accountSid === m.accountSid ? t : undefined;
  }
}
