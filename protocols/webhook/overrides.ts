/**
 * Twilio's per-URL connection overrides, carried in the URL fragment
 * (`https://app/sms#rt=2000&tt=5000&rc=2&rp=ct,5xx`). Ranges and defaults follow Twilio's
 * "Webhook connection overrides" page. `ct` (connect timeout), `e` (edge) and `sni` are not
 * per-request settings here: the connect timeout belongs to the shared pool.
 */
export type RetryClass = 'ct' | 'rt' | '4xx' | '5xx';

export interface ConnectionOverrides {
  /** Total time for all attempts, ms. */
  totalMs?: number;
  /** Wait for the response headers, and between body chunks, ms. */
  readMs?: number;
  /** Extra attempts after the first fails with a class in `retryPolicy`. */
  retryCount: number;
  retryPolicy: ReadonlySet<RetryClass>;
}

/** Twilio retries once, and only when the connection itself failed. */
export const DEFAULT_RETRY_COUNT = 1;
const DEFAULT_POLICY: ReadonlySet<RetryClass> = new Set(['ct']);
const ALL: readonly RetryClass[] = ['ct', 'rt', '4xx', '5xx'];

function clampedInt(value: string, min: number, max: number): number | undefined {
  if (!/^\d{1,6}$/.test(value)) return undefined;
  return Math.min(max, Math.max(min, Number(value)));
}

/** Unknown keys and malformed values are ignored, leaving the defaults in place. */
export function parseConnectionOverrides(fragment: string): ConnectionOverrides {
  const out: ConnectionOverrides = { retryCount: DEFAULT_RETRY_COUNT, retryPolicy: DEFAULT_POLICY };
  if (fragment === '') return out;
  for (const [key, value] of new URLSearchParams(fragment)) {
    if (key === 'tt') {
      const ms = clampedInt(value, 100, 15_000);
      if (ms !== undefined) out.totalMs = ms;
    } else if (key === 'rt') {
      const ms = clampedInt(value, 100, 15_000);
      if (ms !== undefined) out.readMs = ms;
    } else if (key === 'rc') {
      const n = clampedInt(value, 0, 5);
      if (n !== undefined) out.retryCount = n;
    } else if (key === 'rp') {
      const policy = new Set<RetryClass>();
      for (const word of value.split(',').map((w) => w.trim())) {
        if (word === 'all') for (const c of ALL) policy.add(c);
        else if ((ALL as readonly string[]).includes(word)) policy.add(word as RetryClass);
      }
      if (policy.size > 0) out.retryPolicy = policy;
    }
  }
  return out;
}
