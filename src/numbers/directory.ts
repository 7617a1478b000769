// Provisioned numbers by E.164, decoded once: every message in and out asks who owns its number, and a number
// record is large to decode. Entries are dropped when the API changes or releases a number, and all of them when an
// application changes. What is cached is `view` of the record: the number as its texts and calls see it (its
// applications' URLs in place of its own, src/applications/applications.ts).
import type { Tables } from '../store/db.js';
import type { NumberRecord } from '../store/records.js';

const MAX_ENTRIES = 200_000;

export class NumberDirectory {
  private readonly cache = new Map<string, NumberRecord | null>();

  constructor(
    private readonly t: Tables,
    private readonly view: (n: NumberRecord) => NumberRecord = (n) => n,
  ) {}

  byE164(e164: string): NumberRecord | undefined {
    let n = this.cache.get(e164);
    if (n === undefined) {
      const sid = this.t.numberByE164.get(e164);
      const stored = sid ? this.t.numbers.get(sid) : undefined;
      n = stored ? this.view(stored) : null;
      if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
      this.cache.set(e164, n);
    }
    return n ?? undefined;
  }

  invalidate(e164: string): void {
    this.cache.delete(e164);
  }

  clear(): void {
    this.cache.clear();
  }
}
