// One media clock for every call (per thread). A timer per call would cost 1,000 timers at 1,000 calls
// and each would drift on its own; one timer that steers by process.hrtime keeps every stream on a
// 20 ms grid of the same wall clock, and the handlers due at a slot run back to back in one macrotask.
import { performance } from 'node:perf_hooks';
import { hrtime } from 'node:process';

/**
 * Called once per tick. `tick` counts 20 ms periods since the clock started and jumps when a long
 * stall made the clock skip ticks; `nowMs` is performance.now() at the start of the tick.
 */
export type TickHandler = (tick: number, nowMs: number) => void;

export interface MediaClockOptions {
  periodMs?: number;
  /**
   * Subscribers are spread over this many evenly spaced phases of the period, each ticking on its own 20 ms
   * grid: the timer fires every periodMs/phases and sends a phase's share of the packets, not all of them in
   * one burst that competes with everything else for the CPU. Default 1 (every subscriber on one grid).
   */
  phases?: number;
  /**
   * Tick on the process-wide monotonic grid of the period, this many ms into it (0 ≤ offset < period), instead of
   * one period after the first subscriber: clocks in different threads given different offsets never burst at
   * the same moment. With several phases, the slots are aligned to the grid, not which phase comes first.
   */
  gridOffsetMs?: number;
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
  /** How late the timer fired relative to its ideal grid (one sample per phase slot), over the recent window. */
  lateMs: { p50: number; p99: number; max: number };
  /** Time spent inside handlers per slot, over the recent window. */
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
  readonly phases: number;
  private readonly slotNs: bigint;
  private readonly gridOffsetNs: bigint | undefined;
  private readonly maxCatchUpSlots: number;
  private readonly onHandlerError: (err: unknown) => void;
  /** Handlers by phase; a handler ticks when the slot counter reaches its phase. */
  private readonly byPhase: Set<TickHandler>[];
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private nextDeadline = 0n;
  /** Slots since the clock started: slot / phases is the tick, slot % phases the phase due. */
  private slot = 0;
  private skipped = 0;
  private readonly late = new Float64Array(WINDOW);
  private readonly work = new Float64Array(WINDOW);
  private samples = 0;
  /** While handlers run, (un)subscribing must not start or stop the timer: onTimer decides at its end. */
  private inTick = false;

  constructor(opts: MediaClockOptions = {}) {
    this.periodMs = opts.periodMs ?? 20;
    this.phases = opts.phases ?? 1;
    if (!Number.isInteger(this.phases) || this.phases < 1) throw new RangeError(`phases must be a whole number ≥ 1, got ${this.phases}`);
    this.slotNs = BigInt(Math.round((this.periodMs * 1e6) / this.phases));
    if (opts.gridOffsetMs !== undefined && !(opts.gridOffsetMs >= 0 && opts.gridOffsetMs < this.periodMs)) {
      throw new RangeError(`gridOffsetMs must lie in [0, ${this.periodMs}), got ${opts.gridOffsetMs}`);
    }
    this.gridOffsetNs = opts.gridOffsetMs === undefined ? undefined : BigInt(Math.round(opts.gridOffsetMs * 1e6));
    this.maxCatchUpSlots = (opts.maxCatchUpTicks ?? 10) * this.phases;
    this.byPhase = Array.from({ length: this.phases }, () => new Set<TickHandler>());
    this.onHandlerError = opts.onHandlerError ?? ((err) => process.emitWarning(`media clock handler threw: ${String(err)}`));
  }

  get subscribers(): number {
    return this.count;
  }

  /**
   * Adds a handler from its next tick on (in the least crowded phase); the returned function removes it.
   * The clock runs only while it has handlers.
   */
  subscribe(handler: TickHandler): () => void {
    let phase = this.byPhase[0]!;
    for (const set of this.byPhase) if (set.size < phase.size) phase = set;
    phase.add(handler);
    this.count++;
    if (this.timer === undefined && !this.inTick) {
      this.nextDeadline = this.firstDeadline();
      this.schedule();
    }
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      phase.delete(handler);
      this.count--;
      if (this.count === 0 && this.timer !== undefined && !this.inTick) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  }

  stats(): MediaClockStats {
    return {
      ticks: Math.floor(this.slot / this.phases),
      subscribers: this.count,
      skippedTicks: Math.floor(this.skipped / this.phases),
      lateMs: percentiles(this.late, this.samples),
      workMs: percentiles(this.work, this.samples),
    };
  }

  resetStats(): void {
    this.samples = 0;
    this.skipped = 0;
  }

  private firstDeadline(): bigint {
    const now = hrtime.bigint();
    if (this.gridOffsetNs === undefined) return now + this.slotNs;
    // Slot grids repeat every slot; the offset places this clock's slots within the period's grid.
    const slotOffset = this.gridOffsetNs % this.slotNs;
    const next = ((now - slotOffset) / this.slotNs + 1n) * this.slotNs + slotOffset;
    return next;
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
    const behind = Number((now - this.nextDeadline) / this.slotNs);
    if (behind > this.maxCatchUpSlots) {
      // The tick number jumps too, so streams can keep their RTP timestamps on wall time across the gap.
      this.skipped += behind;
      this.slot += behind;
      this.nextDeadline += BigInt(behind) * this.slotNs;
    }
    this.inTick = true;
    // Slots missed by a short stall run back to back, so every stream's timestamps stay on wall time.
    // Bounded, so an overloaded process still returns to the event loop (and reads its sockets)
    // between bursts instead of spinning on ticks it can never catch up with.
    let burst = 0;
    while (this.nextDeadline - now <= NS_PER_MS / 2n && this.count > 0 && burst++ <= this.maxCatchUpSlots) {
      const sample = this.samples % WINDOW;
      this.late[sample] = Number(now - this.nextDeadline) / 1e6;
      const nowMs = performance.now();
      const slot = this.slot++;
      const tick = Math.floor(slot / this.phases);
      for (const handler of this.byPhase[slot % this.phases]!) {
        try {
          handler(tick, nowMs);
        } catch (err) {
          this.onHandlerError(err);
        }
      }
      const after = hrtime.bigint();
      this.work[sample] = Number(after - now) / 1e6;
      this.samples++;
      this.nextDeadline += this.slotNs;
      now = after;
    }
    this.inTick = false;
    if (this.count > 0) this.schedule();
    else this.timer = undefined;
  };
}

let shared: MediaClock | undefined;

/** The process-wide clock every RtpEndpoint uses unless given another. */
export function sharedMediaClock(): MediaClock {
  shared ??= new MediaClock();
  return shared;
}
