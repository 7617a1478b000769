import type { Dispatcher } from 'undici';
import { sendWebhook, type HttpMethod, type WebhookResult } from './client.js';
import type { WebhookParams } from './request-url.js';

export interface StatusCallbackRequest {
  url: string;
  method: HttpMethod;
  params: WebhookParams;
  authToken: string;
}

export type StatusCallbackOutcome =
  | { sent: true; result: WebhookResult }
  /** Dropped without a request because `maxInFlight` callbacks were already outstanding. */
  | { sent: false; reason: 'overflow' };

export interface StatusCallbackStats {
  inFlight: number;
  delivered: number;
  failed: number;
  dropped: number;
}

export interface StatusCallbackSenderOptions {
  /** Callbacks awaiting an answer at once; beyond this new ones are dropped and counted. */
  maxInFlight?: number;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
  /** Told about every failed or dropped callback, e.g. to record a notification. */
  onFailure?: (req: StatusCallbackRequest, outcome: StatusCallbackOutcome) => void;
}

/**
 * Fire-and-forget status callbacks with a bounded number in flight. A slow or dead app must
 * never make message or call handling wait, so overflow is dropped and counted, not queued.
 */
export class StatusCallbackSender {
  readonly stats: StatusCallbackStats = { inFlight: 0, delivered: 0, failed: 0, dropped: 0 };
  private readonly maxInFlight: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: StatusCallbackSenderOptions = {}) {
    this.maxInFlight = options.maxInFlight ?? 1_000;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** Starts the request and returns at once; the promise (never rejected) is for tests and metrics. */
  post(req: StatusCallbackRequest): Promise<StatusCallbackOutcome> {
    if (this.stats.inFlight >= this.maxInFlight) {
      this.stats.dropped++;
      const outcome: StatusCallbackOutcome = { sent: false, reason: 'overflow' };
      this.options.onFailure?.(req, outcome);
      return Promise.resolve(outcome);
    }
    this.stats.inFlight++;
    return sendWebhook({
      url: req.url,
      method: req.method,
      params: req.params,
      authToken: req.authToken,
      timeoutMs: this.timeoutMs,
      expectTwiml: false,
      ...(this.options.dispatcher !== undefined && { dispatcher: this.options.dispatcher }),
    }).then((result) => {
      this.stats.inFlight--;
      const outcome: StatusCallbackOutcome = { sent: true, result };
      if (result.ok) this.stats.delivered++;
      else {
        this.stats.failed++;
        this.options.onFailure?.(req, outcome);
      }
      return outcome;
    });
  }
}

let defaultSender: StatusCallbackSender | undefined;

/** Posts through a process-wide sender (1,000 in flight, 15 s timeout). */
export function postStatusCallback(req: StatusCallbackRequest): Promise<StatusCallbackOutcome> {
  defaultSender ??= new StatusCallbackSender();
  return defaultSender.post(req);
}
