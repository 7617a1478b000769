import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { closeTables, openTables } from '../../src/store/db.js';
import { newMessageRecord } from '../../src/messaging/message-record.js';
import type { MessageRecord } from '../../src/store/records.js';

const record = (body: string): MessageRecord =>
  newMessageRecord({ accountSid: 'AC' + 'a'.repeat(32), from: '+14155550100', to: '+14155550199', body, status: 'queued', direction: 'outbound-api', numSegments: 1 });

test('records are stored as values against shared structures, and a data dir written before them still reads', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-structures-'));
  try {
    // A data dir as tandem wrote it before shared structures: every record carries its own keys.
    const old = record('written before');
    const before = open({ path: join(dir, 'tandem.lmdb'), maxDbs: 64, compression: false });
    const oldMessages = before.openDB<MessageRecord, string>({ name: 'messages' });
    await oldMessages.put(old.sid, old);
    const inlineSize = oldMessages.getBinary(old.sid)!.length;
    await before.close();

    const t = openTables(dir);
    assert.deepEqual(t.messages.get(old.sid), old, 'a record with inline keys reads as written');
    const fresh = record('written after');
    await t.messages.put(fresh.sid, fresh);
    const compactSize = t.messages.getBinary(fresh.sid)!.length;
    assert.ok(compactSize < inlineSize / 1.5, `a record is stored without its key names (${compactSize} bytes against ${inlineSize} with them)`);
    // The structures live in meta, so a scan of the table meets only records.
    assert.deepEqual([...t.messages.getRange({})].map((e) => e.key).sort(), [old.sid, fresh.sid].sort());
    await closeTables(t);

    // After a restart both still read, and a record changed since is stored compactly too.
    const again = openTables(dir);
    assert.deepEqual(again.messages.get(fresh.sid), fresh);
    assert.deepEqual(again.messages.get(old.sid), old);
    const updated = { ...old, status: 'sent' as const, carrierIds: ['c-1'] };
    await again.messages.put(updated.sid, updated);
    assert.deepEqual(again.messages.get(old.sid), updated);
    assert.ok(again.messages.getBinary(old.sid)!.length < inlineSize);
    await closeTables(again);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
