import type { Database, RootDatabase } from 'lmdb';
import { defaultPlan } from './blocks.js';
import { BlockCatalog } from './catalog.js';
import { numberKey, rangeEnd, spaceOf, suffixKeys } from './keys.js';
import { materialize } from './materialize.js';
import { searchInventory } from './search.js';
import { EMPTY, INVENTORY_FORMAT, seedNumbers, type InventoryState } from './seed.js';
import type { AvailableNumber, Block, CountrySummary, SearchQuery } from './types.js';

export const DEFAULT_US_LOCAL = 100_000;
export const DEFAULT_SEED = 20100401;

/**
 * The phone-number inventory on LMDB. Three sub-databases on the caller's environment:
 * `inv_numbers` (one key per available number), `inv_suffixes` (the Contains index) and `inv_meta`
 * (the numbering plan's blocks and the seeding record). Availability is the presence of keys, so
 * taking a number is deleting its keys, and it vanishes from every search in the same commit.
 */
export class Inventory {
  private readonly numbers: Database<Buffer, string>;
  private readonly suffixes: Database<Buffer, string>;
  private readonly meta: Database<unknown, string>;
  private catalog!: BlockCatalog;

  constructor(private readonly root: RootDatabase) {
    this.numbers = root.openDB<Buffer, string>({ name: 'inv_numbers', encoding: 'binary' });
    this.suffixes = root.openDB<Buffer, string>({ name: 'inv_suffixes', encoding: 'binary' });
    this.meta = root.openDB<unknown, string>({ name: 'inv_meta', encoding: 'msgpack' });
    this.reload();
  }

  /** Whether a complete inventory is there (a sub-millisecond read). */
  isSeeded(): boolean {
    return this.seededState() !== undefined;
  }

  /** Reads the numbering plan's blocks again, after another thread seeded the inventory (see seed-worker.ts). */
  reload(): void {
    this.catalog = new BlockCatalog(this.seededState() ? ((this.meta.get('blocks') as Block[] | undefined) ?? []) : []);
  }

  private seededState(): InventoryState | undefined {
    const state = this.meta.get('state') as InventoryState | undefined;
    return state?.format === INVENTORY_FORMAT ? state : undefined;
  }

  /**
   * Seeds the inventory unless a complete one is already there (then it only reports, in well under a
   * millisecond). A half-written inventory from a crash mid-seed, or one in an older format, is
   * cleared and rebuilt.
   */
  async seedIfEmpty(opts: { usLocal?: number; seed?: number } = {}): Promise<{ seeded: boolean; count: number; ms: number }> {
    const t0 = performance.now();
    const existing = this.seededState();
    if (existing) return { seeded: false, count: existing.count, ms: performance.now() - t0 };
    await this.numbers.clearAsync();
    await this.suffixes.clearAsync();
    await this.meta.clearAsync();
    const { blocks, count } = await seedNumbers(
      this.root,
      { numbers: this.numbers, suffixes: this.suffixes, meta: this.meta },
      defaultPlan(opts.usLocal ?? DEFAULT_US_LOCAL),
      opts.seed ?? DEFAULT_SEED,
    );
    this.catalog = new BlockCatalog(blocks);
    return { seeded: true, count, ms: performance.now() - t0 };
  }

  countries(): CountrySummary[] {
    return this.catalog.countries();
  }

  search(q: SearchQuery): AvailableNumber[] {
    return searchInventory({ numbers: this.numbers, suffixes: this.suffixes, catalog: this.catalog }, q);
  }

  /** The numbering block a number belongs to, sold or not, and its national digits: where it is (src/numbers/geo.ts). */
  locate(e164: string): { block: Block; national: string } | undefined {
    return this.catalog.locate(e164);
  }

  /** The number if it is still available. */
  get(e164: string): AvailableNumber | undefined {
    const hit = this.catalog.locate(e164);
    if (!hit || !e164.startsWith('+')) return undefined;
    const key = numberKey(hit.block.key.slice(0, 3), hit.national);
    return this.numbers.get(key) === undefined ? undefined : materialize(hit.block, hit.national);
  }

  /**
   * Removes a number from the inventory and returns it, or undefined if it is not available (never
   * stocked, or already taken). Synchronous so a buyer can call it inside `root.transaction(() => …)`:
   * LMDB serialises write transactions, so of two buyers racing for one number exactly one sees it.
   * All its keys go in one (child) transaction: it leaves every index at once or not at all.
   */
  takeSync(e164: string): AvailableNumber | undefined {
    const hit = this.catalog.locate(e164);
    if (!hit || !e164.startsWith('+')) return undefined;
    const space = hit.block.key.slice(0, 3);
    return this.root.transactionSync(() => {
      const key = numberKey(space, hit.national);
      if (this.numbers.get(key) === undefined) return undefined;
      this.numbers.removeSync(key);
      for (const s of suffixKeys(space, hit.national)) this.suffixes.removeSync(s);
      return materialize(hit.block, hit.national);
    });
  }

  /** Returns a released number to the inventory (same transaction rules as takeSync). */
  putBackSync(n: AvailableNumber): void {
    const hit = this.catalog.locate(n.phone_number);
    // A number outside the numbering plan was never stocked here, so there is no index to return it to.
    if (!hit) return;
    const space = hit.block.key.slice(0, 3);
    this.root.transactionSync(() => {
      this.numbers.putSync(numberKey(space, hit.national), EMPTY);
      for (const s of suffixKeys(space, hit.national)) this.suffixes.putSync(s, EMPTY);
    });
  }

  /** The lowest available number in an area code (local first, then toll-free), for buying by AreaCode. */
  firstInAreaCodeSync(areaCode: string, country: 'US' | 'CA'): AvailableNumber | undefined {
    if (!/^\d{3}$/.test(areaCode)) return undefined;
    for (const type of ['local', 'tollFree'] as const) {
      const start = spaceOf(country, type) + areaCode;
      for (const key of this.numbers.getKeys({ start, end: rangeEnd(start), limit: 1 })) {
        const hit = this.catalog.blockOfKeyPrefix(key.slice(0, 9));
        if (hit) return materialize(hit, key.slice(3));
      }
    }
    return undefined;
  }
}
