// Scheduled messages (SendAt + ScheduleType=fixed): one timer for the whole switch hands each due message to
// its sender's queue, where it waits its turn like any other.
import type { EntityRegistry } from '../../actors/registry.js';
import type { NumberMsg } from '../../actors/number/messages.js';
import type { NumberState } from '../../actors/number/number-actor.js';
import type { MessageStore } from './message-store.js';
import type { Logger } from 'pino';

export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly store: MessageStore,
    private readonly numbers: EntityRegistry<NumberState, NumberMsg>,
    private readonly log: Logger,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.releaseDue(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  releaseDue(): void {
    for (const sid of this.store.dueScheduled(Date.now(), 1000)) {
      if (this.inFlight.has(sid)) continue;
      const m = this.store.get(sid);
      if (!m || m.status !== 'scheduled') continue;
      this.inFlight.add(sid);
      m.status = 'queued';
      m.dateUpdated = Date.now();
      this.numbers.tell(m.from, {
        type: 'enqueue',
        record: m,
        fromSchedule: true,
        reply: (r) => {
          this.inFlight.delete(sid);
          if (!r.ok) this.log.error({ sid, code: r.code }, 'scheduled message could not be queued');
        },
      });
    }
  }
}
