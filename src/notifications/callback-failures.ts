// Failed status callbacks (of messages and of calls) made visible to the account's owner the way Twilio's debugger
// does: a Notification with the webhook's error code (11200, 11205, …) and the request tandem tried, plus a log line.
// At most one per account and callback URL (query string aside) a minute: a dead URL under heavy traffic fails on
// every status change of every message, and a notification each would flood the list, the log and the disk. The
// failures left out are counted into the next notification for that URL; all of them are in the
// `tandem_webhook_duration_seconds` metric by outcome.
import type { StatusCallbackOutcome, StatusCallbackRequest } from '../../protocols/webhook/index.js';
import type { NewNotification } from './notifications.js';

const CALLBACK_FAILURE_WINDOW_MS = 60_000;
/** Twilio's "HTTP retrieval failure": used for callbacks tandem dropped without a request (too many in flight). */
const RETRIEVAL_FAILURE = 11200;

export interface CallbackFailureReporterOptions {
  notify(n: NewNotification): void;
  log: { warn(obj: object, msg?: string): void };
  windowMs?: number;
  now?: () => number;
}

interface Window {
  until: number;
  /** Failures inside the window that got no notification of their own. */
  left: number;
}

export class CallbackFailureReporter {
  /** Per account and URL; every window is as long, so insertion order is expiry order. */
  private readonly windows = new Map<string, Window>();
  /** Failures counted in windows that have ended, by key, until the next failure of that URL reports them. */
  private readonly leftOver = new Map<string, number>();
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(private readonly o: CallbackFailureReporterOptions) {
    this.windowMs = o.windowMs ?? CALLBACK_FAILURE_WINDOW_MS;
    this.now = o.now ?? Date.now;
  }

  report(req: StatusCallbackRequest, outcome: StatusCallbackOutcome): void {
    const accountSid = param(req, 'AccountSid');
    if (accountSid === undefined) return;
    const url = withoutQuery(req.url);
    const key = `${accountSid} ${url}`;
    const now = this.now();
    this.forgetExpired(now);
    const open = this.windows.get(key);
    if (open) {
      open.left++;
      return;
    }
    const earlier = this.leftOver.get(key) ?? 0;
    this.leftOver.delete(key);
    this.windows.set(key, { until: now + this.windowMs, left: 0 });

    const failure = describe(outcome);
    const messageSid = param(req, 'MessageSid');
    const callSid = param(req, 'CallSid');
    const more = earlier > 0 ? `; ${earlier} more failure${earlier === 1 ? '' : 's'} of this URL since the last notification were not listed` : '';
    this.o.log.warn({ accountSid, url: req.url, errorCode: failure.code, messageSid, callSid, notListedBefore: earlier }, 'status callback failed');
    this.o.notify({
      accountSid,
      errorCode: failure.code,
      messageSid: messageSid ?? null,
      callSid: callSid ?? null,
      requestUrl: req.url,
      requestMethod: req.method,
      requestVariables: flatten(req),
      text: `Status callback failed: ${failure.text}${more}`,
    });
  }

  private forgetExpired(now: number): void {
    for (const [key, w] of this.windows) {
      if (w.until > now) break;
      this.windows.delete(key);
      if (w.left > 0) {
        this.leftOver.delete(key);
        this.leftOver.set(key, w.left);
      }
    }
    // Counts nobody will ever report (the URL works again, or is gone) are kept for a bounded number of URLs.
    while (this.leftOver.size > MAX_LEFT_OVER) this.leftOver.delete(this.leftOver.keys().next().value!);
  }
}

const MAX_LEFT_OVER = 10_000;

function describe(outcome: StatusCallbackOutcome): { code: number; text: string } {
  if (!outcome.sent) return { code: RETRIEVAL_FAILURE, text: 'not sent: too many status callbacks were already waiting for an answer' };
  const r = outcome.result;
  if (r.ok) return { code: RETRIEVAL_FAILURE, text: `HTTP ${r.status}` };
  return { code: r.code, text: r.status !== undefined ? `${r.message} (HTTP ${r.status})` : r.message };
}

function param(req: StatusCallbackRequest, name: string): string | undefined {
  const v = req.params[name];
  return typeof v === 'string' ? v : v?.[0];
}

function flatten(req: StatusCallbackRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.params)) out[k] = typeof v === 'string' ? v : v.join(',');
  return out;
}

function withoutQuery(url: string): string {
  const q = url.search(/[?#]/);
  return q < 0 ? url : url.slice(0, q);
}
