import type { Dispatcher } from 'undici';
import { sendWebhook, type HttpMethod, type WebhookFailure } from './client.js';
import { stripFragment, type WebhookParams } from './request-url.js';

export interface WebhookTarget {
  url: string;
  method: HttpMethod;
}

/** Why a TwiML URL did not give a usable document: a fetch failure or the caller's parse error. */
export interface TwimlFetchError {
  code: number;
  message: string;
  status?: number;
  /** The URL requested (fragment removed, GET params appended). */
  url: string;
  elapsedMs: number;
}

/** `url` is the URL that answered (as requested): relative URLs in the document resolve against it. */
export type TwimlCheck<T> = (body: string, url: string) => { ok: true; value: T } | { ok: false; code: number; message: string };

export interface FetchTwimlOptions<T> {
  /**
   * Parses the body; a failure counts like a fetch failure and sends Twilio to the fallback URL
   * (§12: "unparsable TwiML"). Without it the body string itself is the value.
   */
  parse?: TwimlCheck<T>;
  maxBodyBytes?: number;
  acceptContentTypes?: readonly string[];
  dispatcher?: Dispatcher;
}

export type FetchTwimlResult<T> =
  | {
      ok: true;
      answeredBy: 'primary' | 'fallback';
      /** The URL that answered, as requested. */
      url: string;
      method: HttpMethod;
      body: string;
      value: T;
      /** Set when the fallback answered: what went wrong with the primary. */
      primaryError?: TwimlFetchError;
    }
  | { ok: false; primaryError: TwimlFetchError; fallbackError?: TwimlFetchError };

/**
 * Fetches TwiML from the primary URL and, if that fails (connect error, timeout, non-2xx, bad
 * content type, too large, or `parse` rejects it), from the fallback URL with the same params
 * plus `ErrorCode` and `ErrorUrl` (twilio-compat §12). Never throws.
 */
export async function fetchTwiml<T = string>(
  primary: WebhookTarget,
  fallback: WebhookTarget | undefined,
  params: WebhookParams,
  authToken: string,
  timeoutMs: number,
  options: FetchTwimlOptions<T> = {},
): Promise<FetchTwimlResult<T>> {
  const first = await attempt(primary, params, authToken, timeoutMs, options);
  if (first.ok) return { ok: true, answeredBy: 'primary', ...first.answer };
  if (fallback === undefined) return { ok: false, primaryError: first.error };

  const fallbackParams: WebhookParams = {
    ...params,
    ErrorCode: String(first.error.code),
    // The configured URL (minus fragment), not the GET-expanded one: it names the failing endpoint.
    ErrorUrl: stripFragment(primary.url),
  };
  const second = await attempt(fallback, fallbackParams, authToken, timeoutMs, options);
  if (second.ok) return { ok: true, answeredBy: 'fallback', ...second.answer, primaryError: first.error };
  return { ok: false, primaryError: first.error, fallbackError: second.error };
}

type Attempt<T> =
  | { ok: true; answer: { url: string; method: HttpMethod; body: string; value: T } }
  | { ok: false; error: TwimlFetchError };

async function attempt<T>(
  target: WebhookTarget,
  params: WebhookParams,
  authToken: string,
  timeoutMs: number,
  options: FetchTwimlOptions<T>,
): Promise<Attempt<T>> {
  const res = await sendWebhook({
    url: target.url,
    method: target.method,
    params,
    authToken,
    timeoutMs,
    ...(options.maxBodyBytes !== undefined && { maxBodyBytes: options.maxBodyBytes }),
    ...(options.acceptContentTypes !== undefined && { acceptContentTypes: options.acceptContentTypes }),
    ...(options.dispatcher !== undefined && { dispatcher: options.dispatcher }),
  });
  if (!res.ok) return { ok: false, error: fromFailure(res) };
  if (options.parse === undefined) {
    return { ok: true, answer: { url: res.url, method: target.method, body: res.body, value: res.body as T } };
  }
  const parsed = options.parse(res.body, res.url);
  if (!parsed.ok) {
    return {
      ok: false,
      error: { code: parsed.code, message: parsed.message, status: res.status, url: res.url, elapsedMs: res.elapsedMs },
    };
  }
  return { ok: true, answer: { url: res.url, method: target.method, body: res.body, value: parsed.value } };
}

function fromFailure(f: WebhookFailure): TwimlFetchError {
  return { code: f.code, message: f.message, ...(f.status !== undefined && { status: f.status }), url: f.url, elapsedMs: f.elapsedMs };
}
