// How many inbound messages one webhook origin (scheme://host:port of a SmsUrl) has in hand at once, across every
// number pointing at it. undici's pool carries a fixed number of requests to an origin at a time and queues the rest
// inside itself, each one fully built (parameters, signature, body, headers) with its timeout already running. At
// flat-out MO traffic that queue held ~12,000 webhooks for one app (200 numbers × 64 each): seconds of backlog that
// every young-generation collection copied again, and deadlines spent waiting in line. Past its slots, an origin's
// work now waits as the numbers' queued SIDs and a callback each, first come first served across numbers; a slow or
// dead app fills only its own slots, never another origin's.

import { DEFAULT_CONNECTIONS_PER_ORIGIN } from '../../../protocols/webhook/index.js';
import { Fifo } from '../../util/fifo.js';

/** Per origin: twice the webhook pool's sockets, so the pool always has the next request ready. */
export const DEFAULT_SLOTS_PER_ORIGIN = 2 * DEFAULT_CONNECTIONS_PER_ORIGIN;

interface Origin {
  active: number;
  waiting: Fifo<() => void>;
}

export class WebhookSlots {
  private readonly origins = new Map<string, Origin>();

  constructor(readonly perOrigin = DEFAULT_SLOTS_PER_ORIGIN) {
    if (!Number.isInteger(perOrigin) || perOrigin < 1) throw new RangeError(`slots per origin must be a whole number ≥ 1, got ${perOrigin}`);
  }

  /** Runs `start` now if `origin` has a free slot, else once one is released to it (in the order asked). It must not throw. */
  acquire(origin: string, start: () => void): void {
    let o = this.origins.get(origin);
    if (!o) this.origins.set(origin, (o = { active: 0, waiting: new Fifo() }));
    if (o.active < this.perOrigin) {
      o.active++;
      start();
      return;
    }
    o.waiting.push(start);
  }

  /** One of `origin`'s slots is free: it passes to the longest waiting, if any. */
  release(origin: string): void {
    const o = this.origins.get(origin);
    if (!o || o.active === 0) throw new Error(`no slot of ${origin} is held`);
    const next = o.waiting.shift();
    if (next) {
      next();
      return;
    }
    o.active--;
    if (o.active === 0) this.origins.delete(origin);
  }

  /** Slots held and callbacks waiting, all origins together (for metrics). */
  totals(): { active: number; waiting: number } {
    let active = 0;
    let waiting = 0;
    for (const o of this.origins.values()) {
      active += o.active;
      waiting += o.waiting.length;
    }
    return { active, waiting };
  }

  /** Slots held and callbacks waiting for `origin` (for tests). */
  load(origin: string): { active: number; waiting: number } {
    const o = this.origins.get(origin);
    return o ? { active: o.active, waiting: o.waiting.length } : { active: 0, waiting: 0 };
  }
}

/** The origin a webhook URL's slots are counted under; '' for no URL (keyword replies only) or one that does not parse. */
export function webhookOrigin(url: string | null | undefined): string {
  if (!url) return '';
  return URL.parse(url)?.origin ?? '';
}
