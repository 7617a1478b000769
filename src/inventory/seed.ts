import type { Database, RootDatabase } from 'lmdb';
import { planBlocks, type SeedPlan } from './blocks.js';
import { numberKey, SUFFIX_FROM, suffixKeys } from './keys.js';
import { hash32, pickLines, prng } from './prng.js';
import type { Block } from './types.js';

export const EMPTY = Buffer.alloc(0);

/** Bumped when the key layout or block shape changes, so an old inventory is rebuilt rather than misread. */
export const INVENTORY_FORMAT = 2;

export interface InventoryState {
  format: number;
  seed: number;
  count: number;
  plan: SeedPlan;
}

/**
 * Keys per write transaction. Each commit costs an fsync, so fewer is faster; but LMDB holds a transaction's dirty
 * pages in memory, and so does the JS-side key list: 100k keys keep both to a few MB (the default inventory, ~800k
 * keys, takes 8 commits). Seeding stays all-or-nothing: the state record goes in the last commit, and an inventory
 * without it is cleared and rebuilt at the next start.
 */
const KEYS_PER_TRANSACTION = 100_000;

/**
 * Queues keys that arrive in ascending order per database and writes them with LMDB's append flag:
 * pages fill completely and nothing is split or rewritten, which is several times faster than
 * random inserts and leaves a compact index (fewer pages for every later search to touch).
 */
class SortedAppender {
  private queue: Array<[Database<Buffer, string>, string]> = [];

  constructor(private readonly root: RootDatabase) {}

  async add(db: Database<Buffer, string>, keys: readonly string[]): Promise<void> {
    for (const key of keys) this.queue.push([db, key]);
    if (this.queue.length >= KEYS_PER_TRANSACTION) await this.flush();
  }

  /** Writes what is queued, plus `last` in the same transaction. */
  async flush(last?: () => void): Promise<void> {
    const items = this.queue;
    this.queue = [];
    await this.root.transaction(() => {
      for (const [db, key] of items) db.putSync(key, EMPTY, { append: true });
      last?.();
    });
  }
}

/**
 * Suffix keys of one space in ascending order. Keys are partitioned by area code, so sorting each
 * area code's keys on their own and emitting the area codes in order gives the global order with
 * only one area code's keys in memory at a time.
 */
async function appendSuffixes(out: SortedAppender, db: Database<Buffer, string>, space: string, sortedNationals: readonly string[]): Promise<void> {
  let group: string[] = [];
  let groupNpa = '';
  for (const national of sortedNationals) {
    const npa = national.slice(0, SUFFIX_FROM);
    if (npa !== groupNpa) {
      await out.add(db, group.sort());
      group = [];
      groupNpa = npa;
    }
    for (const key of suffixKeys(space, national)) group.push(key);
  }
  await out.add(db, group.sort());
}

/**
 * Draws every block's numbers from the seed and writes them, space by space in key order, into
 * empty databases. The meta record is written in the last transaction: its presence is what says
 * "seeded", so a crash mid-seed leaves an inventory that is rebuilt, never one half used.
 */
export async function seedNumbers(
  root: RootDatabase,
  dbs: { numbers: Database<Buffer, string>; suffixes: Database<Buffer, string>; meta: Database<unknown, string> },
  plan: SeedPlan,
  seed: number,
): Promise<{ blocks: Block[]; count: number }> {
  const blocks = planBlocks(plan, prng(seed));
  const bySpace = new Map<string, string[]>();
  for (const block of blocks) {
    const space = block.key.slice(0, 3);
    const list = bySpace.get(space) ?? [];
    bySpace.set(space, list);
    const lines = pickLines(block.seeded, prng(seed ^ hash32(block.key)));
    for (const line of lines) list.push(block.prefix + String(line).padStart(4, '0'));
    // pickLines caps a block at 10,000 lines; the block's planning size must say what was written.
    block.seeded = lines.length;
  }
  const out = new SortedAppender(root);
  let count = 0;
  for (const space of [...bySpace.keys()].sort()) {
    const nationals = bySpace.get(space)!.sort();
    count += nationals.length;
    await out.add(dbs.numbers, nationals.map((n) => numberKey(space, n)));
    await appendSuffixes(out, dbs.suffixes, space, nationals);
  }
  const state: InventoryState = { format: INVENTORY_FORMAT, seed, count, plan };
  await out.flush(() => {
    dbs.meta.putSync('blocks', blocks);
    dbs.meta.putSync('state', state);
  });
  return { blocks, count };
}
