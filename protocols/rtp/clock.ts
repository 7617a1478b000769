// One media clock for every call. A timer per call would cost 1,000 timers at 1,000 calls and
// each would drift on its own; one timer that steers by process.hrtime keeps every stream on the
// same 20 ms grid, and the handlers of a tick run back to back in one macrotask.
import { performance } from 'node:perf_hooks';
import { hrtime } from 'node:process';

/**
 * Called once per tick. `tick` counts 20 ms periods since the clock started and jumps when a long
 * stall made the clock skip ticks; `nowMs` is performance.now() at the start of the tick.
 */
export type TickHandler = (tick: number, nowMs: number) => void;

export interface MediaClockOptions {
  periodMs?: number;
  /** When the loop stalls longer than this many ticks, the clock skips ahead instead of bursting. */
  maxCatchUpTicks?: number;
  /** Where a throwing handler is reported; the clock keeps ticking the others. */
  onHandlerError?: (err: unknown) => void;
}

export interface MediaClockStats {
  ticks: number;
  subscribers: number;
  /** Ticks dropped after stalls longer than maxCatchUpTicks. */
  skippedTicks: number;
  /** How late ticks fired relative to their ideal 20 ms grid, over the recent window. */
  lateMs: { p50: number; p99: number; max: number };
  /** Time spent inside handlers per tick, over the recent window. */
  workMs: { p50: number; p99: number; max: number };
}

const WINDOW = 4096;
const NS_PER_MS = 1_000_000n;

function percentiles(ring: Float64Array, count: number): { p50: number; p99: number; max: number } {
  const n = Math.min(count, ring.length);
  if (n === 0) return { p50: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(ring.subarray(0, n)).sort();
  const at = (q: number) => sorted[Math.min(n - 1, Math.floor(q * n))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: sorted[n - 1] ?? 0 };
}

export class MediaClock {
  readonly periodMs: number;
  private readonly periodNs: bigint;
  private readonly maxCatchUpTicks: number;
  private readonly onHandlerError: (err: unknown) => void;
  private readonly handlers = new Set<TickHandler>();
  private timer: NodeJS.Timeout | undefined;
  private nextDeadline = 0n;
  private tick = 0;
  private skipped = 0;
  private readonly late = new Float64Array(WINDOW);
  private readonly work = new Float64Array(WINDOW);
  private samples = 0;
  /** While handlers run, (un)subscribing must not start or stop the timer: onTimer decides at its end. */
  private inTick = false;

  constructor(opts: MediaClockOptions = {}) {
    this.periodMs = opts.periodMs ?? 20;
    this.periodNs = BigInt(Math.round(this.periodMs * 1e6));
    this.maxCatchUpTicks = opts.maxCatchUpTicks ?? 10;
    this.onHandlerError = opts.onHandlerError ?? ((err) => process.emitWarning(`media clock handler threw: ${String(err)}`));
  }

  get subscribers(): number {
    return this.handlers.size;
  }

  /** Adds a handler from the next tick on; the returned function removes it. The clock runs only while it has handlers. */
  subscribe(handler: TickHandler): () => void {
    this.handlers.add(handler);
    if (this.timer === undefined && !this.inTick) {
      this.nextDeadline = hrtime.bigint() + this.periodNs;
      this.schedule();
    }
    return () => {
      this.handlers.delete(handler);
      if (this.handlers.size === 0 && this.timer !== undefined && !this.inTick) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  }

  stats(): MediaClockStats {
    return {
      ticks: this.tick,
      subscribers: this.handlers.size,
      skippedTicks: this.skipped,
      lateMs: percentiles(this.late, this.samples),
      workMs: percentiles(this.work, this.samples),
    };
  }

  resetStats(): void {
    this.samples = 0;
    this.skipped = 0;
  }

  private schedule(): void {
    const delayMs = Number(this.nextDeadline - hrtime.bigint()) / 1e6;
    // Unref'd: open sockets keep the process alive while calls last; the clock alone should not.
    this.timer = setTimeout(this.onTimer, Math.max(0, Math.round(delayMs))).unref();
  }

  private readonly onTimer = (): void => {
    let now = hrtime.bigint();
    // Node timers have 1 ms resolution and may fire a little early; wait again unless within half a millisecond.
    if (this.nextDeadline - now > NS_PER_MS / 2n) {
      this.schedule();
      return;
    }
    const behind = Number((now - this.nextDeadline) / this.periodNs);
    if (behind > this.maxCatchUpTicks) {
      // The tick number jumps too, so streams can keep their RTP timestamps on wall time across the gap.
      this.skipped += behind;
      this.tick += behind;
      this.nextDeadline += BigInt(behind) * this.periodNs;
    }
    this.inTick = true;
    // Ticks missed by a short stall run back to back, so every stream's timestamps stay on wall time.
    // Bounded, so an overloaded process still returns to the event loop (and reads its sockets)
    // between bursts instead of spinning on ticks it can never catch up with.
    let burst = 0;
    while (this.nextDeadline - now <= NS_PER_MS / 2n && this.handlers.size > 0 && burst++ <= this.maxCatchUpTicks) {
      const slot = this.samples % WINDOW;
      this.late[slot] = Number(now - this.nextDeadline) / 1e6;
      const nowMs = performance.now();
      const tick = this.tick++;
      for (const handler of this.handlers) {
        try {
          handler(tick, nowMs);
        } catch (err) {
          this.onHandlerError(err);
        }
      }
      const after = hrtime.bigint();
      this.work[slot] = Number(after - now) / 1e6;
      this.samples++;
      this.nextDeadline += this.periodNs;
      now = after;
    }
    this.inTick = false;
    if (this.handlers.size > 0) this.schedule();
    else this.timer = undefined;
  };
}

let shared: MediaClock | undefined;

/** The process-wide clock every RtpEndpoint uses unless given another. */
export function sharedMediaClock(): MediaClock {
  shared ??= new MediaClock();
  return shared;
}
