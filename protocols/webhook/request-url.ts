/** Webhook parameters as Twilio sends them: repeated names carry several values. */
export type WebhookParams = Record<string, string | string[]>;

/**
 * Drops a `#...` fragment. Twilio uses fragments for per-URL connection overrides; they are
 * never sent to the app, so they must not be signed either (twilio-compat §12).
 */
export function stripFragment(url: string): string {
  const hash = url.indexOf('#');
  return hash === -1 ? url : url.slice(0, hash);
}

/** Returns the `#...` part without the `#`, or '' when there is none. */
export function fragmentOf(url: string): string {
  const hash = url.indexOf('#');
  return hash === -1 ? '' : url.slice(hash + 1);
}

// encodeURIComponent gives %20 for spaces (as Twilio sends them) and leaves unreserved marks alone.
function encodePair(name: string, value: string): string {
  return `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
}

/** `application/x-www-form-urlencoded` body or query string; repeated names become repeated pairs. */
export function encodeParams(params: WebhookParams): string {
  const parts: string[] = [];
  for (const name of Object.keys(params)) {
    const value = params[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) parts.push(encodePair(name, v));
    else parts.push(encodePair(name, value));
  }
  return parts.join('&');
}

/** Appends params to a URL's query string, keeping whatever query the URL already has. */
export function withQuery(url: string, params: WebhookParams): string {
  const query = encodeParams(params);
  if (query === '') return url;
  if (url.endsWith('?') || url.endsWith('&')) return url + query;
  return url + (url.includes('?') ? '&' : '?') + query;
}
