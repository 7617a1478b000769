import type { Database } from 'lmdb';
import { planBlocks, type SeedPlan } from './blocks.js';
import { numberKey, suffixKeys } from './keys.js';
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

/** Numbers written per awaited batch: ~10 puts each, so ~100k puts per LMDB commit. */
const NUMBERS_PER_BATCH = 10_000;

/**
 * Draws every block's numbers from the seed and writes them with their suffix keys. Writes are
 * issued in batches and each batch awaited, so lmdb-js folds them into large commits while memory
 * stays bounded. The meta record goes last: its presence is what says "seeded".
 */
export async function seedNumbers(
  dbs: { numbers: Database<Buffer, string>; suffixes: Database<Buffer, string>; meta: Database<unknown, string> },
  plan: SeedPlan,
  seed: number,
): Promise<{ blocks: Block[]; count: number }> {
  const blocks = planBlocks(plan, prng(seed));
  let count = 0;
  let pending: Promise<boolean> | undefined;
  let inBatch = 0;
  for (const block of blocks) {
    const space = block.key.slice(0, 3);
    const lines = pickLines(block.seeded, prng(seed ^ hash32(block.key)));
    for (const line of lines) {
      const national = block.prefix + String(line).padStart(4, '0');
      pending = dbs.numbers.put(numberKey(space, national), EMPTY);
      for (const key of suffixKeys(space, national)) pending = dbs.suffixes.put(key, EMPTY);
      count++;
      if (++inBatch >= NUMBERS_PER_BATCH) {
        await pending;
        inBatch = 0;
      }
    }
    // pickLines caps a block at 10,000 lines; the block's planning size must say what was written.
    block.seeded = lines.length;
  }
  await pending;
  const state: InventoryState = { format: INVENTORY_FORMAT, seed, count, plan };
  await dbs.meta.put('blocks', blocks);
  await dbs.meta.put('state', state);
  return { blocks, count };
}
