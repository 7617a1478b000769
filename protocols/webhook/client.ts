import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { request, type Dispatcher } from 'undici';
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
  const failure = (code: WebhookFailureCode, message: string, status?: number): WebhookFailure => ({
    ok: false,
    code,
    ...(status !== undefined && { status }),
    message,
    elapsedMs: performance.now() - started,
    url,
  });

  if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) {
    return failure(WebhookCode.HttpRetrievalFailure, `Invalid webhook URL: ${url}`);
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
      if (outcome.ok) return { ...outcome, elapsedMs: performance.now() - started, url };
      const done =
        retriesLeft <= 0 || deadline.aborted || outcome.retryClass === undefined ||
        !overrides.retryPolicy.has(outcome.retryClass);
      // Retries reuse the idempotency token, so an app that saw the first attempt can tell.
      if (done) return failure(outcome.code, outcome.message, outcome.status);
    }
  } finally {
    deadline.clear();
  }
}

/**
 * A webhook's whole-exchange budget, given to undici as its `signal` (undici takes an EventEmitter with `aborted` as
 * well as an AbortSignal). Node 20's AbortController costs ~7.6 µs to make, and its signals outlive their request
 * until a full GC (200,000 made and dropped grew the old generation to ~19 MB in a micro-benchmark); at thousands of
 * webhooks a second that was CPU and garbage on the main thread for nothing an emitter cannot do.
 */
class Deadline extends EventEmitter {
  aborted = false;
  private readonly timer: NodeJS.Timeout;

  constructor(ms: number) {
    super();
    this.timer = setTimeout(() => {
      this.aborted = true;
      this.emit('abort');
    }, ms);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

interface Attempt {
  url: string;
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

async function attemptOnce(a: Attempt): Promise<AttemptOutcome> {
  try {
    const res = await request(a.url, {
      method: a.method,
      headers: a.headers,
      ...(a.body !== undefined && { body: a.body }),
      dispatcher: a.dispatcher,
      signal: a.signal,
      ...(a.readMs !== undefined && { headersTimeout: a.readMs, bodyTimeout: a.readMs }),
    });
    const status = res.statusCode;
    if (status < 200 || status > 299) {
      await res.body.dump();
      return {
        ok: false,
        code: WebhookCode.HttpRetrievalFailure,
        message: `HTTP retrieval failure: ${a.method} ${a.url} answered ${status}`,
        status,
        ...(status >= 400 && { retryClass: status >= 500 ? '5xx' : '4xx' }),
      };
    }
    const contentType = mediaType(res.headers['content-type']);
    if (!a.expectTwiml) {
      await res.body.dump();
      return { ok: true, status, contentType, body: '' };
    }
    const tooLarge = (detail: string): AttemptOutcome => ({
      ok: false,
      code: WebhookCode.ResponseBodyTooLarge,
      message: `Response body ${detail} exceeds ${a.maxBodyBytes} bytes`,
      status,
    });
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > a.maxBodyBytes) {
      res.body.destroy();
      return tooLarge(`of ${declared} bytes`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > a.maxBodyBytes) {
        res.body.destroy();
        return tooLarge('read so far');
      }
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks, size).toString('utf8');
    // An empty 2xx means "nothing to do" whatever its content type.
    if (text.trim() !== '' && !a.acceptContentTypes.includes(contentType)) {
      return {
        ok: false,
        code: WebhookCode.InvalidContentType,
        message: `Invalid Content-Type "${contentType || '(none)'}" for TwiML from ${a.url}`,
        status,
      };
    }
    return { ok: true, status, contentType, body: text };
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
