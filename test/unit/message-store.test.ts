// The message store on a real LMDB environment: a record reads back as last written, before its commit (from the
// store's cache of recent records) and after it (from LMDB), however many records have been written since; so does
// the carrier-id index that delivery receipts use to find their message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allWritten, openTables, closeTables } from '../../src/store/db.js';
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

test('records and carrier ids read back as last written, before and after their commit, beyond what the caches hold', async () => {
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

    // A receipt's carrier id finds its segment at once (before the id's commit) and later from LMDB alone; an id the
    // carrier reuses points at the newer segment.
    const ids: Promise<unknown>[] = [];
    for (let i = 0; i < 25_000; i++) {
      const m = written[i % written.length]!;
      ids.push(store.rememberCarrierId('sandbox', `id${i}`, m.sid, m.from, i % 3));
      assert.deepEqual(store.lookupCarrierId('sandbox', `id${i}`), { sid: m.sid, from: m.from, part: i % 3 });
    }
    ids.push(store.rememberCarrierId('sandbox', 'id7', written[1]!.sid, written[1]!.from, 2));
    assert.equal(store.lookupCarrierId('sandbox', 'id7')?.sid, written[1]!.sid);
    assert.equal(store.lookupCarrierId('other-carrier', 'id7'), undefined);
    await Promise.all(ids);
    for (const lookup of [store, cold]) {
      assert.deepEqual(lookup.lookupCarrierId('sandbox', 'id0'), { sid: written[0]!.sid, from: written[0]!.from, part: 0 });
      assert.deepEqual(lookup.lookupCarrierId('sandbox', 'id7'), { sid: written[1]!.sid, from: written[1]!.from, part: 2 });
      assert.equal(lookup.lookupCarrierId('sandbox', 'id24999')?.sid, written[24_999 % written.length]!.sid);
    }

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

test('a message and its index entries are awaited as one: settled only once all are committed, in one turn or across turns', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-message-store-'));
  const tables = openTables(dir);
  try {
    const store = new MessageStore(tables);
    const m = { ...message(1), seq: 7 };
    await store.create(m, { outbox: true });
    // Everything the create wrote is visible once it settles: the record, the account's list entry, the outbox entry.
    assert.equal(tables.messages.get(m.sid)?.sid, m.sid);
    assert.equal(tables.messagesByAccount.get([m.accountSid, -m.dateCreated, m.sid]), m.sid);
    assert.deepEqual([...store.outboxOf(m.from)], [{ seq: 7, sid: m.sid }]);

    // Writes of one event turn share their transaction's promise; writes of another turn do not, and the result
    // waits for both.
    const a = tables.outbox.put([m.from, 8], 'SMa');
    const b = tables.outbox.put([m.from, 9], 'SMb');
    assert.equal(a, b, 'one transaction, one promise');
    await new Promise((r) => setImmediate(r));
    const c = tables.outbox.put([m.from, 10], 'SMc');
    const all = allWritten([a, c]);
    await all;
    assert.deepEqual([...store.outboxOf(m.from)].map((e) => e.seq), [7, 8, 9, 10]);

    // Leaving the outbox removes its entry in the same settle as the record's new state.
    await store.leaveOutbox({ ...m, status: 'sent' });
    assert.equal(tables.messages.get(m.sid)?.status, 'sent');
    assert.deepEqual([...store.outboxOf(m.from)].map((e) => e.seq), [8, 9, 10]);
  } finally {
    await closeTables(tables);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('allWritten rejects when any of its writes fails', async () => {
  const ok = Promise.resolve(true);
  const failed = Promise.reject(new Error('disk full'));
  await assert.rejects(allWritten([ok, failed]), /disk full/);
  assert.equal(allWritten([ok, ok]), ok);
});
