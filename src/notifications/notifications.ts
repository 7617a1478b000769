// Notifications: the errors and warnings an account's owner must see (webhook failures, broken TwiML, refused
// replies, carrier failures), kept durably and listed through Twilio's Notifications resource.
import type { Counter } from 'prom-client';
import type { Tables } from '../store/db.js';
import type { HttpMethod, NotificationRecord } from '../store/records.js';
import { newSid } from '../util/sid.js';

export const LOG_ERROR = 0;
export const LOG_WARNING = 1;

export interface NewNotification {
  accountSid: string;
  errorCode: number;
  /** Human-readable explanation; becomes `Msg` inside message_text. */
  text: string;
  log?: 0 | 1;
  messageSid?: string | null;
  callSid?: string | null;
  requestMethod?: HttpMethod | null;
  requestUrl?: string | null;
  /** The parameters tandem sent with the failing request. */
  requestVariables?: Record<string, string> | null;
  responseBody?: string | null;
  responseHeaders?: string | null;
}

/**
 * message_text the way Twilio writes it: a form-encoded line (`Msg=…&ErrorCode=…&url=…&LogLevel=ERROR`), so
 * scripts that parse Twilio's notifications read ours the same way.
 */
function messageText(n: NewNotification, log: 0 | 1): string {
  const q = new URLSearchParams({ Msg: n.text, ErrorCode: String(n.errorCode) });
  if (n.requestUrl) q.set('url', n.requestUrl);
  if (n.messageSid) q.set('MessageSid', n.messageSid);
  if (n.callSid) q.set('CallSid', n.callSid);
  q.set('LogLevel', log === LOG_ERROR ? 'ERROR' : 'WARN');
  return q.toString();
}

export class Notifications {
  constructor(
    private readonly t: Tables,
    private readonly recorded?: Counter<'code'>,
  ) {}

  /** Stores the notification (record and its place in the account's list in one commit). */
  async record(n: NewNotification): Promise<NotificationRecord> {
    const now = Date.now();
    const log = n.log ?? LOG_ERROR;
    const r: NotificationRecord = {
      sid: newSid('NO'),
      accountSid: n.accountSid,
      callSid: n.callSid ?? null,
      messageSid: n.messageSid ?? null,
      errorCode: n.errorCode,
      log,
      messageText: messageText(n, log),
      requestMethod: n.requestMethod ?? null,
      requestUrl: n.requestUrl ?? null,
      requestVariables: n.requestVariables ? new URLSearchParams(n.requestVariables).toString() : null,
      responseBody: n.responseBody ?? null,
      responseHeaders: n.responseHeaders ?? null,
      messageDate: now,
      dateCreated: now,
      dateUpdated: now,
    };
    await Promise.all([
      this.t.notifications.put(r.sid, r),
      this.t.notificationsByAccount.put([r.accountSid, -r.dateCreated, r.sid], r.sid),
    ]);
    this.recorded?.inc({ code: String(r.errorCode) });
    return r;
  }

  get(sid: string): NotificationRecord | undefined {
    return this.t.notifications.get(sid);
  }
}
