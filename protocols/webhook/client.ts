import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { webhookAgent } from './agent.js';
import { encodeParams, fragmentOf, stripFragment, withQuery, type WebhookParams } from './request-url.js';
import { parseConnectionOverrides, type RetryClass } from './overrides.js';
import { computeSignature } from './signature.js';

export type HttpMethod = 'GET' | 'POST';

/** Webhook failure codes (twilio-compat §18). */
export const WebhookCode = {
  HttpRetrievalFailure: 11200,
  HttpConnectionFailure: 11205,
  BadHostName: 11210,
  TlsHandshakeFailure: 11220,
  ResponseBodyTooLarge: 11750,
  InvalidContentType: 12300,
} as const;
export type WebhookFailureCode = (typeof WebhookCode)[keyof typeof WebhookCode];

/** Content types Twilio accepts for a TwiML document. */
export const TWIML_CONTENT_TYPES: readonly string[] = ['text/xml', 'application/xml', 'text/html'];

/** Twilio's limit on a TwiML response body. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export interface WebhookRequest {
  /**
   * As configured. A `#...` fragment is stripped before signing and sending; its Twilio connection
   * overrides (`tt`, `rt`, `rc`, `rp`, see overrides.ts) apply. By default a failed connection is
   * retried once, with the same idempotency token, within `timeoutMs`.
   */
  url: string;
  method: HttpMethod;
  params: WebhookParams;
  /** Key for X-Twilio-Signature: the owning account's auth token. */
  authToken: string;
  /** Whole exchange: connect, headers and body. */
  timeoutMs: number;
  maxBodyBytes?: number;
  /**
   * true (default): the body must be TwiML, so a non-empty body needs one of `acceptContentTypes`
   * (else 12300). false: status callbacks, whose body is ignored and discarded.
   */
  expectTwiml?: boolean;
  acceptContentTypes?: readonly string[];
  /** Same token on a retry of the same event lets the app deduplicate; a fresh UUID by default. */
  idempotencyToken?: string;
  /** Defaults to the shared keep-alive pool. */
  dispatcher?: Dispatcher;
}

export type WebhookSuccess = {
  ok: true;
  status: number;
  /** Media type without parameters, lower-case; '' when the app sent none. */
  contentType: string;
  body: string;
  elapsedMs: number;
  /** The URL actually requested (fragment removed, GET params appended). */
  url: string;
};

export type WebhookFailure = {
  ok: false;
  code: WebhookFailureCode;
  status?: number;
  message: string;
  elapsedMs: number;
  url: string;
};

export type WebhookResult = WebhookSuccess | WebhookFailure;

/** Sees every webhook's outcome (metrics): one observer per process, set by the switch; it must not throw. */
let observer: ((result: WebhookResult) => void) | null = null;

export function observeWebhooks(fn: ((result: WebhookResult) => void) | null): void {
  observer = fn;
}

/**
 * Sends one signed webhook the way Twilio does (POST form or GET query, X-Twilio-Signature,
 * User-Agent TwilioProxy/1.1, I-Twilio-Idempotency-Token) and classifies the outcome into
 * Twilio's error codes. Never throws.
 */
export async function sendWebhook(req: WebhookRequest): Promise<WebhookResult> {
  const result = await send(req);
  observer?.(result);
  return result;
}

async function send(req: WebhookRequest): Promise<WebhookResult> {
  const started = performance.now();
  const base = stripFragment(req.url);
  const overrides = parseConnectionOverrides(fragmentOf(req.url));
  const url = req.method === 'GET' ? withQuery(base, req.params) : base;

  // Parsed once: the check and the dispatch's origin/path both come from it.
  const target = /^https?:\/\//i.test(url) ? URL.parse(url) : null;
  if (target === null) {
    return failure(started, url, WebhookCode.HttpRetrievalFailure, `Invalid webhook URL: ${url}`);
  }

  const signature = computeSignature(req.authToken, url, req.method === 'POST' ? req.params : null);
  const headers: Record<string, string> = {
    'x-twilio-signature': signature,
    'user-agent': 'TwilioProxy/1.1',
    'i-twilio-idempotency-token': req.idempotencyToken ?? randomUUID(),
    accept: '*/*',
  };
  let body: string | undefined;
  if (req.method === 'POST') {
    headers['content-type'] = 'application/x-www-form-urlencoded; charset=UTF-8';
    body = encodeParams(req.params);
  }

  const timeoutMs = overrides.totalMs ?? req.timeoutMs;
  // One budget for every attempt, as Twilio's `tt`.
  const deadline = new Deadline(timeoutMs);
  const attempt: Attempt = {
    url,
    origin: target.origin,
    path: target.pathname + target.search,
    method: req.method,
    headers,
    body,
    dispatcher: req.dispatcher ?? webhookAgent(),
    signal: deadline,
    readMs: overrides.readMs,
    maxBodyBytes: req.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    expectTwiml: req.expectTwiml ?? true,
    acceptContentTypes: req.acceptContentTypes ?? TWIML_CONTENT_TYPES,
    timeoutMs,
  };
  try {
    for (let retriesLeft = overrides.retryCount; ; retriesLeft--) {
      const outcome = await attemptOnce(attempt);
      // Field by field: `{ ...outcome, elapsedMs, url }` made V8 build a new hidden class per webhook (perf profile).
      if (outcome.ok) {
        return { ok: true, status: outcome.status, contentType: outcome.contentType, body: outcome.body, elapsedMs: performance.now() - started, url };
      }
      const done =
        retriesLeft <= 0 || deadline.aborted || outcome.retryClass === undefined ||
        !overrides.retryPolicy.has(outcome.retryClass);
      // Retries reuse the idempotency token, so an app that saw the first attempt can tell.
      if (done) return failure(started, url, outcome.code, outcome.message, outcome.status);
    }
  } finally {
    deadline.clear();
  }
}

function failure(started: number, url: string, code: WebhookFailureCode, message: string, status?: number): WebhookFailure {
  return { ok: false, code, ...(status !== undefined && { status }), message, elapsedMs: performance.now() - started, url };
}

/**
 * A webhook's whole-exchange budget: one timer for every attempt, which aborts the attempt in flight when it runs
 * out. (An AbortController would do, but Node 20's costs ~7.6 µs to make and its signals outlive their request until
 * a full GC; at thousands of webhooks a second that was CPU and garbage on the main thread for nothing.)
 */
class Deadline {
  aborted = false;
  /** The attempt in flight: how to stop it when the time is up. */
  onAbort: { abort(): void } | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(ms: number) {
    this.timer = setTimeout(() => {
      this.aborted = true;
      this.onAbort?.abort();
    }, ms);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

interface Attempt {
  url: string;
  /** `url` split for undici's dispatch: scheme://host:port, and path with query. */
  origin: string;
  path: string;
  method: HttpMethod;
  headers: Record<string, string>;
  body: string | undefined;
  dispatcher: Dispatcher;
  signal: Deadline;
  readMs: number | undefined;
  maxBodyBytes: number;
  expectTwiml: boolean;
  acceptContentTypes: readonly string[];
  timeoutMs: number;
}

type AttemptOutcome =
  | { ok: true; status: number; contentType: string; body: string }
  | { ok: false; code: WebhookFailureCode; message: string; status?: number; retryClass?: RetryClass };

class DeadlineReached extends Error {}

async function attemptOnce(a: Attempt): Promise<AttemptOutcome> {
  try {
    return await exchange(a);
  } catch (err) {
    if (a.signal.aborted) {
      return {
        ok: false,
        code: WebhookCode.HttpRetrievalFailure,
        message: `HTTP retrieval failure: no complete response within ${a.timeoutMs} ms`,
      };
    }
    return classify(err);
  }
}

/**
 * One request and its response through undici's dispatch API: the response arrives in the handler's callbacks.
 * `request()` would wrap each response in a Readable stream read through an async iterator, ~20–40 µs more CPU per
 * webhook in a micro-benchmark (undici 7, keep-alive, a one-<Message> reply). Resolves with the outcome of an
 * answered request; rejects with undici's error (or DeadlineReached) when there was no complete answer.
 */
function exchange(a: Attempt): Promise<AttemptOutcome> {
  return new Promise<AttemptOutcome>((resolve, reject) => {
    const x = new Exchange(a, resolve, reject);
    a.signal.onAbort = x;
    try {
      a.dispatcher.dispatch(
        {
          origin: a.origin,
          path: a.path,
          method: a.method,
          headers: a.headers,
          body: a.body ?? null,
          ...(a.readMs !== undefined && { headersTimeout: a.readMs, bodyTimeout: a.readMs }),
        },
        x,
      );
    } catch (err) {
      x.settle(err as Error);
    }
  });
}

/**
 * One exchange's state and undici's callbacks for it, as one object. (Closures made per webhook cost more: tsx, which
 * runs tandem, names each one with a defineProperty call, 2–5 % of a webhook's CPU in a profile.)
 */
class Exchange implements Dispatcher.DispatchHandler {
  private settled = false;
  private controller: Dispatcher.DispatchController | null = null;
  private status = 0;
  private contentType = '';
  /** The body is kept only for a 2xx TwiML answer; any other body is read and dropped (the socket stays reusable). */
  private keep = false;
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly a: Attempt,
    private readonly resolve: (o: AttemptOutcome) => void,
    private readonly reject: (e: Error) => void,
  ) {}

  settle(outcome: AttemptOutcome | Error): void {
    if (this.settled) return;
    this.settled = true;
    this.a.signal.onAbort = null;
    if (outcome instanceof Error) this.reject(outcome);
    else this.resolve(outcome);
  }

  /** The deadline ran out (Deadline calls this). */
  abort(): void {
    this.settle(new DeadlineReached());
    this.controller?.abort(new DeadlineReached());
  }

  private stop(outcome: AttemptOutcome): void {
    this.settle(outcome);
    this.controller?.abort(new Error('webhook response abandoned'));
  }

  private tooLarge(detail: string): AttemptOutcome {
    return { ok: false, code: WebhookCode.ResponseBodyTooLarge, message: `Response body ${detail} exceeds ${this.a.maxBodyBytes} bytes`, status: this.status };
  }

  onRequestStart(c: Dispatcher.DispatchController): void {
    this.controller = c;
    // Out of time while waiting for a pooled connection.
    if (this.settled) c.abort(new DeadlineReached());
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    this.status = statusCode;
    if (statusCode < 200 || statusCode > 299) return;
    this.contentType = mediaType(headers['content-type']);
    if (!this.a.expectTwiml) return;
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > this.a.maxBodyBytes) {
      this.stop(this.tooLarge(`of ${declared} bytes`));
      return;
    }
    this.keep = true;
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.size += chunk.length;
    if (!this.keep) {
      // A body nobody reads: drained while small, the connection given up past that.
      if (this.size > this.a.maxBodyBytes) this.stop(this.outcome());
      return;
    }
    if (this.size > this.a.maxBodyBytes) {
      this.stop(this.tooLarge('read so far'));
      return;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.settle(this.outcome());
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    this.settle(err);
  }

  private outcome(): AttemptOutcome {
    const { a, status } = this;
    if (status < 200 || status > 299) {
      return {
        ok: false,
        code: WebhookCode.HttpRetrievalFailure,
        message: `HTTP retrieval failure: ${a.method} ${a.url} answered ${status}`,
        status,
        ...(status >= 400 && { retryClass: status >= 500 ? '5xx' : '4xx' }),
      };
    }
    if (!a.expectTwiml) return { ok: true, status, contentType: this.contentType, body: '' };
    const text = Buffer.concat(this.chunks, this.size).toString('utf8');
    // An empty 2xx means "nothing to do" whatever its content type.
    if (text.trim() !== '' && !a.acceptContentTypes.includes(this.contentType)) {
      return {
        ok: false,
        code: WebhookCode.InvalidContentType,
        message: `Invalid Content-Type "${this.contentType || '(none)'}" for TwiML from ${a.url}`,
        status,
      };
    }
    return { ok: true, status, contentType: this.contentType, body: text };
  }
}

function mediaType(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return '';
  const semi = value.indexOf(';');
  return (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase();
}

function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  const visit = (e: unknown, depth: number): void => {
    if (depth > 3 || typeof e !== 'object' || e === null) return;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    visit((e as { cause?: unknown }).cause, depth + 1);
    // Happy-eyeballs connects report one error per address tried.
    const inner = (e as { errors?: unknown }).errors;
    if (Array.isArray(inner)) for (const sub of inner) visit(sub, depth + 1);
  };
  visit(err, 0);
  return codes;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
const READ_TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function classify(err: unknown): AttemptOutcome {
  const codes = errorCodes(err);
  const detail = `${codes[0] ?? 'error'}: ${(err as Error)?.message ?? String(err)}`;
  if (codes.some((c) => DNS_CODES.has(c))) {
    return { ok: false, code: WebhookCode.BadHostName, message: `Bad host name (${detail})`, retryClass: 'ct' };
  }
  if (codes.some((c) => c.startsWith('ERR_TLS') || c.startsWith('ERR_SSL') || c.includes('CERT') || c.includes('SIGNATURE'))) {
    return { ok: false, code: WebhookCode.TlsHandshakeFailure, message: `TLS handshake failure (${detail})`, retryClass: 'ct' };
  }
  if (codes.some((c) => READ_TIMEOUT_CODES.has(c))) {
    return { ok: false, code: WebhookCode.HttpRetrievalFailure, message: `HTTP retrieval failure: read timed out (${detail})`, retryClass: 'rt' };
  }
  // Refused, reset, closed mid-response, unreachable, connect timeout: the app could not be talked to.
  // This also covers a pooled keep-alive socket the app closed just as it was reused, which a retry fixes.
  return { ok: false, code: WebhookCode.HttpConnectionFailure, message: `HTTP connection failure (${detail})`, retryClass: 'ct' };
}
