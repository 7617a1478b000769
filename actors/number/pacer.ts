// Segment pacing for one sender: a virtual-schedule token bucket (GCRA) with no burst credit, so a long code
// at 1 segment/s never puts two segments into the same second, however long it sat idle.
export const DEFAULT_RATES = { long_code: 1, toll_free: 3, short_code: 100 } as const;

// Timers fire a little late, never early, but network and carrier jitter can pull two submits closer together
// than the pacer spaced them. Half a percent of headroom keeps "at most N per second" true at the carrier
// while costing at most 0.5 % of the ideal rate.
const HEADROOM = 1.005;

export class SegmentPacer {
  private nextAt = 0;
  private intervalMs: number;

  constructor(rate: number) {
    this.intervalMs = (1000 / rate) * HEADROOM;
  }

  setRate(rate: number): void {
    this.intervalMs = (1000 / rate) * HEADROOM;
  }

  /** Milliseconds until the next segment may leave (0 = now). */
  wait(now: number): number {
    return this.nextAt > now ? this.nextAt - now : 0;
  }

  /** Account for one segment leaving at `now`. */
  take(now: number): void {
    this.nextAt = (this.nextAt > now ? this.nextAt : now) + this.intervalMs;
  }
}
