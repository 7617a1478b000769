// A node's first start seeds the inventory in a worker thread (its heap leaves with it); the main thread's
// Inventory, open on the same environment, then finds every number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRoot } from '../../src/store/db.js';
import { Inventory } from '../../src/inventory/index.js';
import { seedInWorker } from '../../src/inventory/seed-worker.js';

test('seeded in a worker, the inventory is searchable and buyable from the main thread; a second seeding is a no-op', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-seed-worker-'));
  const root = openRoot(dir);
  try {
    const inv = new Inventory(root);
    assert.equal(inv.isSeeded(), false);
    assert.deepEqual(inv.countries(), []);
    const first = await seedInWorker(dir, { usLocal: 500, seed: 42 });
    assert.equal(first.seeded, true);
    inv.reload();
    assert.equal(inv.isSeeded(), true);
    assert.ok(inv.countries().some((c) => c.countryCode === 'US'));
    const found = inv.search({ country: 'US', type: 'local', pageSize: 1000 });
    assert.equal(found.length, 500);
    // The main thread still writes to the environment the worker closed its handle on.
    const taken = inv.takeSync(found[0]!.phone_number);
    assert.equal(taken?.phone_number, found[0]!.phone_number);
    assert.equal(inv.get(found[0]!.phone_number), undefined);
    const again = await seedInWorker(dir, { usLocal: 500, seed: 42 });
    assert.deepEqual([again.seeded, again.count], [false, first.count]);
  } finally {
    await root.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a data directory that cannot hold the inventory fails seeding with a clear error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-seed-worker-'));
  try {
    const file = join(dir, 'not-a-directory');
    await writeFile(file, 'x');
    await assert.rejects(seedInWorker(file, { usLocal: 10 }), /seeding the phone-number inventory failed: .*(EEXIST|ENOTDIR|not a directory|exists)/i);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
