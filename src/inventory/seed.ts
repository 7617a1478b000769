import type { Database, RootDatabase } from 'lmdb';
import { planBlocks, type SeedPlan } from './blocks.js';
import { numberKey, SUFFIX_FROM, suffixKeys } from './keys.js';
import { hash32, pickLines, prng } from './prng.js';
import type { Block } from './types.js';

export const EMPTY = Buffer.alloc(0);

/** Bumped when the key layout or block shape changes, so an old inventory is rebuilt rather than misread. */
export const INVENTORY_FORMAT = 1;

export interface InventoryState {
  format: number;
  seed: number;
  count: number;
  plan: SeedPlan;
}

/** Keys per write transaction: large enough for few commits, small enough to keep memory bounded. */
const KEYS_PER_TRANSACTION = 250_000;

/**
 * Writes keys that are already in ascending order with LMDB's append flag: pages fill completely
 * and nothing is ever split or rewritten, which makes seeding several times faster than random
 * inserts and leaves a compact index (fewer pages for every later search to touch).
 */
async function appendSorted(root: RootDatabase, db: Database<Buffer, string>, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += KEYS_PER_TRANSACTION) {
    const chunk = keys.slice(i, i + KEYS_PER_TRANSACTION);
    await root.transaction(() => {
      for (const key of chunk) db.putSync(key, EMPTY, { append: true });
    });
  }
}

/**
 * Suffix keys of one space in ascending order. Keys are partitioned by area code, so sorting each
 * area code's keys on their own and writing the area codes in order gives the global order with
 * only one area code's keys in memory at a time.
 */
async function writeSuffixes(root: RootDatabase, db: Database<Buffer, string>, space: string, sortedNationals: readonly string[]): Promise<void> {
  let pending: string[] = [];
  let group: string[] = [];
  let groupNpa = '';
  const closeGroup = async (): Promise<void> => {
    group.sort();
    for (const key of group) pending.push(key);
    group = [];
    if (pending.length >= KEYS_PER_TRANSACTION) {
      await appendSorted(root, db, pending);
      pending = [];
    }
  };
  for (const national of sortedNationals) {
    const npa = national.slice(0, SUFFIX_FROM);
    if (npa !== groupNpa) {
      await closeGroup();
      groupNpa = npa;
    }
    for (const key of suffixKeys(space, national)) group.push(key);
  }
  await closeGroup();
  await appendSorted(root, db, pending);
}

/**
 * Draws every block's numbers from the seed and writes them, space by space in key order, into
 * empty databases. The meta record goes last: its presence is what says "seeded".
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
  let count = 0;
  for (const space of [...bySpace.keys()].sort()) {
    const nationals = bySpace.get(space)!.sort();
    count += nationals.length;
    await appendSorted(root, dbs.numbers, nationals.map((n) => numberKey(space, n)));
    await writeSuffixes(root, dbs.suffixes, space, nationals);
  }
  const state: InventoryState = { format: INVENTORY_FORMAT, seed, count, plan };
  await dbs.meta.put('blocks', blocks);
  await dbs.meta.put('state', state);
  return { blocks, count };
}
