// Order statistics and small numeric helpers shared by the scenarios.

/** Nearest-rank percentile of an ascending array; NaN for an empty one. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function sortedCopy(xs: Iterable<number>): Float64Array {
  return Float64Array.from(xs).sort();
}

export function median(xs: number[]): number {
  return percentile(sortedCopy(xs), 50);
}

/** Rounds to `digits` decimals; keeps figures in the JSON readable. */
export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` until it yields a value or `ms` pass; throws with `what` on timeout. */
export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, ms: number, what: string, everyMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
