// Message status callbacks: on every status change after the first, a signed request to the message's
// StatusCallback (else its sender number's), with Twilio's parameters. Fire-and-forget and bounded, so a
// slow or dead app never holds up a sender's queue.
import type { StatusCallbackSender } from '../../protocols/webhook/index.js';
import type { Accounts } from '../accounts/accounts.js';
import type { Tables } from '../store/db.js';
import type { HttpMethod, MessageRecord } from '../store/records.js';
import { errorMessage } from './error-codes.js';

export class MessageCallbacks {
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
    if (m.errorCode !== null) {
      params.ErrorCode = String(m.errorCode);
      params.ErrorMessage = m.errorMessage ?? errorMessage(m.errorCode);
    }
    if (m.rawDlrDoneDate !== null && (m.status === 'delivered' || m.status === 'undelivered')) params.RawDlrDoneDate = m.rawDlrDoneDate;
    void this.sender.post({ url: target.url, method: target.method, params, authToken: account.authToken });
  }

  private target(m: MessageRecord): { url: string; method: HttpMethod } | undefined {
    if (m.statusCallback) return { url: m.statusCallback, method: m.statusCallbackMethod };
    const numberSid = this.t.numberByE164.get(m.direction === 'inbound' ? m.to : m.from);
    const n = numberSid ? this.t.numbers.get(numberSid) : undefined;
    if (n?.statusCallback && n.accountSid === m.accountSid) return { url: n.statusCallback, method: n.statusCallbackMethod };
    return undefined;
  }
}
