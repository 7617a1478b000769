// The message store on a real LMDB environment: a record reads back as last written, before its commit (from the
// store's cache of recent records) and after it (from LMDB), however many records have been written since.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTables, closeTables } from '../../src/store/db.js';
import { MessageStore } from '../../src/messaging/message-store.js';
import { newMessageRecord } from '../../src/messaging/message-record.js';
import type { MessageRecord } from '../../src/store/records.js';

const ACCOUNT = 'AC' + '1'.repeat(32);

function message(i: number): MessageRecord {
  return newMessageRecord({
    accountSid: ACCOUNT,
    from: '+14155550199',
    to: `+1415${String(i).padStart(7, '0')}`,
    body: `message ${i}`,
    status: 'queued',
    direction: 'outbound-api',
    numSegments: 1,
  });
}

test('every record reads back as last written, before and after its commit, across more records than the cache holds', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-message-store-'));
  const tables = openTables(dir);
  try {
    const store = new MessageStore(tables);
    const written: MessageRecord[] = [];
    const commits: Promise<unknown>[] = [];
    for (let i = 0; i < 12_500; i++) {
      const m = message(i);
      commits.push(store.create(m));
      written.push(m);
      // Read back at once, before the commit: the caller sees its own write.
      assert.deepEqual(store.get(m.sid), m);
      if (i % 3 === 0) {
        // Written again (a status change): replaced where it is, without pushing another record out.
        m.status = 'sent';
        m.dateSent = m.dateCreated + 1;
        commits.push(store.save(m));
        assert.equal(store.get(m.sid)?.status, 'sent');
      }
    }
    // Nothing is committed yet (same event turn): the 10,000 most recent records all come from the cache.
    for (const m of written.slice(-10_000)) assert.deepEqual(store.get(m.sid), m, m.body);
    await Promise.all(commits);
    for (const m of written) assert.deepEqual(store.get(m.sid), m, m.body);

    // A fresh store (nothing cached) reads the same records from LMDB.
    const cold = new MessageStore(tables);
    for (const m of written) assert.deepEqual(cold.get(m.sid), m, m.body);

    // Callers get copies: changing one does not change what the store holds.
    const copy = store.get(written[12_499]!.sid)!;
    copy.status = 'failed';
    copy.carrierIds.push('x');
    assert.deepEqual(store.get(copy.sid), written[12_499]);
  } finally {
    await closeTables(tables);
    rmSync(dir, { recursive: true, force: true });
  }
});
