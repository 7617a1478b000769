// Segment pacing for one sender: a virtual-schedule token bucket (GCRA) with no burst credit, so a long code
// at 1 segment/s never puts two segments into the same second, however long it sat idle.
export const DEFAULT_RATES = { long_code: 1, toll_free: 3, short_code: 100 } as const;

// Timers fire a little late, never early, but network and carrier jitter can pull two submits closer together
// than the pacer spaced them. Half a percent of headroom keeps "at most N per second" true at the carrier
// while costing at most 0.5 % of the ideal rate.
const HEADROOM = 1.005;
const NORMAL_RTT_MS = 2;

export class SegmentPacer {
  private nextAt: number;
  private intervalMs: number;

  /**
   * `lastSentAgoMs`: how long ago this sender's last segment left (from disk), so pacing holds across a
   * passivation or a crash and restart. `now` values are on the performance.now() timeline.
   */
  constructor(rate: number, now = 0, lastSentAgoMs?: number) {
    this.intervalMs = (1000 / rate) * HEADROOM;
    this.nextAt = lastSentAgoMs === undefined ? 0 : now - lastSentAgoMs + this.intervalMs;
  }

  setRate(rate: number): void {
    this.intervalMs = (1000 / rate) * HEADROOM;
  }

  /** Milliseconds until the next segment may leave (0 = now). */
  wait(now: number): number {
    return this.nextAt > now ? this.nextAt - now : 0;
  }

  /**
   * The carrier answered a segment issued at `issuedAt` only at `answeredAt`. A normal round trip changes
   * nothing; a long one means the segment waited on the way (a bind coming up, a full window) and reached the
   * carrier late, so the next one must keep its distance from the real arrival, not from the issue time.
   * The answer is the only sure bound on when the carrier took the segment: spacing from when it went to the socket
   * instead gained nothing in the 5,000-sender pacing bench and let a busy carrier see 2 in one second (gap 896 ms).
   * The price is the answer's own lateness under load (that bench: 0.97 of the ideal rate).
   */
  settle(issuedAt: number, answeredAt: number): void {
    const arrivedBy = answeredAt - Math.min(answeredAt - issuedAt, NORMAL_RTT_MS);
    const next = arrivedBy + this.intervalMs;
    if (next > this.nextAt) this.nextAt = next;
  }

  /** Account for one segment leaving at `now`. */
  take(now: number): void {
    this.nextAt = (this.nextAt > now ? this.nextAt : now) + this.intervalMs;
  }
}
